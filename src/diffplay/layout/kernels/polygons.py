"""convex, equilateral, equiangular and regular: a polygon's or polyline's own form, from its
edges, with the edges' gradients scattered back into the vertices (outlines.Edges)."""

import numpy as np

from ..fused import direction_length, length_and_direction
from ..outlines import edge_offsets
from ..polygons import edges, joints
from ..registry import kernel

CHAINS = ("polygon", "polyline")


@kernel("convex", CHAINS)
def convex_chain(a):
    """Every vertex's offset beyond every edge's line, (n, vertices · edges)."""
    h, vjp = edge_offsets.forward(a.vx, a.vy, a.vx, a.vy)

    def pullback(w):
        gpx, gpy, gvx, gvy = vjp(w.reshape(h.shape))
        return gpx + gvx, gpy + gvy

    return h.reshape(h.shape[0], -1), pullback


@kernel("equilateral", CHAINS)
def equilateral_chain(a):
    """Each edge's length less the one before's."""
    return _equilateral(a, *edges(a))


@kernel("equiangular", CHAINS)
def equiangular_chain(a):
    """Each corner's cosine less the one before's."""
    return _equiangular(a, *edges(a))


@kernel("regular", CHAINS)
def regular_chain(a):
    """equilateral's columns, then equiangular's."""
    parts = [part(a, *edges(a)) for part in (_equilateral, _equiangular)]
    cut = parts[0][0].shape[1]

    def pullback(w):
        (gx1, gy1), (gx2, gy2) = parts[0][1](w[:, :cut]), parts[1][1](w[:, cut:])
        return gx1 + gx2, gy1 + gy2

    return np.concatenate([parts[0][0], parts[1][0]], axis=1), pullback


def _equilateral(a, ex, ey, start, end):
    lengths, ux, uy = length_and_direction(ex, ey)
    values, back = _steps(lengths)

    def pullback(w):
        g = back(w)
        return _to_vertices(a, g * ux, g * uy, start, end)

    return values, pullback


def _equiangular(a, ex, ey, start, end):
    before, after = joints(ex.shape[1], a.kind == "polygon")
    lengths = direction_length.forward(ex, ey)[0]
    lb, la = lengths[:, before], lengths[:, after]
    cosines = (ex[:, before] * ex[:, after] + ey[:, before] * ey[:, after]) / (lb * la)
    values, back = _steps(cosines)

    def pullback(w):
        g = back(w)
        gex, gey = np.zeros_like(ex), np.zeros_like(ey)
        # d cos / d e_before = e_after / (lb·la) − cos · e_before / lb², and the same the other way
        for e, grad in ((ex, gex), (ey, gey)):
            np.add.at(grad, (slice(None), before), g * (e[:, after] / (lb * la) - cosines * e[:, before] / (lb * lb)))
            np.add.at(grad, (slice(None), after), g * (e[:, before] / (lb * la) - cosines * e[:, after] / (la * la)))
        return _to_vertices(a, gex, gey, start, end)

    return values, pullback


def _steps(values):
    """Each column less the one before, and the pullback to the columns."""

    def pullback(w):
        g = np.zeros_like(values)
        g[:, 1:] += w
        g[:, :-1] -= w
        return g

    return values[:, 1:] - values[:, :-1], pullback


def _to_vertices(a, gex, gey, start, end):
    """Gradients on edge vectors (vx[end] − vx[start]) as gradients on the vertices."""
    gx, gy = np.zeros_like(a.vx), np.zeros_like(a.vy)
    for grad, g_edge in ((gx, gex), (gy, gey)):
        np.add.at(grad, (slice(None), end), g_edge)
        np.add.at(grad, (slice(None), start), -g_edge)
    return gx, gy
