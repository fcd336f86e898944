"""Fast paths for the relations of lines' directions: on_line, perpendicular, parallel.

Each is constraints.py's formula over the segments' directions u = (x2 − x1, y2 − y1), whose
length L = √(ux² + uy² + SHORT²) (fused.direction_length) is bounded away from zero, with
its gradient written out; tests/test_layout_kernels.py holds each equal to the relation on
Tensors and to finite differences.
"""

import numpy as np

from . import constraints  # noqa: F401  (kernels attach to these relations)
from .fused import _direction_length
from .kernels import CENTRED, at_centre, to_ends
from .registry import kernel

LINES = ("segment", "arrow")


def _direction(line):
    ux, uy = line.x2 - line.x1, line.y2 - line.y1
    return ux, uy, _direction_length(ux, uy)[0]


def _on_line(kind):
    def on_line(a, line):
        ux, uy, length = _direction(line)
        px, py = a.x - line.x1, a.y - line.y1
        value = (px * uy - py * ux) / length   # the signed distance from a's centre to the line

        def pullback(w):
            # value = n / L with n = px·uy − py·ux: through p (a's centre less the first end) and u
            gpx, gpy = w * uy / length, -w * ux / length
            gux = w * (-py / length - value * ux / (length * length))
            guy = w * (px / length - value * uy / (length * length))
            x1, y1, x2, y2 = to_ends(gux, guy)
            return (*at_centre(kind, gpx, gpy), x1 - gpx, y1 - gpy, x2, y2)

        return value, pullback

    return on_line


def _angle(product, partials):
    """perpendicular (cos θ) or parallel (sin θ), times √(|u|·|v|): product(u, v) / √(Lu·Lv);
    partials(u, v) are the product's derivatives by ux, uy, vx, vy."""

    def relation(a, b):
        ux, uy, lu = _direction(a)
        vx, vy, lv = _direction(b)
        mean = np.sqrt(lu * lv)
        value = product(ux, uy, vx, vy) / mean

        def pullback(w):
            # d mean / du = mean · u / (2 Lu²), and the same for v
            pux, puy, pvx, pvy = partials(ux, uy, vx, vy)
            su, sv = value / (2 * lu * lu), value / (2 * lv * lv)
            gux, guy = w * (pux / mean - su * ux), w * (puy / mean - su * uy)
            gvx, gvy = w * (pvx / mean - sv * vx), w * (pvy / mean - sv * vy)
            return (*to_ends(gux, guy), *to_ends(gvx, gvy))

        return value, pullback

    return relation


ANGLES = {
    "perpendicular": (lambda ux, uy, vx, vy: ux * vx + uy * vy, lambda ux, uy, vx, vy: (vx, vy, ux, uy)),
    "parallel": (lambda ux, uy, vx, vy: ux * vy - uy * vx, lambda ux, uy, vx, vy: (vy, -vx, -uy, ux)),
}

for _line in LINES:
    for _kind in CENTRED:
        kernel("on_line", _kind, _line)(_on_line(_kind))
    for _other in LINES:
        for _name, (_product, _partials) in ANGLES.items():
            kernel(_name, _line, _other)(_angle(_product, _partials))
