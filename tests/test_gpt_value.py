"""The scalar GPT: microgpt's numbers, PyTorch's gradients, finite differences, sampling."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diffplay import gradcheck
from diffplay.errors import UsageError
from diffplay.gpt import GPT, GPTConfig
from diffplay.gpt.config import init_weights
from diffplay.gpt.data import Tokenizer
from diffplay.gpt.model_value import ValueGPT
from diffplay.gpt.train import DEFAULTS, Run
from gpt_reference import MICROGPT, MicrogptReference, names_txt


def value_run(data, **changes):
    return Run(data, {**DEFAULTS, **changes}, "value")


def test_value_engine_first_step_loss_is_microgpts():
    run = value_run(names_txt())
    loss, _ = run.train_step()
    assert abs(loss - MICROGPT["loss_first"]) < 1e-12


def test_value_engine_follows_microgpts_design_step_by_step():
    run = value_run(names_txt())
    reference = MicrogptReference(run.config, run.gpt.weights())
    for step in range(4):
        loss, _ = run.train_step()
        tokens = run.gpt.tokenizer.encode(run.docs[step])
        assert abs(loss - reference.step(tokens, step, run.steps)) < 1e-12
    ours = np.concatenate([np.ravel(m) for m in run.gpt.weights().values()])
    theirs = np.array([p.data for p in reference.params])
    assert np.max(np.abs(ours - theirs)) < 1e-12


def tiny_model(seed, n_layer=1, vocab=5):
    config = GPTConfig(n_embd=4, n_head=2, n_layer=n_layer, block_size=5)
    return ValueGPT(config, vocab, init_weights(config, vocab, random.Random(seed), std=0.5))


def test_value_model_gradients_match_finite_differences():
    model = tiny_model(seed=3, n_layer=2)
    batch = [[4, 0, 1, 2, 3, 0, 4], [4, 2, 4]]
    worst = gradcheck(lambda *params: model.loss(batch), model.parameters())
    assert max(worst) < 1e-6


documents = st.lists(st.lists(st.integers(0, 3), max_size=7), min_size=1, max_size=3)


@settings(max_examples=15)
@given(documents, st.integers(0, 2**16), st.integers(1, 2))
def test_value_model_loss_and_gradients_match_pytorch_float64(docs, seed, n_layer):
    torch = pytest.importorskip("torch")
    from gpt_reference import _diffplay_name, torch_batch, torch_gpt

    model = tiny_model(seed, n_layer)
    batch = [[4, *doc, 4] for doc in docs]
    loss = model.loss(batch)
    loss.backward()
    reference = torch_gpt(model.config, model.weights())
    torch_loss = reference(*torch_batch(batch, model.config.block_size))
    torch_loss.backward()
    assert abs(loss.data - torch_loss.item()) < 1e-12
    for name, param in reference.named_parameters():
        ours = np.array([[p.grad for p in row] for row in model.state_dict[_diffplay_name(name)]])
        assert np.allclose(ours, param.grad.numpy(), rtol=1e-9, atol=1e-13), name


def trained_tiny_gpt(engine="value"):
    tokenizer = Tokenizer("abc")
    config = GPTConfig(n_embd=4, n_head=2, n_layer=1, block_size=6)
    return GPT(config, tokenizer, init_weights(config, tokenizer.vocab_size, random.Random(0), std=0.5),
               engine, random.Random(7))


def test_samples_start_with_the_prompt_and_fit_the_block_size():
    names = trained_tiny_gpt().sample(30, temperature=2.0, prompt="ca", seed=1)
    assert all(name.startswith("ca") and len(name) <= 6 and set(name) <= set("abc") for name in names)
    assert len(set(names)) > 1


def test_sampling_with_a_seed_repeats_and_without_continues_the_stream():
    gpt = trained_tiny_gpt()
    assert gpt.sample(5, seed=3) == gpt.sample(5, seed=3)
    first, second = gpt.sample(10, temperature=3.0), gpt.sample(10, temperature=3.0)
    assert first != second


@pytest.mark.parametrize("kwargs, where", [
    ({"prompt": "abz"}, "--prompt abz: character 'z'"),
    ({"prompt": "abcabc"}, "--prompt abcabc: is 6 characters"),
    ({"temperature": 0.0}, "--temperature: must be a number > 0"),
    ({"n": -1}, "-n: must be an integer >= 0"),
])
def test_bad_sampling_arguments_are_usage_errors(kwargs, where):
    with pytest.raises(UsageError, match=where.replace("(", r"\(")):
        trained_tiny_gpt().sample(**kwargs)
