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

Besides float Tensors (float64 by default, float32 kept) there are integer and boolean ones,
for indices, targets and masks: they never need a gradient (comparisons make boolean ones).

This module is the core: the class, its arithmetic and comparisons, and the functions every
op module makes its nodes with — the engine's extension surface, public by name:

    node(data, children, backward, op)   the result of an op (a constant if no input needs a gradient)
    operand(x, op)                       the array or number behind an input
    unbroadcast(g, shape)                a gradient summed back to an input's shape
    only_tensors(items, inputs)          the gradients for the inputs that are Tensors
    needs_grad(x), as_array(data, dtype), constant(array), axes(dim, ndim, op), cast(x, dtype, op)

`fused_op` (tensor_ops.py) builds on them for ops written as `forward -> (out, vjp)`.
tensor.py attaches the methods that other modules define (elementwise, reductions, shape, softmax).
"""

import functools
import math
import operator
import threading

import numpy as np

from .tensor_backward import reverse_pass

_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


class _GradMode(threading.local):
    enabled = True   # every thread starts out tracing


_grad_mode = _GradMode()


class no_grad:
    """`with no_grad():` ops build no graph (for sampling and evaluation), as in PyTorch;
    `@no_grad()` on a function does the same for each of its calls.

    It holds for the thread that entered it only (as torch's does), so a scene sampling in
    one thread never stops another thread's training from tracing.
    """

    def __enter__(self):
        self._was, _grad_mode.enabled = _grad_mode.enabled, False

    def __exit__(self, *exc):
        _grad_mode.enabled = self._was

    def __call__(self, fn):
        @functools.wraps(fn)
        def untraced(*args, **kwargs):
            with no_grad():
                return fn(*args, **kwargs)

        return untraced


def is_grad_enabled():
    return _grad_mode.enabled


class Tensor:
    """An array in an expression graph: its data, its gradient, and the op that made it."""

    __slots__ = ("data", "grad", "requires_grad", "_children", "_backward", "op")
    __array_ufunc__ = None   # `ndarray + Tensor` must defer to Tensor.__radd__, not loop over it

    def __init__(self, data, requires_grad=False, dtype=None):
        """A float Tensor of `data` (a copy; integers become float64, as torch.Tensor makes
        floats), or of the integer or boolean `dtype` asked for."""
        self.data = as_array(data, dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad) and _float_or_refuse(self.data, "Tensor")
        self._children = ()
        self._backward = None
        self.op = ""

    # ---- what it holds ----

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    device = "cpu"

    def size(self, dim=None):
        """The shape, or the length of axis `dim` (torch's size(); numel() counts entries)."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self):
        return self.data.size

    def dim(self):
        return self.data.ndim

    def __len__(self):
        return len(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))   # len() refuses a 0-d Tensor, as torch does

    def numpy(self):
        """The data array itself (shared, as torch's .numpy() shares)."""
        return self.data

    def tolist(self):
        return self.data.tolist()

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item: the Tensor has shape {self.data.shape}, not a single element")
        return self.data.item()

    def detach(self):
        """A constant Tensor sharing this one's data, cut from the graph."""
        return constant(self.data)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = bool(requires_grad) and _float_or_refuse(self.data, "requires_grad_")
        return self

    def retain_grad(self):
        """Nothing to do: every Tensor on the way to the output keeps its .grad after backward()."""

    def __array__(self, dtype=None, copy=None):
        """NumPy sees the data of a constant; a Tensor in a graph is refused, so that no gradient
        is lost without a word (use .detach() or .data)."""
        if self.requires_grad:
            raise TypeError("numpy: this Tensor requires grad; take .detach() (or .data) to use it as an array")
        return self.data if dtype is None else self.data.astype(dtype)

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

    def clip(self, min=None, max=None):
        """Limited to [min, max]; gradient 1 inside (ends included, as torch.clamp), 0 outside."""
        return clip(self, min, max, "clip")

    clamp = clip

    # ---- comparisons are elementwise and make boolean Tensors (identity stays the hash) ----

    def __lt__(self, other):
        return _compare(operator.lt, self, other)

    def __le__(self, other):
        return _compare(operator.le, self, other)

    def __gt__(self, other):
        return _compare(operator.gt, self, other)

    def __ge__(self, other):
        return _compare(operator.ge, self, other)

    def __eq__(self, other):
        return _compare(operator.eq, self, other)

    def __ne__(self, other):
        return _compare(operator.ne, self, other)

    __hash__ = object.__hash__

    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"bool: the truth of a Tensor of shape {self.data.shape} is ambiguous; "
                               "use .any() or .all()")
        return bool(self.data)

    # ---- masks combine with ~ & | ^ (boolean or integer Tensors; constants, as in torch) ----

    def __invert__(self):
        if self.data.dtype.kind not in "biu":
            raise TypeError(f"invert: ~ needs a boolean or integer Tensor, got {self.data.dtype}")
        return constant(~self.data)

    def __and__(self, other):
        return _bitwise(operator.and_, self, other, "and")

    def __rand__(self, other):
        return _bitwise(operator.and_, other, self, "and")

    def __or__(self, other):
        return _bitwise(operator.or_, self, other, "or")

    def __ror__(self, other):
        return _bitwise(operator.or_, other, self, "or")

    def __xor__(self, other):
        return _bitwise(operator.xor, self, other, "xor")

    def __rxor__(self, other):
        return _bitwise(operator.xor, other, self, "xor")

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
    if type(array) is not np.ndarray:
        array = np.asarray(array)
    t.data, t.grad, t.requires_grad, t._children, t._backward, t.op = array, None, False, (), None, ""
    return t


def as_array(data, dtype):
    """`data` as an array of its own (a copy): float64 or float32, or the integer or boolean
    `dtype` asked for; a TypeError saying why not."""
    if type(data) is Tensor:
        data = data.data
    if dtype is not None:
        dtype = checked_dtype(dtype, "Tensor")
    try:
        array = np.array(data, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise TypeError(f"Tensor: expected numbers or an array, got {type(data).__name__} ({e})") from None
    if array.dtype not in _FLOATS and dtype is None:
        if array.dtype.kind not in "biuf":
            raise TypeError(f"Tensor: expected real numbers, got an array of {array.dtype}")
        array = array.astype(np.float64)
    return array


def checked_dtype(dtype, op):
    """np.dtype(dtype), when it is one a Tensor may hold: float64, float32, an integer or bool."""
    dtype = np.dtype(dtype)
    if dtype not in _FLOATS and dtype.kind not in "biu":
        raise TypeError(f"{op}: dtype must be float64, float32, an integer or bool, got {dtype}")
    return dtype


def _float_or_refuse(array, op):
    if array.dtype not in _FLOATS:
        raise TypeError(f"{op}: only float Tensors can require gradients, got {array.dtype}")
    return True


def operand(x, op):
    """The array or number behind an operand: a Tensor's data, or a constant."""
    if type(x) is Tensor:
        return x.data
    if type(x) is float or type(x) is int or type(x) is np.ndarray:
        return x
    if isinstance(x, bool | np.bool_):
        return bool(x)
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


def axes(dim, ndim, op):
    """A reduction's `dim` (None, an axis or a tuple of them, negative ones counting from the
    end) as None or a tuple of axes in range. A 0-d Tensor has one axis to name, 0 or -1, and
    reducing over it changes nothing (as torch)."""
    if dim is None:
        return None
    dims = tuple(dim) if isinstance(dim, tuple | list) else (dim,)
    bound = max(ndim, 1)
    out = []
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, int | np.integer):
            raise TypeError(f"{op}: dim must be an int or a tuple of ints, got {dim!r}")
        if not -bound <= d < bound:
            raise IndexError(f"{op}: dim {d} is out of range for a Tensor of {ndim} dimensions")
        out.append(d % bound)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dim {dim} names an axis twice")
    return tuple(out) if ndim else ()


def one_axis(dim, ndim, op):
    """`dim` as one axis in range (for ops along a single axis, like cumsum or topk)."""
    if not isinstance(dim, int | np.integer):
        raise TypeError(f"{op}: dim must be one axis (an int), got {dim!r}")
    dims = axes(dim, ndim, op)
    return dims[0] if dims else 0   # a 0-d Tensor's one nameable axis


def dtype_of(args, dtype, op):
    """The dtype that `.to(*args, dtype=…)` asks for (a dtype, or a Tensor's), or None; a
    device is 'cpu' or refused, since diffplay runs on the CPU only."""
    for arg in args:
        if type(arg) is Tensor:
            dtype = arg.data.dtype
        elif isinstance(arg, str) and arg.split(":")[0] in ("cpu", "cuda", "mps", "xpu", "meta"):
            if arg.split(":")[0] != "cpu":
                raise ValueError(f"{op}: diffplay runs on the CPU only, got device {arg!r}")
        else:
            dtype = arg
    return dtype


def cast(x, dtype, op):
    """x in another dtype: a float one passes its gradient back in x's own dtype; to an integer
    or boolean dtype the result is a constant, as in torch."""
    a, dtype = x.data, np.dtype(dtype)
    if a.dtype == dtype:
        return x
    out = a.astype(dtype)
    if dtype not in _FLOATS:
        return constant(out)
    return node(out, (x,), lambda g: (g.astype(a.dtype),), op)


# ---- arithmetic ----
# Each entry: name, forward, d out/d a · g, d out/d b · g (given g, a, b, out).

_ADD = ("add", operator.add, lambda g, a, b, out: g, lambda g, a, b, out: g)
_SUB = ("sub", operator.sub, lambda g, a, b, out: g, lambda g, a, b, out: -g)
_MUL = ("mul", operator.mul, lambda g, a, b, out: g * b, lambda g, a, b, out: g * a)
_DIV = ("div", operator.truediv, lambda g, a, b, out: g / b, lambda g, a, b, out: -g * out / b)
_POW = ("pow", operator.pow,
        lambda g, a, b, out: g * b * a ** (b - 1),            # d a^b/da = b a^(b-1)
        lambda g, a, b, out: g * out * np.log(a, dtype=out.dtype))   # d a^b/db = a^b ln a
# the larger (smaller) side takes the gradient; a tie splits it in halves, as torch.maximum
_MAXIMUM = ("maximum", np.maximum, lambda g, a, b, out: g * _share(a, b), lambda g, a, b, out: g * _share(b, a))
_MINIMUM = ("minimum", np.minimum, lambda g, a, b, out: g * _share(b, a), lambda g, a, b, out: g * _share(a, b))


def _share(a, b):
    return (a > b) + 0.5 * (a == b)


def maximum(x, y):
    """The larger of x and y, elementwise (broadcasting)."""
    return _binary(_MAXIMUM, x, y)


def minimum(x, y):
    """The smaller of x and y, elementwise (broadcasting)."""
    return _binary(_MINIMUM, x, y)


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


def _compare(test, x, other):
    if type(other) is not Tensor and not isinstance(other, int | float | np.ndarray | np.generic | list | tuple):
        return NotImplemented   # `t == None` is False, by identity, as in torch
    b = operand(other, "compare")
    try:
        return constant(np.asarray(test(x.data, b)))
    except ValueError:
        raise ValueError(f"compare: shapes {x.data.shape} and {np.shape(b)} do not broadcast") from None


def _bitwise(op, x, y, name):
    a, b = (v.data if type(v) is Tensor else np.asarray(v) for v in (x, y))
    if a.dtype.kind not in "biu" or b.dtype.kind not in "biu":
        raise TypeError(f"{name}: needs boolean or integer Tensors, got {a.dtype} and {b.dtype}")
    try:
        return constant(np.asarray(op(a, b)))
    except ValueError:
        raise ValueError(f"{name}: shapes {a.shape} and {b.shape} do not broadcast") from None


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
        raise ValueError(f"{op}: the lower bound ({lo}) is above the upper one ({hi})")
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
        gb = (rows(a2).T @ rows(g2)).reshape(b.shape)
    elif need_b:
        gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape)
    return ga, gb


def rows(a):
    """a (..., n) as one (rows, n) matrix (the count written out for an empty array, where
    reshape(-1, n) has no answer); a matrix as it is."""
    if a.ndim == 2:
        return a
    return a.reshape(-1, a.shape[-1]) if a.size else a.reshape(math.prod(a.shape[:-1]), a.shape[-1])
