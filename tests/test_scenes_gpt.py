"""The gpt scene: microgpt's run, samples as it learns, attention per head, pause and settings."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from diffplay.errors import UsageError
from diffplay.gpt.train import train
from diffplay.scenes.blobs import unarray
from diffplay.scenes.gpt import GPTScene, attention_maps, loss_curve
from diffplay.scenes.schema import SchemaError


@pytest.fixture(scope="module")
def trained():
    return GPTScene(seed=42, steps=300, sample_every=100).run(steps=300)


def test_scene_trains_exactly_as_gpt_train_does():
    scene = GPTScene(seed=42, steps=1000).run(steps=20)
    reference = train(steps=1000, seed=42, samples=0, on_step=lambda step, steps, loss: None)
    assert scene.training.losses == reference.losses[:20]


def test_loss_falls_and_samples_come_every_n_steps(trained):
    summary = trained.summary()
    assert summary["loss_last100"] < summary["loss_first"] - 0.5
    assert [s["step"] for s in trained.samples] == [0, 100, 200, 300]
    assert all(isinstance(s["text"], str) for s in trained.samples)


def test_attention_is_causal_and_each_row_sums_to_one(trained):
    frame = trained.frame()
    tokens, attention = frame["tokens"], np.array(frame["attention"], dtype=float)
    config = trained.training.gpt.config
    assert tokens[0] == "<bos>" and attention.shape == (config.n_layer, config.n_head, len(tokens), len(tokens))
    assert np.allclose(attention.sum(-1), 1.0)
    assert np.all(np.triu(attention, 1) == 0)


def test_attention_maps_equal_torchs_first_layer_softmax(trained):
    gpt = trained.training.gpt
    ids = gpt.tokenizer.encode("emma")
    w, heads, d = gpt.model.w, gpt.config.n_head, gpt.config.head_dim
    weight = {name: torch.tensor(w[name].data, dtype=torch.float64) for name in ("wte", "wpe", *(f"layer0.attn_w{n}" for n in "qk"))}

    def rms(x):
        return x / torch.sqrt((x * x).mean(-1, keepdim=True) + 1e-5)

    h = rms(rms(weight["wte"][ids] + weight["wpe"][: len(ids)]))
    q, k = (h @ weight[f"layer0.attn_w{n}"].T for n in "qk")
    q, k = (t.view(len(ids), heads, d).transpose(0, 1) for t in (q, k))
    scores = (q @ k.transpose(-1, -2) / d**0.5).masked_fill(torch.ones(len(ids), len(ids)).triu(1).bool(), float("-inf"))
    assert np.allclose(attention_maps(gpt.model, ids)[0], torch.softmax(scores, -1).numpy(), rtol=0, atol=1e-12)


def test_pause_stops_training_and_resume_goes_on():
    scene = GPTScene(steps=50)
    scene.handle({"type": "pause"})
    assert scene.step(0.01) == 0 and scene.training.losses == []
    scene.handle({"type": "resume"})
    assert scene.step(1.0) == 1 and len(scene.training.losses) == 1   # speed: 1 step a frame, to watch
    scene.handle({"type": "set", "key": "speed", "value": 10})
    assert scene.step(1.0) == 10 and len(scene.training.losses) == 11
    assert scene.step(1.0, step_limit=3) == 3 and len(scene.training.losses) == 14


def test_temperature_is_live_and_sample_event_draws_now():
    scene = GPTScene(steps=50).run(steps=5)
    scene.handle({"type": "set", "key": "temperature", "value": 1.5})
    scene.handle({"type": "sample"})
    assert scene.training.step == 5 and scene.samples[-1]["step"] == 5


def test_each_sample_event_draws_a_fresh_name_also_after_training_ends():
    scene = GPTScene(steps=100).run()
    for _ in range(10):
        scene.handle({"type": "sample"})
    names = [s["text"] for s in scene.samples[-10:]]
    assert scene.at_rest() and len(set(names)) >= 3


def test_samples_are_the_same_in_two_runs_with_the_same_seed():
    def names():
        scene = GPTScene(seed=7, steps=40, sample_every=10).run()
        scene.handle({"type": "sample"})
        return [s["text"] for s in scene.samples]
    assert names() == names()


def test_frame_carries_the_loss_of_guessing_uniformly():
    scene = GPTScene(steps=10)
    assert scene.frame()["guess_loss"] == pytest.approx(math.log(27)) == pytest.approx(3.2958, abs=1e-4)   # 26 letters + BOS


def test_training_stops_at_the_end_of_the_schedule():
    scene = GPTScene(steps=30).run()
    assert scene.converged() and scene.training.step == 30 and scene.frame()["done"]


def test_a_finished_run_takes_no_more_steps_until_an_event():
    scene = GPTScene(steps=15, speed=10)
    assert scene.step(10.0) == 10 and scene.step(10.0) == 5   # the run ends mid-frame: the frame stops there
    before = scene.frame()
    assert scene.at_rest() and scene.step(10.0) == 0 and scene.frame() == before
    scene.handle({"type": "sample"})
    assert scene.frame()["samples"][-1]["step"] == 15


def test_frame_validates_as_json_and_curve_is_capped():
    scene = GPTScene(steps=50).run(steps=3)
    frame = json.loads(json.dumps(scene.frame()))
    assert GPTScene.frame_schema.check(frame, "frame")["trained"] == 3
    assert loss_curve(list(range(1000)), points=10) == [49.5 + 100 * i for i in range(10)]
    uneven = np.random.default_rng(0).random(1234)   # runs of 3 and 2, cut as np.array_split cuts them
    assert np.allclose(loss_curve(uneven, points=500), [run.mean() for run in np.array_split(uneven, 500)], atol=1e-15)


def test_frame_curve_follows_training_as_it_goes():
    scene = GPTScene(steps=700, speed=100)
    for _ in range(7):
        scene.step(10.0)
        assert np.allclose(unarray(scene.frame()["losses"]), loss_curve(scene.training.losses), rtol=1e-7)   # float32


@pytest.mark.parametrize("event, message", [
    ({"type": "set", "key": "temperature", "value": 0}, r"event\.value \(temperature\): must be in \[0\.05, 5\], got 0"),
    ({"type": "set", "key": "sample_every", "value": 2.5}, r"event\.value \(sample_every\): expected an integer"),
    ({"type": "sample", "n": 3}, r"event\.n: unknown field"),
])
def test_bad_events_name_the_field(event, message):
    with pytest.raises(SchemaError, match=message):
        GPTScene(steps=10).handle(event)


def test_data_setting_cannot_be_set_by_an_event(tmp_path):
    (tmp_path / "secret.txt").write_text("hunter2\n")
    scene = GPTScene(steps=10)
    with pytest.raises(SchemaError, match=r'^event\.key: setting "data" of scene gpt can only be given on the command line'):
        scene.handle({"type": "set", "key": "data", "value": str(tmp_path / "secret.txt")})
    assert scene.values["data"] == "" and "data" not in [s["name"] for s in GPTScene.describe()["settings"]]


def test_missing_data_file_names_it(tmp_path):
    with pytest.raises(UsageError, match=r"nope\.txt: no such file"):
        GPTScene(data=str(tmp_path / "nope.txt"))


def test_cli_gpt_writes_svg_and_summary(tmp_path):
    out = tmp_path / "gpt.svg"
    result = subprocess.run([sys.executable, "-m", "diffplay.cli", "scene", "gpt", "--set", "steps=40",
                             "--set", "sample_every=20", "--out", str(out), "--json"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["trained"] == 40 and len(summary["samples"]) == 3
    assert "microgpt: step 40 of 40" in out.read_text()
