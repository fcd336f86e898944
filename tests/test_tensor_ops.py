"""The fused ops (linear, softmax family, cross_entropy, rms_norm, attention) vs torch and
finite differences."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from diffplay import Tensor
from diffplay.engine import tensor_kernels as kernels
from diffplay.engine.tensor_ops import (attention, attention_weights, concat, cross_entropy, index_select, linear,
                                        log_softmax, logsumexp, rms_norm, softmax, stack, where)
from diffplay.engine.value import topological_order
from test_tensor_checks import assert_matches_torch

TF = torch.nn.functional

FEW = settings(max_examples=12)
shapes = hnp.array_shapes(min_dims=1, max_dims=3, max_side=5)


def normal(shape, seed=0, scale=1.0):
    return scale * np.random.default_rng(seed).standard_normal(shape)


@FEW
@given(batch=hnp.array_shapes(min_dims=0, max_dims=2, max_side=3), sizes=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       bias=st.booleans())
def test_linear_matches_torch(batch, sizes, bias):
    n_in, n_out = sizes
    arrays = [normal(batch + (n_in,), 1), normal((n_out, n_in), 2)] + ([normal(n_out, 3)] if bias else [])
    assert_matches_torch(linear, TF.linear, *arrays)


def test_linear_of_constant_data_gives_weights_their_gradient():
    x = normal((4, 3))
    assert_matches_torch(lambda w, b: linear(x, w, b), lambda w, b: TF.linear(torch.tensor(x), w, b),
                         normal((2, 3), 1), normal(2, 2))


def test_linear_misfits_name_the_shapes():
    with pytest.raises(ValueError, match=r"linear: input of shape \(4, 3\) does not fit weight of shape \(2, 5\)"):
        linear(Tensor(np.ones((4, 3))), Tensor(np.ones((2, 5))))
    with pytest.raises(ValueError, match=r"linear: bias of shape \(3,\) does not fit 2 outputs"):
        linear(Tensor(np.ones((4, 3))), Tensor(np.ones((2, 3))), Tensor(np.ones(3)))


SOFTMAX_FAMILY = {
    "softmax": (softmax, lambda x, axis: torch.softmax(x, axis)),
    "log_softmax": (log_softmax, lambda x, axis: torch.log_softmax(x, axis)),
    "logsumexp": (logsumexp, lambda x, axis: torch.logsumexp(x, axis)),
}


@pytest.mark.parametrize("name", SOFTMAX_FAMILY)
@FEW
@given(shape=shapes, data=st.data(), seed=st.integers(0, 99))
def test_softmax_family_matches_torch_along_any_axis(name, shape, data, seed):
    ours, theirs = SOFTMAX_FAMILY[name]
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    assert_matches_torch(lambda x: ours(x, axis), lambda x: theirs(x, axis), normal(shape, seed, scale=3.0))


@pytest.mark.parametrize("name", SOFTMAX_FAMILY)
def test_softmax_family_is_steady_for_huge_inputs(name):
    ours, theirs = SOFTMAX_FAMILY[name]
    assert_matches_torch(lambda x: ours(x, -1), lambda x: theirs(x, -1), np.array([[1000.0, 999.0, -1000.0]]),
                         finite_differences=False)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
def test_logsumexp_of_all_minus_infinity_is_minus_infinity():
    assert logsumexp(Tensor([-np.inf, -np.inf])).item() == -np.inf


def test_logsumexp_keepdims_keeps_the_axis():
    assert_matches_torch(lambda x: logsumexp(x, 0, keepdim=True), lambda x: torch.logsumexp(x, 0, keepdim=True),
                         normal((3, 2)))


@FEW
@given(lead=hnp.array_shapes(min_dims=1, max_dims=2, max_side=4), classes=st.integers(1, 6), data=st.data())
def test_cross_entropy_matches_torch_with_ignored_targets(lead, classes, data):
    targets = data.draw(hnp.arrays(np.int64, lead, elements=st.sampled_from(list(range(classes)) + [-100])))
    if (targets == -100).all():
        targets.flat[0] = 0

    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    smoothing = data.draw(st.sampled_from([0.0, 0.1]))
    shape = lead[:1] + (classes,) + lead[1:]   # classes on axis 1, as torch has them

    def theirs(logits):
        return TF.cross_entropy(logits, torch.tensor(targets), reduction=reduction, label_smoothing=smoothing)

    assert_matches_torch(lambda x: cross_entropy(x, targets, reduction=reduction, label_smoothing=smoothing), theirs,
                         normal(shape, data.draw(st.integers(0, 99)), scale=2.0))


def test_cross_entropy_mask_drops_padded_positions():
    logits = normal((2, 3, 5))
    targets = np.array([[1, 2, 0], [4, 0, 0]])
    mask = np.array([[True, True, True], [True, False, False]])
    ignored = np.where(mask, targets, -100)
    assert_matches_torch(lambda x: cross_entropy(x.reshape(6, 5), targets.reshape(6), mask=mask.reshape(6)),
                         lambda x: TF.cross_entropy(x.reshape(6, 5), torch.tensor(ignored).reshape(6)), logits)


def test_cross_entropy_bad_targets_say_what_is_wrong():
    logits = Tensor(np.zeros((2, 27)))
    with pytest.raises(IndexError, match="cross_entropy: target 27 is out of range for 27 classes"):
        cross_entropy(logits, np.array([3, 27]))
    with pytest.raises(IndexError, match="cross_entropy: target -2 is out of range"):
        cross_entropy(logits, np.array([-2, 1]))
    with pytest.raises(ValueError, match=r"needs targets of shape \(2,\), got \(3,\)"):
        cross_entropy(logits, np.array([1, 2, 3]))
    with pytest.raises(ValueError, match="every target is ignored"):
        cross_entropy(logits, np.array([-100, -100]))
    with pytest.raises(ValueError, match=r"probability targets of shape \(2,\) need the input's shape \(2, 27\)"):
        cross_entropy(logits, np.array([1.0, 2.0]))   # float targets are class probabilities


@FEW
@given(shape=shapes, seed=st.integers(0, 99))
def test_rms_norm_matches_torch(shape, seed):
    assert_matches_torch(lambda x: rms_norm(x, shape[-1:], eps=1e-5), lambda x: TF.rms_norm(x, shape[-1:], eps=1e-5),
                         normal(shape, seed))


def torch_attention(q, k, v, n_head, causal):
    def heads(t):
        return t.reshape(*t.shape[:-1], n_head, -1).transpose(-2, -3)

    tq, tk = q.shape[-2], k.shape[-2]
    mask = torch.ones(tq, tk, dtype=torch.bool).tril(tk - tq) if causal else None
    out = TF.scaled_dot_product_attention(heads(q), heads(k), heads(v), attn_mask=mask)
    return out.transpose(-2, -3).reshape(q.shape)


ATTENTION_SIZES = dict(batch=hnp.array_shapes(min_dims=0, max_dims=1, max_side=2), head_dim=st.integers(1, 3),
                       n_head=st.integers(1, 3), tq=st.integers(1, 5), extra_keys=st.integers(0, 2),
                       causal=st.booleans(), seed=st.integers(0, 99))


@FEW
@given(**ATTENTION_SIZES)
def test_attention_matches_torch(batch, head_dim, n_head, tq, extra_keys, causal, seed):
    c, tk = head_dim * n_head, tq + extra_keys
    q, k, v = normal(batch + (tq, c), seed), normal(batch + (tk, c), seed + 1), normal(batch + (tk, c), seed + 2)
    assert_matches_torch(lambda q, k, v: attention(q, k, v, n_head, causal),
                         lambda q, k, v: torch_attention(q, k, v, n_head, causal), q, k, v)


@FEW
@given(**ATTENTION_SIZES)
def test_attention_weights_match_torch_softmax(batch, head_dim, n_head, tq, extra_keys, causal, seed):
    c, tk = head_dim * n_head, tq + extra_keys
    q, k = normal(batch + (tq, c), seed), normal(batch + (tk, c), seed + 1)
    Q, K = (torch.tensor(a).reshape(*a.shape[:-1], n_head, head_dim).transpose(-2, -3) for a in (q, k))
    scores = Q @ K.transpose(-1, -2) / head_dim ** 0.5
    if causal:
        scores = scores.masked_fill(~torch.ones(tq, tk, dtype=torch.bool).tril(tk - tq), -torch.inf)
    weights = attention_weights(Tensor(q), Tensor(k), n_head, causal)
    assert isinstance(weights, np.ndarray) and weights.shape == batch + (n_head, tq, tk)
    np.testing.assert_allclose(weights, torch.softmax(scores, -1).numpy(), rtol=1e-12, atol=1e-15)


@FEW
@given(batch=ATTENTION_SIZES["batch"], head_dim=st.integers(1, 3), n_head=st.integers(1, 3), t=st.integers(1, 5),
       seed=st.integers(0, 99), dtype=st.sampled_from([np.float64, np.float32]))
def test_attention_of_q_k_and_v_side_by_side_is_attentions_to_the_last_bit(batch, head_dim, n_head, t, seed, dtype):
    """The GPT's attention takes q, k and v as one product (kernels.qkv_attention, as nanoGPT's
    c_attn): its result and their gradients are the three-input kernel's, bit for bit."""
    c = head_dim * n_head
    qkv, g = normal(batch + (t, 3 * c), seed).astype(dtype), normal(batch + (t, c), seed + 1).astype(dtype)
    out, vjp = kernels.attention(qkv[..., :c], qkv[..., c:2 * c], qkv[..., 2 * c:], n_head)
    side_by_side, side_by_side_vjp = kernels.qkv_attention(qkv, n_head)
    assert side_by_side.dtype == out.dtype == dtype and np.array_equal(side_by_side, out)
    assert np.array_equal(side_by_side_vjp(g), np.concatenate(vjp(g), axis=-1))


def test_attention_weights_are_what_attention_mixes_v_with():
    q, k, v = normal((5, 6)), normal((5, 6), 1), normal((5, 6), 2)
    weights = attention_weights(q, k, n_head=2)
    mixed = np.concatenate([weights[h] @ v[:, 3 * h:3 * h + 3] for h in range(2)], axis=1)
    np.testing.assert_allclose(attention(Tensor(q), Tensor(k), Tensor(v), n_head=2).data, mixed, rtol=1e-12)
    assert np.all(weights[:, np.triu_indices(5, 1)[0], np.triu_indices(5, 1)[1]] == 0.0)


def test_attention_weights_misfits_name_the_shapes():
    with pytest.raises(ValueError, match=r"attention: q, k of shapes \(4, 6\), \(4, 4\) do not fit together"):
        attention_weights(np.ones((4, 6)), np.ones((4, 4)))


def test_causal_attention_ignores_the_future():
    q = Tensor(normal((4, 6)), requires_grad=True)
    kv = Tensor(normal((4, 6), 1), requires_grad=True)
    attention(q, kv, kv, n_head=2)[1].sum().backward()
    assert np.all(kv.grad[2:] == 0.0) and np.any(kv.grad[:2] != 0.0)


def test_attention_misfits_name_the_shapes():
    with pytest.raises(ValueError, match=r"attention: q of shape \(4, 6\) does not split into 4 heads"):
        attention(Tensor(np.ones((4, 6))), Tensor(np.ones((4, 6))), Tensor(np.ones((4, 6))), n_head=4)
    with pytest.raises(ValueError, match=r"q, k, v of shapes \(4, 6\), \(3, 6\), \(4, 6\) do not fit together"):
        attention(Tensor(np.ones((4, 6))), Tensor(np.ones((3, 6))), Tensor(np.ones((4, 6))))
    with pytest.raises(ValueError, match=r"more queries \(4\) than keys \(3\)"):
        attention(Tensor(np.ones((4, 6))), Tensor(np.ones((3, 6))), Tensor(np.ones((3, 6))))


def test_fused_and_shape_ops_keep_float32_in_values_and_gradients():
    x = Tensor(normal((2, 4, 6)), dtype=np.float32, requires_grad=True)
    w = Tensor(normal((6, 6), 1), dtype=np.float32, requires_grad=True)
    h = rms_norm(linear(x, w, Tensor(np.ones(6), dtype=np.float32, requires_grad=True)), (6,))
    h = attention(h, h, softmax(h) + log_softmax(h), n_head=2)
    h = concat([h, stack([h[0], h[1]])]).reshape(4, 4, 6)
    h = where(h > 0, h, h * 2.0) + index_select(h, 1, [3, 0, 0, 1])
    loss = cross_entropy(h, np.array([[0, 1, 2, 3, 0, 1]] * 4)) + logsumexp(h).mean()
    loss.backward()
    nodes = topological_order(loss)
    assert all(v.data.dtype == np.float32 for v in nodes)
    assert all(v.grad.dtype == np.float32 for v in nodes if v.grad is not None)
