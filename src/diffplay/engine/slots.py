"""Parameters as NumPy arrays ("slots"): the view every optimizer updates through.

All scalar Values of an optimizer share one slot (gathered and scattered each step, so the
update itself is vectorized), and each Tensor is its own slot, updated in place; the
first-order optimizers join runs of Tensors of one dtype into one TensorGroup. A slot knows
each of its parameters' place in the list the optimizer was given (`indices`) and shape
(`layout`, a flat.Flat), so its state can be shown one parameter at a time. `Optimizer`
(optim.py) and `LBFGS` (lbfgs.py) both start from `Slotted`.
"""

import operator

import numpy as np

from ..checks import is_number
from .flat import Flat
from .optim_state import loaded_settings, split_state, unpacked
from .value import Value


class ValueSlot:
    """Many scalar Values seen as one float64 array; indices are their places in the parameter
    list, each Value a parameter of its own (as a 0-d tensor would be in PyTorch)."""

    dtype = np.dtype(np.float64)

    def __init__(self, values, indices):
        self.values, self.indices = values, indices
        self.shape = (len(values),)
        self.layout = Flat([()] * len(values))

    def data(self):
        return np.fromiter((v.data for v in self.values), float, len(self.values))

    def grad(self):
        return np.fromiter((v.grad for v in self.values), float, len(self.values))

    def set_data(self, array):
        for v, x in zip(self.values, array.tolist()):
            v.data = x

    def zero_grad(self, set_to_none=True):
        for v in self.values:
            v.grad = 0.0   # a Value's gradient is a number: zero, whatever set_to_none says


class TensorSlot:
    """One Tensor, whose .data array is updated in place; index is its place in the parameter list."""

    def __init__(self, tensor, index):
        self.tensor, self.indices = tensor, [index]

    @property
    def shape(self):
        return self.tensor.data.shape

    @property
    def dtype(self):
        return self.tensor.data.dtype

    @property
    def layout(self):
        return Flat([self.shape])

    def data(self):
        return self.tensor.data

    def grad(self):
        return self.tensor.grad

    def set_data(self, array):
        if array is not self.tensor.data:
            self.tensor.data[...] = array

    def zero_grad(self, set_to_none=True):
        clear_grad(self.tensor, set_to_none)


def clear_grad(tensor, set_to_none=True):
    """torch's zero_grad for one Tensor: its gradient dropped (None), or kept as zeros."""
    tensor.grad = None if set_to_none or tensor.grad is None else np.zeros_like(tensor.grad)


class TensorGroup:
    """TensorSlots of one dtype seen end to end as one flat array: an update rule then runs once
    over all of them instead of once each (benchmarks/tensor.py, "adam step alone").

    Tensors that already lie end to end in one array (views made with Tensor.wrap, as the GPT's
    weights are) are updated in that array, in place; others are copied into a buffer of the
    group's and back each step.
    """

    def __init__(self, members):
        self.members, self.tensors = members, [slot.tensor for slot in members]
        self.indices = [i for slot in members for i in slot.indices]
        self.layout = Flat([t.data.shape for t in self.tensors])
        self.shape, self.dtype = (self.layout.size,), self.tensors[0].data.dtype
        self.views = [t.data for t in self.tensors]
        self.shared = shared_span(self.views, self.layout)
        # data() fills one buffer, and set_data copies out of it through views cut once, not each
        # step (the difference shows in benchmarks/gpt.py's batch=1 row)
        self.buffer = self.layout.join(self.views) if self.shared is None else self.shared
        self.parts = self.layout.split(self.buffer)
        self.grad_buffer = np.empty(self.layout.size, self.dtype)

    def __getstate__(self):
        """Only the members: the views, the buffer and its parts are cut from them (a copy's views
        of its own copied arrays would not be views of anything, so a deep copy of a scene or an
        optimizer would update a buffer its model no longer reads)."""
        return {"members": self.members}

    def __setstate__(self, state):
        self.__init__(state["members"])

    def in_place(self):
        """The tensors still hold the views of one array that they held when grouped."""
        return self.shared is not None and all(map(operator.is_, [t.data for t in self.tensors], self.views))

    def data(self):
        """Every tensor's data end to end: the array they share, or the group's own buffer
        (refilled on each call)."""
        if self.in_place():
            return self.shared
        return np.concatenate([t.data for t in self.tensors], axis=None, out=self.buffer)

    def grad(self):
        """Every tensor's gradient end to end, in a buffer of the group's (refilled on each call);
        None unless each has one (see partly_stepped)."""
        grads = [t.grad for t in self.tensors]
        if any(g is None for g in grads):
            return None
        return np.concatenate(grads, axis=None, out=self.grad_buffer)   # axis None: each flattened

    def partly_stepped(self):
        """Some tensors have a gradient and some do not: only the first may take the step."""
        have = [t.grad is not None for t in self.tensors]
        return any(have) and not all(have)

    def set_data(self, array):
        if array is self.shared and self.in_place():
            return   # updated where the tensors live
        for t, part in zip(self.tensors, self.parts if array is self.buffer else self.layout.split(array)):
            t.data[...] = part

    def zero_grad(self, set_to_none=True):
        for t in self.tensors:
            clear_grad(t, set_to_none)

    def split(self, state):
        """Its members, one slot a tensor, each with its part of the group's optimizer state."""
        return self.members, split_state(state, self.layout)


def shared_span(arrays, layout):
    """The one array that `arrays` tile end to end, in order, as a flat view; None if they do not."""
    base = arrays[0].base
    if not (isinstance(base, np.ndarray) and base.ndim == 1 and base.dtype == arrays[0].dtype
            and all(a.base is base and a.flags.c_contiguous for a in arrays)):
        return None
    start = (arrays[0].__array_interface__["data"][0] - base.__array_interface__["data"][0]) // base.itemsize
    for a, (begin, _) in zip(arrays, layout.spans):
        if a.__array_interface__["data"][0] != base.__array_interface__["data"][0] + (start + begin) * base.itemsize:
            return None
    return base[start:start + layout.size]


GROUP_MAX = 1 << 13   # entries: past ~8k, copying a Tensor in and out of the group costs more than its own calls (Adam, measured)


def grouped(slots):
    """The slots, in order, with each run of consecutive small Tensors of one dtype as one
    TensorGroup (its members' indices keep their places for state_dict)."""
    out = []
    for slot in slots:
        last = out[-1] if out else None
        if small(slot) and (isinstance(last, TensorGroup) or small(last)):
            members = last.members if isinstance(last, TensorGroup) else [last]
            if slot.dtype == members[0].dtype and all(slot.tensor is not m.tensor for m in members):
                out[-1] = TensorGroup([*members, slot])
                continue
        out.append(slot)
    return out


def small(slot):
    return isinstance(slot, TensorSlot) and slot.tensor.data.size <= GROUP_MAX


def as_slots(params, who):
    """The slots of a parameter list: one for all its Values, one per Tensor."""
    params = list(params)
    if not params:
        raise ValueError(f"{who}: got an empty parameter list")
    first = {}
    for i, p in enumerate(params):
        j = first.setdefault(id(p), i)
        if j != i:   # as PyTorch will: a parameter given twice would take two steps a step
            raise ValueError(f"{who}: parameters {j} and {i} are the same {type(p).__name__}; give each parameter once")
    values = [i for i, p in enumerate(params) if type(p) is Value]
    tensors = [i for i, p in enumerate(params) if type(p) is not Value]
    for i in tensors:
        if not isinstance(getattr(params[i], "data", None), np.ndarray):
            raise TypeError(f"{who}: parameters must be Values or Tensors, got {type(params[i]).__name__}")
    value_slot = [ValueSlot([params[i] for i in values], values)] if values else []
    return value_slot + [TensorSlot(params[i], i) for i in tensors]


def check_hyper(who, **hypers):
    """Refuse a hyperparameter that is not a finite real number >= 0 (NumPy scalars welcome, bools not)."""
    for name, x in hypers.items():
        if not (is_number(x) and x >= 0):
            raise ValueError(f"{who}: {name} must be a finite number >= 0, got {x!r}")


class Slotted:
    """What every optimizer starts from: its parameters as slots, zero_grad, and its state in
    PyTorch's layout (optim_state.py).

    A subclass names its settings (`settings`, checked and set by `_configure`), PyTorch's
    settings it lacks with the value at which PyTorch does what it does (`torch_settings`), and
    how its state goes to and from one state per parameter.
    """

    settings = ("lr",)
    torch_settings = {}

    def __init__(self, params):
        self.slots = as_slots(params, type(self).__name__)
        self.num_params = sum(len(slot.indices) for slot in self.slots)

    def zero_grad(self, set_to_none=True):
        """Every parameter's gradient dropped (None, torch's default) or, set_to_none=False, zeroed."""
        for slot in self.slots:
            slot.zero_grad(set_to_none)

    def state_dict(self):
        """{"state": {index: {name: value}}, "param_groups": [{setting: value, "params": [0, 1, …]}]}
        as PyTorch gives it, index a parameter's place in the list given; arrays are copies."""
        group = {name: getattr(self, name) for name in self.settings}
        return {"state": self._parameter_states(), "param_groups": [{**group, "params": list(range(self.num_params))}]}

    def load_state_dict(self, state_dict):
        """Go on from a state_dict() (this class's, or PyTorch's with NumPy arrays or tensors):
        its settings and state replace these; all is checked before anything changes."""
        who = f"{type(self).__name__}.load_state_dict"
        group, states = unpacked(state_dict, self.num_params, who)
        settings = loaded_settings(group, self.settings, self.torch_settings, who)
        state = self._checked_state(states, who)
        self._configure(**settings)
        self._set_state(state)

    def _configure(self, lr):
        """Check every setting, then set them all (a subclass with more settings takes them all)."""
        check_hyper(type(self).__name__, lr=lr)
        self.lr = lr

    def _parameter_states(self):
        raise NotImplementedError

    def _checked_state(self, states, who):
        """The state to set from one loaded state per parameter (in order), checked."""
        raise NotImplementedError

    def _set_state(self, state):
        raise NotImplementedError
