"""diffplay: say what you want as a differentiable energy, and let autodiff find it."""

from . import functional, nn, optim
from .engine.gradcheck import gradcheck
from .engine.graph import graph
from .engine.tensor import Tensor, no_grad
from .engine.tensor_ops import fused_op
from .engine.value import Value
from .process import tune_process

__all__ = ["Tensor", "Value", "functional", "fused_op", "gradcheck", "graph", "nn", "no_grad", "optim", "tune_process"]
__version__ = "0.1.0"
