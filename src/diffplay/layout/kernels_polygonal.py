"""Fast paths for polygonal shapes: `disjoint` between boxes, segments, arrows, polylines and
polygons, differentiated by hand.

On Tensors, geometry.gaps between two outlines is a few dozen graph nodes per family and the
hottest thing in a flowchart or a labelled graph. Here it is the same computation on NumPy
arrays, then its backward written out step by step in reverse: the fused distance ops' own
vector-Jacobian products, and for min, max and where the rules the Tensor engine uses (ties
share the gradient). tests/test_layout_kernels.py holds it equal to the relation on Tensors
and to finite differences.
"""

import numpy as np

from .fused import line_offsets, segment_distances
from .geometry import OPEN, edge_ends, orientation
from .registry import kernel

CORNERS_X, CORNERS_Y = np.array([-0.5, 0.5, 0.5, -0.5]), np.array([-0.5, -0.5, 0.5, 0.5])   # as geometry.outline
POLYGONAL = ("box", "segment", "arrow", "polyline", "polygon")


def outline(b):
    """b's vertices (vx, vy), each (n, k), and the pullback from their gradients to b's fields."""
    if b.kind == "box":
        vx, vy = b.x[:, None] + b.w[:, None] * CORNERS_X, b.y[:, None] + b.h[:, None] * CORNERS_Y
        return vx, vy, lambda gx, gy: (gx.sum(1), gy.sum(1), gx @ CORNERS_X, gy @ CORNERS_Y)
    if b.kind in ("segment", "arrow"):
        vx, vy = np.stack([b.x1, b.x2], axis=1), np.stack([b.y1, b.y2], axis=1)
        return vx, vy, lambda gx, gy: (gx[:, 0], gy[:, 0], gx[:, 1], gy[:, 1])
    return b.vx, b.vy, lambda gx, gy: (gx, gy)


class Edges:
    """The edges of outlines (vx, vy): start points and vectors, each (n, edges)."""

    def __init__(self, vx, vy, closed):
        start, end = edge_ends(vx.shape[1], closed)
        self.start, self.end = slice(0, len(start)), np.array(end)   # starts are 0, 1, … in order
        self.ax, self.ay = vx[:, self.start], vy[:, self.start]
        self.ex, self.ey = vx[:, self.end] - self.ax, vy[:, self.end] - self.ay

    @staticmethod
    def of(vx, vy, closed, known=None):
        """The edges, reusing `known` (the closed outline's) where they are the same ones."""
        same = known is not None and (closed or vx.shape[1] == 2)
        return known if same else Edges(vx, vy, closed)

    def back(self, gx, gy, g_ax, g_ay, g_ex, g_ey):
        """Add the gradients of the edges' starts and vectors to their vertices' (gx, gy)."""
        gx[:, self.start] += g_ax - g_ex
        gy[:, self.start] += g_ay - g_ey
        gx[:, self.end] += g_ex   # each vertex ends one edge at most: no index repeats
        gy[:, self.end] += g_ey


def _extreme(a, reduce):
    """reduce(a) along axis 1, and its pullback: ties share the gradient, as Tensor.min/max."""
    out = reduce(a, axis=1)

    def pullback(g):
        hit = a == out[:, None]
        return np.where(hit, g[:, None] / hit.sum(axis=1, keepdims=True), 0.0)

    return out, pullback


def _vertex_edge(px, py, edges):
    """Distances from each vertex (n, m) to each edge, as (n, m · edges), and their pullback."""
    d, vjp = segment_distances.forward(px, py, edges.ax, edges.ay, edges.ex, edges.ey)
    return d.reshape(d.shape[0], -1), lambda g: vjp(g.reshape(d.shape))


def _separation(px, py, vx, vy, edges):
    """The largest over the edges of (vx, vy) of the least offset of the points p beyond it
    (> 0 proves them apart), (n,), and its pullback to (p, edge starts, edge vectors)."""
    h, vjp = line_offsets.forward(px, py, edges.ax, edges.ay, edges.ex, edges.ey, orientation(vx, vy))
    least, back_least = _extreme(h, np.min)
    most, back_most = _extreme(least, np.max)
    return most, lambda g: vjp(back_least(back_most(g)))[:6]


def disjoint_polygonal(a, b, pad):
    """geometry.gaps for two polygonal shapes: pad − gap, one column per piece."""
    avx, avy, a_back = outline(a)
    bvx, bvy, b_back = outline(b)
    a_closed, b_closed = Edges(avx, avy, True), Edges(bvx, bvy, True)
    a_edges, b_edges = Edges.of(avx, avy, a.kind not in OPEN, a_closed), Edges.of(bvx, bvy, b.kind not in OPEN, b_closed)
    d1, back_d1 = _vertex_edge(bvx, bvy, a_edges)
    d2, back_d2 = _vertex_edge(avx, avy, b_edges)
    pieces = np.concatenate([d1, d2], axis=1)
    gaps, shift = pieces, None
    if "polyline" not in (a.kind, b.kind):
        shift = _OverlapShift(avx, avy, bvx, bvy, a_closed, b_closed, pieces)
        gaps = np.where(shift.inside, pieces - shift.least[:, None] + shift.overlap[:, None], pieces)

    def pullback(w):
        g_pieces, ga, gb = -w, [np.zeros_like(avx), np.zeros_like(avy)], [np.zeros_like(bvx), np.zeros_like(bvy)]
        if shift is not None:
            g_pieces = g_pieces + shift.back(g_pieces, ga, gb)
        p1, p2 = np.split(g_pieces, [d1.shape[1]], axis=1)
        gpx, gpy, *g_edges = back_d1(p1)
        gb[0] += gpx
        gb[1] += gpy
        a_edges.back(*ga, *g_edges)
        gpx, gpy, *g_edges = back_d2(p2)
        ga[0] += gpx
        ga[1] += gpy
        b_edges.back(*gb, *g_edges)
        return (*a_back(*ga), *b_back(*gb))

    return pad[:, None] - gaps, pullback


class _OverlapShift:
    """Where two closed outlines overlap, geometry._overlapping shifts the pieces so that
    their least is minus the overlap depth, max(separation(a, b), separation(b, a))."""

    def __init__(self, avx, avy, bvx, bvy, a_closed, b_closed, pieces):
        s1, self.back_s1 = _separation(bvx, bvy, avx, avy, a_closed)
        s2, self.back_s2 = _separation(avx, avy, bvx, bvy, b_closed)
        self.edges, self.later = (a_closed, b_closed), (s2 - s1) > 0.0
        self.overlap = s1 + np.maximum(s2 - s1, 0.0)   # ops.maximum: a + relu(b − a)
        self.inside = (self.overlap <= 0.0)[:, None]
        self.least, self.back_least = _extreme(pieces, np.min)

    def back(self, g_gaps, ga, gb):
        """The gradient the shift adds to the pieces; the outlines' share goes into ga and gb."""
        g_overlap = np.where(self.inside[:, 0], g_gaps.sum(axis=1), 0.0)
        for g_s, back, (points, owner), edges in (
                (g_overlap * ~self.later, self.back_s1, (gb, ga), self.edges[0]),
                (g_overlap * self.later, self.back_s2, (ga, gb), self.edges[1])):
            gpx, gpy, *g_edges = back(g_s)
            points[0] += gpx
            points[1] += gpy
            edges.back(*owner, *g_edges)
        return -self.back_least(g_overlap)


for _first in POLYGONAL:
    for _second in POLYGONAL:
        kernel("disjoint", _first, _second)(disjoint_polygonal)
