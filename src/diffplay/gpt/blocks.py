"""microgpt's layers as fused ops: each one node of the Tensor graph, its forward and its
backward composed from the engine's kernels (engine/tensor_kernels.py).

Op by op, a step of the default model made twenty nodes, and at these sizes a node's
bookkeeping costs as much as its arithmetic. Here a step makes 2 + 2·n_layer nodes: embed,
per layer attention_block and mlp_block, then next_token_loss. The math is the kernels', the
same the single ops use, so the numbers are the op-by-op model's.
"""

import numpy as np

from ..engine import tensor_kernels as K
from ..engine.elementwise import relu
from ..engine.tensor_ops import fused_op


@fused_op
def embed(wte, wpe, idx):
    """rms_norm(wte[token] + wpe[position]) for token ids idx (B, T): microgpt's input, normed."""
    T = idx.shape[-1]
    rows, d_rows = K.embedding(wte, idx)
    x, d_norm = K.rms_norm(rows + wpe[:T])

    def vjp(g, into=(None, None)):
        (dx,) = d_norm(g)
        dwpe = np.empty(wpe.shape, wpe.dtype) if into[1] is None else into[1]   # np.empty_like: a Python wrapper
        dwpe[T:] = 0   # the positions past this batch's
        if dx.ndim == 2:   # one document: a sum of one, as reduce gives it (its first term, copied)
            dwpe[:T] = dx
        else:   # each document adds to the same positions
            np.add.reduce(dx.reshape(-1, *dx.shape[-2:]), out=dwpe[:T])
        return d_rows(dx, into[0])[0], dwpe, None

    return x, vjp


@fused_op
def attention_block(x, wq, wk, wv, wo, *, n_head, on_weights=None, wqkv=None):
    """x + wo · attention(q, k, v), where q, k, v = wq, wk, wv · rms_norm(x): causal, multi-head.
    on_weights(p) hears the (B, n_head, T, T) attention weights; wqkv, when the caller holds wq,
    wk and wv stacked in one array (a view of the flat weights), spares their copy."""
    h, d_norm = K.rms_norm(x)
    C = len(wq)
    # q, k and v in one product, as nanoGPT's c_attn, and so their gradients
    qkv, d_qkv = K.linear(h, np.concatenate((wq, wk, wv)) if wqkv is None else wqkv)
    heads, d_heads = K.qkv_attention(qkv, n_head, on_weights)
    out, d_out = K.linear(heads, wo)

    def vjp(g, into=(None, None)):
        """into: where the gradients of wq, wk and wv stacked (3C, C) and of wo go, when given."""
        dheads, dwo = d_out(g, into[1])
        dh, dw = d_qkv(d_heads(dheads), into[0])
        return g + d_norm(dh)[0], dw[:C], dw[C:2 * C], dw[2 * C:], dwo

    return x + out, vjp


@fused_op
def mlp_block(x, fc1, fc2):
    """x + fc2 · relu(fc1 · rms_norm(x))."""
    h, d_norm = K.rms_norm(x)
    a, d_fc1 = K.linear(h, fc1)
    r, d_relu = relu(a)
    out, d_fc2 = K.linear(r, fc2)

    def vjp(g, into=(None, None)):
        """into: where the gradients of fc1 and fc2 go, when given."""
        dr, dfc2 = d_fc2(g, into[1])
        dh, dfc1 = d_fc1(d_relu(dr)[0], into[0])
        return g + d_norm(dh)[0], dfc1, dfc2

    return x + out, vjp


@fused_op
def next_token_loss(x, lm_head, targets, mask, count):
    """The mean of −log softmax(lm_head · x)[target] over the `count` positions where mask holds."""
    logits, d_logits = K.linear(x, lm_head)
    classes = logits.shape[-1]
    loss, d_loss = K.cross_entropy(logits.reshape(-1, classes), targets.reshape(-1), mask.reshape(-1), 1.0 / count)

    def vjp(g, into=None):
        """into: where lm_head's gradient goes, when given."""
        dx, dw = d_logits(d_loss(g)[0].reshape(logits.shape), into)
        return dx, dw, None, None, None

    return loss, vjp
