"""on_line, perpendicular, parallel and min_length: relations of lines' directions.

Each is the relation's formula over the segments' directions u = (x2 − x1, y2 − y1), whose
length L = √(ux² + uy² + SHORT²) (fused.direction_length) is bounded away from zero, with
its gradient written out.
"""

import numpy as np

from ..fused import direction_length
from ..registry import kernel
from .parts import CENTRED, LINES, at_centre, to_ends


@kernel("on_line", CENTRED, LINES)
def centre_on_line(a, line):
    """The signed distance from a's centre to the line."""
    ux, uy, length = _direction_and_length(line)
    px, py = a.x - line.x1, a.y - line.y1
    value = (px * uy - py * ux) / length

    def pullback(w):
        # value = n / L with n = px·uy − py·ux: through p (a's centre less the first end) and u
        gpx, gpy = w * uy / length, -w * ux / length
        gux = w * (-py / length - value * ux / (length * length))
        guy = w * (px / length - value * uy / (length * length))
        x1, y1, x2, y2 = to_ends(gux, guy)
        return (*at_centre(a.kind, gpx, gpy), x1 - gpx, y1 - gpy, x2, y2)

    return value, pullback


@kernel("perpendicular", LINES, LINES)
def perpendicular_lines(a, b):
    """cos θ · √(|u|·|v|)."""
    return _angle(a, b, lambda ux, uy, vx, vy: ux * vx + uy * vy, lambda ux, uy, vx, vy: (vx, vy, ux, uy))


@kernel("parallel", LINES, LINES)
def parallel_lines(a, b):
    """sin θ · √(|u|·|v|)."""
    return _angle(a, b, lambda ux, uy, vx, vy: ux * vy - uy * vx, lambda ux, uy, vx, vy: (vy, -vx, -uy, ux))


@kernel("min_length", LINES)
def min_length_line(line):
    """The squared length."""
    dx, dy = line.x2 - line.x1, line.y2 - line.y1
    return dx * dx + dy * dy, lambda w: to_ends(2 * w * dx, 2 * w * dy)


def _direction_and_length(line):
    ux, uy = line.x2 - line.x1, line.y2 - line.y1
    return ux, uy, direction_length.forward(ux, uy)[0]


def _angle(a, b, product, partials):
    """product(u, v) / √(Lu·Lv) for the directions u of a and v of b; partials(u, v) are the
    product's derivatives by ux, uy, vx, vy."""
    ux, uy, lu = _direction_and_length(a)
    vx, vy, lv = _direction_and_length(b)
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
