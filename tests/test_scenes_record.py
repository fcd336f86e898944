"""A scene's run saved as a record and replayed: the very same state, bit for bit."""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import diffplay
from diffplay.errors import UsageError
from diffplay.scenes import registry
from diffplay.scenes.boundary import Boundary
from diffplay.scenes.canvas import BUSY_PIXELS
from diffplay.scenes.record import Replay, read_record, record_of, record_text, replay
from diffplay.scenes.schema import SchemaError
from studio_helpers import poke


def same_state(a, b):
    """Frames and summaries equal, as JSON (what a page and a report see), but for clock readings."""
    untimed = lambda d: json.dumps({k: v for k, v in d.items() if not k.endswith("_ms") and k != "seconds"}, sort_keys=True)
    return untimed(a.frame()) == untimed(b.frame()) and untimed(a.summary()) == untimed(b.summary())


@pytest.mark.parametrize("name", registry.names())
def test_every_scene_and_chapter_replays_its_run_to_the_same_frame(name):
    cls = registry.load(name)
    scene = cls.from_assignments(cls.example.settings if cls.example else ())
    for _ in range(3):
        scene.step(0.005)   # live pieces, as a studio takes them
    scene.handle({"type": "pause"})
    scene.handle({"type": "resume"})
    again = replay(json.loads(record_text(scene)), cls)
    assert again.pieces == scene.pieces and again.steps == scene.steps
    assert same_state(again, scene)


@pytest.mark.parametrize("name", [name for name in registry.names() if registry.load(name).lighter])
def test_every_scene_with_a_lighter_way_replays_a_busy_run_played_through(name):
    cls = registry.load(name)
    scene = cls.from_assignments(cls.example.settings if cls.example else ())
    scene.handle({"type": "busy", "on": True})
    for k in range(6):   # inputs as a person gives them, while pieces of steps are under way
        scene.handle(poke(name, k, scene.frame(), {"scene": cls.describe(), "values": scene.values}))
        scene.step(0.001)
        scene.step(0.001)
    scene.handle({"type": "busy", "on": False})
    scene.step(0.001)
    again = replay(json.loads(record_text(scene)), cls)
    assert again.pieces == scene.pieces and again.steps == scene.steps
    assert same_state(again, scene)


@pytest.mark.parametrize("name", registry.names())
def test_every_scene_copied_or_restored_goes_on_as_the_original_does(name):
    """What a page loading a run (become) and the studio's recovery (snapshot, restore) rely on:
    the copy learns on, bit for bit (a deep copy once cut an optimizer's buffer off its model)."""
    cls = registry.load(name)
    settings = cls.from_assignments(cls.example.settings if cls.example else ()).initial
    original, copied = cls(**settings), cls(seed=7, **settings)
    for _ in range(3):
        original.advance_piece()
    copied.become(original)
    kept = original.snapshot()
    for scene in (original, copied):
        for _ in range(40):
            scene.advance_piece()
    assert same_state(copied, original)
    later = json.loads(json.dumps(original.frame(), default=str))
    original.restore(kept)
    for _ in range(40):
        original.advance_piece()
    assert same_state(copied, original) and original.steps == copied.steps and later["step"] == original.steps


def test_boundary_clicks_and_settings_between_pieces_replay_to_the_same_weights_bit_for_bit():
    scene = Boundary(points=60)
    events = [{"type": "add_point", "x": 1.5, "y": -2.0, "label": 1},
              {"type": "set", "key": "lr", "value": 0.3},
              {"type": "remove_point", "x": 0.0, "y": 0.0},
              {"type": "set", "key": "hidden", "value": [5, 3]},   # a rebuilding setting
              {"type": "add_point", "x": -4.0, "y": 4.0, "label": 0, "test": True}]
    for event in events:
        for _ in range(7):
            scene.advance_piece()   # seven batches: the event lands mid-epoch
        scene.handle(event)
    scene.run(steps=3)
    again = replay(record_of(scene), Boundary)
    for mine, theirs in zip(scene.model.parameters(), again.model.parameters()):
        np.testing.assert_array_equal(mine.data, theirs.data)
    assert again.values["lr"] == 0.3 and again.xy.tolist() == scene.xy.tolist()


def test_a_replay_counts_as_whole_only_once_the_events_after_its_last_piece_are_in():
    scene = Boundary(points=60)
    for _ in range(5):
        scene.advance_piece()
    scene.handle({"type": "pause"})   # the run's last event, after its last piece
    run, shown = Replay(record_of(scene), Boundary), []
    while not run.advance(deadline=0):   # a slice a frame, as a busy studio page gets it
        shown.append((run.progress(), run.scene.paused))
    shown.append((run.progress(), run.scene.paused))
    assert shown[-1] == (1.0, True) and all(progress < 1 for progress, _ in shown[:-1])


def test_cli_save_then_load_resumes_to_the_same_end_as_one_run(tmp_path):
    source = {**os.environ, "PYTHONPATH": str(Path(diffplay.__file__).parents[1])}
    run = lambda *args: subprocess.run([sys.executable, "-m", "diffplay.cli", "scene", "canvas", "--json", *args],
                                       capture_output=True, text=True, cwd=tmp_path, env=source)
    first = run("--set", "size=16", "--steps", "5", "--save", "half.json")
    assert first.returncode == 0, first.stderr
    resumed = run("--load", "half.json", "--steps", "5", "--out", "a.png")
    whole = run("--set", "size=16", "--steps", "10", "--out", "b.png")
    assert resumed.returncode == 0 and whole.returncode == 0, resumed.stderr + whole.stderr
    ended = [{k: v for k, v in json.loads(r.stdout.splitlines()[-1]).items() if k not in ("out", "saved", "seconds")}
             for r in (resumed, whole)]
    assert ended[0] == ended[1] and ended[0]["steps"] == 10
    refused = run("--load", "half.json", "--set", "size=8", "--out", "c.png")
    assert refused.returncode == 2 and "--load takes the settings and seed from the record" in refused.stderr


@pytest.mark.parametrize("change, message", [
    (lambda r: r.update(record="something"), r'record: not a scene record'),
    (lambda r: r.update(version=7), r"record\.version: this diffplay reads version 1, got 7"),
    (lambda r: r.update(scene="canvas"), r"record\.scene: the record is of scene 'canvas', not boundary"),
    (lambda r: r.update(pieces=10**9), r"record\.pieces: expected an integer from 0 to 10,000,000"),
    (lambda r: r.update(seed=-1), r"record\.seed: expected an integer from 0 to"),
    (lambda r: r.update(settings={"lr": "fast"}), r"settings\.lr: expected a number"),
    (lambda r: r.update(pieces=6, history=[[5, {"type": "pause"}], [2, {"type": "resume"}]]),
     r"record\.history\[1\]\[0\]: events come in order of their pieces, got 2 after 5"),
    (lambda r: r.update(history=[[1, {"type": "add_point", "x": 99, "y": 0, "label": 0}]]),
     r"record\.history\[0\]\[1\]: event\.x: must be in"),
    (lambda r: r.update(history=[[1, "pause"]]), r"record\.history\[0\]\[1\]: event: expected an object"),
    (lambda r: r.update(history=[[1]]), r"record\.history\[0\]: expected \[piece, event\]"),
])
def test_a_bad_record_is_refused_naming_the_field(change, message, tmp_path):
    record = record_of(Boundary(points=20).run(steps=2))
    change(record)
    path = tmp_path / "run.json"
    path.write_text(json.dumps(record))
    with pytest.raises(UsageError, match=message):
        read_record(path, Boundary)


def test_not_json_is_refused_with_its_line(tmp_path):
    (tmp_path / "run.json").write_text('{"record": \n')
    with pytest.raises(UsageError, match=r"run\.json.*not JSON"):
        read_record(tmp_path / "run.json", Boundary)


def test_a_busy_studio_lightens_the_scenes_that_can_and_their_records_replay_it():
    canvas, boundary = registry.load("canvas")(), Boundary(grid=100)
    batch = lambda: len(copy.deepcopy(canvas).training_batch()[1])   # taking a batch moves the epoch on: not the run's own
    assert batch() == 2048 and boundary.frame()["grid"]["width"] == 100
    for scene in (canvas, boundary):
        scene.advance_piece()
        scene.handle({"type": "busy", "on": True})
        scene.advance_piece()
    assert batch() == BUSY_PIXELS and boundary.frame()["grid"]["width"] == 50
    canvas.handle({"type": "busy", "on": False})
    canvas.advance_piece()
    for scene in (canvas, boundary):
        again = replay(json.loads(record_text(scene)), type(scene))
        assert again.busy == scene.busy and same_state(again, scene)
