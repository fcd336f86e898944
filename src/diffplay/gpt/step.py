"""The Tensor GPT's training step without a graph: the loss and every weight's gradient at once.

A step of the default model (batch 1, one layer) is small enough that the graph's bookkeeping —
a node per fused op, its vjp's results checked, the reverse pass's two walks — costs a quarter
of the step. Here the four fused ops of blocks.py are called as the kernels they are (each op's
`.forward`), in the order the graph calls them, and their vjps in reverse: the same arithmetic
in the same order, so the gradient is the graph's to the last bit (tests/test_gpt_step.py walks
both). The graph stays the model's reference and what sampling and `learn` look inside.
"""

import math

import numpy as np

from ..engine.flat import all_finite
from .blocks import attention_block, embed, mlp_block, next_token_loss


def loss_and_grad(model, batch):
    """(the mean cross-entropy of `batch` as a float, its gradient with respect to model.flat:
    model.grad_flat, laid out like it, which the next call overwrites); each weight Tensor's .grad
    is left holding its part (a view of it), as loss.backward() leaves it. A loss or a gradient
    that is not finite is a FloatingPointError."""
    w, n_head = model.w, model.config.n_head
    idx, targets, mask, count = model.inputs(batch)
    x, d_embed = embed.forward(w["wte"].data, w["wpe"].data, idx)
    layers = []
    for (wq, wk, wv, wo, fc1, fc2), wqkv in zip(model.layer_arrays, model.qkv_arrays):
        x, d_attention = attention_block.forward(x, wq, wk, wv, wo, n_head=n_head, wqkv=wqkv)
        x, d_mlp = mlp_block.forward(x, fc1, fc2)
        layers.append((d_attention, d_mlp))
    loss, d_loss = next_token_loss.forward(x, w["lm_head"].data, targets, mask, count)
    value = float(loss)
    check_loss(value)

    # each vjp writes its weights' gradients where they lie in model.grad_flat: no join afterwards
    wte, wpe, head = model.grad_views[:3]   # microgpt's order: wte, wpe, lm_head, then layer by layer
    g = d_loss(loss.dtype.type(1), head)[0]   # backward()'s seed: a 1 of the loss's dtype
    for (d_attention, d_mlp), (attention, mlp) in zip(reversed(layers), reversed(model.layer_grads)):
        g = d_mlp(g, mlp)[0]
        g = d_attention(g, attention)[0]
    d_embed(g, (wte, wpe))
    for t, grad in zip(w.values(), model.grad_views):
        t.grad = grad
    if not all_finite(model.grad_flat):   # as backward() refuses it, naming where
        bad = [name for name, t in w.items() if not np.isfinite(t.grad).all()]
        raise FloatingPointError(f"backward: a gradient is not finite; it is the gradient of {', '.join(bad)}")
    return value, model.grad_flat


def check_loss(value):
    """Refuse a step whose loss is not finite, before anything is updated: the run stays at its
    last good step."""
    if not math.isfinite(value):
        raise FloatingPointError(f"the loss is {value}")
