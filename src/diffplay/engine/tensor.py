"""`Tensor`, complete: the core class (tensor_core.py) with the methods other modules define.

The core knows arithmetic, reductions and backward; the elementwise functions come from their
table (elementwise.py), indexing and reshaping from tensor_shape.py, the softmax family from
tensor_ops.py. Each is attached here, in one place, so that those modules can build on the
core without the core importing them back.
"""

from . import tensor_ops, tensor_shape
from .elementwise import ELEMENTWISE
from .tensor_core import Tensor, no_grad, node

__all__ = ["Tensor", "no_grad"]


def _elementwise_method(entry):
    forward, name = entry.forward, entry.name

    def method(self):
        out, vjp = forward(self.data)
        return node(out, (self,), vjp, name)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"{entry.doc[:1].upper()}{entry.doc[1:]}, elementwise (elementwise.py)."
    return method


def reshape(self, *shape):
    """The same entries in another shape: reshape(2, 3) or reshape((2, 3))."""
    return tensor_shape.reshape(self, shape[0] if len(shape) == 1 and isinstance(shape[0], tuple | list) else shape)


def transpose(self, *axes):
    """The axes permuted (reversed when none are given)."""
    return tensor_shape.transpose(self, axes[0] if len(axes) == 1 and isinstance(axes[0], tuple | list) else axes)


def gather(self, indices, axis=0):
    """Entries at integer `indices` along `axis` (an embedding lookup when axis=0)."""
    return tensor_shape.gather(self, indices, axis)


def softmax(self, axis=-1):
    return tensor_ops.softmax(self, axis)


def log_softmax(self, axis=-1):
    return tensor_ops.log_softmax(self, axis)


def logsumexp(self, axis=-1, keepdims=False):
    return tensor_ops.logsumexp(self, axis, keepdims)


METHODS = {
    **{entry.name: _elementwise_method(entry) for entry in ELEMENTWISE.values()},
    "reshape": reshape, "transpose": transpose, "T": property(lambda self: tensor_shape.transpose(self, ())),
    "__getitem__": tensor_shape.getitem, "gather": gather,
    "softmax": softmax, "log_softmax": log_softmax, "logsumexp": logsumexp,
}
for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
Tensor.__abs__ = Tensor.abs
