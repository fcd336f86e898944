"""Outlines and the distances to them: one home for the geometry and the kernels.

An outline is a batch of vertex arrays (vx, vy), each (n, k): a rectangle's corners, a
segment's two ends, a polygon's vertices. Its edges run from each vertex to the next: its
*closed* edges go round to the first again and bound its inside (a segment, a 2-gon, has
both a → b and b → a), while its *own* edges are those it is drawn with (a polyline's last
vertex ends none).

Each measurement here is a fused op: a NumPy forward and its vector-Jacobian product side
by side, as in fused.py. geometry.py calls the op, on arrays or Tensors (one graph node
each); the kernels call its `.forward` and carry the vjp on into their shapes' fields. For
min, max and where the vjps follow the Tensor engine's rules (ties share the gradient), and
tests/test_layout_geometry.py holds each to finite differences.
"""

import math

import numpy as np

from ..engine.tensor_ops import fused_op
from .fused import line_offsets, segment_distances
from .shapes import CHAINS, OPEN

CURVE_SAMPLES = 17   # points along a curve's or arc's outline: 16 segments, t = ½ among them
_T = np.linspace(0.0, 1.0, CURVE_SAMPLES)


def _edge_gaps(avx, avy, bvx, bvy, kinds):
    """The gap between two outlines in pieces, (n, P): each vertex's distance to each of the
    other's own edges. Where they overlap (the separating axes find no gap) the pieces shift
    so their least is minus the overlap depth. An open chain (a polyline, a curve) has no
    inside: it is measured as its edges, each a segment (_chain_gaps)."""
    if kinds[0] in CHAINS or kinds[1] in CHAINS:
        return _chain_gaps(avx, avy, bvx, bvy, kinds)
    A, B = Outline(avx, avy, kinds[0] not in OPEN), Outline(bvx, bvy, kinds[1] not in OPEN)
    d1, back_d1 = _distances(B.vx, B.vy, A.edges)
    d2, back_d2 = _distances(A.vx, A.vy, B.edges)
    s1, back_s1 = _separation(B, A)
    s2, back_s2 = _separation(A, B)
    later = (s2 - s1) > 0.0
    overlap = s1 + np.maximum(s2 - s1, 0.0)   # ops.maximum: a + relu(b − a)
    pieces, back_shift = _shifted(np.concatenate([d1, d2], axis=1), overlap, overlap <= 0.0)

    def vjp(g):
        ga, gb = A.gradient(), B.gradient()
        g, g_overlap = back_shift(g)
        back_s1(g_overlap * ~later, gb, ga)
        back_s2(g_overlap * later, ga, gb)
        g1, g2 = np.split(g, [d1.shape[1]], axis=1)
        for (gpx, gpy, *g_edges), g_points, g_edges_of, edges in ((back_d1(g1), gb, ga, A.edges),
                                                                    (back_d2(g2), ga, gb, B.edges)):
            g_points.points(gpx, gpy)
            g_edges_of.edges(edges, *g_edges)
        return ga.gx, ga.gy, gb.gx, gb.gy

    return pieces, vjp


def _chain_gaps(avx, avy, bvx, bvy, kinds):
    """_edge_gaps where one outline at least is an open chain: every part of one against
    every part of the other, (n, parts · parts · P), a chain's parts being its edges as
    segments, so a chain crossing another or running through a shape reads as overlap."""
    (ax, ay, a_kind, a_back), (bx, by, b_kind, b_back) = _parts(avx, avy, kinds[0]), _parts(bvx, bvy, kinds[1])
    (n, ma, ka), mb, kb = ax.shape, bx.shape[1], bx.shape[2]
    pairs = lambda v, k, axis: np.expand_dims(v, axis).repeat((ma, mb)[axis - 1], axis).reshape(-1, k)  # noqa: E731
    pieces, vjp = _edge_gaps(pairs(ax, ka, 2), pairs(ay, ka, 2), pairs(bx, kb, 1), pairs(by, kb, 1), (a_kind, b_kind))

    def back(g):
        gax, gay, gbx, gby = vjp(g.reshape(pieces.shape))
        ga = [v.reshape(n, ma, mb, ka).sum(axis=2) for v in (gax, gay)]
        gb = [v.reshape(n, ma, mb, kb).sum(axis=1) for v in (gbx, gby)]
        return (*a_back(*ga), *b_back(*gb))

    return pieces.reshape(n, -1), back


def _parts(vx, vy, kind):
    """An outline as parts (vx, vy), each (n, parts, k), their kind, and the pullback to its
    vertices: a chain's parts are its own edges (segments), any other outline is one part."""
    if kind not in CHAINS:
        return vx[:, None, :], vy[:, None, :], kind, lambda gx, gy: (gx[:, 0], gy[:, 0])
    start, end = map(np.array, edge_ends(vx.shape[1], False))
    ends = np.stack([start, end], axis=1)   # (edges, 2): each edge's two vertices

    def back(gx, gy):
        out = np.zeros_like(vx), np.zeros_like(vy)
        for total, g in zip(out, (gx, gy)):   # starts differ from each other, and ends: no index repeats in one add
            total[:, start] += g[:, :, 0]
            total[:, end] += g[:, :, 1]
        return out

    return vx[:, ends], vy[:, ends], "segment", back


def _round_gaps(cx, cy, r, vx, vy, kind):
    """The gaps from circles (centers and radii, (n,)) to each own edge of an outline of
    `kind`, (n, edges); shifted, where a circle's center is inside, so their least is minus
    the overlap depth."""
    shape, closed = Outline(vx, vy, kind not in OPEN), kind not in OPEN
    e = shape.edges
    d, back_d = segment_distances.forward(cx[:, None], cy[:, None], e.ax, e.ay, e.ex, e.ey)
    gaps = d[:, 0, :] - r[:, None]
    if closed:
        h, back_h = _offsets(cx[:, None], cy[:, None], shape)
        depth, back_depth = extreme(h[:, 0, :], np.max)
        gaps, back_shift = _shifted(gaps, depth - r, depth < 0)

    def vjp(g):
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
        return g_center[0] + gpx[:, 0], g_center[1] + gpy[:, 0], g_r, g_shape.gx, g_shape.gy

    return gaps, vjp


def _edge_offsets(px, py, vx, vy):
    """Signed distances (n, m, edges) of points (n, m) beyond the edge lines of closed
    outlines, positive outside."""
    shape = Outline(vx, vy, True)
    h, back_h = _offsets(px, py, shape)

    def vjp(g):
        gpx, gpy, *g_edges = back_h(g)
        g_shape = shape.gradient()
        g_shape.edges(shape.closed, *g_edges)
        return gpx, gpy, g_shape.gx, g_shape.gy

    return h, vjp


def _edge_distances(px, py, vx, vy, kind):
    """Distances (n, m, edges) from points (n, m) to each own edge of an outline of `kind`."""
    shape = Outline(vx, vy, kind not in OPEN)
    e = shape.edges
    d, back_d = segment_distances.forward(px, py, e.ax, e.ay, e.ex, e.ey)

    def vjp(g):
        gpx, gpy, *g_edges = back_d(g)
        g_shape = shape.gradient()
        g_shape.edges(e, *g_edges)
        return gpx, gpy, g_shape.gx, g_shape.gy

    return d, vjp


def bernstein(k):
    """(samples, k): the weight of each of k control points at each sample of a Bézier curve."""
    d = k - 1
    return np.stack([math.comb(d, i) * _T ** i * (1 - _T) ** (d - i) for i in range(k)], axis=1)


def _bezier_points(vx, vy):
    """Points along Bézier curves of control points (n, k), as (n, 2, samples): linear in them."""
    weights = bernstein(vx.shape[1])
    points = np.stack([vx @ weights.T, vy @ weights.T], axis=1)
    return points, lambda g: (g[:, 0] @ weights, g[:, 1] @ weights)


def bent_control(x1, y1, x2, y2, bend):
    """The control point of a curved arrow: `bend` chord lengths off the chord's middle, to its
    right as drawn (y grows down)."""
    return (x1 + x2) / 2 - bend * (y2 - y1), (y1 + y2) / 2 + bend * (x2 - x1)


def _bent_points(x1, y1, x2, y2, bend):
    """Points along curved arrows' quadratic Béziers (bent_control), (n, 2, samples)."""
    ux, uy = x2 - x1, y2 - y1
    cx, cy = bent_control(x1, y1, x2, y2, bend)
    points, back = _bezier_points(np.stack([x1, cx, x2], axis=1), np.stack([y1, cy, y2], axis=1))

    def vjp(g):
        gvx, gvy = back(g)
        gcx, gcy = gvx[:, 1], gvy[:, 1]   # through the control point: ∂c/∂ends and ∂c/∂bend
        return (gvx[:, 0] + gcx / 2 - gcy * bend, gvy[:, 0] + gcy / 2 + gcx * bend,
                gvx[:, 2] + gcx / 2 + gcy * bend, gvy[:, 2] + gcy / 2 - gcx * bend, gcy * ux - gcx * uy)

    return points, vjp


def _arc_points(x, y, r, start, end):
    """Points along circular arcs from angle `start` to `end` (radians, y down: clockwise), (n, 2, samples)."""
    t = start[:, None] + (end - start)[:, None] * _T
    c, s = np.cos(t), np.sin(t)
    points = np.stack([x[:, None] + r[:, None] * c, y[:, None] + r[:, None] * s], axis=1)

    def vjp(g):
        gx, gy = g[:, 0], g[:, 1]
        gt = r[:, None] * (gy * c - gx * s)   # each sample's angle t = start + (end − start)·T
        return (gx.sum(1), gy.sum(1), (gx * c + gy * s).sum(1), (gt * (1 - _T)).sum(1), (gt * _T).sum(1))

    return points, vjp


bezier_points = fused_op(_bezier_points)
bent_points = fused_op(_bent_points)
arc_points = fused_op(_arc_points)
CURVE_POINTS = {"curve": bezier_points, "curved_arrow": bent_points, "arc": arc_points}   # kind -> its outline op
edge_gaps = fused_op(_edge_gaps)
round_gaps = fused_op(_round_gaps)
edge_offsets = fused_op(_edge_offsets)
edge_distances = fused_op(_edge_distances)


# ---- the parts: edges, outlines, and the gradients flowing back into them ----

def edge_ends(k, closed):
    """(start, end) vertex indices of each edge of an outline of k vertices (a 2-gon, a
    segment, has both edges: a → b and b → a)."""
    end = [(i + 1) % k for i in range(k)] if closed or k == 2 else list(range(1, k))
    return list(range(len(end))), end


def orientation(vx, vy):
    """+1 for outlines listed one way round, -1 the other, (n, 1): it makes edge normals point out."""
    _, after = edge_ends(vx.shape[1], True)   # each vertex's successor round the outline
    area = (vx * vy[:, after] - vx[:, after] * vy).sum(axis=1)
    return np.where(area < 0, -1.0, 1.0)[:, None]   # a 2-gon (a segment) has area 0: either way


class Edges:
    """The edges of outlines (vx, vy): start points and vectors, each (n, edges)."""

    def __init__(self, vx, vy, closed):
        start, end = edge_ends(vx.shape[1], closed)
        self.start, self.end = slice(0, len(start)), np.array(end)   # starts are 0, 1, … in order
        self.ax, self.ay = vx[:, self.start], vy[:, self.start]
        self.ex, self.ey = vx[:, self.end] - self.ax, vy[:, self.end] - self.ay

    def back(self, gx, gy, g_ax, g_ay, g_ex, g_ey):
        """Add the gradients of the edges' starts and vectors to their vertices' (gx, gy)."""
        gx[:, self.start] += g_ax - g_ex
        gy[:, self.start] += g_ay - g_ey
        gx[:, self.end] += g_ex   # each vertex ends one edge at most: no index repeats
        gy[:, self.end] += g_ey


class Outline:
    """Outlines' vertices (n, k), closed edges (for the separating axes and the inside) and
    own edges; `closed` says whether the own edges go round (a segment's do either way)."""

    def __init__(self, vx, vy, closed):
        self.vx, self.vy = vx, vy
        self.closed = Edges(vx, vy, True)
        self.edges = self.closed if closed or vx.shape[1] == 2 else Edges(vx, vy, False)

    def gradient(self):
        return _Gradient(self)


class _Gradient:
    """The gradient flowing back into one outline's vertices."""

    def __init__(self, shape):
        self.gx, self.gy = np.zeros_like(shape.vx), np.zeros_like(shape.vy)

    def points(self, gx, gy):
        self.gx += gx
        self.gy += gy

    def edges(self, edges, *grads):
        edges.back(self.gx, self.gy, *grads)


def extreme(a, reduce):
    """reduce(a) along axis 1, and its pullback: ties share the gradient, as Tensor.min/max."""
    out = reduce(a, axis=1)

    def pullback(g):
        hit = a == out[:, None]
        return np.where(hit, g[:, None] / hit.sum(axis=1, keepdims=True), 0.0)

    return out, pullback


def _distances(px, py, edges):
    """Distances from each point (n, m) to each edge, as (n, m · edges), and their pullback."""
    d, vjp = segment_distances.forward(px, py, edges.ax, edges.ay, edges.ex, edges.ey)
    return d.reshape(d.shape[0], -1), lambda g: vjp(g.reshape(d.shape))


def _offsets(px, py, shape):
    """Signed distances (n, m, edges) of points (n, m) beyond the closed edge lines of an
    outline, and their pullback to (points, edge starts, edge vectors)."""
    e = shape.closed
    h, vjp = line_offsets.forward(px, py, e.ax, e.ay, e.ex, e.ey, orientation(shape.vx, shape.vy))
    return h, lambda g: vjp(g)[:6]


def _separation(points, shape):
    """The largest over shape's edges of the least offset of points' vertices beyond it
    (> 0 proves them apart), (n,), and its pullback into both gradients."""
    h, back_h = _offsets(points.vx, points.vy, shape)
    least, back_least = extreme(h, np.min)
    most, back_most = extreme(least, np.max)

    def pullback(g, g_points, g_shape):
        gpx, gpy, *g_edges = back_h(back_least(back_most(g)))
        g_points.points(gpx, gpy)
        g_shape.edges(shape.closed, *g_edges)

    return most, pullback


def _shifted(pieces, signed, inside):
    """Where `inside` (n,), the pieces less their least plus `signed` (n,), so their least is
    `signed`; and the pullback from the result's gradient to (pieces, signed).

    The shift is zero at the moment of contact (the nearest piece is then 0), so every piece
    is continuous across it: no cliff for a line search to stall on.
    """
    least, back_least = extreme(pieces, np.min)
    out = np.where(inside[:, None], pieces - least[:, None] + signed[:, None], pieces)

    def pullback(g):
        g_signed = np.where(inside, g.sum(axis=1), 0.0)
        return g - back_least(g_signed), g_signed

    return out, pullback
