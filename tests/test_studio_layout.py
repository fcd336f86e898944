"""The layout editor as a scene, without the server: examples, resting, dragging."""

import json

import pytest

from diffplay.layout import examples
from diffplay.studio.layout_session import LayoutEditor

pytestmark = pytest.mark.filterwarnings("ignore:diffplay.layout:UserWarning")   # the approximations it notes


def settle(editor, limit=200):
    for _ in range(limit):
        if editor.step(1.0) == 0:
            return editor
    raise AssertionError(f"not settled after {limit} frames")


def test_the_editor_offers_the_packaged_examples_and_opens_them():
    editor = LayoutEditor()
    offered = LayoutEditor.describe()["events"]["variants"]["open_example"]["fields"]["name"]["options"]
    assert offered == examples.names() and editor.source == "euler.toml"
    editor.handle({"type": "open_example", "name": "packing"})
    assert editor.source == "packing.toml" and editor.values["spec"] == examples.path("packing").read_text()


def test_a_settled_diagram_rests_until_a_drag_moves_it():
    editor = settle(LayoutEditor())
    assert editor.at_rest() and editor.frame()["settled"] and editor.result.status == "converged"
    shape = min((s for s in editor.frame()["shapes"] if s["kind"] == "circle"), key=lambda s: s["box"][2] - s["box"][0])
    x, y = shape["center"]
    editor.handle({"type": "drag", "shape": shape["name"], "x": x + 20, "y": y + 10})
    assert not editor.at_rest() and editor.step(0.0) >= 1
    frame = json.loads(json.dumps(settle(editor).frame()))
    center = {s["name"]: s["center"] for s in frame["shapes"]}[shape["name"]]
    assert frame["dragging"] == shape["name"] and center == pytest.approx([x + 20, y + 10], abs=0.5)
    assert frame["feasible"] and LayoutEditor.frame_schema.check(frame, "frame")


def test_every_pointer_move_of_a_drag_gets_a_step():
    editor = settle(LayoutEditor())
    shape = editor.frame()["shapes"][0]
    x, y = shape["center"]
    steps = []
    for k in range(1, 31):   # half a second of pointer moves at 60 Hz, one frame each
        editor.handle({"type": "drag", "shape": shape["name"], "x": x + k, "y": y})
        steps.append(editor.step(0.001))
    assert min(steps) >= 1 and editor.frame()["dragging"] == shape["name"]
