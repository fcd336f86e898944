"""Every elementwise function of engine/elementwise.py, on both engines: its reference value
and derivative, finite differences and PyTorch; and both engines offer exactly that set."""

import math
import operator

import numpy as np
import pytest
import torch

from diffplay import Tensor, Value, gradcheck
from diffplay.engine.elementwise import ELEMENTWISE, NAMES
from diffplay.scenes.parts.expression import evaluate, parse

ENTRIES = sorted(ELEMENTWISE)


def points(name, count=41):
    """Points inside the function's domain (within ±8), away from its kinks."""
    entry = ELEMENTWISE[name]
    lo, hi = max(entry.domain[0], -8.0) + 0.05, min(entry.domain[1], 8.0)
    xs = np.linspace(lo, hi, count)
    return [x for x in xs.tolist() if all(abs(x - k) > 1e-3 for k in entry.kinks)]


def torch_function(name):
    return operator.attrgetter(ELEMENTWISE[name].torch or name)(torch)


@pytest.mark.parametrize("name", ENTRIES)
def test_value_computes_the_reference_and_its_derivative(name):
    entry = ELEMENTWISE[name]
    for x in points(name):
        v = Value(x)
        out = getattr(v, name)()
        out.backward()
        assert out.data == pytest.approx(entry.reference(x), rel=1e-12, abs=1e-15)
        assert v.grad == pytest.approx(entry.derivative(x), rel=1e-9, abs=1e-15)
        assert out.op == name


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ENTRIES)
def test_tensor_computes_the_reference_and_its_derivative_in_its_dtype(name, dtype):
    entry, xs = ELEMENTWISE[name], points(name)
    t = Tensor(np.array(xs, dtype), requires_grad=True)
    out = getattr(t, name)()
    out.sum().backward()
    rel = 1e-12 if dtype is np.float64 else 1e-5
    assert out.data.dtype == dtype and t.grad.dtype == dtype and out.op == name
    np.testing.assert_allclose(out.data, [entry.reference(float(x)) for x in t.data], rtol=rel, atol=1e-15 + rel)
    np.testing.assert_allclose(t.grad, [entry.derivative(float(x)) for x in t.data], rtol=rel * 1e3, atol=1e-15 + rel)
    for shape in [(), (2, 3, 1)]:   # any shape keeps its shape, a 0-d one included
        x = Tensor(np.resize(t.data, shape), requires_grad=True)
        out = getattr(x, name)()
        out.sum().backward()
        assert out.shape == shape and x.grad.shape == shape


@pytest.mark.parametrize("name", ENTRIES)
def test_gradients_match_finite_differences_on_both_engines(name):
    xs = points(name, count=9)
    for x in xs:
        assert gradcheck(lambda v: getattr(v, name)(), [Value(x)])[0] < 1e-6
    assert gradcheck(lambda t: getattr(t, name)().sum(), [Tensor(np.array(xs).reshape(-1, 1))])[0] < 1e-6


SETTINGS = [(name, settings) for name in ENTRIES for settings in ({}, *ELEMENTWISE[name].variants)]


@pytest.mark.parametrize("name, settings", SETTINGS, ids=[f"{n}{s or ''}" for n, s in SETTINGS])
def test_both_engines_match_torch(name, settings):
    """With the defaults, and with each variant's settings (elu's alpha, gelu's approximation…)."""
    xs = points(name)
    theirs = torch.tensor(xs, dtype=torch.float64, requires_grad=True)
    torch_function(name)(theirs, **settings).sum().backward()
    expected, expected_grad = torch_function(name)(theirs.detach(), **settings).numpy(), theirs.grad.numpy()
    t = Tensor(xs, requires_grad=True)
    getattr(t, name)(**settings).sum().backward()
    near = 1e-14   # torch's gelu(approximate='tanh') loses ~1e-15 to cancellation where x is very negative
    np.testing.assert_allclose(getattr(Tensor(xs), name)(**settings).data, expected, rtol=1e-12, atol=near)
    np.testing.assert_allclose(t.grad, expected_grad, rtol=1e-12, atol=near)
    for x, want, want_grad in zip(xs, expected, expected_grad):
        v = Value(x)
        out = getattr(v, name)(**settings)
        out.backward()
        assert math.isclose(out.data, want, rel_tol=1e-12, abs_tol=near)
        assert math.isclose(v.grad, want_grad, rel_tol=1e-12, abs_tol=near)


@pytest.mark.parametrize("name", [name for name in ENTRIES if ELEMENTWISE[name].params])
def test_settings_go_by_position_or_keyword_on_both_engines(name):
    entry = ELEMENTWISE[name]
    (settings,) = entry.variants[:1]
    (value,) = settings.values()
    x = points(name)[3]
    want = entry.reference(x, **settings)
    assert getattr(Value(x), name)(value).data == pytest.approx(want, rel=1e-12)
    assert getattr(Tensor([x]), name)(value).item() == pytest.approx(want, rel=1e-12)
    assert getattr(Tensor([x]), name)(**settings).item() == pytest.approx(want, rel=1e-12)


def test_value_and_tensor_offer_exactly_the_catalogued_functions():
    value_methods = {name for name, f in vars(Value).items() if callable(f) and not name.startswith("_")}
    # a Value function not in the table fails here (backward and item, as Tensor's, are not elementwise)
    assert value_methods - {"backward", "item"} == set(NAMES)
    missing = [name for name in NAMES if not callable(getattr(Tensor, name, None))]
    assert not missing, f"Tensor lacks {missing}"


@pytest.mark.parametrize("name", ENTRIES)
def test_the_expression_language_calls_each_function_both_ways(name):
    x = points(name)[len(points(name)) // 2]
    want = ELEMENTWISE[name].reference(x)
    for text in (f"y = {name}(x)", f"y = x.{name}()"):
        out = evaluate(parse(f"x = {x!r}", "variables"), parse(text, "expression")).output
        assert out.data == pytest.approx(want, rel=1e-12)
