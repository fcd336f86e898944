"""Stages: a diagram solved in steps, each step starting where the last one ended (Penrose's
layout stages: the shapes first, then their labels, then everything).

    d = Diagram(640, 480, stages=["shapes", "labels"])
    d.contains(a, b)                          # in force from the first stage on
    d.label_near(la, a, stage="labels")       # joins in the second

A relation is in force from its stage on, so what an earlier stage settled is still asked of
every later one, and the last stage solves the whole diagram. The loop runs around
Diagram.solve: stage i solves the relations of stages 0..i, warm from stage i − 1's layout.
Restarts are spent on the first stage (the one that starts from random places); a warm
solve (a drag, the editor's next few iterations) goes on with every relation.
"""

import time
from dataclasses import replace

from ..errors import UsageError


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
    """Solve stage by stage; the Result is the last stage's, with every stage's work added up."""
    began, results = time.perf_counter(), []
    try:
        for i, _ in enumerate(diagram.stages):
            diagram._stage, diagram._problem, diagram._state = i, None, None
            results.append(diagram.solve(seed=seed, restarts=restarts if i == 0 else 1, warm=i > 0,
                                         max_iterations=max_iterations))
    finally:
        diagram._stage, diagram._problem = None, None
    work = ", ".join(f"{name} {r.iterations}" for name, r in zip(diagram.stages, results))
    last = results[-1]
    diagram.result = replace(last, iterations=sum(r.iterations for r in results),
                             evaluations=sum(r.evaluations for r in results), seconds=time.perf_counter() - began,
                             message=f"{last.message} (iterations by stage: {work})", restarts=restarts)
    return diagram.result


def in_force(diagram):
    """The relations of the stage being solved (every one when none is)."""
    if diagram._stage is None:
        return diagram.relations
    return [inst for inst in diagram.relations if inst.stage <= diagram._stage]
