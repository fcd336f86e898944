"""Optimizers with PyTorch's names and semantics, over Values or Tensors alike.

Parameters are viewed as NumPy arrays ("slots", see slots.py), so the update rules only ever
see arrays.
"""

import math

import numpy as np

from .lbfgs import LBFGS
from .slots import Slotted, TensorGroup, ValueSlot, check_hyper, grouped


class Optimizer(Slotted):
    """The loop every optimizer shares: gather grads, refuse non-finite ones, update.

    An optimizer whose rule treats every entry on its own (elementwise = True) may be handed
    several small Tensors end to end as one flat array; one that looks at a whole tensor (a
    norm, a shape) keeps the default and gets each Tensor as it is.
    """

    elementwise = False

    def __init__(self, params, lr):
        super().__init__(params, lr)
        if self.elementwise:
            self.slots = grouped(self.slots)
        self.state = [{} for _ in self.slots]
        self.steps = 0   # calls to step(); the count a schedule or a checkpoint goes by

    def step(self):
        self._split_partly_stepped()
        grads = [slot.grad() for slot in self.slots]
        for slot, g in zip(self.slots, grads):
            if g is not None and not np.isfinite(g).all():
                raise FloatingPointError(
                    f"{type(self).__name__}.step: {_which(slot)} has a non-finite gradient; "
                    "parameters left at their last good values"
                )
        self.steps += 1
        for slot, g, state in zip(self.slots, grads, self.state):
            if g is not None:   # like PyTorch, a parameter without a gradient is skipped
                slot.set_data(self._update(slot.data(), g, state))

    def _split_partly_stepped(self):
        """A group where some tensors have no gradient goes back to one slot a tensor, for good:
        as in PyTorch, those skip the step, and each tensor keeps its own state from then on."""
        for i in reversed(range(len(self.slots))):
            slot = self.slots[i]
            if isinstance(slot, TensorGroup) and slot.partly_stepped():
                self.slots[i:i + 1], self.state[i:i + 1] = slot.split(self.state[i])

    def _update(self, p, g, state):
        raise NotImplementedError


def _which(slot):
    """The parameters of a slot whose gradient is not finite, in words."""
    if isinstance(slot, ValueSlot):
        return "a Value"
    tensors = slot.tensors if isinstance(slot, TensorGroup) else [slot.tensor]
    bad = [t for t in tensors if t.grad is not None and not np.isfinite(t.grad).all()]
    return " and ".join(f"the Tensor of shape {tuple(t.data.shape)}" for t in bad)


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay."""

    elementwise = True

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        check_hyper("SGD", momentum=momentum, dampening=dampening, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening 0")
        super().__init__(params, lr)
        self.momentum, self.dampening = momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov

    def _update(self, p, g, state):
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            buf = state.get("momentum")
            buf = g.copy() if buf is None else self.momentum * buf + (1 - self.dampening) * g
            state["momentum"] = buf
            g = g + self.momentum * buf if self.nesterov else buf
        p -= self.lr * g
        return p


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction; weight_decay adds L2 to the gradient.

    As in PyTorch, the bias correction counts the steps each parameter took (state["step"]),
    and a Tensor whose .grad is None is skipped. All Values share a slot, hence one count:
    a Value without a gradient has grad 0.0, a zero gradient that is stepped, as in torch.
    """

    decoupled = False
    elementwise = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        who = type(self).__name__
        check_hyper(who, eps=eps, weight_decay=weight_decay)
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"{who}: betas must be two numbers in [0, 1), got {betas!r}")
        super().__init__(params, lr)
        self.betas, self.eps, self.weight_decay = tuple(betas), eps, weight_decay

    def _update(self, p, g, state):
        b1, b2 = self.betas
        if self.weight_decay and self.decoupled:
            p *= 1 - self.lr * self.weight_decay
        elif self.weight_decay:
            g = g + self.weight_decay * p
        if not state:
            state["step"], state["m"], state["v"] = 0, np.zeros_like(p), np.zeros_like(p)
        state["step"] += 1   # this slot's own count: a gradient that arrives late starts at 1
        m, v, t = state["m"], state["v"], state["step"]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        p -= self.lr * m_hat / (v_hat**0.5 + self.eps)
        return p


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p shrinks by lr·wd each step."""

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)


class LinearDecay:
    """lr_k = lr · (1 − k/total_steps) after k calls to step() (microgpt's schedule)."""

    def __init__(self, optimizer, total_steps, end_factor=0.0):
        if not (isinstance(total_steps, int) and total_steps > 0):
            raise ValueError(f"LinearDecay: total_steps must be a positive integer, got {total_steps!r}")
        self.optimizer, self.total, self.end = optimizer, total_steps, end_factor
        self.base_lr, self.k = optimizer.lr, 0

    def factor(self, k):
        return 1.0 - (1.0 - self.end) * min(k, self.total) / self.total

    def step(self):
        self.k += 1
        self.optimizer.lr = self.base_lr * self.factor(self.k)


class CosineDecay(LinearDecay):
    """lr_k = end + (lr − end)·½(1 + cos(πk/total)): slow, fast, then slow again."""

    def factor(self, k):
        return self.end + (1.0 - self.end) * 0.5 * (1.0 + math.cos(math.pi * min(k, self.total) / self.total))

__all__ = ["SGD", "Adam", "AdamW", "LBFGS", "LinearDecay", "CosineDecay", "Optimizer"]
