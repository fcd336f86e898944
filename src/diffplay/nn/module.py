"""`Module`, PyTorch's building block for models of Tensors, and its three containers.

A Module finds what it holds by looking at what you assign to it: a Module is a child, a
leaf Tensor that requires grad is a parameter (diffplay has no Parameter class: `Parameter(x)`
makes such a Tensor), and `register_buffer` names state that is saved but not trained (a
BatchNorm's running statistics). From that come parameters(), named_parameters(),
state_dict() / load_state_dict(), train() / eval(), zero_grad() and to(dtype), as in torch.
"""

import collections

import numpy as np

from ..engine.slots import clear_grad
from ..engine.tensor import Tensor
from ..engine.tensor_core import cast, constant, dtype_of

_MODULE, _PARAMETER, _BUFFER = "module", "parameter", "buffer"

LoadResult = collections.namedtuple("LoadResult", "missing_keys unexpected_keys")


def Parameter(data, requires_grad=True):
    """A leaf Tensor over `data` (shared with a Tensor or array, as torch's Parameter shares)
    that requires grad: a Module that holds it counts it among its parameters."""
    return Tensor.wrap(data.data if type(data) is Tensor else Tensor(data).data, requires_grad=requires_grad)


class Module:
    """Subclass it, assign layers and parameters in __init__, and write forward()."""

    training = True

    def __setattr__(self, name, value):
        kinds = self._kinds()
        if isinstance(value, Module):
            kinds[name] = _MODULE
        elif type(value) is Tensor and value.requires_grad and value._backward is None:
            kinds[name] = _PARAMETER   # a leaf that learns; a Tensor computed from others is not
        elif kinds.get(name) != _BUFFER:
            kinds.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self._kinds().pop(name, None)
        object.__delattr__(self, name)

    def _kinds(self):
        """Name -> what it is (module, parameter or buffer), in the order first assigned."""
        kinds = self.__dict__.get("_what")
        if kinds is None:
            kinds = {}
            object.__setattr__(self, "_what", kinds)
        return kinds

    def register_buffer(self, name, tensor):
        """State saved in state_dict() but not trained (None is allowed: nothing to save yet)."""
        self._kinds()[name] = _BUFFER
        object.__setattr__(self, name, tensor)

    def register_parameter(self, name, param):
        setattr(self, name, param)

    # ---- calling ----

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: a Module needs a forward() method")

    # ---- what it holds ----

    def _own(self, kind):
        return [(name, getattr(self, name)) for name, k in self._kinds().items() if k == kind]

    def named_children(self):
        return iter(self._own(_MODULE))

    def children(self):
        return (module for _, module in self._own(_MODULE))

    def named_modules(self, prefix=""):
        yield prefix, self
        for name, child in self._own(_MODULE):
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (module for _, module in self.named_modules())

    def named_parameters(self, prefix="", recurse=True):
        return self._named(_PARAMETER, prefix, recurse)

    def parameters(self, recurse=True):
        """Every parameter, each once (a list; torch gives an iterator)."""
        return [p for _, p in self.named_parameters(recurse=recurse)]

    def named_buffers(self, prefix="", recurse=True):
        return self._named(_BUFFER, prefix, recurse)

    def buffers(self, recurse=True):
        return [b for _, b in self.named_buffers(recurse=recurse)]

    def _named(self, kind, prefix, recurse):
        seen, out = set(), []
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for path, module in modules:
            for name, t in module._own(kind):
                if t is not None and id(t) not in seen:
                    seen.add(id(t))
                    out.append((f"{path}.{name}" if path else name, t))
        return iter(out)

    # ---- saving and loading ----

    def state_dict(self):
        """Parameters and buffers by dotted name, as Tensors sharing their data (torch's layout)."""
        state = collections.OrderedDict()
        for path, module in self.named_modules():
            for name, t in module._own(_PARAMETER) + module._own(_BUFFER):
                if t is not None:
                    state[f"{path}.{name}" if path else name] = constant(t.data)
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy the entries (Tensors, arrays, or anything NumPy reads) into the parameters and
        buffers of the same names, in place, in their own dtypes."""
        own = self.state_dict()
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        if strict and (missing or unexpected):
            raise KeyError(f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        for name, target in own.items():
            if name in state_dict:
                value = state_dict[name]
                array = np.asarray(value.data if type(value) is Tensor else value)
                if array.shape != target.shape:
                    raise ValueError(f"load_state_dict: {name} has shape {array.shape}, the model's is {target.shape}")
                target.data[...] = array
        return LoadResult(missing, unexpected)

    # ---- modes and housekeeping ----

    def train(self, mode=True):
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            clear_grad(p, set_to_none)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad = bool(requires_grad)
        return self

    def to(self, *args, dtype=None):
        """Every float parameter and buffer cast to the dtype asked, in place (make optimizers
        after); a device is 'cpu' or refused, as Tensor.to."""
        dtype = dtype_of(args, dtype, "to")
        if dtype is None:
            return self
        for module in self.modules():
            for _, t in module._own(_PARAMETER) + module._own(_BUFFER):
                if t is not None and t.dtype.kind == "f":
                    t.data = cast(t.detach(), dtype, "to").data
        return self

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    def apply(self, fn):
        for module in self.modules():
            fn(module)
        return self

    # ---- showing ----

    def extra_repr(self):
        return ""

    def __repr__(self):
        children = [f"({name}): {child!r}".replace("\n", "\n  ") for name, child in self._own(_MODULE)]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = ([self.extra_repr()] if self.extra_repr() else []) + children
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


class Sequential(Module):
    """Modules applied one after another; indexable like a list."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            modules = list(modules[0].items())
        else:
            modules = [(str(i), m) for i, m in enumerate(modules)]
        for name, module in modules:
            setattr(self, name, module)

    def forward(self, x):
        for module in self.children():
            x = module(x)
        return x

    def __getitem__(self, i):
        modules = list(self.children())
        return Sequential(*modules[i]) if isinstance(i, slice) else modules[i]

    def __len__(self):
        return len(self._own(_MODULE))

    def __iter__(self):
        return self.children()

    def append(self, module):
        setattr(self, str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of Modules whose parameters count as the holder's."""

    def __init__(self, modules=()):
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module):
        setattr(self, str(len(self)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, i):
        return list(self.children())[i]

    def __len__(self):
        return len(self._own(_MODULE))

    def __iter__(self):
        return self.children()


class ModuleDict(Module):
    """Modules by name, whose parameters count as the holder's (nanoGPT's `transformer`)."""

    def __init__(self, modules=None):
        super().__init__()
        for name, module in dict(modules or {}).items():
            self[name] = module

    def __getitem__(self, name):
        if self._kinds().get(name) != _MODULE:
            raise KeyError(name)
        return getattr(self, name)

    def __setitem__(self, name, module):
        setattr(self, name, module)

    def __len__(self):
        return len(self._own(_MODULE))

    def __iter__(self):
        return iter(self.keys())

    def __contains__(self, name):
        return self._kinds().get(name) == _MODULE

    def keys(self):
        return [name for name, _ in self._own(_MODULE)]

    def values(self):
        return list(self.children())

    def items(self):
        return self._own(_MODULE)
