"""The graph view's speed: the layout in Python, a backward step through the studio, and the
page's redraws in Chromium while someone pans and zooms.

    .venv/bin/python benchmarks/graph_view.py

Goals (issue 19): the collapsed graph of one microgpt position laid out in <= 200 ms, opening
its largest block (the MLP: 180 nodes, its 2,048 weights staying one box per matrix) <= 100 ms;
event -> frame p95 <= 50 ms for stepping nodes; >= 30 frames/s while panning and zooming the
collapsed position and the opened MLP at 1280 px wide.

Layout times are medians of REPEATS, in this process (tracing the position is timed apart:
it is the model's forward pass, not the view). Event -> frame is measured through a real
`diffplay serve` and WebSocket (tests/studio_helpers.Client), a key press every 50 ms, from
sending the event to receiving the first frame that shows it. Redraws are measured in Debian's
Chromium (headless, software canvas) by the page's own clock: the page is given one input a
display frame (a pointer move of a drag Playwright pressed, then a turn of the wheel) and
requestAnimationFrame times every frame; a slow redraw would stretch them. Draw p50/p95 is
the time the graph view took to draw one frame.
"""

import asyncio
import itertools
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))   # the tests' server runner and client

import diffplay  # noqa: E402
from diffplay.engine.value import topological_order  # noqa: E402
from diffplay.learn.position import position_graph  # noqa: E402
from diffplay.scenes.graph import Graph  # noqa: E402
from diffplay.scenes.parts.backward_steps import SteppedBackward  # noqa: E402
from diffplay.scenes.parts.graph_view import GraphView  # noqa: E402
from studio_helpers import Client, percentile, serve, wait_until  # noqa: E402

REPEATS = 7
MLP = "layer 0 · MLP"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def median_ms(fn, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return 1000 * statistics.median(times)


def verdict(ok):
    return "goal met" if ok else "goal MISSED"


def layout_lines():
    traced = position_graph("emma", 2)
    nodes = len(topological_order(traced.root))
    print(f"graph  trace one microgpt position (emma, position 2: {nodes:,} nodes) "
          f"{median_ms(lambda: position_graph('emma', 2)):.0f} ms")

    def collapsed():
        return GraphView(SteppedBackward(topological_order(traced.root)), traced.groups, traced.labels)

    view = collapsed()
    took = median_ms(lambda: collapsed().fields())
    print(f"graph  collapsed microgpt position layout {took:.0f} ms ({len(view.fields()['boxes'])} boxes)  "
          f"(goal <= 200)  {verdict(took <= 200)}")

    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        view.expand(MLP)
        fields = view.fields()
        times.append(time.perf_counter() - began)
        view.collapse(MLP)
    took = 1000 * statistics.median(times)
    print(f"graph  expand {MLP!r} {took:.0f} ms ({len(fields['boxes'])} boxes, {len(fields['wires']):,} wires)  "
          f"(goal <= 100)  {verdict(took <= 100)}")


def in_process_step_lines():
    for label, settings in (("readme expression", {}), ("microgpt collapsed", {"source": "microgpt"})):
        scene = Graph(**settings)
        times = []
        for _ in range(200):
            if scene.converged():
                scene.forward()
            began = time.perf_counter()
            scene.handle({"type": "backward_step"})
            json.dumps(scene.frame())
            times.append(time.perf_counter() - began)
        print(f"graph  in process: backward_step + frame + JSON, {label}  p50 {1000 * percentile(times, 50):.2f} ms  "
              f"p95 {1000 * percentile(times, 95):.2f} ms")


async def stepping(url, label, setup, events=100):
    client = await Client.open(url, "graph")
    await client.until(lambda m: m["type"] == "frame")
    for event in setup:
        await client.frame_after(await client.send(event))
    latencies = []
    for _ in range(events):
        event = {"type": "forward"} if client.last["frame"]["cursor"] == client.last["frame"]["total"] else {"type": "backward_step"}
        sent = time.perf_counter()
        await client.frame_after(await client.send(event))
        latencies.append(time.perf_counter() - sent)
        await asyncio.sleep(0.05)
    await client.close()
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    print(f"graph  studio: backward_step event->frame, {label}  p50 {1000 * p50:.1f} ms  p95 {1000 * p95:.1f} ms  "
          f"(goal <= 50)  {verdict(p95 <= 0.050)}")


def studio_lines(url):
    microgpt = [{"type": "set", "key": "source", "value": "microgpt"}]
    asyncio.run(stepping(url, "readme expression (33 nodes)", []))
    asyncio.run(stepping(url, "microgpt collapsed", microgpt))
    asyncio.run(stepping(url, "microgpt, MLP open", [*microgpt, {"type": "expand", "group": MLP}]))


# ---- the page, in Chromium ----

def poll(page, expression):
    """Wait until a JavaScript expression is truthy in the page."""
    return wait_until(lambda: page.evaluate(expression), 60, expression)


SETTLED = ("window.studio.applied >= window.studio.sent && window.graphView.fields === window.studio.frame "
           "&& !window.graphView.target")


# In the page: one input a display frame (a drag's pointer move, or a turn of the wheel) for
# `frames` frames, and the time of every frame, by requestAnimationFrame's own clock.
GESTURE = """async ({frames, kind}) => {
  const view = window.graphView, canvas = view.canvas, r = canvas.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2, stamps = [];
  view.stats.at.length = 0;
  view.stats.drawMs.length = 0;
  await new Promise((done) => {
    let k = 0;
    const tick = (t) => {
      stamps.push(t);
      if (k++ === frames) return done();
      const turn = 2 * Math.PI * (k % 90) / 90;
      canvas.dispatchEvent(kind === "drag"
        ? new PointerEvent("pointermove", { pointerId: 1, clientX: cx + 150 * Math.sin(turn), clientY: cy + 60 * Math.cos(turn), bubbles: true })
        : new WheelEvent("wheel", { deltaY: k % 90 < 45 ? 30 : -30, clientX: cx, clientY: cy, bubbles: true, cancelable: true }));
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  return { stamps, draws: view.stats.at.length, ms: view.stats.drawMs.slice() };
}"""


def gesture(page, label, frames=180):
    """Drag the canvas round in circles, then zoom in and out, one input a frame; frames/s by the page's clock."""
    box = page.locator(".graph-area canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()   # a real press: the drag's moves below come from the page itself, one a frame
    drag = page.evaluate(GESTURE, {"frames": frames, "kind": "drag"})
    page.mouse.up()
    wheel = page.evaluate(GESTURE, {"frames": frames, "kind": "wheel"})
    for name, run in (("pan", drag), ("zoom", wheel)):
        stamps, ms = run["stamps"], run["ms"]
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        fps = 1000 * len(gaps) / (stamps[-1] - stamps[0])
        print(f"graph  page: {name:4s} {label}  {fps:.0f} frames/s  (slowest 5% of frames {percentile(gaps, 95):.1f} ms)  "
              f"draws {run['draws']} of {len(gaps)} frames, each p50 {percentile(ms, 50):.1f} ms p95 {percentile(ms, 95):.1f} ms  "
              f"(goal >= 30 frames/s)  {verdict(fps >= 30)}")


def browser_lines(url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{url}scene.html?name=graph")
        poll(page, "window.studio && window.studio.frames > 0 && window.graphView")
        page.select_option("[data-setting=source] select", "microgpt")
        poll(page, f"window.studio.frame.total > 1000 && {SETTLED}")
        gesture(page, "microgpt collapsed (1280 px)")
        boxes = page.evaluate("window.studio.frame.boxes")
        k = next(k for k, b in enumerate(boxes) if b["title"] == MLP)
        page.click(".graph-tools button:text-is('fit')")
        poll(page, SETTLED)
        r = page.evaluate(f"window.graphView.screenRect({k})")
        canvas = page.locator(".graph-area canvas").bounding_box()
        page.mouse.click(canvas["x"] + (r["left"] + r["right"]) / 2, canvas["y"] + (r["top"] + r["bottom"]) / 2)
        poll(page, f"window.studio.frame.boxes.length > 100 && {SETTLED}")
        gesture(page, "MLP open, as opened (1280 px)")
        page.click(".graph-tools button:text-is('fit')")
        poll(page, SETTLED)
        gesture(page, "MLP open, fit: every wire on screen (1280 px)")
        browser.close()


def main():
    diffplay.tune_process()
    layout_lines()
    in_process_step_lines()
    with serve() as (url, _):
        studio_lines(url)
        if Path(CHROMIUM).exists():
            browser_lines(url)
        else:
            print(f"graph  page: skipped ({CHROMIUM} is missing)")


if __name__ == "__main__":
    main()
