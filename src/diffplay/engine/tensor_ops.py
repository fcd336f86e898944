"""Fused Tensor ops: one node each, with a hand-written vector-Jacobian product.

A chain of small ops costs a node, a closure and a NumPy call per link; these do the whole
chain at once and derive the gradient in closed form, which is both faster and steadier
(softmax never divides by an overflowed sum). Here: linear, the softmax family, attention
and einsum; the losses (tensor_losses.py), normalizations (tensor_norms.py) and convolutions
(tensor_conv.py) live beside it. This module is also the engine's one namespace for the
Tensor functions that are not methods, those included (diffplay.nn.functional is PyTorch's
shape of the same functions).

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

from . import tensor_kernels as kernels
from .spectral import stft_loss
from .tensor_conv import avg_pool1d, avg_pool2d, conv1d, conv2d, max_pool1d, max_pool2d
from .tensor_core import (Tensor, axes, maximum, minimum, needs_grad, node, one_axis, only_tensors, operand, rows,
                          unbroadcast)
from .tensor_index import embedding, gather, index_select, masked_fill, one_hot, tril, triu, where
from .tensor_losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, l1_loss,
                            mse_loss, nll_loss)
from .tensor_norms import batch_norm, layer_norm, rms_norm
from .tensor_shape import cat, concat, pad, stack


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
        g2 = rows(g)   # every leading axis is a batch that shares the bias
        grad_b = np.ones(len(g2), g.dtype) @ g2 if need_b else None   # column sums, via BLAS
        return only_tensors((*vjp(g), grad_b), inputs)

    return node(out, only_tensors(inputs, inputs), backward, "linear")


# ---- softmax family ----

def softmax(x, dim=-1):
    """exp(x) / Σ exp(x) along `dim`."""
    dim = one_axis(dim, x.data.ndim, "softmax")
    p, vjp = kernels.softmax(x.data, dim)
    return node(p, (x,), vjp, "softmax")


def log_softmax(x, dim=-1):
    """x − logsumexp(x) along `dim`; its gradient is g − softmax·Σg."""
    a = x.data
    dim = one_axis(dim, a.ndim, "log_softmax")
    shifted = a - a.max(dim, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(dim, keepdims=True))
    return node(out, (x,), lambda g: (g - np.exp(out) * g.sum(dim, keepdims=True),), "log_softmax")


def logsumexp(x, dim=-1, keepdim=False):
    """log Σ exp(x) along `dim` (an axis or a tuple), shifted by the max so it never overflows;
    its gradient is softmax."""
    a = x.data
    dims = axes(dim, a.ndim, "logsumexp")
    top = a.max(dims, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)   # all −inf (or an inf) needs no shift
    kept = top + np.log(np.exp(a - top).sum(dims, keepdims=True))
    out = kept if keepdim else kept.reshape([n for d, n in enumerate(a.shape) if d not in dims])

    def backward(g):
        return (g.reshape(kept.shape) * np.exp(a - kept),)

    return node(out, (x,), backward, "logsumexp")


def einsum(equation, *operands):
    """torch.einsum: the sum over the subscripts that the output leaves out, of the products of
    the operands' entries (explicit `->` or implicit form; no `...`, no repeated subscript
    within one operand)."""
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    subs, out = _einsum_subscripts(equation, operands)
    arrays = [operand(x, "einsum") for x in operands]
    result = np.einsum(f"{','.join(subs)}->{out}", *arrays, optimize=True)

    def backward(g):
        grads = []
        for i, (s, x) in enumerate(zip(subs, operands)):
            if not needs_grad(x):
                grads.append(None)
                continue
            others = [j for j in range(len(subs)) if j != i]
            present = out + "".join(subs[j] for j in others)
            kept = "".join(c for c in s if c in present)   # a subscript only s has was summed alone
            spec = f"{','.join([out] + [subs[j] for j in others])}->{kept}"
            grad = np.einsum(spec, g, *[arrays[j] for j in others], optimize=True)
            grad = np.expand_dims(grad, [k for k, c in enumerate(s) if c not in kept])
            grads.append(np.broadcast_to(grad, arrays[i].shape))
        return only_tensors(grads, operands)

    return node(result, only_tensors(operands, operands), backward, "einsum")


def _einsum_subscripts(equation, operands):
    eq = equation.replace(" ", "")
    ins, arrow, out = eq.partition("->")
    subs = ins.split(",")
    if "..." in eq:
        raise NotImplementedError("einsum: '...' (broadcast dims) is not implemented in diffplay")
    if not arrow:   # implicit: the subscripts that appear once, in alphabetical order
        out = "".join(sorted(c for c in set(ins) - {","} if ins.count(c) == 1))
    if len(subs) != len(operands):
        raise ValueError(f"einsum: {equation!r} names {len(subs)} operands, got {len(operands)}")
    for s, x in zip(subs, operands):
        if len(set(s)) != len(s):
            raise NotImplementedError(f"einsum: a subscript repeated within one operand ({s!r}) is not implemented")
        shape = np.shape(operand(x, "einsum"))
        if len(s) != len(shape):
            raise ValueError(f"einsum: subscripts {s!r} do not fit an operand of shape {shape}")
    return subs, out


# ---- attention ----

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


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    """torch's, for heads already split: q (..., L, E), k and v (..., S, E); `attention` with
    one head. Of its options, is_causal (with L = S) is implemented."""
    L, S, E = query.shape[-2], key.shape[-2], query.shape[-1]
    if attn_mask is not None or dropout_p or (scale is not None and scale != 1.0 / math.sqrt(E)):
        raise NotImplementedError("scaled_dot_product_attention: attn_mask, dropout_p and a scale other than "
                                  "1/√E are not implemented in diffplay")
    if is_causal and L != S:
        raise NotImplementedError(f"scaled_dot_product_attention: is_causal with {L} queries and {S} keys (torch "
                                  "aligns the mask top-left) is not implemented")
    return attention(query, key, value, 1, is_causal)


__all__ = [
    "attention", "attention_weights", "avg_pool1d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "cat", "concat", "conv1d", "conv2d", "cross_entropy", "einsum",
    "embedding", "fused_op", "gather", "index_select", "l1_loss", "layer_norm", "linear", "log_softmax",
    "logsumexp", "masked_fill", "max_pool1d", "max_pool2d", "maximum", "minimum", "mse_loss", "nll_loss",
    "one_hot", "pad", "rms_norm", "scaled_dot_product_attention", "softmax", "stack", "stft_loss", "tril",
    "triu", "where",
]
