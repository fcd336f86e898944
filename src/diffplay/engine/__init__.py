"""The autodiff engines: `Value` (scalars, for reading) and `Tensor` (arrays, for speed)."""

from .tensor import Tensor
from .tensor_ops import fused_op
from .value import Value

__all__ = ["Tensor", "Value", "fused_op"]
