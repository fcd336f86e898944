"""Reshape, permute, indexing, index_select, concat, stack and where: values and gradients."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from diffplay import Tensor
from diffplay.engine.tensor_ops import concat, embedding, index_select, stack, where
from test_tensor_checks import assert_matches_torch

FEW = settings(max_examples=15)


def normal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@FEW
@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=3), data=st.data())
def test_permute_and_reshape_match_torch(shape, data):
    axes = [a - data.draw(st.sampled_from([0, len(shape)])) for a in data.draw(st.permutations(range(len(shape))))]
    flat = int(np.prod(shape))
    assert_matches_torch(lambda x: x.permute(axes).reshape(flat, 1), lambda x: x.permute(axes).reshape(flat, 1),
                         normal(shape))


def test_T_reverses_the_axes():
    assert_matches_torch(lambda x: x.T * np.arange(4.0)[:, None], lambda x: x.T * torch.arange(4.0)[:, None],
                         normal((3, 4)))


INDICES = {
    "slices": np.s_[1:, ::2],
    "int and ellipsis": np.s_[..., 2],
    "new axis": np.s_[None, 0],
    "repeated rows": np.s_[[0, 2, 0, 0]],
    "row and column arrays": np.s_[[0, 1, 1], [3, 3, 0]],
    "boolean mask": np.array([True, False, True]),
}


@pytest.mark.parametrize("name", INDICES)
def test_indexing_matches_torch_and_adds_repeated_picks(name):
    index = INDICES[name]
    torch_index = tuple(torch.tensor(i) if isinstance(i, list | np.ndarray) else i
                        for i in (index if isinstance(index, tuple) else (index,)))
    assert_matches_torch(lambda x: x[index], lambda x: x[torch_index], normal((3, 4)))


@FEW
@given(rows=st.integers(1, 5), cols=st.integers(1, 4),
       picks=st.lists(st.integers(0, 4), min_size=1, max_size=12))
def test_embedding_gather_adds_gradients_of_repeated_indices(rows, cols, picks):
    idx = np.array([p % rows for p in picks]).reshape(-1, 1)   # a (n, 1) batch of token ids
    assert_matches_torch(lambda w: embedding(idx, w), lambda w: torch.nn.functional.embedding(torch.tensor(idx), w),
                         normal((rows, cols)))


def test_index_select_along_a_later_axis_matches_torch():
    idx = np.array([3, 0, 3])
    assert_matches_torch(lambda x: x.index_select(-1, idx), lambda x: x.index_select(-1, torch.tensor(idx)),
                         normal((2, 3, 4)))


def test_embedding_out_of_range_names_the_index_and_the_size():
    w = Tensor(np.zeros((27, 4)))
    with pytest.raises(IndexError, match="embedding: index 30 is out of range for axis 0 of size 27"):
        embedding(np.array([1, 30]), w)
    with pytest.raises(IndexError, match="index_select: index -1 is out of range"):
        index_select(w, 0, [-1])
    with pytest.raises(TypeError, match="embedding: indices must be integers, got an array of float64"):
        embedding([1.0], w)


def test_indexing_out_of_range_names_the_index():
    with pytest.raises(IndexError, match="index: index 5 is out of bounds for axis 0 with size 3"):
        Tensor(np.zeros(3))[5]


@FEW
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3), data=st.data())
def test_concat_and_stack_match_torch(shape, data):
    axis = data.draw(st.integers(0, len(shape) - 1))
    longer = list(shape)
    longer[axis] += 1
    a, b = normal(shape, 1), normal(longer, 2)
    assert_matches_torch(lambda x, y: concat([x, y], axis), lambda x, y: torch.cat([x, y], axis), a, b)
    assert_matches_torch(lambda x, y: stack([x, y * 2.0], axis), lambda x, y: torch.stack([x, y * 2.0], axis), a, a)


def test_concat_with_a_constant_array_passes_gradient_to_the_tensor_only():
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    (concat([np.zeros((1, 2)), x]) * np.arange(6.0).reshape(3, 2)).sum().backward()
    assert x.grad.tolist() == [[2.0, 3.0], [4.0, 5.0]]


def test_concat_and_stack_of_misfits_name_the_shapes():
    with pytest.raises(ValueError, match=r"cat: shapes \(2, 3\), \(2, 4\) do not fit together along dim 0"):
        concat([Tensor(np.ones((2, 3))), Tensor(np.ones((2, 4)))])
    with pytest.raises(ValueError, match=r"stack: shapes \(2,\), \(3,\) differ"):
        stack([Tensor(np.ones(2)), Tensor(np.ones(3))])


@FEW
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3), seed=st.integers(0, 99))
def test_where_broadcasts_and_routes_gradients_like_torch(shapes, seed):
    cond_shape, x_shape, y_shape = shapes.input_shapes
    cond = normal(cond_shape, seed) > 0
    assert_matches_torch(lambda x, y: where(cond, x, y), lambda x, y: torch.where(torch.tensor(cond), x, y),
                         normal(x_shape, seed + 1), normal(y_shape, seed + 2))


def test_reshape_to_a_wrong_size_names_both_shapes():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape shape \(2, 3\) into \(4,\)"):
        Tensor(np.ones((2, 3))).reshape(4)
