"""Tensor ops that pick entries by position, with PyTorch's meanings: indexing (and writing
into a constant), gather, index_select, embedding, where, masked_fill, tril, triu, one_hot.

Indices may be integer or boolean Tensors as well as arrays. Gradients go back to the
entries picked, added up where one is picked more than once.
"""

import numpy as np

from . import tensor_kernels as kernels
from .tensor_core import Tensor, constant, node, one_axis, only_tensors, operand, unbroadcast


def getitem(x, index):
    """NumPy indexing; entries picked more than once get all their gradients added."""
    index = _plain(index)
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


def setitem(x, index, value):
    """`x[index] = value` into a constant (counts, masks); a Tensor in a graph is refused."""
    if x.requires_grad:
        raise RuntimeError("setitem: cannot write into a Tensor that requires grad (diffplay has no in-place "
                           "autograd); build a new one with where or masked_fill, or write into .data")
    x.data[_plain(index)] = operand(value, "setitem")


def _plain(index):
    """An index with its Tensors replaced by their arrays."""
    if type(index) is Tensor:
        return index.data
    if type(index) is tuple:
        return tuple([p.data if type(p) is Tensor else p for p in index])
    return index


def _is_basic(index):
    parts = index if type(index) is tuple else (index,)
    return all(type(p) is int or type(p) is slice or p is None or p is Ellipsis
               or isinstance(p, np.integer) for p in parts)


def gather(x, dim, index):
    """torch.gather: out[i, j] = x[index[i, j], j] along dim 0 (likewise for any dim); index has
    x's number of dims, and no more entries than x along the others."""
    a = x.data
    axis = one_axis(dim, a.ndim, "gather")
    idx = integer_indices(index, "gather")
    if idx.ndim != a.ndim or any(i > n for d, (i, n) in enumerate(zip(idx.shape, a.shape)) if d != axis):
        raise ValueError(f"gather: index of shape {idx.shape} does not fit input of shape {a.shape} along dim {dim}")
    _check_range(idx, a.shape[axis] if a.ndim else 1, axis, "gather")
    if not a.ndim:
        return node(a.copy(), (x,), lambda g: (g,), "gather")
    where = tuple(idx if d == axis else np.arange(n).reshape([-1 if e == d else 1 for e in range(a.ndim)])
                  for d, n in enumerate(idx.shape))

    def backward(g):
        full = np.zeros(a.shape, g.dtype)
        np.add.at(full, where, g)
        return (full,)

    return node(a[where], (x,), backward, "gather")


def index_select(x, dim, index):
    """The slices of x at integer `index` along `dim` (torch.index_select; any index shape)."""
    return _take(x, index, one_axis(dim, x.ndim, "index_select"), "index_select")


def embedding(input, weight):
    """The rows of `weight` at the integer ids `input` (torch.nn.functional.embedding)."""
    return _take(weight, input, 0, "embedding")


def _take(x, index, axis, op):
    a = x.data
    idx = integer_indices(index, op)
    _check_range(idx, a.shape[axis], axis, op)
    if axis == 0:   # an embedding lookup: the kernel a GPT's blocks use too
        out, vjp = kernels.embedding(a, idx)
        return node(out, (x,), vjp, op)
    where = (slice(None),) * axis + (idx,)

    def backward(g):
        full = np.zeros(a.shape, g.dtype)
        np.add.at(full, where, g)   # repeated indices add up
        return (full,)

    return node(np.take(a, idx, axis=axis), (x,), backward, op)


def integer_indices(indices, op):
    idx = np.asarray(indices.data if type(indices) is Tensor else indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be integers, got an array of {idx.dtype}")
    return idx


def _check_range(idx, size, axis, op):
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx[(idx < 0) | (idx >= size)].flat[0]
        raise IndexError(f"{op}: index {bad} is out of range for axis {axis} of size {size}")


def where(condition, x, y):
    """x where condition holds, else y (broadcasting all three); gradients follow the choice."""
    return _choose(condition, x, y, "where")


def masked_fill(x, mask, value):
    """x with `value` wherever mask holds (its gradient is 0 there)."""
    return _choose(mask, value, x, "masked_fill")


def _choose(condition, x, y, op):
    cond = np.asarray(condition.data if type(condition) is Tensor else condition, bool)
    a, b = operand(x, op), operand(y, op)
    try:
        out = np.where(cond, a, b)
    except ValueError:
        raise ValueError(f"{op}: shapes {', '.join(str(np.shape(v)) for v in (cond, a, b))} do not broadcast") from None

    def backward(g):
        grads = (unbroadcast(np.where(cond, g, 0.0), np.shape(a)),
                 unbroadcast(np.where(cond, 0.0, g), np.shape(b)))
        return only_tensors(grads, (x, y))

    return node(out, only_tensors((x, y), (x, y)), backward, op)


def tril(x, diagonal=0):
    """The lower triangle of the last two axes (entries above `diagonal` set to 0)."""
    return node(np.tril(x.data, diagonal), (x,), lambda g: (np.tril(g, diagonal),), "tril")


def triu(x, diagonal=0):
    """The upper triangle of the last two axes (entries below `diagonal` set to 0)."""
    return node(np.triu(x.data, diagonal), (x,), lambda g: (np.triu(g, diagonal),), "triu")


def one_hot(tensor, num_classes=-1):
    """An integer Tensor with one more axis: 1 at each index, 0 elsewhere (no gradient)."""
    idx = integer_indices(tensor, "one_hot")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    _check_range(idx, num_classes, idx.ndim, "one_hot")
    return constant((idx[..., None] == np.arange(num_classes)).astype(np.int64))
