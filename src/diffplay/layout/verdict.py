"""When a solve finds no feasible layout: a conflict among a few constraints, or a stuck start.

Where the solver gave up, the constraints it could not meet, and those pulling against them
(a multiplier of at least PULLING of the largest) that share free fields with them, are the
suspects. They are solved on their own — nothing else, no objective — from where the solver
stopped and from FRESH random starts (with no objective, one round of the solver: the least
squares of their violations, zero exactly when they can hold). Met either way, they are not a conflict: the solve
was *stuck* on its way, and another start usually finds the way out. Unmet both ways is the
evidence of a conflict; a deletion filter (Chinneck & Dravnieks 1991) then drops each
suspect without which the rest still cannot hold, and the few left are the verdict's
`conflict`, each named where it was written (file:line). The suspects are a handful of
constraints over a few fields, so each of these solves costs a fraction of the whole one.
"""

from dataclasses import replace

import numpy as np

from .problem import Problem
from .result import Violation, unmet
from .solver import solve as solve_problem
from .start import starting_values

PULLING = 0.01   # a multiplier this share of the largest one pulls hard enough to take part
FRESH = 2        # random starts a conflict must fail from too (one was not enough: a label can start
                 # astride a curved arrow, pushed equally both ways, and stay stuck there on its own)
FILTERED = 12    # more suspects than this are reported as they are, not filtered one by one


def judge(diagram, problem, outcome, rng, scales, max_iterations=500):
    """The outcome of a stuck solve, as the verdict it earns: status "infeasible" with its
    `conflict` named when a few constraints cannot hold on their own, else "stuck"; and the
    L-BFGS iterations the judging took."""
    free = diagram.slots.free()
    suspects = _suspects(problem, outcome, diagram.tolerance, free)
    starts = [starting_values(diagram, rng, True, fresh=True) / scales for _ in range(FRESH)]   # every free field drawn anew
    trial = _Trials(problem, free, diagram.tolerance, max_iterations)
    if not suspects or trial.met(suspects, outcome.z) or trial.met_from_any(suspects, starts):
        return replace(outcome, status="stuck", message=_STUCK), trial.iterations
    conflict = suspects
    if len(suspects) <= FILTERED:
        conflict = list(suspects)
        for suspect in sorted(suspects, key=lambda s: (problem.constraints[s[0]].wheres[s[1]] != "", s)):
            rest = [s for s in conflict if s != suspect]
            if rest and not trial.met(rest, outcome.z):
                conflict = rest
        if len(conflict) < len(suspects) and trial.met_from_any(conflict, starts):
            conflict = suspects   # the smaller set held from a fresh start: keep the one shown to fail from all
    named = [_named(problem, outcome, s) for s in conflict]
    message = (f"infeasible: {len(named)} constraint{'s' if len(named) > 1 else ''} cannot all hold, "
               f"solved on their own from {FRESH + 1} starts")
    return replace(outcome, status="infeasible", message=message, conflict=named), trial.iterations


_STUCK = ("stuck: no feasible layout from this start, yet the constraints left unmet can be met on their own "
          "(another seed or --restarts usually finds one)")


class _Trials:
    """Solves of some of a problem's constraints on their own (feasibility only), counted."""

    def __init__(self, problem, free, tolerance, max_iterations):
        self.problem, self.free, self.tolerance, self.max_iterations = problem, free, tolerance, max_iterations
        self.iterations = 0

    def met_from_any(self, instances, starts):
        return any(self.met(instances, z) for z in starts)

    def met(self, instances, z):
        """Whether these (family, row) instances can all hold, solved from z."""
        rows = {}
        for f, row in instances:
            rows.setdefault(f, []).append(row)
        families = [self.problem.constraints[f].rows(np.array(r)) for f, r in sorted(rows.items())]
        read = np.zeros(self.problem.size, bool)
        read[list(set().union(*(self.problem.constraints[f].slots(row) for f, row in instances)))] = True
        # no objective: one round, the least squares of the violations, reaches zero or shows it cannot
        outcome = solve_problem(Problem(families, [], self.problem.size), z.copy(), self.free & read,
                                tolerance=self.tolerance, max_rounds=1, max_iterations=self.max_iterations)
        self.iterations += outcome.iterations
        return outcome.feasible


def _suspects(problem, outcome, tolerance, free):
    """(family, row) of the unmet constraints and of those pulling against them through
    shared free fields."""
    failing, pulling = [], []
    largest = float(np.max(np.abs(outcome.state.multipliers), initial=0.0))
    spans = problem.spans(outcome.z)   # where each family's multipliers are
    for f, (family, v, (start, stop, _)) in enumerate(zip(problem.constraints, outcome.values, spans)):
        pull = np.abs(outcome.state.multipliers[start:stop]).reshape(v.shape).max(axis=1, initial=0.0)
        failing += [(f, i) for i in np.flatnonzero(unmet(family, v).max(axis=1, initial=0.0) > tolerance)]
        pulling += [(f, i) for i in np.flatnonzero(pull >= PULLING * largest)] if largest > 0 else []
    return _connected(problem, failing, pulling, set(np.flatnonzero(free).tolist()))


def _connected(problem, unmet, pulling, free):
    """The unmet instances and those of `pulling` joined to them by shared free slots, in order."""
    slots = {s: problem.constraints[s[0]].slots(s[1]) & free for s in set(unmet) | set(pulling)}
    found, reach, grew = set(unmet), set().union(*(slots[s] for s in unmet)), True
    while grew:
        joined = {s for s in pulling if s not in found and slots[s] & reach}
        grew = bool(joined)
        found |= joined
        reach = reach.union(*(slots[s] for s in joined))
    return sorted(found)


def _named(problem, outcome, suspect):
    """A conflicting instance as a Violation: its label, residual where the solve ended, file:line."""
    f, row = suspect
    family = problem.constraints[f]
    residual = unmet(family, outcome.values[f][row]).max(initial=0.0) * family.units[row]
    return Violation(family.labels[row], float(residual), family.wheres[row])
