"""`diffplay scene NAME [--set key=value …] [--steps N] --out FILE [--json]`, and `--list`."""

import json
import sys
import time

from tqdm import tqdm

from ..checks import MAX_SEED
from ..errors import UsageError
from ..files import check_writable
from ..parsing import argument, parse_integer
from ..text import printable
from . import registry


def list_scenes(args):
    scenes = registry.all_scenes()
    if args.json:
        print(json.dumps([scene.describe() for scene in scenes]))
        return
    for scene in scenes:
        writes = f"writes {', '.join('.' + f for f in scene.formats)}" if scene.formats else "a learn chapter"
        print(f"{scene.name}: {scene.title}  ({writes})")
        rows = [(s.name, _kind(s.schema.describe()), "default " + _default_text(s.default),
                 s.help + ("  (command line only)" if s.cli_only else "")) for s in scene.settings]
        widths = [max(len(row[i]) for row in rows) for i in range(3)] if rows else []
        for row in rows:
            print("    " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])


def _kind(description):
    kind = description["type"]
    if kind == "choice":
        return "|".join(description["options"])
    if kind in ("number", "integer") and (description["min"] is not None or description["max"] is not None):
        return f"{kind} in [{description['min']}, {description['max']}]"
    if kind == "list":
        return f"list of {_kind(description['item'])}"
    return kind


def _default_text(value, longest=24):
    """A default for --list: lists as --set takes them (4,2), strings quoted so an empty one shows,
    and a long or many-line one cut short."""
    if isinstance(value, list):
        return ",".join(map(str, value))
    if not isinstance(value, str):
        return str(value)
    lines = value.splitlines()
    if len(lines) > 1:
        return f'"{lines[0][:longest]}…" ({len(lines)} lines)'
    return json.dumps(value) if len(value) <= longest else json.dumps(value[:longest])[:-1] + '…"'



def run_scene(args):
    if args.list:
        return list_scenes(args)
    if not args.name:
        raise UsageError("scene: name a scene (see `diffplay scene --list`)")
    if not args.out:
        raise UsageError("scene: --out FILE is required (a .png or .svg file)")
    cls = registry.load(args.name)
    cls.check_format(args.out)   # before the scene is built and run, not after
    values = cls.assigned(args.assignments)
    check_writable(args.out, "--out", inputs=cls.files(values))
    scene = cls(seed=args.seed, **values)
    start = time.perf_counter()
    with tqdm(total=args.steps, desc=cls.name, unit="step", file=sys.stderr, disable=args.json) as bar:
        scene.run(args.steps, progress=lambda _: bar.update())
    seconds = time.perf_counter() - start
    scene.render(args.out)
    summary = {**scene.summary(), "out": args.out, "seconds": round(seconds, 3)}
    if args.json:
        print(json.dumps(summary))
    else:
        for key, value in summary.items():
            if key != "settings":
                print(f"{key:16s} {printable(value)}")


def add_scene_command(commands):
    scene = commands.add_parser("scene", help="run a live scene headless and save a picture of it")
    scene.add_argument("name", nargs="?", metavar="NAME", help="the scene (see --list)")
    scene.add_argument("--list", action="store_true", help="list the scenes and their settings")
    scene.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                       help="a setting (repeatable)")
    scene.add_argument("--steps", type=argument(parse_integer, lo=0), help="run exactly N steps (default: until converged)")
    scene.add_argument("--seed", type=argument(parse_integer, lo=0, hi=MAX_SEED), default=0,
                       help=f"the random seed, 0 to {MAX_SEED} (0)")
    scene.add_argument("--out", metavar="FILE", help="the picture to write (.png or .svg)")
    scene.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    scene.set_defaults(run=run_scene)
