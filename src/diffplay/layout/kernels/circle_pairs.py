"""contains, disjoint and touching on two circles: each an affine function of the distance
between the centres and of the radii, so one function computes all three, and a problem
evaluates every such pair of its families in one call (registry.Group): a packing's pairs
then cost one gather of the centres' offsets, one distance and one pullback, not three of each.

Per relation, in CIRCLE_PAIRS: the softening of the distance s = √(d² + soft²), the sign σ
of the distance term, b.r's coefficient β and pad's sign ρ in σ·(s − a.r − β·b.r) + ρ·pad.
"""

import numpy as np

from ..fused import along
from ..geometry import CONCENTRIC_SOFTENING
from ..registry import Group, kernel

CIRCLE_PAIRS = {
    # s − a.r + b.r + pad: geometry.outside, softened where the circles are concentric
    "contains": (CONCENTRIC_SOFTENING, 1.0, -1.0, 1.0),
    # pad − gap = pad + a.r + b.r − d
    "disjoint": (0.0, -1.0, 1.0, 1.0),
    # signed distance − pad = d − a.r − b.r − pad
    "touching": (0.0, 1.0, 1.0, -1.0),
}


def circle_pairs(a, b, offset, soft, sign, inner):
    """σ·(√(d² + soft²) − a.r − β·b.r) + offset per row (offset = ρ·pad), the constants numbers
    (one relation's family alone) or arrays (a group's rows); `soft` is soft², as given. The
    pullback returns gradients without σ and the other signs, which the kernels declare (_signs)."""
    dx, dy = a.x - b.x, a.y - b.y
    squared = dx * dx + dy * dy
    # four cheap ufuncs: np.hypot costs some 55 instructions an entry, and a group's softening a second one
    s = np.sqrt(squared if isinstance(soft, float) and not soft else squared + soft)
    values = _plus_times(offset, sign, s - _plus_times(a.r, inner, b.r))

    def pullback(w):
        gx, gy = along(w, dx, dy, s)   # +x where two circles that are not softened coincide
        return gx, gy, w, gx, gy, w

    return values, pullback


def _plus_times(x, c, y):
    """x + c·y, c an array or a number ±1: a family alone then costs what its own formula would."""
    if isinstance(c, float):
        return x + y if c > 0 else x - y
    return x + c * y


def _rows(name, pad):
    """The keywords of circle_pairs for instances of relation `name` with these pads, one per row."""
    soft, sign, inner, pad_sign = CIRCLE_PAIRS[name]
    full = lambda value: np.full(pad.shape, value)   # noqa: E731
    return {"offset": pad_sign * pad, "soft": full(soft * soft), "sign": full(sign), "inner": full(inner)}


def _signs(name):
    """±1 per gradient array (a.x, a.y, a.r, b.x, b.y, b.r): σ on a's centre, −σ on a's
    radius and b's centre, −σβ on b's radius."""
    _, sign, inner, _ = CIRCLE_PAIRS[name]
    return (sign, sign, -sign, -sign, -sign, -sign * inner)


PAIRS = Group(circle_pairs, _rows)


def _member(name):
    """Relation `name` on two circles alone (a soft version's kernel, or on Tensors): circle_pairs
    with its constants as numbers."""
    soft, sign, inner, pad_sign = CIRCLE_PAIRS[name]

    def pair(a, b, pad):
        return circle_pairs(a, b, pad if pad_sign > 0 else -pad, soft * soft, sign, inner)

    pair.__name__ = pair.__qualname__ = f"{name}_circles"
    return pair


for _name in CIRCLE_PAIRS:
    kernel(_name, "circle", "circle", signs=_signs(_name), group=PAIRS)(_member(_name))
