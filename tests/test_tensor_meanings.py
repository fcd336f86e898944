"""PyTorch's names mean PyTorch's things on Tensor: ==, transpose, max(dim), integer and boolean
Tensors, the spellings a makemore user writes; the bugs issue 13 reported; errors that name the op."""

import numpy as np
import pytest
import torch

import diffplay.torch as ours
from diffplay import Tensor, no_grad
from diffplay.engine.tensor_ops import logsumexp


def normal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- the bugs of issue 13, one test each ----

def test_a_permutation_with_a_negative_axis_sends_the_gradient_back_in_the_input_shape():
    x = Tensor(normal((2, 3, 4)), requires_grad=True)
    (x.permute(-1, 0, 1).reshape(-1) * np.arange(24.0)).sum().backward()
    t = torch.tensor(x.data, requires_grad=True)
    (t.permute(-1, 0, 1).reshape(-1) * torch.arange(24.0)).sum().backward()
    assert x.grad.shape == (2, 3, 4) and np.array_equal(x.grad, t.grad.numpy())


def test_logsumexp_of_a_0d_tensor_has_a_0d_gradient():
    x = Tensor(2.0, requires_grad=True)
    logsumexp(x).backward()
    assert x.grad.shape == () and x.grad == 1.0


@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_reducing_a_0d_tensor_over_dim_0_runs_backward(reduce):
    x = Tensor(2.0, requires_grad=True)
    out = getattr(x, reduce)(0)
    out.backward()
    assert out.shape == () and x.grad.shape == () and x.grad == 1.0


@pytest.mark.parametrize("a, b", [((0,), (0,)), ((3,), (3, 0)), ((2, 0, 3), (3, 0)), ((2, 3, 0), (0, 3))])
def test_a_zero_size_matmul_runs_backward(a, b):
    x, y = Tensor(np.ones(a), requires_grad=True), Tensor(np.ones(b), requires_grad=True)
    (x @ y).sum().backward()
    assert x.grad.shape == a and y.grad.shape == b and not x.grad.any() and not y.grad.any()


# ---- spellings that used to run and mean something else ----

def test_equality_is_elementwise_and_tensors_still_hash_by_identity():
    a, b = Tensor([1.0, 2.0, 3.0]), Tensor([1.0, 5.0, 3.0])
    assert (a == b).tolist() == [True, False, True] and (a != b).dtype == np.bool_
    assert (a == 2.0).tolist() == [False, True, False]
    assert len({a, b, a}) == 2 and {a: 1}[a] == 1 and a in [b, a][1:]
    assert (a == None) is False and (a != "text") is True   # noqa: E711 (not comparable: by identity)


def test_comparisons_make_boolean_tensors_that_index_and_count():
    x = Tensor([-1.0, 2.0, 0.5])
    mask = x > 0
    assert type(mask) is Tensor and mask.dtype == np.bool_ and not mask.requires_grad
    assert x[mask].tolist() == [2.0, 0.5] and mask.sum().item() == 2 and (~mask).tolist() == [True, False, False]
    assert mask.float().mean().item() == pytest.approx(2 / 3)


def test_masks_combine_with_and_or_xor_and_floats_are_refused():
    x = Tensor([-1.0, 0.5, 2.0])
    assert ((x > 0) & (x < 1)).tolist() == [False, True, False] and ((x < 0) | True).tolist() == [True] * 3
    assert (np.array([True, False, True]) ^ (x > 0)).tolist() == [True, True, False]
    with pytest.raises(TypeError, match="and: needs boolean or integer Tensors, got bool and float64"):
        (x > 0) & x


def test_the_truth_of_a_tensor_is_its_single_element_or_an_error():
    assert bool(Tensor([3.0]) > 2) and not Tensor(0.0)
    with pytest.raises(RuntimeError, match=r"bool: the truth of a Tensor of shape \(2,\) is ambiguous"):
        bool(Tensor([1.0, 2.0]) > 0)


def test_transpose_swaps_two_dims_of_a_2d_tensor():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.transpose(0, 1).tolist() == x.data.T.tolist() == x.T.tolist()
    with pytest.raises(TypeError):
        x.transpose((1, 0))   # a permutation is permute's


def test_max_along_a_dim_gives_values_and_indices():
    x = Tensor([[1.0, 7.0, 3.0], [9.0, 2.0, 4.0]], requires_grad=True)
    values, indices = x.max(1)
    assert values.tolist() == [7.0, 9.0] and indices.tolist() == [1, 0] and indices.dtype == np.int64
    assert x.max(1)[0].tolist() == x.max(dim=1).values.tolist() == x.amax(1).tolist()
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    assert x.argmax(1).tolist() == [1, 0] and x.argmax().item() == 3 and x.min(0).indices.tolist() == [0, 1, 0]


def test_max_along_a_dim_sends_a_tie_to_one_entry_and_max_of_all_shares_it():
    x = Tensor([2.0, 2.0, 1.0], requires_grad=True)
    x.max(0).values.backward()
    assert x.grad.tolist() == [1.0, 0.0, 0.0]
    x.grad = None
    x.max().backward()
    assert x.grad.tolist() == [0.5, 0.5, 0.0]


# ---- integer and boolean tensors ----

@pytest.mark.parametrize("data, dtype", [
    ([1, 2], np.int64), ([True, False], np.bool_), ([1.5, 2.0], np.float64), (np.arange(3, dtype=np.int32), np.int32),
    (np.ones(2, np.float32), np.float32)])
def test_tensor_infers_integer_and_boolean_dtypes_as_torch_does(data, dtype):
    assert ours.tensor(data).dtype == dtype   # torch's, but float64 where torch's default float32 would be


def test_integer_tensors_index_targets_and_count_without_gradients():
    X = ours.tensor([[0, 1], [2, 3], [1, 1]])
    ix = ours.tensor([2, 0])
    emb = Tensor(normal((4, 4)), requires_grad=True)
    assert X[ix].tolist() == [[1, 1], [0, 1]] and X[ix].dtype == np.int64
    counts = ours.zeros((4, 4), dtype=ours.int32)
    counts[X[:, 0], X[:, 1]] += 1
    assert counts.sum().item() == 3 and counts.dtype == np.int32
    loss = ours.nn.functional.cross_entropy(emb[X[:, 0]], X[:, 1])
    loss.backward()
    assert emb.grad.shape == (4, 4)
    with pytest.raises(TypeError, match="only float Tensors can require gradients, got int64"):
        X.requires_grad_()


def test_writing_into_a_tensor_that_requires_grad_is_refused():
    with pytest.raises(RuntimeError, match="setitem: cannot write into a Tensor that requires grad"):
        Tensor([1.0, 2.0], requires_grad=True)[0] = 3.0


def test_numpy_reads_a_constant_and_refuses_a_tensor_in_a_graph():
    assert np.asarray(Tensor([1.0, 2.0]) > 1).tolist() == [False, True]
    with pytest.raises(TypeError, match="numpy: this Tensor requires grad; take .detach()"):
        np.asarray(Tensor([1.0], requires_grad=True))


# ---- the spellings a makemore user writes ----

def test_sizes_dtypes_and_plain_values_have_torchs_spellings():
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    assert x.size() == (2, 3) and x.size(-1) == 3 and x.numel() == x.nelement() == 6 and x.dim() == 2
    y = x.float()
    assert y.dtype == np.float32 and x.to(ours.float32).dtype == np.float32
    assert x.double() is x and x.long().dtype == np.int64
    (y * 2.0).sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [[2.0] * 3] * 2
    assert x.tolist() == [[1.0] * 3] * 2 and [row.tolist() for row in x] == x.tolist()
    with pytest.raises(TypeError):
        len(Tensor(1.0))


def test_no_grad_works_as_a_decorator():
    w = Tensor([1.0], requires_grad=True)

    @no_grad()
    def forward():
        return w * 2.0

    assert not forward().requires_grad and (w * 2.0).requires_grad


# ---- mistakes name the op ----

@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.transpose(0, 2), IndexError, "transpose: dim 2 is out of range for a Tensor of 2 dimensions"),
    (lambda x: x.to("cuda"), ValueError, "to: diffplay runs on the CPU only, got device 'cuda'"),
    (lambda x: x.permute(0, 0), ValueError, r"permute: dim \(0, 0\) names an axis twice"),
    (lambda x: x.permute(0), ValueError, r"permute: dims \(0,\) do not permute the 2 axes"),
    (lambda x: x.sum(5), IndexError, "sum: dim 5 is out of range"),
    (lambda x: x.sum((0, -2)), ValueError, r"sum: dim \(0, -2\) names an axis twice"),
    (lambda x: x.expand(3, 5), ValueError, r"expand: shape \(2, 3\) does not expand to \(3, 5\)"),
    (lambda x: x.split([1, 2]), ValueError, r"split: lengths \[1, 2\] do not add up to the 2 entries"),
    (lambda x: x.topk(4), ValueError, r"topk: k \(4\) is out of range for a dim of size 3"),
    (lambda x: x.cumsum((0, 1)), TypeError, r"cumsum: dim must be one axis \(an int\)"),
    (lambda x: x.reshape(4), ValueError, r"reshape: cannot reshape shape \(2, 3\) into \(4,\)"),
    (lambda x: x[:, :0].max(1), ValueError, r"max: cannot reduce over an empty axis"),
    (lambda x: ours.nn.functional.pad(x, (1, 1), mode="reflect"), NotImplementedError, "pad: mode 'reflect'"),
    (lambda x: ours.einsum("ii->i", x), NotImplementedError, "einsum: a subscript repeated within one operand"),
    (lambda x: ours.nn.functional.cross_entropy(x, ours.tensor([0, 3])), IndexError,
     "cross_entropy: target 3 is out of range for 3 classes"),
    (lambda x: ours.nn.functional.conv1d(x[None], Tensor(np.ones((1, 3, 2)))), ValueError,
     r"conv1d: input of shape \(1, 2, 3\) does not fit weight of shape \(1, 3, 2\)"),
    (lambda x: ours.nn.functional.layer_norm(x, (2,)), ValueError,
     r"layer_norm: normalized_shape \(2,\) is not the trailing shape of \(2, 3\)"),
    (lambda x: ours.nn.functional.cross_entropy(x, ours.tensor([0, 1]), reduction="avg"), ValueError,
     "cross_entropy: reduction must be 'mean', 'sum' or 'none', got 'avg'"),
])
def test_a_mistake_names_the_op(call, error, message):
    with pytest.raises(error, match=message):
        call(Tensor(normal((2, 3))))
