"""Fast paths for `contains` with a polygonal shape on either side: a circle holding a box,
a box or polygon holding a circle, a point or another outline (a group and its members),
differentiated by hand. tests/test_layout_kernels.py holds each equal to the relation on
Tensors and to finite differences.
"""

import numpy as np

from .fused import hypot
from .kernels_polygonal import POLYGONAL, Outline, _offsets, round_parts
from .registry import kernel

CLOSED = ("box", "polygon")   # polygonal shapes with an inside


def circle_contains_outline(a, b, pad):
    """geometry.outside for a circle around an outline: how far each vertex reaches past it."""
    cx, cy, r, a_back = round_parts(a)
    shape = Outline(b)
    d, vjp = hypot.forward(shape.vx - cx[:, None], shape.vy - cy[:, None])

    def pullback(w):
        gx, gy = vjp(w)
        g_shape = shape.gradient()
        g_shape.points(gx, gy)
        return (*a_back(-gx.sum(axis=1), -gy.sum(axis=1), -w.sum(axis=1)), *g_shape.fields())

    return d - r[:, None] + pad[:, None], pullback


def outline_contains_round(a, b, pad):
    """geometry.outside for a closed outline around a circle or point: per edge, how far the
    round shape reaches past its line."""
    shape = Outline(a)
    cx, cy, r, b_back = round_parts(b)
    h, back_h = _offsets(cx[:, None], cy[:, None], shape)

    def pullback(w):
        gpx, gpy, *g_edges = back_h(w[:, None, :])
        g_shape = shape.gradient()
        g_shape.edges(shape.closed, *g_edges)
        return (*g_shape.fields(), *b_back(gpx[:, 0], gpy[:, 0], w.sum(axis=1)))

    return h[:, 0, :] + r[:, None] + pad[:, None], pullback


def outline_contains_outline(a, b, pad):
    """geometry.outside for a closed outline around another: each vertex of b past each edge
    line of a, (n, vertices · edges)."""
    outer, inner = Outline(a), Outline(b)
    h, back_h = _offsets(inner.vx, inner.vy, outer)

    def pullback(w):
        gpx, gpy, *g_edges = back_h(w.reshape(h.shape))
        g_outer, g_inner = outer.gradient(), inner.gradient()
        g_outer.edges(outer.closed, *g_edges)
        g_inner.points(gpx, gpy)
        return (*g_outer.fields(), *g_inner.fields())

    return h.reshape(h.shape[0], -1) + pad[:, None], pullback


for _inner in POLYGONAL:
    kernel("contains", "circle", _inner)(circle_contains_outline)
for _outer in CLOSED:
    for _round in ("circle", "point"):
        kernel("contains", _outer, _round)(outline_contains_round)
    for _inner in POLYGONAL:
        kernel("contains", _outer, _inner)(outline_contains_outline)
