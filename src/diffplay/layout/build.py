"""From a diagram's shapes and relations to a Problem: implicit relations, grouping, units.

Every shape gets `on_canvas` unless told otherwise, every group contains its members and
hugs them, and every free size stays positive. Instances are then grouped into families by
relation, argument kinds and string parameters, and their numbers are put in solver units:
lengths divided by the canvas's larger side, angles as they are.
"""

from dataclasses import dataclass

import numpy as np

from .problem import Family, Problem
from .registry import CONSTRAINTS, OBJECTIVES
from .shapes import BATCH_FIELDS, BOXED, SIZES, VERTEX_KINDS, Ref

GROUP_HUG = 0.1   # weight pulling a group's box in around its members


@dataclass(eq=False)
class Instance:
    relation: object
    args: tuple          # Shapes and Refs
    params: dict         # as the user gave them (canvas units)
    where: str = ""
    label: str = ""
    unit: float = 1.0    # canvas units per solver unit of this instance's residual
    stage: int = 0       # the first stage it is in force in (stages.py); it stays in force after


def describe(name, args, params):
    shown = ", ".join(f"{k}={v:g}" if isinstance(v, float | int) else f"{k}={v}" for k, v in params.items()
                      if k not in ("left", "top", "right", "bottom", "cx", "cy"))
    return f"{name}({', '.join(map(repr, args))}{', ' + shown if shown else ''})"


def implicit(diagram):
    """The relations every diagram has without asking: canvas, groups, positive sizes."""
    c, out = diagram.canvas, []
    bounds = {"left": c.left, "top": c.top, "right": c.left + c.width, "bottom": c.top + c.height}
    for shape in diagram.shapes.values():
        if shape.on_canvas:
            out.append(_instance(CONSTRAINTS["on_canvas"], (shape,), bounds, c.scale))
        for member in shape.members:
            out.append(_instance(CONSTRAINTS["contains"], (shape, member), {"pad": shape.pad}, c.scale))
        if shape.kind == "group":
            for name in ("w", "h"):
                out.append(_instance(OBJECTIVES["minimize"], (getattr(shape, name),), {"weight": GROUP_HUG}, c.scale))
        for name in SIZES & set(shape.slots):
            if not diagram.slots.pinned[shape.slots[name]]:
                zero = diagram.constant(0.0, angle=False)
                out.append(_instance(CONSTRAINTS["greater_than"], (getattr(shape, name), zero), {"pad": 0.0}, c.scale))
    return out


def _instance(relation, args, params, scale):
    return Instance(relation, args, params, "", describe(relation.name, args, params) + " [implicit]", scale)


def solver_kind(diagram, arg):
    """The kind a family sees: "field"; "box" for every axis-aligned rectangle (a text, a
    group, a rect whose angle is pinned at 0), so they share families and skip the
    trigonometry; otherwise the shape's own kind."""
    if isinstance(arg, Ref):
        return "field"
    if arg.kind in BOXED:
        return "box"
    angle = arg.slots.get("angle")
    if arg.kind == "rect" and diagram.slots.pinned[angle] and diagram.slots.values[angle] == 0:
        return "box"
    return arg.kind


def compile_problem(diagram, relations=None):
    """The Problem for the diagram's relations (or those given: a stage's), and the ones it has
    without asking."""
    groups = {}
    for inst in list(diagram.relations if relations is None else relations) + implicit(diagram):
        kinds = tuple(solver_kind(diagram, a) for a in inst.args)
        shapes = tuple(a.vertices for a in inst.args if not isinstance(a, Ref))
        static = tuple((k, inst.params.get(k, inst.relation.params[k])) for k in inst.relation.static)
        groups.setdefault((inst.relation.name, kinds, shapes, static), []).append(inst)
    constraints, objectives = [], []
    for (name, kinds, _, static), instances in groups.items():
        family = _family(instances, kinds, dict(static))
        (constraints if family.relation.hard else objectives).append(family)
    return Problem(constraints, objectives, len(diagram.slots))


def _family(instances, kinds, static):
    relation = instances[0].relation
    arrays = [_arrays(kind, [inst.args[j] for inst in instances]) for j, kind in enumerate(kinds)]
    numeric = [k for k in relation.params if k not in static and k != "weight"]
    units = np.array([inst.unit for inst in instances])
    params = {k: np.array([_param(inst, k) for inst in instances]) / (1.0 if k in relation.unitless else units)
              for k in numeric}
    # a text measured with a font's widths (shape.font) is not noted as estimated
    shape_kinds = {a.kind for inst in instances for a in inst.args if not isinstance(a, Ref) and not a.font}
    weights = None if relation.hard else np.array([_param(inst, "weight") for inst in instances])[:, None]
    return Family(relation, kinds, static, params, arrays, [inst.label for inst in instances],
                  [inst.where for inst in instances], units, shape_kinds, weights)


def _param(inst, name):
    return float(inst.params.get(name, inst.relation.params[name]))


def _arrays(kind, args):
    """[(name, index array)] for one argument position: a shape kind's fields, or a field."""
    names = BATCH_FIELDS[kind]
    if kind == "field":
        return [(names[0], np.array([a.slot for a in args]))]
    if kind in VERTEX_KINDS:   # vx, vy: rows of x0, x1, … and of y0, y1, …
        return [(name, np.array([[a.slots[f"{name[1]}{i}"] for i in range(a.vertices)] for a in args]))
                for name in names]
    return [(name, np.array([a.slots[name] for a in args])) for name in names]
