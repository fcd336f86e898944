"""What a solve reports: feasible or not, how far from it, and which constraints are to blame."""

from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass
class Violation:
    constraint: str     # e.g. "contains(A, B, pad=5)"
    residual: float     # how far from met, in canvas units (px for lengths)
    where: str = ""     # "spec.toml:14" when it came from a file

    def __str__(self):
        return f"{self.where + ': ' if self.where else ''}{self.constraint}  residual {self.residual:.4g}"


# Why a solve stopped. Only "max_iterations" is a pause (a warm solve goes on from there);
# the others are the solver's last word on this start.
STATUSES = {
    "converged": "feasible and stationary: the KKT test passed",
    "infeasible": "a few constraints conflict: solved on their own, from where the solve stopped and from a "
                  "fresh start, they still cannot all hold (or every field they read is pinned); `conflict` "
                  "names them",
    "stuck": "no feasible layout from the starts tried, and no conflict found: the constraints left unmet can "
             "be met on their own (another seed or more restarts usually finds the way)",
    "stalled": "gave up: the rounds of multiplier updates ran out before the KKT test passed",
    "max_iterations": "stopped short: the iteration budget ran out before the KKT test passed",
    "diverged": "gave up: fields ran off without bound (an objective that nothing limits?)",
}


@dataclass
class Result:
    feasible: bool            # every hard constraint within tolerance
    converged: bool           # feasible and stationary (the KKT test passed)
    max_residual: float       # largest raw residual, canvas units
    tolerance: float          # the residual that counts as met, canvas units
    stationarity: float
    objective: float
    iterations: int           # L-BFGS iterations, all rounds and restarts
    evaluations: int
    seconds: float
    message: str
    status: str               # why it stopped, a key of STATUSES: only "max_iterations" may go on
    seed: int = 0
    restarts: int = 1
    violations: list = field(default_factory=list)   # the unmet constraints, worst first
    notes: list = field(default_factory=list)        # what was measured approximately
    conflict: list = field(default_factory=list)     # infeasible: the constraints that cannot all hold

    def to_dict(self):
        return asdict(self)

    def __str__(self):
        head = "feasible" if self.feasible else {"infeasible": "INFEASIBLE", "stuck": "STUCK"}.get(self.status,
                                                                                              "NOT FEASIBLE")
        lines = [f"{head}: max residual {self.max_residual:.3g} (tolerance {self.tolerance:.3g}), "
                 f"stationarity {self.stationarity:.2g}, {self.iterations} iterations, "
                 f"{self.seconds * 1000:.1f} ms; {self.message}"]
        lines += [f"  conflict {v}" for v in self.conflict]
        named = {(v.where, v.constraint) for v in self.conflict}
        rest = [v for v in self.violations if (v.where, v.constraint) not in named]
        lines += [f"  violated {v}" for v in rest[:10]]
        if len(rest) > 10:
            lines.append(f"  … and {len(rest) - 10} more")
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)


def unmet(family, v):
    """How far each residual of a constraint family is from met: |h| for an equality, max(0, c) else."""
    return np.abs(v) if family.relation.equality else np.maximum(v, 0.0)


def worst(families, values):
    """Each instance's largest raw residual, per constraint family (solver units): what
    `violations` and `max_residual` read, measured once."""
    return [unmet(family, v).max(axis=1) for family, v in zip(families, values)]


def violations(families, worsts, tolerance):
    """Every instance whose residual (`worst`'s) exceeds tolerance (solver units), worst first, in canvas units."""
    found = []
    for family, worst in zip(families, worsts):
        for i in (worst > tolerance).nonzero()[0]:   # worst is 1-D: flatnonzero's ravel is a Python call per family
            found.append(Violation(family.labels[i], float(worst[i] * family.units[i]), family.wheres[i]))
    return sorted(found, key=lambda v: -v.residual)


def max_residual(families, worsts):
    """The largest raw residual of any instance (of `worst`'s), in canvas units."""
    return max((float((worst * family.units).max(initial=0.0)) for family, worst in zip(families, worsts)),
               default=0.0)   # the method, not np.max: a Python wrapper less per family
