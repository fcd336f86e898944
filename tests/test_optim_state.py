"""Optimizer state_dict / load_state_dict: PyTorch's layout and numbers, and runs that go on exactly."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_optim import rosenbrock_closure

from diffplay import Tensor, Value, optim
from diffplay.engine.flat import Flat
from diffplay.engine.slots import GROUP_MAX, TensorGroup

CONFIGS = [
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.02, betas=(0.85, 0.99), eps=1e-8, weight_decay=0.1)),
    ("AdamW", dict(lr=0.02, weight_decay=0.05)),
]
# A Value, two small Tensors that SGD and Adam group, a Value, one too large to group, two small.
SHAPES = [(), (3, 4), (5,), (), (GROUP_MAX + 1,), (2, 2), (3,)]
LATE = 2   # the parameter that gets no gradient for the first steps: its group is split


def start(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in SHAPES]


def ours_for(arrays):
    return [Value(float(a)) if a.shape == () else Tensor(a, requires_grad=True) for a in arrays]


def data(p):
    return np.array(p.data) if isinstance(p, Value) else p.data.copy()


def set_grads(ours, theirs, step):
    """The same gradient on both sides, cos(p) + p/10, from each side's own current values."""
    for i, (p, t) in enumerate(zip(ours, theirs)):
        if i == LATE and step < 3:
            p.grad, t.grad = (None, None) if isinstance(p, Tensor) else (0.0, torch.tensor(0.0, dtype=torch.float64))
            continue
        g = np.cos(data(p)) + data(p) / 10
        p.grad = float(g) if isinstance(p, Value) else g
        t.grad = torch.tensor(np.cos(t.detach().numpy()) + t.detach().numpy() / 10)


def run(name, kwargs, steps, arrays=None):
    """Ours and torch's optimizer after `steps` identical steps from the same start."""
    arrays = start() if arrays is None else arrays
    ours, theirs = ours_for(arrays), [torch.tensor(a, requires_grad=True) for a in arrays]
    opt, topt = getattr(optim, name)(ours, **kwargs), getattr(torch.optim, name)(theirs, **kwargs)
    for step in range(steps):
        set_grads(ours, theirs, step)
        opt.step()
        topt.step()
    return (ours, opt), (theirs, topt)


def go_on(ours, opt, theirs, topt, steps):
    for step in range(3, 3 + steps):
        set_grads(ours, theirs, step)
        opt.step()
        topt.step()


def as_numpy(state_dict):
    """torch's state_dict with every tensor as a NumPy array (a 0-d step as a number)."""
    state = {i: {key: v.item() if key == "step" else v.numpy() for key, v in s.items()}
             for i, s in state_dict["state"].items()}
    return {"state": state, "param_groups": state_dict["param_groups"]}


@pytest.mark.parametrize("name, kwargs", CONFIGS)
def test_state_dict_holds_torchs_numbers_one_entry_per_parameter(name, kwargs):
    (_, opt), (_, topt) = run(name, kwargs, steps=2)   # LATE has had no gradient yet
    assert any(isinstance(slot, TensorGroup) for slot in opt.slots)
    ours, theirs = opt.state_dict(), as_numpy(topt.state_dict())
    assert set(ours["state"]) == set(theirs["state"]) == set(range(len(SHAPES))) - {LATE}
    for i, state in theirs["state"].items():
        assert state.keys() == ours["state"][i].keys()
        for key, value in state.items():
            np.testing.assert_allclose(ours["state"][i][key], value, rtol=1e-12, atol=1e-15)
            assert np.shape(ours["state"][i][key]) == np.shape(value)
    group, their_group = ours["param_groups"][0], theirs["param_groups"][0]
    assert group == {key: their_group[key] for key in group}


@pytest.mark.parametrize("name, kwargs", CONFIGS)
def test_state_dict_matches_torchs_after_a_late_gradient_splits_a_group(name, kwargs):
    (_, opt), (_, topt) = run(name, kwargs, steps=6)
    ours, theirs = opt.state_dict(), as_numpy(topt.state_dict())
    assert set(ours["state"]) == set(theirs["state"]) == set(range(len(SHAPES)))
    for i, state in theirs["state"].items():
        for key, value in state.items():
            np.testing.assert_allclose(ours["state"][i][key], value, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name, kwargs", CONFIGS)
@pytest.mark.parametrize("steps", [2, 6])
def test_loading_torchs_state_dict_goes_on_as_torch_does(name, kwargs, steps):
    (_, _), (theirs, topt) = run(name, kwargs, steps=steps)
    ours = ours_for([t.detach().numpy().copy() for t in theirs])
    opt = getattr(optim, name)(ours, lr=1.0)   # settings come from the state_dict, as in torch
    opt.load_state_dict(as_numpy(topt.state_dict()))
    go_on(ours, opt, theirs, topt, steps=4)
    for p, t in zip(ours, theirs):
        np.testing.assert_allclose(data(p), t.detach().numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name, kwargs", CONFIGS)
def test_a_loaded_state_dict_goes_on_bit_for_bit(name, kwargs):
    (ours, opt), _ = run(name, kwargs, steps=5)
    copy = ours_for([data(p) for p in ours])
    loaded = getattr(optim, name)(copy)
    loaded.load_state_dict(opt.state_dict())
    for step in range(4):
        for params in (ours, copy):
            for p in params:
                g = np.cos(data(p)) * (step + 1)
                p.grad = float(g) if isinstance(p, Value) else g
        opt.step()
        loaded.step()
    assert all(np.array_equal(data(p), data(q)) for p, q in zip(ours, copy))


def test_values_are_one_parameter_each_in_the_order_given():
    a, b, t = Value(1.0), Value(2.0), Tensor([3.0, 4.0], requires_grad=True)
    opt = optim.Adam([a, t, b], lr=0.1)
    a.grad, b.grad, t.grad = 1.0, -1.0, np.array([0.5, 0.5])
    opt.step()
    state = opt.state_dict()["state"]
    assert list(state) == [0, 1, 2] and state[2]["exp_avg"].shape == () and state[1]["exp_avg"].shape == (2,)
    assert state[0]["exp_avg"] == pytest.approx(0.1) and state[2]["exp_avg"] == pytest.approx(-0.1)


def test_state_dict_is_a_copy_that_later_steps_leave_alone():
    p = Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = np.ones(2)
    opt.step()
    saved = opt.state_dict()
    opt.step()
    assert saved["state"][0]["momentum_buffer"].tolist() == [1.0, 1.0]


def test_loading_a_state_whose_tensors_differ_in_steps_splits_their_group():
    params = [Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(3), requires_grad=True)]
    opt = optim.Adam(params)
    assert isinstance(opt.slots[0], TensorGroup)
    state = {0: {"step": 4, "exp_avg": np.ones(2), "exp_avg_sq": np.ones(2)},
             1: {"step": 1, "exp_avg": np.ones(3), "exp_avg_sq": np.ones(3)}}
    opt.load_state_dict({"state": state, "param_groups": opt.state_dict()["param_groups"]})
    assert len(opt.slots) == 2
    assert {i: s["step"] for i, s in opt.state_dict()["state"].items()} == {0: 4, 1: 1}


def adam_group(**changes):
    return [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "params": [0, 1, 2], **changes}]


@pytest.mark.parametrize("state_dict, message", [
    ({"state": {}}, "expected a dict with 'state' and 'param_groups'"),
    ({"state": {}, "param_groups": adam_group(params=[0])}, "'params' must be 3 distinct indices"),
    ({"state": {}, "param_groups": adam_group() * 2}, "expected one parameter group, got 2"),
    ({"state": {5: {}}, "param_groups": adam_group()}, "'state' has an entry for 5"),
    ({"state": {}, "param_groups": adam_group(amsgrad=True)}, r"\['amsgrad'\] is True; only False is supported"),
    ({"state": {}, "param_groups": adam_group(decoupled_weight_decay=True)}, "only False is supported"),
    ({"state": {}, "param_groups": adam_group(momentum=0.9)}, r"\['momentum'\] is not a setting of this optimizer"),
    ({"state": {}, "param_groups": [{"lr": 0.1, "params": [0, 1, 2]}]}, "param_groups\\[0\\] has no 'betas'"),
    ({"state": {}, "param_groups": adam_group(betas=(0.9, 1.5))}, "betas must be two numbers in"),
    ({"state": {0: {"step": 1}}, "param_groups": adam_group()}, r"state of parameter 0 holds \['step'\]"),
    ({"state": {1: {"step": 1, "exp_avg": np.ones(3), "exp_avg_sq": np.ones(2)}}, "param_groups": adam_group()},
     r"state of parameter 1\['exp_avg'\] has shape \(3,\), its parameter \(2,\)"),
    ({"state": {1: {"step": 1.5, "exp_avg": np.ones(2), "exp_avg_sq": np.ones(2)}}, "param_groups": adam_group()},
     r"\['step'\] must be a whole number >= 0, got 1.5"),
    ({"state": {0: {"step": 1, "exp_avg": 0.0, "exp_avg_sq": 0.0}}, "param_groups": adam_group()},
     "the Values share one slot"),
])
def test_a_bad_state_dict_is_refused_and_nothing_changes(state_dict, message):
    params = [Value(1.0), Tensor([1.0, 2.0], requires_grad=True), Value(3.0)]
    opt = optim.Adam(params, lr=0.5)
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(state_dict)
    assert opt.lr == 0.5 and opt.state_dict()["state"] == {}


def test_torchs_settings_of_how_to_compute_are_accepted():
    opt = optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.1)
    theirs = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3, foreach=True)
    opt.load_state_dict(theirs.state_dict())
    assert opt.lr == 0.3


def test_lbfgs_state_dict_carries_its_curvature_to_a_new_optimizer():
    x, y = Value(-1.2), Value(1.0)
    opt = optim.LBFGS([x, y], max_iter=4)
    opt.step(rosenbrock_closure(opt, x, y))
    saved = opt.state_dict()
    assert list(saved["state"]) == [0] and len(saved["state"][0]["old_stps"]) == len(saved["state"][0]["ro"]) > 0
    assert saved["param_groups"] == [{"lr": 1.0, "max_iter": 4, "history_size": 10, "tolerance_grad": 1e-7,
                                      "tolerance_change": 1e-9, "params": [0, 1]}]
    x2, y2 = Value(x.data), Value(y.data)
    fresh = optim.LBFGS([x2, y2])
    fresh.load_state_dict(saved)
    opt.step(rosenbrock_closure(opt, x, y))
    fresh.step(rosenbrock_closure(fresh, x2, y2))
    assert (x2.data, y2.data) == (x.data, y.data) and fresh.max_iter == 4


def test_lbfgs_refuses_pairs_of_another_length():
    opt = optim.LBFGS([Value(1.0), Value(2.0)])
    state = {0: {"old_stps": [np.ones(3)], "old_dirs": [np.ones(3)], "ro": [1.0]}}
    with pytest.raises(ValueError, match=r"state\[0\]\['old_stps'\]\[0\] has shape \(3,\), its parameter \(2,\)"):
        opt.load_state_dict({"state": state, "param_groups": opt.state_dict()["param_groups"]})
    assert opt.history == []


@pytest.mark.parametrize("schedule", [optim.LinearDecay, optim.CosineDecay])
def test_a_schedule_loaded_from_its_state_dict_goes_on_as_before(schedule):
    opt = optim.SGD([Value(1.0)], lr=0.1)
    sched = schedule(opt, total_steps=10, end_factor=0.1)
    for _ in range(4):
        sched.step()
    other = optim.SGD([Value(1.0)], lr=0.7)
    again = schedule(other, total_steps=3)
    again.load_state_dict(sched.state_dict())
    other.load_state_dict(opt.state_dict())
    lrs = []
    for s, o in ((sched, opt), (again, other)):
        for _ in range(8):
            s.step()
            lrs.append(o.lr)
    assert lrs[:8] == lrs[8:] and sched.state_dict() == {"base_lr": 0.1, "total_steps": 10, "end_factor": 0.1, "k": 12}


def test_a_schedule_refuses_a_state_dict_with_other_keys():
    sched = optim.LinearDecay(optim.SGD([Value(1.0)], lr=0.1), total_steps=10)
    with pytest.raises(ValueError, match=r"LinearDecay.load_state_dict: expected the keys \['base_lr', "):
        sched.load_state_dict({"last_epoch": 3})
    with pytest.raises(ValueError, match="LinearDecay: k must be a whole number >= 0, got -1"):
        sched.load_state_dict({**sched.state_dict(), "k": -1})


@settings(max_examples=25)
@given(shapes=st.lists(st.lists(st.integers(1, 4), max_size=3), min_size=1, max_size=4),
       missing=st.lists(st.booleans(), min_size=4, max_size=4))
def test_flat_split_undoes_join_and_none_stands_for_zeros(shapes, missing):
    rng = np.random.default_rng(len(shapes))
    arrays = [None if gone else rng.normal(size=shape) for shape, gone in zip(shapes, missing)]
    layout = Flat(shapes)
    for array, part, shape in zip(arrays, layout.split(layout.join(arrays)), shapes):
        assert np.array_equal(part, np.zeros(shape) if array is None else array)
