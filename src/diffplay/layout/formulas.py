"""Computed values: an expression over shapes and fields, resolved against a diagram and
evaluated over batches (NumPy arrays or Tensors alike, so its gradient comes for free).

A resolved tree replaces each shape or field it reads with ("leaf", i): the i-th argument
the relation `defines` (lifted.py) is given, so every `distance(A, B)` and `distance(C, D)`
of a diagram share one Formula and are evaluated as one batch. What an expression is:

- a point: midpoint(p, q), point(x, y), A.center, a shape named where a point is wanted
  (its center), and + − between points, * / by a number;
- a length: distance(p, q), length(segment), A.x, A.r, A.width, A.height, A.left, A.right,
  A.top, A.bottom, p.x, p.y, and arithmetic; abs, sqrt, min, max;
- a number (no unit): angle(a, b, c) (at b, in radians), a length over a length.

Values are computed in canvas units (each leaf's `scales` turn solver units back into them),
so a number written in an expression means pixels whatever the canvas.
"""

import math
from dataclasses import dataclass, field

from . import ops
from .fused import angle_between, hypot
from ..checks import did_you_mean
from ..errors import UsageError
from .build import solver_kind
from .geometry import box, center
from .problem import Batch
from .shapes import BATCH_FIELDS, Ref, Shape

BOX_SIDES = {"left": 0, "top": 1, "right": 2, "bottom": 3}
DERIVED = ("center", "width", "height", *BOX_SIDES, "length")
FUNCTIONS = {   # name: (argument types, result); "point" accepts a shape (its center)
    "midpoint": (("point", "point"), "point"),
    "distance": (("point", "point"), "length"),
    "angle": (("point", "point", "point"), "number"),
    "point": (("length", "length"), "point"),
    "length": (("line",), "length"),
    "abs": (("scalar",), "same"),
    "sqrt": (("scalar",), "same"),
    "min": (("scalar", "scalar"), "same"),
    "max": (("scalar", "scalar"), "same"),
}


@dataclass(frozen=True)
class Formula:
    """A resolved expression: its tree over leaves, each leaf's canvas units per solver unit
    (one per field of a shape leaf: an angle's is 1), what it is (point, length, number), and
    the canvas units per solver unit of what it defines."""

    tree: tuple
    scales: tuple
    type: str
    text: str = field(compare=False)   # names its shapes: left out, so distance(A, B) and distance(C, D) are one family
    unit: float = 1.0

    def __str__(self):
        return self.text


def resolve(diagram, tree, what):
    """(Formula, leaves) for a parsed expression, or (number, ()) when it reads no shape or field;
    a UsageError names `what` and the mistake."""
    leaves = []
    resolved, kind = _resolve(diagram, tree, what, leaves)
    if not leaves:
        value = evaluate(resolved, [])
        return (float(value) if kind != "point" else tuple(map(float, value))), ()
    scales = tuple(_scales(diagram, leaf) for leaf in leaves)
    return Formula(resolved, scales, kind, _text(tree)), tuple(leaves)


def evaluate(tree, batches):
    """The value of a resolved tree over one Batch per leaf (canvas units): an array, or an
    (x, y) pair of arrays for a point."""
    tag = tree[0]
    if tag == "num":
        return tree[1]
    if tag == "leaf":
        b = batches[tree[1]]
        return b.value if b.kind == "field" else center(b)
    if tag == "side":
        return box(batches[tree[1][1]])[BOX_SIDES[tree[2]]]
    if tag == "size":
        left, top, right, bottom = box(batches[tree[1][1]])
        return right - left if tree[2] == "width" else bottom - top
    if tag == "seglen":
        b = batches[tree[1][1]]
        return hypot(b.x2 - b.x1, b.y2 - b.y1)
    if tag == "part":
        return evaluate(tree[1], batches)[tree[2]]
    args = [evaluate(a, batches) for a in tree[2]] if tag == "call" else None
    if tag == "call":
        return _call(tree[1], args)
    if tag == "neg":
        value = evaluate(tree[1], batches)
        return (-value[0], -value[1]) if isinstance(value, tuple) else -value
    a, b = evaluate(tree[2], batches), evaluate(tree[3], batches)
    return _arithmetic(tree[1], a, b)


def in_canvas_units(batches, scales):
    """Batches of solver-unit arrays, scaled back to canvas units field by field."""
    return [Batch(b.kind, {name: value * s for (name, value), s in zip(_fields(b), scale)})
            for b, scale in zip(batches, scales)]


def _fields(b):
    """A batch's (name, array) pairs in the order they were made (BATCH_FIELDS of its kind)."""
    return [(k, v) for k, v in vars(b).items() if k != "kind"]


# ---- resolving names and checking types ----

def _resolve(diagram, tree, what, leaves):
    tag = tree[0]
    if tag == "num":
        return tree, "const"
    if tag == "name":
        return _leaf(diagram, diagram.resolve_name(tree[1], what), leaves)
    if tag == "field":
        return _field(diagram, tree, what, leaves)
    if tag == "neg":
        inner, kind = _resolve(diagram, tree[1], what, leaves)
        return ("neg", inner), _value(kind)
    if tag == "op":
        (a, ka), (b, kb) = (_resolve(diagram, t, what, leaves) for t in tree[2:])
        return ("op", tree[1], a, b), _combine(tree[1], _value(ka), _value(kb), what, _text(tree))
    return _function(diagram, tree, what, leaves)


def _leaf(diagram, target, leaves):
    """A shape or field as a leaf (the same object twice is one leaf); its type."""
    if isinstance(target, int | float):
        return ("num", float(target)), "const"
    if isinstance(target, tuple):   # a point that reads nothing
        return ("call", "point", (("num", target[0]), ("num", target[1]))), "point"
    if not any(target is leaf for leaf in leaves):
        leaves.append(target)
    index = next(i for i, leaf in enumerate(leaves) if leaf is target)
    if isinstance(target, Shape):
        return ("leaf", index), "shape"
    return ("leaf", index), "number" if diagram.slots.roles[target.slot] == "angle" else "length"


def _field(diagram, tree, what, leaves):
    """A.x, A.r (a field: a leaf of its own), A.width, A.center, …, or .x / .y of a point."""
    _, inner, name = tree
    if inner[0] == "name":
        target = diagram.resolve_name(inner[1], what)
        if isinstance(target, Shape) and name in target.slots:
            return _leaf(diagram, getattr(target, name), leaves)
    base, kind = _resolve(diagram, inner, what, leaves)
    if kind == "shape" and name in DERIVED:
        shape = leaves[base[1]]
        if name == "center":
            return base, "point"
        if name == "length":
            if shape.kind not in ("segment", "arrow"):
                raise _error(what, tree, f"{shape.name}.length: {shape.name} is a {shape.kind}, not a segment or arrow")
            return ("seglen", base), "length"
        return (("size", base, name) if name in ("width", "height") else ("side", base, name)), "length"
    if _value(kind) == "point" and name in ("x", "y"):
        return ("part", base, "xy".index(name)), "length"
    fields = (sorted(leaves[base[1]].slots) + list(DERIVED)) if kind == "shape" else ["x", "y"]
    raise _error(what, tree, f'no field "{name}" (it has: {", ".join(fields)})'
                 if kind in ("shape", "point") else f'a {kind} has no field "{name}"')


def _function(diagram, tree, what, leaves):
    _, name, args = tree
    if name not in FUNCTIONS:
        raise _error(what, tree, f'unknown function "{name}"{did_you_mean(name, FUNCTIONS)} '
                                 f'(functions: {", ".join(FUNCTIONS)})')
    wanted, result = FUNCTIONS[name]
    if len(args) != len(wanted):
        raise _error(what, tree, f"{name} takes {len(wanted)} argument{'s' * (len(wanted) > 1)}, got {len(args)}")
    resolved, kinds = [], []
    for i, (arg, want) in enumerate(zip(args, wanted)):
        value, kind = _resolve(diagram, arg, what, leaves)
        ok = {"point": _value(kind) == "point", "scalar": _value(kind) != "point",
              "length": _value(kind) != "point",
              "line": kind == "shape" and leaves[value[1]].kind in ("segment", "arrow")}[want]
        if not ok:
            raise _error(what, tree, f"{name}: argument {i + 1} must be {_WORDS[want]}, got {_describe(kind, value, leaves)}")
        resolved.append(value)
        kinds.append(_value(kind))
    if name == "length":
        return ("seglen", resolved[0]), "length"
    if result == "same":
        result = next((k for k in kinds if k != "const"), "const")
    return ("call", name, tuple(resolved)), result


_WORDS = {"point": "a point or a shape", "scalar": "a number", "length": "a number", "line": "a segment or arrow"}


def _describe(kind, value, leaves):
    if kind == "shape":
        return f"the {leaves[value[1]].kind} {leaves[value[1]].name}"
    return "a point" if kind == "point" else "a number"


def _value(kind):
    """What a shape is worth in arithmetic: its center."""
    return "point" if kind == "shape" else kind


def _combine(op, a, b, what, text):
    if "point" in (a, b):
        if (op in "+-" and a == b) or (op == "*" and a != b) or (op == "/" and b != "point"):
            return "point"
        words = lambda k: "a point" if k == "point" else "a number"  # noqa: E731
        raise UsageError(f'{what}: "{text}": cannot {_VERBS[op]} {words(a)} and {words(b)}')
    if "const" in (a, b):
        return b if a == "const" else a
    if op == "/" and a == b:
        return "number"   # a length over a length
    if op in "*/" and "number" in (a, b):
        return a if b == "number" else b
    return "number" if a == b == "number" else "length"


_VERBS = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide"}


def _error(what, tree, message):
    return UsageError(f'{what}: "{_text(tree)}": {message}')


def _scales(diagram, leaf):
    """Canvas units per solver unit of each field of a leaf's batch."""
    if isinstance(leaf, Ref):
        return (diagram.slots.unit(leaf.slot, diagram.canvas.scale),)
    kind = solver_kind(diagram, leaf)
    return tuple(1.0 if name == "angle" else diagram.canvas.scale for name in BATCH_FIELDS[kind])


# ---- arithmetic on numbers and points ----

def _call(name, args):
    if name == "midpoint":
        (ax, ay), (bx, by) = args
        return (ax + bx) * 0.5, (ay + by) * 0.5
    if name == "distance":
        (ax, ay), (bx, by) = args
        return hypot(ax - bx, ay - by)
    if name == "angle":
        (ax, ay), (bx, by), (cx, cy) = args
        return angle_between(ax - bx, ay - by, cx - bx, cy - by)
    if name == "point":
        return tuple(args)
    if name == "abs":
        return ops.abs(args[0]) if not isinstance(args[0], float) else abs(args[0])
    if name == "sqrt":
        return ops.sqrt(args[0]) if not isinstance(args[0], float) else math.sqrt(args[0])
    a, b = args
    if isinstance(a, float) and isinstance(b, float):
        return min(a, b) if name == "min" else max(a, b)
    return ops.maximum(a, b) if name == "max" else a - ops.relu(a - b)


def _arithmetic(op, a, b):
    if isinstance(a, tuple) and isinstance(b, tuple):
        return tuple(_arithmetic(op, p, q) for p, q in zip(a, b))
    if isinstance(a, tuple):
        return tuple(_arithmetic(op, p, b) for p in a)
    if isinstance(b, tuple):
        return tuple(_arithmetic(op, a, q) for q in b)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    return a * b if op == "*" else a / b


def _text(tree):
    """The tree written back as text, spaced one way."""
    tag = tree[0]
    if tag == "num":
        return f"{tree[1]:g}"
    if tag == "name":
        return tree[1]
    if tag == "field":
        return f"{_text(tree[1])}.{tree[2]}"
    if tag == "neg":
        return f"-{_text(tree[1])}"
    if tag == "op":
        return f"({_text(tree[2])} {tree[1]} {_text(tree[3])})"
    return f"{tree[1]}({', '.join(_text(a) for a in tree[2])})"
