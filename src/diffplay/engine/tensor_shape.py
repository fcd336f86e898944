"""Tensor ops that select and arrange entries without arithmetic: reshape, transpose,
indexing, gather, concat, stack, where. Their gradients route each entry back to its source.
"""

import numpy as np

from . import tensor_kernels as kernels
from .tensor_core import Tensor, node, only_tensors, operand, unbroadcast


def reshape(x, shape):
    a = x.data
    try:
        out = a.reshape(shape)
    except (ValueError, TypeError):
        wanted = tuple(shape) if isinstance(shape, tuple | list) else (shape,)
        raise ValueError(f"reshape: cannot reshape shape {a.shape} into {wanted}") from None
    return node(out, (x,), lambda g: (g.reshape(a.shape),), "reshape")


def transpose(x, axes):
    """The axes permuted (reversed when `axes` is empty)."""
    a = x.data
    axes = tuple(axes) or tuple(range(a.ndim))[::-1]
    try:
        out = a.transpose(axes)
    except (ValueError, TypeError):
        raise ValueError(f"transpose: axes {axes} do not permute the {a.ndim} axes of shape {a.shape}") from None
    undo = tuple(np.argsort(axes))
    return node(out, (x,), lambda g: (g.transpose(undo),), "transpose")


def getitem(x, index):
    """NumPy indexing; entries picked more than once get all their gradients added."""
    if type(index) is Tensor:
        index = index.data
    a = x.data
    try:
        out = a[index]
    except IndexError as e:
        raise IndexError(f"index: {e}") from None
    if _is_basic(index):   # slices and ints pick each entry at most once: assigning is enough

        def backward(g):
            full = np.zeros(a.shape, g.dtype)
            full[index] = g
            return (full,)
    else:

        def backward(g):
            full = np.zeros(a.shape, g.dtype)
            np.add.at(full, index, g)   # unlike `full[index] += g`, adds every repeat
            return (full,)

    return node(out, (x,), backward, "index")


def _is_basic(index):
    parts = index if type(index) is tuple else (index,)
    return all(type(p) is int or type(p) is slice or p is None or p is Ellipsis
               or isinstance(p, np.integer) for p in parts)


def gather(x, indices, axis=0):
    """Entries at integer `indices` along `axis` (an embedding lookup when axis=0)."""
    a = x.data
    idx = integer_indices(indices, "gather")
    size = a.shape[axis]
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx[(idx < 0) | (idx >= size)].flat[0]
        raise IndexError(f"gather: index {bad} is out of range for axis {axis} of size {size}")
    if axis % a.ndim == 0:   # an embedding lookup: the kernel a GPT's blocks use too
        out, vjp = kernels.embedding(a, idx)
        return node(out, (x,), vjp, "gather")
    out = np.take(a, idx, axis=axis)
    where = (slice(None),) * (axis % a.ndim) + (idx,)

    def backward(g):
        full = np.zeros(a.shape, g.dtype)
        np.add.at(full, where, g)   # repeated indices add up
        return (full,)

    return node(out, (x,), backward, "gather")


def integer_indices(indices, op):
    idx = np.asarray(indices.data if type(indices) is Tensor else indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got an array of {idx.dtype}")
    return idx


def concat(tensors, axis=0):
    """Tensors (or arrays) joined along an existing axis."""
    tensors, arrays = _operands(tensors, "concat")
    try:
        out = np.concatenate(arrays, axis)
    except ValueError:
        raise ValueError(f"concat: shapes {_shapes(arrays)} do not fit together along axis {axis}") from None
    cuts = np.cumsum([np.shape(a)[axis] for a in arrays])[:-1]

    def backward(g):
        return only_tensors(np.split(g, cuts, axis), tensors)

    return node(out, only_tensors(tensors, tensors), backward, "concat")


def stack(tensors, axis=0):
    """Tensors (or arrays) of one shape, stacked along a new axis."""
    tensors, arrays = _operands(tensors, "stack")
    try:
        out = np.stack(arrays, axis)
    except ValueError:
        raise ValueError(f"stack: shapes {_shapes(arrays)} differ; stack needs equal shapes") from None

    def backward(g):
        return only_tensors(list(np.moveaxis(g, axis, 0)), tensors)

    return node(out, only_tensors(tensors, tensors), backward, "stack")


def where(condition, x, y):
    """x where condition holds, else y (broadcasting all three); gradients follow the choice."""
    cond = np.asarray(condition.data if type(condition) is Tensor else condition, bool)
    a, b = operand(x, "where"), operand(y, "where")
    try:
        out = np.where(cond, a, b)
    except ValueError:
        raise ValueError(f"where: shapes {_shapes([cond, a, b])} do not broadcast") from None

    def backward(g):
        grads = (unbroadcast(np.where(cond, g, 0.0), np.shape(a)),
                 unbroadcast(np.where(cond, 0.0, g), np.shape(b)))
        return only_tensors(grads, (x, y))

    return node(out, only_tensors((x, y), (x, y)), backward, "where")


def _operands(tensors, op):
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: needs at least one input, got none")
    return tensors, [operand(t, op) for t in tensors]


def _shapes(arrays):
    return ", ".join(str(np.shape(a)) for a in arrays)
