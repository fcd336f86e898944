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
    for x in inputs:
        x.grad = 0.0 if type(x) is Value else None
        if type(x) is not Value:
            x.requires_grad = True
    fn(*inputs).backward()
    errors = []
    for x in inputs:
        if type(x) is Value:
            analytic = np.array([x.grad])
            flat = None
        else:
            flat = x.data.reshape(-1)   # a view: perturbing it perturbs the input
            analytic = np.zeros(flat.size) if x.grad is None else np.asarray(x.grad, float).reshape(-1)
        numeric = np.array([_central_difference(fn, inputs, x, flat, i, eps) for i in range(analytic.size)])
        scale = np.maximum(1.0, np.maximum(np.abs(analytic), np.abs(numeric)))
        errors.append(float(np.max(np.abs(analytic - numeric) / scale)))
    return errors


def _central_difference(fn, inputs, x, flat, i, eps):
    def at(shift):
        if flat is None:
            old, x.data = x.data, x.data + shift
        else:
            old = flat[i]
            flat[i] = old + shift
        try:
            return _scalar(fn(*inputs))
        finally:
            if flat is None:
                x.data = old
            else:
                flat[i] = old

    return (at(eps) - at(-eps)) / (2 * eps)
