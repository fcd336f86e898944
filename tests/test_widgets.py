"""Notebook widgets without a notebook: the frames they send, their loop in a thread, their Python
side, and the page modules they carry. (tests/test_notebook_*.py drive real kernels and browsers.)"""

import json
import re
import threading
import time

import numpy as np
import pytest

from diffplay.layout import Diagram
from diffplay.scenes import registry
from diffplay.scenes.blobs import array, raster, sound, unarray
from diffplay.scenes.schema import SchemaError
from diffplay.studio import modules
from diffplay.studio.messages import SERVER_MESSAGE, FrameWriter, merge

widgets = pytest.importorskip("diffplay.widgets")   # the notebook extra (tests/test_notebook_extra.py: the core without it)
from diffplay.widgets.runner import Runner  # noqa: E402
from flaky_scene import Flaky  # noqa: E402

HEAD = {"type": "frame", "id": 1, "events": 0, "stats": {}}


# ---- frames: what changed, its blobs as bytes ----

def test_a_notebook_frame_sends_its_blobs_as_bytes_and_says_where_each_goes():
    writer = FrameWriter(buffers=True)
    frame = {"step": 1, "grid": raster(np.arange(12).reshape(3, 4)), "audio": {"target": sound(b"RIFF1234")},
             "field": array([[0.5, -1.0]])}
    text, blobs = writer.write(frame, HEAD, 1 << 20)
    message = json.loads(text)
    assert message["buffers"] == [["grid", "data"], ["audio", "target", "data"], ["field", "data"]]
    assert blobs == [bytes(range(12)), b"RIFF1234", np.array([0.5, -1.0], "<f4").tobytes()]
    assert message["frame"]["grid"] == {"width": 4, "height": 3, "channels": 1, "data": None}
    assert unarray(frame["field"]).tolist() == [[0.5, -1.0]]


def test_the_same_bytes_again_are_not_sent_again_and_new_ones_are():
    writer = FrameWriter(buffers=True)
    writer.write({"grid": raster(np.zeros((2, 2)))}, HEAD, 1 << 20)
    text, blobs = writer.write({"grid": raster(np.zeros((2, 2)))}, HEAD, 1 << 20)   # a new object, the same bytes
    assert json.loads(text)["same"] == ["grid"] and blobs == []
    text, blobs = writer.write({"grid": raster(np.ones((2, 2)))}, HEAD, 1 << 20)
    assert json.loads(text)["buffers"] == [["grid", "data"]] and blobs == [b"\x01" * 4]


def test_the_studio_keeps_blobs_in_its_text_as_base64():
    frame = {"grid": raster(np.arange(4).reshape(2, 2))}
    text, blobs = FrameWriter().write(frame, HEAD, 1 << 20)
    assert blobs == [] and json.loads(text)["frame"] == frame and "buffers" not in json.loads(text)


# ---- the loop in a thread, with a page made of Python ----

class Page:
    """What a widget's page does with the loop's messages: merge frames, acknowledge them if it draws."""

    def __init__(self, scene, draws=True):
        self.messages, self.frame, self.draws = [], {}, draws
        self.arrived = threading.Condition()
        self.runner = Runner(scene, self.deliver)
        self.runner.start()

    def deliver(self, text, buffers):
        message = SERVER_MESSAGE.check(json.loads(text), "server")
        for path, data in zip(message.get("buffers", []), buffers):
            holder = message["frame"]
            for key in path[:-1]:
                holder = holder[key]
            holder[path[-1]] = data
        if message["type"] == "frame":
            self.frame = merge(self.frame, message)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        if message["type"] == "frame" and self.draws:
            self.runner.take(json.dumps({"type": "drawn", "frame": message["id"]}))

    def wait(self, condition, seconds=20, what="a message"):
        with self.arrived:
            if not self.arrived.wait_for(lambda: any(condition(m) for m in self.messages), seconds):
                raise AssertionError(f"no {what} within {seconds} s")
        return next(m for m in self.messages if condition(m))

    def of_type(self, kind):
        return [m for m in self.messages if m["type"] == kind]


@pytest.fixture
def live():
    pages = []

    def start(name, draws=True, **values):
        page = Page((Flaky if name == "flaky" else registry.load(name))(seed=0, **values), draws)
        pages.append(page)
        return page

    yield start
    for page in pages:
        page.runner.stop()
        assert not page.runner.thread.is_alive()


def test_a_page_that_joins_gets_the_hello_then_a_whole_frame_with_its_pictures_as_bytes(live):
    page = live("boundary", grid=20)
    page.runner.take(json.dumps({"type": "join"}))
    page.wait(lambda m: m["type"] == "frame" and m["id"] > 2, what="frames after the join")
    hellos = page.of_type("hello")
    assert len(hellos) == 2 and hellos[-1]["scene"]["name"] == "boundary"   # one at the start, one for the join
    joined = next(m for m in page.messages[page.messages.index(hellos[-1]):] if m["type"] == "frame")
    assert joined["same"] == [] and ["grid", "data"] in joined["buffers"]
    assert isinstance(page.frame["grid"]["data"], bytes) and len(page.frame["grid"]["data"]) == 20 * 20


def test_a_page_that_draws_nothing_gets_two_frames_and_the_scene_waits_for_it(live):
    page = live("boundary", draws=False)
    page.wait(lambda m: m["type"] == "frame" and m["id"] == 2, what="two frames")
    time.sleep(0.3)
    assert len(page.of_type("frame")) == 2 == page.runner.loop.sent   # never more than the window in flight
    steps = page.runner.call(lambda scene: scene.steps)
    time.sleep(0.2)
    assert page.runner.call(lambda scene: scene.steps) == steps   # no page, no steps
    page.runner.take(json.dumps({"type": "drawn", "frame": 2}))
    page.wait(lambda m: m["type"] == "frame" and m["id"] == 4, what="two more frames once drawn")


def test_a_setting_changed_from_python_reaches_the_page_and_the_pages_own_is_not_echoed(live):
    page = live("boundary")
    page.runner.call(lambda scene: scene.handle({"type": "set", "key": "lr", "value": 0.25}))
    assert page.wait(lambda m: m["type"] == "values")["values"] == {"lr": 0.25}
    page.runner.take(json.dumps({"type": "event", "id": 1, "event": {"type": "set", "key": "lr", "value": 0.5}}))
    page.wait(lambda m: m["type"] == "frame" and m["events"] == 1, what="the event's frame")
    assert [m["values"] for m in page.of_type("values")] == [{"lr": 0.25}]
    assert page.runner.call(lambda scene: scene.values["lr"]) == 0.5


def test_a_bad_message_from_the_page_gets_an_error_and_the_loop_goes_on(live):
    page = live("ik")
    page.runner.take(json.dumps({"type": "dance"}))
    page.runner.take(json.dumps({"type": "event", "id": 3, "event": {"type": "drag", "x": 999, "y": 0}}))
    assert page.wait(lambda m: m["type"] == "error" and m["id"] is None)["message"].startswith("message.type")
    assert "event.x" in page.wait(lambda m: m["type"] == "error" and m["id"] == 3)["message"]
    page.runner.take(json.dumps({"type": "event", "id": 4, "event": {"type": "drag", "x": 0.3, "y": 0.3}}))
    page.wait(lambda m: m["type"] == "frame" and m["events"] == 4, what="the good event's frame")


def test_a_notebook_scene_that_fails_goes_back_to_its_last_good_state_and_pauses_as_the_studios_does(live):
    page = live("flaky")
    page.wait(lambda m: m["type"] == "frame" and m["frame"].get("count", 0) >= 20, what="twenty steps")
    page.runner.take(json.dumps({"type": "event", "id": 1, "event": {"type": "set", "key": "fail", "value": "step"}}))
    failed = page.wait(lambda m: m["type"] == "error")
    assert failed["id"] == 1 and failed["message"].startswith("a step failed (a bug in the scene: ZeroDivisionError), "
                                                             "so the scene went back to how it was at step ")
    assert page.runner.call(lambda scene: (scene.paused, scene.count >= 20, scene.values["fail"])) == (True, True, "no")


def test_a_notebook_page_that_claims_frames_it_never_got_gets_no_more_than_the_window(live):
    page = live("boundary", draws=False)
    page.wait(lambda m: m["type"] == "frame" and m["id"] == 2, what="two frames")
    page.runner.take(json.dumps({"type": "drawn", "frame": 1000}))   # more than it was handed
    page.wait(lambda m: m["type"] == "frame" and m["id"] == 4, what="two more frames")
    time.sleep(0.5)
    assert page.runner.loop.sent == 4   # the claim counted only up to frame 2


def test_a_flood_from_a_notebook_page_gets_few_errors_and_an_oversized_message_is_refused(live):
    page = live("ik", draws=False)
    drawn = json.dumps({"type": "drawn", "frame": 0})
    for _ in range(2000):
        page.runner.take(drawn)
    time.sleep(1)   # the bucket refills: the next one is read
    page.runner.take("x" * (2 << 20))
    errors = [m["message"] for m in page.of_type("error")]
    assert 1 <= len(errors) - 1 <= 10, errors   # one per stretch of refusals, not one per message (1,600 refused)
    assert all("messages a second" in e for e in errors[:-1])
    assert errors[-1].startswith("message: 2097152 bytes is more than the limit")


def test_a_call_after_the_loop_ended_runs_in_the_callers_thread(live):
    page = live("ik")
    page.runner.stop()
    assert page.runner.call(lambda scene: threading.current_thread()) is threading.current_thread()


# ---- the widget's Python side ----

@pytest.fixture
def widget():
    made = []

    def make(*args, **kwargs):
        made.append(widgets.Scene(*args, **kwargs))
        return made[-1]

    yield make
    for w in made:
        w.close()


def test_a_widget_reads_and_changes_its_scene_while_it_plays(widget):
    w = widget("boundary", dataset="spiral")
    assert w.values["dataset"] == "spiral" and w.described["name"] == "boundary" and w.drawing == "scenes/boundary.js"
    w.set(lr=0.2, batch=20)
    w.set("noise", 10)
    assert (w.values["lr"], w.values["batch"], w.values["noise"]) == (0.2, 20, 10)
    with pytest.raises(SchemaError, match="lr"):
        w.set(lr=-1)
    assert w.values["lr"] == 0.2
    w.pause()
    assert w.frame["paused"]
    before = w.parameters["linears.0.weight"].copy()
    w.run(5)
    assert w.frame["step"] >= 5 and not np.array_equal(w.parameters["linears.0.weight"], before)


def test_a_widget_its_host_closed_ends_its_loop_and_sends_nothing_more(widget):
    w = widget("ik")
    w.comm.close()   # as marimo does to a cell's widgets when the cell runs again
    w.runner.take(json.dumps({"type": "join"}))   # the hello it would send finds the line closed
    w.runner.thread.join(5)
    assert not w.runner.thread.is_alive() and w.values["joints"] == 6   # the scene stays, for Python to read


def test_a_widget_is_made_from_a_name_a_class_or_a_scene(widget):
    from diffplay.scenes.ik import IK

    assert widget(IK, joints=3).values["joints"] == 3
    assert widget(IK(joints=4)).values["joints"] == 4
    assert widget("attention").drawing == "learn/attention.js"
    with pytest.raises(TypeError):
        widget(IK(), joints=3)


def test_a_scene_without_a_drawing_of_its_own_gets_the_fallback_and_its_arrays_travel_as_bytes():
    from diffplay.scenes.base import Scene, frame_record
    from diffplay.scenes.blobs import ARRAY

    class Field(Scene):
        name, frame_schema = "field", frame_record({"field": ARRAY})

        def build(self):
            self.u = np.zeros((4, 5))

        def advance(self):
            self.u = self.u + 1

        def view(self):
            return {"field": array(self.u)}

    w = Field().widget()
    try:
        assert w.drawing == "" and "fallback.js" in w.bundle["files"]
        assert w.frame["field"]["shape"] == [4, 5]
    finally:
        w.close()


def test_a_diagrams_widget_drags_a_copy_and_the_diagram_stays_as_made(widget):
    d = Diagram(400, 300)
    a, b = d.circle("A", r=80), d.circle("B", r=40)
    d.disjoint(a, b, pad=10)
    d.solve(seed=0)
    before = d.slots.values.copy()
    w = d.widget()
    try:
        assert w.drawing == "scenes/layout.js" and [s["name"] for s in w.described["settings"]] == ["iterations", "drag"]
        w.send_event({"type": "drag", "shape": "B", "x": 330, "y": 150})
        w.run(20)
        center = next(s["center"] for s in w.frame["shapes"] if s["name"] == "B")
        assert center == pytest.approx([330, 150], abs=1.0)
        np.testing.assert_array_equal(d.slots.values, before)
    finally:
        w.close()


# ---- the page's modules, carried to pages no server serves ----

ANY_RELATIVE = re.compile(r'(?:from|import)\s*["\'](\.\.?/[^"\']+)["\']')


@pytest.mark.parametrize("path", sorted(str(p.relative_to(modules.STATIC)) for p in modules.STATIC.rglob("*.js")))
def test_every_import_of_every_page_module_is_found_and_leads_to_a_file(path):
    source = modules.read(path)
    assert modules.specifiers(source) == ANY_RELATIVE.findall(source)
    assert all((modules.STATIC / modules.resolve(path, s)).is_file() for s in modules.specifiers(source))


def test_a_bundle_holds_what_its_entries_import_and_nothing_else():
    bundle = modules.bundle("notebook.js", "learn/autograd.js")
    assert bundle["imports"]["learn/autograd.js"] == {"../scenes/graph.js": "scenes/graph.js"}
    assert "graph_view.js" in bundle["files"] and "scenes/boundary.js" not in bundle["files"]
    assert "style.css" in bundle["files"] and "app.js" not in bundle["files"]
