"""convex, equilateral, equiangular and regular: a polygon's or polyline's own form, from its
edges, with the edges' gradients scattered back into the vertices (outlines.Edges)."""

import numpy as np

from ..fused import direction_length, length_and_direction
from ..outlines import Edges, edge_offsets
from ..polygons import joints
from ..registry import kernel
from ..shapes import POLY_CHAINS


@kernel("convex", POLY_CHAINS)
def convex_chain(a):
    """Every vertex's offset beyond every edge's line, (n, vertices · edges)."""
    h, vjp = edge_offsets.forward(a.vx, a.vy, a.vx, a.vy)

    def pullback(w):
        gpx, gpy, gvx, gvy = vjp(w.reshape(h.shape))
        return gpx + gvx, gpy + gvy

    return h.reshape(h.shape[0], -1), pullback


@kernel("equilateral", POLY_CHAINS)
def equilateral_chain(a):
    """Each edge's length less the one before's."""
    e = _edges(a)
    return _with_vertices(a, e, *_equilateral(e))


@kernel("equiangular", POLY_CHAINS)
def equiangular_chain(a):
    """Each corner's cosine less the one before's."""
    e = _edges(a)
    return _with_vertices(a, e, *_equiangular(a, e))


@kernel("regular", POLY_CHAINS)
def regular_chain(a):
    """equilateral's columns, then equiangular's."""
    e = _edges(a)
    (v1, back1), (v2, back2) = _equilateral(e), _equiangular(a, e)
    cut = v1.shape[1]

    def back(w):   # both parts' edge gradients, summed on the edges, then to the vertices once
        (gx1, gy1), (gx2, gy2) = back1(w[:, :cut]), back2(w[:, cut:])
        return gx1 + gx2, gy1 + gy2

    return _with_vertices(a, e, np.concatenate([v1, v2], axis=1), back)


def _edges(a):
    return Edges(a.vx, a.vy, a.kind == "polygon")


def _with_vertices(a, e, values, back):
    """values, and a pullback that takes back()'s edge-vector gradients to the vertices."""

    def pullback(w):
        gex, gey = back(w)
        gx, gy = np.zeros_like(a.vx), np.zeros_like(a.vy)
        e.back(gx, gy, 0.0, 0.0, gex, gey)
        return gx, gy

    return values, pullback


def _equilateral(e):
    lengths, ux, uy = length_and_direction(e.ex, e.ey)
    values, back = _steps(lengths)

    def pullback(w):
        g = back(w)
        return g * ux, g * uy

    return values, pullback


def _equiangular(a, e):
    ex, ey = e.ex, e.ey
    before, after = joints(ex.shape[1], a.kind == "polygon")
    lengths = direction_length.forward(ex, ey)[0]
    lb, la = lengths[:, before], lengths[:, after]
    cosines = (ex[:, before] * ex[:, after] + ey[:, before] * ey[:, after]) / (lb * la)
    values, back = _steps(cosines)

    def pullback(w):
        g = back(w)
        gex, gey = np.zeros_like(ex), np.zeros_like(ey)
        # d cos / d e_before = e_after / (lb·la) − cos · e_before / lb², and the same the other way;
        # before and after each name every corner's edge once: no index repeats in one add
        for v, grad in ((ex, gex), (ey, gey)):
            grad[:, before] += g * (v[:, after] / (lb * la) - cosines * v[:, before] / (lb * lb))
            grad[:, after] += g * (v[:, before] / (lb * la) - cosines * v[:, after] / (la * la))
        return gex, gey

    return values, pullback


def _steps(values):
    """Each column less the one before, and the pullback to the columns."""

    def pullback(w):
        g = np.zeros_like(values)
        g[:, 1:] += w
        g[:, :-1] -= w
        return g

    return values[:, 1:] - values[:, :-1], pullback
