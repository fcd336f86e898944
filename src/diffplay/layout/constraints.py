"""Hard constraints: each returns residuals over all its instances, `<= 0` (or `== 0`) when met.

Residuals are lengths in the solver's units (the canvas's larger side is 1), so one
tolerance judges them all. Every function here runs on NumPy arrays and on Tensors alike.
"""

import numpy as np

from . import ops
from .fused import direction_length, hypot
from .geometry import CONCENTRIC_SOFTENING, box, center, extremes, gaps, outside, signed_distance
from .registry import REQUIRED, constraint

@constraint("equal", args=("field", "field"), equality=True)
def equal(a, b):
    """a == b."""
    return a.value - b.value


@constraint("less_than", args=("field", "field"), params={"pad": 0.0})
def less_than(a, b, pad):
    """a + pad <= b."""
    return a.value + pad - b.value


@constraint("greater_than", args=("field", "field"), params={"pad": 0.0})
def greater_than(a, b, pad):
    """a >= b + pad."""
    return b.value + pad - a.value


def _start_in_range(inst):
    """A shape's field drawn at random starts between lo and hi."""
    field = inst.args[0]
    return {field.slot: (inst.params["lo"], inst.params["hi"])} if field.shape is not None else {}


@constraint("in_range", args=("field",), params={"lo": REQUIRED, "hi": REQUIRED}, start_range=_start_in_range)
def in_range(a, lo, hi):
    """lo <= a <= hi."""
    return ops.stack([lo - a.value, a.value - hi])


@constraint("distance", args=("shape", "shape"), params={"d": REQUIRED}, equality=True)
def distance(a, b, d):
    """The centers of a and b are d apart."""
    (ax, ay), (bx, by) = center(a), center(b)
    return hypot(ax - bx, ay - by) - d


@constraint("touching", args=("shape", "shape"), params={"pad": 0.0}, equality=True, measured=True)
def touching(a, b, pad):
    """a and b are tangent from outside, `pad` apart (0: they just touch)."""
    return signed_distance(a, b) - pad


@constraint("disjoint", args=("shape", "shape"), params={"pad": 0.0}, measured=True)
def disjoint(a, b, pad):
    """a and b do not overlap, keeping at least `pad` between them (one residual per piece)."""
    return pad.reshape((-1, 1)) - gaps(a, b)


@constraint("overlapping", args=("shape", "shape"), params={"amount": 0.0}, measured=True)
def overlapping(a, b, amount):
    """a and b overlap by at least `amount` (0: at least touching)."""
    return signed_distance(a, b) + amount


CONCENTRIC = f"circle-in-circle containment is conservative by at most {CONCENTRIC_SOFTENING:g} of the canvas"


@constraint("contains", args=("closed", "shape"), params={"pad": 0.0}, measured=True,
            approximations={("circle", "circle"): CONCENTRIC})
def contains(a, b, pad):
    """b lies inside a, at least `pad` from its edge."""
    return outside(a, b) + pad.reshape((-1, 1))


def _direction(line):
    return line.x2 - line.x1, line.y2 - line.y1


def _mean_length(ux, uy, vx, vy):
    """√(|u|·|v|): turns a dot or cross product into a length."""
    return ops.sqrt(direction_length(ux, uy) * direction_length(vx, vy))


@constraint("perpendicular", args=("line", "line"), equality=True)
def perpendicular(a, b):
    """The two lines meet at a right angle (residual: cos θ · √(|a|·|b|))."""
    (ux, uy), (vx, vy) = _direction(a), _direction(b)
    return (ux * vx + uy * vy) / _mean_length(ux, uy, vx, vy)


@constraint("parallel", args=("line", "line"), equality=True)
def parallel(a, b):
    """The two lines point the same way, or opposite ways (residual: sin θ · √(|a|·|b|))."""
    (ux, uy), (vx, vy) = _direction(a), _direction(b)
    return (ux * vy - uy * vx) / _mean_length(ux, uy, vx, vy)


def _line_offset(px, py, ax, ay, bx, by):
    """Signed distance from p to the infinite line through a and b."""
    ex, ey = bx - ax, by - ay
    return ((px - ax) * ey - (py - ay) * ex) / direction_length(ex, ey)


@constraint("collinear", args=("shape", "shape", "shape"), equality=True)
def collinear(a, b, c):
    """The centers of a, b and c lie on one line (residual: b's distance from line ac)."""
    (ax, ay), (bx, by), (cx, cy) = center(a), center(b), center(c)
    return _line_offset(bx, by, ax, ay, cx, cy)


def _along(px, py, ex, ey, length):
    """How far p goes along the direction e (of length `length`): p·e / |e|."""
    return (px * ex + py * ey) / length


@constraint("ordered_collinear", args=("shape", "shape", "shape"), equality=True)
def ordered_collinear(a, b, c):
    """b's center lies on the segment between a's and c's: on their line (its distance from
    it), and between them (how far it falls outside, 0 inside)."""
    (ax, ay), (bx, by), (cx, cy) = center(a), center(b), center(c)
    ex, ey = cx - ax, cy - ay
    length = direction_length(ex, ey)
    return ops.stack([_line_offset(bx, by, ax, ay, cx, cy), ops.relu(-_along(bx - ax, by - ay, ex, ey, length)),
                      ops.relu(-_along(cx - bx, cy - by, ex, ey, length))])


def heading(degrees):
    """The unit vector of a heading in degrees (0 points right, 90 down: y grows down)."""
    radians = np.radians(degrees)
    return np.cos(radians), np.sin(radians)


@constraint("direction", args=("line",), params={"degrees": REQUIRED}, equality=True, unitless=("degrees",))
def direction(line, degrees):
    """The line points along the heading `degrees` (0 right, 90 down): its offset across the
    heading (|u|·sin θ), and how far it points backwards (0 while it points forwards)."""
    (ux, uy), (dx, dy) = _direction(line), heading(degrees)
    return ops.stack([ux * dy - uy * dx, ops.relu(-(ux * dx + uy * dy))])


@constraint("non_degenerate_angle", args=("shape", "shape", "shape"), params={"degrees": 10.0},
            unitless=("degrees",))
def non_degenerate_angle(a, b, c, degrees):
    """The angle at b's center, between a's and c's, stays at least `degrees` from 0 and from
    180 (residual: sin²(degrees) − sin² of the angle)."""
    (ax, ay), (bx, by), (cx, cy) = center(a), center(b), center(c)
    ux, uy, vx, vy = ax - bx, ay - by, cx - bx, cy - by
    sine = (ux * vy - uy * vx) / (direction_length(ux, uy) * direction_length(vx, vy))
    least = np.sin(np.radians(degrees))
    return least * least - sine * sine


@constraint("on_line", args=("shape", "line"), equality=True)
def on_line(a, line):
    """a's center lies on the (infinite) line through the segment."""
    px, py = center(a)
    return _line_offset(px, py, line.x1, line.y1, line.x2, line.y2)


@constraint("on_circle", args=("shape", "circle"), equality=True)
def on_circle(a, circle):
    """a's center lies on the circle."""
    (px, py), (cx, cy) = center(a), center(circle)
    return hypot(px - cx, py - cy) - circle.r


def box_side(b, name):
    """One side (or a center line) of b's bounding box."""
    left, top, right, bottom = box(b)
    if name == "center-x":
        return (left + right) * 0.5
    if name == "center-y":
        return (top + bottom) * 0.5
    return {"left": left, "right": right, "top": top, "bottom": bottom}[name]


@constraint("aligned", args=("shape", "shape"), params={"side": "center-y"}, equality=True)
def aligned(a, b, side):
    """a and b line up on one side: left, right, top, bottom, center-x or center-y."""
    return box_side(a, side) - box_side(b, side)


@constraint("left_of", args=("shape", "shape"), params={"gap": 0.0})
def left_of(a, b, gap):
    """a ends at least `gap` left of where b begins."""
    return box_side(a, "right") + gap - box_side(b, "left")


@constraint("above", args=("shape", "shape"), params={"gap": 0.0})
def above(a, b, gap):
    """a ends at least `gap` above where b begins."""
    return box_side(a, "bottom") + gap - box_side(b, "top")


@constraint("same_size", args=("shape", "shape"), equality=True)
def same_size(a, b):
    """a and b have bounding boxes of the same width and height."""
    (al, at, ar, ab), (bl, bt, br, bb) = box(a), box(b)
    return ops.stack([(ar - al) - (br - bl), (ab - at) - (bb - bt)])


@constraint("disjoint_intervals", args=("shape", "shape"), params={"axis": "x", "pad": 0.0})
def disjoint_intervals(a, b, axis, pad):
    """a's and b's extents along the axis (x or y) do not overlap, `pad` apart at least (for a
    segment or arrow, the interval its ends span; residual: the overlap + pad)."""
    low, high = ("left", "right") if axis == "x" else ("top", "bottom")
    a_low, a_high, b_low, b_high = box_side(a, low), box_side(a, high), box_side(b, low), box_side(b, high)
    least_high = a_high - ops.relu(a_high - b_high)   # min(a_high, b_high)
    most_low = a_low + ops.relu(b_low - a_low)        # max(a_low, b_low)
    return least_high - most_low + pad


def gap_between(a, b, axis):
    """Free space from a to the next shape b along the x or y axis."""
    if axis == "x":
        return box_side(b, "left") - box_side(a, "right")
    return box_side(b, "top") - box_side(a, "bottom")


@constraint("distribute", args=("shape",), params={"axis": "x"}, equality=True, window=3)
def distribute(a, b, c, axis):
    """Shapes in a row (axis x) or column (axis y) have equal gaps between neighbours."""
    return gap_between(b, c, axis) - gap_between(a, b, axis)


@constraint("on_canvas", args=("shape",),
            params={"left": REQUIRED, "top": REQUIRED, "right": REQUIRED, "bottom": REQUIRED})
def on_canvas(a, left, top, right, bottom):
    """a lies on the canvas (every shape gets this unless told otherwise); one residual per corner."""
    xs, ys = extremes(a)
    column = lambda v: v.reshape((-1, 1))  # noqa: E731
    return ops.concat([column(left) - xs, xs - column(right), column(top) - ys, ys - column(bottom)])
