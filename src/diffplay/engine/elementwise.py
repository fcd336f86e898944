"""The elementwise functions, one entry each: what both engines compute, and their gradients.

Every function here is a method of `Value` (hand-written in value.py, for reading) and of
`Tensor` (made from the array forward below). Everything else that lists them reads this
table: the tests (each checked against its reference, finite differences and PyTorch, on both
engines, and the two engines checked to offer exactly this set), the expression language and
the graph scene's help.

An entry's array forward speaks `fused_op`'s convention: `forward(a) -> (out, vjp)`, where
`vjp(g)` returns the input's gradient in a one-tuple. A function with settings (elu's alpha,
leaky_relu's slope, gelu's approximation) declares them with their defaults, PyTorch's, in
`params`: its forward, reference, derivative and both engines' methods take them as keywords
(or in that order), and `variants` lists other settings the tests check too.
"""

import math
from dataclasses import dataclass, field

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
    params: dict = field(default_factory=dict)   # settings and their defaults, in order
    variants: tuple = ()  # other settings ({name: value}) the tests check as well


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


_SQRT_2_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715
_array_erf = np.frompyfunc(math.erf, 1, 1)   # NumPy has no erf; math's is exact, entry by entry


# gelu's tanh approximation ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³), is computed as x·σ(2u): the
# same number, without the cancellation of 1 + tanh u where u is very negative.

def _gelu_float(x, approximate="none"):
    if approximate == "tanh":
        return x * _sigmoid_float(2.0 * _SQRT_2_PI * (x + _GELU_CUBIC * x ** 3))
    return 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0)))


def _gelu_slope(x, approximate="none"):
    if approximate == "tanh":
        s = _sigmoid_float(2.0 * _SQRT_2_PI * (x + _GELU_CUBIC * x ** 3))
        return s + 2.0 * x * s * (1.0 - s) * _SQRT_2_PI * (1.0 + 3.0 * _GELU_CUBIC * x * x)
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0))) + x * math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


@elementwise("gelu", "x·Φ(x), Φ the normal distribution (approximate='tanh': its tanh approximation)",
             _gelu_float, _gelu_slope, torch="nn.functional.gelu", params={"approximate": "none"},
             variants=({"approximate": "tanh"},))
def gelu(a, approximate="none"):
    if approximate == "tanh":
        s = sigmoid_array(2.0 * _SQRT_2_PI * (a + _GELU_CUBIC * a ** 3))
        return a * s, lambda g: (g * (s + 2.0 * a * s * (1.0 - s) * _SQRT_2_PI * (1.0 + 3.0 * _GELU_CUBIC * a * a)),)
    if approximate != "none":
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    cdf = 0.5 * (1.0 + np.asarray(_array_erf(a / math.sqrt(2.0)), a.dtype))
    return a * cdf, lambda g: (g * (cdf + a * np.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)),)


@elementwise("silu", "x·sigmoid(x)", lambda x: x * _sigmoid_float(x),
             lambda x: _sigmoid_float(x) * (1.0 + x * (1.0 - _sigmoid_float(x))), torch="nn.functional.silu")
def silu(a):
    s = sigmoid_array(a)
    return a * s, lambda g: (g * s * (1.0 + a * (1.0 - s)),)


@elementwise("elu", "x above 0, alpha·(eˣ − 1) below", lambda x, alpha=1.0: x if x > 0.0 else alpha * math.expm1(x),
             lambda x, alpha=1.0: 1.0 if x > 0.0 else alpha * math.exp(x), kinks=(0.0,),
             torch="nn.functional.elu", params={"alpha": 1.0}, variants=({"alpha": 0.5},))
def elu(a, alpha=1.0):
    below = alpha * np.expm1(np.minimum(a, 0.0))   # the minimum: e^x of a large x is never taken
    return np.where(a > 0.0, a, below), lambda g: (g * np.where(a > 0.0, 1.0, below + alpha),)


@elementwise("leaky_relu", "x above 0, negative_slope·x below", lambda x, negative_slope=0.01: x if x > 0.0 else
             negative_slope * x, lambda x, negative_slope=0.01: 1.0 if x > 0.0 else negative_slope, kinks=(0.0,),
             torch="nn.functional.leaky_relu", params={"negative_slope": 0.01}, variants=({"negative_slope": 0.2},))
def leaky_relu(a, negative_slope=0.01):
    return np.where(a > 0.0, a, negative_slope * a), lambda g: (np.where(a > 0.0, g, negative_slope * g),)


NAMES = tuple(ELEMENTWISE)
