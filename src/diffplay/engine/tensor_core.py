"""Reverse-mode autodiff over NumPy arrays: `Value`'s idea, one node per array operation.

A node keeps its input Tensors (`_children`, as in Value) and a `_backward` function that
maps the gradient of its output to the gradients of its inputs (a vector-Jacobian product).
A `_backward` closes over input and output *arrays*, never over the output Tensor, so a
finished graph is freed by reference counting, as with Value.

Gradients are only traced for what needs them: a Tensor you make is a constant unless you
ask for `requires_grad=True` (PyTorch's rule), and an op whose inputs are all constants
makes a constant. Speed at small sizes is all per-op Python overhead, so the hot path does
no checking that NumPy does anyway: its errors are caught and renamed after the op, and a
NaN or inf is refused by backward(), which names the op where it first appeared. Ops keep
references to their inputs' arrays, so change a leaf's data (optimizer steps do, in place)
only after backward(), as the usual zero_grad / forward / backward / step loop does.

This module is the core: the class, its arithmetic and reductions, and the functions every
op module makes its nodes with — the engine's extension surface, public by name:

    node(data, children, backward, op)   the result of an op (a constant if no input needs a gradient)
    operand(x, op)                       the array or number behind an input
    unbroadcast(g, shape)                a gradient summed back to an input's shape
    only_tensors(items, inputs)          the gradients for the inputs that are Tensors
    needs_grad(x), as_array(data, dtype), constant(array)

`fused_op` (tensor_ops.py) builds on them for ops written as `forward -> (out, vjp)`.
tensor.py attaches the methods that other modules define (elementwise, shape, softmax).
"""

import operator
import threading

import numpy as np

from .tensor_backward import reverse_pass

_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


class _GradMode(threading.local):
    enabled = True   # every thread starts out tracing


_grad_mode = _GradMode()


class no_grad:
    """`with no_grad():` ops build no graph (for sampling and evaluation), as in PyTorch.

    It holds for the thread that entered it only (as torch's does), so a scene sampling in
    one thread never stops another thread's training from tracing.
    """

    def __enter__(self):
        self._was, _grad_mode.enabled = _grad_mode.enabled, False

    def __exit__(self, *exc):
        _grad_mode.enabled = self._was


class Tensor:
    """An array in an expression graph: its data, its gradient, and the op that made it."""

    __slots__ = ("data", "grad", "requires_grad", "_children", "_backward", "op")
    __array_ufunc__ = None   # `ndarray + Tensor` must defer to Tensor.__radd__, not loop over it

    def __init__(self, data, requires_grad=False, dtype=None):
        self.data = as_array(data, dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._children = ()
        self._backward = None
        self.op = ""

    # ---- what it holds ----

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    dtype = property(lambda self: self.data.dtype)

    def __len__(self):
        return len(self.data)

    def numpy(self):
        """The data array itself (shared, as torch's .numpy() shares)."""
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item: the Tensor has shape {self.data.shape}, not a single element")
        return self.data.item()

    def detach(self):
        """A constant Tensor sharing this one's data, cut from the graph."""
        return constant(self.data)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        dtype = "" if self.data.dtype == np.float64 else f", dtype={self.data.dtype}"
        return f"Tensor({np.array2string(self.data, separator=', ', threshold=20)}{dtype}{grad})"

    @staticmethod
    def wrap(array, requires_grad=False):
        """A Tensor over `array` itself, not a copy (the constructor copies): writes to either
        show in both, so weights can be views into one flat buffer that an optimizer updates."""
        if type(array) is not np.ndarray or array.dtype not in _FLOATS:
            kind = f"an array of {array.dtype}" if isinstance(array, np.ndarray) else type(array).__name__
            raise TypeError(f"Tensor.wrap: expected a float64 or float32 NumPy array, got {kind}")
        tensor = constant(array)
        tensor.requires_grad = bool(requires_grad)
        return tensor

    # ---- arithmetic: forward and local derivatives side by side (see _BINARY below) ----

    def __add__(self, other):
        return _binary(_ADD, self, other)

    def __radd__(self, other):
        return _binary(_ADD, other, self)

    def __sub__(self, other):
        return _binary(_SUB, self, other)

    def __rsub__(self, other):
        return _binary(_SUB, other, self)

    def __mul__(self, other):
        return _binary(_MUL, self, other)

    def __rmul__(self, other):
        return _binary(_MUL, other, self)

    def __truediv__(self, other):
        return _binary(_DIV, self, other)

    def __rtruediv__(self, other):
        return _binary(_DIV, other, self)

    def __pow__(self, other):
        return _binary(_POW, self, other)

    def __rpow__(self, other):
        return _binary(_POW, other, self)

    def __neg__(self):
        return node(-self.data, (self,), _negate, "neg")

    def __matmul__(self, other):
        return _matmul(self, other)

    def __rmatmul__(self, other):
        return _matmul(other, self)

    matmul = __matmul__

    # ---- elementwise: the functions of elementwise.py are attached by tensor.py ----

    def clip(self, lo=None, hi=None):
        """Limited to [lo, hi]; gradient 1 inside (ends included, as torch.clamp), 0 outside."""
        return clip(self, lo, hi, "clip")

    # ---- reductions ----

    def sum(self, axis=None, keepdims=False):
        a = self.data
        out = a.sum(axis=checked_axis(axis, a.shape, "sum"), keepdims=keepdims)
        return node(out, (self,), lambda g: (_expand(g, a.shape, axis, keepdims),), "sum")

    def mean(self, axis=None, keepdims=False):
        a = self.data
        total = a.sum(axis=checked_axis(axis, a.shape, "mean"), keepdims=keepdims)
        n = a.size // max(np.size(total), 1)
        return node(total / n, (self,), lambda g: (_expand(g / n, a.shape, axis, keepdims),), "mean")

    def max(self, axis=None, keepdims=False):
        """The largest entries; ties share the gradient equally (as torch.amax)."""
        return _extreme(self, np.max, axis, keepdims, "max")

    def min(self, axis=None, keepdims=False):
        """The smallest entries; ties share the gradient equally (as torch.amin)."""
        return _extreme(self, np.min, axis, keepdims, "min")

    # ---- comparisons look at the numbers and give plain boolean arrays ----

    def __lt__(self, other):
        return self.data < operand(other, "compare")

    def __le__(self, other):
        return self.data <= operand(other, "compare")

    def __gt__(self, other):
        return self.data > operand(other, "compare")

    def __ge__(self, other):
        return self.data >= operand(other, "compare")

    __hash__ = object.__hash__

    # ---- reverse mode ----

    def backward(self, grad=None):
        """Add d(self)/d(leaf) to the .grad of every leaf that requires it (accumulating)."""
        if not self.requires_grad:
            raise RuntimeError("backward: nothing to differentiate; no Tensor that this one "
                               "depends on has requires_grad=True")
        reverse_pass(self, grad)


# ---- how nodes are made ----

_new = object.__new__


def node(data, children, backward, op):
    """The result of an op: it joins the graph only when some input needs a gradient."""
    out = _new(Tensor)
    if type(data) is not np.ndarray:
        data = np.asarray(data)   # NumPy returns scalars for 0-d results; keep every .data an array
    out.data, out.grad, out.op = data, None, op
    if _grad_mode.enabled:
        for c in children:
            if c.requires_grad:
                out.requires_grad, out._children, out._backward = True, children, backward
                return out
    out.requires_grad, out._children, out._backward = False, (), None
    return out


def constant(array):
    """A constant Tensor over `array` as it is (no copy, no checks: the caller made it)."""
    t = _new(Tensor)
    t.data, t.grad, t.requires_grad, t._children, t._backward, t.op = array, None, False, (), None, ""
    return t


def as_array(data, dtype):
    """`data` as a float64 or float32 array of its own (a copy), or a TypeError saying why not."""
    if type(data) is Tensor:
        data = data.data
    if dtype is not None and np.dtype(dtype) not in _FLOATS:
        raise TypeError(f"Tensor: dtype must be float64 or float32, got {np.dtype(dtype)}")
    try:
        array = np.array(data, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise TypeError(f"Tensor: expected numbers or an array, got {type(data).__name__} ({e})") from None
    if array.dtype not in _FLOATS:
        if array.dtype.kind not in "biuf":
            raise TypeError(f"Tensor: expected real numbers, got an array of {array.dtype}")
        array = array.astype(np.float64)
    return array


def operand(x, op):
    """The array or number behind an operand: a Tensor's data, or a constant."""
    if type(x) is Tensor:
        return x.data
    if type(x) is float or type(x) is int or type(x) is np.ndarray:
        return x
    if isinstance(x, np.floating | np.integer):
        return float(x)   # a Python float keeps a float32 Tensor float32 (NEP 50)
    if isinstance(x, list | tuple):
        return as_array(x, None)
    raise TypeError(f"{op}: expected a number, an array or a Tensor, got {type(x).__name__}")


def only_tensors(items, inputs):
    """The items that stand at the positions of Tensor inputs (constants get no gradient)."""
    for t in inputs:
        if type(t) is not Tensor:
            return tuple([item for item, t in zip(items, inputs) if type(t) is Tensor])
    return tuple(items)   # the usual case, all Tensors: no filtering


def needs_grad(x):
    """x is a Tensor that asks for a gradient."""
    return type(x) is Tensor and x.requires_grad


# ---- arithmetic ----
# Each entry: name, forward, d out/d a · g, d out/d b · g (given g, a, b, out).

_ADD = ("add", operator.add, lambda g, a, b, out: g, lambda g, a, b, out: g)
_SUB = ("sub", operator.sub, lambda g, a, b, out: g, lambda g, a, b, out: -g)
_MUL = ("mul", operator.mul, lambda g, a, b, out: g * b, lambda g, a, b, out: g * a)
_DIV = ("div", operator.truediv, lambda g, a, b, out: g / b, lambda g, a, b, out: -g * out / b)
_POW = ("pow", operator.pow,
        lambda g, a, b, out: g * b * a ** (b - 1),            # d a^b/da = b a^(b-1)
        lambda g, a, b, out: g * out * np.log(a, dtype=out.dtype))   # d a^b/db = a^b ln a


def _binary(spec, x, y):
    """x (op) y with broadcasting, where either side may be a constant."""
    name, forward, d_x, d_y = spec
    a, b = operand(x, name), operand(y, name)
    try:
        out = forward(a, b)
    except ValueError:
        raise ValueError(f"{name}: shapes {np.shape(a)} and {np.shape(b)} do not broadcast") from None
    if type(y) is not Tensor:
        return node(out, (x,), lambda g: (unbroadcast(d_x(g, a, b, out), a.shape),), name)
    if type(x) is not Tensor:
        return node(out, (y,), lambda g: (unbroadcast(d_y(g, a, b, out), b.shape),), name)

    def backward(g):
        return (unbroadcast(d_x(g, a, b, out), a.shape) if x.requires_grad else None,
                unbroadcast(d_y(g, a, b, out), b.shape) if y.requires_grad else None)

    return node(out, (x, y), backward, name)


def _negate(g):
    return (-g,)


def unbroadcast(g, shape):
    """Sum g over the axes that broadcasting stretched, so it has the input's shape again."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return np.asarray(g)


def clip(x, lo, hi, op):
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"{op}: lo ({lo}) is above hi ({hi})")
    a = x.data
    inside = np.ones(a.shape, bool)
    if lo is not None:
        inside &= a >= lo
    if hi is not None:
        inside &= a <= hi
    return node(np.clip(a, lo, hi), (x,), lambda g: (g * inside,), op)


# ---- matmul ----

def _matmul(x, y):
    a, b = operand(x, "matmul"), operand(y, "matmul")
    try:
        out = a @ b
    except ValueError:
        raise ValueError(f"matmul: shapes {np.shape(a)} and {np.shape(b)} do not align") from None
    inputs = (x, y)
    need_a, need_b = needs_grad(x), needs_grad(y)

    def backward(g):
        return only_tensors(_matmul_grads(g, a, b, need_a, need_b), inputs)

    return node(out, only_tensors(inputs, inputs), backward, "matmul")


def _matmul_grads(g, a, b, need_a, need_b):
    if a.ndim == 2 and b.ndim == 2:   # the common case: no batch, no vectors
        return (g @ b.T if need_a else None), (a.T @ g if need_b else None)
    a2 = a[None, :] if a.ndim == 1 else a   # vectors become 1-row / 1-column matrices
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = g if b.ndim > 1 else np.expand_dims(g, -1)
    g2 = g2 if a.ndim > 1 else np.expand_dims(g2, -2)
    ga = gb = None
    if need_a:
        ga = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
    if need_b and b2.ndim == 2:   # a weight shared by every batch: fold the batch into one product
        gb = (a2.reshape(-1, a2.shape[-1]).T @ g2.reshape(-1, g2.shape[-1])).reshape(b.shape)
    elif need_b:
        gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
    return ga, gb


# ---- reductions ----

def checked_axis(axis, shape, op):
    """`axis` (None, an int or a tuple of ints), once it names distinct axes of `shape`; else a
    ValueError in the op's words rather than NumPy's."""
    if axis is None:
        return None
    axes = axis if isinstance(axis, tuple) else (axis,)
    ndim = len(shape)
    if not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) and -ndim <= i < ndim for i in axes):
        raise ValueError(f"{op}: axis {axis!r} is out of range for a Tensor of shape {tuple(shape)}")
    if len({int(i) % ndim for i in axes}) != len(axes):
        raise ValueError(f"{op}: axis {axis!r} names one axis twice")
    return axis


def _expand(g, shape, axis, keepdims):
    """A reduction's output gradient, broadcast back over the axes it reduced."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def _extreme(x, reduce, axis, keepdims, op):
    a = x.data
    out = reduce(a, axis=checked_axis(axis, a.shape, op), keepdims=keepdims)

    def backward(g):
        hit = a == _expand(out, a.shape, axis, keepdims)
        share = _expand(g, a.shape, axis, keepdims) / hit.sum(axis=axis, keepdims=True, dtype=a.dtype)
        return (np.where(hit, share, 0.0),)

    return node(out, (x,), backward, op)
