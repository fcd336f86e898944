"""Misusing the library (issue 14): each mistake that went silent or surfaced as NumPy's words
is now a ValueError in diffplay's, naming the op, the place and the value, as Value's are."""

import numpy as np
import pytest

from diffplay import Tensor, Value, optim


@pytest.mark.parametrize("make", [lambda: Tensor([1.0, 2.0], requires_grad=True), lambda: Value(1.0)],
                         ids=["Tensor", "Value"])
@pytest.mark.parametrize("optimizer", [optim.SGD, optim.Adam, optim.LBFGS])
def test_a_parameter_given_twice_is_refused_instead_of_stepped_twice(make, optimizer):
    p, other = make(), make()
    with pytest.raises(ValueError, match=rf"^{optimizer.__name__}: parameters 0 and 2 are the same "
                                         rf"{type(p).__name__}; give each parameter once$"):
        optimizer([p, other, p], lr=0.1)


@pytest.mark.parametrize("op, data, message", [
    ("log", [1.0, 0.0], r"^log: input must be > 0, got 0.0 at index \(1,\)$"),
    ("log", [[2.0, np.nan]], r"^log: input must be > 0, got nan at index \(0, 1\)$"),
    ("sqrt", [[1.0], [-1.0]], r"^sqrt: input must be >= 0, got -1.0 at index \(1, 0\)$"),
])
def test_log_and_sqrt_outside_their_domain_name_the_op_as_value_does(op, data, message):
    with pytest.raises(ValueError, match=message):
        getattr(Tensor(data), op)()
    assert getattr(Value(1.0), op)().data == getattr(Tensor([1.0]), op)().data[0]


def test_log_and_sqrt_inside_their_domain_are_unchanged():
    assert Tensor([0.0]).sqrt().data.tolist() == [0.0]
    assert Tensor([1.0, np.e]).log().data.tolist() == [0.0, 1.0]


@pytest.mark.parametrize("call, error, message", [
    (lambda t: t.sum(dim=5), IndexError, r"^sum: dim 5 is out of range for a Tensor of 2 dimensions$"),
    (lambda t: t.mean(dim=-3), IndexError, r"^mean: dim -3 is out of range"),
    (lambda t: t.sum(dim=(0, 0)), ValueError, r"^sum: dim \(0, 0\) names an axis twice$"),
    (lambda t: t.max(dim=(0, 1)), TypeError, r"^max: dim must be one axis \(an int\), got \(0, 1\)$"),
    (lambda t: t.sum(dim=1.0), TypeError, r"^sum: dim must be an int or a tuple of ints, got 1.0$"),
    (lambda t: t.softmax(dim=2), IndexError, r"^softmax: dim 2 is out of range"),
    (lambda t: t.log_softmax(dim=4), IndexError, r"^log_softmax: dim 4 is out of range"),
    (lambda t: t.logsumexp(dim=4), IndexError, r"^logsumexp: dim 4 is out of range"),
    (lambda t: t.gather(3, Tensor([[0]])), IndexError, r"^gather: dim 3 is out of range"),
])
def test_a_bad_dim_is_named_in_the_ops_words_not_numpys(call, error, message):
    """PyTorch's words and exception types (IndexError for a dim out of range), never NumPy's."""
    with pytest.raises(error, match=message):
        call(Tensor(np.ones((2, 3))))
