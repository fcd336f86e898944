"""A differentiable particle world (DiffTaichi's idea, on Tensors): gravity, drag, smooth walls.

All particles move at once: their positions and velocities are (P, 2) Tensors, and one time
step is a dozen array ops, whatever P is. Time steps are semi-implicit Euler — velocity first,
then position with the new velocity — which keeps a bouncing particle's energy from growing.
Walls push back with a softplus spring: zero force well outside, k · depth well inside, and
smooth in between, so the final positions are differentiable in the launch velocities even
through a bounce (if not gently: contact is where the loss landscape turns rough).
"""

from dataclasses import dataclass

import numpy as np

from ..engine.tensor import Tensor, no_grad
from ..engine.tensor_ops import linear, stack

CEILING = 1e6   # the box has no lid; a wall this far away never pushes


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
        """The constants of `kick`: (4, 2) and (4,) into the walls' depths, (2, 4) and (2,) out."""
        s = self.softness
        depth_weight = np.array([[-1.0, 0.0], [0.0, -1.0], [1.0, 0.0], [0.0, 1.0]]) / s
        depth_bias = np.array([0.0, 0.0, -self.width, -CEILING]) / s   # left, floor, right, lid
        push_weight = depth_weight.T * (self.stiffness * s * s * self.dt)     # push away from each wall
        fall = np.array([0.0, -self.gravity * self.dt])
        return depth_weight, depth_bias, -push_weight, fall

    def kick(self, x, constants):
        """dt · (the walls' push + gravity) on particles at x (P, 2), per unit mass.

        Each wall's push is k · s · softplus(depth / s); the four depths come out of one
        linear map of x and go back into a force through another, so a time step costs three
        nodes here instead of a handful per wall.
        """
        depth_weight, depth_bias, push_weight, fall = constants
        return linear(linear(x, depth_weight, depth_bias).softplus(), push_weight, fall)


def rollout(world, start, velocity, keep_every=0):
    """Final positions (P, 2) after world.steps steps from `start` with launch `velocity`.

    `start` is an array or Tensor broadcasting against velocity (P, 2). With keep_every > 0
    also returns the positions every that many steps, as an array (frames, P, 2).
    """
    x = start if type(start) is Tensor else Tensor(np.broadcast_to(start, velocity.shape).copy())
    v = velocity
    keep = 1.0 - world.drag * world.dt
    constants = world.kicks()
    path = [x.data] if keep_every else None
    for step in range(1, world.steps + 1):
        v = v * keep + world.kick(x, constants)
        x = x + v * world.dt
        if keep_every and (step % keep_every == 0 or step == world.steps):
            path.append(x.data)
    return (x, np.stack(path)) if keep_every else x


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
