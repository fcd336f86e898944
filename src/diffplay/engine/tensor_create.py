"""Making Tensors, with PyTorch's names: tensor (which keeps integers and booleans as they
are), zeros, ones, full, empty, their *_like twins, arange, linspace, eye.

Floats are float64 unless `dtype` says otherwise, as everywhere in diffplay (torch's default
is float32: pass dtype=float32 to match it).
"""

import numpy as np

from .tensor_core import Tensor, checked_dtype, constant

float32, float64, int64, bool_ = np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.bool_)


def tensor(data, dtype=None, requires_grad=False):
    """A Tensor of `data` (a copy) in the dtype it holds, as torch.tensor infers it: booleans
    stay boolean, integers integers (int64 from Python's), float32 arrays float32, other floats
    float64 (diffplay's default; torch's is float32)."""
    if dtype is None:
        found = np.asarray(data.data if type(data) is Tensor else data).dtype
        dtype = found if found.kind in "biu" or found == float32 else None
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def zeros(*size, dtype=None, requires_grad=False):
    return full(shape_of(size), 0.0, dtype=dtype, requires_grad=requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    return full(shape_of(size), 1.0, dtype=dtype, requires_grad=requires_grad)


def empty(*size, dtype=None, requires_grad=False):
    """zeros: diffplay's empty Tensors hold zeros, never garbage."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False):
    """Every entry fill_value; its dtype, unless given, follows the value's (bool, int64, float64)."""
    if dtype is None and isinstance(fill_value, bool | int):
        dtype = bool_ if isinstance(fill_value, bool) else int64
    return leaf(np.full(shape_of((size,)), fill_value, dtype_or_default(dtype)), requires_grad)


def zeros_like(x, dtype=None, requires_grad=False):
    return full(x.shape, 0, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad)


def ones_like(x, dtype=None, requires_grad=False):
    return full(x.shape, 1, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad)


def full_like(x, fill_value, dtype=None, requires_grad=False):
    return full(x.shape, fill_value, dtype=x.dtype if dtype is None else dtype, requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """start, start + step, … below end (arange(n) counts from 0); integers give int64."""
    if end is None:
        start, end = 0, start
    floats = any(isinstance(v, float) for v in (start, end, step))
    return leaf(np.arange(start, end, step, dtype=dtype_or_default(dtype) if dtype is not None or floats else int64),
                requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return leaf(np.linspace(start, end, steps, dtype=dtype_or_default(dtype)), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return leaf(np.eye(n, m, dtype=dtype_or_default(dtype)), requires_grad)


def leaf(array, requires_grad=False):
    """A Tensor over a fresh array (no copy)."""
    t = constant(array)
    return t.requires_grad_() if requires_grad else t


def dtype_or_default(dtype):
    """The dtype asked for (checked), float64 when none is."""
    return float64 if dtype is None else checked_dtype(dtype, "Tensor")


def shape_of(size):
    """torch's two spellings of a shape: zeros(2, 3) and zeros((2, 3))."""
    if len(size) == 1 and isinstance(size[0], tuple | list):
        return tuple(size[0])
    return tuple(size)
