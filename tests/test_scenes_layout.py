"""The layout editor as a scene, without the server: examples, resting, dragging."""

import json

import pytest

from diffplay.errors import UsageError
from diffplay.layout import examples
from diffplay.scenes.layout import Layout
from diffplay.scenes.schema import SchemaError

pytestmark = pytest.mark.filterwarnings("ignore:diffplay.layout:UserWarning")   # the approximations it notes


def settle(editor, limit=200):
    for _ in range(limit):
        if editor.step(1.0) == 0:
            return editor
    raise AssertionError(f"not settled after {limit} frames")


def test_the_editor_offers_the_packaged_examples_and_opens_them():
    editor = Layout()
    offered = {s["name"]: s for s in Layout.describe()["settings"]}["example"]["options"]
    assert offered == examples.names() and editor.source == "euler.toml"
    editor.handle({"type": "open", "name": "mine.toml", "text": examples.path("flowchart").read_text()})
    assert editor.source == "mine.toml" and editor.values["spec"]
    editor.handle({"type": "set", "key": "example", "value": "packing"})
    assert editor.source == "packing.toml" and editor.frame()["spec"] == examples.path("packing").read_text()
    assert editor.values["example"] == "packing" and editor.values["spec"] == ""


def test_the_layout_scene_opens_a_spec_file_from_the_command_line(tmp_path):
    spec = tmp_path / "two.toml"
    spec.write_text(examples.path("euler").read_text(encoding="utf-8"), encoding="utf-8")
    scene = Layout.from_assignments([f"file={spec}"])
    assert scene.source == str(spec) and scene.frame()["spec"] == spec.read_text(encoding="utf-8")
    with pytest.raises(UsageError, match=r"--set file=.*missing\.toml: no such file"):
        Layout.from_assignments([f"file={tmp_path / 'missing.toml'}"])
    with pytest.raises(SchemaError, match="can only be given on the command line"):
        scene.handle({"type": "set", "key": "file", "value": str(spec)})


def test_a_settled_diagram_rests_until_a_drag_moves_it():
    editor = settle(Layout())
    assert editor.at_rest() and editor.frame()["settled"] and editor.result.status == "converged"
    shape = min((s for s in editor.frame()["shapes"] if s["kind"] == "circle"), key=lambda s: s["box"][2] - s["box"][0])
    x, y = shape["center"]
    editor.handle({"type": "drag", "shape": shape["name"], "x": x + 20, "y": y + 10})
    assert not editor.at_rest() and editor.step(0.0) >= 1
    frame = json.loads(json.dumps(settle(editor).frame()))
    center = {s["name"]: s["center"] for s in frame["shapes"]}[shape["name"]]
    assert frame["dragging"] == shape["name"] and center == pytest.approx([x + 20, y + 10], abs=0.5)
    assert frame["feasible"] and Layout.frame_schema.check(frame, "frame")


def test_a_busy_editor_re_solves_one_iteration_a_frame_and_still_settles_a_drag():
    quiet, busy = settle(Layout()), settle(Layout())
    busy.handle({"type": "busy", "on": True})
    shape = min((s for s in quiet.frame()["shapes"] if s["kind"] == "circle"), key=lambda s: s["box"][2] - s["box"][0])
    x, y = shape["center"]
    for editor in (quiet, busy):
        editor.handle({"type": "drag", "shape": shape["name"], "x": x + 20, "y": y + 10})
        editor.advance_piece()
    assert busy.result.iterations == 1 < quiet.result.iterations == quiet.values["iterations"]
    frame = settle(busy, limit=400).frame()
    center = {s["name"]: s["center"] for s in frame["shapes"]}[shape["name"]]
    assert frame["feasible"] and frame["converged"] and center == pytest.approx([x + 20, y + 10], abs=0.5)


def test_every_pointer_move_of_a_drag_gets_a_step():
    editor = settle(Layout())
    shape = editor.frame()["shapes"][0]
    x, y = shape["center"]
    steps = []
    for k in range(1, 31):   # half a second of pointer moves at 60 Hz, one frame each
        editor.handle({"type": "drag", "shape": shape["name"], "x": x + k, "y": y})
        steps.append(editor.step(0.001))
    assert min(steps) >= 1 and editor.frame()["dragging"] == shape["name"]


BEAD = """\
canvas = { width = 400, height = 300 }
constraints = [ { on_circle = ["P", "C"] } ]

[shapes]
C = { kind = "circle", x = 200, y = 150, r = 100 }
P = { kind = "point" }
S = { kind = "segment", x1 = 20, y1 = 20, x2 = 80, y2 = 60, free = true }
"""


def bead_editor():
    editor = Layout()
    editor.handle({"type": "open", "name": "bead.toml", "text": BEAD})
    return settle(editor)


def test_a_valid_drag_in_the_editor_keeps_a_point_on_its_circle():
    editor = bead_editor()
    editor.handle({"type": "set", "key": "drag", "value": "valid"})
    editor.handle({"type": "drag", "shape": "P", "x": 390, "y": 150})
    frame = settle(editor).frame()
    center = {s["name"]: s["center"] for s in frame["shapes"]}["P"]
    assert frame["feasible"] and center == pytest.approx([300, 150], abs=0.5)


def test_the_editor_drags_a_segment_by_the_end_the_page_took():
    editor = bead_editor()
    ends = {s["name"]: s for s in editor.frame()["shapes"]}["S"]["points"]   # the page picks an end from these
    assert len(ends) == 2 and {s["name"]: s["points"] for s in editor.frame()["shapes"]}["C"] == []
    editor.handle({"type": "drag", "shape": "S", "x": 120, "y": 90, "handle": 1})
    frame = settle(editor).frame()
    moved = {s["name"]: s for s in frame["shapes"]}["S"]["points"]
    assert moved[1] == pytest.approx([120, 90], abs=1e-9) and moved[0] == pytest.approx(ends[0], abs=0.5)
    assert Layout.frame_schema.check(json.loads(json.dumps(frame)), "frame")
    with pytest.raises(UsageError, match='event.handle: "S" has 2 points to drag by, got 2'):
        editor.handle({"type": "drag", "shape": "S", "x": 0, "y": 0, "handle": 2})


@pytest.mark.parametrize("shape, field", [
    ('P = { kind = "image", href = "/etc/hostname", w = 40, h = 40 }', "shapes.P.href"),
    ('T = { kind = "text", text = "hi", font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf" }', "shapes.T.font"),
])
def test_a_spec_a_page_opens_may_not_name_a_file_on_the_machine(tmp_path, shape, field):
    spec = f"[canvas]\nwidth = 200\nheight = 200\n\n[shapes]\n{shape}\n"
    editor = Layout()
    with pytest.raises(UsageError) as refused:
        editor.handle({"type": "open", "name": "mine.toml", "text": spec})
    assert "mine.toml:6" in str(refused.value) and f"{field}: a spec opened in a page may not name a file" in str(refused.value)
    assert editor.source == "euler.toml"   # the diagram it had stays
    (tmp_path / "mine.toml").write_text(spec.replace("/etc/hostname", str(tmp_path / "dot.svg")))
    (tmp_path / "dot.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    assert Layout(file=str(tmp_path / "mine.toml")).source.endswith("mine.toml")   # from the command line, it may
