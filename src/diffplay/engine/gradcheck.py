"""Compare backward() with central finite differences, for Values or Tensors."""

import numpy as np

from .value import Value


def _scalar(out):
    return float(np.asarray(out.data).item()) if hasattr(out, "data") else float(out)


def gradcheck(fn, inputs, eps=1e-6):
    """Worst relative error |analytic − numeric| / max(1, |analytic|, |numeric|) per input.

    `fn(*inputs)` must return a scalar Value or a one-element Tensor; `inputs` are Values or
    float64 Tensors (marked requires_grad). The inputs' .grad is left as backward() set it.
    """
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if type(x) is not Value and x.data.dtype != np.float64:
            raise ValueError(f"gradcheck: input {i} is {x.data.dtype}; finite differences need float64 "
                             f"(a step of {eps} is lost in float32's rounding)")
    for x in inputs:
        x.grad = 0.0 if type(x) is Value else None
        if type(x) is not Value:
            x.requires_grad = True
    fn(*inputs).backward()
    errors = []
    for x in inputs:
        if type(x) is Value:
            analytic, entries = np.array([x.grad]), [None]
        else:
            grad = np.zeros(x.data.shape) if x.grad is None else np.asarray(x.grad, float)
            # index tuples write through any view (a reshape of a transposed array is a copy); C order, as ravel
            analytic, entries = grad.ravel(), list(np.ndindex(x.data.shape))
        numeric = np.array([_central_difference(fn, inputs, x, entry, eps) for entry in entries])
        scale = np.maximum(1.0, np.maximum(np.abs(analytic), np.abs(numeric)))
        errors.append(float(np.max(np.abs(analytic - numeric) / scale, initial=0.0)))   # an empty input: 0
    return errors


def _central_difference(fn, inputs, x, entry, eps):
    """(f(x + eps) − f(x − eps)) / 2eps in one entry of x's data (all of a Value's: entry None)."""
    def at(shift):
        old = x.data if entry is None else x.data[entry]
        _assign(x, entry, old + shift)
        try:
            return _scalar(fn(*inputs))
        finally:
            _assign(x, entry, old)

    return (at(eps) - at(-eps)) / (2 * eps)


def _assign(x, entry, number):
    if entry is None:
        x.data = number
    else:
        x.data[entry] = number
