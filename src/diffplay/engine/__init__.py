"""The autodiff engines: `Value` (scalars, for reading) and `Tensor` (arrays, for speed)."""

from .value import Value
