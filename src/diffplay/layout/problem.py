"""A diagram compiled for the solver: its relations grouped into vectorized families.

All instances of one relation on one signature of shape kinds (say, every `disjoint`
between two circles) form a family: one gather of their fields from the state vector, one
call of the relation over all of them, one scatter of the gradient back. A family runs its
relation's fast NumPy kernel when one is registered for its signature, and the relation
itself on Tensors otherwise, so the solver sees the same thing either way:

    values, backward = problem.forward(z)    # one array per family: (n,) or (n, m)
    grad_z = backward(weights)                # ∇z Σ weights·values, weights shaped like values

A kernel family's values keep the shape its kernel gives, (n,) where an instance has one
value (reshaping them, and its weights, cost calls at every evaluation); a family on Tensors
gives (n, m).
"""

import functools
import inspect
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

    def rows(self, rows):
        """A family of some of these instances (`rows`, indices), to be solved apart from the rest."""
        return Family(self.relation, self.kinds, self.static, {k: v[rows] for k, v in self.params.items()},
                      [[(name, idx[rows]) for name, idx in arg] for arg in self.arrays],
                      [self.labels[i] for i in rows], [self.wheres[i] for i in rows], self.units[rows],
                      self.shape_kinds, None if self.weights is None else self.weights[rows])

    def slots(self, row):
        """The slots instance `row` reads."""
        return {int(s) for arg in self.arrays for _, idx in arg for s in np.ravel(idx[row])}

    def gathered(self, flat):
        """Every argument's arrays in order, cut from z[flat_index] (a NumPy array or a Tensor)."""
        return [flat[cut] if shape is None else flat[cut].reshape(shape) for cut, shape in self.cuts]

    def call(self, z):
        """The relation's values at z: (n, m), whatever z is made of."""
        out = self.relation.fn(*batches(self.kinds, self.gathered(z[self.flat_index])), **self.settings)
        return out.reshape((self.size, -1))


class Problem:
    """Constraint and objective families over a state vector z (in solver units).

    Its kernel families' fields are gathered from z into one buffer, in place, at each
    evaluation, and each family reads them through Batches of views into it, made once: an
    evaluation is one gather, one call per family and, backward, one scatter. So the values
    and pullbacks of an evaluation read that buffer, and hold until the next one; `values`
    returns copies.
    """

    def __init__(self, constraints, objectives, size):
        self.constraints, self.objectives, self.size = constraints, objectives, size
        self.families = constraints + objectives
        self.kernel_families = [f for f in self.families if f.kernel is not None]
        self.kernel_index = np.concatenate([f.flat_index for f in self.kernel_families] or [np.zeros(0, int)])
        self.flat = np.empty(self.kernel_index.size)
        ends = itertools.accumulate(f.flat_index.size for f in self.kernel_families)
        views = {id(f): batches(f.kinds, f.gathered(self.flat[end - f.flat_index.size:end]))
                 for f, end in zip(self.kernel_families, ends)}
        # per family: its kernel bound to its Batches and settings, or None (the relation on Tensors)
        self.runs = [_bound(f.kernel.forward.batched, views[id(f)], f.settings) if f.kernel is not None else None
                     for f in self.families]
        self.kernels = [i for i, run in enumerate(self.runs) if run is not None]   # positions of either kind
        self.traced = [i for i, run in enumerate(self.runs) if run is None]
        # kernel families whose arrays are all (n,): their gradients join the others as they are;
        # concatenating with axis=None, which ravels every part, cost twice as much
        self.one_dimensional = {i for i in self.kernels if all(shape is None for _, shape in self.families[i].cuts)}
        # per kernel family, the sign of each entry of its gradient (registry.kernel's `signs`),
        # and all of them end to end; None where every sign is +1
        self.signs = {i: _signs(self.families[i]) for i in self.kernels}
        self.every_sign = (np.concatenate([self.signs[i] for i in self.kernels])
                           if any(self.signs[i].min() < 0 for i in self.kernels) else None)
        self._shapes = None

    def value_shapes(self, z):
        """Every family's values' shape, (n,) or (n, m): measured at z once, the same at any z."""
        if self._shapes is None:
            self._shapes = [v.shape for v in self.values(z)]
        return self._shapes

    def values(self, z):
        """Every family's values at z, as arrays of their own."""
        return [np.array(v.data if isinstance(v, Tensor) else v) for v in self.forward(z)[0]]

    def forward(self, z):
        """Values of every family at z, and backward(weights) -> ∇z Σ weights·values (a weight
        of None leaves its family out)."""
        z.take(self.kernel_index, out=self.flat, mode="wrap")   # valid indices; "raise" would buffer the copy
        values, pullbacks, leaf = [], [], None
        for family, run in zip(self.families, self.runs):
            if run is not None:
                v, pullback = run()
            else:
                leaf = leaf if leaf is not None else Tensor(z, requires_grad=True)
                pullback = family.call(leaf)
                v = pullback.data
            values.append(v)
            pullbacks.append(pullback)

        def backward(weights):
            grad = self._kernel_grad(pullbacks, weights)
            terms = [(pullbacks[i] * weights[i]).sum() for i in self.traced
                     if weights[i] is not None and pullbacks[i].requires_grad]
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
        parts, every = [], True
        for i in self.kernels:
            if weights[i] is None:
                every = False
            else:
                grads = pullbacks[i](weights[i])
                parts.extend(grads if i in self.one_dimensional else [g.ravel() for g in grads])
        if not parts:
            return np.zeros(self.size)
        if every:
            index, signs = self.kernel_index, self.every_sign
        else:
            kept = [i for i in self.kernels if weights[i] is not None]
            index = np.concatenate([self.families[i].flat_index for i in kept])
            signs = None if self.every_sign is None else np.concatenate([self.signs[i] for i in kept])
        grads = np.concatenate(parts)
        return np.bincount(index, grads if signs is None else np.multiply(grads, signs, out=grads), minlength=self.size)


def _signs(family):
    """±1 per entry of a kernel family's gradient, from its kernel's signs (+1 without them)."""
    signs = family.kernel.forward.signs or [1.0] * len(family.cuts)
    return np.concatenate([np.full(cut.stop - cut.start, float(sign)) for (cut, _), sign in zip(family.cuts, signs)]
                          or [np.zeros(0)])


def _bound(fn, batches, settings):
    """fn with its Batches and settings bound, as positional arguments where it takes them so:
    a partial with keywords merges them into a new dict at every call (three times the cost)."""
    bound = inspect.signature(fn).bind(*batches, **settings)
    return functools.partial(fn, *bound.args, **bound.kwargs)
