"""Convolution and pooling over 1 or 2 spatial axes, with torch's signatures (conv1d, conv2d,
max_pool1d/2d, avg_pool1d/2d), one node each.

Input is (N, C, *spatial) (or (C, *spatial), one sample). Every window the kernel visits is
one strided view of the zero-padded input (no copy), so the forward pass is one tensordot;
the gradient goes back to the input one kernel offset at a time (a handful of slices).
"""

import itertools
import math

import numpy as np

from .tensor_core import needs_grad, node, only_tensors, operand


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Cross-correlation of (N, C, L) with weight (O, C, K), plus bias (O,)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Cross-correlation of (N, C, H, W) with weight (O, C, KH, KW), plus bias (O,)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 1, "max_pool1d")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, 2, "max_pool2d")


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, 1, "avg_pool1d")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, 2, "avg_pool2d")


# ---- the three ops ----

def _conv(x, w, bias, stride, padding, dilation, groups, nd, op):
    if groups != 1:
        raise NotImplementedError(f"{op}: groups other than 1 are not implemented in diffplay")
    a, k = operand(x, op), operand(w, op)
    if k.ndim != nd + 2 or a.ndim not in (nd + 1, nd + 2) or a.shape[-nd - 1] != k.shape[1]:
        raise ValueError(f"{op}: input of shape {a.shape} does not fit weight of shape {k.shape} "
                         f"(input (N, C, ...) and weight (O, C, ...) with {nd} spatial axes)")
    if a.ndim == nd + 1:   # one sample: as a batch of one
        return _conv(x[None], w, bias, stride, padding, dilation, groups, nd, op)[0]
    plan = _Windows(a, k.shape[2:], stride, padding, dilation, 0.0, op)
    views = plan.views
    reduce_axes = [1] + list(range(2 + nd, 2 + 2 * nd))
    out = np.moveaxis(np.tensordot(views, k, axes=(reduce_axes, list(range(1, nd + 2)))), -1, 1)
    if bias is not None:
        out = out + operand(bias, op).reshape((-1,) + (1,) * nd)
    inputs = (x, w) if bias is None else (x, w, bias)
    spatial = list(range(2, 2 + nd))

    def backward(g):
        dx = plan.scatter(lambda offset: np.moveaxis(np.tensordot(g, k[(slice(None), slice(None)) + offset],
                                                                  axes=([1], [0])), -1, 1)) if needs_grad(x) else None
        dw = np.tensordot(g, views, axes=([0] + spatial, [0] + spatial)) if needs_grad(w) else None
        grads = (dx, dw) if bias is None else (dx, dw, g.sum(axis=tuple([0] + spatial)))
        return only_tensors(grads, inputs)

    return node(out, only_tensors(inputs, inputs), backward, op)


def _max_pool(x, kernel_size, stride, padding, dilation, ceil_mode, nd, op):
    a = _pool_input(x, ceil_mode, nd, op)
    if a.ndim == nd + 1:
        return _max_pool(x[None], kernel_size, stride, padding, dilation, ceil_mode, nd, op)[0]
    kernel = _ints(kernel_size, nd, op, "kernel_size")
    plan = _Windows(a, kernel, kernel if stride is None else stride, padding, dilation, -np.inf, op)
    flat = plan.views.reshape(plan.views.shape[:2 + nd] + (-1,))
    pick = flat.argmax(-1)
    out = np.take_along_axis(flat, pick[..., None], -1)[..., 0]
    offsets = np.unravel_index(pick, kernel)
    grid = np.indices(pick.shape, sparse=True)
    where = tuple(grid[:2]) + tuple(grid[2 + i] * plan.stride[i] + offsets[i] * plan.dilation[i] for i in range(nd))

    def backward(g):
        full = np.zeros(plan.padded_shape, g.dtype)
        np.add.at(full, where, g)   # overlapping windows may pick one entry twice
        return (full[plan.inside],)

    return node(out, (x,), backward, op)


def _avg_pool(x, kernel_size, stride, padding, ceil_mode, count_include_pad, nd, op):
    if not count_include_pad:
        raise NotImplementedError(f"{op}: count_include_pad=False is not implemented in diffplay")
    a = _pool_input(x, ceil_mode, nd, op)
    if a.ndim == nd + 1:
        return _avg_pool(x[None], kernel_size, stride, padding, ceil_mode, count_include_pad, nd, op)[0]
    kernel = _ints(kernel_size, nd, op, "kernel_size")
    plan = _Windows(a, kernel, kernel if stride is None else stride, padding, 1, 0.0, op)
    share = 1.0 / math.prod(kernel)
    out = plan.views.sum(tuple(range(2 + nd, 2 + 2 * nd))) * share
    return node(out, (x,), lambda g: (plan.scatter(lambda offset: g * share),), op)


# ---- windows ----

class _Windows:
    """Every window a kernel visits in the padded input, as one strided view
    (N, C, *out, *kernel), and the way back: sums per kernel offset, into the input's shape."""

    def __init__(self, a, kernel, stride, padding, dilation, fill, op):
        nd = len(kernel)
        self.kernel, self.stride = _ints(kernel, nd, op, "kernel size", 1), _ints(stride, nd, op, "stride", 1)
        self.dilation, padding = _ints(dilation, nd, op, "dilation", 1), _ints(padding, nd, op, "padding", 0)
        padded = np.pad(a, [(0, 0), (0, 0)] + [(p, p) for p in padding], constant_values=fill)
        reach = [d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation)]
        if any(r > n for r, n in zip(reach, padded.shape[2:])):
            raise ValueError(f"{op}: a kernel of {self.kernel} (dilation {self.dilation}) does not fit "
                             f"input of shape {a.shape} padded by {padding}")
        views = np.lib.stride_tricks.sliding_window_view(padded, reach, axis=tuple(range(2, 2 + nd)))
        self.views = views[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in self.stride)
                           + tuple(slice(None, None, d) for d in self.dilation)]
        self.out = self.views.shape[2:2 + nd]
        self.padded_shape = padded.shape
        self.inside = (slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in zip(padding, a.shape[2:]))

    def scatter(self, at_offset):
        """Σ over kernel offsets of at_offset(offset) (N, C, *out), each added where that
        offset's windows read, then cut back to the unpadded input."""
        full = None
        for offset in itertools.product(*(range(k) for k in self.kernel)):
            part = at_offset(offset)
            if full is None:
                full = np.zeros(self.padded_shape, part.dtype)
            reads = tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                          for o, d, s, n in zip(offset, self.dilation, self.stride, self.out))
            full[(slice(None), slice(None)) + reads] += part
        return full[self.inside]


def _pool_input(x, ceil_mode, nd, op):
    if ceil_mode:
        raise NotImplementedError(f"{op}: ceil_mode=True is not implemented in diffplay")
    a = operand(x, op)
    if a.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{op}: expected (N, C, ...) or (C, ...) with {nd} spatial axes, got shape {a.shape}")
    return a


def _ints(value, nd, op, name, low=1):
    values = (value,) * nd if isinstance(value, int) else tuple(value)
    if len(values) != nd or any(not isinstance(v, int) or v < low for v in values):
        raise ValueError(f"{op}: {name} must be an int >= {low} or {nd} of them, got {value!r}")
    return values
