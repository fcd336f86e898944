"""disjoint_intervals between boxes, points and lines: their extents along an axis kept apart."""

import numpy as np

from ..registry import kernel
from .parts import LINES
from .sides import SIDES, SIDED


@kernel("disjoint_intervals", SIDED + LINES, SIDED + LINES)
def disjoint_extents(a, b, axis, pad):
    """min(a's high, b's high) − max(a's low, b's low) + pad: the overlap, and its pullback."""
    (a_low, a_high, a_back), (b_low, b_high, b_back) = _extent(a, axis), _extent(b, axis)
    a_least, a_most = a_high - b_high <= 0, b_low - a_low <= 0   # which end bounds the overlap (as ops.relu's)

    def pullback(w):
        return (*a_back(np.where(a_most, -w, 0.0), np.where(a_least, w, 0.0)),
                *b_back(np.where(a_most, 0.0, -w), np.where(a_least, 0.0, w)))

    least_high, most_low = np.where(a_least, a_high, b_high), np.where(a_most, a_low, b_low)
    return least_high - most_low + pad, pullback


def _extent(b, axis):
    """b's (low, high) along the axis and the pullback from their gradients to b's fields."""
    if b.kind in LINES:   # the ends' least and greatest coordinate
        first, second = (b.x1, b.x2) if axis == "x" else (b.y1, b.y2)
        ordered = first <= second
        zero = np.zeros_like(first)

        def line_back(g_low, g_high):
            g_first, g_second = np.where(ordered, g_low, g_high), np.where(ordered, g_high, g_low)
            return (g_first, zero, g_second, zero) if axis == "x" else (zero, g_first, zero, g_second)

        return np.minimum(first, second), np.maximum(first, second), line_back
    low, high = ("left", "right") if axis == "x" else ("top", "bottom")
    fields = [getattr(b, name) for name in ("x", "y", "w", "h")[:len(SIDES[b.kind][low])]]
    value = lambda side: sum(c * f for c, f in zip(SIDES[b.kind][side], fields))  # noqa: E731
    return value(low), value(high), lambda gl, gh: tuple(cl * gl + ch * gh for cl, ch in
                                                            zip(SIDES[b.kind][low], SIDES[b.kind][high]))
