"""The elementwise functions, one entry each: what both engines compute, and their gradients.

Every function here is a method of `Value` (hand-written in value.py, for reading) and of
`Tensor` (made from the array forward below). Everything else that lists them reads this
table: the tests (each checked against its reference, finite differences and PyTorch, on both
engines, and the two engines checked to offer exactly this set), the expression language and
the graph scene's help.

An entry's array forward speaks `fused_op`'s convention: `forward(a) -> (out, vjp)`, where
`vjp(g)` returns the input's gradient in a one-tuple.
"""

import math
from dataclasses import dataclass

import numpy as np

REAL = (-math.inf, math.inf)
POSITIVE = (0.0, math.inf)   # open: the tests keep away from 0


@dataclass(frozen=True)
class Elementwise:
    name: str
    doc: str
    reference: object     # f(x) on a Python float: what both engines must compute
    derivative: object    # f'(x) on a Python float
    forward: object       # the array twin: forward(a) -> (out, vjp)
    domain: tuple = REAL  # the open interval where it is defined and smooth (but for `kinks`)
    kinks: tuple = ()     # points where the derivative jumps (the tests stay off them)
    torch: str = ""       # its PyTorch function, e.g. "nn.functional.softplus" (default: torch.NAME)


ELEMENTWISE = {}


def elementwise(name, doc, reference, derivative, **more):
    """Register `forward` as the array form of the elementwise function `name`."""
    def register(forward):
        ELEMENTWISE[name] = Elementwise(name, doc, reference, derivative, forward, **more)
        return forward

    return register


def _sigmoid_float(x):
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def sigmoid_array(a):
    """1 / (1 + e⁻ᵃ) without overflow: e^-|a| never overflows; pick the form that does not cancel."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


@elementwise("exp", "eˣ", math.exp, math.exp)
def exp(a):
    e = np.exp(a)
    return e, lambda g: (g * e,)


@elementwise("log", "the natural logarithm", math.log, lambda x: 1.0 / x, domain=POSITIVE)
def log(a):
    require(a > 0.0, a, "log", "> 0")
    return np.log(a), lambda g: (g / a,)


@elementwise("sqrt", "the square root", math.sqrt, lambda x: 0.5 / math.sqrt(x), domain=POSITIVE)
def sqrt(a):
    require(a >= 0.0, a, "sqrt", ">= 0")
    s = np.sqrt(a)
    return s, lambda g: (0.5 * g / s,)


def require(inside, a, op, rule):
    """Raise a ValueError naming the op, as Value's do, where an entry is outside its domain
    (NaN included): the first such entry, its value and its index."""
    if not np.all(inside):
        at = np.unravel_index(np.argmin(inside), np.shape(inside)) if np.ndim(inside) else ()
        index = f" at index {tuple(int(i) for i in at)}" if at else ""
        raise ValueError(f"{op}: input must be {rule}, got {float(np.asarray(a)[at])}{index}")


@elementwise("tanh", "the hyperbolic tangent", math.tanh, lambda x: 1.0 - math.tanh(x) ** 2)
def tanh(a):
    t = np.tanh(a)
    return t, lambda g: (g * (1.0 - t * t),)   # d tanh = 1 - tanh²


@elementwise("sigmoid", "1 / (1 + e⁻ˣ)", _sigmoid_float, lambda x: _sigmoid_float(x) * (1.0 - _sigmoid_float(x)))
def sigmoid(a):
    s = sigmoid_array(a)
    return s, lambda g: (g * s * (1.0 - s),)


@elementwise("relu", "max(x, 0)", lambda x: max(x, 0.0), lambda x: float(x > 0.0), kinks=(0.0,))
def relu(a):
    return np.maximum(a, 0.0), lambda g: (g * (a > 0.0),)


@elementwise("softplus", "log(1 + eˣ), a smooth relu", lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
             _sigmoid_float, torch="nn.functional.softplus")
def softplus(a):
    # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): never overflows; its derivative is sigmoid
    return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a))), lambda g: (g * sigmoid_array(a),)


@elementwise("sin", "the sine", math.sin, math.cos)
def sin(a):
    return np.sin(a), lambda g: (g * np.cos(a),)


@elementwise("cos", "the cosine", math.cos, lambda x: -math.sin(x))
def cos(a):
    return np.cos(a), lambda g: (-g * np.sin(a),)


@elementwise("abs", "|x|", abs, lambda x: float((x > 0) - (x < 0)), kinks=(0.0,))
def absolute(a):
    return np.abs(a), lambda g: (g * np.sign(a),)   # 0 at 0, as torch


NAMES = tuple(ELEMENTWISE)
