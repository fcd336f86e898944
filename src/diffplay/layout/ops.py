"""The handful of array operations relations are written in, for NumPy arrays and Tensors alike.

A relation runs on NumPy arrays when only its values are needed (reporting residuals) and
on Tensors when the solver needs its gradient, so each relation is written once. Operators
(+ − * /) work on both already; this module covers the rest.
"""

import numpy as np

from ..engine import tensor_index, tensor_shape

TINY = 1e-12   # keeps √ and division differentiable at a zero-length vector
# A direction's length, when something is divided by it, is taken as √(len² + SHORT²): a
# collapsed segment (1/1000 of the canvas or less) then has a bounded gradient instead of a
# singular one the solver cannot leave. Longer than 1 % of the canvas, the change is < 0.5 %.
SHORT = 1e-3


def is_tensor(x):
    return type(x).__name__ == "Tensor"


def data(x):
    """The NumPy values of an array or Tensor."""
    return x.data if is_tensor(x) else np.asarray(x)


def sqrt(x):
    return x.sqrt() if is_tensor(x) else np.sqrt(x)


def cos(x):
    return x.cos() if is_tensor(x) else np.cos(x)


def sin(x):
    return x.sin() if is_tensor(x) else np.sin(x)


def relu(x):
    return x.relu() if is_tensor(x) else np.maximum(x, 0.0)


def abs(x):
    return x.abs() if is_tensor(x) else np.abs(x)


def maximum(a, b):
    return a + relu(b - a)


def where(mask, a, b):
    """a where mask holds, b elsewhere (mask is plain NumPy booleans)."""
    return tensor_index.where(mask, a, b) if is_tensor(a) or is_tensor(b) else np.where(mask, a, b)


def amax(x, axis=-1):
    return x.amax(axis) if is_tensor(x) else np.max(x, axis=axis)


def amin(x, axis=-1):
    return x.amin(axis) if is_tensor(x) else np.min(x, axis=axis)


def mean(x, axis=-1):
    return x.sum(axis=axis) / data(x).shape[axis]


def concat(blocks):
    """(n, k_i) arrays side by side as one (n, Σk_i) array."""
    if any(is_tensor(b) for b in blocks):
        return tensor_shape.cat(blocks, dim=1)
    return np.concatenate(blocks, axis=1)


def stack(columns):
    """(n,) arrays side by side as one (n, k) array."""
    if any(is_tensor(c) for c in columns):
        return tensor_shape.stack(columns, dim=-1)
    return np.stack(columns, axis=-1)
