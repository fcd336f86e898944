"""Normalizations, one node each with a hand-written gradient, with PyTorch's signatures:
layer_norm, rms_norm and batch_norm (training on the batch's statistics, evaluating on the
running ones it keeps).

Each divides x, centred or not, by its root mean square over some axes, then scales and
shifts by an optional weight and bias. Their gradients share one formula: for y = x̂·inv,
dx = inv·(gy − mean(gy) − y·mean(gy·y)) over the normalized axes (without the mean(gy)
term when x is not centred), the part along y and the mean being what normalizing removes.
"""

import math

import numpy as np

from . import tensor_kernels as kernels
from .tensor_core import Tensor, node, only_tensors, operand, unbroadcast


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """(x − mean) / √(var + eps) over the trailing `normalized_shape` axes, then · weight + bias."""
    a = input.data
    dims, n = _trailing(a, normalized_shape, "layer_norm")
    d = a - a.sum(dims, keepdims=True) / n   # sum / n: ndarray.mean costs twice as much at small sizes
    inv = kernels.inverse_rms(d, dims, n, eps)
    return _normalized(input, d * inv, inv, (dims, n), weight, bias, "layer_norm", centred=True)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / √(mean(x²) + eps) over the trailing `normalized_shape` axes, then · weight; eps None
    is the dtype's machine epsilon, as torch."""
    a = input.data
    dims, n = _trailing(a, normalized_shape, "rms_norm")
    eps = np.finfo(a.dtype).eps if eps is None else eps
    inv = kernels.inverse_rms(a, dims, n, eps)
    return _normalized(input, a * inv, inv, (dims, n), weight, None, "rms_norm", centred=False)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Each channel (axis 1 of (N, C) or (N, C, L…)) normalized over the batch and the rest.

    Training (or without running statistics) it uses the batch's mean and biased variance and
    moves the running ones, in place, `momentum` of the way towards the batch's mean and
    unbiased variance; evaluating, it uses the running ones (and no gradient flows to them).
    """
    a = input.data
    if a.ndim < 2:
        raise ValueError(f"batch_norm: expected (N, C) or (N, C, L...), got shape {a.shape}")
    dims = (0,) + tuple(range(2, a.ndim))
    channels = (1, -1) + (1,) * (a.ndim - 2)
    if training or running_mean is None:
        n = a.size // a.shape[1]
        mean, var = a.mean(dims, keepdims=True), a.var(dims, keepdims=True)
        if running_mean is not None:
            _move(running_mean, mean, momentum)
            _move(running_var, var * (n / max(n - 1, 1)), momentum)
        inv = 1.0 / np.sqrt(var + eps)
        return _normalized(input, (a - mean) * inv, inv, (dims, n), weight, bias, "batch_norm", centred=True,
                           channels=channels)
    mean, var = (operand(s, "batch_norm").reshape(channels) for s in (running_mean, running_var))
    inv = 1.0 / np.sqrt(var + eps)
    return _normalized(input, (a - mean) * inv, inv, None, weight, bias, "batch_norm", centred=False,
                       channels=channels)


def _trailing(a, normalized_shape, op):
    """The axes that normalized_shape names (the last ones; one as an int, which NumPy reduces
    over faster than a tuple) and how many entries they hold."""
    shape = (normalized_shape,) if type(normalized_shape) is int else tuple(normalized_shape)
    k = len(shape)
    if not 0 < k <= a.ndim or a.shape[a.ndim - k:] != shape:
        raise ValueError(f"{op}: normalized_shape {shape} is not the trailing shape of {a.shape}")
    return (a.ndim - 1, shape[0]) if k == 1 else (tuple(range(a.ndim - k, a.ndim)), math.prod(shape))


def _move(running, batch, momentum):
    """running ← (1 − momentum)·running + momentum·batch, in place (a Tensor's data or an array)."""
    r = running.data if type(running) is Tensor else running
    r *= 1.0 - momentum
    r += momentum * batch.reshape(r.shape)


def _normalized(x, y, inv, over, weight, bias, op, centred, channels=None):
    """The node y·weight + bias, where y is x normalized over `over` = (dims, their size), or
    by constants (over None)."""
    if weight is None and bias is None:   # the lean closure: a model calls this a few times a step
        return node(y, (x,), lambda g: (_through(g, y, inv, over, centred),), op)
    w = None if weight is None else operand(weight, op)
    b = None if bias is None else operand(bias, op)
    if channels is not None:   # batch_norm's (C,) weight and bias line up with axis 1
        w = None if w is None else w.reshape(channels)
        b = None if b is None else b.reshape(channels)
    out = y if w is None else y * w
    if b is not None:
        out = out + b
    inputs = tuple(t for t in (x, weight, bias) if t is not None)

    def backward(g):
        grads = [_through(g if w is None else g * w, y, inv, over, centred)]
        if weight is not None:
            grads.append(unbroadcast(g * y, w.shape).reshape(np.shape(weight)))
        if bias is not None:
            grads.append(unbroadcast(g, b.shape).reshape(np.shape(bias)))
        return only_tensors(grads, inputs)

    return node(out, only_tensors(inputs, inputs), backward, op)


def _through(gy, y, inv, over, centred):
    """The gradient of y = x̂·inv back to x: the docstring's formula."""
    if over is None:
        return gy * inv
    return kernels.normalized_grad(gy, y, inv, *over, centred=centred)
