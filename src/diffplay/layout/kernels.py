"""Fast paths: hand-differentiated NumPy versions of the hottest relation families.

A circle packing or a drag frame spends its time in a few families (circles apart, inside,
touching, on the canvas; fields in range; keep). Written with Tensors each costs a few dozen
graph nodes per evaluation; here it is a dozen NumPy calls and a closed-form pullback. Each
kernel computes exactly what its relation computes (same shape, same numbers) and
tests/test_layout_kernels.py holds every one equal to the relation on Tensors and to
finite differences. A kernel returns (values, pullback): pullback(w) is the gradient of
Σ w·values with respect to each gathered array, in the family's order (argument by
argument, fields in the kind's order).
"""

import numpy as np

from . import constraints, objectives  # noqa: F401  (kernels attach to these relations)
from .fused import unit
from .geometry import CONCENTRIC_SOFTENING
from .objectives import REPEL_SOFTENING
from .ops import TINY
from .registry import kernel
from .shapes import FIELDS


def _apart(a, b):
    """Center offset, distance and unit direction from b to a."""
    dx, dy = a.x - b.x, a.y - b.y
    d = np.sqrt(dx * dx + dy * dy + TINY * TINY)
    return (dx, dy, d, *unit(dx, dy, d, 1.0, 0.0))


@kernel("disjoint", "circle", "circle")
def disjoint_circles(a, b, pad):
    _, _, d, ux, uy = _apart(a, b)
    values = (pad + a.r + b.r - d)[:, None]   # pad − gap, one piece per pair

    def pullback(w):
        w = w[:, 0]
        return -w * ux, -w * uy, w, w * ux, w * uy, w

    return values, pullback


@kernel("touching", "circle", "circle")
def touching_circles(a, b, pad):
    _, _, d, ux, uy = _apart(a, b)

    def pullback(w):
        return w * ux, w * uy, -w, -w * ux, -w * uy, -w

    return d - a.r - b.r - pad, pullback


@kernel("contains", "circle", "circle")
def contains_circles(a, b, pad):
    dx, dy = a.x - b.x, a.y - b.y
    s = np.sqrt(dx * dx + dy * dy + CONCENTRIC_SOFTENING ** 2)
    values = (s + b.r - a.r + pad)[:, None]

    def pullback(w):
        w = w[:, 0]
        return w * dx / s, w * dy / s, -w, -w * dx / s, -w * dy / s, w

    return values, pullback


@kernel("on_canvas", "circle")
def circle_on_canvas(a, left, top, right, bottom):
    values = np.empty((a.x.size, 8))
    values[:, 0], values[:, 1] = left - (a.x - a.r), left - (a.x + a.r)
    values[:, 2], values[:, 3] = (a.x - a.r) - right, (a.x + a.r) - right
    values[:, 4], values[:, 5] = top - (a.y - a.r), top - (a.y + a.r)
    values[:, 6], values[:, 7] = (a.y - a.r) - bottom, (a.y + a.r) - bottom

    def pullback(w):
        # columns: left−(x−r), left−(x+r), (x−r)−right, (x+r)−right, then the same for y
        gx = -w[:, 0] - w[:, 1] + w[:, 2] + w[:, 3]
        gy = -w[:, 4] - w[:, 5] + w[:, 6] + w[:, 7]
        gr = (w[:, 0] - w[:, 1] - w[:, 2] + w[:, 3]) + (w[:, 4] - w[:, 5] - w[:, 6] + w[:, 7])
        return gx, gy, gr

    return values, pullback


# ---- pulls and pushes between centres: a point's, circle's and text box's centre is its (x, y) ----

CENTRED = ("point", "circle", "box")


def at_centre(kind, gx, gy):
    """A gradient that moves only the centre: zeros for the size fields (r, or w and h)."""
    return (gx, gy, *[np.zeros_like(gx)] * (len(FIELDS[kind]) - 2))


def _keep(kind):
    def keep(a, x, y):
        dx, dy = a.x - x, a.y - y

        def pullback(w):
            return at_centre(kind, 2 * w * dx, 2 * w * dy)

        return dx * dx + dy * dy, pullback

    return keep


def _centered(kind):
    keep = _keep(kind)   # the same pull, towards (cx, cy)

    def centered(a, cx, cy):
        return keep(a, cx, cy)

    return centered


def _near(kind_a, kind_b):
    def near(a, b):
        dx, dy = a.x - b.x, a.y - b.y

        def pullback(w):
            gx, gy = 2 * w * dx, 2 * w * dy
            return (*at_centre(kind_a, gx, gy), *at_centre(kind_b, -gx, -gy))

        return dx * dx + dy * dy, pullback

    return near


def _repel(kind_a, kind_b):
    def repel(a, b):
        dx, dy = a.x - b.x, a.y - b.y
        inverse = 1.0 / (dx * dx + dy * dy + REPEL_SOFTENING)

        def pullback(w):
            scale = -2 * w * inverse * inverse   # d(1/q)/dq = -1/q², q = dx² + dy² + softening
            gx, gy = scale * dx, scale * dy
            return (*at_centre(kind_a, gx, gy), *at_centre(kind_b, -gx, -gy))

        return inverse, pullback

    return repel


for _kind in CENTRED:
    kernel("keep", _kind)(_keep(_kind))
    kernel("centered", _kind)(_centered(_kind))
    for _other in CENTRED:
        kernel("near", _kind, _other)(_near(_kind, _other))
        kernel("repel", _kind, _other)(_repel(_kind, _other))


def to_ends(gx, gy):
    """A gradient on a line's direction (x2 − x1, y2 − y1) as one on its fields x1, y1, x2, y2."""
    return -gx, -gy, gx, gy


def _min_length(line):
    dx, dy = line.x2 - line.x1, line.y2 - line.y1
    return dx * dx + dy * dy, lambda w: to_ends(2 * w * dx, 2 * w * dy)


for _kind in ("segment", "arrow"):
    kernel("min_length", _kind)(_min_length)


@kernel("minimize", "field")
def field_minimize(a):
    return a.value, lambda w: (w,)


@kernel("maximize", "field")
def field_maximize(a):
    return -a.value, lambda w: (-w,)


@kernel("in_range", "field")
def field_in_range(a, lo, hi):
    def pullback(w):
        return (w[:, 1] - w[:, 0],)

    return np.stack([lo - a.value, a.value - hi], axis=1), pullback


@kernel("greater_than", "field", "field")
def field_greater_than(a, b, pad):
    def pullback(w):
        return -w, w

    return b.value + pad - a.value, pullback


@kernel("less_than", "field", "field")
def field_less_than(a, b, pad):
    def pullback(w):
        return w, -w

    return a.value + pad - b.value, pullback


@kernel("equal", "field", "field")
def field_equal(a, b):
    def pullback(w):
        return w, -w

    return a.value - b.value, pullback


@kernel("near", "field", "field")
def field_near(a, b):
    d = a.value - b.value

    def pullback(w):
        return 2 * w * d, -2 * w * d

    return d * d, pullback
