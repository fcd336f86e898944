"""ordered_collinear, direction and non_degenerate_angle: relations of the directions between
centres, or of a line's own, each written out with its gradient.

Lengths that are divided by are √(len² + SHORT²) (fused.direction_length), as in the relations.
"""

import numpy as np

from ..constraints import heading
from ..fused import direction_length
from ..registry import kernel
from .parts import CENTRED, LINES, at_centre, to_ends


@kernel("ordered_collinear", CENTRED, CENTRED, CENTRED)
def ordered_centres(a, b, c):
    """Columns: b's offset from line ac, and how far b falls before a or beyond c along it."""
    px, py, qx, qy = b.x - a.x, b.y - a.y, c.x - b.x, c.y - b.y   # p = b − a, q = c − b, e = p + q
    ex, ey = px + qx, py + qy
    length = direction_length.forward(ex, ey)[0]
    offset, along_p, along_q = (px * ey - py * ex) / length, (px * ex + py * ey) / length, (qx * ex + qy * ey) / length
    values = np.stack([offset, np.maximum(-along_p, 0.0), np.maximum(-along_q, 0.0)], axis=1)

    def pullback(w):
        # each column is N / L with N bilinear in (p, q, e): dN/L − (N / L)(e·de)/L²
        w0, w1, w2 = w[:, 0], -w[:, 1] * (along_p < 0), -w[:, 2] * (along_q < 0)
        gpx, gpy = (w0 * ey + w1 * ex) / length, (-w0 * ex + w1 * ey) / length
        gqx, gqy = w2 * ex / length, w2 * ey / length
        pull = w0 * offset + w1 * along_p + w2 * along_q
        gex = (-w0 * py + w1 * px + w2 * qx - pull * ex / length) / length
        gey = (w0 * px + w1 * py + w2 * qy - pull * ey / length) / length
        return (*at_centre(a.kind, -gpx - gex, -gpy - gey), *at_centre(b.kind, gpx - gqx, gpy - gqy),
                *at_centre(c.kind, gqx + gex, gqy + gey))

    return values, pullback


@kernel("direction", LINES)
def line_direction(line, degrees):
    """Columns: the line's offset across the heading, and how far it points backwards."""
    (dx, dy), ux, uy = heading(degrees), line.x2 - line.x1, line.y2 - line.y1
    forwards = ux * dx + uy * dy
    values = np.stack([ux * dy - uy * dx, np.maximum(-forwards, 0.0)], axis=1)

    def pullback(w):
        back = -w[:, 1] * (forwards < 0)
        return to_ends(w[:, 0] * dy + back * dx, -w[:, 0] * dx + back * dy)

    return values, pullback


@kernel("non_degenerate_angle", CENTRED, CENTRED, CENTRED)
def non_degenerate_centres(a, b, c, degrees):
    """sin²(degrees) − sin² of the angle at b."""
    ux, uy, vx, vy = a.x - b.x, a.y - b.y, c.x - b.x, c.y - b.y
    lu, lv = direction_length.forward(ux, uy)[0], direction_length.forward(vx, vy)[0]
    sine = (ux * vy - uy * vx) / (lu * lv)

    def pullback(w):
        k = -2 * w * sine   # d(−sine²) = −2 sine · d sine
        gux, guy = k * (vy / (lu * lv) - sine * ux / (lu * lu)), k * (-vx / (lu * lv) - sine * uy / (lu * lu))
        gvx, gvy = k * (-uy / (lu * lv) - sine * vx / (lv * lv)), k * (ux / (lu * lv) - sine * vy / (lv * lv))
        return (*at_centre(a.kind, gux, guy), *at_centre(b.kind, -gux - gvx, -guy - gvy), *at_centre(c.kind, gvx, gvy))

    return np.sin(np.radians(degrees)) ** 2 - sine * sine, pullback
