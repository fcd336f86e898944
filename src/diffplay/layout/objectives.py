"""Soft objectives: each returns an energy per instance, which the solver weighs and sums.

Energies are in the solver's units (the canvas's larger side is 1), so weights of the
same size mean the same pull whatever the canvas. They run on NumPy arrays and Tensors.
"""

from .constraints import gap_between
from .geometry import center, signed_distance
from .registry import REQUIRED, objective

REPEL_SOFTENING = 1e-3   # repel stays finite when two centers meet (a distance of ~3 % of the canvas)


def _squared_gap(a, b):
    """Squared distance between two shapes' centers, or between two fields."""
    if hasattr(a, "value"):
        d = a.value - b.value
        return d * d
    (ax, ay), (bx, by) = center(a), center(b)
    dx, dy = ax - bx, ay - by
    return dx * dx + dy * dy


@objective("near", args=("any", "any"))
def near(a, b):
    """Pull two shapes' centers together, or a field towards another field or a number."""
    return _squared_gap(a, b)


@objective("repel", args=("any", "any"))
def repel(a, b):
    """Push two shapes' centers apart, or two fields' values (an inverse-square energy)."""
    return 1.0 / (_squared_gap(a, b) + REPEL_SOFTENING)


@objective("minimize", args=("field",))
def minimize(a):
    """Make a field small."""
    return a.value


@objective("maximize", args=("field",))
def maximize(a):
    """Make a field large."""
    return -a.value


@objective("centered", args=("shape",), params={"cx": REQUIRED, "cy": REQUIRED})
def centered(a, cx, cy):
    """Pull a shape's center to the middle of the canvas."""
    x, y = center(a)
    return (x - cx) * (x - cx) + (y - cy) * (y - cy)


def _start_beside_its_shape(inst, start):
    """A label placed at random often starts walled off from its shape by other shapes it may
    not cross; starting it at the shape it labels (a little off its center) avoids that trap."""
    label, shape = inst.args[0], inst.args[-1]
    if "x" in label.slots and start.redo[label.slots["x"]]:
        cx, cy = start.center(shape)
        jitter = start.rng.normal(0.0, 0.01 * start.scale, 2)
        start.values[label.slots["x"]], start.values[label.slots["y"]] = cx + jitter[0], cy + jitter[1]


@objective("label_near", args=("shape", "shape"), params={"gap": 4.0}, measured=True, start=_start_beside_its_shape)
def label_near(label, shape, gap):
    """Hold a label `gap` away from the shape's edge (inside a shape, put it in with contains)."""
    d = signed_distance(label, shape) - gap
    return d * d


@objective("even_spacing", args=("shape",), params={"axis": "x"}, window=3)
def even_spacing(a, b, c, axis):
    """Shapes in a row (axis x) or column (axis y) prefer equal gaps between neighbours."""
    d = gap_between(b, c, axis) - gap_between(a, b, axis)
    return d * d


@objective("min_length", args=("line",))
def min_length(line):
    """Make a segment or arrow short (its squared length)."""
    dx, dy = line.x2 - line.x1, line.y2 - line.y1
    return dx * dx + dy * dy


@objective("keep", args=("shape",), params={"x": REQUIRED, "y": REQUIRED})
def keep(a, x, y):
    """Stay near (x, y): while one shape is dragged, the others hold their places."""
    cx, cy = center(a)
    return (cx - x) * (cx - x) + (cy - y) * (cy - y)
