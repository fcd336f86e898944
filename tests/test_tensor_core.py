"""Tensor arithmetic, elementwise functions, matmul and reductions; backward's bookkeeping."""

import threading

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from diffplay import Tensor, no_grad, optim
from diffplay.engine.value import topological_order
from test_tensor_checks import assert_matches_torch

FEW = settings(max_examples=15)
seeds = st.integers(0, 2**32 - 1)
broadcastable_pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def normal(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


def away_from_zero(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape)


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}


@pytest.mark.parametrize("name", BINARY)
@FEW
@given(shapes=broadcastable_pairs, seed=seeds)
def test_binary_op_broadcasts_like_torch(name, shapes, seed):
    a, b = normal(shapes.input_shapes[0], seed), away_from_zero(shapes.input_shapes[1], seed + 1)
    assert_matches_torch(BINARY[name], BINARY[name], a, b)


@FEW
@given(shapes=broadcastable_pairs, seed=seeds)
def test_power_of_two_tensors_matches_torch(shapes, seed):
    base = np.random.default_rng(seed).uniform(0.5, 2.0, shapes.input_shapes[0])
    assert_matches_torch(lambda a, b: a ** b, lambda a, b: a ** b, base, normal(shapes.input_shapes[1], seed))


CONSTANT_SIDES = {
    "number - x": (lambda x: 2.5 - x, lambda x: 2.5 - x),
    "number / x": (lambda x: 3.0 / x, lambda x: 3.0 / x),
    "x ** 3": (lambda x: x ** 3, lambda x: x ** 3),
    "x ** -1.5 of |x|": (lambda x: abs(x) ** -1.5, lambda x: x.abs() ** -1.5),
    "2 ** x": (lambda x: 2.0 ** x, lambda x: 2.0 ** x),
    "array * x": (lambda x: np.arange(3.0) * x, lambda x: torch.arange(3.0, dtype=torch.float64) * x),
    "x - array (broadcast up)": (lambda x: x - np.ones((2, 3)), lambda x: x - torch.ones(2, 3, dtype=torch.float64)),
    "-x": (lambda x: -x, lambda x: -x),
}


@pytest.mark.parametrize("name", CONSTANT_SIDES)
def test_operator_with_a_constant_side_matches_torch(name):
    ours, theirs = CONSTANT_SIDES[name]
    assert_matches_torch(ours, theirs, away_from_zero(3, 7))


UNARY = {
    "clip": (lambda x: x.clip(-0.5, 0.7), lambda x: x.clamp(-0.5, 0.7), normal),
}


@pytest.mark.parametrize("name", UNARY)
@FEW
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), seed=seeds)
def test_elementwise_function_matches_torch(name, shape, seed):
    ours, theirs, sample = UNARY[name]
    assert_matches_torch(ours, theirs, sample(shape, seed))


@FEW
@given(shapes=hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, max_side=4),
       seed=seeds)
def test_matmul_batches_and_vectors_like_torch(shapes, seed):
    a, b = (normal(s, seed + i) for i, s in enumerate(shapes.input_shapes))
    assert_matches_torch(lambda x, y: x @ y, torch.matmul, a, b)


def test_matmul_with_a_constant_matrix_matches_torch():
    w = normal((4, 2), 3)
    assert_matches_torch(lambda x: x @ w, lambda x: x @ torch.tensor(w), normal((3, 4), 1))
    assert_matches_torch(lambda x: w.T @ x, lambda x: torch.tensor(w.T) @ x, normal((4, 5), 2))


REDUCTIONS = {
    "sum": (lambda x, axis, keep: x.sum(axis, keep), lambda x, axis, keep: x.sum(axis, keep)),
    "mean": (lambda x, axis, keep: x.mean(axis, keep), lambda x, axis, keep: x.mean(axis, keep)),
    "amax": (lambda x, axis, keep: x.amax(axis, keep), lambda x, axis, keep: x.amax(axis, keep)),
    "amin": (lambda x, axis, keep: x.amin(axis, keep), lambda x, axis, keep: x.amin(axis, keep)),
}


@pytest.mark.parametrize("name", REDUCTIONS)
@FEW
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data(), seed=seeds)
def test_reduction_over_axes_matches_torch(name, shape, data, seed):
    ours, theirs = REDUCTIONS[name]
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    keep = data.draw(st.booleans())
    torch_axis = tuple(range(len(shape))) if axis is None else axis
    assert_matches_torch(lambda x: ours(x, axis, keep), lambda x: theirs(x, torch_axis, keep), normal(shape, seed))


def test_max_shares_the_gradient_between_ties():
    x = Tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]


# ---- backward's bookkeeping ----

def test_backward_accumulates_into_leaves_across_calls():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    assert x.grad.tolist() == [2.0 + 3.0, 4.0 + 3.0]


def test_interior_gradients_are_fresh_each_call():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    loss = y.sum()
    loss.backward()
    loss.backward()
    assert y.grad.tolist() == [1.0, 1.0] and x.grad.tolist() == [4.0, 4.0]


def test_a_tensor_used_twice_gets_both_gradients():
    x = Tensor([3.0], requires_grad=True)
    (x * x + x).sum().backward()
    assert x.grad.tolist() == [7.0]


def test_leaves_own_their_gradient_arrays():
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad *= 10.0
    assert b.grad.tolist() == [1.0, 1.0]


def test_constants_get_no_gradient_and_build_no_graph():
    w = Tensor([1.0, 2.0], requires_grad=True)
    data = Tensor([5.0, 6.0])
    assert not (data * 2.0).requires_grad and (data * 2.0)._children == ()
    (w * data).sum().backward()
    assert data.grad is None and w.grad.tolist() == [5.0, 6.0]


def test_no_grad_builds_no_graph_and_restores_tracing():
    w = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = w * 2.0
    assert not y.requires_grad and (w * 2.0).requires_grad


def test_no_grad_in_one_thread_leaves_other_threads_tracing():
    w = Tensor([1.0], requires_grad=True)
    inside, other_thread_done, results = threading.Event(), threading.Event(), {}

    def sample():
        with no_grad():
            inside.set()
            other_thread_done.wait(10)
            results["sampling"] = (w * 2.0).requires_grad

    def train():
        inside.wait(10)
        results["training"] = (w * 2.0).requires_grad
        other_thread_done.set()

    threads = [threading.Thread(target=sample), threading.Thread(target=train)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"sampling": False, "training": True}


def test_backward_of_a_deep_chain_needs_no_recursion():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y + 1.0
    y.backward()
    assert x.grad.tolist() == [1.0]


def test_backward_of_a_vector_needs_an_explicit_gradient():
    y = Tensor([1.0, 2.0], requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=r"shape \(2,\); pass grad="):
        y.backward()
    with pytest.raises(ValueError, match=r"grad has shape \(3,\), the output has shape \(2,\)"):
        y.backward(np.ones(3))


def test_backward_without_anything_to_differentiate_says_so():
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        (Tensor([1.0]) * 2.0).sum().backward()


# ---- dtypes and construction ----

def test_float32_stays_float32_through_every_op_and_gradient():
    x = Tensor(np.linspace(-1.0, 1.0, 24).reshape(4, 6), dtype=np.float32, requires_grad=True)
    w = Tensor(np.ones((6, 6)), dtype=np.float32, requires_grad=True)
    h = (x @ w).tanh() * 0.5 + np.float64(2.0)
    h = h.exp() / 3.0 - h.sigmoid().softplus() ** 2 + abs(h.sin().cos()).clip(-1.0, 1.0) + 2.0 ** h.relu()
    h = h.log() + h.sqrt()
    loss = h.amax(axis=1).sum() + h.min() + h.mean(axis=0, keepdims=True).sum() + h[1:, ::2].T.reshape(-1)[3]
    loss.backward()
    nodes = topological_order(loss)
    assert all(v.data.dtype == np.float32 for v in nodes)
    assert all(v.grad.dtype == np.float32 for v in nodes if v.grad is not None)


def test_integers_become_float64_unless_an_integer_dtype_is_asked_and_other_dtypes_are_refused():
    assert Tensor([1, 2]).dtype == np.float64 and Tensor([1, 2], dtype=np.int32).dtype == np.int32
    with pytest.raises(TypeError, match="dtype must be float64, float32, an integer or bool, got complex128"):
        Tensor([1, 2], dtype=np.complex128)
    with pytest.raises(TypeError, match="expected real numbers"):
        Tensor(["a"])
    with pytest.raises(TypeError, match="Tensor: only float Tensors can require gradients, got int64"):
        Tensor([1, 2], dtype=np.int64, requires_grad=True)


def test_wrapped_views_of_one_buffer_train_the_buffer_itself():
    flat = np.arange(1.0, 7.0)
    a, b = Tensor.wrap(flat[:4].reshape(2, 2), requires_grad=True), Tensor.wrap(flat[4:], requires_grad=True)
    (a.sum() * 2.0 + (b * b).sum()).backward()
    assert a.grad.tolist() == [[2.0, 2.0], [2.0, 2.0]] and b.grad.tolist() == [10.0, 12.0]
    optim.SGD([a, b], lr=0.5).step()
    assert flat.tolist() == [0.0, 1.0, 2.0, 3.0, 0.0, 0.0] and np.shares_memory(a.data, flat)


@pytest.mark.parametrize("bad, kind", [([1.0, 2.0], "list"), (np.arange(3), "an array of int64")])
def test_wrap_refuses_what_is_not_a_float_array(bad, kind):
    with pytest.raises(TypeError, match=f"Tensor.wrap: expected a float64 or float32 NumPy array, got {kind}"):
        Tensor.wrap(bad)


def test_an_array_on_the_left_gives_a_tensor():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0]) * x
    assert type(y) is Tensor
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]


def test_item_detach_and_numpy():
    x = Tensor([[2.5]], requires_grad=True)
    assert x.item() == 2.5 and x.numpy() is x.data
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.item() == 5.0
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        Tensor([1.0, 2.0]).item()


# ---- errors name the op ----

def test_shape_mismatch_names_the_op_and_both_shapes():
    with pytest.raises(ValueError, match=r"add: shapes \(3,\) and \(4,\) do not broadcast"):
        Tensor(np.ones(3)) + Tensor(np.ones(4))
    with pytest.raises(ValueError, match=r"matmul: shapes \(3, 4\) and \(5, 2\) do not align"):
        Tensor(np.ones((3, 4))) @ Tensor(np.ones((5, 2)))


def test_a_non_number_operand_is_refused_by_name():
    with pytest.raises(TypeError, match="mul: expected a number, an array or a Tensor, got str"):
        Tensor([1.0]) * "2"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_non_finite_output_names_the_op_where_it_appears():
    x = Tensor([1.0, 1000.0], requires_grad=True)   # e^1000 overflows (log(0) is refused at once)
    with pytest.raises(FloatingPointError, match="output of op 'exp'"):
        (x.exp() * 2.0).sum().backward()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_non_finite_gradient_names_the_op_whose_derivative_blows_up():
    x = Tensor([4.0, 0.0], requires_grad=True)
    with pytest.raises(FloatingPointError, match="gradient of op 'sqrt'"):
        (x.sqrt() + 1.0).sum().backward()
