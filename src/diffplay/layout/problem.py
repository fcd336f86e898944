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
import math
import operator
from dataclasses import dataclass

import numpy as np

from ..engine.tensor import Tensor
from .shapes import BATCH_FIELDS


def _gather_plan(arrays):
    """The slots that arguments' index arrays ([(name, index), …] per argument) read, end to
    end, and per array its slice of them and its shape (None for (n,))."""
    indices = [idx for arg in arrays for _, idx in arg]
    ends = itertools.accumulate(idx.size for idx in indices)
    cuts = [(slice(end - idx.size, end), idx.shape if idx.ndim > 1 else None) for idx, end in zip(indices, ends)]
    return np.concatenate([idx.ravel() for idx in indices]), cuts


def _cut(flat, cuts):
    """The arrays of a gather plan's cuts, from the gathered slots."""
    return [flat[cut] if shape is None else flat[cut].reshape(shape) for cut, shape in cuts]


class Batch:
    """One argument of a family: a shape kind (or "field") and its gathered arrays."""

    def __init__(self, kind, arrays):
        self.kind = kind
        self.__dict__.update(arrays)


def batches(kinds, arrays):
    """One Batch per argument of these kinds, taking their arrays in order (BATCH_FIELDS of each)."""
    rest = iter(arrays)
    return [Batch(kind, zip(BATCH_FIELDS[kind], rest)) for kind in kinds]


def one_number(value):
    """The number that a value computed over a Batch of one instance holds (an array of shape
    (1,) or (1, 1), or a number), as a float."""
    return float(np.asarray(value).reshape(-1)[0])


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
        self.flat_index, self.cuts = _gather_plan(self.arrays)
        self.kernel = self.relation.kernels.get(self.kinds)
        self.size = len(self.labels)
        self.settings = {**self.params, **self.static}   # the keywords of each call

    def rows(self, rows):
        """A family of some of these instances (`rows`, indices), to be solved apart from the rest."""
        return Family(self.relation, self.kinds, self.static, {k: v[rows] for k, v in self.params.items()},
                      [[(name, idx[rows]) for name, idx in arg] for arg in self.arrays],
                      [self.labels[i] for i in rows], [self.wheres[i] for i in rows], self.units[rows],
                      self.shape_kinds, None if self.weights is None else self.weights[rows])

    def slots(self, row):
        """The slots instance `row` reads."""
        return {int(s) for arg in self.arrays for _, idx in arg for s in np.ravel(idx[row])}

    def call(self, z):
        """The relation's values at z (a NumPy array or a Tensor): (n, m), whatever z is made of."""
        out = self.relation.fn(*batches(self.kinds, _cut(z[self.flat_index], self.cuts)), **self.settings)
        return out.reshape((self.size, -1))


class Values(list):
    """Every family's values, one array each; and `ordered`, the constraint families' values
    raveled in Problem.order, a Group's families as the one array their call gave (a solver's
    residuals are these end to end). `unsplit`: the (call, values) of Groups whose families
    forward(split=False) left None, for Problem.split."""

    ordered = unsplit = ()


class Weights(list):
    """Every family's weights, one array each; and `joined`, per kernel call its weights as one
    array (Problem.cut's: views of one flat vector, so a Group's call reads its slice of it
    instead of joining its families' weights at every evaluation)."""

    joined = ()


class Problem:
    """Constraint and objective families over a state vector z (in solver units).

    Its kernel families' fields are gathered from z into one buffer, in place, at each
    evaluation, and each kernel call reads them through Batches of views into it, made once:
    an evaluation is one gather, one call per family (or per Group of families, registry.Group)
    and, backward, one scatter. So the values and pullbacks of an evaluation read that buffer,
    and hold until the next one; `values` returns copies.

    A solver lays the constraints' values end to end in `order`, the order they are evaluated
    in (a Group's families side by side), as `spans` says: Values.ordered are those pieces, and
    `cut` makes Weights of a flat vector so laid out. `order` is read off `steps`, the list
    forward walks, so the two cannot disagree.
    """

    def __init__(self, constraints, objectives, size):
        self.constraints, self.objectives, self.size = constraints, objectives, size
        self.families = constraints + objectives
        self.kernels = [i for i, f in enumerate(self.families) if f.kernel is not None]
        self.traced = [i for i, f in enumerate(self.families) if f.kernel is None]
        self.calls = _calls(self.families, self.kernels)
        # what forward evaluates, in its order: the kernel calls (their pullbacks in this order
        # are _kernel_grad's), then the families on Tensors
        self.steps = self.calls + [_Traced(self.families, i) for i in self.traced]
        # the constraint families in that order: Values.ordered lays their values end to end so
        self.order = [i for step in self.steps if step.hard for i in step.positions]
        self.kernel_index = np.concatenate([call.index for call in self.calls] or [np.zeros(0, int)])
        self.flat = np.empty(self.kernel_index.size)
        for call, end in zip(self.calls, itertools.accumulate(call.index.size for call in self.calls)):
            call.bind(self.flat[end - call.index.size:end])
        # the sign of each entry of the calls' gradients end to end (registry.kernel's `signs`);
        # None where every sign is +1
        self.every_sign = (np.concatenate([call.signs for call in self.calls])
                           if any(call.signs.min() < 0 for call in self.calls) else None)
        self._shapes = self._spans = None

    def value_shapes(self, z):
        """Every family's values' shape, (n,) or (n, m): measured at z once, the same at any z."""
        if self._shapes is None:
            self._shapes = [v.shape for v in self.values(z)]
        return self._shapes

    def spans(self, z):
        """Per constraint family (in family order), the (start, stop, shape) of its values in
        the flat vector of every constraint's values raveled end to end in `order`."""
        if self._spans is None:
            shapes, spans, start = self.value_shapes(z), [None] * len(self.constraints), 0
            for i in self.order:
                size = math.prod(shapes[i])
                spans[i], start = (start, start + size, shapes[i]), start + size
            self._spans = spans
        return self._spans

    def cut(self, flat, objective_weights):
        """Weights from `flat`, the constraints' weights laid out as `spans` (measured first)
        says, as its views (so they follow what is written to it), and the objectives' own weights."""
        each = [flat[a:b].reshape(shape) for a, b, shape in self._spans] + list(objective_weights)
        weights = Weights(each)
        weights.joined = [None if call.rows is None else self._joined_span(call, flat) for call in self.calls]
        return weights

    def _joined_span(self, call, flat):
        """A Group call's constraint weights in `flat`: its families' spans, side by side in `order`."""
        return flat[self._spans[call.positions[0]][0]:self._spans[call.positions[-1]][1]]

    def values(self, z):
        """Every family's values at z, as arrays of their own."""
        return [np.array(v.data if isinstance(v, Tensor) else v) for v in self.forward(z)[0]]

    def forward(self, z, split=True):
        """Values of every family at z, and backward(weights) -> ∇z Σ weights·values (a weight
        of None leaves its family out). split=False leaves the constraint families of a Group
        None (their values are in Values.ordered; `split` fills them in): an evaluation that
        reads only those, as a solver's does, skips cutting them apart."""
        z.take(self.kernel_index, out=self.flat, mode="wrap")   # valid indices; "raise" would buffer the copy
        values, pullbacks, traced, leaf = Values([None] * len(self.families)), [], {}, None
        values.ordered, values.unsplit = ordered, unsplit = [], []
        for step in self.steps:
            if step.__class__ is _Call:
                v, pullback = step.run()
                if step.rows is None:
                    values[step.positions[0]] = v
                elif split:
                    self._split(values, step, v)
                else:
                    unsplit.append((step, v))
                pullbacks.append(pullback)
            else:
                leaf = leaf if leaf is not None else Tensor(z, requires_grad=True)
                i = step.positions[0]
                traced[i] = step.family.call(leaf)
                v = values[i] = traced[i].data
            if step.hard:   # in `order` (a Group's families as one piece: side by side there)
                ordered.append(v if v.ndim == 1 else v.ravel())

        def backward(weights):
            grad = self._kernel_grad(pullbacks, weights)
            terms = [(traced[i] * weights[i]).sum() for i in self.traced
                     if weights[i] is not None and traced[i].requires_grad]
            if terms:
                total = terms[0]
                for term in terms[1:]:
                    total = total + term
                leaf.grad = None
                total.backward()
                grad += leaf.grad
            return grad

        return values, backward

    def split(self, values):
        """`values` (forward's) with every family of a Group given its rows of the call's values."""
        for call, v in values.unsplit:
            self._split(values, call, v)
        values.unsplit = ()
        return values

    @staticmethod
    def _split(values, call, v):
        for i, rows in zip(call.positions, call.rows):
            values[i] = v[rows]

    def _kernel_grad(self, pullbacks, weights):
        """Σ over kernel calls of their pullbacks, scattered into z with one bincount."""
        parts, kept = [], []
        for call, pullback in zip(self.calls, pullbacks):
            w = call.weights(weights)
            if w is not None:
                kept.append(call)
                grads = pullback(w)
                if grads.__class__ is np.ndarray:   # the gradients as its rows: in order already
                    parts.append(grads.ravel())
                else:
                    parts.extend(grads if call.one_dimensional else [g.ravel() for g in grads])
        if not parts:
            return np.zeros(self.size)
        if len(kept) == len(self.calls):
            index, signs = self.kernel_index, self.every_sign
        else:
            index = np.concatenate([call.index for call in kept])
            signs = None if self.every_sign is None else np.concatenate([call.signs for call in kept])
        grads = np.concatenate(parts)
        return np.bincount(index, grads if signs is None else np.multiply(grads, signs, out=grads), minlength=self.size)


class _Call:
    """One kernel call of an evaluation: a family's kernel, or its Group's function over the
    instances of all the group's families at once (their arrays joined field by field)."""

    def __init__(self, families, positions, number):
        self.positions, self.number = positions, number
        self.members = members = [families[i] for i in positions]
        self.hard = members[0].relation.hard
        # the members' index arrays joined field by field: the call's a.x is every member's a.x
        joined = [[(name, np.concatenate([m.arrays[a][k][1] for m in members])) for k, (name, _) in enumerate(arg)]
                  for a, arg in enumerate(members[0].arrays)]
        self.index, self.cuts = _gather_plan(joined)
        self.signs = _signs(members)
        self.one_dimensional = all(shape is None for _, shape in self.cuts)   # gradients join as they are
        ends = list(itertools.accumulate(m.size for m in members))
        # per member, its rows of the call's values; None for a call of one family (its own kernel)
        self.rows = [slice(end - m.size, end) for m, end in zip(members, ends)] if len(members) > 1 else None
        # weights(all families' weights) -> the call's: its family's, picked in C, or the group's joined
        self.weights = operator.itemgetter(positions[0]) if self.rows is None else self._joined

    def bind(self, buffer):
        """Bind the call to its arrays, views into `buffer`, the slots self.index names."""
        first = self.members[0]
        views = batches(first.kinds, _cut(buffer, self.cuts))
        if self.rows is None:
            self.run = _bound(first.kernel.forward.batched, views, first.settings)
            return
        group = _group(first)
        rows = [group.rows(m.relation.name, **m.settings) for m in self.members]
        self.run = _bound(group.fn, views, {k: np.concatenate([r[k] for r in rows]) for k in rows[0]})

    def _joined(self, weights):
        """The group's weights: Problem.cut's joined ones, else joined from its families' (one
        left out, None, weighs zeros); None where every one is None."""
        if weights.__class__ is Weights:
            return weights.joined[self.number]
        ws = [weights[i] for i in self.positions]
        for w in ws:   # a loop: next() over a generator cost a third of the joining
            if w is None:
                return self._joined_without(ws)
        return np.concatenate(ws)

    def _joined_without(self, ws):
        """The weights joined where some are None: zeros in their place (None if all are)."""
        given = [w for w in ws if w is not None]
        if not given:
            return None
        return np.concatenate([w if w is not None else np.zeros((m.size,) + given[0].shape[1:])
                               for w, m in zip(ws, self.members)])


class _Traced:
    """A family with no kernel on its signature, evaluated on Tensors: a step of an evaluation,
    as a _Call is."""

    def __init__(self, families, position):
        self.positions, self.family = [position], families[position]
        self.hard = self.family.relation.hard


def _calls(families, kernels):
    """The kernel calls of an evaluation, in the order of their first families: the families
    of a Group on one signature join in one call."""
    grouped = {}
    for i in kernels:
        group = _group(families[i])
        # constraints only: a soft version's kernels carry no Group (soft.py), and forward and cut
        # take a Group's values and weights for constraints' (Values.ordered, spans)
        assert group is None or families[i].relation.hard, f"{families[i].relation.name}: a Group of an objective"
        key = (group, families[i].kinds) if group else i
        grouped.setdefault(key, []).append(i)
    return [_Call(families, positions, number) for number, positions in enumerate(grouped.values())]


def _group(family):
    """The Group of a kernel family's kernel, or None (a soft version's kernels have none)."""
    return getattr(family.kernel.forward, "group", None)


def _signs(members):
    """±1 per entry of a call's gradient: per array, each family's rows times its kernel's sign."""
    signs = [m.kernel.forward.signs or [1.0] * len(m.cuts) for m in members]
    return np.concatenate([np.full(m.cuts[j][0].stop - m.cuts[j][0].start, float(sign[j]))
                           for j in range(len(members[0].cuts)) for m, sign in zip(members, signs)]
                          or [np.zeros(0)])


def _bound(fn, batches, settings):
    """fn with its Batches and settings bound, as positional arguments where it takes them so:
    a partial with keywords merges them into a new dict at every call (three times the cost)."""
    bound = inspect.signature(fn).bind(*batches, **settings)
    return functools.partial(fn, *bound.args, **bound.kwargs)
