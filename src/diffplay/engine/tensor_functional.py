"""The Tensor twins of functional.py (which sends Tensor arguments here).

What takes a sequence of Values there takes a Tensor here, the sequence running along the
last axis (or `axis`): leading axes are a batch, so one call evaluates every instance of a
constraint at once. On a 1-D Tensor each function equals its Value twin.
"""

import numpy as np

from ..checks import is_number
from . import tensor_ops
from .tensor_core import Tensor, as_array, clip, constant, node


def positive(x, op, name):
    """x as a float, when it is a number > 0 (for either engine's settings, like a temperature)."""
    if not (is_number(x) and x > 0):
        raise ValueError(f"{op}: {name} must be > 0, got {x!r}")
    return float(x)


def _tensor(x):
    """A Tensor as is; numbers, lists and arrays as a constant Tensor."""
    return x if type(x) is Tensor else constant(as_array(x, None))


def _same_length(a, b, axis, complaint):
    a, b = _tensor(a), _tensor(b)
    if a.ndim == 0 or b.ndim == 0 or a.shape[axis] != b.shape[axis]:
        raise ValueError(f"{complaint} ({_length(a, axis)} and {_length(b, axis)})")
    return a, b


def _length(t, axis):
    return t.shape[axis] if t.ndim else "a scalar"


def sum(xs, axis=-1):
    """x₀ + x₁ + … along the axis."""
    return _tensor(xs).sum(axis)


def dot(xs, ys, axis=-1):
    """Σ xᵢ·yᵢ along the axis; an array on either side is a constant."""
    xs, ys = _same_length(xs, ys, axis, "dot: lengths differ")
    return (xs * ys).sum(axis)


def logsumexp(xs, axis=-1):
    """log Σ exp(xᵢ) along the axis, shifted by the max so it never overflows."""
    return tensor_ops.logsumexp(_tensor(xs), axis)


def softmax(xs, axis=-1):
    """exp(xᵢ − logsumexp(x)) along the axis."""
    return tensor_ops.softmax(_tensor(xs), axis)


def smooth_max(xs, temperature=1.0, axis=-1):
    """t·log Σ exp(xᵢ/t) along the axis: a max that is smooth, and never below the max."""
    t = positive(temperature, "smooth_max", "temperature")
    return tensor_ops.logsumexp(_tensor(xs) / t, axis) * t


def smooth_min(xs, temperature=1.0, axis=-1):
    """−smooth_max(−x): never above the min."""
    return -smooth_max(-_tensor(xs), temperature, axis)


def softplus(x):
    """log(1 + eˣ) elementwise, never overflowing."""
    return _tensor(x).softplus()


def clamp(x, lo=None, hi=None):
    """x limited to [lo, hi] elementwise; gradient 1 inside, 0 where clipped."""
    return clip(_tensor(x), lo, hi, "clamp")


def hinge(x, margin=0.0):
    """max(0, margin − x) elementwise."""
    return (margin - _tensor(x)).relu()


def norm(xs, axis=-1):
    """Euclidean length along the axis, in one node; its gradient at the zero vector is 0."""
    x = _tensor(xs)
    a = x.data
    big = np.abs(a).max(axis, keepdims=True)
    big[big == 0.0] = 1.0
    n = big * np.sqrt(((a / big) ** 2).sum(axis, keepdims=True))   # scaled: squares never overflow
    unit = np.divide(a, n, out=np.zeros_like(a), where=n > 0.0)
    return node(np.squeeze(n, axis), (x,), lambda g: (np.expand_dims(g, axis) * unit,), "norm")


def distance(a, b, axis=-1):
    """Euclidean distance between points whose coordinates run along the axis."""
    a, b = _same_length(a, b, axis, "distance: points have different lengths")
    return norm(a - b, axis)
