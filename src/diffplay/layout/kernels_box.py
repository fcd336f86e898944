"""Fast paths for the relations of bounding boxes: aligned, left_of, above (between boxes and
points) and on_canvas (for boxes, points and outlines), differentiated by hand.

A box's sides are linear in its fields (left = x − w/2, …), so each of these is a sum of
fields with fixed coefficients, and its pullback is those coefficients times the weights.
tests/test_layout_kernels.py holds each equal to the relation on Tensors and to finite
differences.
"""

import numpy as np

from .kernels_polygonal import outline
from .registry import kernel

# A side of a box (fields x, y, w, h) or a point (x, y): its coefficients on those fields.
SIDES = {
    "box": {"left": (1.0, 0.0, -0.5, 0.0), "right": (1.0, 0.0, 0.5, 0.0), "top": (0.0, 1.0, 0.0, -0.5),
            "bottom": (0.0, 1.0, 0.0, 0.5), "center-x": (1.0, 0.0, 0.0, 0.0), "center-y": (0.0, 1.0, 0.0, 0.0)},
    "point": {"left": (1.0, 0.0), "right": (1.0, 0.0), "top": (0.0, 1.0), "bottom": (0.0, 1.0),
              "center-x": (1.0, 0.0), "center-y": (0.0, 1.0)},
}


def _side(b, name):
    """One side of b's bounding box, computed as constraints.box_side does, and its coefficients."""
    if b.kind == "point":
        value = b.x if name in ("left", "right", "center-x") else b.y
    else:
        left, top, right, bottom = b.x - b.w * 0.5, b.y - b.h * 0.5, b.x + b.w * 0.5, b.y + b.h * 0.5
        value = {"left": left, "right": right, "top": top, "bottom": bottom,
                 "center-x": (left + right) * 0.5, "center-y": (top + bottom) * 0.5}[name]
    return value, SIDES[b.kind][name]


def _difference(a, a_side, b, b_side, offset):
    """side(a) + offset − side(b), and its pullback to a's fields, then b's."""
    (va, ca), (vb, cb) = _side(a, a_side), _side(b, b_side)

    def pullback(w):
        return (*(c * w for c in ca), *(-c * w for c in cb))

    return va + offset - vb, pullback


def aligned_boxes(a, b, side):
    return _difference(a, side, b, side, 0.0)


def left_of_boxes(a, b, gap):
    return _difference(a, "right", b, "left", gap)


def above_boxes(a, b, gap):
    return _difference(a, "bottom", b, "top", gap)


def _extremes(b):
    """Points (xs, ys), each (n, k), whose bounding box is b's, and their pullback to b's fields."""
    if b.kind == "point":
        return b.x[:, None], b.y[:, None], lambda gx, gy: (gx[:, 0], gy[:, 0])
    return outline(b)


def on_canvas_outline(a, left, top, right, bottom):
    """constraints.on_canvas: every extreme point's distance past each canvas edge."""
    xs, ys, back = _extremes(a)
    k = xs.shape[1]
    values = np.concatenate([left[:, None] - xs, xs - right[:, None], top[:, None] - ys, ys - bottom[:, None]],
                            axis=1)

    def pullback(w):
        return back(w[:, k:2 * k] - w[:, :k], w[:, 3 * k:] - w[:, 2 * k:3 * k])

    return values, pullback


for _first in SIDES:
    for _second in SIDES:
        kernel("aligned", _first, _second)(aligned_boxes)
        kernel("left_of", _first, _second)(left_of_boxes)
        kernel("above", _first, _second)(above_boxes)
for _kind in ("box", "point", "segment", "arrow", "polyline", "polygon"):
    kernel("on_canvas", _kind)(on_canvas_outline)
