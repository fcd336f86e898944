"""Exact distances between shapes, vectorized over a batch of instances.

A batch holds one kind of shape: `b.kind`, and its fields as arrays (`b.x`, `b.r`, …; for
polylines, polygons and Bézier curves `b.vx`, `b.vy` of shape (n, vertices)). Shapes come in
two families: *round* (points and circles: a center and a radius) and *polygonal* (rectangles,
text boxes, images, math labels, groups, segments, arrows, polylines, polygons: an outline of
vertices; curves, curved arrows and arcs: points sampled along them, outlines.CURVE_POINTS).

Exact: circle/circle, circle/polygon and polygon/polygon signed distances for convex
outlines (every rectangle, text box, segment and triangle), point/segment distance, and
containment. Approximated, and said so in APPROXIMATIONS: ellipses (a 32-gon), the inside
of concave polygons (treated as convex), polylines (they have no inside), and curves and arcs
(polylines through 17 points along them).
"""

import numpy as np

from . import ops
from .fused import hypot
from .outlines import CURVE_POINTS, CURVE_SAMPLES, edge_distances, edge_gaps, edge_offsets, round_gaps
from .shapes import BATCH_FIELDS, CHAINS, OPEN

ROUND = ("point", "circle")
VERTICES = ("segment", "arrow", "polygon") + CHAINS   # kinds measured by their outline's vertices
ELLIPSE_SIDES = 32
CORNERS_X, CORNERS_Y = np.array([-0.5, 0.5, 0.5, -0.5]), np.array([-0.5, -0.5, 0.5, 0.5])   # a box's, per w and h
# Circle-in-circle containment measures the center distance as √(d² + ε²): smooth where the
# circles share a center (where a packing's optimum often sits, and |d| has a kink), and
# conservative by at most ε, a tenth of the default tolerance.
CONCENTRIC_SOFTENING = 1e-4
APPROXIMATIONS = {   # per shape kind, what measuring it (a relation declared measured=True) approximates
    "ellipse": f"ellipses are measured as inscribed {ELLIPSE_SIDES}-gons (off by at most 0.5 % of a radius)",
    "polygon": "a polygon's inside is measured as if it were convex",   # noted only for a concave one
    "polyline": "a polyline has no inside: it is measured as its segments, and crossing one overlaps it by "
                "the least move that uncrosses the two segments",
    "text": "text boxes are estimated from the font size (0.6 em a character, 1.2 em a line), not measured "
            "(pip install 'diffplay[fonts]' measures them with a font's own widths)",
    **dict.fromkeys(("curve", "arc", "curved_arrow"), f"curves and arcs are measured as {CURVE_SAMPLES - 1}-segment "
                    "polylines"),
}


def is_convex(vx, vy):
    """Whether each outline (n, k) turns one way only."""
    ex, ey = np.roll(vx, -1, axis=1) - vx, np.roll(vy, -1, axis=1) - vy
    turn = ex * np.roll(ey, -1, axis=1) - ey * np.roll(ex, -1, axis=1)
    return np.all(turn >= -1e-12, axis=1) | np.all(turn <= 1e-12, axis=1)


def center(b):
    """(cx, cy): the center of a round or boxed shape, a segment's midpoint, a polygon's mean vertex."""
    if b.kind in ("segment", "arrow"):
        return (b.x1 + b.x2) * 0.5, (b.y1 + b.y2) * 0.5
    if b.kind in ("polyline", "polygon") + tuple(CURVE_POINTS):
        vx, vy = outline(b)
        return ops.mean(vx, axis=1), ops.mean(vy, axis=1)
    return b.x, b.y


def radius(b):
    """The radius of a round shape (0 for a point)."""
    return b.r if b.kind == "circle" else 0.0 * b.x


def half_extents(b):
    """(half width, half height) of the axis-aligned bounding box around the center."""
    if b.kind == "circle":
        return b.r, b.r
    if b.kind == "ellipse":
        return b.rx, b.ry
    if b.kind == "rect":
        c, s = ops.abs(ops.cos(b.angle)), ops.abs(ops.sin(b.angle))
        return c * b.w * 0.5 + s * b.h * 0.5, s * b.w * 0.5 + c * b.h * 0.5
    return b.w * 0.5, b.h * 0.5


def box(b):
    """(left, top, right, bottom) of the axis-aligned bounding box (y grows downwards)."""
    if b.kind == "point":
        return b.x, b.y, b.x, b.y
    if b.kind in VERTICES:
        vx, vy = outline(b)
        return ops.amin(vx, 1), ops.amin(vy, 1), ops.amax(vx, 1), ops.amax(vy, 1)
    hw, hh = half_extents(b)
    return b.x - hw, b.y - hh, b.x + hw, b.y + hh


def extremes(b):
    """Points (xs, ys), each (n, k), whose bounding box is b's (corners, vertices or extents)."""
    if b.kind in ("circle", "ellipse"):
        hw, hh = half_extents(b)
        return ops.stack([b.x - hw, b.x + hw]), ops.stack([b.y - hh, b.y + hh])
    return outline(b)


def outline(b):
    """Vertices (vx, vy), each (n, k), of a polygonal shape (a point is one vertex); an
    ellipse becomes a 32-gon."""
    if b.kind in ("polyline", "polygon"):
        return b.vx, b.vy
    if b.kind in CURVE_POINTS:
        points = CURVE_POINTS[b.kind](*(getattr(b, name) for name in BATCH_FIELDS[b.kind]))
        return points[:, 0], points[:, 1]
    if b.kind in ("segment", "arrow"):
        return ops.stack([b.x1, b.x2]), ops.stack([b.y1, b.y2])
    if b.kind == "point":
        return _col(b.x), _col(b.y)
    if b.kind == "ellipse":
        t = np.linspace(0.0, 2 * np.pi, ELLIPSE_SIDES, endpoint=False)
        return _col(b.x) + _col(b.rx) * np.cos(t), _col(b.y) + _col(b.ry) * np.sin(t)
    dx, dy = _col(b.w) * CORNERS_X, _col(b.h) * CORNERS_Y
    if b.kind == "rect":
        c, s = _col(ops.cos(b.angle)), _col(ops.sin(b.angle))
        dx, dy = dx * c - dy * s, dx * s + dy * c
    return _col(b.x) + dx, _col(b.y) + dy


def _col(x):
    """(n,) -> (n, 1), so it broadcasts against (n, k) vertex arrays."""
    return x.reshape((-1, 1))


def point_outline_distance(px, py, b):
    """Signed distance from points (n, m) to the outline of b: negative inside a closed one."""
    vx, vy = outline(b)
    d = ops.amin(edge_distances(px, py, vx, vy, kind=b.kind), axis=2)
    if b.kind in OPEN:
        return d
    depth = ops.amax(edge_offsets(px, py, vx, vy), axis=2)
    return ops.where(ops.data(depth) < 0, depth, d)


def gaps(a, b):
    """The gap between a and b in pieces, (n, P): all >= g exactly when a and b are g apart.

    While apart, a piece is one vertex-to-edge distance (for a circle, its distance to one
    edge): each is smooth, where their min has a kink whenever the nearest pair changes,
    as it does at every optimum that leans on a corner. While overlapping, the pieces are
    shifted so that their min is minus the overlap depth. Their min is the signed distance.
    """
    if a.kind in ROUND and b.kind in ROUND:
        return signed_distance(a, b).reshape((-1, 1))
    if a.kind in ROUND or b.kind in ROUND:
        round_, other = (a, b) if a.kind in ROUND else (b, a)
        cx, cy = center(round_)
        return round_gaps(cx, cy, radius(round_), *outline(other), kind=other.kind)
    return edge_gaps(*outline(a), *outline(b), kinds=(a.kind, b.kind))


def signed_distance(a, b):
    """Gap between a and b: positive apart, zero touching, minus the overlap depth inside."""
    if a.kind in ROUND and b.kind in ROUND:
        (ax, ay), (bx, by) = center(a), center(b)
        return hypot(ax - bx, ay - by) - radius(a) - radius(b)
    return ops.amin(gaps(a, b), axis=1)


def outside(a, b):
    """How far each piece of b reaches outside a, a shape with an inside: (n, pieces), all
    <= 0 when a contains b.

    One column per vertex of b (per edge of a, for a polygon) instead of their max, so an
    incircle, held by all three sides at once, is not sitting on a kink.
    """
    if a.kind in ROUND:
        ax, ay = center(a)
        if b.kind in ROUND:
            bx, by = center(b)
            dx, dy = ax - bx, ay - by
            gap = ops.sqrt(dx * dx + dy * dy + CONCENTRIC_SOFTENING ** 2) + radius(b) - radius(a)
            return gap.reshape((-1, 1))
        bx, by = outline(b)
        return hypot(bx - _col(ax), by - _col(ay)) - _col(radius(a))
    vx, vy = outline(a)
    if b.kind in ROUND:
        cx, cy = center(b)
        return edge_offsets(_col(cx), _col(cy), vx, vy)[:, 0, :] + _col(radius(b))
    bx, by = outline(b)
    h = edge_offsets(bx, by, vx, vy)
    return h.reshape((ops.data(h).shape[0], -1))
