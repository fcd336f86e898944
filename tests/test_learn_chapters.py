"""The learn chapters compute what they show with diffplay's engines: checked here against the
same engines run in the test, and against plain arithmetic."""

import math

import numpy as np
import pytest

from diffplay.errors import UsageError
from diffplay.gpt.data import Tokenizer
from diffplay.learn.attention import Attention
from diffplay.learn.bigram import Bigram
from diffplay.learn.compare import Compare
from diffplay.learn.model import value_model
from diffplay.learn.tokens import Tokens
from diffplay.learn.trace import trace_position
from diffplay.learn.training import Training
from diffplay.learn.transformer import Transformer
from diffplay.scenes import registry


def test_chapters_come_in_order_after_the_scenes_and_name_their_microgpt_part():
    chapters = registry.all_scenes("learn")
    assert [c.number for c in chapters] == sorted(c.number for c in chapters) and chapters[0].name == "tokens"
    assert registry.names() == registry.names("scenes") + registry.names("learn")
    for chapter in chapters:
        described = chapter.describe()
        assert described["section"] == "learn" and described["about"] and 2 <= len(described["text"]) <= 5
        assert all(len(paragraph) < 500 for paragraph in described["text"])   # short, to be read


def test_a_chapter_draws_no_files_and_says_so():
    with pytest.raises(UsageError, match="tokens draws no pictures of its own"):
        Tokens.check_format("t.png")


def test_tokens_are_the_tokenizers_and_the_uniform_loss_is_ln_v():
    frame = Tokens(name="emma").frame()
    tokenizer = Tokenizer(frame["vocabulary"])
    assert [t["id"] for t in frame["tokens"]] == tokenizer.encode("emma")
    assert frame["uniform_loss"] == pytest.approx(math.log(frame["vocab_size"]), abs=1e-12)
    assert frame["pairs"][0] == {"input": "BOS", "target": "e"} and frame["pairs"][-1] == {"input": "a", "target": "BOS"}
    assert "'É'" in Tokens(name="Émma").frame()["unknown"]


def test_the_bigram_gradient_two_ways_agrees_and_descent_approaches_the_counted_loss():
    chapter = Bigram(lr=5.0)
    first = chapter.frame()["loss"]
    assert first == pytest.approx(math.log(27), abs=1e-12)   # W starts at zero: the uniform guess
    chapter.run(steps=150)
    frame = chapter.frame()
    check = frame["check"]
    assert check["difference"] <= 1e-7 * max(1.0, abs(check["analytic"]))
    assert frame["count_loss"] < frame["loss"] < first - 0.5
    chapter.handle({"type": "pick", "row": 26, "col": 0})
    assert (chapter.frame()["check"]["input"], chapter.frame()["check"]["target"]) == ("BOS", "a")
    with pytest.raises(ValueError, match="the table is 27×27"):
        chapter.handle({"type": "pick", "row": 27, "col": 0})


def test_attention_weights_are_softmax_of_scores_masked_to_the_past_and_mix_the_values():
    frame = Attention(name="emma", head=2).frame()
    T, d = len(frame["chars"]), frame["head_dim"]
    for t, (scores, weights) in enumerate(zip(frame["scores"], frame["weights"])):
        assert weights[t + 1:] == [None] * (T - t - 1) and abs(sum(weights[:t + 1]) - 1) < 1e-12
        z = [math.exp(s - max(scores[:t + 1])) for s in scores[:t + 1]]
        assert weights[:t + 1] == pytest.approx([e / sum(z) for e in z], abs=1e-12)
    q, w = frame["q"], frame["weights"][frame["query"]]
    assert frame["scores"][frame["query"]][0] == pytest.approx(sum(a * b for a, b in zip(q, frame["keys"][0])) / math.sqrt(d))
    mixed = [sum(w[t] * v[j] for t, v in enumerate(frame["values"])) for j in range(d)]
    assert frame["output"] == pytest.approx(mixed, abs=1e-12)


def test_attention_follows_the_query_and_refuses_one_past_the_name():
    chapter = Attention(name="ann")
    chapter.handle({"type": "query", "position": 1})
    assert chapter.frame()["query"] == 1 and len(chapter.frame()["keys"]) == 2
    with pytest.raises(ValueError, match="the name has 4 positions"):
        chapter.handle({"type": "query", "position": 4})


def test_the_transformer_shows_each_line_as_the_engine_computed_it_and_its_gradients():
    chapter = Transformer(name="emma", position=2)
    model, tokenizer = value_model(1000)
    mine = trace_position(model, tokenizer.encode("emma"), 2)
    for k in range(1, 8):
        chapter.handle({"type": "line", "delta": 1})
        current = chapter.frame()["current"]
        step = mine.steps[k - 1]
        assert current["line"] == step.line
        for out, (name, value) in zip(current["outputs"], step.outputs.items()):
            assert out["name"] == name and out["data"] == ([v.data for v in value] if isinstance(value, list) else value)
    chapter.handle({"type": "line", "delta": -3})
    assert chapter.frame()["cursor"] == 3
    chapter.handle({"type": "backward"})
    frame = chapter.frame()
    for p in model.parameters():
        p.grad = 0.0
    mine.loss.backward()
    assert frame["loss"] == mine.loss.data and frame["current"]["outputs"][0]["grad"] == [v.grad for v in mine.logits]
    assert frame["gradients"]["lm_head"] == [[round(p.grad, 8) for p in row] for row in model.state_dict["lm_head"]]
    assert sum(g["p"] for g in frame["guesses"]) <= 1.0


def test_training_shows_adams_own_state_for_the_picked_parameter():
    chapter = Training(steps=40).run(steps=3)
    chapter.handle({"type": "pick", "matrix": "layer0.mlp_fc1", "row": 5, "col": 7})
    chapter.run(steps=2)
    picked = chapter.frame()["picked"]
    state = chapter.job.optimizer.state_dict()["state"][chapter.names.index("layer0.mlp_fc1")]
    weight = chapter.job.gpt.model.w["layer0.mlp_fc1"]
    assert (picked["m"], picked["v"], picked["value"]) == (state["exp_avg"][5, 7], state["exp_avg_sq"][5, 7], weight.data[5, 7])
    assert picked["history"]["step"] == [3, 4, 5] and picked["moved"] == picked["history"]["value"][-1] - picked["history"]["value"][-2]
    with pytest.raises(ValueError, match="layer0.mlp_fc1 is 64×16"):
        chapter.handle({"type": "pick", "matrix": "layer0.mlp_fc1", "row": 64, "col": 0})


def test_training_samples_a_fresh_name_each_press():
    chapter = Training(steps=20).run(steps=20)
    for _ in range(10):
        chapter.handle({"type": "sample"})
    assert len({s["text"] for s in chapter.frame()["samples"]}) >= 3


@pytest.mark.parametrize("change, to, step, stage, where", [
    ("lr", 0.02, 1, "update", "Adam's update of wte[0][0]"),
    ("batch", 2, 1, "forward", "node 3 of the forward pass, embed(wte, wpe)"),
    ("seed", 7, 0, "setup", "the order of the documents (document 0)"),
    ("n_embd", 20, 0, "setup", "the weight wte"),
])
def test_two_runs_one_setting_apart_are_told_where_they_part(change, to, step, stage, where):
    parting = Compare(change=change, to=to).run(steps=2).frame()["parting"]
    assert (parting["step"], parting["stage"], parting["where"]) == (step, stage, where)


def test_two_runs_with_nothing_changed_are_identical_to_the_last_bit():
    frame = Compare(change="nothing").run(steps=5).frame()
    assert frame["parting"] is None and frame["bitwise"] and frame["loss_a"] == frame["loss_b"]


@pytest.mark.parametrize("change, equal", [("nothing", True), ("lr", False)])
def test_the_two_runs_weights_are_their_parameters_equal_until_they_part(change, equal):
    weights = Compare(change=change).run(steps=2).parameters()
    pairs = [(weights[key], weights["B." + key[2:]]) for key in weights if key.startswith("A.")]
    assert pairs and all(np.array_equal(a, b) for a, b in pairs) == equal


def test_a_setting_run_b_cannot_take_is_refused_and_the_runs_stay():
    chapter = Compare(change="n_embd", to=20)
    with pytest.raises(UsageError, match="n_embd must be a multiple of n_head"):
        chapter.handle({"type": "set", "key": "to", "value": 18})
    assert chapter.b_settings["n_embd"] == 20
