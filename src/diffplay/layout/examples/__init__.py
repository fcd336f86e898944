"""The example diagram specs, shipped inside the package so an installed diffplay has them.

    from diffplay.layout import examples
    examples.names()            # ["euclid", "euler", "flowchart", "graph", "packing", "state_machine"]
    examples.path("euler")      # the TOML file, to load() or read

A source checkout also shows them as examples/layout/ (a link to this folder).
Specs that are meant to fail live in infeasible/: path("infeasible/inside_smaller").
"""

from pathlib import Path

from ...errors import UsageError
from ...checks import did_you_mean

FOLDER = Path(__file__).resolve().parent


def _all():
    """{name: file} of every spec here, subfolders included ("infeasible/inside_smaller")."""
    return {p.relative_to(FOLDER).with_suffix("").as_posix(): p for p in sorted(FOLDER.rglob("*.toml"))}


def names():
    """The examples to show, sorted (the infeasible ones are not among them)."""
    return [name for name in _all() if "/" not in name]


def path(name):
    """The spec file of example `name`; a UsageError names the examples when there is no such one."""
    found = _all()
    if name not in found:
        raise UsageError(f'no example called "{name}"{did_you_mean(name, found)} (examples: {", ".join(names())})')
    return found[name]
