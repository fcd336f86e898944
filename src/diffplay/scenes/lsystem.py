"""lsystem: a tree drawn by an L-system bends and stretches until a tip touches the click.

The word an L-system rewrites to is read by a turtle into segments, each with a turn from its
parent and a length. Every segment's turn and length ratio (kept in [min_ratio, max_ratio] by
a sine) is a parameter; the energy is a soft minimum, over the tips, of log(distance² to
the target + NEAR²), so the nearest tip takes nearly all the pull and the pull does not fade
as it closes in, until it is within NEAR, where the energy turns quadratic. L-BFGS minimizes it, one iteration a step: the steps are one run, cut into
frames (each carries the last one's loss, gradient and curvature pairs), so a frame costs
an iteration, not a solve. The tree stands on
(0, 0) and is scaled so that, as written, it is 1 unit tall.
"""

import math

import numpy as np

from ..engine.lbfgs import minimize
from .base import Example, Scene, Setting, copies, frame_record
from .blobs import ARRAY, array
from .parts.kinematics import KinematicTree
from .parts.lsystem_grammar import parse_rules, rewrite, turtle
from .schema import Boolean, Choice, ListOf, Maybe, Number, Record, Text
from .parts.sketch import Sketch

# name: (axiom, rules, angle in degrees) — the first two are The Algorithmic Beauty of Plants' figures 1.24a and 1.24f
PRESETS = {
    "bush": ("F", "F=F[+F]F[-F]F", 25.7),
    "plant": ("X", "X=F-[[X]+X]+F[+FX]-X; F=FF", 22.5),
    "binary": ("FX", "X=[+FX][-FX]", 30.0),
}
ITERATIONS_PER_STEP = 1   # L-BFGS iterations per step, going on from the last with its curvature history
# Within NEAR of the target the energy turns quadratic, instead of falling into log's cusp at
# 0: there L-BFGS's line search zoomed ~15 times an iteration (the curvature grows as 1/d²);
# with NEAR at 1 % of the tree's height an iteration takes ~2-5 evaluations instead of ~7-10,
# and the tip still ends within 1e-5 of a reachable target (measured on the bush).
NEAR = 1e-2

POINT = Record({"x": Number(), "y": Number()})


class LSystem(Scene):
    name = "lsystem"
    title = "L-system trees whose branches bend until the nearest tip reaches the click"
    settings = (
        Setting("preset", Choice(*PRESETS, "custom"), "bush", "the L-system: " + ", ".join(PRESETS) + ", or custom"),
        Setting("iterations", Number(0, 12, integer=True), 4, "how many times the rules rewrite the axiom"),
        Setting("axiom", Text(200), "F", "the starting word (preset custom)"),
        Setting("rules", Text(2000), "F=F[+F]F[-F]F", "rules like X=F[+X]F; Y=... (preset custom)"),
        Setting("angle", Number(-180, 180), 25.7, "the turn of + and -, in degrees (preset custom)"),
        Setting("min_ratio", Number(0.05, 0.99), 0.5, "a segment may shrink to this share of its length"),
        Setting("max_ratio", Number(1.01, 5), 1.5, "and grow to this multiple"),
        Setting("softness", Number(0.01, 5), 0.25, "soft-min temperature over log distances", live=True, log=True),
        Setting("stiffness", Number(0, 10), 0.02, "how much each branch resists bending away from its "
                "rest pose (0: none; an out-of-reach click then crumples the tree)", live=True, log=True),
        Setting("target", ListOf(Number(-100, 100), max_length=2, lengths=(0, 2)), [0.6, 0.9],
                "x,y of the first target (empty: none)"),
    )
    events = {"click": Record({"x": Number(-100, 100), "y": Number(-100, 100)}), "clear": Record({})}
    frame_schema = frame_record({
        "segments": ARRAY,   # (n, 4) float32: x0, y0, x1, y1 a row (a list of lists took 0.7 ms a frame to encode)
        "target": Maybe(POINT), "nearest": Maybe(POINT), "distance": Maybe(Number(0)),
        "reachable": Maybe(Boolean()), "reach": Number(0), "loss": Maybe(Number()),
        "iterations": Number(0, integer=True),
    })
    formats = ("png",)
    example = Example(("preset=plant", "iterations=5", "target=0.55,0.9"))
    max_steps = 1000   # L-BFGS iterations
    budget_s = 0.015   # about a bush's step (benchmarks/scenes_ii.py): leaves room for the frame at 30 frames/s

    def build(self):
        v = self.values
        axiom, rules, angle = PRESETS.get(v["preset"], (v["axiom"], v["rules"], v["angle"]))
        self.tree = turtle(rewrite(axiom, parse_rules(rules), v["iterations"]), angle)
        self.kinematics = KinematicTree(self.tree.parent)
        self.tips = self.tree.tips()
        self.base = np.ones(len(self.tree))
        ends, _ = self.geometry(self.tree.turn, self.base)
        self.base /= max(ends[:, 1].max(), np.abs(ends).max() / 4)   # 1 unit tall (unless it grows down)
        lo, hi = v["min_ratio"], v["max_ratio"]
        self.x = np.concatenate([self.tree.turn, np.full(len(self.tree), math.asin((2 - lo - hi) / (hi - lo)))])
        near, far = self.kinematics.reach(lo * self.base, hi * self.base)
        self.near, self.far = near[self.tips], far[self.tips]
        self.iterations, self.last = 0, None
        self.aim(v["target"] or None)

    def aim(self, target):
        self.target = None if target is None else np.array(target, float)
        self.last = None

    # ---- the energy ----

    def lengths(self, phases):
        """Lengths from phases: a sine keeps the ratio in [lo, hi] and, unlike a sigmoid, reaches
        the ends at a finite phase, so a tip stretching for an unreachable click gets there."""
        lo, hi = self.values["min_ratio"], self.values["max_ratio"]
        return (np.sin(phases) * ((hi - lo) / 2) + (hi + lo) / 2) * self.base

    def geometry(self, turns, lengths):
        """Segment starts and ends for turns and lengths."""
        ends, links, _ = self.kinematics.ends(turns, lengths)
        return ends, ends - links

    def energy(self, x):
        """Soft-min over tips of log(distance² + NEAR²), plus the stiffness's bending, and its
        gradient, for parameters x: plain arrays, no graph (L-BFGS calls it a few times a step)."""
        n, lo, hi = len(self.tree), self.values["min_ratio"], self.values["max_ratio"]
        turns, phases = x[:n], x[n:]
        ends, _, vjp = self.kinematics.ends(turns, self.lengths(phases))
        gap = ends[self.tips] - self.target
        squared = (gap * gap).sum(1) + NEAR * NEAR
        t = self.values["softness"]
        z = -np.log(squared) / t   # soft-min = −t·log Σ exp(−log(d²)/t); its slope per log is softmax(z)
        top = z.max()
        weights = np.exp(z - top)
        total = weights.sum()
        bend = turns - self.tree.turn
        loss = -t * (top + math.log(total)) + (bend @ bend) * self.values["stiffness"]
        d_ends = np.zeros((n, 2))
        d_ends[self.tips] = gap * (2 * weights / (total * squared))[:, None]
        d_turns, d_lengths = vjp(d_ends)
        d_phases = d_lengths * self.base * np.cos(phases) * ((hi - lo) / 2)
        return float(loss), np.concatenate([d_turns + 2 * self.values["stiffness"] * bend, d_phases])

    def advance(self):
        if self.target is None:
            return
        last = self.last
        # one run cut into steps: the last step's loss, gradient and curvature pairs carry on
        self.last = minimize(self.energy, self.x, max_iter=ITERATIONS_PER_STEP,
                             start=None if last is None else (last.loss, last.grad),
                             history=None if last is None else last.history)
        before = None if last is None else last.loss
        self.x = self.last.x
        self.iterations += self.last.iterations
        self.settled = self.last.converged or before is not None and before - self.last.loss < 1e-9

    def converged(self):
        """No target, or a step that no longer lowers the energy."""
        return self.target is None or (self.last is not None and self.settled)

    # ---- clicks ----

    def on_click(self, x, y):
        self.aim([x, y])

    def on_set(self, key, value):
        super().on_set(key, value)
        self.last = None   # a new softness is a new energy: the run starts again from here

    def on_clear(self):
        self.aim(None)

    # ---- what comes out ----

    def state(self):
        """Ends, starts, and the nearest tip with its distance (None without a target)."""
        n = len(self.tree)
        ends, starts = self.geometry(self.x[:n], self.lengths(self.x[n:]))
        if self.target is None:
            return ends, starts, None, None
        distances = np.hypot(*(ends[self.tips] - self.target).T)
        nearest = int(distances.argmin())
        return ends, starts, ends[self.tips[nearest]], float(distances[nearest])

    def reachable(self):
        """Whether some tip can reach the target at all (None without a target)."""
        if self.target is None:
            return None
        r = float(np.hypot(*self.target))
        return bool(((self.near <= r) & (r <= self.far)).any())

    def view(self):
        ends, starts, nearest, distance = self.state()
        point = (lambda p: None if p is None else {"x": float(p[0]), "y": float(p[1])})
        return {
            "segments": array(np.concatenate([starts, ends], 1)),
            "target": point(self.target), "nearest": point(nearest), "distance": distance,
            "reachable": self.reachable(), "reach": float(self.far.max()),
            "loss": None if self.last is None else float(self.last.loss), "iterations": self.iterations,
        }

    def parameters(self):
        """Each segment's turn (radians) and length, as the tree stands."""
        n = len(self.tree)
        return copies({"turns": self.x[:n], "lengths": self.lengths(self.x[n:])})

    def report(self):
        _, _, nearest, distance = self.state()
        return {
            "segments": len(self.tree), "tips": len(self.tips), "iterations": self.iterations,
            "target": None if self.target is None else self.target.tolist(),
            "nearest_tip": None if nearest is None else np.round(nearest, 5).tolist(),
            "distance": None if distance is None else round(distance, 6), "reachable": self.reachable(),
        }

    def render_png(self, path, width=480):
        ends, starts, nearest, _ = self.state()
        rest_ends, rest_starts = self.geometry(self.tree.turn, self.base)
        points = np.concatenate([ends, starts, rest_ends] + ([self.target[None]] if self.target is not None else []))
        lo, hi = points.min(0), points.max(0)
        pad = 0.08 * max(hi - lo) + 0.05
        sketch = Sketch((lo[0] - pad, lo[1] - pad, hi[0] + pad, hi[1] + pad), width)
        sketch.lines(rest_starts, rest_ends, colour=(215, 215, 215), width=1)
        sketch.lines(starts, ends, colour=(70, 50, 30), width=1.2)
        if self.target is not None:
            sketch.circle(self.target, 5, outline=(214, 39, 40), width=2, pixels=True)
            sketch.circle(nearest, 2.5, fill=(44, 160, 44), pixels=True)
        sketch.save(path)
