"""Every op a makemore / nanoGPT user reaches for, against PyTorch: one table of cases, each a
function of the library it runs on (`torch` or `diffplay.torch`), so the same text runs on
both; values and gradients are held to PyTorch's (1e-8) and to finite differences. The
shapes cover broadcasting, negative dims, 0-d and empty Tensors. A second table holds the ops
that answer with indices, masks or counts to torch's exact answers and dtypes."""

import numpy as np
import pytest
import torch

import diffplay.torch as ours
from test_tensor_checks import assert_matches_torch


def normal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def positive(shape, seed=0):
    return np.random.default_rng(seed).uniform(0.2, 1.0, shape)


def F(lib):
    return lib.nn.functional


def long(lib, values):
    return lib.tensor(np.asarray(values, np.int64))


def boolean(lib, values):
    return lib.tensor(np.asarray(values, bool))


def floats(lib, values):
    return lib.tensor(values, dtype=lib.float64)


TARGETS = np.array([[1, 0, 2], [2, 2, -100]])
PROBABILITIES = np.random.default_rng(7).dirichlet(np.ones(4), 3)
LABELS = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.3]])

# name: (op on (lib, *inputs), the inputs' shapes, how to draw them)
CASES = {
    # reductions: dim / keepdim, negative dims, tuples, 0-d, empty
    "sum dims tuple keepdim": (lambda t, x: x.sum((0, -1), keepdim=True), [(2, 3, 4)], normal),
    "sum of 0-d over dim 0": (lambda t, x: x.sum(0), [()], normal),
    "mean of 0-d over dim -1": (lambda t, x: x.mean(-1, keepdim=True), [()], normal),
    "sum of empty": (lambda t, x: x.sum(1), [(0, 3)], normal),
    "mean dim=-2": (lambda t, x: x.mean(dim=-2), [(2, 3, 4)], normal),
    "var unbiased": (lambda t, x: x.var(1), [(3, 5)], normal),
    "var correction=0 keepdim": (lambda t, x: x.var((0, 2), keepdim=True, correction=0), [(2, 3, 4)], normal),
    "var of everything": (lambda t, x: x.var(), [(2, 3)], normal),
    "std unbiased=False": (lambda t, x: x.std(-1, unbiased=False), [(3, 4)], normal),
    "amax tie-free": (lambda t, x: x.amax((0, 1)), [(2, 3, 2)], normal),
    "amin keepdim": (lambda t, x: x.amin(-1, keepdim=True), [(3, 4)], normal),
    "max of everything": (lambda t, x: x.max(), [(3, 4)], normal),
    "max(dim) values": (lambda t, x: x.max(1).values, [(3, 4)], normal),
    "max(dim)[0] keepdim": (lambda t, x: x.max(-1, keepdim=True)[0], [(2, 3, 4)], normal),
    "min(dim) values": (lambda t, x: t.min(x, 0).values, [(3, 4)], normal),
    "max of two Tensors": (lambda t, x, y: x.max(y), [(3, 1), (4,)], normal),
    "topk values": (lambda t, x: x.topk(2, dim=0).values, [(4, 3)], normal),
    "topk smallest": (lambda t, x: t.topk(x, 3, largest=False)[0], [(2, 5)], normal),
    "prod": (lambda t, x: x.prod(1), [(3, 4)], normal),
    "prod of everything": (lambda t, x: x.prod(), [(2, 3)], normal),
    "prod with a zero": (lambda t, x: (x * t.tensor([1.0, 0.0, 1.0])).prod(-1), [(2, 3)], normal),
    "cumsum": (lambda t, x: x.cumsum(-1), [(3, 4)], normal),
    "cumsum dim 0": (lambda t, x: t.cumsum(x, dim=0), [(3, 4)], normal),
    "logsumexp of 0-d": (lambda t, x: t.logsumexp(x, -1), [()], normal),
    "logsumexp dims tuple": (lambda t, x: x.logsumexp((0, 2), keepdim=True), [(2, 3, 2)], normal),
    # arithmetic by name
    "maximum broadcast": (lambda t, x, y: t.maximum(x, y), [(2, 3), (3,)], normal),
    "minimum broadcast": (lambda t, x, y: t.minimum(x, y), [(2, 1), (2, 3)], normal),
    "maximum tie splits the gradient": (lambda t, x: t.maximum(x, x * 1.0), [(3,)], normal),
    "clamp min only": (lambda t, x: x.clamp(min=-0.3), [(3, 4)], normal),
    "pow": (lambda t, x: x.pow(2), [(3,)], normal),
    # shapes
    "transpose(0, 1)": (lambda t, x: x.transpose(0, 1) * t.arange(3.0), [(3, 2, 3)], normal),
    "transpose negative dims": (lambda t, x: x.transpose(-1, -3).reshape(-1) * t.arange(24.0), [(2, 3, 4)], normal),
    "permute negative then reshape": (lambda t, x: x.permute(-1, 0, 1).reshape(-1) * t.arange(24.0), [(2, 3, 4)],
                                      normal),
    "permute tuple": (lambda t, x: x.permute((2, 0, 1)), [(2, 3, 4)], normal),
    "T and mT": (lambda t, x, y: x.T * 2.0 + y.mT, [(3, 4), (3, 4)], normal),
    "view -1": (lambda t, x: x.view(-1, 4) * t.arange(4.0), [(2, 3, 4)], normal),
    "view_as": (lambda t, x, y: x.view_as(y) * y, [(6,), (2, 3)], normal),
    "flatten start_dim": (lambda t, x: x.flatten(1), [(2, 3, 4)], normal),
    "flatten middle": (lambda t, x: t.flatten(x, 1, 2), [(2, 3, 4, 1)], normal),
    "flatten of 0-d": (lambda t, x: x.flatten(), [()], normal),
    "unsqueeze negative": (lambda t, x: x.unsqueeze(-1) * t.arange(2.0), [(3,)], normal),
    "squeeze all": (lambda t, x: x.squeeze(), [(1, 3, 1)], normal),
    "squeeze one dim, not a long one": (lambda t, x: x.squeeze(0).squeeze(-1) + 0.0, [(1, 3, 2)], normal),
    "expand": (lambda t, x: x.expand(2, 3, -1) * t.arange(4.0), [(3, 1)], normal),
    "expand_as": (lambda t, x, y: x.expand_as(y) * y, [(1, 3), (2, 3)], normal),
    "split sizes": (lambda t, x: x.split(2, dim=1)[1] * 2.0 + x.split([1, 3], -1)[0].sum(), [(2, 4)], normal),
    "chunk": (lambda t, x: x.chunk(3, 0)[2], [(5, 2)], normal),
    "flip": (lambda t, x: x.flip(0, -1) * t.arange(3.0), [(2, 3)], normal),
    "pad last two dims": (lambda t, x: F(t).pad(x, (1, 2, 0, 1), value=0.5), [(2, 3, 4)], normal),
    "cat negative dim": (lambda t, x, y: t.cat([x, y], dim=-1), [(2, 3), (2, 1)], normal),
    "cat with an empty": (lambda t, x, y: t.cat([x, y]), [(0, 3), (2, 3)], normal),
    "stack dim -1": (lambda t, x, y: t.stack([x, y], dim=-1), [(2, 3), (2, 3)], normal),
    # picking entries
    "index with int Tensors": (lambda t, x: x[long(t, [0, 2, 0]), long(t, [1, 1, 3])], [(3, 4)], normal),
    "index with a bool Tensor": (lambda t, x: x[boolean(t, [True, False, True])], [(3, 4)], normal),
    "gather dim 1": (lambda t, x: x.gather(1, long(t, [[0, 0], [2, 1]])), [(2, 3)], normal),
    "gather dim 0, smaller index": (lambda t, x: t.gather(x, 0, long(t, [[1, 0, 1]])), [(2, 4)], normal),
    "index_select": (lambda t, x: x.index_select(-1, long(t, [2, 0, 2])), [(2, 3)], normal),
    "embedding": (lambda t, w: F(t).embedding(long(t, [[1, 0], [1, 3]]), w), [(4, 3)], normal),
    "masked_fill": (lambda t, x: x.masked_fill(boolean(t, [True, False, False]), -1.5), [(2, 3)], normal),
    "masked_fill with a causal mask": (lambda t, x: x.masked_fill(t.tril(t.ones(3, 3)) == 0, float("-inf"))
                                       .softmax(-1), [(2, 3, 3)], normal),
    "where with a comparison": (lambda t, x, y: t.where(x > 0, x, y), [(2, 3), (3,)], normal),
    "tril and triu": (lambda t, x: t.tril(x) + x.triu(1) * 2.0, [(2, 3, 3)], normal),
    "einsum matmul": (lambda t, x, y: t.einsum("bij,jk->bik", x, y), [(2, 3, 4), (4, 2)], normal),
    "einsum sum out an axis": (lambda t, x, y: t.einsum("ij,kl->ik", x, y), [(2, 3), (4, 2)], normal),
    "einsum implicit": (lambda t, x, y: t.einsum("ij,jk", x, y), [(2, 3), (3, 2)], normal),
    "einsum outer": (lambda t, x, y: t.einsum("i,j->ij", [x, y]), [(3,), (2,)], normal),
    "matmul zero-size": (lambda t, x, y: x @ y, [(2, 0), (0, 3)], normal),
    "matmul zero-size batch": (lambda t, x, y: x @ y, [(2, 3, 0), (0,)], normal),
    "softmax dim 0": (lambda t, x: x.softmax(0), [(3, 2)], normal),
    "log_softmax dim=1": (lambda t, x: F(t).log_softmax(x, dim=1), [(2, 3, 2)], normal),
    # layers' functions
    "linear with a batch": (lambda t, x, w, b: F(t).linear(x, w, b), [(2, 3, 4), (5, 4), (5,)], normal),
    "layer_norm": (lambda t, x, w, b: F(t).layer_norm(x, (4,), w, b), [(2, 3, 4), (4,), (4,)], normal),
    "layer_norm over two dims": (lambda t, x: F(t).layer_norm(x, (3, 4), eps=1e-3), [(2, 3, 4)], normal),
    "rms_norm with weight": (lambda t, x, w: F(t).rms_norm(x, (4,), w, eps=1e-5), [(3, 4), (4,)], normal),
    "batch_norm training (N, C)": (lambda t, x, w, b: F(t).batch_norm(x, None, None, w, b, training=True),
                                   [(5, 3), (3,), (3,)], normal),
    "batch_norm training (N, C, L)": (lambda t, x: F(t).batch_norm(x, floats(t, [0.0] * 3), floats(t, [1.0] * 3),
                                                                   training=True), [(2, 3, 4)], normal),
    "batch_norm eval": (lambda t, x, w: F(t).batch_norm(x, floats(t, [0.5, -1.0, 0.0]), floats(t, [2.0, 0.5, 1.0]), w,
                                                        None, training=False), [(4, 3, 2), (3,)], normal),
    "gelu tanh approximation": (lambda t, x: F(t).gelu(x, approximate="tanh"), [(3, 4)], normal),
    "elu alpha": (lambda t, x: F(t).elu(x, alpha=0.7), [(3, 4)], normal),
    "leaky_relu slope": (lambda t, x: F(t).leaky_relu(x, 0.1), [(3, 4)], normal),
    "silu": (lambda t, x: F(t).silu(x), [(3, 4)], normal),
    "scaled_dot_product_attention causal": (
        lambda t, q, k, v: F(t).scaled_dot_product_attention(q, k, v, is_causal=True), [(2, 2, 4, 3)] * 3, normal),
    "conv1d": (lambda t, x, w, b: F(t).conv1d(x, w, b), [(2, 3, 7), (4, 3, 3), (4,)], normal),
    "conv1d stride padding dilation": (lambda t, x, w: F(t).conv1d(x, w, stride=2, padding=2, dilation=2),
                                       [(2, 3, 9), (2, 3, 3)], normal),
    "conv1d of one sample": (lambda t, x, w: F(t).conv1d(x, w, padding=1), [(3, 5), (2, 3, 2)], normal),
    "conv2d": (lambda t, x, w, b: F(t).conv2d(x, w, b, stride=(1, 2), padding=1), [(2, 2, 5, 6), (3, 2, 3, 2), (3,)],
               normal),
    "max_pool1d": (lambda t, x: F(t).max_pool1d(x, 2), [(2, 3, 7)], normal),
    "max_pool2d overlapping, padded": (lambda t, x: F(t).max_pool2d(x, 3, stride=1, padding=1), [(1, 2, 4, 5)],
                                       normal),
    "avg_pool1d": (lambda t, x: F(t).avg_pool1d(x, 3, stride=2), [(2, 3, 7)], normal),
    "avg_pool2d padded": (lambda t, x: F(t).avg_pool2d(x, 2, padding=1), [(1, 2, 4, 5)], normal),
    # losses
    "cross_entropy (N, C, d) with ignore_index": (lambda t, x: F(t).cross_entropy(x, long(t, TARGETS)),
                                                  [(2, 4, 3)], normal),
    "cross_entropy reduction none, label smoothing": (
        lambda t, x: F(t).cross_entropy(x, long(t, TARGETS), reduction="none", label_smoothing=0.2), [(2, 4, 3)],
        normal),
    "cross_entropy of one row": (lambda t, x: F(t).cross_entropy(x, long(t, 2)), [(4,)], normal),
    "cross_entropy probability targets": (lambda t, x: F(t).cross_entropy(x, t.tensor(PROBABILITIES)), [(3, 4)],
                                          normal),
    "nll_loss": (lambda t, x: F(t).nll_loss(x.log_softmax(1), long(t, TARGETS), reduction="sum"), [(2, 4, 3)], normal),
    "mse_loss": (lambda t, x, y: F(t).mse_loss(x, y), [(3, 4), (3, 4)], normal),
    "mse_loss none": (lambda t, x, y: F(t).mse_loss(x, y, reduction="none"), [(3, 4), (3, 4)], normal),
    "l1_loss": (lambda t, x, y: F(t).l1_loss(x, y, reduction="sum"), [(3, 4), (3, 4)], normal),
    "binary_cross_entropy": (lambda t, p: F(t).binary_cross_entropy(p, t.tensor(LABELS)), [(2, 3)], positive),
    "binary_cross_entropy_with_logits": (
        lambda t, x: F(t).binary_cross_entropy_with_logits(x * 3.0, t.tensor(LABELS)), [(2, 3)], normal),
    "binary_cross_entropy_with_logits pos_weight": (
        lambda t, x: F(t).binary_cross_entropy_with_logits(x, t.tensor(LABELS), pos_weight=t.tensor([2.0, 1.0, 0.5]),
                                                           reduction="none"), [(2, 3)], normal),
    # 0-d Tensors (one nameable dim, 0 or -1) and empty ones, op by op
    "prod of 0-d": (lambda t, x: x.prod(0), [()], normal),
    "prod over an empty dim": (lambda t, x: x.prod(1), [(2, 0)], normal),
    "cumsum of 0-d": (lambda t, x: x.cumsum(-1), [()], normal),
    "cumsum of empty": (lambda t, x: x.cumsum(-1), [(0, 3)], normal),
    "var of 0-d, correction 0": (lambda t, x: x.var(correction=0), [()], normal),
    "var negative dims": (lambda t, x: x.var((-1, -3)), [(2, 3, 4)], normal),
    "amax of 0-d over dim -1": (lambda t, x: x.amax(-1), [()], normal),
    "max(dim) of 0-d": (lambda t, x: x.max(0).values, [()], normal),
    "topk of 0-d": (lambda t, x: x.topk(1, 0).values, [()], normal),
    "softmax of 0-d": (lambda t, x: x.softmax(0), [()], normal),
    "softmax of no rows": (lambda t, x: x.softmax(-1), [(0, 3)], normal),
    "logsumexp of no rows": (lambda t, x: x.logsumexp(-1), [(0, 3)], normal),
    "expand 0-d": (lambda t, x: x.expand(2, 3) * t.arange(3.0), [()], normal),
    "unsqueeze 0-d": (lambda t, x: x.unsqueeze(0), [()], normal),
    "squeeze 0-d": (lambda t, x: x.squeeze(), [()], normal),
    "flip 0-d": (lambda t, x: x.flip(0), [()], normal),
    "transpose 0-d": (lambda t, x: x.transpose(0, -1), [()], normal),
    "gather 0-d": (lambda t, x: x.gather(0, long(t, 0)), [()], normal),
    "stack 0-d": (lambda t, x, y: t.stack([x, y]), [(), ()], normal),
    "maximum with a 0-d": (lambda t, x, y: t.maximum(x, y), [(2, 3), ()], normal),
    "where with a 0-d": (lambda t, x, y: t.where(x > 0, x, y), [(2, 3), ()], normal),
    "masked_fill of 0-d": (lambda t, x: x.masked_fill(t.tensor(True), 2.0), [()], normal),
    "einsum with a 0-d": (lambda t, x, y: t.einsum("i,->i", x, y), [(3,), ()], normal),
    "elementwise of empty": (lambda t, x: F(t).gelu(x) * 2.0, [(0, 3)], normal),
    "linear of an empty batch": (lambda t, x, w, b: F(t).linear(x, w, b), [(0, 4), (5, 4), (5,)], normal),
    "layer_norm of an empty batch": (lambda t, x: F(t).layer_norm(x, (4,)), [(0, 4)], normal),
    "embedding of no ids": (lambda t, w: F(t).embedding(long(t, np.zeros(0, int)), w), [(4, 3)], normal),
    "conv1d of an empty batch": (lambda t, x, w: F(t).conv1d(x, w), [(0, 3, 5), (2, 3, 2)], normal),
    "cross_entropy of no rows, summed": (lambda t, x: F(t).cross_entropy(x, long(t, np.zeros(0, int)),
                                                                         reduction="sum"), [(0, 4)], normal),
    "mse_loss of 0-d": (lambda t, x, y: F(t).mse_loss(x, y), [(), ()], normal),
}


@pytest.mark.parametrize("name", CASES)
def test_op_matches_pytorch_in_value_and_gradient(name):
    op, shapes, draw = CASES[name]
    arrays = [draw(shape, seed) for seed, shape in enumerate(shapes)]
    assert_matches_torch(lambda *xs: op(ours, *xs), lambda *xs: op(torch, *xs), *arrays)


TIES = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])

# ops whose answers are indices, masks or counts (no gradient): name -> op on (lib, x), x of shape (3, 4)
PICKED = {
    "argmax dim -1 keepdim": lambda t, x: x.argmax(-1, keepdim=True),
    "argmax of everything": lambda t, x: t.argmax(x),
    "argmax of 0-d": lambda t, x: x[0, 0].argmax(0),
    "argmin dim 0": lambda t, x: x.argmin(0),
    "argmax over rows of none": lambda t, x: x[:0].argmax(1),
    "argmax takes the first of a tie": lambda t, x: t.tensor(TIES).argmax(1),
    "max(dim) indices, ties": lambda t, x: t.tensor(TIES).max(1).indices,
    "min(dim) indices, negative dim": lambda t, x: t.tensor(TIES).min(-1).indices,
    "max(dim) of 0-d indices": lambda t, x: x[1, 1].max(0).indices,
    "topk indices dim -2": lambda t, x: x.topk(2, dim=-2).indices,
    "topk indices, ties": lambda t, x: t.tensor(TIES).topk(2).indices,
    "comparison broadcast": lambda t, x: x > x[0],
    "comparison with a 0-d": lambda t, x: x <= x[1, 2],
    "masks combined": lambda t, x: ((x > 0) & (x < 1)) | ~(x > -1) ^ (x[0] > 0),
    "any along dim -1": lambda t, x: (x > 1).any(-1),
    "all": lambda t, x: (x > -5).all(),
    "count of a mask": lambda t, x: (x > 0).sum(0),
    "one_hot": lambda t, x: F(t).one_hot(long(t, [[1, 0], [2, 3]]), 5),
    "integer arithmetic": lambda t, x: long(t, [[1, 2], [3, 4]]).sum(0) * 3 + 1,
    "integer cumsum": lambda t, x: long(t, [1, 2, 3]).cumsum(0),
    "tril of integers": lambda t, x: t.tril(t.ones(3, 3, dtype=t.int64), -1),
}


@pytest.mark.parametrize("name", PICKED)
def test_an_op_that_picks_or_counts_matches_pytorch_exactly(name):
    x = normal((3, 4))
    mine, theirs = PICKED[name](ours, ours.tensor(x)), PICKED[name](torch, torch.tensor(x))
    assert mine.dtype == np.dtype(str(theirs.dtype).removeprefix("torch.")) and not mine.requires_grad
    assert mine.shape == tuple(theirs.shape) and mine.tolist() == theirs.tolist()
