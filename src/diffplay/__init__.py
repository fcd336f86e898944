"""diffplay: say what you want as a differentiable energy, and let autodiff find it."""

from . import functional, nn, optim
from .engine.gradcheck import gradcheck
from .engine.graph import graph
from .engine.tensor import Tensor, no_grad
from .engine.value import Value

__all__ = ["Tensor", "Value", "functional", "gradcheck", "graph", "nn", "no_grad", "optim"]
__version__ = "0.1.0"
