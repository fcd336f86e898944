"""Relations of a polygon's (or a polyline's) own form, after Penrose's: convex, equilateral,
equiangular, regular. Each reads the chain's edges: a polygon's go round, a polyline's stop at
its last vertex. They run on NumPy arrays and on Tensors alike.
"""

import numpy as np

from . import ops
from .fused import direction_length, hypot
from .outlines import edge_ends, edge_offsets
from .registry import constraint


def edges(b):
    """The chains' edge vectors (ex, ey), each (n, edges), and each edge's start and end vertex."""
    start, end = map(np.array, edge_ends(ops.data(b.vx).shape[1], b.kind == "polygon"))
    return b.vx[:, end] - b.vx[:, start], b.vy[:, end] - b.vy[:, start], start, end


def joints(count, closed):
    """(before, after): the edges meeting at each vertex between two (a polygon's round to the first)."""
    before = np.arange(count if closed else count - 1)
    return before, (before + 1) % count


@constraint("convex", args=("chain",))
def convex(a):
    """The vertices, in order, bound a convex polygon (a polyline's with its ends joined):
    none lies beyond the line of any edge (one residual per vertex and edge, its offset)."""
    h = edge_offsets(a.vx, a.vy, a.vx, a.vy)
    return h.reshape((ops.data(h).shape[0], -1))


@constraint("equilateral", args=("chain",), equality=True)
def equilateral(a):
    """Every edge has the same length (residuals: each edge's length less the one before's)."""
    ex, ey, _, _ = edges(a)
    lengths = hypot(ex, ey)
    return lengths[:, 1:] - lengths[:, :-1]


@constraint("equiangular", args=("chain",), equality=True)
def equiangular(a):
    """Every corner between two edges has the same angle (unsigned: residuals are each
    corner's cosine less the one before's)."""
    ex, ey, _, _ = edges(a)
    before, after = joints(ops.data(ex).shape[1], a.kind == "polygon")
    lengths = direction_length(ex, ey)
    cosines = (ex[:, before] * ex[:, after] + ey[:, before] * ey[:, after]) / (lengths[:, before] * lengths[:, after])
    return cosines[:, 1:] - cosines[:, :-1]


@constraint("regular", args=("chain",), equality=True)
def regular(a):
    """Equilateral and equiangular: a regular polygon (or an evenly turning polyline)."""
    return ops.concat([equilateral(a), equiangular(a)])
