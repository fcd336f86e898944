import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from diffplay import Tensor, Value, optim
from diffplay.engine.lbfgs import curvature_scale, minimize

START = [0.5, -1.5, 2.0, 0.25]


def loss_value(ps):
    a, b, c, d = ps
    return (a - 1.0) ** 2 + (b * 0.5).tanh() * c + (a + d).sin() + 0.1 * c * c + 0.3 * (b - d) ** 2


def loss_torch(t):
    a, b, c, d = t
    return (a - 1.0) ** 2 + torch.tanh(b * 0.5) * c + torch.sin(a + d) + 0.1 * c * c + 0.3 * (b - d) ** 2


CONFIGS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.3)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.02, betas=(0.85, 0.99), eps=1e-8, weight_decay=0.1)),
    ("AdamW", dict(lr=0.02, weight_decay=0.05)),
]


@pytest.mark.parametrize("name, kwargs", CONFIGS)
def test_optimizer_matches_torch_step_for_step(name, kwargs):
    ps = [Value(x) for x in START]
    ours = getattr(optim, name)(ps, **kwargs)
    t = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    theirs = getattr(torch.optim, name)([t], **kwargs)
    for _ in range(50):
        ours.zero_grad()
        loss_value(ps).backward()
        ours.step()
        theirs.zero_grad()
        loss_torch(t).backward()
        theirs.step()
        assert np.allclose([p.data for p in ps], t.detach().numpy(), rtol=1e-9, atol=1e-9)


def test_linear_decay_is_microgpts_schedule():
    opt = optim.Adam([Value(1.0)], lr=0.01)
    sched = optim.LinearDecay(opt, total_steps=1000)
    lrs = []
    for _ in range(1000):
        lrs.append(opt.lr)
        sched.step()
    assert lrs[0] == 0.01 and all(math.isclose(lr, 0.01 * (1 - k / 1000)) for k, lr in enumerate(lrs))


def test_cosine_decay_matches_torch():
    opt = optim.SGD([Value(1.0)], lr=0.1)
    sched = optim.CosineDecay(opt, total_steps=20, end_factor=0.1)
    t = torch.zeros(1, requires_grad=True)
    topt = torch.optim.SGD([t], lr=0.1)
    tsched = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=20, eta_min=0.01)
    for _ in range(20):
        assert opt.lr == pytest.approx(topt.param_groups[0]["lr"], abs=1e-12)
        topt.step()
        sched.step()
        tsched.step()


def rosenbrock_closure(opt, x, y):
    """The closure L-BFGS's step() takes, for the 2-d Rosenbrock function of Values x and y."""
    def closure():
        opt.zero_grad()
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        return loss
    return closure


def test_lbfgs_minimizes_rosenbrock():
    x, y = Value(-1.2), Value(1.0)
    opt = optim.LBFGS([x, y], max_iter=200)
    opt.step(rosenbrock_closure(opt, x, y))
    assert opt.result.converged
    assert x.data == pytest.approx(1.0, abs=1e-5) and y.data == pytest.approx(1.0, abs=1e-5)


def test_lbfgs_steps_carry_their_curvature_so_two_steps_go_where_one_longer_step_goes():
    ends = []
    for pieces, per_step in ((1, 12), (3, 4)):
        x, y = Value(-1.2), Value(1.0)
        opt = optim.LBFGS([x, y], max_iter=per_step)
        for _ in range(pieces):
            opt.step(rosenbrock_closure(opt, x, y))
        ends.append((x.data, y.data))
    assert ends[0] == pytest.approx(ends[1], abs=1e-12) and ends[0] != (-1.2, 1.0)
    opt.reset()   # forgotten: the next step starts along the gradient, as the first did
    assert opt.result is None


def test_lbfgs_array_form_reports_progress_honestly():
    result = minimize(lambda v: (float(v @ v), 2 * v), np.array([3.0, -4.0]))
    assert result.converged and np.allclose(result.x, 0.0, atol=1e-6)
    stuck = minimize(lambda v: (float("nan"), v), np.array([1.0]))
    assert not stuck.converged and "not finite" in stuck.message


@given(st.integers(1, 12), st.floats(0.0, 8.0), st.floats(-8.0, -1.0), st.integers(0, 2**32 - 1))
@settings(max_examples=80, deadline=None)
def test_lbfgs_stops_at_the_first_step_that_moves_x_or_the_loss_by_at_most_tolerance_change(
        size, stiffness, tolerance, seed):
    rng = np.random.default_rng(seed)
    curvature, tolerance = 10.0 ** rng.uniform(0.0, stiffness, size), 10.0 ** tolerance   # stiff: tiny steps, big Δf
    fun = lambda v: (float(curvature @ (v * v)) / 2, curvature * v)
    path = [rng.standard_normal(size)]
    result = minimize(fun, path[0], max_iter=300, tolerance_grad=0.0, tolerance_change=tolerance,
                      callback=path.append)
    small = [np.abs(b - a).max() <= tolerance or abs(fun(b)[0] - fun(a)[0]) <= tolerance * max(1.0, fun(b)[0])
             for a, b in itertools.pairwise(path)]
    assert result.iterations == len(small) and not any(small[:-1])
    if result.message != "gradient below tolerance":   # tested first: a step that lands on the bottom ends there
        assert small[-1] == (result.message == "progress below tolerance")


def test_non_finite_gradient_stops_and_keeps_last_good_parameters():
    p = Value(1.0)
    opt = optim.Adam([p], lr=0.1)
    p.grad = 1.0
    opt.step()
    good = p.data
    p.grad = float("nan")
    with pytest.raises(FloatingPointError, match="non-finite gradient"):
        opt.step()
    assert p.data == good


def flat_tensors(*shapes):
    """Tensors that are views of one flat array, as the GPT's weights are, and that array."""
    from diffplay.engine.flat import Flat

    layout = Flat(shapes)
    flat = np.linspace(-1.0, 1.0, layout.size)
    return [Tensor.wrap(view, requires_grad=True) for view in layout.split(flat)], flat


def test_step_flat_is_step_from_each_grad_to_the_last_bit():
    (a, b), flat = flat_tensors((2, 3), (4,))
    (c, d), other = flat_tensors((2, 3), (4,))
    by_grad, by_flat = optim.Adam([a, b], lr=0.1), optim.Adam([c, d], lr=0.1)
    for k in range(3):
        grad = np.sin(np.arange(10.0) + k)
        a.grad, b.grad = grad[:6].reshape(2, 3), grad[6:]
        by_grad.step()
        by_flat.step_flat(grad)
    assert np.array_equal(flat, other)


def test_step_flat_refuses_a_non_finite_gradient_naming_its_tensor_and_changes_nothing():
    (a, b), flat = flat_tensors((2, 3), (4,))
    opt = optim.Adam([a, b], lr=0.1)
    opt.step_flat(np.ones(10))
    good, state = flat.copy(), opt.state_dict()["state"]
    grad = np.ones(10)
    grad[7] = np.inf
    with pytest.raises(FloatingPointError, match=r"the Tensor of shape \(4,\) has a non-finite gradient"):
        opt.step_flat(grad)
    assert np.array_equal(flat, good)
    assert all(np.array_equal(state[i]["exp_avg"], opt.state_dict()["state"][i]["exp_avg"]) for i in state)


def test_step_flat_takes_huge_finite_gradients_and_refuses_parameters_apart():
    (a, b), flat = flat_tensors((2, 3), (4,))
    opt = optim.Adam([a, b], lr=0.1)
    with np.errstate(over="ignore"):   # Adam's own square overflows: v is inf, that step is 0
        opt.step_flat(np.full(10, 1e300))   # finite, though their squares add up past the largest float
    assert np.isfinite(flat).all()
    apart = optim.Adam([Tensor(np.ones(3), requires_grad=True), Tensor(np.ones(2), requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="do not lie end to end in one array"):
        apart.step_flat(np.ones(5))


@pytest.mark.parametrize("make, error, message", [
    (lambda: optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda: optim.SGD([Value(1.0)], lr=-1), ValueError, "lr must be a finite number >= 0"),
    (lambda: optim.SGD([Value(1.0)], lr=True), ValueError, "SGD: lr must be a finite number >= 0, got True"),
    (lambda: optim.Adam([Value(1.0)], eps=float("nan")), ValueError, "Adam: eps must be a finite number"),
    (lambda: optim.LBFGS([Value(1.0)], lr=False), ValueError, "LBFGS: lr must be a finite number"),
    (lambda: optim.SGD([Value(1.0)], lr=0.1, nesterov=True), ValueError, "nesterov needs momentum"),
    (lambda: optim.Adam([Value(1.0)], betas=(0.9, 1.5)), ValueError, "betas must be two numbers"),
    (lambda: optim.Adam([1.0]), TypeError, "parameters must be Values or Tensors"),
    (lambda: optim.LinearDecay(optim.SGD([Value(1.0)]), 0), ValueError, "total_steps"),
])
def test_bad_optimizer_arguments_are_refused(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("make", [
    lambda p: optim.SGD(p, lr=np.float32(0.5), momentum=np.float64(0.5)),
    lambda p: optim.Adam(p, lr=np.float32(0.5), eps=np.float32(1e-8)),
    lambda p: optim.LBFGS(p, lr=np.float32(0.5)),
])
def test_numpy_scalar_hyperparameters_are_accepted(make):
    p = Value(1.0)
    opt = make([p])
    p.grad = 1.0
    opt.zero_grad()
    assert p.grad == 0.0


@pytest.mark.parametrize("setting, bad, message", [
    ("history_size", 0, "history_size must be a positive integer, got 0"),
    ("history_size", 2.5, "history_size must be a positive integer"),
    ("max_iter", 0, "max_iter must be a positive integer"),
    ("max_iter", True, "max_iter must be a positive integer, got True"),
    ("tolerance_grad", -1e-7, "tolerance_grad must be a finite number >= 0"),
    ("tolerance_change", float("nan"), "tolerance_change must be a finite number >= 0"),
])
def test_lbfgs_settings_out_of_range_are_refused(setting, bad, message):
    with pytest.raises(ValueError, match="LBFGS: " + message):
        optim.LBFGS([Value(1.0)], **{setting: bad})
    with pytest.raises(ValueError, match="minimize: " + message):
        minimize(lambda v: (float(v @ v), 2 * v), np.array([1.0]), **{setting: bad})


def test_lbfgs_step_runs_the_closure_once_per_counted_evaluation():
    x, y = Value(-1.2), Value(1.0)
    opt = optim.LBFGS([x, y], max_iter=5)
    calls = []

    def closure():
        calls.append((x.data, y.data))
        opt.zero_grad()
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        return loss

    first = opt.step(closure)
    assert len(calls) == opt.result.evaluations
    assert calls[0] == (-1.2, 1.0) and calls.count((-1.2, 1.0)) == 1
    assert first == (1 - -1.2) ** 2 + 100 * (1.0 - 1.44) ** 2


def barrier(x):
    """x² − 4x − log(2.5 − x): infinite from x = 2.5 on, least at x ≈ 1.79."""
    if x[0] >= 2.5:
        return float("inf"), np.array([float("nan")])
    return float(x[0] ** 2 - 4 * x[0] - np.log(2.5 - x[0])), np.array([2 * x[0] - 4 + 1 / (2.5 - x[0])])


def search_along(fun, t):
    """_strong_wolfe from 0 along +1, with the points it evaluated."""
    from diffplay.engine.lbfgs import _strong_wolfe

    calls = []

    def counted(x):
        calls.append(x[0])
        return fun(x)

    x = np.array([0.0])
    point, evals = _strong_wolfe(counted, x, t, np.array([1.0]), *fun(x))
    return point.t, point.f, point.g, evals, calls


@pytest.mark.parametrize("fun, t", [
    (lambda x: (float((x[0] - 3) ** 2), 2 * (x - 3)), 0.01),   # far too short: the bracket grows
    (lambda x: (float((x[0] - 3) ** 2), 2 * (x - 3)), 100.0),  # far too long: zoom shrinks it
    (lambda x: (float(x[0] ** 4 - 8 * x[0]), 4 * x**3 - 8), 5.0),
    (barrier, 10.0),                                           # lands where the loss is infinite
])
def test_line_search_returns_a_strong_wolfe_step(fun, t):
    x, d = np.array([0.0]), np.array([1.0])
    f0, g0 = fun(x)
    step, f, g, evals, calls = search_along(fun, t)
    assert step > 0 and evals == len(calls)
    assert f <= f0 + 1e-4 * step * (g0 @ d) and abs(g @ d) <= 0.9 * abs(g0 @ d)
    assert (f, g.tolist()) == (fun(x + step * d)[0], fun(x + step * d)[1].tolist())


def test_line_search_out_of_evaluations_evaluates_no_point_twice():
    step, f, g, evals, calls = search_along(lambda x: (float(-x[0]), np.array([-1.0])), 1.0)   # no bottom
    assert step == 2.0 ** 24 and f == -step and len(set(calls)) == len(calls) == evals == 25


def lbfgs_from(x, loss):
    """An LBFGS over the one parameter x, and the closure that evaluates loss(x)."""
    opt = optim.LBFGS([x], max_iter=50)

    def closure():
        opt.zero_grad()
        out = loss(x)
        out.backward()
        return out

    return opt, closure


@pytest.mark.parametrize("x", [Value(3.0), Tensor([3.0], requires_grad=True)], ids=["value", "tensor"])
def test_lbfgs_backs_off_from_trial_points_outside_the_domain(x):
    opt, closure = lbfgs_from(x, lambda x: x - x.log())   # the first trial step lands at x < 0
    with np.errstate(invalid="ignore"):   # the Tensor log of a negative is NaN, refused by backward
        opt.step(closure)
    assert opt.result.converged and np.ravel(x.data)[0] == pytest.approx(1.0, abs=1e-6)


def test_lbfgs_leaves_parameters_at_the_last_point_taken_when_the_closure_raises():
    x = Value(3.0)

    def loss(x):
        if x.data != 3.0:
            raise KeyError("only the start is in the table")
        return x - x.log()

    opt, closure = lbfgs_from(x, loss)
    with pytest.raises(KeyError):
        opt.step(closure)
    assert x.data == 3.0


def test_lbfgs_never_takes_a_point_whose_gradient_is_not_finite():
    def fun(x):   # a finite loss everywhere, but no usable gradient past 2.5
        return float((x[0] - 3) ** 2), np.where(x > 2.5, np.nan, 2 * (x - 3))

    result = minimize(fun, np.array([0.0]))
    assert np.isfinite(result.grad).all() and result.x[0] <= 2.5 and result.loss == fun(result.x)[0]


def test_lbfgs_closure_failing_at_the_start_raises_its_error():
    x = Value(-1.0)
    opt, closure = lbfgs_from(x, lambda x: x - x.log())
    with pytest.raises(ValueError, match="log: input must be > 0, got -1.0"):
        opt.step(closure)
    assert x.data == -1.0


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_corrects_a_late_gradient_by_its_own_step_count_like_torch(name):
    ours = [Tensor([0.5, -1.0], requires_grad=True), Tensor([2.0], requires_grad=True)]
    theirs = [torch.tensor(p.data, requires_grad=True) for p in ours]
    opt, topt = getattr(optim, name)(ours, lr=0.1), getattr(torch.optim, name)(theirs, lr=0.1)
    for step in range(8):
        for params, wrap in ((ours, np.array), (theirs, torch.tensor)):
            now = [np.array(p.data.tolist()) for p in params]
            params[0].grad = wrap(2.0 * now[0])
            params[1].grad = None if step < 3 else wrap(2.0 * now[1] - 1.0)   # no gradient for 3 steps
        opt.step()
        topt.step()
        for p, t in zip(ours, theirs):
            np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-12, atol=1e-15)


def rosenbrock(v):
    """The n-dimensional Rosenbrock function and its gradient: smooth, curved, least at all ones."""
    a, b = v[:-1], v[1:]
    loss = float(np.sum(100 * (b - a * a) ** 2 + (1 - a) ** 2))
    g = np.zeros_like(v)
    g[:-1] = -400 * a * (b - a * a) - 2 * (1 - a)
    g[1:] += 200 * (b - a * a)
    return loss, g


def in_pieces(fun, x, pieces, iterations, carry):
    """`pieces` calls of `iterations` L-BFGS iterations each, carrying the history or not."""
    result = None
    for _ in range(pieces):
        history = result.history if carry and result is not None else None
        result = minimize(fun, x, max_iter=iterations, history=history)
        x = result.x
    return result


@pytest.mark.parametrize("pieces, iterations", [(10, 3), (6, 5), (3, 10)])
def test_lbfgs_warm_started_pieces_take_the_path_of_one_run(pieces, iterations):
    start = np.linspace(-1.2, 1.0, 6)
    whole = minimize(rosenbrock, start, max_iter=pieces * iterations)
    assert whole.message == "reached max_iter"   # still on its way: the paths are comparable
    carried = in_pieces(rosenbrock, start, pieces, iterations, carry=True)
    fresh = in_pieces(rosenbrock, start, pieces, iterations, carry=False)
    assert np.array_equal(carried.x, whole.x) and carried.loss == whole.loss
    assert fresh.loss > 1.5 * whole.loss   # starting fresh each time loses the curvature


def test_lbfgs_warm_started_pieces_converge_as_far_as_one_run():
    start = np.linspace(-1.2, 1.0, 6)
    whole = minimize(rosenbrock, start, max_iter=200)
    carried = in_pieces(rosenbrock, start, 40, 5, carry=True)
    assert whole.converged and carried.converged
    assert carried.loss < 1e-9 and np.allclose(carried.x, 1.0, atol=1e-4)


@given(st.lists(st.floats(-2, 2), min_size=3, max_size=3), st.integers(1, 8))
@settings(max_examples=25, deadline=None)
def test_lbfgs_history_comes_back_within_history_size_and_is_not_changed_in_place(x0, history_size):
    first = minimize(rosenbrock, np.array(x0), max_iter=12, history_size=history_size)
    kept = [(s.copy(), y.copy(), rho) for s, y, rho in first.history]
    second = minimize(rosenbrock, first.x, max_iter=12, history_size=history_size, history=first.history)
    assert len(first.history) <= history_size and len(second.history) <= history_size
    assert all(s.shape == (3,) and y.shape == (3,) and rho == pytest.approx(1 / (s @ y)) for s, y, rho in second.history)
    assert len(kept) == len(first.history)
    assert all((s == s2).all() and (y == y2).all() for (s, y, _), (s2, y2, _) in zip(kept, first.history))


def test_lbfgs_history_from_another_dimension_is_dropped_and_the_run_starts_fresh():
    old = minimize(rosenbrock, np.array([-1.2, 1.0, 0.5]), max_iter=10).history
    assert old
    carried = minimize(rosenbrock, np.array([-1.2, 1.0]), max_iter=10, history=old)
    fresh = minimize(rosenbrock, np.array([-1.2, 1.0]), max_iter=10)
    assert np.array_equal(carried.x, fresh.x) and all(s.shape == (2,) for s, _, _ in carried.history)


def test_lbfgs_initial_step_sets_the_first_step_along_minus_the_gradient():
    bowl = lambda v: (float(v @ v) / 2, v.copy())   # noqa: E731  (gradient v: a step t lands at (1 − t)·x0)
    x0 = np.array([3.0, -4.0])
    assert np.allclose(minimize(bowl, x0, max_iter=1, initial_step=0.25).x, 0.75 * x0)
    assert np.allclose(minimize(bowl, x0, max_iter=1).x, (1 - 1 / 7) * x0)   # default: 1/‖g‖₁


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), True])
def test_lbfgs_initial_step_must_be_positive(bad):
    with pytest.raises(ValueError, match="minimize: initial_step must be"):
        minimize(rosenbrock, np.array([1.0, 2.0]), initial_step=bad)


def test_curvature_scale_is_the_newest_pairs_s_dot_y_over_y_dot_y():
    history = minimize(rosenbrock, np.array([-1.2, 1.0]), max_iter=6).history
    s, y, _ = history[-1]
    assert curvature_scale(history) == pytest.approx((s @ y) / (y @ y)) and curvature_scale([]) is None


def two_loop(g, history):
    """H·g by the textbook two-loop recursion (Nocedal & Wright, algorithm 7.4): the reference."""
    q, alphas = g.copy(), []
    for s, y, rho in reversed(history):
        alphas.append(rho * (s @ q))
        q -= alphas[-1] * y
    if history:
        s, y, _ = history[-1]
        q *= (s @ y) / (y @ y)
    for (s, y, rho), a in zip(history, reversed(alphas)):
        q += (a - rho * (y @ q)) * s
    return q


@given(st.integers(1, 60), st.integers(1, 40), st.integers(2, 30), st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_lbfgs_kept_compact_form_gives_the_two_loop_recursions_product(pairs, limit, size, seed):
    from diffplay.engine.lbfgs import Pairs

    rng = np.random.default_rng(seed)
    curvature, kept = rng.uniform(0.5, 5.0, size), Pairs(size, limit)
    for _ in range(pairs):   # pairs of one convex quadratic: y = A s, A diagonal and positive
        s = rng.standard_normal(size)
        y = curvature * s
        kept.add(s, y, 1.0 / (s @ y))   # past `limit`, the oldest pairs drop out
    g = rng.standard_normal(size)
    fast, slow = -kept.descent(g), two_loop(g, kept[-limit:])
    assert len(kept) == min(pairs, limit)
    assert np.allclose(fast, slow, rtol=1e-8, atol=1e-10 * np.abs(slow).max())


def test_lbfgs_of_an_empty_vector_is_converged_without_a_step():
    calls = []

    def fun(v):
        calls.append(v.size)
        return 0.0, np.zeros(0)

    result = minimize(fun, np.zeros(0))
    assert result.converged and result.iterations == 0 and result.x.shape == (0,) and calls == [0]


@pytest.mark.parametrize("name, kwargs", CONFIGS)
def test_optimizer_steps_zero_dimensional_tensors_as_torch_does(name, kwargs):
    """A scalar Tensor parameter alone in its optimizer (synth's pitch) is a 0-d array: every update must keep it one."""
    ps = [Tensor(np.array(x), requires_grad=True) for x in START]
    ours = [getattr(optim, name)([p], **kwargs) for p in ps]
    t = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in START]
    theirs = [getattr(torch.optim, name)([p], **kwargs) for p in t]
    for _ in range(20):
        for opt in ours + theirs:
            opt.zero_grad()
        loss_value(ps).backward()
        loss_torch(t).backward()
        for opt in ours + theirs:
            opt.step()
        assert [p.data.shape for p in ps] == [()] * 4
        assert np.allclose([float(p.data) for p in ps], [float(x) for x in t], rtol=1e-9, atol=1e-9)
