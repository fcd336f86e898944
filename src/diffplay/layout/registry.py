"""The registry of relations (Penrose's constrDict / objDict): the one home of a relation.

A relation is a small function over *batches* (all its instances at once). A constraint
returns residuals: `c <= 0` for an inequality, `c == 0` for an equality, in canvas units.
An objective returns an energy per instance (the solver multiplies by `weight`). The
solver, the TOML parser, the Python API and the docs all read these tables.

Arguments are typed: "shape" (any shape), "closed" (a shape with an inside: not a segment,
arrow, polyline, curve or arc), "line" (a segment or arrow), "circle", "chain" (a polygon or
polyline), "field" (a field such as `A.r`, or a number), "any" (a shape or a field). A
variadic relation takes two or more shapes and is applied to each sliding window of `window`
of them.

What else sets a relation apart is declared with it, as keywords of its decorator:

- measured=True: it measures shapes with geometry's exact distances, so a result notes the
  approximations of the shapes it measured (ellipses as 32-gons, …; geometry.APPROXIMATIONS);
- approximations={kinds: note}: an approximation of its own on those argument kinds;
- start_range(instance) -> {slot: (lo, hi)}: where its fields' random starts are drawn;
- start(instance, start): moves starting values once the random ones are drawn (start.py);
- unitless=(names): numeric parameters that are not lengths (degrees), passed on as given
  where the others are put in solver units.

Fast paths (kernels/) register under a relation's name, so the two may be registered in
either order.
"""

import itertools
from dataclasses import dataclass, field

from ..engine.tensor_ops import fused_op
from .problem import batches

REQUIRED = object()   # a parameter without a default
CHOICES = {   # the values a string parameter may take
    "side": ("left", "right", "top", "bottom", "center-x", "center-y"),
    "axis": ("x", "y"),
}
SYNONYMS = {"horizontal": "x", "vertical": "y", "center_x": "center-x", "center_y": "center-y"}


@dataclass
class Relation:
    name: str
    fn: object
    args: tuple
    params: dict
    hard: bool
    equality: bool = False
    window: int = 0           # > 0: variadic, applied to every run of `window` consecutive shapes
    doc: str = ""
    measured: bool = False    # measures shapes with geometry's exact distances: their approximations are noted
    approximations: dict = field(default_factory=dict)   # argument kinds -> a note on an approximation of its own
    start_range: object = None   # start_range(instance) -> {slot: (lo, hi)}: where its fields' random starts fall
    start: object = None         # start(instance, start.Start): moves starting values once they are drawn
    unitless: tuple = ()         # numeric parameters that are not lengths (degrees): not scaled

    @property
    def kernels(self):
        """Signature (argument kinds) -> fast NumPy path."""
        return KERNELS.setdefault(self.name, {})

    @property
    def static(self):
        """Parameters that pick a variant (strings) rather than a number per instance."""
        return tuple(k for k, v in self.params.items() if isinstance(v, str))

    def usage(self):
        args = "shape, shape, …" if self.window else ", ".join(self.args)
        params = "".join(f", {k}" if v is REQUIRED else f", {k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args}{params})"


@dataclass
class Unlisted(Relation):
    """A relation the compiler makes rather than the user names (a constraint's soft version,
    an expression's `defines`): in no table, and its fast paths are its own."""

    own_kernels: dict = field(default_factory=dict)

    @property
    def kernels(self):
        return self.own_kernels


CONSTRAINTS: dict = {}
OBJECTIVES: dict = {}
KERNELS: dict = {}   # relation name -> {signature: kernel}


def _register(table, name, args, params, hard, equality=False, window=0, **hooks):
    def decorate(fn):
        table[name] = Relation(name, fn, tuple(args), dict(params or {}), hard, equality, window,
                               doc=(fn.__doc__ or "").strip(), **hooks)
        return fn

    return decorate


def constraint(name, args, params=None, equality=False, window=0, **hooks):
    """Register a hard constraint; the function returns residuals (<= 0, or == 0 if equality)."""
    return _register(CONSTRAINTS, name, args, params, True, equality, window, **hooks)


def objective(name, args, params=None, window=0, **hooks):
    """Register a soft objective; the function returns an energy per instance."""
    return _register(OBJECTIVES, name, args, {**(params or {}), "weight": 1.0}, False, window=window, **hooks)


@dataclass(frozen=True)
class Group:
    """Kernels of several relations that one function computes, told apart by per-row
    keywords: problem.Problem evaluates all their families in one call of `fn`.

    fn(*batches, **rows) returns (values, pullback) as a kernel does; rows(name, **settings)
    gives a family's per-row keywords of fn from its relation's name and parameters. The
    group's kernels declare their signs, which may differ by relation: they are applied per row.
    """

    fn: object
    rows: object


def kernel(name, *kinds, signs=None, group=None):
    """Register a fast NumPy path for relation `name` on these argument kinds: per argument a
    kind ("circle") or a tuple of kinds, every combination of which is registered.

    The function takes one Batch per argument and the parameters, and returns (values,
    pullback): pullback(w) is the gradient of Σ w·values with respect to each of the batches'
    arrays, argument by argument: a tuple, or one array whose rows they are (a linear kernel's
    one product: problem.Problem then scatters it as it is). What is registered is a fused_op
    of those arrays, so `kernel.forward(*arrays, **params)` returns (values, vjp) as every fused op does, and on
    Tensors the kernel is one graph node.

    `signs`, one ±1 per array, says that the pullback returns each array's gradient times its
    sign: two shapes pulled opposite ways then share one array (b's gradient gx, a's −gx), and
    problem.Problem applies every family's signs in one product instead of a negation apiece.
    `group`, a Group, says which other relations' kernels this one is evaluated with: for
    constraints only (problem.py lays a Group's values out among the constraints'; a soft
    version gets kernels of its own, soft.py, with none).
    """

    def decorate(fn):
        options = [(kind,) if isinstance(kind, str) else kind for kind in kinds]
        for signature in itertools.product(*options):
            forward = _over_arrays(fn, signature, signs)
            forward.group = group
            KERNELS.setdefault(name, {})[signature] = fused_op(forward, f"{name}{signature}")
        return fn

    return decorate


def _over_arrays(fn, signature, signs):
    """fn, which takes Batches, as a function of the batches' arrays in order, its gradients
    with their signs applied."""

    def forward(*arrays, **params):
        values, pullback = fn(*batches(signature, arrays), **params)
        return values, _signed(pullback, signs or (1,) * len(arrays))

    forward.batched, forward.signs = fn, signs   # for a caller that keeps its Batches (problem.Problem)
    return forward


def _signed(pullback, signs):
    """A pullback that returns each gradient times its sign, made one that returns the gradients
    as a tuple (fused_op's form)."""
    return lambda w: tuple(g if sign > 0 else -g for g, sign in zip(pullback(w), signs))


def lookup(name):
    """The relation called `name`, or None."""
    return CONSTRAINTS.get(name) or OBJECTIVES.get(name)
