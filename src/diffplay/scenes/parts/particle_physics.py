"""A differentiable particle world (DiffTaichi's idea, on Tensors): gravity, drag, smooth walls.

All particles move at once: their positions and velocities are (P, 2) arrays, and one time
step is a handful of array ops, whatever P is. Time steps are semi-implicit Euler — velocity
first, then position with the new velocity — which keeps a bouncing particle's energy from
growing. Walls push back with a softplus spring: zero force well outside, k · depth well
inside, and smooth in between, so the final positions are differentiable in the launch
velocities even through a bounce (if not gently: contact is where the loss landscape turns
rough). A whole flight is one graph node (`flight`): its backward pass is the adjoint, the
time steps run backwards with their local derivatives written out, so a 2,048-step flight
costs no graph of 2,048 × 7 nodes.
"""

from dataclasses import dataclass

import numpy as np

from ...engine.tensor import Tensor, no_grad
from ...engine.tensor_ops import fused_op, stack

CEILING = 1e6   # the box has no lid; a wall this far away never pushes
# A `free` flight is computed in closed form when every particle keeps farther than this
# (in softnesses: 23 · 2 cm) from every wall at every step: there a wall's push, softplus < 1e-10,
# moves a 100-step flight's landing by under 1e-7 m, and leaving it out costs one pass, not 100 steps.
FREE_DEPTH = -23.0


@dataclass(frozen=True)
class World:
    """The room [0, width] × [0, ∞) and the laws in it (unit masses, SI-like units)."""

    width: float = 4.0
    gravity: float = 9.81
    drag: float = 0.1           # velocity lost per second, as a fraction
    stiffness: float = 1e4      # wall spring constant, per unit depth
    softness: float = 0.02      # the width of the softplus: how gradual contact is
    dt: float = 0.01
    steps: int = 100

    def kicks(self):
        """dt · (the walls' push + gravity) on particles at x (P, 2), per unit mass, is
        softplus(x @ depth_weight.T + depth_bias) @ push_weight.T + fall: each wall's push is
        k · s · softplus(depth / s), the four depths one linear map of x, the force another.
        Returns depth_weight (4, 2), depth_bias (4,), push_weight (2, 4) and fall (2,)."""
        s = self.softness
        depth_weight = np.array([[-1.0, 0.0], [0.0, -1.0], [1.0, 0.0], [0.0, 1.0]]) / s
        depth_bias = np.array([0.0, 0.0, -self.width, -CEILING]) / s   # left, floor, right, lid
        push_weight = depth_weight.T * (self.stiffness * s * s * self.dt)     # push away from each wall
        fall = np.array([0.0, -self.gravity * self.dt])
        return depth_weight, depth_bias, -push_weight, fall


def kept_steps(steps, every):
    """The time steps a flight keeps: 0, every `every`-th, and the last."""
    return [0] + [t for t in range(1, steps + 1) if t % every == 0 or t == steps]


@fused_op
def flight(start, velocity, *, world, every, free=False):
    """Positions (frames, P, 2) at kept_steps(world.steps, every) of particles leaving `start`
    (broadcasting against velocity) with `velocity` (P, 2). With `free`, a flight that keeps
    clear of the walls (FREE_DEPTH) is computed in closed form, leaving out their tiny push."""
    if free:
        found = _free_flight(start, velocity, world, every)
        if found is not None:
            return found
    depth_weight, depth_bias, push_weight, fall = world.kicks()
    keep, dt, steps = 1.0 - world.drag * world.dt, world.dt, world.steps
    depth_weight_t, push_weight_t = depth_weight.T.copy(), push_weight.T.copy()   # contiguous: a step is ~8 tiny ops
    x = np.array(np.broadcast_to(start, np.shape(velocity)), float)
    v, frames, pushes = velocity, [x], []
    for t in range(1, steps + 1):
        push = np.logaddexp(x @ depth_weight_t + depth_bias, 0.0)   # softplus, never overflowing
        pushes.append(push)
        v = v * keep + push @ push_weight_t + fall
        x = x + v * dt
        if t % every == 0 or t == steps:
            frames.append(x)
    kept = kept_steps(steps, every)

    def vjp(g):
        """The adjoint: (gx, gv), the gradient at (x_t, v_t), carried from the last step back to the first."""
        slopes = -np.expm1(-np.stack(pushes))   # softplus's derivative, sigmoid(depth) = 1 − e^(−softplus), all at once
        gx, gv, frame = g[-1].copy(), np.zeros_like(g[-1]), len(kept) - 1
        for t in range(steps, 0, -1):
            a = gv + dt * gx                                   # x_t = x_{t-1} + dt·v_t: v_t feeds both
            gv = keep * a                                      # v_t = keep·v_{t-1} + kick(x_{t-1})
            gx = gx + ((a @ push_weight) * slopes[t - 1]) @ depth_weight
            if kept[frame - 1] == t - 1:                       # the output showed x_{t-1} too
                frame -= 1
                gx = gx + g[frame]
        return gx, gv

    return np.stack(frames), vjp


def _free_flight(start, velocity, world, every):
    """flight() without the walls, as a sum instead of a loop, or None if a particle comes within
    reach of one. With no push, v_t = keepᵗ·v₀ + (Σ_{s<t} keepˢ)·fall and x_t = x₀ + dt·Σ_{s≤t} v_s:
    each x_t is x₀ + dt·(A_t·v₀ + B_t·fall) for two running sums A and B of keep's powers."""
    depth_weight, depth_bias, _, fall = world.kicks()
    keep, dt, steps = 1.0 - world.drag * world.dt, world.dt, world.steps
    powers = keep ** np.arange(steps + 1.0)
    a = np.concatenate([[0.0], np.cumsum(powers[1:])])               # A_t: v₀'s share of x_t, t = 0 … steps
    b = np.concatenate([[0.0], np.cumsum(np.cumsum(powers[:-1]))])   # B_t: fall's
    x = np.broadcast_to(start, np.shape(velocity))
    path = x + dt * (a[:, None, None] * velocity + b[:, None, None] * fall)
    if (path @ depth_weight.T + depth_bias).max() > FREE_DEPTH:
        return None
    kept = kept_steps(steps, every)
    return path[kept], lambda g: (g.sum(0), dt * np.tensordot(a[kept], g, 1))   # x₀ moves every frame alike


def rollout(world, start, velocity, keep_every=0, free=False):
    """Final positions (P, 2) after world.steps steps from `start` with launch `velocity`.

    `start` is an array or Tensor broadcasting against velocity (P, 2). With keep_every > 0
    also returns the positions every that many steps, as an array (frames, P, 2). `free`: see flight.
    """
    path = flight(start, velocity, world=world, every=keep_every or world.steps, free=free)
    return (path[-1], path.data) if keep_every else path[-1]


def touches(world, path):
    """Per particle, whether its path (frames, P, 2) came within 3·softness of a wall."""
    near = 3 * world.softness
    x, y = path[..., 0], path[..., 1]
    return ((y < near) | (x < near) | (x > world.width - near)).any(0)


def scan(world, start, speed, target, angles):
    """Loss |x_T − target|² for a launch at `speed` at each angle (radians), one rollout for all.

    Returns the losses, their derivatives in the angle, and whether each path touched a wall.
    """
    theta = Tensor(np.asarray(angles, float), requires_grad=True)
    velocity = stack([theta.cos(), theta.sin()], 1) * speed
    final, path = rollout(world, start, velocity, keep_every=1)
    miss = final - np.asarray(target, float)
    losses = (miss * miss).sum(1)
    losses.sum().backward()   # particles are independent: one backward gives every slope
    return losses.data, theta.grad, touches(world, path)


def positions(world, start, velocity, keep_every):
    """The path (frames, P, 2) of a launch, without a graph."""
    with no_grad():
        return rollout(world, start, Tensor(velocity), keep_every)[1]
