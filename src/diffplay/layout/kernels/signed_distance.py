"""touching and label_near: both a function of the signed distance between two shapes."""

import numpy as np

from ..fused import along
from ..geometry import ROUND
from ..outlines import extreme
from ..registry import kernel
from .parts import POLYGONAL, round_outline_gaps


@kernel("touching", "circle", "circle", signs=(1, 1, -1, -1, -1, -1))
def touching_circles(a, b, pad):
    """signed distance − pad."""
    dx, dy = a.x - b.x, a.y - b.y
    d = np.hypot(dx, dy)

    def pullback(w):
        gx, gy = along(w, dx, dy, d)
        return gx, gy, w, gx, gy, w   # the radii and b's centre the other way: the signs

    return d - a.r - b.r - pad, pullback


@kernel("touching", ROUND, POLYGONAL)
@kernel("touching", POLYGONAL, ROUND)
def touching_round_outline(a, b, pad):
    """signed distance − pad."""
    distance, back = _signed_distance(a, b)
    return distance - pad, back


@kernel("label_near", ROUND, POLYGONAL)
@kernel("label_near", POLYGONAL, ROUND)
def label_near_round_outline(label, shape, gap):
    """(signed distance − gap)²."""
    distance, back = _signed_distance(label, shape)
    d = distance - gap
    return d * d, lambda w: back(2 * w * d)


def _signed_distance(a, b):
    """geometry.signed_distance between a round and a polygonal shape (either first): the
    least of geometry.gaps' pieces, and its pullback through the nearest piece (pieces that
    tie share it, as in Tensor min's gradient)."""
    gaps, back = round_outline_gaps(a, b)
    nearest, back_nearest = extreme(gaps, np.min)
    return nearest, lambda w: back(back_nearest(w))
