"""Parameters as NumPy arrays ("slots"): the view every optimizer updates through.

All scalar Values of an optimizer share one slot (gathered and scattered each step, so the
update itself is vectorized), and each Tensor is its own slot, updated in place. `Optimizer`
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
