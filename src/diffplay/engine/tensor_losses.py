"""Losses with PyTorch's signatures and meanings: cross_entropy (fused, with a hand-written
gradient), nll_loss, binary_cross_entropy(_with_logits), mse_loss, l1_loss.

Inputs that classify hold their classes along axis 1, as torch's do: (N, C) with targets
(N,), or (N, C, d…) with targets (N, d…), or one row (C,) with a 0-d target. `reduction` is
'mean' (over the targets that count), 'sum' or 'none' (one loss per target).
"""

import numpy as np

from . import tensor_kernels as kernels
from .tensor_core import Tensor, node


def cross_entropy(input, target, ignore_index=-100, reduction="mean", label_smoothing=0.0, mask=None):
    """−log softmax(input)[target] (torch.nn.functional.cross_entropy).

    A target equal to `ignore_index` counts for nothing; so does one where `mask` (diffplay's,
    of the targets' shape) is False: two ways to pad a batch of sequences. With
    `label_smoothing` ε the target is (1 − ε) on its class and ε spread over all of them.
    Float targets of the input's shape are class probabilities instead.
    """
    a = input.data
    t = np.asarray(target.data if type(target) is Tensor else target)
    if t.dtype.kind == "f":
        return _soft_cross_entropy(input, t, reduction, label_smoothing)
    z, t, shape = _class_rows(a, t, "cross_entropy")
    classes = z.shape[1]
    keep = t != ignore_index
    if mask is not None:
        keep &= np.asarray(mask.data if type(mask) is Tensor else mask, bool).reshape(-1)
    safe = _targets_in_range(t, keep, classes, "cross_entropy")
    out, vjp = kernels.cross_entropy(z, safe, keep, _scale(reduction, keep, "cross_entropy"), label_smoothing,
                                     reduce=reduction != "none")
    return node(out.reshape(shape) if reduction == "none" else out, (input,),
                lambda g: (_unrows(vjp(g)[0], a.shape),), "cross_entropy")


def nll_loss(input, target, ignore_index=-100, reduction="mean"):
    """−input[target] of log-probabilities (torch.nn.functional.nll_loss)."""
    a = input.data
    z, t, shape = _class_rows(a, np.asarray(target.data if type(target) is Tensor else target), "nll_loss")
    keep = t != ignore_index
    safe = _targets_in_range(t, keep, z.shape[1], "nll_loss")
    scale = _scale(reduction, keep, "nll_loss")
    rows = np.arange(len(t))
    out = _reduced(-z[rows, safe], keep, reduction, scale, shape, a.dtype)

    def backward(g):
        d = np.zeros(z.shape, a.dtype)
        d[rows, safe] = -(g.reshape(-1) if reduction == "none" else g * scale) * keep
        return (_unrows(d, a.shape),)

    return node(out, (input,), backward, "nll_loss")


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """−(y log p + (1 − y) log(1 − p)) for probabilities p, each log kept ≥ −100 as torch does."""
    loss = -(target * input.log().clip(-100.0) + (1.0 - target) * (1.0 - input).log().clip(-100.0))
    return reduce(loss if weight is None else loss * weight, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """binary_cross_entropy of sigmoid(input), computed without overflow as
    softplus(x) − x·y (positives weighted by pos_weight when given)."""
    if pos_weight is None:
        loss = input.softplus() - input * target
    else:   # (1 − y)·x + (1 + (w − 1)·y)·softplus(−x)
        loss = (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * (-input).softplus()
    return reduce(loss if weight is None else loss * weight, reduction, "binary_cross_entropy_with_logits")


def mse_loss(input, target, reduction="mean"):
    d = input - target
    return reduce(d * d, reduction, "mse_loss")


def l1_loss(input, target, reduction="mean"):
    return reduce((input - target).abs(), reduction, "l1_loss")


def reduce(loss, reduction, op):
    """A Tensor of per-entry losses, reduced as `reduction` says."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


# ---- the classifying losses' rows ----

def _class_rows(a, t, op):
    """The input as rows (M, C), the integer targets t as (M,), and the targets' shape."""
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: targets must be integers (or class probabilities), got an array of {t.dtype}")
    want = a.shape[:1] + a.shape[2:] if a.ndim >= 2 else () if a.ndim == 1 else None
    if want is None or t.shape != want:
        raise ValueError(f"{op}: input of shape {a.shape} (classes on axis 1) needs targets of shape {want}, "
                         f"got {t.shape}")
    if a.ndim <= 2:
        return a.reshape(-1, a.shape[-1]), t.reshape(-1), t.shape
    return np.moveaxis(a, 1, -1).reshape(-1, a.shape[1]), t.reshape(-1), t.shape


def _unrows(d, shape):
    """A gradient of the rows (M, C) in the input's shape (classes back on axis 1)."""
    if len(shape) <= 2:
        return d.reshape(shape)
    return np.moveaxis(d.reshape(shape[:1] + shape[2:] + shape[1:2]), -1, 1)


def _targets_in_range(t, keep, classes, op):
    """The targets with the ignored ones replaced by 0, once every counted one is a class."""
    safe = np.where(keep, t, 0)
    if safe.size and (safe.min() < 0 or safe.max() >= classes):
        bad = t[keep & ((t < 0) | (t >= classes))][0]
        raise IndexError(f"{op}: target {bad} is out of range for {classes} classes")
    return safe


def _scale(reduction, keep, op):
    """What each counted loss is multiplied by: 1/count for 'mean', 1 otherwise."""
    if reduction == "mean":
        count = int(keep.sum())
        if count == 0:
            raise ValueError(f"{op}: every target is ignored; there is nothing to average")
        return 1.0 / count
    if reduction in ("sum", "none"):
        return 1.0
    raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _reduced(losses, keep, reduction, scale, shape, dtype):
    """The rows' losses, the ignored ones 0, in the targets' shape ('none') or summed and scaled."""
    if reduction == "none":
        return (losses * keep).reshape(shape).astype(dtype, copy=False)
    return np.asarray((losses @ keep) * scale, dtype)


def _soft_cross_entropy(input, p, reduction, label_smoothing):
    """cross_entropy against class probabilities p of the input's shape."""
    a = input.data
    if p.shape != a.shape:
        raise ValueError(f"cross_entropy: probability targets of shape {p.shape} need the input's shape {a.shape}")
    axis = 1 if a.ndim > 1 else 0
    if label_smoothing:
        p = p * (1.0 - label_smoothing) + label_smoothing / a.shape[axis]
    return reduce(-(input.log_softmax(axis) * p).sum(axis), reduction, "cross_entropy")
