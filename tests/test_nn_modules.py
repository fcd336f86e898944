"""diffplay.nn's Module and layers against torch.nn's: the same names, state and numbers once a
torch model's state is loaded; modes, zero_grad and dtypes as in torch."""

import numpy as np
import pytest
import torch

import diffplay.nn as nn
import diffplay.torch as ours


def normal(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


LAYERS = {   # each built on both libraries, with an input
    "Linear": (lambda t: t.nn.Linear(4, 3), normal((2, 5, 4))),
    "Linear without bias": (lambda t: t.nn.Linear(4, 3, bias=False), normal((2, 4))),
    "Embedding": (lambda t: t.nn.Embedding(5, 3), np.array([[0, 4], [2, 2]])),
    "LayerNorm": (lambda t: t.nn.LayerNorm(4), normal((2, 3, 4))),
    "BatchNorm1d (N, C)": (lambda t: t.nn.BatchNorm1d(4), normal((6, 4))),
    "BatchNorm1d (N, C, L)": (lambda t: t.nn.BatchNorm1d(3, momentum=0.3), normal((4, 3, 5))),
    "Sequential": (lambda t: t.nn.Sequential(t.nn.Linear(3, 8), t.nn.GELU(), t.nn.Dropout(0.0), t.nn.Linear(8, 2),
                                             t.nn.LeakyReLU(0.2), t.nn.Flatten(0)), normal((5, 3))),
    "activations": (lambda t: t.nn.Sequential(t.nn.ELU(0.5), t.nn.SiLU(), t.nn.Softplus(), t.nn.Sigmoid(),
                                              t.nn.ReLU(), t.nn.Tanh(), t.nn.Identity()), normal((3, 4))),
}


def loaded_twins(build):
    torch.manual_seed(0)
    theirs = build(torch).double()
    mine = build(ours)
    mine.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return theirs, mine


def as_input(lib, array):
    return lib.tensor(array) if array.dtype.kind == "i" else lib.tensor(array, requires_grad=True)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_a_layer_matches_torch_once_loaded_with_its_state(name, mode):
    build, x = LAYERS[name]
    theirs, mine = loaded_twins(build)
    assert [k for k, _ in mine.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    assert list(mine.state_dict()) == list(theirs.state_dict())
    getattr(theirs, mode)(), getattr(mine, mode)()
    for _ in range(2):   # twice: a BatchNorm's running statistics move in between
        out_t, out_m = theirs(as_input(torch, x)), mine(as_input(ours, x))
        weight = normal(tuple(out_t.shape), 1)
        out_t.backward(torch.tensor(weight))
        out_m.backward(weight)
        np.testing.assert_allclose(out_m.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    for (key, p_t), (_, p_m) in zip(theirs.named_parameters(), mine.named_parameters()):
        np.testing.assert_allclose(p_m.grad, p_t.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=key)
    for (key, b_t), (_, b_m) in zip(theirs.state_dict().items(), mine.state_dict().items()):
        np.testing.assert_allclose(b_m.data, b_t.numpy(), rtol=1e-12, err_msg=key)


def test_layers_start_from_torchs_distributions():
    ours.manual_seed(0)
    linear, embedding = nn.Linear(400, 300), nn.Embedding(1000, 50)
    bound = 1 / np.sqrt(400)
    assert np.abs(linear.weight.data).max() <= bound and np.abs(linear.weight.data).max() > 0.99 * bound
    assert embedding.weight.data.std() == pytest.approx(1.0, abs=0.02)
    norm = nn.BatchNorm1d(3)
    assert norm.weight.tolist() == [1.0] * 3 and norm.running_var.tolist() == [1.0] * 3
    assert norm.num_batches_tracked.dtype == np.int64 and [k for k, _ in norm.named_buffers()] == [
        "running_mean", "running_var", "num_batches_tracked"]


class Twice(nn.Module):
    """A Module of one's own: a parameter, a child, a buffer and an activation it keeps."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(3))
        self.inner = nn.Linear(3, 3)
        self.register_buffer("calls", ours.zeros((), dtype=ours.int64))

    def forward(self, x):
        self.calls.data += 1
        self.out = self.inner(x) * self.scale   # computed, not a parameter
        return self.out * 2.0


def test_a_module_of_ones_own_finds_its_parameters_children_and_buffers():
    m = Twice()
    m(ours.randn(2, 3)).sum().backward()
    assert [k for k, _ in m.named_parameters()] == ["scale", "inner.weight", "inner.bias"]
    assert list(m.state_dict()) == ["scale", "calls", "inner.weight", "inner.bias"] and m.calls.item() == 1
    assert [name for name, _ in m.named_modules()] == ["", "inner"] and list(m.children()) == [m.inner]
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
    assert not m.eval().training and not m.inner.training and m.train().inner.training
    m.to(ours.float32)
    assert all(p.dtype == np.float32 for p in m.parameters()) and m.calls.dtype == np.int64


def test_load_state_dict_refuses_missing_unexpected_and_misshapen_entries():
    m = nn.Linear(2, 3)
    with pytest.raises(KeyError, match=r"missing keys \['bias'\], unexpected keys \['b'\]"):
        m.load_state_dict({"weight": np.zeros((3, 2)), "b": np.zeros(3)})
    with pytest.raises(ValueError, match=r"load_state_dict: weight has shape \(2, 3\), the model's is \(3, 2\)"):
        m.load_state_dict({"weight": np.zeros((2, 3)), "bias": np.zeros(3)})
    assert m.load_state_dict({"weight": np.ones((3, 2))}, strict=False).missing_keys == ["bias"]


def test_sequential_indexes_and_shows_itself_as_torch_does():
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    assert len(model) == 3 and isinstance(model[1], nn.Tanh) and len(model[:2]) == 2
    assert repr(model) == repr(torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)))


def test_the_scenes_mlp_is_a_module_of_linear_layers():
    mlp = nn.TensorMLP([2, 4, 1], rng=np.random.default_rng(0))
    assert isinstance(mlp, nn.Module) and all(isinstance(layer, nn.Linear) for layer in mlp.linears)
    assert [k for k, _ in mlp.named_parameters()] == ["linears.0.weight", "linears.0.bias", "linears.1.weight",
                                                       "linears.1.bias"]


def test_a_module_dict_holds_modules_by_name_as_torchs_does():
    theirs = torch.nn.ModuleDict({"embed": torch.nn.Embedding(3, 2), "head": torch.nn.Linear(2, 3)})
    mine = nn.ModuleDict({"embed": nn.Embedding(3, 2), "head": nn.Linear(2, 3)})
    assert list(mine) == list(theirs) == mine.keys() and "head" in mine and "tail" not in mine and len(mine) == 2
    assert [k for k, _ in mine.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    assert mine["head"] is mine.head and [m for _, m in mine.items()] == mine.values()
    with pytest.raises(KeyError):
        mine["tail"]
