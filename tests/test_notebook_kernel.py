"""Widgets in a real kernel, without a browser: a notebook run by nbclient makes every scene's,
every chapter's and a diagram's widget and plays with each from Python; then a test acts as the
page over the kernel's own messages (Jupyter's messaging protocol, as JupyterLab speaks it) and
sees frames come with their pictures as binary buffers, never more than two ahead of what it
drew. tests/test_notebook_browser.py opens them in JupyterLab and marimo."""

import json
import time

import pytest

from diffplay.scenes import registry

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("anywidget")
jupyter_client = pytest.importorskip("jupyter_client")

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

PLAY = """\
import json
import numpy as np
w = shown[{name!r}]
live = [s["name"] for s in w.described["settings"] if s["live"] and s["type"] in ("number", "integer")]
if live:
    w.set(live[0], w.values[live[0]])   # a live knob, set from Python to what it is
w.pause()
w.resume()
w.run(2)
frame = w.frame
print(json.dumps({{"name": frame["scene"], "step": frame["step"], "values": sorted(w.values),
                  "parameters": {{k: list(np.shape(v)) for k, v in w.parameters.items()}}}}))
w.close()
"""


def notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    return nb


def shows_a_widget(cell):
    return [o.output_type for o in cell.outputs if WIDGET_VIEW in o.get("data", {})] == ["execute_result"]


def text_of(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_a_notebook_makes_every_scenes_widget_and_plays_with_each_from_python():
    names = registry.names()
    cells = ["from diffplay import widgets\nshown = {}"]
    cells += [f"shown[{n!r}] = widgets.Scene({n!r})\nshown[{n!r}]" for n in names]
    cells += ["from diffplay.layout import Diagram\nd = Diagram(300, 200)\nd.disjoint(d.circle('A', r=50), d.circle('B', r=30))\nd"]
    cells += [PLAY.format(name=n) for n in names]
    nb = notebook(cells)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    for name, cell in zip(names, nb.cells[1:]):
        assert shows_a_widget(cell), f"{name}'s cell shows no widget"
    assert shows_a_widget(nb.cells[len(names) + 1])   # a Diagram shows as a live widget
    for name, cell in zip(names, nb.cells[len(names) + 2:]):
        played = json.loads(text_of(cell))
        cls = registry.load(name)
        assert played["name"] == name and played["step"] >= 2
        assert played["values"] == sorted(s.name for s in cls.settings)
        assert all(isinstance(shape, list) for shape in played["parameters"].values())


# ---- the page's side of Jupyter's messages ----

@pytest.fixture(scope="module")
def kernel():
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3", startup_timeout=60)
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def run(client, code):
    """Execute code; its printed text."""
    out = []
    reply = client.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(m["content"].get("text", "")))
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(out)


def to_widget(client, comm_id, content):
    """A widget's custom message from its page, as JupyterLab sends it (notebook.js: its JSON text)."""
    data = {"method": "custom", "content": {"text": json.dumps(content)}}
    client.shell_channel.send(client.session.msg("comm_msg", {"comm_id": comm_id, "data": data}))


def from_widget(client, comm_id, seconds):
    """The widget's custom messages the kernel sends in the next `seconds`: [(message, buffers)]."""
    got, deadline = [], time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = client.get_iopub_msg(timeout=left)
        except Exception:   # queue.Empty: nothing more came
            break
        data = msg["content"].get("data", {})
        if msg["msg_type"] == "comm_msg" and msg["content"]["comm_id"] == comm_id and data.get("method") == "custom":
            got.append((json.loads(data["content"]["text"]), msg["buffers"]))
    return got


def test_a_page_over_the_kernels_messages_gets_pictures_as_buffers_and_at_most_two_frames_ahead(kernel):
    comm_id = run(kernel, "from diffplay import widgets\nw = widgets.Scene('boundary', grid=40)\nprint(w.model_id)").strip()
    from_widget(kernel, comm_id, 0.5)   # what it said before anyone listened
    to_widget(kernel, comm_id, {"type": "join"})
    got = from_widget(kernel, comm_id, 2.0)
    frames = [(m, b) for m, b in got if m["type"] == "frame"]
    assert got[0][0]["type"] == "hello" and got[0][0]["scene"]["name"] == "boundary"
    assert len(frames) == 2   # nothing drawn yet: two frames, then it waits
    first, buffers = frames[0]
    assert first["same"] == [] and first["buffers"] == [["grid", "data"], ["grid_class", "data"], ["points", "x", "data"],
                                                        ["points", "y", "data"], ["network", "neurons", "data"]]
    neurons, points = first["frame"]["network"]["neurons"], first["frame"]["points"]
    count = points["x"]["shape"][0]   # the points' columns: float32 numbers
    assert [len(b) for b in buffers] == [40 * 40, 40 * 40, 4 * count, 4 * count, neurons["width"] * neurons["height"]]
    assert first["frame"]["grid"]["data"] is None and neurons["data"] is None and points["x"]["data"] is None
    for _ in range(5):   # a page that draws what it gets: frames keep coming, two at a time
        to_widget(kernel, comm_id, {"type": "drawn", "frame": frames[-1][0]["id"]})
        more = [m for m, _ in from_widget(kernel, comm_id, 1.0) if m["type"] == "frame"]
        assert 1 <= len(more) <= 2 and more[0]["id"] == frames[-1][0]["id"] + 1
        frames += [(m, None) for m in more]
    assert run(kernel, "print(w.runner.loop.sent - w.runner.loop.drawn)").strip() in ("0", "1", "2")
    run(kernel, "w.close()")


def test_other_cells_run_while_a_widget_plays(kernel):
    comm_id = run(kernel, "from diffplay import widgets\nw = widgets.Scene('particles')\nprint(w.model_id)").strip()
    to_widget(kernel, comm_id, {"type": "join"})
    began = time.monotonic()
    assert run(kernel, "print(sum(range(10)))").strip() == "45"   # the kernel answers at once
    assert time.monotonic() - began < 5
    from_widget(kernel, comm_id, 1.0)   # the join's two frames, then it waits for the page
    stepped = run(kernel, "import time\na = w.frame['step']; time.sleep(0.3); print(w.frame['step'] - a)")
    assert int(stepped) == 0   # a page that draws nothing holds the scene: it waits for the page
    run(kernel, "w.run(3)")
    assert int(run(kernel, "print(w.frame['step'])")) >= 3
    run(kernel, "w.close()")
