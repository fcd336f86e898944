"""Smooth building blocks for energies, one name for either engine.

Each function takes Values (or lists of them, plain numbers allowed) or Tensors. The n-ary ones
(`sum`, `dot`, `logsumexp`, `norm`, `distance`) build a single node with many children instead
of a deep chain of binary nodes: a 10,000-term sum is one node, and backward stays shallow.
"""

import builtins
import functools
import math

from . import tensor_functional
from .tensor_core import Tensor
from .tensor_functional import positive
from .value import Value, _as_float

_INF = float("inf")


def _either_engine(fn):
    """Send Tensor arguments to the array twin of `fn` in tensor_functional."""

    @functools.wraps(fn)
    def dispatch(x, *args, **kwargs):
        if isinstance(x, Tensor) or (args and isinstance(args[0], Tensor)):
            return getattr(tensor_functional, fn.__name__)(x, *args, **kwargs)
        return fn(x, *args, **kwargs)

    return dispatch


def _lift(x, op="functional"):
    return x if type(x) is Value else Value(_as_float(x, op))


def _values(xs, op):
    xs = [_lift(x, op) for x in xs]
    if not xs:
        raise ValueError(f"{op}: needs at least one input, got none")
    return xs


@_either_engine
def sum(xs):
    """x₀ + x₁ + … as one node (left-to-right, like the builtin)."""
    xs = _values(xs, "sum")
    return Value(builtins.sum([x.data for x in xs]), tuple(xs), (1.0,) * len(xs), "sum")


@_either_engine
def dot(xs, ys):
    """Σ xᵢ·yᵢ as one node; plain numbers on either side are constants."""
    if len(xs) != len(ys):
        raise ValueError(f"dot: lengths differ ({len(xs)} and {len(ys)})")
    children, local_grads, total = [], [], 0.0
    for x, y in zip(xs, ys):
        xd = x.data if type(x) is Value else _as_float(x, "dot")
        yd = y.data if type(y) is Value else _as_float(y, "dot")
        total += xd * yd
        if type(x) is Value:
            children.append(x)
            local_grads.append(yd)
        if type(y) is Value:
            children.append(y)
            local_grads.append(xd)
    return Value(total, tuple(children), tuple(local_grads), "dot")


@_either_engine
def logsumexp(xs):
    """log Σ exp(xᵢ), shifted by the max so it never overflows; its gradient is softmax."""
    xs = _values(xs, "logsumexp")
    top = max(x.data for x in xs)
    if math.isinf(top):
        return Value(top, tuple(xs), tuple(float(x.data == top) for x in xs), "logsumexp")
    exps = [math.exp(x.data - top) for x in xs]
    total = builtins.sum(exps)
    return Value(top + math.log(total), tuple(xs), tuple(e / total for e in exps), "logsumexp")


@_either_engine
def softmax(xs):
    """exp(xᵢ − logsumexp(x)) for each i: probabilities that sum to one."""
    xs = _values(xs, "softmax")
    lse = logsumexp(xs)
    return [(x - lse).exp() for x in xs]


@_either_engine
def smooth_max(xs, temperature=1.0):
    """A differentiable max: t·log Σ exp(xᵢ/t); tends to max(x) as t → 0, never below it."""
    t = positive(temperature, "smooth_max", "temperature")
    return logsumexp([_lift(x) / t for x in xs]) * t


@_either_engine
def smooth_min(xs, temperature=1.0):
    """A differentiable min: −smooth_max(−x); never above min(x)."""
    return -smooth_max([-_lift(x) for x in xs], temperature)


@_either_engine
def softplus(x):
    """log(1 + eˣ), a smooth relu that never overflows."""
    return _lift(x).softplus()


@_either_engine
def clamp(x, lo=None, hi=None):
    """x limited to [lo, hi]; gradient 1 inside, 0 where it is clipped (as torch.clamp)."""
    x = _lift(x)
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clamp: the lower bound ({lo}) is above the upper one ({hi})")
    if lo is not None and x.data < lo:
        return Value(float(lo), (x,), (0.0,), "clamp")
    if hi is not None and x.data > hi:
        return Value(float(hi), (x,), (0.0,), "clamp")
    return Value(x.data, (x,), (1.0,), "clamp")


@_either_engine
def hinge(x, margin=0.0):
    """max(0, margin − x): zero once x reaches the margin, linear below it."""
    return (margin - _lift(x)).relu()


@_either_engine
def norm(xs):
    """Euclidean length √(Σ xᵢ²) as one node; its gradient at the zero vector is taken as 0."""
    xs = _values(xs, "norm")
    n = math.hypot(*[x.data for x in xs])   # hypot: no underflow or overflow in the squares
    grads = tuple(x.data / n for x in xs) if n > 0.0 else (0.0,) * len(xs)
    return Value(n, tuple(xs), grads, "norm")


@_either_engine
def distance(a, b):
    """Euclidean distance between two points given as equal-length sequences."""
    if len(a) != len(b):
        raise ValueError(f"distance: points have different lengths ({len(a)} and {len(b)})")
    a, b = _values(a, "distance"), _values(b, "distance")
    diffs = [p.data - q.data for p, q in zip(a, b)]
    d = math.hypot(*diffs)
    unit = [u / d for u in diffs] if d > 0.0 else [0.0] * len(diffs)
    return Value(d, tuple(a) + tuple(b), tuple(unit) + tuple(-u for u in unit), "distance")


def sigmoid(x):
    """1 / (1 + e⁻ˣ), stable for any x (a Value, a Tensor or a number)."""
    return x.sigmoid() if hasattr(x, "sigmoid") else _lift(x).sigmoid()


__all__ = [
    "clamp", "distance", "dot", "hinge", "logsumexp", "norm", "sigmoid", "smooth_max",
    "smooth_min", "softmax", "softplus", "sum",
]
