"""keep, centered, near and repel: soft pulls and pushes between centres (a point's, a
circle's and a box's centre is its (x, y)), and near between two fields."""

from ..objectives import REPEL_SOFTENING
from ..registry import kernel
from .parts import CENTRED, at_centre


@kernel("keep", CENTRED)
def keep_centre(a, x, y):
    """The squared distance from a's centre to (x, y)."""
    dx, dy = a.x - x, a.y - y
    return dx * dx + dy * dy, lambda w: at_centre(a.kind, 2 * w * dx, 2 * w * dy)


@kernel("centered", CENTRED)
def centered_centre(a, cx, cy):
    """keep's pull, towards the middle of the canvas."""
    return keep_centre(a, cx, cy)


@kernel("near", CENTRED, CENTRED)
def near_centres(a, b):
    """The squared distance between the centres."""
    dx, dy = a.x - b.x, a.y - b.y
    return dx * dx + dy * dy, lambda w: _apart(a, b, 2 * w * dx, 2 * w * dy)


@kernel("repel", CENTRED, CENTRED)
def repel_centres(a, b):
    """1 / (squared distance + softening)."""
    dx, dy = a.x - b.x, a.y - b.y
    inverse = 1.0 / (dx * dx + dy * dy + REPEL_SOFTENING)

    def pullback(w):
        scale = -2 * w * inverse * inverse   # d(1/q)/dq = -1/q², q = dx² + dy² + softening
        return _apart(a, b, scale * dx, scale * dy)

    return inverse, pullback


@kernel("near", "field", "field", signs=(1, -1))
def near_fields(a, b):
    """The squared difference."""
    d = a.value - b.value

    def pullback(w):
        g = w * d * 2.0   # the same bits as 2·w·d (doubling is exact), without converting the int 2
        return g, g

    return d * d, pullback


def _apart(a, b, gx, gy):
    """A gradient (gx, gy) on the offset between the centres, a − b, as one on both shapes' fields."""
    return (*at_centre(a.kind, gx, gy), *at_centre(b.kind, -gx, -gy))


@kernel("repel", "field", "field", signs=(1, -1))
def repel_fields(a, b):
    """1 / (squared difference + softening)."""
    d = a.value - b.value
    inverse = 1.0 / (d * d + REPEL_SOFTENING)

    def pullback(w):
        g = -2 * w * inverse * inverse * d
        return g, g

    return inverse, pullback
