"""diffplay: say what you want as a differentiable energy, and let autodiff find it.

The public names load on first use (`from diffplay import Tensor` imports the engine then),
so `import diffplay.cli` is quick: the command line handles Ctrl-C from its first moment,
before NumPy has loaded, instead of printing a traceback from the middle of an import.
"""

import importlib

_WHERE = {
    "Tensor": "engine.tensor", "no_grad": "engine.tensor", "Value": "engine.value",
    "fused_op": "engine.tensor_ops", "gradcheck": "engine.gradcheck", "graph": "engine.graph",
    "tune_process": "process", "functional": None, "nn": None, "optim": None,   # None: a module of its own
}

__all__ = sorted(_WHERE)
__version__ = "0.1.0"


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module 'diffplay' has no attribute {name!r}")
    module = importlib.import_module(f".{_WHERE[name] or name}", __name__)
    value = module if _WHERE[name] is None else getattr(module, name)
    globals()[name] = value   # found once, then an ordinary attribute
    return value


def __dir__():
    return sorted([*globals(), *_WHERE])
