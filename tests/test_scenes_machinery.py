"""The Scene machinery: schemas, settings, events, the loop, the registry and the CLI."""

import json
import subprocess
import sys

import pytest

from diffplay import Value, optim
from diffplay.errors import UsageError
from diffplay.scenes import registry
from diffplay.scenes.base import Scene, Setting, frame_record
from diffplay.scenes.blobs import raster, unraster
from diffplay.scenes.schema import Boolean, Choice, ListOf, Number, Record, SchemaError, Tagged, Text

import numpy as np


# ---- schemas ----

POINT = Record({"x": Number(-1, 1), "y": Number(-1, 1), "label": Number(0, 9, integer=True)}, optional=["label"])
EVENT = Tagged({"add": Record({"points": ListOf(POINT, max_length=5)}), "clear": Record({})})


def test_schema_error_names_the_field_path():
    event = {"type": "add", "points": [{"x": 0, "y": 0}] * 3 + [{"x": "a", "y": 0}]}
    with pytest.raises(SchemaError, match=r'^event\.points\[3\]\.x: expected a number, got "a"$'):
        EVENT.check(event, "event")


def test_schema_accepts_good_event_and_makes_floats():
    clean = EVENT.check({"type": "add", "points": [{"x": 1, "y": -0.5, "label": 2}]}, "event")
    assert clean == {"type": "add", "points": [{"x": 1.0, "y": -0.5, "label": 2}]}
    assert type(clean["points"][0]["x"]) is float


@pytest.mark.parametrize("event, message", [
    ({"type": "ad"}, r'event\.type: unknown "ad"; expected one of add, clear \(did you mean "add"\?\)'),
    ({"points": []}, r"event\.type: missing"),
    ({"type": "add"}, r"event\.points: missing"),
    ({"type": "clear", "extra": 1}, r"event\.extra: unknown field"),
    ({"type": "add", "points": [{"x": 2, "y": 0}]}, r"event\.points\[0\]\.x: must be in \[-1, 1\], got 2"),
    ({"type": "add", "points": [{"x": 0, "y": 0}] * 6}, r"event\.points: expected 0 to 5 items, got 6"),
    ({"type": "add", "points": [{"x": 0, "y": 0, "label": 1.5}]}, r"event\.points\[0\]\.label: expected an integer"),
    ({"type": "add", "points": [{"x": True, "y": 0}]}, r"event\.points\[0\]\.x: expected a number, got true"),
    ({"type": "add", "points": [{"x": float("nan"), "y": 0}]}, r"event\.points\[0\]\.x: expected a finite number"),
    ([1, 2], r"event: expected an object, got \[1, 2\]"),
])
def test_schema_refuses_bad_events_with_the_path(event, message):
    with pytest.raises(SchemaError, match=message):
        EVENT.check(event, "event")


def test_schema_parses_command_line_text():
    assert ListOf(Number(1, 32, integer=True), max_length=6).parse("4, 2", "--set hidden") == [4, 2]
    assert ListOf(Number(1, 32, integer=True), max_length=6).parse("", "--set hidden") == []
    assert Boolean().parse("Yes", "--set x") is True
    assert Choice("tanh", "relu").parse("relu", "--set a") == "relu"
    with pytest.raises(SchemaError, match=r'--set hidden\[1\]: expected an integer, got "x"'):
        ListOf(Number(1, 32, integer=True), max_length=6).parse("4,x", "--set hidden")
    with pytest.raises(SchemaError, match=r"--set lr: expected a number"):
        Number(0, 1).parse("fast", "--set lr")


def test_text_schema_limits_length():
    with pytest.raises(SchemaError, match=r"event\.s: at most 3 characters, got 4"):
        Text(max_length=3).check("abcd", "event.s")


def test_schemas_describe_themselves_as_json():
    description = EVENT.describe()
    assert json.loads(json.dumps(description)) == description
    assert description["variants"]["add"]["fields"]["points"]["item"]["fields"]["x"] == {"type": "number", "min": -1, "max": 1}


# ---- a tiny real scene: Adam walks x to a target ----

class Walk(Scene):
    name = "walk"
    title = "x walks to the target"
    settings = (
        Setting("target", Number(-10, 10), 3.0, "where x should go", live=True),
        Setting("lr", Number(0, 1), 0.1, "Adam's learning rate"),
    )
    events = {"drag": Record({"x": Number(-10, 10)})}
    frame_schema = frame_record({"x": Number(), "loss": Number()})
    max_steps = 500

    def build(self):
        self.x = Value(0.0)
        self.opt = optim.Adam([self.x], lr=self.values["lr"])

    def loss(self):
        return (self.x - self.values["target"]) ** 2

    def advance(self):
        loss = self.loss()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()

    def on_drag(self, x):
        self.x.data = x

    def converged(self):
        return self.loss().data < 1e-6

    def view(self):
        return {"x": self.x.data, "loss": self.loss().data}

    def report(self):
        return {"x": self.x.data}


def test_scene_step_runs_at_least_one_step_and_frames_validate():
    scene = Walk(seed=0)
    assert scene.step(0.0) == 1
    frame = scene.frame()
    assert Walk.frame_schema.check(json.loads(json.dumps(frame)), "frame")["step"] == 1


def test_scene_run_stops_when_converged():
    scene = Walk().run()
    assert scene.converged() and 0 < scene.steps < Walk.max_steps


def test_scene_live_setting_keeps_the_world_and_other_setting_rebuilds_it():
    scene = Walk()
    scene.run(steps=20)
    scene.handle({"type": "set", "key": "target", "value": -2})
    assert scene.steps == 20 and scene.values["target"] == -2.0
    scene.handle({"type": "set", "key": "lr", "value": 0.5})
    assert scene.steps == 0 and scene.x.data == 0.0


def test_scene_set_event_names_unknown_setting_and_bad_value():
    scene = Walk()
    with pytest.raises(SchemaError, match=r'event\.key: unknown setting "targte" of scene walk .*did you mean "target"'):
        scene.handle({"type": "set", "key": "targte", "value": 1})
    with pytest.raises(SchemaError, match=r"event\.value \(lr\): must be in \[0, 1\], got 5"):
        scene.handle({"type": "set", "key": "lr", "value": 5})


def test_scene_pause_stops_stepping_and_resume_restarts_it():
    scene = Walk()
    scene.handle({"type": "pause"})
    assert scene.step(0.01) == 0 and scene.frame()["paused"]
    scene.handle({"type": "resume"})
    assert scene.step(0.0) == 1


def test_scene_step_limit_caps_steps_by_keyword_or_position():
    scene = Walk()
    assert scene.step(10.0, step_limit=3) == 3
    assert scene.step(10.0, 2) == 2
    assert scene.step(10.0, step_limit=0) == 0 and scene.steps == 5


def test_scene_event_dispatches_to_its_handler():
    scene = Walk()
    scene.handle({"type": "drag", "x": 7})
    assert scene.x.data == 7.0


def test_scene_from_assignments_parses_and_names_bad_setting():
    assert Walk.from_assignments(["target=-1.5"]).values["target"] == -1.5
    with pytest.raises(SchemaError, match=r"--set lr: must be in \[0, 1\], got 2"):
        Walk.from_assignments(["lr=2"])
    with pytest.raises(UsageError, match=r"expected key=value"):
        Walk.from_assignments(["lr"])


def test_scene_describe_is_json_with_settings_and_events():
    description = Walk.describe()
    assert json.loads(json.dumps(description)) == description
    assert [s["name"] for s in description["settings"]] == ["target", "lr"]
    assert set(description["events"]["variants"]) == {"set", "reset", "pause", "resume", "busy", "drag"}


class Diary(Walk):
    name = "diary"
    settings = Walk.settings + (Setting("path", Text(100), "", "a file to read", cli_only=True),)


def test_cli_only_setting_is_refused_by_events_and_taken_by_keyword():
    assert Diary(path="/tmp/x").values["path"] == "/tmp/x"
    scene = Diary()
    with pytest.raises(SchemaError, match=r'^event\.key: setting "path" of scene diary can only be given on the command line'):
        scene.handle({"type": "set", "key": "path", "value": "/etc/passwd"})
    assert scene.values["path"] == ""


def test_describe_draws_no_control_for_cli_only_settings():
    description = Diary.describe()
    assert [s["name"] for s in description["settings"]] == ["target", "lr"]
    assert [s["name"] for s in description["cli_settings"]] == ["path"] and description["cli_settings"][0]["cli_only"]


def test_raster_round_trips_pixels():
    pixels = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    image = raster(pixels)
    assert (image["width"], image["height"], image["channels"]) == (3, 2, 3)
    assert np.array_equal(unraster(json.loads(json.dumps(image))), pixels)


@pytest.mark.parametrize("data, message", [
    ("!!AA", r"^frame\.grid\.data: not base64$"),
    ("AA AA", r"^frame\.grid\.data: not base64$"),
    ("AAAA", r"^frame\.grid\.data: expected 6 bytes, got 3$"),
    ("AAAAAAAAAAAA", r"^frame\.grid\.data: expected 6 bytes, got 9$"),
])
def test_unraster_refuses_bad_data_naming_the_field(data, message):
    with pytest.raises(SchemaError, match=message):
        unraster({"width": 3, "height": 2, "channels": 1, "data": data}, "frame.grid")


# ---- registry and CLI ----

def test_registry_unknown_scene_suggests_a_name():
    with pytest.raises(UsageError, match=r"unknown scene 'grph'; scenes: .*graph.*did you mean \"graph\""):
        registry.load("grph")


def _diffplay(*args):
    return subprocess.run([sys.executable, "-m", "diffplay.cli", *args], capture_output=True, text=True, timeout=120)


def test_cli_scene_list_names_every_scene_with_settings():
    result = _diffplay("scene", "--list")
    assert result.returncode == 0, result.stderr
    for name in registry.names():
        assert f"\n{name}: " in "\n" + result.stdout


def test_cli_scene_list_json_describes_every_scene():
    result = _diffplay("scene", "--list", "--json")
    assert [d["name"] for d in json.loads(result.stdout.splitlines()[-1])] == registry.names()


def test_cli_scene_out_in_a_missing_folder_exits_2_before_running(tmp_path):
    out = tmp_path / "nodir" / "g.svg"
    result = _diffplay("scene", "graph", "--out", str(out))
    assert result.returncode == 2 and f"--out {out}: no such folder" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("name, settings", [
    ("boundary", {"points": 20}), ("canvas", {"size": 8}), ("graph", {}), ("gpt", {"steps": 1})])
def test_render_to_an_unwritable_path_is_a_usage_error_naming_out(tmp_path, name, settings):
    scene = registry.load(name)(**settings)
    out = tmp_path / "nodir" / f"picture.{scene.formats[0]}"
    with pytest.raises(UsageError, match=rf"^--out {out}: cannot write it"):
        scene.render(out)


def test_cli_scene_without_out_is_usage_error():
    result = _diffplay("scene", "graph")
    assert result.returncode == 2 and "--out FILE (a picture) or --save FILE" in result.stderr


# ---- every registered scene, from its own example ----

def _check_picture(path):
    """The file is a whole picture (or sound, or export) of its kind, not just some bytes."""
    import wave
    import xml.etree.ElementTree as ElementTree

    from PIL import Image

    suffix = path.suffix
    if suffix == ".png":
        with Image.open(path) as image:
            image.verify()
    elif suffix == ".svg":
        assert ElementTree.parse(path).getroot().tag.endswith("svg")
    elif suffix == ".wav":
        with wave.open(str(path)) as sound:
            assert sound.getnframes() > 0
    elif suffix == ".json":
        assert json.loads(path.read_text())
    elif suffix == ".py":
        compile(path.read_text(), str(path), "exec")   # a whole Python file
    else:
        raise AssertionError(f"no check for {suffix} files")


@pytest.mark.parametrize("name", registry.names())
def test_every_scene_steps_renders_each_of_its_formats_and_its_frames_match_its_schema(name, tmp_path):
    cls = registry.load(name)
    scene = cls.from_assignments(cls.example.settings if cls.example else ())
    pieces = 0
    for _ in range(3):
        pieces += scene.step(0.005)
        frame = json.loads(json.dumps(scene.frame()))
        assert cls.frame_schema.check(frame, "frame")["scene"] == name
    # step()'s promise is a piece a call; a step may span frames (a boundary epoch, on a busy box)
    assert pieces >= 3 or scene.at_rest()
    for suffix in cls.formats:
        scene.render(tmp_path / f"{name}.{suffix}")
        _check_picture(tmp_path / f"{name}.{suffix}")


@pytest.mark.parametrize("name", registry.names("scenes"))
def test_every_scene_has_an_example_whose_settings_parse_and_whose_format_it_writes(name):
    cls = registry.load(name)
    assert cls.example.format in cls.formats
    for text in cls.example.settings:
        key, _, raw = text.partition("=")
        cls.setting(key, "example").schema.parse(raw, f"example {key}")


def test_cli_scene_list_lines_up_each_scenes_settings_and_cuts_long_defaults():
    result = _diffplay("scene", "--list")
    graph = result.stdout.split("\ngraph: ")[1].split("\nik: ")[0].splitlines()[1:]
    assert len({line.index(" default ") for line in graph}) == 1   # one column for the defaults
    assert '"c = a + b…" (10 lines)' in result.stdout and "\\n" not in result.stdout
