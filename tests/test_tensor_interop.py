"""Tensors with the rest of the engine: the same numbers as Values, optim and functional alike."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import diffplay.functional as F
from diffplay import Tensor, Value, nn, optim
from diffplay.engine.tensor_ops import linear


def test_an_mlp_gets_the_same_gradients_through_values_and_tensors():
    mlp = nn.MLP(3, [4, 4, 1], activation="tanh", seed=0)
    xs = np.random.default_rng(0).standard_normal((5, 3))
    ys = np.linspace(-1.0, 1.0, 5)
    loss = F.sum([(mlp(list(x)) - y) ** 2 for x, y in zip(xs.tolist(), ys.tolist())]) / len(ys)
    loss.backward()
    layers = [(Tensor([[w.data for w in n.w] for n in layer.neurons], requires_grad=True),
               Tensor([n.b.data for n in layer.neurons], requires_grad=True)) for layer in mlp.layers]
    h = xs
    for i, (w, b) in enumerate(layers):
        h = linear(h, w, b)
        h = h.tanh() if i < len(layers) - 1 else h
    tensor_loss = ((h.reshape(-1) - ys) ** 2).mean()
    tensor_loss.backward()
    assert tensor_loss.item() == pytest.approx(loss.data, rel=1e-12)
    for layer, (w, b) in zip(mlp.layers, layers):
        np.testing.assert_allclose(w.grad, [[v.grad for v in n.w] for n in layer.neurons], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(b.grad, [n.b.grad for n in layer.neurons], rtol=1e-12, atol=1e-15)


# ---- optim on Tensors, step for step with torch.optim ----

START_W = np.array([[0.5, -1.5, 2.0], [0.25, 1.0, -0.75]])
START_B = np.array([0.1, -0.2])
INPUTS = np.array([[1.0, 2.0, -1.0], [0.5, -0.5, 0.25], [-1.0, 0.0, 2.0], [0.3, 0.3, 0.3]])


def problem(w, b, x, tanh):
    return (tanh(x @ w.T + b) - 0.5) ** 2


CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.02)),
    ("Adam", dict(lr=0.02, betas=(0.85, 0.99), weight_decay=0.1)),
    ("AdamW", dict(lr=0.02, weight_decay=0.05)),
]


@pytest.mark.parametrize("name, kwargs", CONFIGS)
def test_optimizer_on_tensors_matches_torch_step_for_step(name, kwargs):
    w, b = Tensor(START_W, requires_grad=True), Tensor(START_B, requires_grad=True)
    ours = getattr(optim, name)([w, b], **kwargs)
    tw, tb = (torch.tensor(a, requires_grad=True) for a in (START_W, START_B))
    theirs = getattr(torch.optim, name)([tw, tb], **kwargs)
    for _ in range(30):
        ours.zero_grad()
        problem(w, b, INPUTS, Tensor.tanh).mean().backward()
        ours.step()
        theirs.zero_grad()
        problem(tw, tb, torch.tensor(INPUTS), torch.tanh).mean().backward()
        theirs.step()
        np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(b.data, tb.detach().numpy(), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.05))])
def test_tensors_updated_together_still_step_alone_when_one_has_no_gradient(name, kwargs):
    """Runs of one dtype share one update (a TensorGroup); a tensor the loss leaves out skips
    the step and keeps its own state, as in torch; float32 stays float32."""
    rng = np.random.default_rng(3)
    starts = [rng.standard_normal(3), rng.standard_normal((2, 2)), rng.standard_normal(4).astype(np.float32)]
    ours_params = [Tensor(a, requires_grad=True) for a in starts]
    theirs_params = [torch.tensor(a, requires_grad=True) for a in starts]
    ours = getattr(optim, name)(ours_params, **kwargs)
    theirs = getattr(torch.optim, name)(theirs_params, **kwargs)

    def loss(params, uses_b):
        a, b, c = params
        total = (a * a).sum() * 0.5 + (c * c * c).sum() * 0.1
        return total + (b * b).sum() * (a * a).sum() * 0.1 if uses_b else total

    for step in range(9):
        uses_b = not 3 <= step < 6
        for opt, params in ((ours, ours_params), (theirs, theirs_params)):
            opt.zero_grad()
            loss(params, uses_b).backward()
            opt.step()
        for mine, torchs in zip(ours_params, theirs_params):
            assert mine.data.dtype == torchs.detach().numpy().dtype
            np.testing.assert_allclose(mine.data, torchs.detach().numpy(), rtol=2e-6, atol=1e-7)


def test_only_elementwise_optimizers_see_small_tensors_as_one_and_a_bad_gradient_is_named():
    from diffplay.engine.slots import GROUP_MAX, TensorGroup

    small = [Tensor(np.ones(3), requires_grad=True), Tensor(np.ones((2, 2)), requires_grad=True)]
    big = Tensor(np.ones(GROUP_MAX + 1), requires_grad=True)
    adam = optim.Adam([*small, big])
    assert [type(s).__name__ for s in adam.slots] == ["TensorGroup", "TensorSlot"]   # a big one stays in place

    class Normed(optim.Optimizer):   # a rule that looks at each tensor whole gets each tensor whole
        def _update(self, p, g, state):
            return p - self.lr * g / np.linalg.norm(g)

    assert not any(isinstance(s, TensorGroup) for s in Normed(small, lr=0.1).slots)
    small[1].grad, small[0].grad = np.array([[1.0, np.nan], [0.0, 0.0]]), np.ones(3)
    with pytest.raises(FloatingPointError, match=r"the Tensor of shape \(2, 2\) has a non-finite gradient"):
        adam.step()


def test_lbfgs_on_a_tensor_takes_the_same_path_as_on_values():
    def rosenbrock(p0, p1):
        return (1.0 - p0) ** 2 + 100.0 * (p1 - p0 * p0) ** 2

    x = Tensor([-1.2, 1.0], requires_grad=True)
    vs = [Value(-1.2), Value(1.0)]
    for params, loss in (([x], lambda: rosenbrock(x[0], x[1])), (vs, lambda: rosenbrock(*vs))):
        opt = optim.LBFGS(params, max_iter=100)

        def closure(opt=opt, loss=loss):
            opt.zero_grad()
            out = loss()
            out.backward()
            return out

        opt.step(closure)
    assert x.data.tolist() == [v.data for v in vs] and x.data == pytest.approx([1.0, 1.0], abs=1e-5)


# ---- functional: one name, either engine ----

VECTOR_BLOCKS = {
    "sum": lambda v: F.sum(v),
    "dot": lambda v: F.dot(v, [0.5, -1.0, 2.0, 0.25]),
    "logsumexp": lambda v: F.logsumexp(v),
    "softmax[1]": lambda v: F.softmax(v)[1],
    "smooth_max": lambda v: F.smooth_max(v, temperature=0.5),
    "smooth_min": lambda v: F.smooth_min(v, temperature=2.0),
    "norm": lambda v: F.norm(v),
    "distance": lambda v: F.distance(v, [1.0, 0.0, -1.0, 2.0]),
    "softplus[0]": lambda v: F.softplus(v[0]) if isinstance(v, list) else F.softplus(v)[0],
    "clamp[2]": lambda v: F.clamp(v[2], -0.5, 0.5) if isinstance(v, list) else F.clamp(v, -0.5, 0.5)[2],
    "hinge[3]": lambda v: F.hinge(v[3], 1.0) if isinstance(v, list) else F.hinge(v, 1.0)[3],
}


@pytest.mark.parametrize("name", VECTOR_BLOCKS)
@settings(max_examples=15)
@given(xs=st.lists(st.floats(-3, 3), min_size=4, max_size=4))
def test_functional_on_a_tensor_equals_functional_on_values(name, xs):
    block = VECTOR_BLOCKS[name]
    values = [Value(x) for x in xs]
    expected = block(values)
    expected.backward()
    t = Tensor(xs, requires_grad=True)
    out = block(t)
    out.backward()
    assert out.item() == pytest.approx(expected.data, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(t.grad, [v.grad for v in values], rtol=1e-9, atol=1e-12)


def test_functional_on_a_batch_evaluates_every_row_at_once():
    a = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]])
    b = np.array([[3.0, 4.0], [3.0, 4.0], [0.0, 0.0]])
    d = F.distance(Tensor(a), b)
    expected = [F.distance([Value(x) for x in p], list(q)).data for p, q in zip(a, b)]
    assert d.data.tolist() == pytest.approx(expected)


def test_norm_of_the_zero_vector_has_zero_gradient_and_huge_entries_do_not_overflow():
    x = Tensor([0.0, 0.0], requires_grad=True)
    F.norm(x).backward()
    assert x.grad.tolist() == [0.0, 0.0]
    assert F.norm(Tensor([3e200, 4e200])).item() == pytest.approx(5e200)


@pytest.mark.parametrize("call, message", [
    (lambda: F.dot(Tensor([1.0, 2.0]), [1.0]), r"dot: lengths differ \(2 and 1\)"),
    (lambda: F.distance(Tensor([1.0]), [1.0, 2.0]), r"distance: points have different lengths \(1 and 2\)"),
    (lambda: F.smooth_max(Tensor([1.0]), temperature=0), "smooth_max: temperature must be > 0"),
    (lambda: F.clamp(Tensor([1.0]), 2.0, 1.0), r"clamp: the lower bound \(2.0\) is above the upper one"),
])
def test_functional_bad_arguments_on_tensors_say_what_is_wrong(call, message):
    with pytest.raises(ValueError, match=message):
        call()
