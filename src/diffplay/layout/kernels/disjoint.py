"""disjoint: two outlines, or a circle (or point) and an outline, kept apart (two circles:
circle_pairs)."""

from ..geometry import ROUND
from ..outlines import edge_gaps
from ..registry import kernel
from .parts import POLYGONAL, round_outline_gaps, vertices


@kernel("disjoint", POLYGONAL, POLYGONAL)
def disjoint_outlines(a, b, pad):
    """pad − gap, one column per piece of geometry.gaps."""
    (avx, avy, a_back), (bvx, bvy, b_back) = vertices(a), vertices(b)
    gaps, vjp = edge_gaps.forward(avx, avy, bvx, bvy, kinds=(a.kind, b.kind))

    def pullback(w):
        gax, gay, gbx, gby = vjp(-w)
        return (*a_back(gax, gay), *b_back(gbx, gby))

    return pad[:, None] - gaps, pullback


@kernel("disjoint", ROUND, POLYGONAL)
@kernel("disjoint", POLYGONAL, ROUND)
def disjoint_round_outline(a, b, pad):
    """pad − gap, one column per edge of the outline."""
    gaps, back = round_outline_gaps(a, b)
    return pad[:, None] - gaps, lambda w: back(-w)
