"""A diagram compiled for the solver: its relations grouped into vectorized families.

All instances of one relation on one signature of shape kinds (say, every `disjoint`
between two circles) form a family: one gather of their fields from the state vector, one
call of the relation over all of them, one scatter of the gradient back. A family runs its
relation's fast NumPy kernel when one is registered for its signature, and the relation
itself on Tensors otherwise, so the solver sees the same thing either way:

    values, backward = problem.forward(z)    # one (n, m) array per family
    grad_z = backward(weights)                # ∇z Σ weights·values, weights shaped like values
"""

import itertools
from dataclasses import dataclass

import numpy as np

from ..engine.tensor import Tensor
from .shapes import BATCH_FIELDS


class Batch:
    """One argument of a family: a shape kind (or "field") and its gathered arrays."""

    def __init__(self, kind, arrays):
        self.kind = kind
        self.__dict__.update(arrays)


def batches(kinds, arrays):
    """One Batch per argument of these kinds, taking their arrays in order (BATCH_FIELDS of each)."""
    rest = iter(arrays)
    return [Batch(kind, zip(BATCH_FIELDS[kind], rest)) for kind in kinds]


@dataclass
class Family:
    relation: object
    kinds: tuple          # per argument: a shape kind, or "field"
    static: dict          # string parameters shared by the family (side="left")
    params: dict          # numeric parameters, one entry per instance, in solver units
    arrays: list          # per argument: [(name, index array of shape (n,) or (n, k)), …]
    labels: list          # one description per instance, for reports
    wheres: list          # where each instance was written ("spec.toml:14"), or ""
    units: np.ndarray     # canvas units per solver unit of each instance's residual
    shape_kinds: set      # its shapes' own kinds (a text is a "box" in `kinds`), for notes
    weights: np.ndarray = None   # an objective's weight per instance, (n, 1)

    def __post_init__(self):
        indices = [idx for arg in self.arrays for _, idx in arg]
        self.flat_index = np.concatenate([idx.ravel() for idx in indices])
        self.kernel = self.relation.kernels.get(self.kinds)
        self.size = len(self.labels)
        self.settings = {**self.params, **self.static}   # the keywords of each call
        ends = itertools.accumulate(idx.size for idx in indices)
        self.cuts = [(slice(end - idx.size, end), idx.shape if idx.ndim > 1 else None)   # each array in the one gather
                     for idx, end in zip(indices, ends)]

    def gathered(self, flat):
        """Every argument's arrays in order, cut from z[flat_index] (a NumPy array or a Tensor)."""
        return [flat[cut] if shape is None else flat[cut].reshape(shape) for cut, shape in self.cuts]

    def call(self, z):
        """The relation's values at z: (n, m), whatever z is made of."""
        out = self.relation.fn(*batches(self.kinds, self.gathered(z[self.flat_index])), **self.settings)
        return out.reshape((self.size, -1))


class Problem:
    """Constraint and objective families over a state vector z (in solver units)."""

    def __init__(self, constraints, objectives, size):
        self.constraints, self.objectives, self.size = constraints, objectives, size
        self.families = constraints + objectives
        # the kernel families' fields, gathered from z with one indexing and their gradients
        # scattered back with one bincount, so many small families cost little more than one
        self.kernel_families = [f for f in self.families if f.kernel is not None]
        self.kernel_index = np.concatenate([f.flat_index for f in self.kernel_families] or [np.zeros(0, int)])
        ends = np.cumsum([f.flat_index.size for f in self.kernel_families]).tolist()
        self.spans = {id(f): (end - f.flat_index.size, end) for f, end in zip(self.kernel_families, ends)}
        self._shapes = None

    def value_shapes(self, z):
        """Every family's values' (n, m) shape: measured at z once, the same at any z."""
        if self._shapes is None:
            self._shapes = [v.shape for v in self.values(z)]
        return self._shapes

    def values(self, z):
        """Every family's values at z, with NumPy only (no graph is built)."""
        flat = z[self.kernel_index]
        return [_kernel_values(f, flat, *self.spans[id(f)])[0] if f.kernel is not None else f.call(z)
                for f in self.families]

    def forward(self, z):
        """Values of every family at z, and backward(weights) -> ∇z Σ weights·values."""
        values, pullbacks, leaf = [], [], None
        flat = z[self.kernel_index]
        for family in self.families:
            if family.kernel is not None:
                v, pullback = _kernel_values(family, flat, *self.spans[id(family)])
            else:
                leaf = leaf if leaf is not None else Tensor(z, requires_grad=True)
                pullback = family.call(leaf)
                v = pullback.data
            values.append(v)
            pullbacks.append(pullback)

        def backward(weights):
            grad = self._kernel_grad(pullbacks, weights)
            terms = [(t * w).sum() for t, w in zip(pullbacks, weights)
                     if isinstance(t, Tensor) and t.requires_grad and np.any(w)]
            if terms:
                total = terms[0]
                for term in terms[1:]:
                    total = total + term
                leaf.grad = None
                total.backward()
                grad += leaf.grad
            return grad

        return values, backward

    def _kernel_grad(self, pullbacks, weights):
        """Σ over kernel families of their pullbacks, scattered into z with one bincount."""
        parts, slots = [], []
        for family, pullback, w in zip(self.families, pullbacks, weights):
            # a family weighted 0 adds nothing (the solver's ∇f alone weights every constraint 0)
            if not isinstance(pullback, Tensor) and np.any(w):
                parts.extend(pullback(w))
                slots.append(family.flat_index)
        if not parts:
            return np.zeros(self.size)
        index = self.kernel_index if len(slots) == len(self.kernel_families) else np.concatenate(slots, axis=None)
        return np.bincount(index, np.concatenate(parts, axis=None), minlength=self.size)


def _kernel_values(family, flat, start, stop):
    """A kernel's values as (n, m), and its pullback taking weights of that shape."""
    v, pullback = family.kernel.forward(*family.gathered(flat[start:stop]), **family.settings)
    if v.ndim == 2:
        return v, pullback
    shape = v.shape
    return v.reshape((family.size, -1)), lambda w: pullback(w.reshape(shape))
