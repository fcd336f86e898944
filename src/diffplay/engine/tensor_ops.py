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
import math

import numpy as np

from .spectral import stft_loss
from .tensor_core import Tensor, checked_axis, needs_grad, node, only_tensors, operand, unbroadcast
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
        arrays = [operand(x, name) for x in inputs]
        out, vjp = forward(*arrays, **settings)
        tensors = tuple([x for x in inputs if type(x) is Tensor])
        if not tensors:
            return out

        def backward(g):
            grads = vjp(g)
            if not isinstance(grads, tuple | list) or len(grads) != len(inputs):
                raise ValueError(f"{name}: vjp must return a tuple of {len(inputs)} gradients, one per "
                                 f"input, got {_count(grads)}")
            return tuple([_fitted(grad, a, name, i) for i, (grad, a, x) in enumerate(zip(grads, arrays, inputs))
                          if type(x) is Tensor])

        return node(out, tensors, backward, name)

    functools.update_wrapper(op, forward)
    op.__name__, op.forward = name, forward
    return op


def _count(grads):
    return f"{len(grads)}" if isinstance(grads, tuple | list) else type(grads).__name__


def _fitted(grad, a, name, i):
    """A gradient from a fused op's vjp, in its input's shape (broadcast axes summed)."""
    if grad is None:
        return None
    shape = np.shape(a)
    if np.shape(grad) != shape:
        grad = unbroadcast(np.asarray(grad), shape) if np.ndim(grad) >= len(shape) else np.asarray(grad)
        if grad.shape != shape:
            raise ValueError(f"{name}: vjp returned a gradient of shape {np.shape(grad)} for input {i} "
                             f"of shape {shape}")
    return grad


def linear(x, weight, bias=None):
    """x @ weight.T + bias in one node; weight is (out, in), as torch.nn.functional.linear."""
    a, w = operand(x, "linear"), operand(weight, "linear")
    try:
        out = a @ w.T
    except ValueError:
        raise ValueError(f"linear: input of shape {np.shape(a)} does not fit weight of shape {np.shape(w)}") from None
    if bias is not None:
        b = operand(bias, "linear")
        if np.shape(b) != out.shape[-1:]:
            raise ValueError(f"linear: bias of shape {np.shape(b)} does not fit {out.shape[-1]} outputs")
        out += b
    inputs = (x, weight) if bias is None else (x, weight, bias)
    need_x, need_w, need_b = needs_grad(x), needs_grad(weight), needs_grad(bias)

    def backward(g):
        g2 = g.reshape(-1, g.shape[-1])   # every leading axis is a batch that shares the weight
        grad_x = g @ w if need_x else None
        grad_w = g2.T @ a.reshape(-1, a.shape[-1]) if need_w else None
        if bias is None:
            return only_tensors((grad_x, grad_w), inputs)
        grad_b = np.ones(len(g2), g.dtype) @ g2 if need_b else None   # column sums, via BLAS
        return only_tensors((grad_x, grad_w, grad_b), inputs)

    return node(out, only_tensors(inputs, inputs), backward, "linear")


# ---- softmax family ----

def _softmax(a, axis):
    e = np.exp(a - a.max(axis, keepdims=True))   # shifted so the largest term is e^0 = 1
    return e / e.sum(axis, keepdims=True)


def softmax(x, axis=-1):
    """exp(x) / Σ exp(x) along `axis`."""
    p = _softmax(x.data, checked_axis(axis, x.data.shape, "softmax"))
    return node(p, (x,), lambda g: (p * (g - (g * p).sum(axis, keepdims=True)),), "softmax")


def log_softmax(x, axis=-1):
    """x − logsumexp(x) along `axis`; its gradient is g − softmax·Σg."""
    a = x.data
    checked_axis(axis, a.shape, "log_softmax")
    shifted = a - a.max(axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))
    return node(out, (x,), lambda g: (g - np.exp(out) * g.sum(axis, keepdims=True),), "log_softmax")


def logsumexp(x, axis=-1, keepdims=False):
    """log Σ exp(x) along `axis`, shifted by the max so it never overflows; gradient softmax."""
    a = x.data
    checked_axis(axis, a.shape, "logsumexp")
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
    scale = _reduction_scale(reduction, count)
    rows = np.arange(len(t))
    shifted = z - z.max(1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(1, keepdims=True)
    nll = np.log(total[:, 0]) - shifted[rows, safe]
    out = np.asarray((nll @ keep) * scale, a.dtype)

    def backward(g):
        d = e / total   # d nll/d logits = softmax − one_hot(target)
        d[rows, safe] -= 1.0
        d *= (keep * (g * scale))[:, None]
        return (d.reshape(a.shape),)

    return node(out, (logits,), backward, "cross_entropy")


def _reduction_scale(reduction, count):
    if reduction == "mean":
        return 1.0 / count
    if reduction == "sum":
        return 1.0
    raise ValueError(f"cross_entropy: reduction must be 'mean' or 'sum', got {reduction!r}")


# ---- normalization and attention ----

def rms_norm(x, eps=1e-5, axis=-1):
    """x / √(mean(x²) + eps) along `axis` (no learned scale; multiply one in if wanted)."""
    a = x.data
    n = a.shape[checked_axis(axis, a.shape, "rms_norm")]   # sum / n: ndarray.mean costs twice as much at these sizes
    r = 1.0 / np.sqrt((a * a).sum(axis, keepdims=True) / n + eps)
    y = a * r
    # d y = r (g − y · mean(g y)): the component along y is what the normalization removes
    return node(y, (x,), lambda g: (r * (g - y * ((g * y).sum(axis, keepdims=True) / n)),), "rms_norm")


def attention_weights(q, k, n_head=1, causal=True):
    """softmax(q kᵀ / √d) per head, the weights `attention` mixes v with, as a plain array.

    q is (..., Tq, C), k is (..., Tk, C); the result is (..., n_head, Tq, Tk) and builds no
    graph: it is for showing where each head looks, not for training.
    """
    Q, K = _heads(n_head, causal, q=q, k=k)
    return _weights(Q, K, causal)


def attention(q, k, v, n_head=1, causal=True):
    """softmax(q kᵀ / √d) v for each of n_head heads, in one node.

    q is (..., Tq, C), k and v are (..., Tk, C) with C = n_head · d. With `causal`, query i
    sees keys up to i + Tk − Tq (so the queries are the last Tq positions of the keys).
    """
    Q, K, V = _heads(n_head, causal, q=q, k=k, v=v)
    p, scale = _weights(Q, K, causal), 1.0 / math.sqrt(Q.shape[-1])
    out = _merge_heads(p @ V)
    inputs = (q, k, v)

    def backward(g):
        G = _split_heads(g, n_head, "grad")
        dV = p.swapaxes(-1, -2) @ G
        dP = G @ V.swapaxes(-1, -2)
        dS = p * (dP - (dP * p).sum(-1, keepdims=True)) * scale   # softmax's VJP, then the scale
        grads = (_merge_heads(dS @ K), _merge_heads(dS.swapaxes(-1, -2) @ Q), _merge_heads(dV))
        return only_tensors(grads, inputs)

    return node(out, only_tensors(inputs, inputs), backward, "attention")


def _heads(n_head, causal, **named):
    """The named inputs (q, k and maybe v) split into heads, once they are checked to fit."""
    arrays = {name: operand(t, "attention") for name, t in named.items()}
    Q, K, *rest = (_split_heads(a, n_head, name) for name, a in arrays.items())
    if any(V.shape != K.shape for V in rest) or Q.shape[:-2] != K.shape[:-2] or Q.shape[-1] != K.shape[-1]:
        shapes = ", ".join(str(np.shape(a)) for a in arrays.values())
        raise ValueError(f"attention: {', '.join(arrays)} of shapes {shapes} do not fit together")
    if causal and Q.shape[-2] > K.shape[-2]:
        raise ValueError(f"attention: causal with more queries ({Q.shape[-2]}) than keys ({K.shape[-2]}); "
                         "the first queries would see nothing")
    return (Q, K, *rest)


def _weights(Q, K, causal):
    """softmax(Q Kᵀ / √d) of heads already split, a future key weighing exactly 0 when causal."""
    scores = (Q @ K.swapaxes(-1, -2)) * (1.0 / math.sqrt(Q.shape[-1]))
    if causal:
        scores += _causal_bias(Q.shape[-2], K.shape[-2], scores.dtype)
    return _softmax(scores, -1)


def _split_heads(a, n_head, name):
    """(..., T, C) -> (..., n_head, T, C / n_head), a view."""
    if a.ndim < 2 or a.shape[-1] % n_head:
        raise ValueError(f"attention: {name} of shape {a.shape} does not split into {n_head} heads")
    return a.reshape(*a.shape[:-1], n_head, a.shape[-1] // n_head).swapaxes(-2, -3)


def _merge_heads(a):
    """(..., n_head, T, d) -> (..., T, n_head · d)."""
    a = a.swapaxes(-2, -3)
    return a.reshape(*a.shape[:-2], a.shape[-2] * a.shape[-1])


@functools.lru_cache(maxsize=64)
def _causal_bias(tq, tk, dtype):
    """0 where query i may look at key j, −inf where j lies in its future."""
    bias = np.triu(np.full((tq, tk), -np.inf, dtype), k=1 + tk - tq)
    bias.flags.writeable = False   # shared by every call with these sizes
    return bias


__all__ = [
    "attention", "attention_weights", "concat", "cross_entropy", "fused_op", "gather", "linear", "log_softmax",
    "logsumexp", "rms_norm", "softmax", "stack", "stft_loss", "where",
]
