"""An augmented-Lagrangian solver over L-BFGS, with an honest convergence test.

For objective f and constraints c_i <= 0 (h_j == 0), each outer round minimizes

    L(u) = f(u) + Σ_j (ν_j h_j + μ/2 h_j²) + Σ_i (max(0, λ_i + μ c_i)² − λ_i²) / (2μ)

with `lbfgs.minimize`, then updates the multipliers (λ ← max(0, λ + μc), ν ← ν + μh) and
raises the penalty μ when the violation did not shrink enough (Nocedal & Wright, 17.4).
It stops *converged* only when it has measured both halves of the KKT conditions:

- feasibility: every raw residual within `tolerance` (solver units: the canvas is 1 wide);
- stationarity: ‖∇f + Σ λ∇c‖∞ within `tolerance` (relative to ‖∇f‖∞ when that exceeds 1),
  and complementarity: no inequality with room to spare keeps a multiplier above it.

When the violation has stopped falling (frozen for two rounds, the second at a penalty of
FROZEN or more; or falling by under 1 % for three, the third at STALLED or more), the solve is
*stuck* (no feasible layout found from this start): a result, never an exception.
Whether the constraints conflict or another start would do is for verdict.py to find out.
The multipliers and penalty come back in `state`, so the next solve (a drag frame) starts
where this one ended; so does the L-BFGS run when its iterations ran out.
"""

from dataclasses import dataclass, field

import numpy as np

from ..engine.lbfgs import curvature_scale, minimize

PENALTY_START, PENALTY_GROWTH, PENALTY_CEILING = 10.0, 10.0, 1e7
# A conflict shows at once: the violation stays where the first rounds left it, or grows, while
# the penalty grows (a feasible layout's falls with it, if slowly where a heavy objective
# pulls against a constraint). Waiting for the ceiling cost an infeasible 20-circle packing
# 400 ms of ill-conditioned rounds against 15 ms for a solve.
FROZEN, STALLED = 1e2, 1e3
HISTORY = 40     # L-BFGS curvature pairs: a layout's few dozen coupled fields like many (40 beat 10 and 20: see benchmarks/layout.py)
FAR_AWAY = 1e6   # canvases: a field this far out has been pushed by something unbounded


@dataclass
class State:
    """What a warm start carries over: the constraint multipliers and the penalty, and of the
    L-BFGS run its step scale and, when its iterations ran out, its curvature pairs.

    The pairs continue a run that was cut short (a live editor solves a few iterations a
    frame). After a finished solve they are dropped: the next solve is of a new problem (the
    pointer moved) and a fresh run, started at the old step scale, was faster there (see the
    drag row of benchmarks/layout.py).
    """

    multipliers: np.ndarray     # one per constraint value, laid out as problem.spans says
    penalty: float
    free: np.ndarray = None     # the free slots the pairs were measured over
    history: list = field(default_factory=list)
    step: float = None          # s·y / y·y of the last pair: a first step's length


@dataclass
class Anchor:
    """Soft pulls of some slots towards targets (solver units), Σ weight·(z − target)², added to
    the objectives: what a drag holds in place, and where it pulls the dragged point."""

    slots: np.ndarray
    targets: np.ndarray
    weights: np.ndarray

    def energy(self, z):
        d = z[self.slots] - self.targets
        return float(self.weights @ (d * d))

    def add_gradient(self, z, grad):
        np.add.at(grad, self.slots, 2 * self.weights * (z[self.slots] - self.targets))
        return grad


@dataclass
class Outcome:
    z: np.ndarray
    values: list            # every constraint family's residuals at z, (n, m) each (m = 1 too)
    feasible: bool
    converged: bool
    violation: float        # largest raw residual, solver units
    stationarity: float
    objective: float
    iterations: int
    evaluations: int
    rounds: int
    message: str
    state: State
    status: str             # why it stopped: one of result.STATUSES
    conflict: list = field(default_factory=list)   # result.Violations of a conflict verdict.py found


class _Lagrangian:
    """L(u) and its gradient for fixed multipliers and penalty, over the free slots of z."""

    def __init__(self, problem, z, free, anchor=None):
        self.problem, self.z, self.free, self.anchor = problem, z, free, anchor
        self.at = np.flatnonzero(free)   # the free slots' indices: indexing by them costs less than by the mask
        self.count = len(problem.constraints)
        every = problem.value_shapes(z)
        # the residuals, multipliers and weights: every constraint's end to end, as problem.spans lays them out
        spans = problem.spans(z)
        self.equality = np.zeros(sum(b - a for a, b, _ in spans), bool)
        for family, (a, b, _) in zip(problem.constraints, spans):
            self.equality[a:b] = family.relation.equality
        self.floor = np.where(self.equality, -np.inf, 0.0)   # an inequality's multiplier stays >= 0
        # each family's (n, 1) weights as (n,) where its values are (n,)
        self.objective_weights = [f.weights.reshape(shape[:1] + (1,) * (len(shape) - 1))
                                  for f, shape in zip(problem.objectives, every[self.count:])]
        # each weight spread over its family's values, raveled: the energy is then one dot product
        self.spread_weights = [np.broadcast_to(w, shape).ravel()
                               for w, shape in zip(self.objective_weights, every[self.count:])]
        self.unloaded = np.zeros(self.equality.size)   # the multipliers until their first update (_penalty)
        self.multipliers, self.penalty = self.unloaded, PENALTY_START
        self.gradient_weights = np.empty(self.equality.size)   # an evaluation's w, and its families' views of it
        self.gradient_views = self._weights(self.gradient_weights)
        self.last = None   # (u, values, backward, ∇L) of the last evaluation: measure() at the same u reuses it

    def residuals(self, values):
        return np.concatenate(values.ordered) if self.count else np.zeros(0)

    def violation(self, c):
        """The largest raw residual: |h| for equalities, max(0, c) for inequalities."""
        return float(np.max(np.where(self.equality, np.abs(c), np.maximum(c, 0.0)), initial=0.0))

    def _weights(self, constraint_weights):
        """Per-family weights: a flat vector cut back into each constraint family's shape."""
        return self.problem.cut(constraint_weights, self.objective_weights)

    def objective(self, values):
        total = 0.0   # a loop: sum() over a generator cost some 2,000 instructions more
        for w, v in zip(self.spread_weights, values[self.count:]):
            total += float(w.dot(v if v.ndim == 1 else v.ravel()))   # .dot, not np.vdot (a Python wrapper)
        return total

    def __call__(self, u):
        self.z[self.at] = u
        try:
            values, backward = self.problem.forward(self.z, split=False)   # measure() splits what it keeps
            c = self.residuals(values)
            penalty = self._penalty(c)
            grad = self._anchored(backward(self.gradient_views))[self.at]
            energy = 0.0 if self.anchor is None else self.anchor.energy(self.z)
        except FloatingPointError:   # an overflow far out: the line search steps back from inf
            return np.inf, np.zeros_like(u)
        self.last = (u, values, backward, grad)   # minimize never changes a point it evaluated
        return self.objective(values) + float(penalty) + energy, grad

    def _penalty(self, c):
        """The penalty terms at residuals c; their gradient weights w are left in gradient_weights.

        w = λ + μc, floored at 0 for inequalities; then both kinds' terms, λh + μh²/2 and
        (max(0, λ + μc)² − λ²)/(2μ), are (w² − λ²)/(2μ). Until the multipliers are first updated
        (a fresh solve's first round, often its only one) λ is the zeros it started as, and three
        of an evaluation's hundred-odd array operations drop out.
        """
        lam, mu, w = self.multipliers, self.penalty, self.gradient_weights
        if lam is self.unloaded:
            np.maximum(np.multiply(c, mu, out=w), self.floor, out=w)
            return w.dot(w) / (2 * mu)   # .dot, not @: two thirds of the instructions on a vector
        np.maximum(lam + mu * c, self.floor, out=w)
        return (w - lam).dot(w + lam) / (2 * mu)

    def _anchored(self, grad):
        return grad if self.anchor is None else self.anchor.add_gradient(self.z, grad)

    def measure(self, u):
        """(values, violation, updated multipliers, KKT residual) at u; self.fresh says whether
        that took an evaluation (not when u is where L-BFGS last evaluated).

        The KKT residual is the larger of stationarity, ‖∇f + Σ λ∇c‖∞ (relative to ‖∇f‖∞
        when that exceeds 1), and complementarity, max min(λ, −c) over the inequalities: a
        constraint with room to spare may not pull.
        """
        self.z[self.at] = u
        self.fresh = self.last is None or not np.array_equal(self.last[0], u)
        if self.fresh:
            values, backward = self.problem.forward(self.z)
        else:   # L-BFGS ends where it last evaluated
            values, backward, gradient = self.last[1:]
            values = self.problem.split(values)
        c = self.residuals(values)
        shifted = self.multipliers + self.penalty * c
        lam = np.where(self.equality, shifted, np.maximum(shifted, 0.0))
        # ∇f + Σ λ∇c with these λ (λ + μc, floored) is ∇L at u: where L-BFGS evaluated u, its gradient
        kkt = self._anchored(backward(self._weights(lam)))[self.at] if self.fresh else gradient
        objective_grad = self._anchored(backward([None] * self.count + self.objective_weights))[self.at]
        scale = max(1.0, float(np.max(np.abs(objective_grad), initial=0.0)))
        stationarity = float(np.max(np.abs(kkt), initial=0.0)) / scale
        slack = np.where(self.equality, 0.0, np.minimum(lam, np.maximum(-c, 0.0)))
        return values, self.violation(c), lam, max(stationarity, float(np.max(slack, initial=0.0)))


def solve(problem, z, free, *, tolerance=1e-3, state=None, max_rounds=30, max_iterations=5000, anchor=None):
    """Minimize the objectives (and the anchor's pulls, if any) subject to the constraints,
    from z (solver units), in place.

    Returns an Outcome whose `feasible` and `converged` were measured, not assumed, and whose
    `status` says why it stopped (see result.STATUSES).
    """
    lagrangian = _Lagrangian(problem, z, free, anchor)
    history, step = _warm_start(lagrangian, state, free)
    u = z[free].copy()
    iterations = evaluations = rounds = stalled = frozen = 0
    best_violation = previous = np.inf
    while True:
        rounds += 1
        if u.size:
            inner = minimize(lagrangian, u, max_iter=max(1, min(500, max_iterations - iterations)),
                             tolerance_grad=0.5 * tolerance, tolerance_change=1e-12, history_size=HISTORY,
                             history=history if rounds == 1 else None, initial_step=step)
            u, iterations, evaluations = inner.x, iterations + inner.iterations, evaluations + inner.evaluations
            history, step = inner.history, curvature_scale(inner.history) or step
        values, violation, multipliers, stationarity = lagrangian.measure(u)
        evaluations += lagrangian.fresh
        feasible = violation <= tolerance
        stalled = stalled + 1 if violation > 0.99 * best_violation else 0
        frozen = frozen + 1 if violation > 0.999 * best_violation else 0
        best_violation = min(best_violation, violation)
        mu = lagrangian.penalty
        gave_up = not feasible and ((mu >= FROZEN and frozen >= 2) or (mu >= STALLED and stalled >= 3))
        verdict = _verdict(feasible and stationarity <= tolerance, u, violation, gave_up,
                           rounds >= max_rounds, iterations >= max_iterations)
        if verdict:
            break
        if violation > tolerance and violation > 0.25 * previous:
            lagrangian.penalty = min(lagrangian.penalty * PENALTY_GROWTH, PENALTY_CEILING)
        lagrangian.multipliers, previous = multipliers, violation
    z[free] = u
    status, message = verdict
    message = message or f"stopped after {rounds} rounds and {iterations} iterations"
    carried = State(multipliers, lagrangian.penalty, free.copy(), history if status == "max_iterations" else [], step)
    objective = lagrangian.objective(values)
    # copies, as (n, m) for the reports: the problem's next evaluation reuses its buffers
    values = [np.array(v).reshape(f.size, -1) for f, v in zip(problem.constraints, values)]
    return Outcome(z, values, feasible, status == "converged", violation, stationarity,
                   objective, iterations, evaluations, rounds, message, carried, status)


def _warm_start(lagrangian, state, free):
    """Take over a previous solve's multipliers and penalty; returns the L-BFGS pairs and
    step scale to start from (none when the free slots changed: they were measured elsewhere)."""
    if state is None or state.multipliers.size != lagrangian.equality.size:
        return [], None
    lagrangian.multipliers, lagrangian.penalty = state.multipliers.copy(), state.penalty
    if state.free is None or not np.array_equal(state.free, free):
        return [], None
    return state.history, state.step


def _verdict(kkt, u, violation, gave_up, out_of_rounds, out_of_iterations):
    """(status, message) when the solve stops here (message "" for the default), else None."""
    if kkt:
        return "converged", "converged: feasible and stationary"
    if not u.size:
        return "infeasible", "nothing to move: every field is pinned"
    if not np.isfinite(violation) or np.max(np.abs(u)) > FAR_AWAY:
        return "diverged", "diverged: fields ran off without bound (an objective that nothing limits?)"
    if gave_up:
        return "stuck", "stuck: the violation stopped falling as the penalty grew"
    if out_of_iterations:
        return "max_iterations", ""
    if out_of_rounds:
        return "stalled", ""
    return None
