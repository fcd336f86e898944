"""ik: a planar arm reaches for a dragged target (inverse kinematics by autodiff and L-BFGS).

The arm stands on (0, 0) pointing up, joints 2–20, links of equal length adding up to 1
unless given. Joint i turns θᵢ = limit · sin(uᵢ) from the link before it: the sine keeps each
joint within its limits and reaches them at a finite u, so a stretched arm gets there. The
energy is the squared distance from the hand to the target plus, when there is an obstacle,
a squared penalty for every link closer than `margin` to its circle. One step is one L-BFGS
solve, warm-started from the last pose; a solve that stalls short of a target within reach
tries again from a few fixed poses (a reflex, not a search). In a busy studio a frame takes a
piece of the solve instead (follow), and the arm follows over a few frames.
"""

import math
import time

import numpy as np

from ..engine.lbfgs import minimize
from .base import Example, Scene, Setting, copies, frame_record
from .parts.kinematics import KinematicTree
from .schema import Boolean, ListOf, Maybe, Number, Record, SchemaError
from .parts.sketch import Sketch

TOLERANCE = 1e-3       # a hand this close to the target has reached it
OBSTACLE_WEIGHT = 100.0
RETRIES = 6            # other starting poses to try when a solve stalls short of a reachable target
MAX_ITERATIONS = 200   # of L-BFGS, a solve from one starting pose
BUSY_ITERATIONS = 8    # L-BFGS iterations a frame in a busy studio (on_busy): ~0.4 ms where a drag's solve took ~1.4

POINT = Record({"x": Number(), "y": Number()})
CIRCLE = Record({"x": Number(), "y": Number(), "r": Number(0)})


class IK(Scene):
    name = "ik"
    title = "inverse kinematics: an arm with joint limits reaches for the target"
    settings = (
        Setting("joints", Number(2, 20, integer=True), 6, "how many joints (and links)"),
        Setting("lengths", ListOf(Number(0.001, 100), max_length=20), [],
                "link lengths, base first (empty: equal links adding up to 1)"),
        Setting("limit", Number(1, 180), 150.0, "each joint turns at most this many degrees either way"),
        Setting("target", ListOf(Number(-100, 100), max_length=2, min_length=2), [0.5, 0.5], "x,y of the target"),
        Setting("obstacle", ListOf(Number(-100, 100), max_length=3), [], "x,y,r of a circle to avoid (empty: none)"),
        Setting("margin", Number(0, 1), 0.02, "clearance the links keep from the obstacle", live=True),
    )
    events = {
        "drag": Record({"x": Number(-100, 100), "y": Number(-100, 100)}),
        "obstacle": Record({"x": Number(-100, 100), "y": Number(-100, 100), "r": Number(0.001, 100)}),
        "clear_obstacle": Record({}),
    }
    frame_schema = frame_record({
        "joints": ListOf(POINT, max_length=21), "angles": ListOf(Number(), max_length=20),
        "target": POINT, "obstacle": Maybe(CIRCLE), "distance": Number(0), "reached": Boolean(),
        "reachable": Boolean(), "reach": Number(0), "clearance": Maybe(Number()),
        "solve_ms": Maybe(Number(0)), "evaluations": Number(0, integer=True),
    })
    formats = ("png",)
    example = Example(("joints=10", "target=-0.3,0.55", "obstacle=-0.12,0.32,0.12"))
    max_steps = 50
    steps_per_frame = 1   # a solve is a frame's work (nothing to do if nothing moved)
    lighter = f"solving at most {BUSY_ITERATIONS} iterations a frame: the arm follows over a few frames"

    def build(self):
        v = self.values
        n = v["joints"]
        lengths = v["lengths"] or [1.0 / n] * n
        if len(lengths) != n:
            raise SchemaError(f"settings.lengths: expected {n} lengths (one per joint), got {len(lengths)}")
        self.link_lengths = np.array(lengths, float)
        self.chain = KinematicTree(np.arange(n) - 1)
        self.near, self.far = (r[-1] for r in self.chain.reach(self.link_lengths, self.link_lengths))
        self.limit = math.radians(v["limit"])
        home = math.asin(min(1.0, 0.3 / self.limit))   # a gentle curve: a straight arm is singular
        rng = np.random.default_rng(self.seed)
        self.starts = [np.full(n, home), np.full(n, -home)] + [rng.uniform(-1.5, 1.5, n) for _ in range(RETRIES - 2)]
        self.u = self.starts[0].copy()
        self.evaluations, self.solve_ms, self.trial = 0, None, None   # trial: a busy solve under way (follow)
        self.on_drag(*v["target"])
        self.place(v["obstacle"])

    def place(self, circle):
        if circle and len(circle) != 3:
            raise SchemaError(f"settings.obstacle: expected x,y,r (3 numbers) or nothing, got {len(circle)}")
        self.obstacle = np.array(circle, float) if circle else None
        self.settled, self.trial = False, None

    # ---- the energy ----

    def pose(self, u):
        """Joint angles, hand-first link ends and link vectors, and the vjp of ends and links
        to (d_angles, d_lengths), for phases u: plain arrays, no graph (a solve evaluates it
        a few hundred times)."""
        angles = np.sin(u) * self.limit
        return (angles, *self.chain.ends(angles, self.link_lengths))

    def penalty(self, ends, links):
        """Σ over links of (how far each comes inside the obstacle's circle grown by margin)²,
        and its gradients with respect to ends and links."""
        centre, radius = self.obstacle[:2], self.obstacle[2] + self.values["margin"]
        squared = self.link_lengths ** 2
        starts = ends - links
        along = ((centre - starts) * links).sum(1) / squared   # the nearest point's share of the link
        free = (along > 0) & (along < 1)   # where clipping to the link passes the slope on
        along = along.clip(0.0, 1.0)
        gap = starts + links * along[:, None] - centre
        distance = np.sqrt((gap * gap).sum(1) + 1e-18)   # + tiny: sqrt's slope at 0 is infinite
        inside = np.maximum(radius - distance, 0.0)
        d_gap = gap * (-2 * inside / distance)[:, None]
        d_along = (d_gap * links).sum(1) * free / squared
        d_starts = d_gap - links * d_along[:, None]
        d_links = d_gap * along[:, None] + (centre - starts) * d_along[:, None]
        return float(inside @ inside), d_starts, d_links - d_starts   # starts = ends - links

    def energy(self, u):
        """The hand's squared miss plus the weighted obstacle penalty, and its gradient in u."""
        _, ends, links, vjp = self.pose(u)
        miss = ends[-1] - self.target
        loss, d_ends, d_links = float(miss @ miss), np.zeros_like(ends), 0.0
        if self.obstacle is not None:
            penalty, d_ends, d_links = self.penalty(ends, links)
            loss, d_ends, d_links = loss + penalty * OBSTACLE_WEIGHT, d_ends * OBSTACLE_WEIGHT, d_links * OBSTACLE_WEIGHT
        d_ends[-1] += 2 * miss
        d_angles, _ = vjp(d_ends, d_links)
        return loss, d_angles * self.limit * np.cos(u)

    def solve(self, start):
        result = minimize(self.energy, start, max_iter=MAX_ITERATIONS)
        self.evaluations += result.evaluations
        return result.x

    def advance(self):
        """One solve from the last pose; if it stalls short of a reachable target, a few restarts.
        In a busy studio, a piece of it (follow)."""
        if self.settled:
            return
        if self.busy:
            return self.follow()
        began = time.perf_counter()
        best = self.solve(self.u)
        if self.reachable():
            for start in self.starts:
                if self.miss(best) <= TOLERANCE:
                    break
                tried = self.solve(start)
                if self.energy(tried)[0] < self.energy(best)[0]:
                    best = tried
        self.u = best
        self.solve_ms = 1000 * (time.perf_counter() - began)
        self.settled, self.trial = True, None   # until the target or the obstacle moves; a busy piece's is done with

    def follow(self):
        """A busy studio's piece of the solve: BUSY_ITERATIONS L-BFGS iterations, going on next
        frame with their curvature pairs, the arm moving as it goes; then, if the run stalled short
        of a reachable target, the restarts one by one, the arm taking one only if it does better.
        False until the solve ends."""
        began = time.perf_counter()
        attempt, u, last, done = self.trial or (-1, self.u, None, 0)
        budget = min(BUSY_ITERATIONS, MAX_ITERATIONS - done)
        result = minimize(self.energy, u, max_iter=budget,
                          start=None if last is None else (last.loss, last.grad),
                          history=None if last is None else last.history)
        self.evaluations += result.evaluations
        self.solve_ms = (self.solve_ms if self.trial else 0.0) + 1000 * (time.perf_counter() - began)
        if attempt < 0:
            self.u = result.x
        done += result.iterations
        if result.iterations == budget and not result.converged and done < MAX_ITERATIONS:   # on from here next frame
            self.trial = (attempt, result.x, result, done)
            return False
        if attempt >= 0 and result.loss < self.energy(self.u)[0]:
            self.u = result.x
        if self.miss() > TOLERANCE and self.reachable() and attempt + 1 < len(self.starts):
            self.trial = (attempt + 1, self.starts[attempt + 1], None, 0)
            return False
        self.trial, self.settled = None, True

    def reachable(self):
        return bool(self.near <= np.hypot(*self.target) <= self.far)

    def converged(self):
        return self.settled


    # ---- events ----

    def on_drag(self, x, y):
        self.target = np.array([x, y], float)
        self.settled = False
        if self.trial is not None and self.trial[0] >= 0:   # a busy restart goes on from where it is, to the new target:
            self.trial = (self.trial[0], self.trial[1], None, 0)   # a drag each frame would keep one from ever ending
        else:   # a busy solve starts again from the pose the arm reached
            self.trial = None

    def on_obstacle(self, x, y, r):
        self.place([x, y, r])

    def on_clear_obstacle(self):
        self.place([])

    # ---- what comes out ----

    def joints(self, u=None):
        """The base and every link's end, (n + 1, 2)."""
        _, ends, _, _ = self.pose(self.u if u is None else u)
        return np.concatenate([[[0.0, 0.0]], ends])

    def miss(self, u=None):
        return float(np.hypot(*(self.joints(u)[-1] - self.target)))

    def clearance(self):
        """How far the nearest link stays outside the obstacle (negative: inside), None without one."""
        if self.obstacle is None:
            return None
        a, b = self.joints()[:-1], self.joints()[1:]
        c = self.obstacle[:2]
        t = np.clip(((c - a) * (b - a)).sum(1) / ((b - a) ** 2).sum(1), 0, 1)
        return float(np.hypot(*(a + (b - a) * t[:, None] - c).T).min() - self.obstacle[2])

    def numbers(self):
        distance = self.miss()
        return {
            "distance": distance, "reached": distance <= TOLERANCE,
            "reachable": self.reachable(), "reach": float(self.far),
            "clearance": self.clearance(),
        }

    def view(self):
        point = lambda p: {"x": float(p[0]), "y": float(p[1])}
        obstacle = None if self.obstacle is None else dict(zip("xyr", map(float, self.obstacle)))
        return {
            "joints": [point(p) for p in self.joints()],
            "angles": np.degrees(self.limit * np.sin(self.u)).tolist(),
            "target": point(self.target), "obstacle": obstacle, **self.numbers(),
            "solve_ms": self.solve_ms, "evaluations": self.evaluations,
        }

    def parameters(self):
        """The joint angles in degrees (what the solver moves is u, with angle = limit · sin u)."""
        return copies({"angles": np.degrees(self.limit * np.sin(self.u))})

    def report(self):
        numbers = {k: round(v, 6) if isinstance(v, float) else v for k, v in self.numbers().items()}
        return {"joints": self.values["joints"], "target": self.target.tolist(), **numbers,
                "angles": np.round(np.degrees(self.limit * np.sin(self.u)), 3).tolist(),
                "evaluations": self.evaluations}

    def render_png(self, path, width=420):
        joints = self.joints()
        reach = max(self.far, np.abs(self.target).max()) * 1.1
        sketch = Sketch((-reach, -reach, reach, reach), width)
        sketch.circle((0, 0), self.far, outline=(225, 225, 225), width=1)
        if self.obstacle is not None:
            sketch.circle(self.obstacle[:2], self.obstacle[2], fill=(200, 200, 215))
        sketch.polyline(joints, colour=(31, 119, 180), width=4)
        for p in joints:
            sketch.circle(p, 3.5, fill=(255, 255, 255), outline=(31, 119, 180), width=1.5, pixels=True)
        sketch.circle(self.target, 6, outline=(214, 39, 40), width=2, pixels=True)
        sketch.save(path)
