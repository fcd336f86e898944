"""Shapes' parts as the kernels see them, each with its pullback to the shape's fields.

A pullback takes the gradient of a part (a center, an outline's vertices) and gives the
gradient of each of the shape's fields, in the kind's order (shapes.FIELDS).
"""

import numpy as np

from ..geometry import CORNERS_X, CORNERS_Y, ROUND, outline
from ..outlines import CURVE_POINTS, round_gaps
from ..shapes import BATCH_FIELDS, FIELDS, OPEN

CENTRED = ("point", "circle", "box")   # kinds whose center is their (x, y)
LINES = ("segment", "arrow")
# outlines with a pullback (not a turned rect or an ellipse); a curve's is its sampled points
POLYGONAL = ("box",) + LINES + ("polyline", "polygon") + tuple(CURVE_POINTS)
CLOSED = tuple(kind for kind in POLYGONAL if kind not in OPEN)   # those with an inside
VERTEX_PULLBACKS = {
    "point": lambda gx, gy: (gx[:, 0], gy[:, 0]),
    "box": lambda gx, gy: (gx.sum(1), gy.sum(1), gx @ CORNERS_X, gy @ CORNERS_Y),
    "segment": lambda gx, gy: (gx[:, 0], gy[:, 0], gx[:, 1], gy[:, 1]),
    "arrow": lambda gx, gy: (gx[:, 0], gy[:, 0], gx[:, 1], gy[:, 1]),
    "polyline": lambda gx, gy: (gx, gy),
    "polygon": lambda gx, gy: (gx, gy),
}


def vertices(b):
    """b's outline (vx, vy), each (n, k), and the pullback from their gradients to b's fields."""
    if b.kind in CURVE_POINTS:
        points, vjp = CURVE_POINTS[b.kind].forward(*(getattr(b, name) for name in BATCH_FIELDS[b.kind]))
        return points[:, 0], points[:, 1], lambda gx, gy: vjp(np.stack([gx, gy], axis=1))
    vx, vy = outline(b)
    return vx, vy, VERTEX_PULLBACKS[b.kind]


def round_parts(b):
    """A circle's or point's center and radius, each (n,), and the pullback to its fields."""
    if b.kind == "circle":
        return b.x, b.y, b.r, lambda gx, gy, gr: (gx, gy, gr)
    return b.x, b.y, 0.0 * b.x, lambda gx, gy, gr: (gx, gy)   # geometry.radius of a point


def at_centre(kind, gx, gy):
    """A gradient that moves only the centre: zeros for the size fields (r, or w and h)."""
    return (gx, gy, *[np.zeros_like(gx)] * (len(FIELDS[kind]) - 2))


def to_ends(gx, gy):
    """A gradient on a line's direction (x2 − x1, y2 − y1) as one on its fields x1, y1, x2, y2."""
    return -gx, -gy, gx, gy


def round_outline_gaps(a, b):
    """geometry.gaps between a round and a polygonal shape, either first: (n, edges), and
    the pullback to both shapes' fields in argument order."""
    round_first = a.kind in ROUND
    round_, other = (a, b) if round_first else (b, a)
    cx, cy, r, round_back = round_parts(round_)
    vx, vy, outline_back = vertices(other)
    gaps, vjp = round_gaps.forward(cx, cy, r, vx, vy, kind=other.kind)

    def pullback(g):
        gcx, gcy, gr, gvx, gvy = vjp(g)
        round_grads, outline_grads = round_back(gcx, gcy, gr), outline_back(gvx, gvy)
        return (*round_grads, *outline_grads) if round_first else (*outline_grads, *round_grads)

    return gaps, pullback
