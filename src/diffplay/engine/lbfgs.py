"""L-BFGS with a strong-Wolfe line search: on a flat NumPy vector, and as an Optimizer.

`minimize(fun, x0)` is the array form (fun returns loss and gradient); `LBFGS` wraps it for
Values or Tensors with PyTorch's `step(closure)` interface.

A live caller that runs a few iterations per frame passes the last result's `history` back
in, so each call continues the quasi-Newton run where the previous one stopped:

    result = minimize(fun, x, max_iter=5)
    result = minimize(fun, result.x, max_iter=5, history=result.history)
"""

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..checks import is_integer
from .flat import Flat
from .optim_state import checked_array
from .slots import Slotted, check_hyper


@dataclass
class LBFGSResult:
    x: np.ndarray
    loss: float
    grad: np.ndarray
    iterations: int
    evaluations: int
    converged: bool
    message: str
    history: list = field(default_factory=list)   # the curvature pairs (s, y, 1/(s·y)), oldest first


class Pairs(list):
    """The curvature pairs (s, y, 1/(s·y)), oldest first, and what H·g needs of them, kept up to
    date pair by pair.

    H·g comes from the compact form of Byrd, Nocedal & Schnabel (1994): H = γI + [S γY] M
    [S γY]ᵀ with γ = s·y / y·y of the newest pair, where M's blocks need only R⁻¹ (R_ij =
    s_i·y_j for i <= j, its diagonal the pairs' s·y). R is triangular, so a new pair adds a
    column to R⁻¹ and dropping the oldest takes its first row and column away: H·g is then a
    dozen small array operations whatever the count (the two-loop recursion costs four a
    pair, and solving with R afresh each step cost a 20-circle layout more than evaluating it).
    The list itself is what a result's `history` is; passed back in, its arrays come along.
    """

    def __init__(self, size, limit):
        super().__init__()
        self.limit, self.first = limit, 0   # the pairs are rows first, first + 1, … of buffers twice as long
        self.S, self.Y = np.empty((2 * limit, size)), np.empty((2 * limit, size))
        self.sy = np.empty(2 * limit)
        self.inverse = np.zeros((2 * limit, 2 * limit))   # R⁻¹ in rows and columns first, …: upper triangular
        # s·y / y·y of the newest pair, H's scale, and −s·y while a pair is added: 0-d arrays, as
        # an array times an array skips the conversion a number costs each time (a third less)
        self.gamma, self.negated = np.zeros(()), np.zeros(())

    def add(self, s, y, rho):
        """Append a pair, dropping the oldest when `limit` are kept."""
        if len(self) == self.limit:   # a triangular matrix's trailing block inverts alone: R⁻¹ moves on a row
            del self[0]
            self.first += 1
        if self.first + len(self) == 2 * self.limit:
            self._compact()
        a, sy = self.first, 1.0 / rho
        b = a + len(self)
        # [[A, b], [0, d]]⁻¹ = [[A⁻¹, −A⁻¹b/d], [0, 1/d]], b the older pairs' s_i·y; below the
        # diagonal the buffer stays zero (every write, a compaction's too, is on or above it).
        # On vectors this short a call costs more than its arithmetic: `.dot` is half of `@`'s,
        # and dividing by −d straight into the column saves a negation and a copy (the same bits)
        inverse = self.inverse
        self.negated[()] = -sy
        np.divide(inverse[a:b, a:b].dot(self.S[a:b].dot(y)), self.negated, out=inverse[a:b, b])
        inverse[b, b] = 1.0 / sy
        self.S[b], self.Y[b], self.sy[b] = s, y, sy
        self.gamma[()] = sy / y.dot(y)
        self.append((s, y, rho))

    def _compact(self):
        """Move the pairs back to the buffers' first rows (once every `limit` pairs)."""
        a, k = self.first, len(self)
        for buffer in (self.S, self.Y, self.sy):
            buffer[:k] = buffer[a:a + k].copy()
        self.inverse[:k, :k] = self.inverse[a:a + k, a:a + k].copy()
        self.first = 0

    def descent(self, g):
        """−H·g, the quasi-Newton direction, for the inverse-Hessian estimate the pairs define
        (−g without a pair)."""
        if not self:
            return -g
        a, b = self.first, self.first + len(self)
        S, Y, inverse, gamma = self.S[a:b], self.Y[a:b], self.inverse[a:b, a:b], self.gamma
        r = inverse.dot(S.dot(g))
        u = r.dot(Y) - g   # Yᵀr − g, used twice
        p = (self.sy[a:b] * r + gamma * Y.dot(u)).dot(inverse)   # R⁻ᵀv as v·R⁻¹
        return gamma * u - p.dot(S)   # −(γ(g − Yᵀr) + Sᵀp), the negation exact and folded in

    def copy(self):
        """An independent copy: a carried history is never changed in place."""
        twin = Pairs(0, self.limit)
        twin.extend(self)
        twin.first, twin.S, twin.Y, twin.sy = self.first, self.S.copy(), self.Y.copy(), self.sy.copy()
        twin.inverse, twin.gamma = self.inverse.copy(), self.gamma.copy()
        return twin


def _cubic_min(t1, f1, d1, t2, f2, d2):
    """Minimizer of the cubic through (t1, f1, d1) and (t2, f2, d2), kept inside [t1, t2]."""
    lo, hi = min(t1, t2), max(t1, t2)
    e1 = d1 + d2 - 3 * (f1 - f2) / (t1 - t2)
    disc = e1 * e1 - d1 * d2
    if disc >= 0:
        e2 = np.sqrt(disc) * np.sign(t2 - t1)
        t = t2 - (t2 - t1) * (d2 + e2 - e1) / (d2 - d1 + 2 * e2)
        if np.isfinite(t):
            return min(max(t, lo), hi)
    return (lo + hi) / 2


class _Point(NamedTuple):
    """A point x + t·d the line search has evaluated: its loss, gradient and slope along d."""
    x: np.ndarray   # the point itself: the step taken is this array, not x + t·d computed again
    t: float
    f: float
    g: np.ndarray
    dg: float


def _probe(fun, x, d, t):
    """fun at x + t·d. A loss or gradient that is not finite counts as an infinite loss: the
    search backs off from the point and never takes it."""
    x = x + d if t == 1.0 else x + t * d   # 1·d is d: a full step skips the multiply
    f, g = fun(x)
    dg = float(g.dot(d))   # not finite when an entry of g is not (inf·0 is nan): one check for both
    if not (math.isfinite(f) and math.isfinite(dg)):
        return _Point(x, t, np.inf, g, np.nan)
    return _Point(x, t, f, g, dg)


def _strong_wolfe(fun, x, t, d, f0, g0, c1=1e-4, c2=0.9, max_evals=25, slope=None):
    """A step t along d with sufficient decrease and small slope (Nocedal & Wright, 3.5-3.6).
    `slope` is g0·d when the caller has it.

    Returns (the point, evaluations); its t is 0 when no point lowered the loss.
    """
    start = _Point(x, 0.0, f0, g0, float(g0.dot(d)) if slope is None else slope)
    lo, hi, evals = _bracket(fun, x, d, t, start, c1, c2, max_evals)
    if hi is not None:
        lo, more = _zoom(fun, x, d, lo, hi, start, c1, c2, max_evals - evals)
        evals += more
    return lo, evals


def _bracket(fun, x, d, t, start, c1, c2, max_evals):
    """Phase 1: double t until a point meets both conditions, returned as (point, None, evals),
    or until [lo, hi] must hold one, returned as (lo, hi, evals) with lo the lower loss."""
    prev = start
    for evals in range(1, max_evals + 1):
        p = _probe(fun, x, d, t)
        if p.f > start.f + c1 * t * start.dg or (evals > 1 and p.f >= prev.f):
            return prev, p, evals
        if abs(p.dg) <= -c2 * start.dg:
            return p, None, evals
        if p.dg >= 0:
            return p, prev, evals
        prev, t = p, t * 2.0
    return prev, None, max_evals   # out of evaluations: the last point that lowered the loss


def _zoom(fun, x, d, lo, hi, start, c1, c2, max_evals):
    """Phase 2: shrink [lo, hi] around a point that meets both conditions; returns (the point,
    or the lowest one found, evals)."""
    evals = 0
    while evals < max_evals:
        p = _probe(fun, x, d, _trial_step(lo, hi))
        evals += 1
        if p.f > start.f + c1 * p.t * start.dg or p.f >= lo.f:
            hi = p
        else:
            if abs(p.dg) <= -c2 * start.dg:
                return p, evals
            if p.dg * (hi.t - lo.t) >= 0:
                hi = lo
            lo = p
        if abs(hi.t - lo.t) * _largest(d) < 1e-12:
            break
    return lo, evals


def _trial_step(lo, hi):
    """The cubic's minimizer on [lo, hi], or the midpoint where that is unknown or hugs an end."""
    if not np.isfinite(hi.f):
        return (lo.t + hi.t) / 2
    t = _cubic_min(lo.t, lo.f, lo.dg, hi.t, hi.f, hi.dg)
    if min(abs(t - lo.t), abs(t - hi.t)) < 0.1 * abs(hi.t - lo.t):   # keep away from the ends
        return (lo.t + hi.t) / 2
    return t


def _largest(v):
    """max |v_i| of a non-empty v (nan when one is): an argmax and a lookup take half the time of
    a max, which goes through NumPy's reduction machinery."""
    a = np.abs(v)
    return a.item(a.argmax())


def _moved_little(s, moved, tolerance):
    """max|s| <= tolerance, where `moved` is a lower bound on max|s| from numbers at hand: s is
    looked at only when that bound does not already show the step long (twice the tolerance
    covers the bound's rounding, a relative n·2⁻⁵³ at most; a nan bound shows nothing)."""
    return not moved > 2 * tolerance and _largest(s) <= tolerance


def _check_settings(who, max_iter, history_size, **tolerances):
    for name, n in (("max_iter", max_iter), ("history_size", history_size)):
        if not (is_integer(n) and n > 0):
            raise ValueError(f"{who}: {name} must be a positive integer, got {n!r}")
    check_hyper(who, **tolerances)


def curvature_scale(history):
    """s·y / y·y of the newest pair: the inverse-Hessian scale along a step, so the length of
    a first step along −g that a fresh run of a similar problem could take; None without one."""
    if not history:
        return None
    s, y, _ = history[-1]
    return float((s @ y) / (y @ y))


def _first_trial(g, history, initial_step):
    """The line search's first step: the quasi-Newton step itself once there is curvature to
    scale it; before that `initial_step`, or a step of length at most 1 along −g."""
    if history:
        return 1.0
    return min(1.0, 1.0 / np.abs(g).sum()) if initial_step is None else initial_step


def _carried(history, size, history_size):
    """The newest `history_size` pairs of a previous run's history, as new Pairs; none when
    they were measured in another dimension (the problem changed shape, so they say nothing)."""
    history = history if history is not None else ()
    if any(np.shape(s) != (size,) or np.shape(y) != (size,) for s, y, _ in history):
        return Pairs(size, history_size)
    if isinstance(history, Pairs) and history.limit == history_size:
        return history.copy()
    pairs = Pairs(size, history_size)
    for s, y, rho in list(history)[max(0, len(history) - history_size):]:
        pairs.add(s, y, rho)
    return pairs


def minimize(fun, x0, *, max_iter=100, history_size=10, tolerance_grad=1e-7,
             tolerance_change=1e-9, lr=1.0, start=None, callback=None, history=None, initial_step=None):
    """Minimize fun(x) -> (loss, grad) from x0 with L-BFGS; never raises on a hard problem.

    It keeps the last `history_size` steps' curvature pairs, and stops after `max_iter`
    iterations, once the largest gradient entry is at most `tolerance_grad`, or once a step
    moves x or the loss by at most `tolerance_change`. `start`, when given, is fun(x0)
    already computed (it counts as an evaluation all the same); `callback(x)` is called with
    each new iterate. Points where fun's loss or gradient is not finite are never taken. fun
    may keep the x it is given but not change it: a point taken is that very array.

    `history`, a previous result's `.history`, continues that run instead of starting fresh:
    its first step is then a full quasi-Newton step, scaled by the carried curvature, so a
    run cut into pieces takes the same path as one run. The list passed in is not changed;
    a history whose vectors do not have x0's length is dropped and the run starts fresh.
    Without history the first step is lr·min(1, 1/‖g‖₁) along −g, unless `initial_step` says
    how far: a caller that knows the problem's scale (s·y / y·y from an earlier run, see
    `curvature_scale`) saves the line search from doubling its way there.
    """
    _check_settings("minimize", max_iter, history_size, tolerance_grad=tolerance_grad,
                    tolerance_change=tolerance_change, lr=lr)
    if initial_step is not None:
        check_hyper("minimize", initial_step=initial_step)
        if initial_step == 0:
            raise ValueError("minimize: initial_step must be > 0, got 0")
    x = np.array(x0, dtype=float)
    f, g = fun(x) if start is None else start
    evaluations, history = 1, _carried(history, x.size, history_size)
    if not np.isfinite(f) or not np.isfinite(g).all():
        return LBFGSResult(x, f, g, 0, evaluations, False, "the loss or gradient at the start is not finite",
                           history)
    steepest = np.max(np.abs(g), initial=0.0)   # initial: an empty x is already there
    for iteration in range(1, max_iter + 1):
        if steepest <= tolerance_grad:
            return LBFGSResult(x, f, g, iteration - 1, evaluations, True, "gradient below tolerance", history)
        d = history.descent(g)
        slope = float(g.dot(d))   # a Python float: the line search's arithmetic on it is cheaper
        if slope >= 0:   # not a descent direction: forget the curvature and go downhill
            history.clear()
            d = -g
            slope = float(g.dot(d))
        taken, evals = _strong_wolfe(fun, x, lr * _first_trial(g, history, initial_step), d, f, g, slope=slope)
        evaluations += evals
        t = taken.t
        if t == 0.0:
            return LBFGSResult(x, f, g, iteration, evaluations, False, "line search found no decrease", history)
        s, y = d if t == 1.0 else t * d, taken.g - g
        sy = s.dot(y)
        if sy > 1e-10:
            history.add(s, y, 1.0 / sy)
        x, f_old, f, g = taken.x, f, taken.f, taken.g   # x + s: the line search's array, not a second sum
        if callback is not None:
            callback(x)
        moved = abs(t * slope) / (x.size * steepest)   # at most max|s|, as |s·g| <= n·max|s|·max|g|
        steepest = _largest(g)   # the next iteration's first test, too
        if steepest <= tolerance_grad:
            return LBFGSResult(x, f, g, iteration, evaluations, True, "gradient below tolerance", history)
        if _moved_little(s, moved, tolerance_change) or abs(f - f_old) <= tolerance_change * max(1.0, abs(f)):
            return LBFGSResult(x, f, g, iteration, evaluations, True, "progress below tolerance", history)
    return LBFGSResult(x, f, g, max_iter, evaluations, False, "reached max_iter", history)


# What a closure raises at a point outside its domain: a Value domain error, a NaN or inf that
# Tensor backward refuses. At a trial point these mean "too far", not "stop".
_FAILED_EVALUATION = (FloatingPointError, ValueError, ZeroDivisionError, OverflowError)


class LBFGS(Slotted):
    """PyTorch-style L-BFGS: `step(closure)` runs up to max_iter iterations.

    The closure zeroes the gradients, computes the loss, calls backward() and returns it.
    As in PyTorch, the curvature pairs carry over from one step() to the next, so steps of
    5 iterations go the way one step of 10 would (reset() forgets them: a new problem).

    They are all its state: state_dict() keeps them on parameter 0, where PyTorch keeps its
    L-BFGS state, under PyTorch's names — "old_stps" (the steps s), "old_dirs" (the gradient
    changes y), "ro" (1 / s·y), oldest first, each vector over all parameters end to end.
    PyTorch's other entries (its direction, step length, previous gradient and loss) describe
    an iteration in progress; here each step() starts one afresh from the pairs.
    """

    settings = ("lr", "max_iter", "history_size", "tolerance_grad", "tolerance_change")
    state_keys = ("old_stps", "old_dirs", "ro")

    def __init__(self, params, lr=1.0, max_iter=20, history_size=10, tolerance_grad=1e-7,
                 tolerance_change=1e-9):
        super().__init__(params)
        self._configure(lr=lr, max_iter=max_iter, history_size=history_size, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change)
        self.history, self.result = [], None

    def _configure(self, lr, max_iter, history_size, tolerance_grad, tolerance_change):
        _check_settings("LBFGS", max_iter, history_size, lr=lr, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change)
        self.lr, self.max_iter, self.history_size = lr, max_iter, history_size
        self.tolerance_grad, self.tolerance_change = tolerance_grad, tolerance_change

    def reset(self):
        """Forget the curvature pairs: the next step() starts along the gradient."""
        self.history, self.result = [], None

    def _layout(self):
        return Flat([slot.shape for slot in self.slots])   # read each step: a Tensor may change size

    def _get(self, layout):
        return layout.join([slot.data() for slot in self.slots])

    def _set(self, layout, x):
        for slot, part in zip(self.slots, layout.split(x)):
            slot.set_data(part)

    def _grad(self, layout):
        return layout.join([slot.grad() for slot in self.slots])   # a Tensor without one: zeros

    def _parameter_states(self):
        if not self.history:
            return {}
        steps, changes, rhos = zip(*self.history)
        return {0: {"old_stps": [s.copy() for s in steps], "old_dirs": [y.copy() for y in changes],
                    "ro": [float(rho) for rho in rhos]}}

    def _checked_state(self, states, who):
        """The curvature pairs (s, y, 1/s·y) of a loaded state, each vector as long as the parameters."""
        if any(states[1:]):
            raise ValueError(f"{who}: L-BFGS keeps its state on parameter 0 only")
        state = states[0]
        if not state:
            return []
        if not isinstance(state, dict) or set(state) != set(self.state_keys):
            raise ValueError(f"{who}: the state of parameter 0 must hold {list(self.state_keys)}")
        if not all(isinstance(state[key], list) for key in self.state_keys) or len(
                {len(state[key]) for key in self.state_keys}) != 1:
            raise ValueError(f"{who}: {', '.join(self.state_keys)} must be lists of one length, an entry a pair")

        def entries(key, shape):
            return [checked_array(v, shape, float, f"{who}: state[0][{key!r}][{n}]") for n, v in enumerate(state[key])]

        size = self._layout().size
        rhos = [rho.item() for rho in entries("ro", ())]
        return list(zip(entries("old_stps", (size,)), entries("old_dirs", (size,)), rhos))

    def _set_state(self, history):
        self.history, self.result = history, None

    def step(self, closure):
        """Optimize; returns the loss at the start (as PyTorch does), keeps details in .result.

        The parameters end at the last point L-BFGS took, even when the closure raises.
        """

        layout = self._layout()

        def loss_and_grad(x):
            self._set(layout, x)
            loss = closure()
            return np.asarray(loss.data if hasattr(loss, "data") else loss).item(), self._grad(layout)

        def trial(x):
            try:
                return loss_and_grad(x)
            except _FAILED_EVALUATION:
                return np.inf, np.zeros_like(x)   # an infinite loss: the line search backs off

        taken = self._get(layout)
        first = loss_and_grad(taken)   # unguarded: a closure failing at the start is the caller's error

        def take(x):
            nonlocal taken
            taken = x

        try:
            self.result = minimize(trial, taken, max_iter=self.max_iter, history_size=self.history_size,
                                   tolerance_grad=self.tolerance_grad, tolerance_change=self.tolerance_change,
                                   lr=self.lr, start=first, callback=take, history=self.history)
            self.history = self.result.history
        finally:
            self._set(layout, taken)   # never leave the parameters at a trial point
        return first[0]
