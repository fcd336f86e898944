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
from .geometry import OPEN, ROUND, edge_ends, orientation
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


class Outline:
    """A batch's outline as a kernel sees it: vertices (n, k), closed edges (for the
    separating axes and the inside) and its own edges (a polyline's last vertex ends none)."""

    def __init__(self, b):
        self.vx, self.vy, self.back = outline(b)
        self.closed = Edges(self.vx, self.vy, True)
        same = b.kind not in OPEN or self.vx.shape[1] == 2
        self.edges = self.closed if same else Edges(self.vx, self.vy, False)

    def gradient(self):
        return _Gradient(self)


class _Gradient:
    """The gradient flowing back into one outline's vertices, then its fields."""

    def __init__(self, shape):
        self.shape, self.gx, self.gy = shape, np.zeros_like(shape.vx), np.zeros_like(shape.vy)

    def points(self, gx, gy):
        self.gx += gx
        self.gy += gy

    def edges(self, edges, *grads):
        edges.back(self.gx, self.gy, *grads)

    def fields(self):
        return self.shape.back(self.gx, self.gy)


def _vertex_edge(px, py, edges):
    """Distances from each point (n, m) to each edge, as (n, m · edges), and their pullback."""
    d, vjp = segment_distances.forward(px, py, edges.ax, edges.ay, edges.ex, edges.ey)
    return d.reshape(d.shape[0], -1), lambda g: vjp(g.reshape(d.shape))


def _offsets(px, py, shape):
    """Signed distances (n, m, edges) of points (n, m) beyond the edge lines of a closed
    outline, positive outside, and their pullback to (points, edge starts, edge vectors)."""
    e = shape.closed
    h, vjp = line_offsets.forward(px, py, e.ax, e.ay, e.ex, e.ey, orientation(shape.vx, shape.vy))
    return h, lambda g: vjp(g)[:6]


def _separation(points, shape):
    """The largest over shape's edges of the least offset of points' vertices beyond it
    (> 0 proves them apart), (n,), and its pullback into both gradients."""
    h, back_h = _offsets(points.vx, points.vy, shape)
    least, back_least = _extreme(h, np.min)
    most, back_most = _extreme(least, np.max)

    def pullback(g, g_points, g_shape):
        gpx, gpy, *g_edges = back_h(back_least(back_most(g)))
        g_points.points(gpx, gpy)
        g_shape.edges(shape.closed, *g_edges)

    return most, pullback


def _shifted(pieces, signed, inside):
    """geometry._overlapping: where `inside` (n,), the pieces less their least plus `signed`
    (n,); and the pullback from the result's gradient to (pieces, signed)."""
    least, back_least = _extreme(pieces, np.min)
    out = np.where(inside[:, None], pieces - least[:, None] + signed[:, None], pieces)

    def pullback(g):
        g_signed = np.where(inside, g.sum(axis=1), 0.0)
        return g - back_least(g_signed), g_signed

    return out, pullback


def disjoint_polygonal(a, b, pad):
    """geometry.gaps for two polygonal shapes: pad − gap, one column per piece."""
    A, B = Outline(a), Outline(b)
    d1, back_d1 = _vertex_edge(B.vx, B.vy, A.edges)
    d2, back_d2 = _vertex_edge(A.vx, A.vy, B.edges)
    gaps = np.concatenate([d1, d2], axis=1)
    closed = "polyline" not in (a.kind, b.kind)
    if closed:   # overlapping: the pieces shift so their least is minus the overlap depth
        s1, back_s1 = _separation(B, A)
        s2, back_s2 = _separation(A, B)
        later = (s2 - s1) > 0.0
        overlap = s1 + np.maximum(s2 - s1, 0.0)   # ops.maximum: a + relu(b − a)
        gaps, back_shift = _shifted(gaps, overlap, overlap <= 0.0)

    def pullback(w):
        ga, gb, g = A.gradient(), B.gradient(), -w
        if closed:
            g, g_overlap = back_shift(g)
            back_s1(g_overlap * ~later, gb, ga)
            back_s2(g_overlap * later, ga, gb)
        g1, g2 = np.split(g, [d1.shape[1]], axis=1)
        for (gpx, gpy, *g_edges), g_points, g_edges_of, edges in ((back_d1(g1), gb, ga, A.edges),
                                                                    (back_d2(g2), ga, gb, B.edges)):
            g_points.points(gpx, gpy)
            g_edges_of.edges(edges, *g_edges)
        return (*ga.fields(), *gb.fields())

    return pad[:, None] - gaps, pullback


def round_parts(b):
    """A circle's or point's center and radius, each (n,), and the pullback to its fields."""
    if b.kind == "circle":
        return b.x, b.y, b.r, lambda gx, gy, gr: (gx, gy, gr)
    return b.x, b.y, 0.0 * b.x, lambda gx, gy, gr: (gx, gy)   # geometry.radius of a point


def _round_gaps(round_, other):
    """geometry._round_gaps: from a circle (or point) to each edge of a polygonal shape,
    (n, edges), shifted where they overlap; and the pullback to (round fields, outline gradient)."""
    cx, cy, r, round_back = round_parts(round_)
    shape, closed = Outline(other), other.kind not in OPEN
    e = shape.edges
    d, back_d = segment_distances.forward(cx[:, None], cy[:, None], e.ax, e.ay, e.ex, e.ey)
    gaps = d[:, 0, :] - r[:, None]
    if closed:
        h, back_h = _offsets(cx[:, None], cy[:, None], shape)
        depth, back_depth = _extreme(h[:, 0, :], np.max)
        gaps, back_shift = _shifted(gaps, depth - r, depth < 0)

    def pullback(g):
        g_shape, g_r = shape.gradient(), np.zeros_like(r)
        g_center = [np.zeros_like(cx), np.zeros_like(cy)]
        if closed:
            g, g_signed = back_shift(g)
            g_r -= g_signed
            gpx, gpy, *g_edges = back_h(back_depth(g_signed)[:, None, :])
            g_center[0] += gpx[:, 0]
            g_center[1] += gpy[:, 0]
            g_shape.edges(shape.closed, *g_edges)
        g_r -= g.sum(axis=1)
        gpx, gpy, *g_edges = back_d(g[:, None, :])
        g_shape.edges(e, *g_edges)
        return round_back(g_center[0] + gpx[:, 0], g_center[1] + gpy[:, 0], g_r), g_shape.fields()

    return gaps, pullback


def disjoint_round_polygonal(a, b, pad):
    """geometry.gaps between a circle (or point) and a polygonal shape: pad − gap per edge."""
    round_first = a.kind in ROUND
    gaps, back = _round_gaps(a, b) if round_first else _round_gaps(b, a)

    def pullback(w):
        round_grads, shape_grads = back(-w)
        return (*round_grads, *shape_grads) if round_first else (*shape_grads, *round_grads)

    return pad[:, None] - gaps, pullback


for _first in POLYGONAL:
    for _second in POLYGONAL:
        kernel("disjoint", _first, _second)(disjoint_polygonal)
    for _round in ROUND:
        kernel("disjoint", _first, _round)(disjoint_round_polygonal)
        kernel("disjoint", _round, _first)(disjoint_round_polygonal)


def _nearest_round_polygonal(a, b):
    """geometry.signed_distance between a round and a polygonal shape (either first): the
    least of geometry.gaps' pieces, and its pullback to both shapes' fields in argument order,
    through the nearest piece (pieces that tie share it, as in Tensor min's gradient)."""
    round_first = a.kind in ROUND
    gaps, back = _round_gaps(a, b) if round_first else _round_gaps(b, a)
    nearest, back_nearest = _extreme(gaps, np.min)

    def pullback(w):
        round_grads, shape_grads = back(back_nearest(w))
        return (*round_grads, *shape_grads) if round_first else (*shape_grads, *round_grads)

    return nearest, pullback


def label_near_round_polygonal(label, shape, gap):
    """objectives.label_near: (signed distance − gap)²."""
    distance, back = _nearest_round_polygonal(label, shape)
    d = distance - gap
    return d * d, lambda w: back(2 * w * d)


def touching_round_polygonal(a, b, pad):
    """constraints.touching: signed distance − pad."""
    distance, back = _nearest_round_polygonal(a, b)
    return distance - pad, back


for _first in POLYGONAL:
    for _round in ROUND:
        for _name, _fn in (("label_near", label_near_round_polygonal), ("touching", touching_round_polygonal)):
            kernel(_name, _first, _round)(_fn)
            kernel(_name, _round, _first)(_fn)
