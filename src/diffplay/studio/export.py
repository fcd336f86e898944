"""`diffplay export NAME --html out.html`: one self-contained page that replays a recorded run of
a scene with a slider, opening from a file with no server, no kernel and no network (for
sharing, and for docs).

A headless run (whole steps, as `diffplay scene` takes them) is recorded a frame a step, kept
evenly thinned to at most `frames` of them; each kept frame holds only what changed since the
one before (messages.FrameWriter, as the studio sends them). The page is replay.html with the
studio's own modules (modules.bundle: page.js, the scene's drawing) and the frames written
into it; its content policy lets it run nothing but that script, and fetch nothing. If the
page would be larger than `max_bytes`, fewer frames are kept.
"""

import base64
import hashlib
import json
import sys
import time

from tqdm import tqdm

from ..errors import UsageError
from ..files import check_writable, write_atomic
from ..scenes import registry
from . import modules
from .messages import FrameWriter, encode

MAX_BYTES = 5_000_000
ENOUGH = 1 << 62   # no frame of a recording is too big on its own: the page as a whole is what counts


def record(scene, steps=None, frames=100, progress=None):
    """[(frame, stats)] of a headless run: the frame at the start, then after every whole step
    (`steps` of them, or until converged() or max_steps), thinned evenly to at most `frames`;
    the last step's frame is always kept."""
    limit = scene.max_steps if steps is None else steps
    kept, stride, stats = [(scene.frame(), _stats(0, 0.0, 0.0, scene))], 1, None
    for done in range(1, limit + 1):
        if steps is None and scene.converged():
            break
        began = time.perf_counter()
        scene.run(1)
        stepped = time.perf_counter()
        frame = scene.frame()
        stats = (frame, _stats(done, stepped - began, time.perf_counter() - stepped, scene))
        if done % stride == 0:
            kept.append(stats)
            if len(kept) > 2 * frames:   # twice as many as wanted: keep every other one, take half as many from now on
                kept, stride = kept[::2], stride * 2
        if progress:
            progress()
    if stats is not None and kept[-1] is not stats:
        kept.append(stats)
    return evenly(kept, frames)


def evenly(items, count):
    """At most `count` of the items, evenly spread, the first and the last among them."""
    if len(items) <= count:
        return list(items)
    if count < 2:
        return items[-1:]
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


def _stats(steps, step_s, frame_s, scene):
    return {"steps": steps, "step_ms": round(step_s * 1000, 2), "frame_ms": round(frame_s * 1000, 2),
            "budget_ms": 0, "moving": not scene.paused and not scene.at_rest()}


def replay_page(scene, recorded, max_bytes=MAX_BYTES):
    """The replay page's HTML text, with as many of the recorded frames as fit in max_bytes."""
    while True:
        text = _page(scene, recorded)
        if len(text.encode()) <= max_bytes or len(recorded) <= 2:
            return text, len(recorded)
        recorded = evenly(recorded, len(recorded) // 2)


def _page(scene, recorded):
    described = scene.describe()
    drawing = modules.drawing(described)
    writer = FrameWriter()
    frames = [writer.write(frame, {"type": "frame", "id": i, "events": 0, "stats": stats}, ENOUGH)[0]
              for i, (frame, stats) in enumerate(recorded, 1)]
    hello = encode({"type": "hello", "scene": described, "values": scene.values, "limits": {}})
    run = f'{{"drawing":{encode(drawing)},"hello":{hello},"frames":[{",".join(frames)}]}}'
    bundle = modules.bundle("replay.js", "fallback.js", *filter(None, [drawing]))
    script = modules.read("loader.js") + "\n" + modules.read("replay_boot.js")
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    fill = {"@HASH@": f"sha256-{digest}", "@TITLE@": f"{scene.name} · diffplay replay",
            "@STYLE@": modules.read(modules.STYLE), "@BUNDLE@": _inline(json.dumps(bundle, separators=(",", ":"))),
            "@RUN@": _inline(run), "@SCRIPT@": script}
    text = modules.read("replay.html")
    for key, value in fill.items():
        text = text.replace(key, value, 1)
    return text


def _inline(text):
    """JSON made safe inside a <script> element: no "</" can end it early."""
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def run_export(args):
    if args.steps is not None and args.steps < 0:
        raise UsageError(f"--steps must be >= 0, got {args.steps}")
    if args.frames < 1:
        raise UsageError(f"--frames must be at least 1, got {args.frames}")
    if not args.html.lower().endswith((".html", ".htm")):
        raise UsageError(f"--html {args.html}: the page is an .html file")
    cls = registry.load(args.name)
    check_writable(args.html, "--html")
    scene = cls.from_assignments(args.assignments, seed=args.seed)
    with tqdm(total=args.steps, desc=cls.name, unit="step", file=sys.stderr) as bar:
        recorded = record(scene, args.steps, args.frames, progress=bar.update)
    text, kept = replay_page(scene, recorded)
    write_atomic(args.html, text, "--html")
    last = recorded[-1][1]["steps"]
    fewer = f" (fewer than recorded, to stay under {MAX_BYTES / 1e6:g} MB)" if kept < len(recorded) else ""
    print(f"wrote {args.html}: {kept} frames of steps 0–{last}{fewer}, {len(text.encode()) / 1e6:.2f} MB")


def add_export_command(commands):
    export = commands.add_parser("export", help="a page that replays a scene's run, offline",
                                 description="Record a headless run of a scene and write one HTML page that "
                                             "replays it with a slider: no server, no kernel, no network.")
    export.add_argument("name", metavar="NAME", help="the scene (see `diffplay scene --list`)")
    export.add_argument("--html", required=True, metavar="FILE", help="the page to write (.html)")
    export.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                        help="a setting (repeatable)")
    export.add_argument("--steps", type=int, help="run exactly N steps (default: until converged)")
    export.add_argument("--frames", type=int, default=100, help="frames to keep, evenly spread (default 100)")
    export.add_argument("--seed", type=int, default=0)
    export.set_defaults(run=run_export)
