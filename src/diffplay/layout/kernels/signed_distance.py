"""touching and label_near: both a function of the signed distance between two shapes (touching
on two circles: circle_pairs)."""

import numpy as np

from ..geometry import ROUND
from ..outlines import extreme
from ..registry import kernel
from .parts import POLYGONAL, round_outline_gaps


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
