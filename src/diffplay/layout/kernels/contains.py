"""contains: an outline in a circle, and a circle, point or outline in a box or polygon (a
circle in a circle: circle_pairs)."""

from ..fused import hypot
from ..geometry import ROUND
from ..outlines import edge_offsets
from ..registry import kernel
from .parts import CLOSED, POLYGONAL, round_parts, vertices


@kernel("contains", "circle", POLYGONAL)
def circle_contains_outline(a, b, pad):
    """geometry.outside for a circle around an outline: how far each vertex reaches past it."""
    cx, cy, r, a_back = round_parts(a)
    vx, vy, b_back = vertices(b)
    d, vjp = hypot.forward(vx - cx[:, None], vy - cy[:, None])

    def pullback(w):
        gx, gy = vjp(w)
        return (*a_back(-gx.sum(axis=1), -gy.sum(axis=1), -w.sum(axis=1)), *b_back(gx, gy))

    return d - r[:, None] + pad[:, None], pullback


@kernel("contains", CLOSED, ROUND)
def outline_contains_round(a, b, pad):
    """geometry.outside for a closed outline around a circle or point: per edge, how far the
    round shape reaches past its line."""
    vx, vy, a_back = vertices(a)
    cx, cy, r, b_back = round_parts(b)
    h, vjp = edge_offsets.forward(cx[:, None], cy[:, None], vx, vy)

    def pullback(w):
        gpx, gpy, gvx, gvy = vjp(w[:, None, :])
        return (*a_back(gvx, gvy), *b_back(gpx[:, 0], gpy[:, 0], w.sum(axis=1)))

    return h[:, 0, :] + r[:, None] + pad[:, None], pullback


@kernel("contains", CLOSED, POLYGONAL)
def outline_contains_outline(a, b, pad):
    """geometry.outside for a closed outline around another: each vertex of b past each edge
    line of a, (n, vertices · edges)."""
    (avx, avy, a_back), (bvx, bvy, b_back) = vertices(a), vertices(b)
    h, vjp = edge_offsets.forward(bvx, bvy, avx, avy)

    def pullback(w):
        gbx, gby, gax, gay = vjp(w.reshape(h.shape))
        return (*a_back(gax, gay), *b_back(gbx, gby))

    return h.reshape(h.shape[0], -1) + pad[:, None], pullback
