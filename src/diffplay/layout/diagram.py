"""The Python API: declare shapes and relations, solve, draw.

    d = Diagram(400, 300)
    a, b = d.circle("A", r=60), d.circle("B", r=40)
    d.disjoint(a, b, pad=10)
    result = d.solve()
    d.save("two.svg")

A number given for a field pins it; a field left out (or listed in `free=`) is the
solver's to move. Every relation in the registry is a method: `d.contains(a, b, pad=5)`.
"""

import math
import time

import numpy as np

from ..checks import MAX_SEED, check_integer, did_you_mean, is_number
from ..errors import UsageError
from ..files import write_atomic
from ..process import one_blas_thread
from .build import Instance, compile_problem, describe
from .diagram_shapes import ShapeMethods
from .drag import DragMethods
from .expressions import is_plain
from .formulas import DERIVED
from .lifted import ValueMethods
from .rules import RuleMethods, Substance
from .geometry import center
from .notes import notes
from .problem import Batch, one_number
from .registry import CHOICES, CONSTRAINTS, OBJECTIVES, REQUIRED, SYNONYMS, lookup
from .result import Result, max_residual, violations, worst
from .shapes import FIELDS, POLY_CHAINS, VERTEX_KINDS, Ref, Shape
from .slots import Slots
from .soft import soft as soft_version
from .stages import check_stages, in_force, solve_in_stages, stage_index
from .solver import solve as solve_problem
from .start import starting_values
from .verdict import judge

STUCK_RESTARTS = 2   # fresh starts a stuck solve makes beyond those asked for, before it says stuck


class Canvas:
    def __init__(self, width, height, left=0.0, top=0.0, background="white"):
        self.width, self.height, self.left, self.top, self.background = width, height, left, top, background

    @property
    def scale(self):
        """The canvas size that residuals are measured against: its larger side."""
        return max(self.width, self.height)


class Diagram(ShapeMethods, DragMethods, ValueMethods, RuleMethods):
    """Shapes, the relations between them, and the state the solver moves."""

    def __init__(self, width=600, height=400, *, left=0.0, top=0.0, tolerance=1e-3, background="white", stages=()):
        for what, value in (("width", width), ("height", height)):
            if not is_number(value) or value <= 0:
                raise UsageError(f"canvas {what} must be a positive number, got {value!r}")
        self.canvas = Canvas(float(width), float(height), float(left), float(top), background)
        self.tolerance = tolerance
        self.stages = check_stages(stages)   # names, solved in order (stages.py)
        self.shapes = {}
        self.slots = Slots()
        self.relations = []
        self.names = {}   # variables and named values (lifted.py)
        self.substance = Substance()   # objects and facts that rules turn into shapes (rules.py)
        self.result = None
        self._lifted = {}   # (formula, leaves) -> the slots holding its value
        self._constants, self._problem, self._state, self._drag, self._stage = {}, None, None, None, None

    def __getstate__(self):
        """A copy (or a pickle) leaves the compiled problem behind: it is keyed by this diagram's
        own objects, and is compiled again when first needed."""
        return {**self.__dict__, "_problem": None}

    # ---- the state vector: one slot per field ----

    def _slot(self, value, pinned, role):
        self._problem = None
        return self.slots.add(value, pinned, role)

    def constant(self, value, angle=False):
        """A pinned slot holding `value`, for relations that compare a field with a number."""
        key = (float(value), angle)
        if key not in self._constants:
            self._constants[key] = Ref(None, f"{float(value):g}", self._slot(value, True, "angle" if angle else "const"))
        return self._constants[key]

    # ---- relations ----

    def __getattr__(self, name):
        relation = lookup(name) if not name.startswith("_") else None
        if relation is None:
            raise AttributeError(f"Diagram has no attribute {name!r}")

        def add(*args, where="", **params):
            return self.add(name, *args, where=where, **params)

        add.__name__, add.__doc__ = name, f"{relation.usage()}: {relation.doc}"
        return add

    def add(self, name, *args, where="", soft=None, stage=None, **params):
        """Add relation `name` over `args`; returns its instances (several for a variadic one).
        `soft=w` makes a constraint a penalty of weight w (soft.py); `stage` names the stage
        it joins in (stages.py)."""
        relation = lookup(name)
        if relation is None:
            raise UsageError(f'unknown relation "{name}"{did_you_mean(name, list(CONSTRAINTS) + list(OBJECTIVES))}',
                             where=where)
        if soft is not None:
            relation, params = self._softened(relation, soft, params, where)
        first = stage_index(self, stage, where)
        if not relation.window and len(args) > len(relation.args):   # in_range(A.r, 15, 40)
            extra = args[len(relation.args):]
            names = [k for k in relation.params if k not in params][:len(extra)]
            if len(names) == len(extra) and all(is_number(v) or isinstance(v, str) for v in extra):
                args, params = args[:len(relation.args)], {**params, **dict(zip(names, extra))}
        args = self._arguments(relation, args, where)
        params = self._parameters(relation, {**self._canvas_params(relation, params), **params}, where)
        windows = [args] if not relation.window else [args[i:i + relation.window]
                                                        for i in range(len(args) - relation.window + 1)]
        label = describe(name, args, params)
        unit = next((self.slots.unit(a.slot, self.canvas.scale) for a in args if isinstance(a, Ref)), self.canvas.scale)
        made = [Instance(relation, tuple(w), params, where, label, unit, first) for w in windows]
        self.relations.extend(made)
        self._problem = None
        return made

    def _softened(self, relation, weight, params, where):
        """(the soft version of a constraint, its parameters with the weight)."""
        if not relation.hard:
            raise UsageError(f"{relation.name} is an objective, soft already: give it a weight instead of soft",
                             where=where)
        if isinstance(weight, bool) or not is_number(weight) or weight <= 0:
            raise UsageError(f"{relation.name}: soft must be a positive weight, got {weight!r}", where=where)
        return soft_version(relation), {**params, "weight": weight}

    def _canvas_params(self, relation, given):
        """Parameters that default to the canvas: its bounds (on_canvas) and middle (centered)."""
        c = self.canvas
        known = {"left": c.left, "top": c.top, "right": c.left + c.width, "bottom": c.top + c.height,
                 "cx": c.left + c.width / 2, "cy": c.top + c.height / 2}
        return {k: v for k, v in known.items() if k in relation.params and k not in given}

    def _arguments(self, relation, args, where):
        if relation.window:
            if len(args) < relation.window:
                raise UsageError(f"{relation.name} takes at least {relation.window} shapes "
                                 f"({relation.usage()}), got {len(args)}", where=where)
            types = (relation.args[0],) * len(args)
        else:
            if len(args) != len(relation.args):
                raise UsageError(f"{relation.name} takes {len(relation.args)} argument"
                                 f"{'s' if len(relation.args) != 1 else ''} ({relation.usage()}), got {len(args)}",
                                 where=where)
            types = relation.args
        # names and expressions first: a number compared with an angle is in radians, not px
        args = tuple(self._reference(a, f"{relation.name}: argument {i + 1}", where) if isinstance(a, str) else a
                     for i, a in enumerate(args))
        angle = any(isinstance(a, Ref) and self.slots.roles[a.slot] == "angle" for a in args)
        args = tuple(self._argument(a, t, relation.name, i, where, angle) for i, (a, t) in enumerate(zip(args, types)))
        if len({isinstance(a, Shape) for a, t in zip(args, types) if t == "any"}) > 1:   # near(A, 5)
            raise UsageError(f"{relation.name} takes two shapes, or two fields or numbers, not one of each",
                             where=where)
        return args

    def _argument(self, arg, kind, relation, position, where, angle):
        what = f"{relation}: argument {position + 1}"
        if isinstance(arg, bool) or (not isinstance(arg, str | Shape | Ref) and not is_number(arg)):
            raise UsageError(f"{what} must be a shape, a field or a number, got {arg!r}", where=where)
        if isinstance(arg, str):
            arg = self._reference(arg, what, where)
        if kind in ("field", "any") and not isinstance(arg, Shape | Ref):
            return self.constant(arg, angle)
        if kind == "field" and not isinstance(arg, Ref):
            raise UsageError(f"{what} must be a field such as {arg.name}.x or a number, got the shape {arg.name}",
                             where=where)
        if kind in ("shape", "closed", "line", "circle", "chain") and not isinstance(arg, Shape):
            raise UsageError(f"{what} must be a shape, got {arg!r}", where=where)
        if kind == "closed" and not arg.closed:
            raise UsageError(f"{what} must be a shape with an inside, got the {arg.kind} {arg.name}", where=where)
        if kind == "circle" and arg.kind != "circle":
            raise UsageError(f"{what} must be a circle, got the {arg.kind} {arg.name}", where=where)
        if kind == "line" and arg.kind not in ("segment", "arrow"):
            raise UsageError(f"{what} must be a segment or an arrow, got the {arg.kind} {arg.name}", where=where)
        if kind == "chain" and arg.kind not in POLY_CHAINS:
            raise UsageError(f"{what} must be a polygon or a polyline, got the {arg.kind} {arg.name}", where=where)
        return arg

    def _reference(self, text, what, where):
        """A shape name ("A"), a field ("A.r"), a variable or named value, or an expression
        ("distance(A, B) / 2": lifted.py) written as a string."""
        name, _, field = text.partition(".")
        if text in self.names:
            return self.names[text]
        known = name in self.shapes and (not field or field in self.shapes[name].slots)
        if not known and (not is_plain(text) or (name in self.shapes and field in DERIVED)):
            return self.value(text, what, where)
        if name not in self.shapes:
            raise UsageError(f'{what}: unknown shape "{name}"{did_you_mean(name, self.shapes)}', where=where)
        shape = self.shapes[name]
        if not field:
            return shape
        if field not in shape.slots:
            raise UsageError(f'{what}: {shape.kind} "{name}" has no field "{field}" '
                             f'(its fields: {", ".join(shape.slots)})', where=where)
        return getattr(shape, field)

    def _parameters(self, relation, params, where):
        unknown = [k for k in params if k not in relation.params]
        if unknown:
            raise UsageError(f'{relation.name}: unknown parameter "{unknown[0]}"'
                             f'{did_you_mean(unknown[0], relation.params)} (it takes: {relation.usage()})', where=where)
        out = {}
        for key, default in relation.params.items():
            value = params.get(key, default)
            if value is REQUIRED:
                raise UsageError(f'{relation.name}: missing parameter "{key}" ({relation.usage()})', where=where)
            if isinstance(default, str):
                value = SYNONYMS.get(value, value) if isinstance(value, str) else value
                if value not in CHOICES[key]:
                    raise UsageError(f'{relation.name}: {key} must be one of {", ".join(CHOICES[key])}, '
                                     f'got {value!r}', where=where)
            elif isinstance(value, bool) or not is_number(value):
                raise UsageError(f"{relation.name}: {key} must be a number, got {value!r}", where=where)
            if key in params:
                out[key] = value
        if out.get("lo", -math.inf) > out.get("hi", math.inf):   # in_range's: no value would do
            raise UsageError(f"{relation.name}: lo ({out['lo']}) is above hi ({out['hi']})", where=where)
        return out

    # ---- solving ----

    def _compiled(self):
        if self._problem is None:
            self._problem = compile_problem(self, in_force(self))
        return self._problem

    def solve(self, *, seed=0, restarts=1, warm=False, max_iterations=5000):
        """Place every free field; returns a Result (never raises on an infeasible diagram)."""
        check_integer(seed, "seed", 0, MAX_SEED)
        check_integer(restarts, "restarts", 1)
        if len(self.stages) > 1 and not warm and self._stage is None:
            return solve_in_stages(self, seed=seed, restarts=restarts, max_iterations=max_iterations)
        began = time.perf_counter()
        problem = self._compiled()
        scales, free = self.slots.scales(self.canvas.scale), self.slots.free()
        anchor = self._drag.anchor(scales) if self._drag else None
        rng, best, iterations, evaluations = np.random.default_rng(seed), None, 0, 0
        attempt, attempts, judged = 0, restarts, False
        with one_blas_thread():
            # a stuck start earns fresh ones beyond `restarts` (not a warm solve's: a drag stays put)
            while attempt < restarts or (attempt < attempts and not best.feasible):
                z = starting_values(self, rng, warm and attempt == 0, fresh=attempt > 0) / scales
                outcome = solve_problem(problem, z, free, tolerance=self.tolerance, max_iterations=max_iterations,
                                        state=self._state if warm and attempt == 0 else None, anchor=anchor)
                attempt += 1
                iterations, evaluations = iterations + outcome.iterations, evaluations + outcome.evaluations
                if outcome.status == "stuck" and not judged:
                    judged, (outcome, spent) = True, judge(self, problem, outcome, rng, scales)
                    iterations, attempts = iterations + spent, restarts + (0 if warm else STUCK_RESTARTS)
                if best is None or _better(outcome, best):
                    best = outcome
                if outcome.status == "infeasible":
                    break   # a conflict: no start will do
        self.slots.values = (best.z * scales).tolist()
        self._state = best.state
        worsts = worst(problem.constraints, best.values)
        unmet = violations(problem.constraints, worsts, self.tolerance)
        self.result = Result(best.feasible, best.converged, max_residual(problem.constraints, worsts),
                             self.tolerance * self.canvas.scale, best.stationarity, best.objective, iterations,
                             evaluations, time.perf_counter() - began, best.message, best.status, seed, attempt,
                             unmet, notes(problem, best.z),
                             best.conflict or (unmet if best.status == "infeasible" else []))   # all pinned: each unmet one
        return self.result

    # ---- reading the state ----

    def get(self, shape):
        """{field: value} of a shape, in canvas units."""
        shape = self.shapes[shape] if isinstance(shape, str) else shape
        return {name: self.slots.values[slot] for name, slot in shape.slots.items()}

    def center(self, shape, values=None):
        """(x, y) of a shape's center, in canvas units (at `values`, the current ones by default)."""
        return tuple(one_number(v) for v in center(self.batch(shape, values)))

    def batch(self, shape, values=None):
        """A one-shape Batch of the current values (or of `values`), for the geometry functions.
        It reads the shape's own slots only: converting all values per shape made drawing n
        shapes quadratic (a 9,500-point layout spent 5 s on each frame)."""
        values = self.slots.values if values is None else values
        if shape.kind in VERTEX_KINDS:
            vx = [[values[shape.slots[f"x{i}"]] for i in range(shape.vertices)]]
            vy = [[values[shape.slots[f"y{i}"]] for i in range(shape.vertices)]]
            return Batch(shape.kind, {"vx": np.array(vx, float), "vy": np.array(vy, float)})
        return Batch(shape.kind, {name: np.array([values[shape.slots[name]]], float) for name in FIELDS[shape.kind]})

    # ---- drawing ----

    def svg(self):
        """The diagram as an SVG document (solving first if it never was)."""
        from .svg import render

        if np.isnan(self.slots.values).any():
            self.solve()
        return render(self)

    def save(self, path, flag="save"):
        """Write the SVG to path, whole or not at all (a UsageError naming `flag` and the path)."""
        write_atomic(path, self.svg(), flag)

    def _repr_svg_(self):
        return self.svg()

    def widget(self):
        """The diagram live in a notebook cell: drag a shape and watch it re-solve (a copy of
        this diagram; diffplay.widgets, pip install 'diffplay[notebook]')."""
        from ..widgets import Diagram as live   # the one way up from here, taken only when asked

        return live(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        """In a notebook with anywidget installed, the live widget; else None, so the SVG shows."""
        try:
            return self.widget()._repr_mimebundle_(include=include, exclude=exclude)
        except ImportError:
            return None


def _better(a, b):
    """Converged beats feasible beats infeasible; then the lower objective (or violation)."""
    rank = lambda o: (not o.converged, not o.feasible, o.objective if o.feasible else o.violation)  # noqa: E731
    return rank(a) < rank(b)

