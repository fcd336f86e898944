"""The autodiff engines: `Value` (scalars, for reading) and `Tensor` (arrays, for speed)."""

from .tensor import Tensor
from .value import Value
