"""Random Tensors from a seeded generator, with PyTorch's names: Generator, manual_seed,
randn, rand, randint, randperm, multinomial, and dropout.

A `Generator` wraps NumPy's (PCG64): one seed gives one stream, run after run, but not
torch's stream (torch draws with its own Mersenne Twister); to start from PyTorch's numbers,
make them in torch and hand the arrays over. Every function takes `generator=`, else draws
from the default one that `manual_seed` seeds.
"""

import numpy as np

from .tensor_core import Tensor, node
from .tensor_create import dtype_or_default, int64, leaf, shape_of


class Generator:
    """A source of random numbers; `Generator().manual_seed(2147483647)` as in the makemore lectures."""

    def __init__(self, device="cpu"):
        self._seed = int(np.random.SeedSequence().entropy % 2**63)
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator (the one every function draws from unless given another)."""
    return default_generator.manual_seed(seed)


def randn(*size, generator=None, dtype=None, requires_grad=False):
    """Standard normal entries."""
    values = numpy_rng(generator).standard_normal(shape_of(size))
    return leaf(values.astype(dtype_or_default(dtype), copy=False), requires_grad)


def rand(*size, generator=None, dtype=None, requires_grad=False):
    """Uniform entries in [0, 1)."""
    return leaf(numpy_rng(generator).random(shape_of(size)).astype(dtype_or_default(dtype), copy=False), requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None):
    """Integers in [low, high) (randint(high, size) counts from 0), int64 by default."""
    if size is None:   # randint(high, size)
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: needs a size, as randint(high, size) or randint(low, high, size)")
    values = numpy_rng(generator).integers(low, high, shape_of((size,)))
    return leaf(values.astype(int64 if dtype is None else dtype_or_default(dtype)))


def randperm(n, generator=None):
    return leaf(numpy_rng(generator).permutation(n).astype(int64))


def multinomial(input, num_samples, replacement=False, generator=None):
    """Indices drawn with probabilities proportional to the weights in each row of `input`
    (1-D or 2-D), without replacement unless asked."""
    weights = np.asarray(input.data if type(input) is Tensor else input, np.float64)
    if weights.ndim not in (1, 2) or (weights < 0).any() or not np.isfinite(weights).all():
        raise ValueError(f"multinomial: expects finite, non-negative weights in 1 or 2 dims, got shape {weights.shape}")
    rows = weights.reshape(-1, weights.shape[-1])
    totals = rows.sum(1, keepdims=True)
    if (totals <= 0).any():
        raise ValueError("multinomial: a row of weights sums to 0")
    if not replacement and num_samples > np.count_nonzero(rows, 1).min():
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement from fewer "
                         "categories with weight")
    rng = numpy_rng(generator)
    picks = [rng.choice(len(p), num_samples, replace=replacement, p=p) for p in rows / totals]
    return leaf(np.array(picks, np.int64).reshape(weights.shape[:-1] + (num_samples,)))


def dropout(input, p=0.5, training=True, generator=None):
    """Each entry zeroed with probability p and the rest scaled by 1/(1 − p), when training."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    a = input.data
    keep = (numpy_rng(generator).random(a.shape) >= p) * (1.0 / (1.0 - p) if p < 1.0 else 0.0)
    keep = keep.astype(a.dtype, copy=False)
    return node(a * keep, (input,), lambda g: (g * keep,), "dropout")


def numpy_rng(generator):
    """The NumPy generator behind `generator`, or behind the default one when it is None."""
    return (default_generator if generator is None else generator).rng


__all__ = ["Generator", "default_generator", "dropout", "manual_seed", "multinomial", "rand", "randint", "randn",
           "randperm"]
