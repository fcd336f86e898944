"""on_canvas: a circle's extents, or a point's or an outline's vertices, on the canvas."""

import numpy as np

from ..registry import kernel
from .parts import POLYGONAL, vertices


@kernel("on_canvas", "circle")
def circle_on_canvas(a, left, top, right, bottom):
    """Each side of the circle's bounding box past each canvas edge."""
    values = np.empty((a.x.size, 8))
    values[:, 0], values[:, 1] = left - (a.x - a.r), left - (a.x + a.r)
    values[:, 2], values[:, 3] = (a.x - a.r) - right, (a.x + a.r) - right
    values[:, 4], values[:, 5] = top - (a.y - a.r), top - (a.y + a.r)
    values[:, 6], values[:, 7] = (a.y - a.r) - bottom, (a.y + a.r) - bottom

    def pullback(w):
        # columns: left−(x−r), left−(x+r), (x−r)−right, (x+r)−right, then the same for y
        gx = -w[:, 0] - w[:, 1] + w[:, 2] + w[:, 3]
        gy = -w[:, 4] - w[:, 5] + w[:, 6] + w[:, 7]
        gr = (w[:, 0] - w[:, 1] - w[:, 2] + w[:, 3]) + (w[:, 4] - w[:, 5] - w[:, 6] + w[:, 7])
        return gx, gy, gr

    return values, pullback


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
