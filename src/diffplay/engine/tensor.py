"""`Tensor`, complete: the core class (tensor_core.py) with the methods other modules define.

The core knows arithmetic, comparisons and backward; the elementwise functions come from
their table (elementwise.py), reductions from tensor_reduce.py, reshaping from
tensor_shape.py, indexing from tensor_index.py, the softmax family from tensor_ops.py. Each is
attached here, in one place, so that those modules can build on the core without the core
importing them back. The names and their meanings are PyTorch's (`transpose(0, 1)` swaps two
dims, `max(dim)` gives values and indices); a function that takes a Tensor first is attached
as it is, so a method costs no extra call.
"""

import numpy as np

from . import tensor_index, tensor_ops, tensor_reduce, tensor_shape
from .elementwise import ELEMENTWISE
from .tensor_core import Tensor, cast, constant, dtype_of, maximum, minimum, no_grad, node
from .tensor_create import float32, float64, int64, shape_of

__all__ = ["Tensor", "no_grad"]


def _elementwise_method(entry):
    forward, name, params = entry.forward, entry.name, entry.params

    if not params:
        def method(self):
            out, vjp = forward(self.data)
            return node(out, (self,), vjp, name)
    else:
        def method(self, *args, **settings):
            settings = {**dict(zip(params, args)), **settings}
            out, vjp = forward(self.data, **settings)
            return node(out, (self,), vjp, name)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"{entry.doc[:1].upper()}{entry.doc[1:]}, elementwise (elementwise.py)."
    return method


def reshape(self, *shape):
    """The same entries in another shape: reshape(2, 3) or reshape((2, 3)); view is the same."""
    return tensor_shape.reshape(self, shape_of(shape))


def permute(self, *dims):
    return tensor_shape.permute(self, shape_of(dims))


def expand(self, *sizes):
    return tensor_shape.expand(self, shape_of(sizes))


def flip(self, *dims):
    return tensor_shape.flip(self, shape_of(dims))


def to(self, *args, dtype=None):
    """In another dtype: to(float32), to(other_tensor); to('cpu') changes nothing."""
    dtype = dtype_of(args, dtype, "to")
    return self if dtype is None else cast(self, dtype, "to")


def _clone(self):
    return node(self.data.copy(), (self,), lambda g: (g,), "clone")


METHODS = {
    **{entry.name: _elementwise_method(entry) for entry in ELEMENTWISE.values()},
    # reductions
    **{name: getattr(tensor_reduce, name) for name in (
        "sum", "mean", "var", "std", "amax", "amin", "max", "min", "argmax", "argmin", "topk", "prod", "cumsum")},
    "logsumexp": tensor_ops.logsumexp, "softmax": tensor_ops.softmax, "log_softmax": tensor_ops.log_softmax,
    "any": lambda self, dim=None, keepdim=False: constant(np.any(self.data, dim, keepdims=keepdim)),
    "all": lambda self, dim=None, keepdim=False: constant(np.all(self.data, dim, keepdims=keepdim)),
    # shapes
    "reshape": reshape, "view": reshape, "permute": permute, "expand": expand, "flip": flip,
    "transpose": tensor_shape.transpose, "T": property(tensor_shape.reversed_axes),
    "mT": property(lambda self: tensor_shape.transpose(self, -2, -1)),
    "flatten": tensor_shape.flatten, "unsqueeze": tensor_shape.unsqueeze, "squeeze": tensor_shape.squeeze,
    "split": tensor_shape.split, "chunk": tensor_shape.chunk,
    "view_as": lambda self, other: tensor_shape.reshape(self, other.shape),
    "expand_as": lambda self, other: tensor_shape.expand(self, other.shape),
    # indexing
    "__getitem__": tensor_index.getitem, "__setitem__": tensor_index.setitem, "gather": tensor_index.gather,
    "index_select": tensor_index.index_select, "masked_fill": tensor_index.masked_fill,
    "tril": tensor_index.tril, "triu": tensor_index.triu,
    # arithmetic by name, and dtypes
    "maximum": maximum, "minimum": minimum, "pow": Tensor.__pow__, "clone": _clone, "to": to,
    "nelement": Tensor.numel,
    "contiguous": lambda self, memory_format=None: self,   # nothing to do: a view never shares memory here
    "float": lambda self: cast(self, float32, "float"), "double": lambda self: cast(self, float64, "double"),
    "long": lambda self: cast(self, int64, "long"), "int": lambda self: cast(self, np.int32, "int"),
    "bool": lambda self: cast(self, np.bool_, "bool"),
}
for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
Tensor.__abs__ = Tensor.abs
