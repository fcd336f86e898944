"""`import diffplay.torch as torch`: lecture code written for PyTorch, run on diffplay.

A thin namespace, nothing of its own: Tensor and the creation, random and op functions of
diffplay.engine, `torch.nn` (diffplay.nn, with nn.functional), `torch.optim` (diffplay.optim),
the dtypes as NumPy's, and torch.NAME(x, …) for each Tensor method NAME. What it lacks, it says:
`torch.fft` raises AttributeError naming the missing op. Floats are float64 unless asked
(torch's default is float32), everything runs on the CPU, and random numbers come from
diffplay's generator, not torch's.
"""

import builtins

import numpy as np

from . import nn, optim
from .engine.tensor import Tensor, no_grad
from .engine.tensor_core import constant, is_grad_enabled
from .engine.tensor_create import (arange, empty, eye, full, full_like, linspace, ones, ones_like, tensor, zeros,
                                   zeros_like)
from .engine.tensor_ops import cat, concat, einsum, stack, where
from .engine.tensor_random import Generator, default_generator, manual_seed, multinomial, rand, randint, randn, randperm
from .errors import missing_from

inf, nan, pi, e = np.inf, np.nan, np.pi, np.e
Size = tuple


def is_tensor(x):
    return isinstance(x, Tensor)


def from_numpy(array):
    """A Tensor over `array` itself (float arrays; others as constants), as torch.from_numpy shares."""
    return Tensor.wrap(array) if array.dtype in (np.float32, np.float64) else constant(array)


def allclose(a, b, rtol=1e-5, atol=1e-8):
    return builtins.bool(np.allclose(_data(a), _data(b), rtol=rtol, atol=atol))


def randn_like(x, generator=None):
    return randn(*x.shape, generator=generator, dtype=x.dtype)


def rand_like(x, generator=None):
    return rand(*x.shape, generator=generator, dtype=x.dtype)


def _data(x):
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _method_as_function(name):
    """torch.NAME(input, …) = input.NAME(…), a constant Tensor made of input if it is not one."""
    def function(input, *args, **kwargs):
        return getattr(input if isinstance(input, Tensor) else tensor(input), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = getattr(Tensor, name).__doc__
    return function


METHOD_FUNCTIONS = (
    "abs", "all", "amax", "amin", "any", "argmax", "argmin", "chunk", "clamp", "clip", "clone", "cos", "cumsum",
    "detach", "exp", "flatten", "flip", "gather", "index_select", "log", "log_softmax", "logsumexp", "masked_fill",
    "matmul", "max", "maximum", "mean", "min", "minimum", "numel", "permute", "pow", "prod", "relu", "reshape",
    "sigmoid", "sin", "softmax", "split", "sqrt", "squeeze", "std", "sum", "tanh", "topk", "transpose", "tril",
    "triu", "unsqueeze", "var",
)
globals().update({name: _method_as_function(name) for name in METHOD_FUNCTIONS})


__getattr__ = missing_from("diffplay.torch", "torch")


float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int64 = long = np.dtype(np.int64)
int32 = int = np.dtype(np.int32)
bool = np.dtype(np.bool_)   # noqa: A001 (torch.bool), last: nothing here calls the builtin after

__all__ = [
    "Generator", "Size", "Tensor", "allclose", "arange", "bool", "cat", "concat", "default_generator", "double", "e",
    "einsum", "empty", "eye", "float", "float32", "float64", "from_numpy", "full", "full_like", "inf", "int",
    "int32", "int64", "is_grad_enabled", "is_tensor", "linspace", "long", "manual_seed", "multinomial",
    "nan", "nn", "no_grad", "ones", "ones_like", "optim", "pi", "rand", "rand_like", "randint", "randn",
    "randn_like", "randperm", "stack", "tensor", "where", "zeros", "zeros_like", *METHOD_FUNCTIONS,
]
