"""The boundary scene: Playground's datasets and figures, clicks, bad input, frames, the CLI."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import diffplay
from diffplay.scenes.blobs import unraster
from diffplay.scenes.boundary import Boundary, class_and_confidence
from diffplay.scenes.parts.datasets import DATASETS, make
from diffplay.scenes.schema import SchemaError
from studio_helpers import point_columns


def epochs_to_reach(scene, accuracy, epochs):
    """The first epoch (1-based) after which test accuracy is at least `accuracy`, else None."""
    for epoch in range(1, epochs + 1):
        scene.run(steps=1)
        if scene.scores()["test_accuracy"] >= accuracy:
            return epoch
    return None


# ---- the figures (Playground's rules: 500 points, half for training, lr 0.03, batch 10) ----

@pytest.mark.parametrize("dataset", ["circle", "xor"])
def test_circle_and_xor_reach_95_percent_within_100_epochs_on_most_seeds(dataset):
    # A 2-4-2 network sometimes starts in a poor basin, in Playground too: over seeds 0-99
    # circle gets there 89 times and xor 80 (0-19: 18 and 15). Playground's own head (one tanh
    # unit on squared error, one fixed order) gives 88 and 79; Glorot, LeCun or orthogonal
    # starts, zero biases, either head: xor never better than 88 (nor all of 0-19). Seeds 0-9
    # must give at least 8.
    reached = [
        epochs_to_reach(Boundary(seed=seed, dataset=dataset, points=500, hidden=[4, 2], activation="tanh",
                                 lr=0.03, batch=10), 0.95, 100)
        for seed in range(10)
    ]
    assert sum(epoch is not None for epoch in reached) >= 8, reached


def test_spiral_reaches_95_percent_within_3000_epochs():
    scene = Boundary(seed=0, dataset="spiral", points=500, hidden=[8, 8, 8], activation="tanh", lr=0.03, batch=10)
    assert epochs_to_reach(scene, 0.95, 3000) is not None


@pytest.mark.parametrize("seed, x, y", [(0, -5.5, 2.0), (1, -5.5, 2.0), (0, 2.0, -5.5), (1, 2.0, -5.5)])
def test_point_added_in_the_wrong_region_is_learned_within_50_epochs(seed, x, y):
    scene = Boundary(seed=seed, dataset="gauss").run(steps=100)
    wrong = int(scene.logits(np.array([[x, y]])).argmax())
    scene.handle({"type": "add_point", "x": x, "y": y, "label": 1 - wrong})
    learned = None
    for epoch in range(1, 51):
        scene.run(steps=1)
        if scene.logits(np.array([[x, y]])).argmax() == 1 - wrong:
            learned = epoch
            break
    assert learned is not None and scene.scores()["test_accuracy"] >= 0.95


def test_network_starts_as_playground_does():
    from diffplay.nn import TensorMLP

    scene = Boundary(seed=3)
    assert isinstance(scene.model, TensorMLP) and [w.shape for w in scene.model.weights()] == [(4, 2), (2, 4), (2, 2)]
    assert all(np.abs(w.data).max() <= 0.5 for w in scene.model.weights())   # U(-0.5, 0.5)
    assert all(np.all(layer.bias.data == 0.1) for layer in scene.model.linears)   # every bias 0.1


# ---- datasets ----

@pytest.mark.parametrize("name", sorted(DATASETS))
@pytest.mark.parametrize("classes", [2, 3, 4])
def test_datasets_are_seeded_and_have_every_class(name, classes):
    a = make(name, 200, 0.1, classes, np.random.default_rng(5))
    b = make(name, 200, 0.1, classes, np.random.default_rng(5))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert set(a[1].tolist()) == set(range(classes))
    assert np.abs(a[0]).max() < 7.5


def test_circle_two_classes_follow_playground_radii():
    points, labels = make("circle", 400, 0.0, 2, np.random.default_rng(0))
    r = np.hypot(*points.T)
    assert r[labels == 0].max() <= 2.5 and r[labels == 1].min() >= 3.5 and r.max() <= 5


def test_xor_labels_are_the_sign_of_x_times_y_without_noise():
    points, labels = make("xor", 300, 0.0, 2, np.random.default_rng(0))
    assert np.array_equal(labels, (points[:, 0] * points[:, 1] < 0).astype(int))
    assert np.abs(points).min() >= 0.3


# ---- events and bad input ----

def test_no_points_trains_nothing_and_frames_say_null():
    scene = Boundary(points=4)
    for _ in range(4):
        x, y = scene.xy[0]
        scene.handle({"type": "remove_point", "x": x, "y": y})
    assert len(scene.xy) == 0
    scene.step(0.0)
    frame = scene.frame()
    assert point_columns(frame["points"]) == {"x": [], "y": [], "label": [], "test": []} and frame["train_loss"] is None and frame["test_accuracy"] is None
    assert Boundary.frame_schema.check(json.loads(json.dumps(frame)), "frame")


def test_one_class_only_learns_that_class_everywhere():
    scene = Boundary(points=4, train_ratio=90)
    for x, y in scene.xy.tolist():
        scene.handle({"type": "remove_point", "x": x, "y": y})
    for x in (-2.0, 0.0, 2.0):
        scene.handle({"type": "add_point", "x": x, "y": x, "label": 1})
    scene.run(steps=50)
    assert (unraster(scene.frame()["grid_class"]) == 1).all()
    assert scene.frame()["train_accuracy"] == 1.0


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(2, 4)), elements=st.floats(-30, 30)))
def test_grid_class_and_confidence_equal_softmaxs_argmax_and_scaled_maximum(logits):
    best, confidence = class_and_confidence(logits)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    k = logits.shape[1]
    assert (p[np.arange(len(p)), best] == p.max(1)).all()   # the most likely class (the first, on a tie)
    np.testing.assert_allclose(confidence, (p.max(1) - 1 / k) / (1 - 1 / k), rtol=1e-12, atol=1e-12)


def test_live_frames_train_batch_by_batch_and_an_epoch_may_span_them():
    live, headless = Boundary(points=100, batch=10), Boundary(points=100, batch=10).run(steps=2)
    taken = [live.step(0.0) for _ in range(10)]   # 50 training points: 5 batches an epoch
    assert taken == [1] * 10 and live.steps == 2
    for a, b in zip(live.model.parameters(), headless.model.parameters()):
        np.testing.assert_array_equal(a.data, b.data)   # the same SGD steps as two whole epochs


def test_frame_points_are_the_same_list_until_a_click_changes_them():
    scene = Boundary(points=20)
    first = scene.frame()["points"]
    scene.step(0.0)
    assert scene.frame()["points"] is first   # unchanged: the studio need not send it again
    scene.handle({"type": "add_point", "x": 1, "y": 2, "label": 0})
    assert scene.frame()["points"] is not first and len(point_columns(scene.frame()["points"])["x"]) == 21
    x, y = scene.xy[0]
    scene.handle({"type": "remove_point", "x": x, "y": y})
    assert len(point_columns(scene.frame()["points"])["x"]) == 20


def test_remove_point_takes_the_nearest_within_half_a_unit():
    scene = Boundary()
    n = len(scene.xy)
    x, y = scene.xy[7]
    scene.handle({"type": "remove_point", "x": x + 0.01, "y": y})
    assert len(scene.xy) == n - 1 and not np.any(np.all(scene.xy == [x, y], axis=1))
    scene.handle({"type": "remove_point", "x": 6.0, "y": 6.0})   # nothing there
    assert len(scene.xy) == n - 1


def test_added_point_goes_to_training_unless_marked_test():
    scene = Boundary()
    scene.handle({"type": "add_point", "x": 1, "y": 2, "label": 0})
    scene.handle({"type": "add_point", "x": 1, "y": 2, "label": 1, "test": True})
    points = point_columns(scene.frame()["points"])
    assert {column: values[-2:] for column, values in points.items()} == {
        "x": [1.0, 1.0], "y": [2.0, 2.0], "label": [0, 1], "test": [False, True]}


@pytest.mark.parametrize("event, message", [
    ({"type": "add_point", "x": "a", "y": 0, "label": 0}, r'event\.x: expected a number, got "a"'),
    ({"type": "add_point", "x": 7, "y": 0, "label": 0}, r"event\.x: must be in \[-6\.0, 6\.0\], got 7"),
    ({"type": "add_point", "x": 0, "y": 0, "label": 2}, r"event\.label: must be below the number of classes \(2\)"),
    ({"type": "add_point", "x": 0, "y": 0}, r"event\.label: missing"),
    ({"type": "set", "key": "hidden", "value": [4, 40]}, r"event\.value \(hidden\)\[1\]: must be in \[1, 32\], got 40"),
    ({"type": "set", "key": "hidden", "value": [1] * 7}, r"event\.value \(hidden\): expected 0 to 6 items, got 7"),
    ({"type": "set", "key": "dataset", "value": "spirals"}, r'expected one of .*did you mean "spiral"'),
    ({"type": "set", "key": "classes", "value": 1}, r"event\.value \(classes\): must be in \[2, 4\], got 1"),
])
def test_bad_events_name_the_field(event, message):
    with pytest.raises(SchemaError, match=message):
        Boundary(points=20).handle(event)


def test_settings_from_the_command_line_build_the_network():
    scene = Boundary.from_assignments(["hidden=8,8,8", "activation=relu", "classes=3", "dataset=spiral"])
    assert [w.shape for w in scene.model.weights()] == [(8, 2), (8, 8), (8, 8), (3, 8)]
    assert Boundary.from_assignments(["hidden="]).model.weights()[0].shape == (2, 2)   # no hidden layer


def test_live_setting_keeps_training_and_dataset_change_rebuilds():
    scene = Boundary(points=50).run(steps=3)
    scene.handle({"type": "set", "key": "lr", "value": 0.1})
    assert scene.steps == 3 and scene.opt.lr == 0.03
    scene.step(0.0)
    assert scene.opt.lr == 0.1
    scene.handle({"type": "set", "key": "dataset", "value": "moons"})
    assert scene.steps == 0


@pytest.mark.parametrize("regularization", ["l1", "l2"])
def test_regularization_shrinks_the_weights(regularization):
    plain = Boundary(points=100).run(steps=30)
    shrunk = Boundary(points=100, regularization=regularization, reg_rate=0.3).run(steps=30)
    size = {"l1": lambda s: sum(np.abs(w.data).sum() for w in s.model.weights()),
            "l2": lambda s: sum((w.data**2).sum() for w in s.model.weights())}[regularization]
    assert size(shrunk) < 0.7 * size(plain)


def test_frame_grid_is_row_major_with_y_up():
    scene = Boundary(dataset="gauss", grid=20).run(steps=30)
    classes = unraster(scene.frame()["grid_class"])
    assert classes.shape == (20, 20)
    # gauss puts class 0 around (2, 2): the top right cell; class 1 around (-2, -2): bottom left
    assert classes[0, -1] == 0 and classes[-1, 0] == 1


# ---- the command line ----

def test_cli_boundary_writes_png_and_summary(tmp_path):
    out = tmp_path / "b.png"
    result = subprocess.run([sys.executable, "-m", "diffplay.cli", "scene", "boundary", "--set", "dataset=xor",
                             "--steps", "20", "--out", str(out), "--json"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.splitlines()[-1])
    assert summary["epochs"] == 20 and summary["settings"]["dataset"] == "xor" and 0 <= summary["test_accuracy"] <= 1
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_bad_set_exits_2_naming_the_setting(tmp_path):
    result = subprocess.run([sys.executable, "-m", "diffplay.cli", "scene", "boundary", "--set", "lr=fast",
                             "--out", str(tmp_path / "b.png")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and '--set lr: expected a number, got "fast"' in result.stderr


# ---- what it learned, out; points of one's own, in ----

def test_exported_script_predicts_as_the_scene_with_numpy_alone_and_as_a_torch_module(tmp_path):
    scene = Boundary(dataset="spiral", hidden=[8, 8], activation="relu").run(steps=20)
    scene.render(tmp_path / "model.py")
    xy = np.random.default_rng(1).uniform(-6, 6, (200, 2))
    wanted = scene.outputs_at(xy)
    np.save(tmp_path / "xy.npy", xy)
    # a fresh process where diffplay cannot be imported: the script needs NumPy alone
    script = subprocess.run([sys.executable, "-c", "import sys, runpy, numpy as np; sys.modules['diffplay'] = None; "
                             "np.save('p.npy', runpy.run_path('model.py')['predict'](np.load('xy.npy')))"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert script.returncode == 0, script.stderr
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"), wanted, atol=1e-12)
    module = runpy.run_path(str(tmp_path / "model.py"))["torch_model"]()
    got = torch.softmax(module(torch.from_numpy(xy)), 1).detach().numpy()
    np.testing.assert_allclose(got, wanted, atol=1e-6)


def test_exported_json_holds_every_weight_exactly(tmp_path):
    scene = Boundary().run(steps=5)
    scene.render(tmp_path / "model.json")
    saved = json.loads((tmp_path / "model.json").read_text())
    assert saved["activation"] == "tanh" and saved["epochs"] == 5 and saved["settings"]["hidden"] == [4, 2]
    for layer, linear in zip(saved["layers"], scene.model.linears):
        np.testing.assert_array_equal(layer["weight"], linear.weight.data)
        np.testing.assert_array_equal(layer["bias"], linear.bias.data)


def test_export_event_puts_the_file_in_the_next_frame_once_per_ask():
    scene = Boundary()
    scene.handle({"type": "export", "format": "py"})
    first = scene.frame()["download"]
    scene.handle({"type": "export", "format": "json"})
    second = scene.frame()["download"]
    assert first["name"] == "boundary.py" and second["name"] == "boundary.json" and second["id"] == first["id"] + 1
    assert "def predict(xy)" in first["text"]


def test_csv_points_replace_the_dataset_and_a_reset_keeps_them(tmp_path):
    text = "x,y,label\n# a comment\n1,2,0\n-3,4.5,1\n\n2,-1,1\n0,0,0\n"
    (tmp_path / "points.csv").write_text(text)
    scene = Boundary(data=str(tmp_path / "points.csv"), train_ratio=50)
    assert scene.xy.tolist() == [[1, 2], [-3, 4.5], [2, -1], [0, 0]] and scene.labels.tolist() == [0, 1, 1, 0]
    assert scene.is_test.sum() == 2
    page = Boundary()
    page.handle({"type": "load_csv", "text": "1,1,0,false\n-1,-1,1,true\n"})
    page.handle({"type": "reset"})
    assert page.xy.tolist() == [[1, 1], [-1, -1]] and page.is_test.tolist() == [False, True]


@pytest.mark.parametrize("text, message", [
    ("x,y,label\n1,2\n", r"points\.csv, line 2: expected x,y,label or x,y,label,test, got 2 fields"),
    ("1,2,0\n1,two,1\n", r'points\.csv, line 2, y: expected a number, got "two"'),
    ("1,2,0\n9,2,1\n", r"points\.csv, line 2, x: must be in \[-6.0, 6.0\], got 9"),
    ("1,2,0\n1,2,2\n", r"points\.csv, line 2, label: must be in \[0, 1\], got 2"),
    ("1,2,0,true\n1,2,1\n", r"points\.csv: give the test column on every line or on none"),
    ("x,y,label\n", r"points\.csv: no points"),
])
def test_bad_csv_files_are_refused_naming_the_file_line_and_field(text, message, tmp_path):
    (tmp_path / "points.csv").write_text(text)
    with pytest.raises(SchemaError, match=message):
        Boundary(data=str(tmp_path / "points.csv"))


def test_cli_exports_the_network_and_refuses_a_bad_csv_with_exit_2(tmp_path):
    (tmp_path / "bad.csv").write_text("1,2,0\n1,2,7\n")
    source = {**os.environ, "PYTHONPATH": str(Path(diffplay.__file__).parents[1])}   # this diffplay, from tmp_path too
    run = lambda *args: subprocess.run([sys.executable, "-m", "diffplay.cli", "scene", "boundary", *args],
                                       capture_output=True, text=True, cwd=tmp_path, env=source)
    good = run("--steps", "3", "--out", "model.py")
    assert good.returncode == 0 and "def torch_model" in (tmp_path / "model.py").read_text()
    bad = run("--set", f"data={tmp_path / 'bad.csv'}", "--out", "x.png")
    assert bad.returncode == 2 and "line 2, label: must be in [0, 1], got 7" in bad.stderr


# ---- regression, as Playground's "regress plane" and "regress gaussian" ----

def test_regression_learns_the_plane_and_its_frames_say_so():
    scene = Boundary(dataset="plane", hidden=[4]).run(steps=100)
    frame = json.loads(json.dumps(scene.frame()))
    assert Boundary.frame_schema.check(frame, "frame")["regression"] is True
    assert frame["train_accuracy"] is None and frame["test_loss"] < 1e-3   # mean squared error of values in [-1, 1]
    assert frame["network"]["sizes"] == [2, 4, 1]
    xy = np.array([[3.0, 2.0], [-4.0, -5.0]])
    np.testing.assert_allclose(scene.outputs_at(xy)[:, 0], [0.5, -0.9], atol=0.05)   # (x + y) / 10


def test_regression_points_carry_their_values_and_a_click_adds_minus_or_plus_one():
    scene = Boundary(dataset="gaussians")
    points = point_columns(scene.frame()["points"])
    assert all(-1 <= value <= 1 and label == int(value > 0) for value, label in zip(points["value"], points["label"], strict=True))
    scene.handle({"type": "add_point", "x": 1, "y": 1, "label": 1})
    scene.handle({"type": "add_point", "x": 2, "y": 2, "label": 0})
    assert scene.labels[-2:].tolist() == [1.0, -1.0]


def test_regression_exports_predict_values_in_numpy_and_torch(tmp_path):
    scene = Boundary(dataset="gaussians", hidden=[6, 6]).run(steps=10)
    scene.render(tmp_path / "model.py")
    module = runpy.run_path(str(tmp_path / "model.py"))
    xy = np.random.default_rng(2).uniform(-6, 6, (50, 2))
    np.testing.assert_allclose(module["predict"](xy), scene.outputs_at(xy), atol=1e-12)
    np.testing.assert_allclose(module["torch_model"]()(torch.from_numpy(xy)).detach().numpy(), scene.outputs_at(xy), atol=1e-6)


def test_regression_csv_values_are_numbers_in_minus_one_to_one(tmp_path):
    (tmp_path / "v.csv").write_text("x,y,label\n1,1,0.25\n-1,2,-0.5\n")
    scene = Boundary(dataset="plane", data=str(tmp_path / "v.csv"))
    assert scene.labels.tolist() == [0.25, -0.5]
    (tmp_path / "bad.csv").write_text("1,1,0.25\n-1,2,1.5\n")
    with pytest.raises(SchemaError, match=r"bad\.csv, line 2, label: must be in \[-1, 1\], got 1\.5"):
        Boundary(dataset="plane", data=str(tmp_path / "bad.csv"))
