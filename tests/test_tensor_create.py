"""Making Tensors with PyTorch's names, and random ones from a seeded generator: the same
values and dtypes as torch (float64 where torch's default float32 would be), reproducible
streams, and sampling that follows its weights."""

import numpy as np
import pytest
import torch

import diffplay.torch as ours

CREATED = {   # each run on both libraries
    "zeros": lambda t: t.zeros(2, 3),
    "zeros of a tuple": lambda t: t.zeros((2, 3)),
    "ones int": lambda t: t.ones(3, dtype=t.int64),
    "full int": lambda t: t.full((2,), 7),
    "full float": lambda t: t.full((2, 2), 0.5),
    "empty shape": lambda t: t.empty(0, 2),
    "zeros_like": lambda t: t.zeros_like(t.tensor([[1, 2]])),
    "ones_like": lambda t: t.ones_like(t.tensor([1.5, 2.5])),
    "arange n": lambda t: t.arange(5),
    "arange floats": lambda t: t.arange(0.0, 1.0, 0.25),
    "linspace": lambda t: t.linspace(-1, 1, 5),
    "eye": lambda t: t.eye(3),
    "eye rectangular": lambda t: t.eye(2, 3),
    "tril of ones": lambda t: t.tril(t.ones(3, 4)),
    "triu diagonal 1": lambda t: t.triu(t.ones(3, 3), diagonal=1),
    "one_hot": lambda t: t.nn.functional.one_hot(t.tensor([0, 2, 1]), 4),
    "one_hot sized by the largest": lambda t: t.nn.functional.one_hot(t.tensor([[0], [3]])),
}


def torch_dtype_here(dtype):
    """torch's dtype as diffplay has it: its default float32 is diffplay's float64."""
    return np.float64 if dtype == torch.float32 else np.dtype(str(dtype).removeprefix("torch."))


@pytest.mark.parametrize("name", CREATED)
def test_created_tensors_match_torch(name):
    mine, theirs = CREATED[name](ours), CREATED[name](torch)
    assert mine.shape == tuple(theirs.shape) and mine.dtype == torch_dtype_here(theirs.dtype)
    np.testing.assert_array_equal(mine.data, theirs.numpy())


def test_requires_grad_makes_a_leaf_that_learns():
    w = ours.randn(3, 2, requires_grad=True)
    (w * 2.0).sum().backward()
    assert w.grad.tolist() == [[2.0, 2.0]] * 3


def test_one_seed_gives_one_stream_and_generators_are_apart():
    ours.manual_seed(5)
    first = [ours.randn(3).tolist(), ours.rand(2).tolist(), ours.randint(0, 9, (4,)).tolist()]
    ours.manual_seed(5)
    assert [ours.randn(3).tolist(), ours.rand(2).tolist(), ours.randint(0, 9, (4,)).tolist()] == first
    g = ours.Generator().manual_seed(2147483647)
    a = ours.randn((27, 10), generator=g)
    ours.randn(100)   # the default generator moving does not move g
    assert ours.randn((27, 10), generator=ours.Generator().manual_seed(2147483647)).tolist() == a.tolist()
    assert g.initial_seed() == 2147483647


def test_random_values_have_their_ranges_shapes_and_dtypes():
    g = ours.Generator().manual_seed(0)
    r = ours.rand(1000, generator=g)
    assert r.dtype == np.float64 and 0.0 <= r.min().item() and r.max().item() < 1.0
    n = ours.randn(2, 3, generator=g, dtype=ours.float32)
    assert n.shape == (2, 3) and n.dtype == np.float32
    i = ours.randint(10, (5, 2), generator=g)   # randint(high, size)
    assert i.dtype == np.int64 and i.shape == (5, 2) and 0 <= i.min().item() and i.max().item() < 10
    assert sorted(ours.randperm(6, generator=g).tolist()) == list(range(6))


def test_multinomial_follows_its_weights():
    g = ours.Generator().manual_seed(1)
    weights = ours.tensor([0.0, 1.0, 3.0])   # weights need not sum to 1
    draws = ours.multinomial(weights, 4000, replacement=True, generator=g)
    counts = np.bincount(draws.data, minlength=3)
    assert draws.dtype == np.int64 and counts[0] == 0 and counts[2] / counts[1] == pytest.approx(3.0, rel=0.1)
    rows = ours.multinomial(ours.tensor([[1.0, 1.0, 1.0], [0.0, 5.0, 1.0]]), 2, generator=g)
    assert rows.shape == (2, 2) and all(len(set(r)) == 2 for r in rows.tolist())   # no replacement: distinct
    with pytest.raises(ValueError, match="multinomial: cannot draw 3 samples without replacement"):
        ours.multinomial(weights, 3)


def test_dropout_zeroes_a_share_p_and_scales_the_rest_and_does_nothing_in_eval():
    x = ours.ones(10000, requires_grad=True)
    out = ours.nn.functional.dropout(x, 0.25, generator=ours.Generator().manual_seed(3))
    kept = out.data != 0
    assert kept.mean() == pytest.approx(0.75, abs=0.02) and np.allclose(out.data[kept], 1 / 0.75)
    out.sum().backward()
    assert np.array_equal(x.grad, out.data)   # the same mask and scale
    assert ours.nn.functional.dropout(x, 0.25, training=False) is x
    assert not ours.nn.functional.dropout(x, 1.0).data.any()
