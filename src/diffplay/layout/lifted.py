"""Expressions and free variables in a diagram: each computed value gets slots of its own,
held to its expression by an equality, `defines` (the one relation that is not the user's).

    d.variable("gap", lo=10, hi=40)              # a free number, a slot of its own
    d.let("M", "midpoint(P, Q)")                 # a named value: here a (hidden) point
    d.less_than("distance(A, B)", 60)           # an expression wherever a relation takes a field or a point
    d.define("C.r", "distance(A, B) / 2")        # a shape's field held to an expression

So an expression is a variable plus a constraint, and reaches the solver as every relation
does: one family per expression shape (`distance(·, ·)`), evaluated on Tensors for its
gradient. Its slots start at the expression's value (a start hook), not at random.
"""

import numpy as np

from ..checks import did_you_mean, is_number
from ..errors import UsageError
from . import ops
from .build import Instance
from .expressions import is_plain, parse
from .formulas import Formula, evaluate, in_canvas_units, resolve
from .problem import Batch, one_number
from .registry import Unlisted
from .shapes import Ref, Shape


def _defines(target, *leaves, formula):
    """Zero when the target (a field, or a shape's center) equals the formula's value."""
    value = evaluate(formula.tree, in_canvas_units(leaves, formula.scales))
    if formula.type == "point":
        return ops.stack([target.x - value[0] / formula.unit, target.y - value[1] / formula.unit])
    return target.value - value / formula.unit


def _start_at_value(inst, start):
    """The target starts at the expression's value where its start was drawn at random."""
    target, leaves, formula = inst.args[0], inst.args[1:], inst.params["formula"]
    slots = [target.slot] if isinstance(target, Ref) else [target.slots["x"], target.slots["y"]]
    if not any(start.redo[s] for s in slots):
        return
    batches = [start.diagram.batch(leaf, start.values) if isinstance(leaf, Shape)
               else Batch("field", {"value": np.array([start.values[leaf.slot]])}) for leaf in leaves]
    value = evaluate(formula.tree, batches)
    for slot, v in zip(slots, value if isinstance(value, tuple) else (value,)):
        if start.redo[slot] and np.all(np.isfinite(v)):
            start.values[slot] = one_number(v)


DEFINES = Unlisted("defines", _defines, (), {"formula": ""}, True, equality=True,
                   doc="a computed value (or a shape held to one) equals its expression", start=_start_at_value)


class ValueMethods:
    """Variables, named values and expressions of Diagram."""

    def variable(self, name, value=None, *, lo=None, hi=None, where=""):
        """A free number the solver moves (starting at `value`, or mid-range, or 0), kept in [lo, hi]."""
        self._check_new_name(name, where)
        bounds = [b for b in (lo, hi) if b is not None]
        start = value if value is not None else sum(bounds) / len(bounds) if bounds else 0.0
        if not is_number(start):
            raise UsageError(f'variable "{name}": value must be a number, got {start!r}', where=where)
        ref = Ref(None, name, self._slot(start, False, "const"))
        self.slots.starts[ref.slot] = float(start)
        self.names[name] = ref
        if lo is not None:
            self.add("greater_than", ref, lo, where=where)
        if hi is not None:
            self.add("less_than", ref, hi, where=where)
        return ref

    def let(self, name, expression, *, where=""):
        """Name a computed value: a number (a field others may use) or a point (a hidden shape)."""
        self._check_new_name(name, where)
        self.names[name] = self.value(expression, f'let "{name}"', where)
        return self.names[name]

    def define(self, target, expression, *, where=""):
        """Hold a shape's field ("C.r") or center ("M") to an expression; the field stays free."""
        what = f"define {target!r}"
        target = self._reference(target, what, where) if isinstance(target, str) else target
        formula, leaves = self._formula(expression, what, where)
        point = isinstance(target, Shape)
        if point and "x" not in target.slots:
            raise UsageError(f"{what}: the {target.kind} {target.name} has no center to place", where=where)
        if formula is None or (formula.type == "point") != point:
            raise UsageError(f"{what}: {'a shape takes a point' if point else 'a field takes a number'}, "
                             f'and "{expression}" is {"a point" if not point else "a number"}', where=where)
        return self._tie(target, formula, leaves, where)

    def value(self, expression, what="expression", where=""):
        """The Ref (a number) or hidden point Shape an expression stands for; a number if it reads nothing."""
        if is_number(expression):
            return float(expression)
        formula, leaves = self._formula(expression, what, where)
        if formula is None:
            return leaves
        key = (formula, tuple(id(leaf) for leaf in leaves))
        if key not in self._lifted:
            if formula.type == "point":
                target = Shape(formula.text, "point", {axis: self._slot(None, False, axis) for axis in "xy"})
            else:
                target = Ref(None, formula.text, self._slot(None, False, "angle" if formula.type == "number" else "const"))
            self._tie(target, formula, leaves, where)
            self._lifted[key] = target
        return self._lifted[key]

    def resolve_name(self, name, what):
        """A shape, a variable or a named value called `name`."""
        if name in self.names:
            return self.names[name]
        if name in self.shapes:
            return self.shapes[name]
        raise UsageError(f'{what}: unknown name "{name}"{did_you_mean(name, list(self.shapes) + list(self.names))}')

    def _formula(self, expression, what, where):
        """(Formula, leaves), or (None, value) for one that reads nothing; errors name `where`."""
        try:
            formula, leaves = resolve(self, parse(expression, f'{what}: "{expression}"'), what)
        except UsageError as e:
            raise UsageError(str(e), where=where) from None
        return (formula, leaves) if isinstance(formula, Formula) else (None, formula)

    def _tie(self, target, formula, leaves, where):
        unit = self.canvas.scale if isinstance(target, Shape) else self.slots.unit(target.slot, self.canvas.scale)
        formula = Formula(formula.tree, formula.scales, formula.type, formula.text, unit)
        label = f"{target!r} = {formula.text}" if repr(target) != formula.text else f"the value of {formula.text}"
        self.relations.append(Instance(DEFINES, (target, *leaves), {"formula": formula}, where, label, unit))
        self._problem = None
        return target

    def _check_new_name(self, name, where):
        if not isinstance(name, str) or not is_plain(name) or "." in name:
            raise UsageError(f"a name must be a word without dots or operators, got {name!r}", where=where)
        if name in self.names or name in self.shapes:
            raise UsageError(f'there is already a shape or value called "{name}"', where=where)
