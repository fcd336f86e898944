"""The gradient checker the Tensor tests share, and proof that it catches a wrong gradient.

`assert_matches_torch` runs an op on diffplay Tensors and the same op on float64 torch
tensors, and holds the values and every input's gradient equal to 1e-8; it also holds the
gradients to central finite differences (diffplay.gradcheck).
"""

import numpy as np
import pytest
import torch

from diffplay import Tensor, gradcheck
from diffplay.engine import fused_op


def assert_matches_torch(fn, torch_fn, *arrays, finite_differences=True, seed=0):
    """fn(*Tensors) equals torch_fn(*torch tensors) in value and gradients (1e-8), and its
    gradients equal finite differences (1e-6). A random weighting of the output makes every
    output entry count."""
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    out = fn(*ours)
    weight = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(weight)
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    expected = torch_fn(*theirs)
    expected.backward(torch.tensor(weight))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-8, atol=1e-10)
    for x, t in zip(ours, theirs):
        np.testing.assert_allclose(x.grad, t.grad.numpy(), rtol=1e-8, atol=1e-10)
    if finite_differences:
        errors = gradcheck(lambda *xs: (fn(*xs) * weight).sum(), [Tensor(a) for a in arrays])
        assert max(errors) < 1e-6, errors


@fused_op
def _tanh_with_wrong_derivative(x):
    t = np.tanh(x)
    return t, lambda g: (g * (1.0 - t),)   # should be 1 - t²


def test_checker_catches_a_wrong_gradient():
    a = np.linspace(-1.0, 1.0, 5)
    with pytest.raises(AssertionError):
        assert_matches_torch(_tanh_with_wrong_derivative, torch.tanh, a)


def test_checker_passes_a_right_gradient():
    assert_matches_torch(lambda x: x.tanh(), torch.tanh, np.linspace(-1.0, 1.0, 5))


def test_finite_differences_alone_catch_a_wrong_gradient():
    errors = gradcheck(lambda x: _tanh_with_wrong_derivative(x).sum(), [Tensor(np.linspace(-1.0, 1.0, 5))])
    assert max(errors) > 1e-3


def test_finite_differences_reach_an_input_whose_data_is_a_transposed_view():
    x = Tensor(0.0)
    x.data = np.arange(1.0, 7.0).reshape(2, 3).T   # not contiguous: a flat reshape of it is a copy
    weight = np.random.default_rng(0).standard_normal((3, 2))
    assert max(gradcheck(lambda x: (x * x * weight).sum(), [x])) < 1e-8
    assert max(gradcheck(lambda x: (x * weight).sum(), [x])) < 1e-8


def test_finite_differences_refuse_float32_inputs():
    with pytest.raises(ValueError, match="gradcheck: input 1 is float32; finite differences need float64"):
        gradcheck(lambda a, b: (a * b).sum(), [Tensor([1.0, 2.0]), Tensor([3.0, 4.0], dtype="float32")])
