"""Fused geometry ops: one graph node each, forward and vector-Jacobian product side by side.

Geometry is the hot path of the layout solver, and on small arrays a Tensor op costs its
Python overhead, not its arithmetic: a point-to-segment distance written with plain
operators is some thirty nodes, here it is one. Each is an engine `fused_op`, so it works on
NumPy arrays (values only) and on Tensors (a node with a hand-written backward, checked
against the composed version and finite differences in tests/test_layout_geometry.py).
"""

import numpy as np

from ..engine.tensor_ops import fused_op
from .ops import SHORT, TINY


def unit(dx, dy, d, fallback_x, fallback_y):
    """(dx, dy) / d; where d is 0 the direction is undefined and `fallback` stands in (any unit
    vector is a subgradient of the length there, and a zero would leave coincident shapes stuck)."""
    if _nowhere_zero(d):
        return dx / d, dy / d
    zero = d < 1e-9
    safe = np.where(zero, 1.0, d)
    return np.where(zero, fallback_x, dx / safe), np.where(zero, fallback_y, dy / safe)


def along(g, dx, dy, d):
    """g times the unit vector along (dx, dy), d its length (+x where d is 0): a gradient g on
    the length, passed to dx and dy. Three ufuncs, where g times unit()'s vector takes four."""
    if _nowhere_zero(d):
        k = g / d
        return k * dx, k * dy
    ux, uy = unit(dx, dy, d, 1.0, 0.0)
    return g * ux, g * uy


def _nowhere_zero(d):
    """Whether no length in d is 0 (below 1e-9): the usual case, told by an argmin and a lookup
    (fewer than half the instructions of a minimum, which goes through NumPy's reduction
    machinery; a nan is its argmin, and fails the test as it should)."""
    return not d.size or d.item(d.argmin()) >= 1e-9


def length_and_direction(dx, dy):
    """√(dx² + dy²) and the unit vector along (dx, dy), +x where it is zero."""
    d = np.hypot(dx, dy)   # one ufunc, not five; where it is 0, unit() stands in for the direction
    return (d, *unit(dx, dy, d, 1.0, 0.0))


def _hypot(dx, dy):
    """√(dx² + dy²); at zero its gradient points along +x."""
    d = np.hypot(dx, dy)
    return d, lambda g: along(g, dx, dy, d)


def _direction_length(ex, ey):
    """√(ex² + ey² + SHORT²): a direction's length for dividing by, bounded away from zero."""
    length = np.sqrt(ex * ex + ey * ey + SHORT * SHORT)
    return length, lambda g: (g * ex / length, g * ey / length)


def _segment_distances(px, py, ax, ay, ex, ey):
    """Distance from each point (n, m) to each segment a → a + e (n, edges): (n, m, edges)."""
    px, py = px[:, :, None], py[:, :, None]
    ax, ay, ex, ey = ax[:, None, :], ay[:, None, :], ex[:, None, :], ey[:, None, :]
    t = np.clip(((px - ax) * ex + (py - ay) * ey) / (ex * ex + ey * ey + TINY), 0.0, 1.0)
    qx, qy = ax + t * ex - px, ay + t * ey - py
    d = np.sqrt(qx * qx + qy * qy + TINY * TINY)

    length = np.sqrt(ex * ex + ey * ey + TINY * TINY)
    nx, ny = unit(qx, qy, d, -ey / length, ex / length)   # on the segment: step off it sideways

    def vjp(g):
        # t is the nearest point's parameter, a minimum over [0, 1]: d does not change to
        # first order as t moves (envelope theorem), so t counts as a constant here.
        ux, uy = g * nx, g * ny
        return (-ux.sum(axis=2), -uy.sum(axis=2), ux.sum(axis=1), uy.sum(axis=1),
                (ux * t).sum(axis=1), (uy * t).sum(axis=1))

    return d, vjp


def _line_offsets(px, py, ax, ay, ex, ey, sign):
    """Signed distance of each point (n, m) to each edge's line (n, edges), `sign` (n, 1) picks
    the outward side: (n, m, edges), positive outside."""
    px, py = px[:, :, None], py[:, :, None]
    s, ax, ay, ex, ey = sign[:, :, None], ax[:, None, :], ay[:, None, :], ex[:, None, :], ey[:, None, :]
    rx, ry = px - ax, py - ay
    length = np.sqrt(ex * ex + ey * ey + SHORT * SHORT)
    cross = rx * ey - ry * ex
    h = s * cross / length

    def vjp(g):
        k = g * s / length
        back = cross / (length * length)
        return ((k * ey).sum(axis=2), (-k * ex).sum(axis=2), (-k * ey).sum(axis=1), (k * ex).sum(axis=1),
                (k * (-ry - back * ex)).sum(axis=1), (k * (rx - back * ey)).sum(axis=1), np.zeros_like(sign))

    return h, vjp


hypot = fused_op(_hypot)
direction_length = fused_op(_direction_length)
segment_distances = fused_op(_segment_distances)
line_offsets = fused_op(_line_offsets)


def _angle_between(ux, uy, vx, vy):
    """The angle in [0, π] between the vectors u and v: atan2(|u × v|, u · v).
    d atan2(s, c) = (c ds − s dc) / (s² + c²), with s = |u × v| and c = u · v."""
    cross, dot = ux * vy - uy * vx, ux * vx + uy * vy
    s = np.abs(cross)
    theta = np.arctan2(s, dot)

    def vjp(g):
        k = g / (s * s + dot * dot + TINY)
        ds, dc = k * dot * np.sign(cross), -k * s   # ∂θ/∂cross and ∂θ/∂dot, times g
        return ds * vy + dc * vx, -ds * vx + dc * vy, -ds * uy + dc * ux, ds * ux + dc * uy

    return theta, vjp


angle_between = fused_op(_angle_between)
