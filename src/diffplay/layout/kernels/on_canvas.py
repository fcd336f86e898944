"""on_canvas: a circle's extents, or a point's or an outline's vertices, on the canvas."""

import numpy as np

from ..registry import kernel
from .parts import POLYGONAL, vertices


@kernel("on_canvas", "circle")
def circle_on_canvas(a, left, top, right, bottom):
    """Each side of the circle's bounding box past each canvas edge."""
    values = np.array([a.x, a.y, a.r, left, top, right, bottom]).T.dot(_CIRCLE_SIDES)   # .dot: a sixth less than @

    def pullback(w):
        return _CIRCLE_FIELDS.dot(w.T)   # x's, y's and r's gradients as its rows: one array (registry.kernel)

    return values, pullback


# Per row a field of the circle (x, y, r) or a canvas edge (left, top, right, bottom), per
# column its coefficient in one of the eight values: left − (x − r), left − (x + r),
# (x − r) − right, (x + r) − right, then the same for y between top and bottom. Linear, so
# the values are one matrix product and the pullback another.
_CIRCLE_SIDES = np.array([
    [-1, -1, 1, 1, 0, 0, 0, 0],      # x
    [0, 0, 0, 0, -1, -1, 1, 1],      # y
    [1, -1, -1, 1, 1, -1, -1, 1],    # r
    [1, 1, 0, 0, 0, 0, 0, 0],        # left
    [0, 0, 0, 0, 1, 1, 0, 0],        # top
    [0, 0, -1, -1, 0, 0, 0, 0],      # right
    [0, 0, 0, 0, 0, 0, -1, -1],      # bottom
], float)
_CIRCLE_FIELDS = _CIRCLE_SIDES[:3].copy()   # the rows for x, y and r, apart: a slice and `@` cost a third more


@kernel("on_canvas", ("point",) + POLYGONAL)
def outline_on_canvas(a, left, top, right, bottom):
    """Every vertex's distance past each canvas edge."""
    xs, ys, back = vertices(a)
    k = xs.shape[1]
    values = np.concatenate([left[:, None] - xs, xs - right[:, None], top[:, None] - ys, ys - bottom[:, None]],
                            axis=1)

    def pullback(w):
        return back(w[:, k:2 * k] - w[:, :k], w[:, 3 * k:] - w[:, 2 * k:3 * k])

    return values, pullback
