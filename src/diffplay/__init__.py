"""diffplay: say what you want as a differentiable energy, and let autodiff find it."""

from . import functional, nn, optim
from .engine.gradcheck import gradcheck
from .engine.graph import graph
from .engine.value import Value

__all__ = ["Value", "functional", "gradcheck", "graph", "nn", "optim"]
__version__ = "0.1.0"
