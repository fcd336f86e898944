"""aligned, left_of and above between boxes and points: sides of bounding boxes compared.

A box's sides are linear in its fields (left = x − w/2, …), so each of these is a sum of
fields with fixed coefficients, and its pullback is those coefficients times the weights.
"""

from ..constraints import box_side
from ..registry import kernel

# A side of a box (fields x, y, w, h) or a point (x, y): its coefficients on those fields.
SIDES = {
    "box": {"left": (1.0, 0.0, -0.5, 0.0), "right": (1.0, 0.0, 0.5, 0.0), "top": (0.0, 1.0, 0.0, -0.5),
            "bottom": (0.0, 1.0, 0.0, 0.5), "center-x": (1.0, 0.0, 0.0, 0.0), "center-y": (0.0, 1.0, 0.0, 0.0)},
    "point": {"left": (1.0, 0.0), "right": (1.0, 0.0), "top": (0.0, 1.0), "bottom": (0.0, 1.0),
              "center-x": (1.0, 0.0), "center-y": (0.0, 1.0)},
}
SIDED = tuple(SIDES)


@kernel("aligned", SIDED, SIDED)
def aligned_boxes(a, b, side):
    return _difference(a, side, b, side, 0.0)


@kernel("left_of", SIDED, SIDED)
def left_of_boxes(a, b, gap):
    return _difference(a, "right", b, "left", gap)


@kernel("above", SIDED, SIDED)
def above_boxes(a, b, gap):
    return _difference(a, "bottom", b, "top", gap)


def _difference(a, a_side, b, b_side, offset):
    """side(a) + offset − side(b), and its pullback to a's fields, then b's."""
    ca, cb = SIDES[a.kind][a_side], SIDES[b.kind][b_side]

    def pullback(w):
        return (*(c * w for c in ca), *(-c * w for c in cb))

    return box_side(a, a_side) + offset - box_side(b, b_side), pullback
