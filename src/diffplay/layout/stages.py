"""Stages: a diagram solved in steps, each step starting where the last one ended (Penrose's
layout stages: the shapes first, then their labels, then everything).

    d = Diagram(640, 480, stages=["shapes", "labels"])
    d.contains(a, b)                          # in force from the first stage on
    d.label_near(la, a, stage="labels")       # joins in the second

A relation is in force from its stage on, so what an earlier stage settled is still asked of
every later one, and the last stage solves the whole diagram. The loop runs around
Diagram.solve: stage i solves the relations of stages 0..i, warm from stage i − 1's layout.
A restart runs every stage again from a fresh start; a warm solve (a drag, the editor's
next few iterations) goes on with every relation.
"""

import time
from dataclasses import replace

import numpy as np

from ..checks import MAX_SEED
from ..errors import UsageError
from .shapes import Ref
from .start import Start


def stage_index(diagram, stage, where=""):
    """The position of a stage's name in the diagram's stages (None: the first)."""
    if stage is None:
        return 0
    if stage not in diagram.stages:
        declared = f'its stages are {", ".join(diagram.stages)}' if diagram.stages else \
            "it declares none (Diagram(stages=[…]), or stages = […] under [solve])"
        raise UsageError(f'unknown stage "{stage}": {declared}', where=where)
    return diagram.stages.index(stage)


def check_stages(stages):
    """A list of distinct stage names."""
    stages = list(stages or ())
    if not all(isinstance(s, str) and s for s in stages) or len(set(stages)) != len(stages):
        raise UsageError(f"stages must be distinct names, got {stages!r}")
    return stages


def solve_in_stages(diagram, *, seed, restarts, max_iterations):
    """Solve stage by stage, `restarts` times from fresh starts (seed, seed + 1, …), keeping the
    best; the Result is its last stage's, with the work of every stage and restart added up."""
    began, best, work = time.perf_counter(), None, [0, 0]
    for attempt in range(restarts):
        results = _stages(diagram, (seed + attempt) % (MAX_SEED + 1), max_iterations)
        work = [work[0] + sum(r.iterations for r in results), work[1] + sum(r.evaluations for r in results)]
        if best is None or _rank(results[-1]) < _rank(best[0][-1]):
            best = results, list(diagram.slots.values)
    (results, values), names = best, diagram.stages
    diagram.slots.values = values
    by_stage = ", ".join(f"{name} {r.iterations}" for name, r in zip(names, results))
    diagram.result = replace(results[-1], iterations=work[0], evaluations=work[1], restarts=restarts, seed=seed,
                             seconds=time.perf_counter() - began,
                             message=f"{results[-1].message} (iterations by stage: {by_stage})")
    return diagram.result


def _stages(diagram, seed, max_iterations):
    """One pass through the stages from a fresh start; each stage's Result."""
    results = []
    try:
        for i, _ in enumerate(diagram.stages):
            diagram._stage, diagram._problem, diagram._state = i, None, None
            if i > 0:
                _start_newcomers(diagram, i, seed)
            results.append(diagram.solve(seed=seed, warm=i > 0, max_iterations=max_iterations))
    finally:
        diagram._stage, diagram._problem = None, None
    return results


def _rank(result):
    """Converged beats feasible beats infeasible; then the lower objective (or residual)."""
    return not result.converged, not result.feasible, result.objective if result.feasible else result.max_residual


def _start_newcomers(diagram, i, seed):
    """Fields that no earlier stage constrained start where the start hooks of stage i's
    relations put them (label_near: a label at its shape, where that shape now is) rather
    than where they were drawn before the shapes moved."""
    # a computed value's definition (`defines`) places nothing by itself, whatever stage it is in
    earlier = {slot for inst in diagram.relations if inst.stage < i and inst.relation.name != "defines"
               for slot in _slots(inst)}
    redo = diagram.slots.free()
    redo[list(earlier)] = False
    start = Start(diagram, np.array(diagram.slots.values), redo, np.random.default_rng(seed))
    for inst in diagram.relations:
        if inst.stage == i and inst.relation.start is not None:
            inst.relation.start(inst, start)
    diagram.slots.values = start.values.tolist()


def _slots(inst):
    return [slot for arg in inst.args for slot in ([arg.slot] if isinstance(arg, Ref) else arg.slots.values())]


def in_force(diagram):
    """The relations of the stage being solved (every one when none is)."""
    if diagram._stage is None:
        return diagram.relations
    return [inst for inst in diagram.relations if inst.stage <= diagram._stage]
