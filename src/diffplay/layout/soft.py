"""Soft constraints: any constraint as a penalty in the objective instead of a requirement.

`soft(relation)` is the objective weight · Σ max(0, c)² over the constraint's residuals c
(Σ c² for an equality): zero where the constraint holds, growing with how far it is from
holding. The solver then trades it off against the other objectives rather than insisting,
so two soft relations that cannot both hold still solve, each giving way by its weight.
A constraint's fast paths serve its soft version too, with the chain rule through the square.
"""

from ..engine.tensor_ops import fused_op
from . import ops
from .registry import Unlisted

_MADE = {}   # constraint name -> its soft Relation


def soft(relation):
    """The soft version of a hard constraint (one per constraint, made when first asked for)."""
    if relation.name not in _MADE:
        name = f"soft {relation.name}"
        kernels = {signature: fused_op(_kernel_penalty(kernel, relation.equality), f"{name}{signature}")
                   for signature, kernel in relation.kernels.items()}
        _MADE[relation.name] = Unlisted(name, _penalty(relation.fn, relation.equality), relation.args,
                                        {**relation.params, "weight": 1.0}, False, window=relation.window,
                                        doc=f"weight · (how far from: {relation.doc})²", measured=relation.measured,
                                        approximations=relation.approximations, start_range=relation.start_range,
                                        start=relation.start, own_kernels=kernels)
    return _MADE[relation.name]


def _penalty(fn, equality):
    def energy(*args, **params):
        c = fn(*args, **params)
        c = c if equality else ops.relu(c)
        return c * c

    return energy


def _kernel_penalty(kernel, equality):
    """A kernel's (values, pullback) turned into the penalty's: d(v²) = 2v dv, v = max(0, c);
    over arrays, and over kept Batches (`batched`, as problem.Problem calls a kernel)."""

    def squared(c, pullback):
        v = c if equality else c * (c > 0)
        return v * v, lambda w: pullback(2.0 * w * v)

    def forward(*arrays, **params):
        return squared(*kernel.forward(*arrays, **params))

    def batched(*batches, **params):
        return squared(*kernel.forward.batched(*batches, **params))

    forward.batched, forward.signs = batched, kernel.forward.signs
    return forward
