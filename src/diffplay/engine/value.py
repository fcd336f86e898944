"""A scalar reverse-mode autodiff: micrograd's `Value`, complete, exact and robust.

Each node keeps its children and the local derivative with respect to each child as two
tuples (microgpt's layout): no closures, so a finished graph is freed by reference counting
the moment its last name goes away, without waiting for CPython's cyclic collector.
"""

import math
import numbers

_INF = float("inf")
_SQRT_2_PI = math.sqrt(2.0 / math.pi)   # gelu's tanh approximation: tanh(√(2/π)·(x + 0.044715x³))
_GELU_CUBIC = 0.044715


class Value:
    """A scalar in an expression graph: its data, its gradient, and the operation that made it."""

    __slots__ = ("data", "grad", "_children", "_local_grads", "op")

    def __init__(self, data, children=(), local_grads=(), op=""):
        if type(data) is not float:
            data = _as_float(data, "Value")
        self.data = data
        self.grad = 0.0
        self._children = children
        self._local_grads = local_grads
        self.op = op

    # ---- arithmetic: forward and its local derivatives side by side ----

    def __add__(self, other):
        if type(other) is not Value:
            return Value(self.data + _as_float(other, "add"), (self,), (1.0,), "+")
        return Value(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other):
        if type(other) is not Value:
            other = _as_float(other, "mul")
            return Value(self.data * other, (self,), (other,), "*")
        return Value(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __truediv__(self, other):
        if type(other) is not Value:
            other = _as_float(other, "div")
            _check_denominator(other)
            return Value(self.data / other, (self,), (1.0 / other,), "/")
        b = other.data
        _check_denominator(b)
        return Value(self.data / b, (self, other), (1.0 / b, -self.data / (b * b)), "/")

    def __pow__(self, other):
        if type(other) is Value:
            return _value_power(self, other)
        k = _as_float(other, "pow")
        x = self.data
        if x == 0.0 and k < 0.0:
            raise ValueError(f"pow: 0.0 ** {_fmt(k)} is a division by zero")
        if x < 0.0 and not k.is_integer():
            raise ValueError(f"pow: a negative base ({_fmt(x)}) needs an integer exponent, got {_fmt(k)}")
        return Value(_power(x, k), (self,), (_power_slope(x, k),), "**")

    def __neg__(self):
        return Value(-self.data, (self,), (-1.0,), "neg")

    def __sub__(self, other):
        if type(other) is not Value:
            return Value(self.data - _as_float(other, "sub"), (self,), (1.0,), "-")
        return Value(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Value(_as_float(other, "sub") - self.data, (self,), (-1.0,), "-")

    def __rtruediv__(self, other):
        a, b = _as_float(other, "div"), self.data
        _check_denominator(b)
        return Value(a / b, (self,), (-a / (b * b),), "/")

    def __rpow__(self, other):
        return _value_power(Value(_as_float(other, "pow")), self)

    def __abs__(self):
        x = self.data
        return Value(abs(x), (self,), ((x > 0.0) - (x < 0.0) + 0.0,), "abs")

    abs = __abs__

    # ---- elementary functions ----

    def exp(self):
        try:
            e = math.exp(self.data)
        except OverflowError:
            e = _INF   # IEEE's answer; backward() names this op if it reaches the gradient
        return Value(e, (self,), (e,), "exp")

    def log(self):
        x = self.data
        if not x > 0.0:
            raise ValueError(f"log: input must be > 0, got {_fmt(x)}")
        return Value(math.log(x), (self,), (1.0 / x,), "log")

    def sqrt(self):
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt: input must be >= 0, got {_fmt(x)}")
        s = math.sqrt(x)
        return Value(s, (self,), (0.5 / s if s > 0.0 else _INF,), "sqrt")

    def relu(self):
        x = self.data
        return Value(x, (self,), (1.0,), "relu") if x > 0.0 else Value(0.0, (self,), (0.0,), "relu")

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1.0 - t * t,), "tanh")   # d tanh = 1 - tanh²

    def sigmoid(self):
        s = _sigmoid(self.data)
        return Value(s, (self,), (s * (1.0 - s),), "sigmoid")

    def softplus(self):
        x = self.data
        # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): never overflows
        return Value(max(x, 0.0) + math.log1p(math.exp(-abs(x))), (self,), (_sigmoid(x),), "softplus")

    def sin(self):
        return Value(math.sin(self.data), (self,), (math.cos(self.data),), "sin")

    def cos(self):
        return Value(math.cos(self.data), (self,), (-math.sin(self.data),), "cos")

    def gelu(self, approximate="none"):
        x = self.data
        if approximate == "tanh":   # ½x(1 + tanh u) = x·σ(2u), u = √(2/π)(x + 0.044715x³): no cancellation
            s = _sigmoid(2.0 * _SQRT_2_PI * (x + _GELU_CUBIC * x**3))
            slope = s + 2.0 * x * s * (1.0 - s) * _SQRT_2_PI * (1.0 + 3.0 * _GELU_CUBIC * x * x)
            return Value(x * s, (self,), (slope,), "gelu")
        if approximate != "none":
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        cdf = 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))   # Φ(x); its derivative is the normal density
        return Value(x * cdf, (self,), (cdf + x * math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi),), "gelu")

    def silu(self):
        x = self.data
        s = _sigmoid(x)
        return Value(x * s, (self,), (s * (1.0 + x * (1.0 - s)),), "silu")

    def elu(self, alpha=1.0):
        x = self.data
        if x > 0.0:
            return Value(x, (self,), (1.0,), "elu")
        return Value(alpha * math.expm1(x), (self,), (alpha * math.exp(x),), "elu")

    def leaky_relu(self, negative_slope=0.01):
        x = self.data
        return Value(x, (self,), (1.0,), "leaky_relu") if x > 0.0 else \
            Value(negative_slope * x, (self,), (negative_slope,), "leaky_relu")

    # ---- comparisons look at the numbers; identity stays the node's (Values live in sets) ----

    def __lt__(self, other):
        return self.data < _data(other)

    def __le__(self, other):
        return self.data <= _data(other)

    def __gt__(self, other):
        return self.data > _data(other)

    def __ge__(self, other):
        return self.data >= _data(other)

    __hash__ = object.__hash__

    def __float__(self):
        return self.data

    def item(self):
        """The number, as a Tensor's or PyTorch's item() gives theirs."""
        return self.data

    def __repr__(self):
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    # ---- reverse mode ----

    def backward(self):
        """Add d(self)/d(leaf) to every leaf's .grad (accumulating, like PyTorch)."""
        if not math.isfinite(self.data):
            raise nonfinite_error(self, "the output is " + _fmt(self.data))
        # Pass 1: count each node's parents, and zero interior grads (only leaves accumulate).
        parents = {}
        stack = [self]
        while stack:
            v = stack.pop()
            for c in v._children:
                if c in parents:
                    parents[c] += 1
                else:
                    parents[c] = 1
                    if c._children:
                        c.grad = 0.0
                    stack.append(c)
        if self._children:
            self.grad = 0.0
        self.grad += 1.0
        # Pass 2: a node passes its gradient down once every parent has passed theirs to it.
        ready = [self]
        while ready:
            v = ready.pop()
            g = v.grad
            for c, local in zip(v._children, v._local_grads):
                c.grad += local * g
                left = parents[c] - 1
                if left:
                    parents[c] = left
                else:
                    ready.append(c)
        grads = [v.grad for v in parents]
        # one sum spots an inf or nan anywhere; finite gradients can overflow it, so then look closer
        if not math.isfinite(sum(grads)) and not all(map(math.isfinite, grads)):
            raise nonfinite_error(self, "a gradient is not finite")


def topological_order(root):
    """Every node of root's graph, children before parents (iterative: any depth works)."""
    order, seen = [], {root}
    stack = [(root, iter(root._children))]
    while stack:
        node, children = stack[-1]
        for c in children:
            if c not in seen:
                seen.add(c)
                stack.append((c, iter(c._children)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def _value_power(base, exponent):
    a, b = base.data, exponent.data
    if a < 0.0 or (a == 0.0 and b <= 0.0):
        raise ValueError(f"pow: with a Value exponent the base must be > 0, got {_fmt(a)} ** {_fmt(b)}")
    p = _power(a, b)
    d_exponent = p * math.log(a) if a > 0.0 else 0.0   # d a^b/db = a^b ln a, which tends to 0 as a -> 0
    return Value(p, (base, exponent), (_power_slope(a, b), d_exponent), "**")


def _power(x, k):
    """x ** k, inf (or -inf) where it overflows, as IEEE has it (Python raises OverflowError)."""
    try:
        return x**k
    except OverflowError:
        return -_INF if x < 0.0 and k % 2.0 == 1.0 else _INF


def _power_slope(x, k):
    """d x^k/dx = k x^(k-1), taken at x = 0 as its limit from above (as torch does): x^(k-1)
    there would divide by zero for k < 1. Infinite for 0 < k < 1, so backward names the op."""
    if k == 0.0:
        return 0.0
    if x == 0.0:
        return 0.0 if k > 1.0 else 1.0 if k == 1.0 else _INF
    return k * _power(x, k - 1.0)


def _sigmoid(x):
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)   # the mirrored form, so e^-x never overflows
    return e / (1.0 + e)


def _as_float(x, op):
    if type(x) is float or type(x) is int:   # the common case, before the slower ABC check
        return float(x)
    if isinstance(x, numbers.Real) and not isinstance(x, bool):   # NumPy's scalars are Real too
        return float(x)
    kind = type(x)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    raise TypeError(f"{op}: expected a number or a Value, got {name} {x!r:.40}")


def _data(x):
    return x.data if type(x) is Value else _as_float(x, "compare")


def _check_denominator(b):
    if b == 0.0:
        raise ValueError("div: division by zero")


def _fmt(x):
    return repr(float(x))


def nonfinite_error(root, what):
    """Name the first operation (in evaluation order) whose value or derivative is not finite."""
    for v in topological_order(root):
        if not math.isfinite(v.data) or not all(math.isfinite(g) for g in v._local_grads):
            inputs = ", ".join(_fmt(c.data) for c in v._children)
            return FloatingPointError(
                f"backward: {what}; it first appears at op {v.op!r} "
                f"(inputs {inputs or 'none'} -> value {_fmt(v.data)}, local derivatives "
                f"{', '.join(_fmt(g) for g in v._local_grads) or 'none'})"
            )
    return FloatingPointError(f"backward: {what}")
