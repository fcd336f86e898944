"""Parameters as NumPy arrays ("slots"): the view every optimizer updates through.

All scalar Values of an optimizer share one slot (gathered and scattered each step, so the
update itself is vectorized), and each Tensor is its own slot, updated in place; the
first-order optimizers join runs of Tensors of one dtype into one TensorGroup. `Optimizer`
(optim.py) and `LBFGS` (lbfgs.py) both start from `Slotted`.
"""

import math
import numbers

import numpy as np

from .value import Value


class ValueSlot:
    """Many scalar Values seen as one float64 array."""

    def __init__(self, values):
        self.values = values

    def data(self):
        return np.fromiter((v.data for v in self.values), float, len(self.values))

    def grad(self):
        return np.fromiter((v.grad for v in self.values), float, len(self.values))

    def set_data(self, array):
        for v, x in zip(self.values, array.tolist()):
            v.data = x

    def zero_grad(self):
        for v in self.values:
            v.grad = 0.0


class TensorSlot:
    """One Tensor, whose .data array is updated in place."""

    def __init__(self, tensor):
        self.tensor = tensor

    def data(self):
        return self.tensor.data

    def grad(self):
        return self.tensor.grad

    def set_data(self, array):
        if array is not self.tensor.data:
            self.tensor.data[...] = array

    def zero_grad(self):
        self.tensor.grad = None


class TensorGroup:
    """Tensors of one dtype seen end to end as one flat array: an update rule then runs once
    over all of them instead of once each (a dozen NumPy calls a tensor a step, ~8 µs)."""

    def __init__(self, tensors):
        self.tensors = tensors
        self.ends = np.cumsum([t.data.size for t in tensors]).tolist()

    def data(self):
        return np.concatenate([t.data.ravel() for t in self.tensors])

    def grad(self):
        """Every tensor's gradient end to end; None unless each has one (see partly_stepped)."""
        grads = [t.grad for t in self.tensors]
        return None if any(g is None for g in grads) else np.concatenate([np.ravel(g) for g in grads])

    def partly_stepped(self):
        """Some tensors have a gradient and some do not: only the first may take the step."""
        have = [t.grad is not None for t in self.tensors]
        return any(have) and not all(have)

    def set_data(self, array):
        for t, (start, end) in zip(self.tensors, self._spans()):
            t.data[...] = array[start:end].reshape(t.data.shape)

    def zero_grad(self):
        for t in self.tensors:
            t.grad = None

    def split(self, state):
        """One TensorSlot per tensor, each with its part of the group's optimizer state."""
        states = [{key: value[start:end].reshape(t.data.shape).copy() if isinstance(value, np.ndarray) else value
                   for key, value in state.items()} for t, (start, end) in zip(self.tensors, self._spans())]
        return [TensorSlot(t) for t in self.tensors], states

    def _spans(self):
        return zip([0, *self.ends[:-1]], self.ends)


GROUP_MAX = 1 << 13   # entries: past ~8k, copying a Tensor in and out of the group costs more than its own calls (Adam, measured)


def grouped(slots):
    """The slots with each run of consecutive small Tensors of one dtype as one TensorGroup (in
    order, so a checkpoint that walks the slots meets the parameters as they were given)."""
    out = []
    for slot in slots:
        last = out[-1] if out else None
        if small(slot) and (isinstance(last, TensorGroup) or small(last)):
            members = last.tensors if isinstance(last, TensorGroup) else [last.tensor]
            if slot.tensor.data.dtype == members[0].data.dtype and all(slot.tensor is not t for t in members):
                out[-1] = TensorGroup([*members, slot.tensor])
                continue
        out.append(slot)
    return out


def small(slot):
    return isinstance(slot, TensorSlot) and slot.tensor.data.size <= GROUP_MAX


def as_slots(params, who):
    """The slots of a parameter list: one for all its Values, one per Tensor."""
    params = list(params)
    if not params:
        raise ValueError(f"{who}: got an empty parameter list")
    values = [p for p in params if type(p) is Value]
    others = [p for p in params if type(p) is not Value]
    for p in others:
        if not isinstance(getattr(p, "data", None), np.ndarray):
            raise TypeError(f"{who}: parameters must be Values or Tensors, got {type(p).__name__}")
    return ([ValueSlot(values)] if values else []) + [TensorSlot(t) for t in others]


def check_hyper(who, **hypers):
    """Refuse a hyperparameter that is not a finite real number >= 0 (NumPy scalars welcome, bools not)."""
    for name, x in hypers.items():
        real = isinstance(x, numbers.Real) and not isinstance(x, bool)   # np.float32 is Real; True is not wanted
        if not (real and math.isfinite(x) and x >= 0):
            raise ValueError(f"{who}: {name} must be a finite number >= 0, got {x!r}")


class Slotted:
    """What every optimizer starts from: its parameters as slots, a learning rate, zero_grad."""

    def __init__(self, params, lr):
        who = type(self).__name__
        check_hyper(who, lr=lr)
        self.slots = as_slots(params, who)
        self.lr = lr

    def zero_grad(self):
        for slot in self.slots:
            slot.zero_grad()
