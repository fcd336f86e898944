"""Optimizers with PyTorch's names and semantics, over Values or Tensors alike.

Parameters are viewed as NumPy arrays ("slots", see slots.py), so the update rules only ever
see arrays. Each keeps its state under PyTorch's names, and `state_dict()` /
`load_state_dict()` give and take it in PyTorch's layout, one entry per parameter
(optim_state.py).
"""

import math

import numpy as np

from .flat import all_finite
from .lbfgs import LBFGS
from .optim_state import check_keys, checked_count, checked_entry, join_state, split_state
from .slots import Slotted, TensorGroup, ValueSlot, check_hyper, grouped


class Optimizer(Slotted):
    """The loop every optimizer shares: gather grads, refuse non-finite ones, update.

    An optimizer whose rule treats every entry on its own (elementwise = True) may be handed
    several small Tensors end to end as one flat array; one that looks at a whole tensor (a
    norm, a shape) keeps the default and gets each Tensor as it is.
    """

    elementwise = False
    state_keys = ()   # what each parameter's state holds once it has stepped, by PyTorch's names

    def __init__(self, params, lr, **settings):
        super().__init__(params)
        self._configure(lr=lr, **settings)
        if self.elementwise:
            self.slots = grouped(self.slots)
        self.state = [{} for _ in self.slots]
        self.scratch = {}   # (shape, dtype): arrays an update rule reuses step after step (_scratch)

    def __getstate__(self):
        """A copy leaves the scratch arrays behind: _scratch() makes them again when first needed."""
        return {**self.__dict__, "scratch": {}}

    def step(self):
        self._split_partly_stepped()
        grads = [slot.grad() for slot in self.slots]
        for slot, g in zip(self.slots, grads):
            if g is not None and not all_finite(g):
                self._refuse(slot)
        for slot, g, state in zip(self.slots, grads, self.state):
            if g is not None:   # like PyTorch, a parameter without a gradient is skipped
                slot.set_data(self._update(slot.data(), g, state))

    def flat_group(self):
        """The one TensorGroup holding every parameter where they live (one array, stepped in
        place), or None: then only step() can step them."""
        slot = self.slots[0]
        return slot if len(self.slots) == 1 and isinstance(slot, TensorGroup) and slot.in_place() else None

    def step_flat(self, grad, finite=False, group=None):
        """step() given the gradient of every parameter end to end in one array, in the
        parameters' order, for parameters that lie so themselves (flat_group()): the same update,
        without gathering each parameter's .grad first. finite=True: the caller has already
        refused a gradient that is not finite (all_finite), so it is not looked at twice; group:
        flat_group() as the caller just found it, so it is not looked for twice."""
        group = self.flat_group() if group is None else group
        if group is None:
            raise ValueError(f"{type(self).__name__}.step_flat: the parameters do not lie end to end in one array")
        if not finite and not all_finite(grad):
            self._refuse(group, group.layout.split(grad))
        self._update(group.shared, grad, self.state[0])

    def _refuse(self, slot, grads=None):
        raise FloatingPointError(f"{type(self).__name__}.step: {_which(slot, grads)} has a non-finite gradient; "
                                 "parameters left at their last good values")

    def _split_partly_stepped(self):
        """A group where some tensors have no gradient goes back to one slot a tensor, for good:
        as in PyTorch, those skip the step, and each tensor keeps its own state from then on."""
        for i in reversed(range(len(self.slots))):
            slot = self.slots[i]
            if isinstance(slot, TensorGroup) and slot.partly_stepped():
                self.slots[i:i + 1], self.state[i:i + 1] = slot.split(self.state[i])

    def _update(self, p, g, state):
        raise NotImplementedError

    def _scratch(self, g):
        """Two arrays of g's shape and dtype for an update's intermediates, the same ones each
        step: at a small model's size, allocating them costs a tenth of Adam's update."""
        key = (g.shape, g.dtype)
        pair = self.scratch.get(key)
        if pair is None:
            pair = self.scratch[key] = (np.empty(g.shape, g.dtype), np.empty(g.shape, g.dtype))
        return pair

    def _parameter_states(self):
        states = {}
        for slot, state in zip(self.slots, self.state):
            if state:
                states.update(zip(slot.indices, split_state(state, slot.layout)))
        return dict(sorted(states.items()))

    def _checked_state(self, states, who):
        """(slots, their states): a group whose tensors' states cannot be one (a tensor that
        took fewer steps) goes back to one slot a tensor, as a partly stepped group does."""
        slots, slot_states = [], []
        for slot in self.slots:
            parts = [checked_entry(states[i], self.state_keys, shape, slot.dtype, f"{who}: state of parameter {i}")
                     for i, shape in zip(slot.indices, slot.layout.shapes)]
            joined = join_state(parts, slot.shape)
            if joined is not None:
                slots.append(slot)
                slot_states.append(joined)
            elif isinstance(slot, TensorGroup):
                slots += slot.members
                slot_states += parts
            else:
                raise ValueError(f"{who}: the Values share one slot, so they all have state or none, with one "
                                 "step count")
        return slots, slot_states

    def _set_state(self, state):
        self.slots, self.state = state


def _which(slot, grads=None):
    """The parameters of a slot whose gradient (their .grad, or grads given) is not finite, in words."""
    if isinstance(slot, ValueSlot):
        return "a Value"
    tensors = slot.tensors if isinstance(slot, TensorGroup) else [slot.tensor]
    grads = [t.grad for t in tensors] if grads is None else grads
    bad = [t for t, g in zip(tensors, grads) if g is not None and not np.isfinite(g).all()]
    return " and ".join(f"the Tensor of shape {tuple(t.data.shape)}" for t in bad)


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay."""

    elementwise = True
    settings = ("lr", "momentum", "dampening", "weight_decay", "nesterov")
    torch_settings = {"maximize": False}
    state_keys = ("momentum_buffer",)   # none without momentum, as in PyTorch

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        super().__init__(params, lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                         nesterov=nesterov)

    def _configure(self, lr, momentum, dampening, weight_decay, nesterov):
        check_hyper("SGD", lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening 0")
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov

    def _update(self, p, g, state):
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            buf = state.get("momentum_buffer")
            buf = g.copy() if buf is None else self.momentum * buf + (1 - self.dampening) * g
            state["momentum_buffer"] = buf
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
    settings = ("lr", "betas", "eps", "weight_decay")
    state_keys = ("step", "exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)

    @property
    def torch_settings(self):
        return {"maximize": False, "amsgrad": False, "decoupled_weight_decay": self.decoupled}

    def _configure(self, lr, betas, eps, weight_decay):
        who = type(self).__name__
        check_hyper(who, lr=lr, eps=eps, weight_decay=weight_decay)
        if len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"{who}: betas must be two numbers in [0, 1), got {betas!r}")
        self.lr, self.betas, self.eps, self.weight_decay = lr, tuple(betas), eps, weight_decay

    def _update(self, p, g, state):
        b1, b2 = self.betas
        if self.weight_decay and self.decoupled:
            p *= 1 - self.lr * self.weight_decay
        elif self.weight_decay:
            g = g + self.weight_decay * p
        if not state:
            state["step"], state["exp_avg"], state["exp_avg_sq"] = 0, np.zeros_like(p), np.zeros_like(p)
        state["step"] += 1   # this slot's own count: a gradient that arrives late starts at 1
        m, v, t = state["exp_avg"], state["exp_avg_sq"], state["step"]
        scaled, square = self._scratch(g)   # arrays even for a 0-d g (out= below)
        m *= b1
        m += np.multiply(g, 1 - b1, out=scaled)
        v *= b2
        np.square(g, out=square)
        square *= 1 - b2
        v += square
        # p -= lr · m̂ / (√v̂ + eps), each product and quotient in that order, in the two scratch arrays
        step = np.divide(m, 1 - b1**t, out=scaled if m.dtype == scaled.dtype else None)
        step *= self.lr
        root = np.divide(v, 1 - b2**t, out=square)
        np.sqrt(root, out=root)
        root += self.eps
        step /= root
        p -= step
        return p


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p shrinks by lr·wd each step."""

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)


class LinearDecay:
    """lr_k = lr · (1 − k/total_steps) after k calls to step() (microgpt's schedule)."""

    state_keys = ("base_lr", "total_steps", "end_factor", "k")

    def __init__(self, optimizer, total_steps, end_factor=0.0):
        self.optimizer = optimizer
        self._configure(base_lr=optimizer.lr, total_steps=total_steps, end_factor=end_factor, k=0)

    def factor(self, k):
        return 1.0 - (1.0 - self.end_factor) * min(k, self.total_steps) / self.total_steps

    def step(self):
        self.k += 1
        self.optimizer.lr = self.base_lr * self.factor(self.k)

    def state_dict(self):
        """All but the optimizer, as PyTorch's schedulers give theirs: {"base_lr", "total_steps",
        "end_factor", "k"}, k the calls to step() so far."""
        return {key: getattr(self, key) for key in self.state_keys}

    def load_state_dict(self, state_dict):
        """Go on from a state_dict(); as in PyTorch, the optimizer's lr comes from its own state_dict."""
        check_keys(state_dict, self.state_keys, f"{type(self).__name__}.load_state_dict")
        self._configure(**state_dict)

    def _configure(self, base_lr, total_steps, end_factor, k):
        who = type(self).__name__
        if not (isinstance(total_steps, int) and not isinstance(total_steps, bool) and total_steps > 0):
            raise ValueError(f"{who}: total_steps must be a positive integer, got {total_steps!r}")
        check_hyper(who, base_lr=base_lr, end_factor=end_factor)
        k = checked_count(k, f"{who}: k")
        self.base_lr, self.total_steps, self.end_factor, self.k = base_lr, total_steps, end_factor, k


class CosineDecay(LinearDecay):
    """lr_k = end + (lr − end)·½(1 + cos(πk/total)): slow, fast, then slow again."""

    def factor(self, k):
        return self.end_factor + (1.0 - self.end_factor) * 0.5 * (
            1.0 + math.cos(math.pi * min(k, self.total_steps) / self.total_steps))


__all__ = ["SGD", "Adam", "AdamW", "LBFGS", "LinearDecay", "CosineDecay", "Optimizer"]
