"""A notebook widget's frames in JupyterLab: a 100×100 float heatmap scene, 60 s, frames a second
and the message backlog.

    .venv/bin/python benchmarks/notebook.py [--seconds 60] [--size 100]   # with the test extra installed

JupyterLab starts on a free port (tests/notebook_servers.py) and Debian's Chromium opens a
notebook whose cell defines a scene of its own, as a notebook's user would: a size × size field
of float32 numbers that relaxes towards a moving target by gradient descent on a smoothness
energy (Tensor autodiff), every step changing every cell. It has no drawing module, so
fallback.js draws its array as a heatmap. Each frame carries the field as a 40 kB binary
buffer. The cell is run from the page, and for `--seconds` the benchmark samples, twice a
second, the frames the page drew and, in the kernel (a second client on its kernel), the
frames sent and acknowledged: the backlog is sent − drawn, which the loop never lets pass its
window of 2. Memory at the start and the end shows whether anything queues up: the kernel's
resident set and the page's JavaScript heap after a full collection. The box's load average
(1 min) at both ends says how much else ran beside it. Goal: >= 30 frames/s, backlog <= 2, no growth.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))   # the tests' server runners

from notebook_servers import jupyterlab, kernel_of, lab_url, notebook_file, run_in  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        "--enable-precise-memory-info"]

FIELD = '''\
import numpy as np
from diffplay import widgets
from diffplay.engine.tensor import Tensor
from diffplay.scenes.base import Scene, frame_record
from diffplay.scenes.blobs import ARRAY, array

class Heat(Scene):
    """A field relaxing towards a target that circles: descent on smoothness plus closeness."""
    name, title = "heat", "a {n}×{n} float field, every cell changing every step"
    frame_schema = frame_record({{"field": ARRAY}})
    steps_per_frame = 1

    def build(self):
        self.u = np.zeros(({n}, {n}))
        self.grid = np.stack(np.meshgrid(np.linspace(-1, 1, {n}), np.linspace(-1, 1, {n})))

    def advance(self):
        a = 0.05 * self.steps
        target = np.exp(-((self.grid[0] - 0.5 * np.cos(a)) ** 2 + (self.grid[1] - 0.5 * np.sin(a)) ** 2) / 0.05)
        u = Tensor(self.u, requires_grad=True)
        dx, dy = u[1:, :] - u[:-1, :], u[:, 1:] - u[:, :-1]
        energy = (dx * dx).sum() + (dy * dy).sum() + 4 * ((u - target) * (u - target)).sum()
        energy.backward()
        self.u = self.u - 0.05 * u.grad

    def view(self):
        return {{"field": array(self.u)}}

w = widgets.Scene(Heat())
w
'''

LOOK = "e => ({frames: e.diffplay.frames, step: e.diffplay.frame && e.diffplay.frame.step, errors: e.diffplay.errors})"
KERNEL = "import json; l = w.runner.loop; print(json.dumps([l.sent, l.drawn, open('/proc/self/statm').read().split()[1]]))"


def measure(kernel, widget, seconds):
    """Samples [(t, page frames, sent, drawn, kernel rss pages)] every 0.5 s, and what the page showed last."""
    samples, began = [], time.monotonic()
    while (now := time.monotonic()) - began <= seconds:
        seen = widget.evaluate(LOOK)
        sent, drawn, rss = json.loads(run_in(kernel, KERNEL))
        samples.append((now - began, seen["frames"], sent, drawn, int(rss)))
        time.sleep(max(0.0, 0.5 - (time.monotonic() - now)))
    return samples, seen


def heap(cdp):
    """The page's JavaScript heap in use after a full garbage collection (what it keeps, not what it made)."""
    cdp.send("HeapProfiler.collectGarbage")
    return cdp.send("Runtime.getHeapUsage")["usedSize"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        notebook_file(folder / "heat.ipynb", [FIELD.format(n=args.size)])
        with jupyterlab(folder) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(lab_url(base, "heat.ipynb"))
            cell = page.locator(".jp-Notebook .jp-Cell").first
            cell.wait_for(timeout=120_000)
            widget = page.locator(".diffplay-widget[data-scene=heat]")
            for _ in range(10):   # the first Shift+Enter may come before the page has its kernel
                cell.locator(".jp-InputArea-editor").click()
                page.keyboard.press("Shift+Enter")
                try:
                    widget.wait_for(timeout=15_000)
                    break
                except Exception:
                    continue
            kernel = kernel_of(base, folder, "heat.ipynb")
            time.sleep(3.0)   # warm-up: the first frames, the page's first layout
            cdp = page.context.new_cdp_session(page)
            heaps, load = [heap(cdp)], [os.getloadavg()[0]]
            samples, seen = measure(kernel, widget, args.seconds)
            heaps.append(heap(cdp))
            load.append(os.getloadavg()[0])
            kernel.stop_channels()
            browser.close()
    report(samples, seen, heaps, load, args)


def report(samples, seen, heaps, load, args):
    (t0, f0, s0, _, rss0), (t1, f1, s1, _, rss1) = samples[0], samples[-1]
    backlog = [sent - drawn for _, _, sent, drawn, _ in samples]
    fps, sent_fps = (f1 - f0) / (t1 - t0), (s1 - s0) / (t1 - t0)
    mb = 4096 / 1e6   # /proc/self/statm counts 4 kB pages
    ok = fps >= 30 and max(backlog) <= 2 and not seen["errors"]
    print(f"notebook  heatmap {args.size}x{args.size} float32  jupyterlab+chromium  {t1 - t0:.0f} s  "
          f"frames drawn {f1 - f0}  {fps:.1f} frames/s (kernel sent {sent_fps:.1f}/s)  "
          f"backlog sent-drawn max {max(backlog)} mean {sum(backlog) / len(backlog):.2f} over {len(backlog)} samples  "
          f"kernel rss {rss0 * mb:.1f} -> {rss1 * mb:.1f} MB  page heap after gc {heaps[0] / 1e6:.1f} -> {heaps[1] / 1e6:.1f} MB  "
          f"errors {len(seen['errors'])}  box load {load[0]:.1f} -> {load[1]:.1f}  {'goal met' if ok else 'goal MISSED'}")
    thirds = [samples[len(samples) * k // 3] for k in range(3)] + [samples[-1]]
    rates = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(thirds, thirds[1:])]
    print(f"notebook  frames/s by third of the run  {'  '.join(f'{r:.1f}' for r in rates)}")


if __name__ == "__main__":
    main()
