import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import diffplay.functional as F
from diffplay import Value, gradcheck

floats = st.floats(-5, 5)
vectors = st.lists(floats, min_size=1, max_size=6)


def values(xs):
    return [Value(x) for x in xs]


@given(vectors)
def test_nary_blocks_match_finite_differences(xs):
    for fn in (F.sum, F.logsumexp, lambda v: F.smooth_max(v, 0.5), lambda v: F.smooth_min(v, 2.0),
               lambda v: F.dot(v, v), lambda v: F.softmax(v)[0]):
        assert max(gradcheck(lambda *v: fn(list(v)), values(xs))) < 1e-5
    if math.hypot(*xs) > 1e-2:   # the norm has a kink at zero
        assert max(gradcheck(lambda *v: F.norm(list(v)), values(xs))) < 1e-5


@given(floats, floats, floats)
def test_scalar_blocks_match_finite_differences(x, lo, width):
    assert gradcheck(F.softplus, [Value(x)])[0] < 1e-6
    if abs(x - lo) > 1e-3 and abs(x - lo - abs(width)) > 1e-3:
        assert gradcheck(lambda v: F.clamp(v, lo, lo + abs(width)), [Value(x)])[0] < 1e-6
    if abs(x - 1.0) > 1e-3:
        assert gradcheck(lambda v: F.hinge(v, margin=1.0), [Value(x)])[0] < 1e-6


def test_sum_of_ten_thousand_terms_is_one_node():
    xs = values(range(10_000))
    total = F.sum(xs)
    assert total.data == sum(range(10_000)) and len(total._children) == 10_000
    total.backward()
    assert all(x.grad == 1.0 for x in xs)


@given(vectors, st.floats(0.01, 5))
def test_smooth_max_bounds_the_max_from_above_within_t_log_n(xs, t):
    m = F.smooth_max(values(xs), t).data
    assert max(xs) - 1e-9 <= m <= max(xs) + t * math.log(len(xs)) + 1e-9
    assert F.smooth_min(values(xs), t).data <= min(xs) + 1e-9


def test_smooth_max_tends_to_max_as_temperature_falls():
    xs = values([1.0, 3.0, 2.5])
    assert F.smooth_max(xs, 1e-3).data == pytest.approx(3.0, abs=1e-6)


@given(vectors)
def test_softmax_sums_to_one(xs):
    assert sum(p.data for p in F.softmax(values(xs))) == pytest.approx(1.0)


def test_logsumexp_of_huge_inputs_does_not_overflow():
    out = F.logsumexp(values([1000.0, 1000.0]))
    assert out.data == pytest.approx(1000.0 + math.log(2))


def test_norm_and_distance_at_zero_have_zero_gradient():
    xs = values([0.0, 0.0])
    F.norm(xs).backward()
    assert [x.grad for x in xs] == [0.0, 0.0]
    a, b = values([1.0, 2.0]), values([1.0, 2.0])
    d = F.distance(a, b)
    d.backward()
    assert d.data == 0.0 and all(v.grad == 0.0 for v in a + b)


def test_distance_is_euclidean():
    assert F.distance(values([0, 0]), values([3, 4])).data == 5.0


def test_dot_treats_plain_numbers_as_constants():
    w = values([1.0, 2.0])
    out = F.dot(w, [3.0, 4.0])
    out.backward()
    assert out.data == 11.0 and [v.grad for v in w] == [3.0, 4.0] and len(out._children) == 2


def test_hinge_is_zero_past_the_margin_and_linear_below():
    assert F.hinge(Value(2.0), margin=1.0).data == 0.0
    assert F.hinge(Value(-1.0), margin=1.0).data == 2.0


@pytest.mark.parametrize("call, message", [
    (lambda: F.sum([]), "sum: needs at least one input"),
    (lambda: F.dot([Value(1.0)], []), "dot: lengths differ"),
    (lambda: F.distance([1.0], [1.0, 2.0]), "distance: points have different lengths"),
    (lambda: F.smooth_max([Value(1.0)], temperature=0), "smooth_max: temperature must be > 0"),
    (lambda: F.clamp(Value(1.0), 2.0, 1.0), r"clamp: the lower bound \(2.0\) is above the upper one"),
])
def test_bad_arguments_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_torch_tensor_is_not_taken_for_a_diffplay_tensor():
    with pytest.raises(TypeError, match="sum: expected a number or a Value, got torch.Tensor"):
        F.sum(torch.tensor([1.0, 2.0]))
