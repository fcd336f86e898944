"""Every Value op and functional block against PyTorch float64 (the test extra)."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import diffplay.functional as F
from diffplay import Value


def both(fn_value, fn_torch, xs):
    """Run one expression through both engines; return (value, grads) pairs."""
    vs = [Value(x) for x in xs]
    out = fn_value(*vs)
    out.backward()
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    tout = fn_torch(*ts)
    tout.backward()
    return (out.data, [v.grad for v in vs]), (tout.item(), [0.0 if t.grad is None else t.grad.item() for t in ts])


def close(a, b, rel=1e-6):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


CASES = {
    "pow": (lambda a: a**2.5, lambda a: a**2.5, st.floats(0.01, 10)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_unary_ops_match_torch(name):
    fv, ft, xs = CASES[name]

    @given(xs)
    def check(x):
        (v, gv), (t, gt) = both(fv, ft, [x])
        assert close(v, t) and close(gv[0], gt[0])

    check()


@given(st.floats(-5, 5), st.floats(0.1, 5), st.floats(-2, 2))
def test_binary_ops_match_torch(x, y, z):
    for fn in (lambda a, b, c: (a + b) * c - a / b, lambda a, b, c: b**c + 3.0 / b - 2.0 * a):
        (v, gv), (t, gt) = both(fn, fn, [x, y, z])
        assert close(v, t) and all(close(p, q) for p, q in zip(gv, gt))


@given(st.lists(st.floats(-10, 10).map(lambda x: round(x, 6)), min_size=2, max_size=8), st.floats(0.1, 3))
def test_functional_blocks_match_torch(xs, temperature):
    n = len(xs)
    cases = [
        (lambda *v: F.logsumexp(v), lambda *t: torch.logsumexp(torch.stack(t), 0)),
        (lambda *v: F.smooth_max(v, temperature), lambda *t: temperature * torch.logsumexp(torch.stack(t) / temperature, 0)),
        (lambda *v: F.smooth_min(v, temperature), lambda *t: -temperature * torch.logsumexp(-torch.stack(t) / temperature, 0)),
        (lambda *v: F.softmax(v)[0] * 3 + F.softmax(v)[-1], lambda *t: torch.softmax(torch.stack(t), 0)[0] * 3 + torch.softmax(torch.stack(t), 0)[-1]),
        (lambda *v: F.sum(v), lambda *t: torch.stack(t).sum()),
        (lambda *v: F.norm(v), lambda *t: torch.linalg.norm(torch.stack(t))),
        (lambda *v: F.dot(v, list(range(n))), lambda *t: torch.stack(t) @ torch.arange(n, dtype=torch.float64)),
        (lambda *v: F.distance(v[: n // 2], v[n // 2: 2 * (n // 2)]),
         lambda *t: torch.linalg.norm(torch.stack(t[: n // 2]) - torch.stack(t[n // 2: 2 * (n // 2)]))),
    ]
    for fv, ft in cases:
        (v, gv), (t, gt) = both(fv, ft, xs)
        assert close(v, t) and all(close(p, q) for p, q in zip(gv, gt))


def torch_grads(fn, xs):
    """fn's value and gradients in torch float64, infinities included."""
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = fn(*ts)
    out.backward()
    return out.item(), [t.grad.item() for t in ts]


@pytest.mark.parametrize("k", [0, 1, 1.5, 2, 2.5, 3])
def test_power_of_zero_matches_torch(k):
    (v, gv), (t, gt) = both(lambda a: a**k, lambda a: a**k, [0.0])
    assert (v, gv) == (t, gt)


def test_zero_to_a_value_power_matches_torch():
    (v, gv), (t, gt) = both(lambda a, b: a**b, lambda a, b: a**b, [0.0, 2.5])
    assert (v, gv) == (t, gt) == (0.0, [0.0, 0.0])


@pytest.mark.parametrize("fn", [lambda a: a**0.5, lambda a, b: a**b], ids=["number", "value"])
def test_power_of_zero_below_one_has_torchs_infinite_slope_and_backward_names_it(fn):
    xs = [0.0, 0.5][: fn.__code__.co_argcount]
    vs = [Value(x) for x in xs]
    y = fn(*vs)
    value, grads = torch_grads(fn, xs)
    assert y.data == value == 0.0 and y._local_grads[0] == grads[0] == math.inf
    with pytest.raises(FloatingPointError, match=r"op '\*\*'"):
        y.backward()


@pytest.mark.parametrize("fn, x", [(lambda a: a**2, 1e200), (lambda a: a**3, -1e200), (lambda a: 2**a, 2000.0)])
def test_power_that_overflows_is_infinite_like_torch_and_backward_names_it(fn, x):
    y = fn(Value(x))
    assert y.data == torch_grads(fn, [x])[0] and math.isinf(y.data)
    with pytest.raises(FloatingPointError, match=r"op '\*\*'"):
        y.backward()
