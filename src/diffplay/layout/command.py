"""`diffplay layout SPEC.toml -o out.svg`: solve a diagram spec and write its SVG."""

import json
import warnings
from pathlib import Path

from ..checks import MAX_SEED
from ..files import check_writable
from ..parsing import argument, parse_integer
from ..text import printable
from .spec import load


def run_layout(args):
    output = Path(args.output) if args.output else Path(Path(args.spec).stem + ".svg")   # where the user stands
    check_writable(output, "-o", suffixes=(".svg",), inputs=[args.spec])   # before any work
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
        print(printable(result))   # it names shapes, which a spec may name with escape sequences
        print(f"wrote {printable(output)}")
    return 0 if result.feasible else 1


def add_layout_command(commands):
    layout = commands.add_parser("layout", help="lay out a diagram spec (TOML) and write SVG",
                                 description="Solve the constraints of a TOML diagram spec and write SVG. "
                                             "Exit status 1 when no feasible layout was found: INFEASIBLE names "
                                             "the constraints that cannot all hold (file:line), STUCK says none "
                                             "conflict and another --seed or more --restarts will likely do.")
    layout.add_argument("spec", help="the diagram spec, a TOML file")
    layout.add_argument("-o", "--output", help="where to write the SVG (default: the spec's name with .svg, here)")
    layout.add_argument("--seed", type=argument(parse_integer, lo=0, hi=MAX_SEED), default=None,
                        help=f"random seed for the starting positions, 0 to {MAX_SEED}")
    layout.add_argument("--restarts", type=argument(parse_integer, lo=1), default=None,
                        help="solve from this many starts, keep the best (a stuck start earns two more)")
    layout.add_argument("--json", action="store_true", help="print the result as one JSON line")
    layout.set_defaults(run=run_layout)
