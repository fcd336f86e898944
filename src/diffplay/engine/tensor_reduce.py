"""Reductions over a Tensor's axes, with PyTorch's spellings and meanings.

`dim` is an axis, a tuple of them or None (all); `keepdim` keeps reduced axes as length 1.
NumPy's `axis=` / `keepdims=` are accepted as aliases (torch accepts them too). `max(dim)`
and `min(dim)` return (values, indices) as torch does; `amax` / `amin` are the plain
reductions, sharing the gradient between ties. A 0-d Tensor may be reduced over dim 0 or -1.
"""

import collections

import numpy as np

from .tensor_core import Tensor, axes, constant, maximum, minimum, node, one_axis

ValuesIndices = collections.namedtuple("ValuesIndices", "values indices")


def _spelling(dim, keepdim, axis, keepdims):
    """torch's dim / keepdim, or NumPy's axis / keepdims in their place."""
    return (dim if axis is None else axis), (keepdim if keepdims is None else keepdims)


def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _summed(x, dim, keepdim, axis, keepdims, "sum")


def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    return _summed(x, dim, keepdim, axis, keepdims, "mean")


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """Σ (x − mean)² / (n − correction): correction 1 (the default, Bessel's) or 0 (biased);
    `unbiased` is torch's older spelling of correction 1 or 0."""
    dim, keepdim = _spelling(dim, keepdim, axis, keepdims)
    if correction is None:
        correction = 1 if unbiased is None else int(bool(unbiased))
    a = x.data
    dims = axes(dim, a.ndim, "var")
    d = a - a.mean(axis=dims, keepdims=True)
    n = _count(a, dims)
    scale = 1.0 / (n - correction) if n > correction else np.nan   # nan, as torch, when too few
    out = (d * d).sum(axis=dims, keepdims=keepdim) * scale
    return node(out, (x,), lambda g: (expand(g, a.shape, dims, keepdim) * d * (2.0 * scale),), "var")


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None):
    """√var, with var's settings."""
    return var(x, dim, unbiased, keepdim, correction=correction, axis=axis, keepdims=keepdims).sqrt()


def amax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The largest entries; ties share the gradient equally (as torch.amax)."""
    return _extreme(x, np.max, *_spelling(dim, keepdim, axis, keepdims), "amax")


def amin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The smallest entries; ties share the gradient equally (as torch.amin)."""
    return _extreme(x, np.min, *_spelling(dim, keepdim, axis, keepdims), "amin")


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """torch's max: of everything (ties share the gradient), (values, indices) along `dim`,
    or, given a Tensor, the elementwise maximum."""
    return _max_or_min(_LARGEST, x, dim, keepdim, axis, keepdims)


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """torch's min: of everything, (values, indices) along `dim`, or the elementwise minimum."""
    return _max_or_min(_SMALLEST, x, dim, keepdim, axis, keepdims)


_LARGEST = ("max", np.max, np.argmax, maximum)
_SMALLEST = ("min", np.min, np.argmin, minimum)


def _max_or_min(which, x, dim, keepdim, axis, keepdims):
    op, reduce, pick, elementwise = which
    if type(dim) is Tensor:
        return elementwise(x, dim)
    dim, keepdim = _spelling(dim, keepdim, axis, keepdims)
    if dim is None:
        return _extreme(x, reduce, None, False, op)
    return _values_at(x, _arg(x, pick, dim, True, op), dim, keepdim, op)


def argmax(x, dim=None, keepdim=False):
    """The index of the largest entry (of the flattened Tensor when dim is None)."""
    return constant(_arg(x, np.argmax, dim, keepdim and dim is not None, "argmax"))


def argmin(x, dim=None, keepdim=False):
    return constant(_arg(x, np.argmin, dim, keepdim and dim is not None, "argmin"))


def topk(x, k, dim=-1, largest=True, sorted=True):
    """The k largest (or smallest) entries along `dim` and their indices, largest first."""
    a = x.data
    axis = one_axis(dim, a.ndim, "topk")
    n = a.shape[axis] if a.ndim else 1
    if not 0 <= k <= n:
        raise ValueError(f"topk: k ({k}) is out of range for a dim of size {n}")
    if not a.ndim:
        return _values_at(x, np.zeros((), np.int64), 0, True, "topk")
    order = np.argsort(-a if largest else a, axis=axis, kind="stable")
    index = np.take(order, np.arange(k), axis=axis).astype(np.int64)
    return _values_at(x, index, axis, True, "topk")


def prod(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The product of the entries; each entry's gradient is the product of all the others
    (exact when some are zero, as torch)."""
    dim, keepdim = _spelling(dim, keepdim, axis, keepdims)
    a = x.data
    if dim is None:
        flat = prod(x.reshape(-1), 0)
        return flat.reshape((1,) * a.ndim) if keepdim else flat
    axis = one_axis(dim, a.ndim, "prod")
    if not a.ndim:
        return node(a.copy(), (x,), lambda g: (g,), "prod")
    out = a.prod(axis=axis, keepdims=keepdim)
    return node(out, (x,), lambda g: (expand(g, a.shape, (axis,), keepdim) * _others(a, axis),), "prod")


def cumsum(x, dim):
    """Running sums along `dim`; the gradient is the running sum of g from the other end."""
    a = x.data
    axis = one_axis(dim, a.ndim, "cumsum")
    if not a.ndim:
        return node(a.copy(), (x,), lambda g: (g,), "cumsum")
    return node(np.cumsum(a, axis), (x,), lambda g: (np.flip(np.cumsum(np.flip(g, axis), axis), axis),), "cumsum")


# ---- helpers ----

def _summed(x, dim, keepdim, axis, keepdims, op):
    """The sum over dim, or for "mean" the sum divided by the count: one node either way."""
    if axis is not None or keepdims is not None:
        dim, keepdim = _spelling(dim, keepdim, axis, keepdims)
    a = x.data
    dims = None if dim is None else axes(dim, a.ndim, op)
    out = a.sum(axis=dims, keepdims=keepdim)
    if op == "sum":
        return node(out, (x,), lambda g: (expand(g, a.shape, dims, keepdim),), op)
    n = a.size if dims is None else _count(a, dims)
    return node(out / n, (x,), lambda g: (expand(g / n, a.shape, dims, keepdim),), op)


def expand(g, shape, dims, keepdim):
    """A reduction's output gradient, broadcast back over the axes `dims` it reduced."""
    if dims is not None and not keepdim:
        g = np.expand_dims(g, dims)
    return np.broadcast_to(g, shape)


def _count(a, dims):
    """How many entries each output of a reduction over `dims` sums."""
    if dims is None:
        return a.size
    n = 1
    for d in dims:
        n *= a.shape[d]
    return n


def _extreme(x, reduce, dim, keepdim, op):
    a = x.data
    dims = axes(dim, a.ndim, op)
    try:
        out = reduce(a, axis=dims, keepdims=keepdim)
    except ValueError:
        raise ValueError(f"{op}: cannot reduce over an empty axis (shape {a.shape})") from None

    def backward(g):
        hit = a == expand(out, a.shape, dims, keepdim)
        share = expand(g, a.shape, dims, keepdim) / hit.sum(axis=dims, keepdims=True, dtype=a.dtype)
        return (np.where(hit, share, 0.0),)

    return node(out, (x,), backward, op)


def _arg(x, pick, dim, keepdim, op):
    """The index array that `pick` (np.argmax or np.argmin) chooses along dim."""
    a = x.data
    if dim is None:
        axis = None
    else:
        axis = one_axis(dim, a.ndim, op)
        if not a.ndim:
            return np.zeros((), np.int64)
    if (a.size if axis is None else a.shape[axis]) == 0:   # other empty axes just make an empty answer
        raise ValueError(f"{op}: cannot reduce over an empty axis (shape {a.shape})")
    return np.asarray(pick(a, axis=axis, keepdims=keepdim), np.int64)


def _values_at(x, index, dim, keepdim, op):
    """(values, indices): the entries of x at `index` (of x's ndim, length k along dim), the
    gradient going back to exactly those entries."""
    a = x.data
    axis = one_axis(dim, a.ndim, op)
    if not a.ndim:
        return ValuesIndices(node(a.copy(), (x,), lambda g: (g,), op), constant(np.zeros((), np.int64)))
    values = np.take_along_axis(a, index, axis)

    def backward(g):
        full = np.zeros(a.shape, g.dtype)
        np.put_along_axis(full, index, g.reshape(index.shape), axis)   # the indices never repeat
        return (full,)

    if keepdim:
        return ValuesIndices(node(values, (x,), backward, op), constant(index))
    return ValuesIndices(node(values.squeeze(axis), (x,), backward, op), constant(index.squeeze(axis)))


def _others(a, axis):
    """Per entry, the product of the others along axis: the products before it times those after."""
    n = a.shape[axis]
    if n == 0:
        return np.zeros_like(a)
    ones = np.ones_like(np.take(a, [0], axis))
    before = np.cumprod(np.concatenate([ones, np.take(a, np.arange(n - 1), axis)], axis), axis)
    after = np.concatenate([np.take(a, np.arange(1, n), axis), ones], axis)
    after = np.flip(np.cumprod(np.flip(after, axis), axis), axis)
    return before * after
