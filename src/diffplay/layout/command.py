"""`diffplay layout SPEC.toml -o out.svg`: solve a diagram spec and write its SVG."""

import json
import warnings
from pathlib import Path

from ..errors import UsageError
from ..files import check_writable
from .spec import load


def run_layout(args):
    if args.restarts is not None and args.restarts < 1:
        raise UsageError(f"--restarts must be at least 1, got {args.restarts}")
    output = Path(args.output) if args.output else Path(Path(args.spec).stem + ".svg")   # where the user stands
    _check_output(output, args.spec)
    diagram, options = load(args.spec)
    seed = args.seed if args.seed is not None else options.get("seed", 0)
    restarts = args.restarts if args.restarts is not None else options.get("restarts", 1)
    with warnings.catch_warnings():   # the result lists its notes itself
        warnings.simplefilter("ignore")
        result = diagram.solve(seed=seed, restarts=restarts)
    diagram.save(output, "-o")
    if args.json:
        print(json.dumps({**result.to_dict(), "output": str(output)}))
    else:
        print(result)
        print(f"wrote {output}")
    return 0 if result.feasible else 1


def _check_output(output, spec):
    """Before any work: an .svg file that can be written, and not the spec itself."""
    if output.suffix.lower() != ".svg":
        raise UsageError("diffplay layout writes SVG; give a file name ending in .svg", where=f"-o {output}")
    if output.exists() and output.resolve() == Path(spec).resolve():
        raise UsageError("is the spec itself; give another file name", where=f"-o {output}")
    check_writable(output, "-o")


def add_layout_command(commands):
    layout = commands.add_parser("layout", help="lay out a diagram spec (TOML) and write SVG",
                                 description="Solve the constraints of a TOML diagram spec and write SVG. "
                                             "Exit status 1 when no feasible layout was found.")
    layout.add_argument("spec", help="the diagram spec, a TOML file")
    layout.add_argument("-o", "--output", help="where to write the SVG (default: the spec's name with .svg, here)")
    layout.add_argument("--seed", type=int, default=None, help="random seed for the starting positions")
    layout.add_argument("--restarts", type=int, default=None, help="solve from this many starts, keep the best")
    layout.add_argument("--json", action="store_true", help="print the result as one JSON line")
    layout.set_defaults(run=run_layout)
