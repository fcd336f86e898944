"""diffplay: say what you want as a differentiable energy, and let autodiff find it."""

import os

# diffplay's arrays are small: a second BLAS thread only adds hand-off cost (up to 100x on a
# busy 2-core box). This takes effect when diffplay is imported before NumPy, as the CLI is;
# an explicit OPENBLAS_NUM_THREADS / OMP_NUM_THREADS still wins.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from .memory import keep_freed_memory  # noqa: E402

keep_freed_memory()

from . import functional, nn, optim
from .engine.gradcheck import gradcheck
from .engine.graph import graph
from .engine.tensor import Tensor, no_grad
from .engine.tensor_ops import fused_op
from .engine.value import Value

__all__ = ["Tensor", "Value", "functional", "fused_op", "gradcheck", "graph", "nn", "no_grad", "optim"]
__version__ = "0.1.0"
