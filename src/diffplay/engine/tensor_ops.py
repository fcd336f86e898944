"""Fused Tensor ops: one node each, with a hand-written vector-Jacobian product.

A chain of small ops costs a node, a closure and a NumPy call per link; these do the whole
chain at once and derive the gradient in closed form, which is both faster and steadier
(softmax never divides by an overflowed sum). This module is also the one namespace for the
Tensor functions that are not methods (concat, stack, where and the spectral loss included).

`fused_op` makes your own, from a forward that returns its output and its vector-Jacobian
product side by side:

    @fused_op
    def hypot(x, y):
        d = np.sqrt(x * x + y * y)
        return d, lambda g: (g * x / d, g * y / d)   # d|v|/dv = v/|v|
"""

import functools

import numpy as np

from . import tensor_kernels as kernels
from .spectral import stft_loss
from .tensor_core import Tensor, needs_grad, node, only_tensors, operand, unbroadcast
from .tensor_shape import concat, gather, integer_indices, stack, where


def fused_op(forward, name=None):
    """Make `forward(*arrays, **settings) -> (out, vjp)` an op of one graph node.

    The op takes Tensors, arrays or numbers as positional inputs (keyword settings are passed
    through untraced) and hands forward their arrays. `vjp(g)` returns one gradient per
    positional input, Σ g·∂out/∂input, or None for an input that has none; a gradient of a
    broadcast shape is summed back to its input's shape. With a Tensor among the inputs the
    op returns a Tensor named `name` (forward's name by default); with none, forward's array
    as it is, so one function serves both plain NumPy evaluation and traced code.
    """
    name = name or forward.__name__.lstrip("_")

    def op(*inputs, **settings):
        arrays, traced = [], []   # loops, not comprehensions: this runs for every node
        for i, x in enumerate(inputs):
            if type(x) is Tensor:
                arrays.append(x.data)
                traced.append(i)
            else:
                arrays.append(operand(x, name))
        out, vjp = forward(*arrays, **settings)
        if not traced:
            return out

        def backward(g):
            grads = vjp(g)
            if type(grads) is not tuple and type(grads) is not list or len(grads) != len(inputs):
                raise ValueError(f"{name}: vjp must return a tuple of {len(inputs)} gradients, one per "
                                 f"input, got {_count(grads)}")
            fitted = []
            for i in traced:
                grad, shape = grads[i], arrays[i].shape
                fitted.append(grad if grad is None or type(grad) is np.ndarray and grad.shape == shape
                              else _fitted(grad, shape, name, i))
            return fitted

        return node(out, tuple([inputs[i] for i in traced]), backward, name)

    functools.update_wrapper(op, forward)
    op.__name__, op.forward = name, forward
    return op


def _count(grads):
    return f"{len(grads)}" if isinstance(grads, tuple | list) else type(grads).__name__


def _fitted(grad, shape, name, i):
    """A gradient from a fused op's vjp in its input's shape: broadcast axes summed."""
    grad = unbroadcast(np.asarray(grad), shape) if np.ndim(grad) >= len(shape) else np.asarray(grad)
    if grad.shape != shape:
        raise ValueError(f"{name}: vjp returned a gradient of shape {grad.shape} for input {i} of shape {shape}")
    return grad


def linear(x, weight, bias=None):
    """x @ weight.T + bias in one node; weight is (out, in), as torch.nn.functional.linear."""
    a, w = operand(x, "linear"), operand(weight, "linear")
    try:
        out, vjp = kernels.linear(a, w, (needs_grad(x), needs_grad(weight)))
    except ValueError:
        raise ValueError(f"linear: input of shape {np.shape(a)} does not fit weight of shape {np.shape(w)}") from None
    if bias is None:
        inputs = (x, weight)
        return node(out, only_tensors(inputs, inputs), lambda g: only_tensors(vjp(g), inputs), "linear")
    b = operand(bias, "linear")
    if np.shape(b) != out.shape[-1:]:
        raise ValueError(f"linear: bias of shape {np.shape(b)} does not fit {out.shape[-1]} outputs")
    out += b
    inputs, need_b = (x, weight, bias), needs_grad(bias)

    def backward(g):
        grad_b = np.ones(g.size // g.shape[-1], g.dtype) @ g.reshape(-1, g.shape[-1]) if need_b else None   # column sums, via BLAS
        return only_tensors((*vjp(g), grad_b), inputs)

    return node(out, only_tensors(inputs, inputs), backward, "linear")


# ---- softmax family ----

def softmax(x, axis=-1):
    """exp(x) / Σ exp(x) along `axis`."""
    p, vjp = kernels.softmax(x.data, axis)
    return node(p, (x,), vjp, "softmax")


def log_softmax(x, axis=-1):
    """x − logsumexp(x) along `axis`; its gradient is g − softmax·Σg."""
    a = x.data
    shifted = a - a.max(axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))
    return node(out, (x,), lambda g: (g - np.exp(out) * g.sum(axis, keepdims=True),), "log_softmax")


def logsumexp(x, axis=-1, keepdims=False):
    """log Σ exp(x) along `axis`, shifted by the max so it never overflows; gradient softmax."""
    a = x.data
    top = a.max(axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)   # all −inf (or an inf) needs no shift
    kept = top + np.log(np.exp(a - top).sum(axis, keepdims=True))
    out = kept if keepdims else np.squeeze(kept, axis)

    def backward(g):
        return ((g if keepdims else np.expand_dims(g, axis)) * np.exp(a - kept),)

    return node(out, (x,), backward, "logsumexp")


def cross_entropy(logits, targets, ignore_index=-100, mask=None, reduction="mean"):
    """−log softmax(logits)[target], averaged (or summed) over the targets that count.

    logits is (..., classes), targets integers of shape (...). A target equal to
    `ignore_index` (torch's default, -100) or where `mask` is False counts for nothing:
    the way to pad a batch of sequences of different lengths.
    """
    a = logits.data
    classes = a.shape[-1]
    t = integer_indices(targets, "cross_entropy")
    if t.shape != a.shape[:-1]:
        raise ValueError(f"cross_entropy: logits of shape {a.shape} need targets of shape "
                         f"{a.shape[:-1]}, got {t.shape}")
    z, t = a.reshape(-1, classes), t.reshape(-1)
    keep = t != ignore_index
    if mask is not None:
        keep &= np.asarray(mask, bool).reshape(-1)
    safe = np.where(keep, t, 0)
    if safe.min() < 0 or safe.max() >= classes:
        bad = t[keep & ((t < 0) | (t >= classes))][0]
        raise IndexError(f"cross_entropy: target {bad} is out of range for {classes} classes")
    count = int(keep.sum())
    if count == 0:
        raise ValueError("cross_entropy: every target is ignored; there is nothing to average")
    out, vjp = kernels.cross_entropy(z, safe, keep, _reduction_scale(reduction, count))
    return node(out, (logits,), lambda g: (vjp(g)[0].reshape(a.shape),), "cross_entropy")


def _reduction_scale(reduction, count):
    if reduction == "mean":
        return 1.0 / count
    if reduction == "sum":
        return 1.0
    raise ValueError(f"cross_entropy: reduction must be 'mean' or 'sum', got {reduction!r}")


# ---- normalization and attention ----

def rms_norm(x, eps=1e-5, axis=-1):
    """x / √(mean(x²) + eps) along `axis` (no learned scale; multiply one in if wanted)."""
    y, vjp = kernels.rms_norm(x.data, eps, axis)
    return node(y, (x,), vjp, "rms_norm")


def attention_weights(q, k, n_head=1, causal=True):
    """softmax(q kᵀ / √d) per head, the weights `attention` mixes v with, as a plain array.

    q is (..., Tq, C), k is (..., Tk, C); the result is (..., n_head, Tq, Tk) and builds no
    graph: it is for showing where each head looks, not for training.
    """
    Q, K = _heads(n_head, causal, q=q, k=k)
    return kernels.weights(Q, K, causal)


def attention(q, k, v, n_head=1, causal=True):
    """softmax(q kᵀ / √d) v for each of n_head heads, in one node.

    q is (..., Tq, C), k and v are (..., Tk, C) with C = n_head · d. With `causal`, query i
    sees keys up to i + Tk − Tq (so the queries are the last Tq positions of the keys).
    """
    _heads(n_head, causal, q=q, k=k, v=v)
    out, vjp = kernels.attention(*(operand(t, "attention") for t in (q, k, v)), n_head, causal)
    inputs = (q, k, v)
    return node(out, only_tensors(inputs, inputs), lambda g: only_tensors(vjp(g), inputs), "attention")


def _heads(n_head, causal, **named):
    """The named inputs (q, k and maybe v) split into heads, once they are checked to fit."""
    arrays = {name: operand(t, "attention") for name, t in named.items()}
    for name, a in arrays.items():
        if a.ndim < 2 or a.shape[-1] % n_head:
            raise ValueError(f"attention: {name} of shape {a.shape} does not split into {n_head} heads")
    Q, K, *rest = (kernels.split_heads(a, n_head) for a in arrays.values())
    if any(V.shape != K.shape for V in rest) or Q.shape[:-2] != K.shape[:-2] or Q.shape[-1] != K.shape[-1]:
        shapes = ", ".join(str(np.shape(a)) for a in arrays.values())
        raise ValueError(f"attention: {', '.join(arrays)} of shapes {shapes} do not fit together")
    if causal and Q.shape[-2] > K.shape[-2]:
        raise ValueError(f"attention: causal with more queries ({Q.shape[-2]}) than keys ({K.shape[-2]}); "
                         "the first queries would see nothing")
    return (Q, K, *rest)


__all__ = [
    "attention", "attention_weights", "concat", "cross_entropy", "fused_op", "gather", "linear", "log_softmax",
    "logsumexp", "rms_norm", "softmax", "stack", "stft_loss", "where",
]
