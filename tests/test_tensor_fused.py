"""fused_op: your own Tensor op from a forward and its hand-written vector-Jacobian product,
checked against torch and finite differences, and its mistakes named after the op."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis.extra import numpy as hnp

from diffplay import Tensor, gradcheck, no_grad
from diffplay.engine import fused_op
from test_tensor_checks import assert_matches_torch


@fused_op
def hypot(x, y):
    d = np.sqrt(x * x + y * y)
    return d, lambda g: (g * x / d, g * y / d)   # d|v|/dv = v/|v|


@fused_op
def scaled_softplus(x, *, scale):
    e = np.exp(-np.abs(x))
    s = np.where(x >= 0, 1 / (1 + e), e / (1 + e))   # sigmoid, the derivative of softplus
    return scale * (np.maximum(x, 0) + np.log1p(e)), lambda g: (g * scale * s,)


def torch_hypot(x, y):
    return torch.sqrt(x * x + y * y)


pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)


@settings(max_examples=15, deadline=None)
@given(shapes=pairs)
def test_fused_op_matches_torch_and_finite_differences_for_broadcast_inputs(shapes):
    (a, b), _ = shapes
    x, y = 1.0 + np.random.default_rng(1).random(a), -1.0 - np.random.default_rng(2).random(b)
    assert_matches_torch(hypot, torch_hypot, x, y)


def test_fused_op_settings_pass_through_untraced():
    x = np.linspace(-3.0, 3.0, 7)
    assert_matches_torch(lambda t: scaled_softplus(t, scale=2.5), lambda t: 2.5 * torch.nn.functional.softplus(t), x)


def test_fused_op_is_one_node_named_after_its_forward_over_its_tensor_inputs():
    x = Tensor([3.0, 5.0], requires_grad=True)
    out = hypot(x, 4.0)
    assert out.op == "hypot" and out._children == (x,) and hypot.__name__ == "hypot"
    out.sum().backward()
    assert np.allclose(out.data, [5.0, np.sqrt(41.0)]) and np.allclose(x.grad, [3 / 5, 5 / np.sqrt(41.0)])


def test_fused_op_gives_plain_arrays_for_plain_arrays_and_constants_under_no_grad():
    assert type(hypot(np.array([3.0]), np.array([4.0]))) is np.ndarray
    with no_grad():
        out = hypot(Tensor([3.0], requires_grad=True), np.array([4.0]))
    assert type(out) is Tensor and not out.requires_grad and out.data[0] == 5.0


def test_fused_op_name_can_be_given():
    op = fused_op(lambda x: (2 * x, lambda g: (2 * g,)), name="double")
    assert op(Tensor([1.0], requires_grad=True)).op == "double"


def wrong(grads):
    """An op whose vjp returns `grads`, whatever the inputs."""
    return fused_op(lambda x, y: (x + y, lambda g: grads), name="wrong")


@pytest.mark.parametrize("grads, message", [
    ((np.ones(3),), r"wrong: vjp must return a tuple of 2 gradients, one per input, got 1"),
    (np.ones(3), r"wrong: vjp must return a tuple of 2 gradients, one per input, got ndarray"),
    ((np.ones(3), np.ones(4)), r"wrong: vjp returned a gradient of shape \(4,\) for input 1 of shape \(3,\)"),
    ((np.ones(3), np.ones(())), r"wrong: vjp returned a gradient of shape \(\) for input 1 of shape \(3,\)"),
])
def test_fused_op_vjp_mistakes_name_the_op(grads, message):
    out = wrong(grads)(Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(3), requires_grad=True))
    with pytest.raises(ValueError, match=message):
        out.sum().backward()


def test_fused_op_bad_input_names_the_op():
    with pytest.raises(TypeError, match="hypot: expected a number, an array or a Tensor, got str"):
        hypot(Tensor([1.0]), "two")


def test_fused_op_non_finite_gradient_names_the_op():
    x = Tensor([0.0], requires_grad=True)
    with np.errstate(invalid="ignore"), pytest.raises(FloatingPointError,
                                                      match="first appears in the gradient of op 'hypot'"):
        hypot(x, 0.0).sum().backward()   # 0/0 at the origin, where |v| has no derivative


def test_fused_op_gradient_survives_a_composed_graph():
    x, y = Tensor([[1.0, -2.0], [0.5, 3.0]]), Tensor([2.0, 1.5])
    assert max(gradcheck(lambda x, y: (hypot(x * y, y).tanh() * x).sum(), [x, y])) < 1e-7
