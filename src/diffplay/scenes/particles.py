"""particles: launch velocities learned by differentiating through a whole flight (DiffTaichi).

Particles leave one launch point with velocities that Adam adjusts, step by step, so that
after `time_steps` steps of the world in particle_physics (gravity, drag, a floor and two
walls with smooth contact) they land on the target, or stand on a circle or along a letter.
The energy is the mean squared distance of the final positions to their places; each Adam
step differentiates the rollout end to end. A scan of the loss against the launch angle shows
where contact with a wall makes the landscape rough. Coordinates: metres, the floor y = 0,
walls at x = 0 and x = width.
"""

import math

import numpy as np

from .. import optim
from ..engine.tensor import Tensor, no_grad
from .base import Example, Scene, Setting, copies, frame_record
from .blobs import ARRAY, array
from .parts.particle_physics import World, positions, rollout, scan
from .schema import Boolean, Choice, ListOf, Maybe, Number, Record, SchemaError
from .parts.picture import save_png
from .parts.sketch import Sketch, side_by_side

TOLERANCE = 1e-3   # a particle this close to its place has landed
SCAN_ANGLES = np.radians(np.linspace(0.0, 180.0, 181))
MAX_PATHS, PATH_POINTS = 64, 50   # what a frame carries of the flights
BUSY_PATH_POINTS = 25   # a busy studio's (on_busy): half the text a frame; its flights are `free` (particle_physics)

# Letters of straight strokes in a unit box, (x, y) with y up.
LETTERS = {
    "A": [[(0, 0), (0.5, 1), (1, 0)], [(0.25, 0.5), (0.75, 0.5)]],
    "E": [[(1, 1), (0, 1), (0, 0), (1, 0)], [(0, 0.5), (0.7, 0.5)]],
    "H": [[(0, 0), (0, 1)], [(1, 0), (1, 1)], [(0, 0.5), (1, 0.5)]],
    "K": [[(0, 0), (0, 1)], [(1, 1), (0, 0.4)], [(0.3, 0.65), (1, 0)]],
    "L": [[(0, 1), (0, 0), (1, 0)]],
    "M": [[(0, 0), (0, 1), (0.5, 0.4), (1, 1), (1, 0)]],
    "N": [[(0, 0), (0, 1), (1, 0), (1, 1)]],
    "T": [[(0, 1), (1, 1)], [(0.5, 1), (0.5, 0)]],
    "V": [[(0, 1), (0.5, 0), (1, 1)]],
    "W": [[(0, 1), (0.25, 0), (0.5, 0.6), (0.75, 0), (1, 1)]],
    "X": [[(0, 0), (1, 1)], [(0, 1), (1, 0)]],
    "Z": [[(0, 1), (1, 1), (0, 0), (1, 0)]],
}


def circle_points(count, centre, radius):
    angle = 2 * np.pi * np.arange(count) / count
    return np.asarray(centre) + radius * np.stack([np.cos(angle), np.sin(angle)], 1)


def letter_points(letter, count, centre, half_height):
    """`count` points spread evenly by length along the letter's strokes."""
    pieces = [(np.array(a, float), np.array(b, float)) for stroke in LETTERS[letter] for a, b in zip(stroke, stroke[1:])]
    lengths = np.array([np.hypot(*(b - a)) for a, b in pieces])
    ends = np.cumsum(lengths)
    spots = (np.arange(count) + 0.5) / count * ends[-1]
    which = np.searchsorted(ends, spots)
    share = (spots - (ends - lengths)[which]) / lengths[which]
    unit = np.array([a + (b - a) * t for (a, b), t in zip([pieces[i] for i in which], share)])
    return np.asarray(centre) + (unit - 0.5) * 2 * half_height


POINT = ListOf(Number(), 2, 2)
SCAN = Record({"speed": Number(0), "angles": ListOf(Number(), 181), "losses": ListOf(Number(), 181),
               "slopes": ListOf(Number(), 181), "contact": ListOf(Boolean(), 181)})


class Particles(Scene):
    name = "particles"
    title = "a differentiable particle system: launch velocities learned through the whole flight"
    settings = (
        Setting("shape", Choice("target", "circle", "letter"), "circle", "where the particles should land"),
        Setting("particles", Number(1, 1024, integer=True), 16, "how many particles"),
        Setting("target", POINT, [2.5, 1.5], "x,y of the target, or of the shape's centre"),
        Setting("radius", Number(0.01, 10), 0.5, "the circle's radius, the letter's half-height"),
        Setting("letter", Choice(*LETTERS), "A", "the letter (shape letter)"),
        Setting("launch", POINT, [0.5, 0.5], "where every particle starts"),
        Setting("velocity", POINT, [1.5, 5.0], "the launch velocity every particle starts learning from"),
        Setting("time_steps", Number(1, 4096, integer=True), 100, "time steps per flight"),
        Setting("dt", Number(1e-4, 0.05), 0.01, "seconds per time step"),
        Setting("gravity", Number(0, 100), 9.81, "m/s², downward"),
        Setting("drag", Number(0, 10), 0.1, "share of velocity lost per second"),
        Setting("width", Number(0.5, 100), 4.0, "the room's width: walls at x = 0 and x = width"),
        Setting("lr", Number(1e-4, 10), 0.1, "Adam's learning rate, m/s per step (before the decay)", live=True, log=True),
        Setting("schedule", Number(1, 100_000, integer=True), 300, "steps of cosine decay after each click"),
    )
    events = {
        "click": Record({"x": Number(-100, 100), "y": Number(-100, 100)}),
        "places": Record({"points": ListOf(ListOf(Number(-100, 100), 2, 2), 1024, 1)}),
        "scan": Record({}),
    }
    frame_schema = frame_record({
        "width": Number(0), "launch": POINT, "targets": ListOf(POINT, 1024), "particles": ListOf(POINT, 1024),
        "paths": ARRAY, "loss": Maybe(Number(0)),   # paths: (flights, points, 2) float32 (as lists, 0.25 ms a frame to write)
        "max_error": Number(0), "reached": Boolean(), "reachable": Boolean(), "lr": Number(0), "scan": Maybe(SCAN),
    })
    formats = ("png",)
    example = Example()
    max_steps = 300
    budget_s = 0.015   # a few Adam steps through the flight (benchmarks/scenes_ii.py)
    lighter = (f"flights clear of the walls in one pass (their push, under 1e-10, left out), "
               f"drawn with {BUSY_PATH_POINTS} points, not {PATH_POINTS}")

    def build(self):
        v = self.values
        self.world = World(width=v["width"], gravity=v["gravity"], drag=v["drag"], dt=v["dt"], steps=v["time_steps"])
        self.start = np.array(v["launch"], float)
        self.velocity = Tensor(np.tile(v["velocity"], (v["particles"], 1)), requires_grad=True)
        self.last_scan = None
        self.seen = None   # the flights (frames, P, 2) last computed: what a frame shows
        self.every = self.path_every()
        self.aim(v["target"])

    def path_every(self):
        """The time steps between two points of a flight a frame shows."""
        return max(1, math.ceil(self.world.steps / (BUSY_PATH_POINTS if self.busy else PATH_POINTS)))

    def on_busy(self, on):
        super().on_busy(on)
        self.every, self.seen = self.path_every(), None

    def aim(self, centre):
        """The shape's places around `centre`."""
        v, n = self.values, self.values["particles"]
        if v["shape"] == "target":
            self.place(np.tile(np.array(centre, float), (n, 1)))
        elif v["shape"] == "circle":
            self.place(circle_points(n, centre, v["radius"]))
        else:
            self.place(letter_points(v["letter"], n, centre, v["radius"]))

    def place(self, targets):
        """One place per particle; Adam and its schedule start again from the current velocities."""
        self.targets = targets
        self.opt = optim.Adam([self.velocity], lr=self.values["lr"])
        self.decay = optim.CosineDecay(self.opt, self.values["schedule"])
        self.loss, self.since_aim = None, 0

    def advance(self):
        self.opt.lr = self.values["lr"] * self.decay.factor(self.since_aim)
        final, self.seen = rollout(self.world, self.start, self.velocity, self.every, free=self.busy)   # a frame shows
        miss = final - self.targets   # this flight, the one the loss is of
        loss = (miss * miss).sum(1).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.loss, self.since_aim = loss.item(), self.since_aim + 1

    def converged(self):
        return self.since_aim >= self.values["schedule"] or (self.loss is not None and self.loss < 1e-14)

    # ---- events ----

    def on_click(self, x, y):
        self.aim([x, y])

    def on_places(self, points):
        if len(points) != self.values["particles"]:
            raise SchemaError(f"event.points: expected one point per particle ({self.values['particles']}), got {len(points)}")
        self.place(np.array(points, float))

    def on_scan(self):
        self.last_scan = self.scan()

    def scan(self):
        """Loss against launch angle (0-180°) at particle 0's launch speed, toward its place."""
        speed = float(np.hypot(*self.velocity.data[0]))
        losses, slopes, contact = scan(self.world, self.start, speed, self.targets[0], SCAN_ANGLES)
        return {"speed": speed, "angles": np.degrees(SCAN_ANGLES).tolist(), "losses": losses.tolist(),
                "slopes": np.radians(slopes).tolist(), "contact": contact.tolist()}   # slopes per degree

    # ---- what comes out ----

    def flights(self):
        """Every particle's path, (frames, P, 2), about PATH_POINTS frames; the last is where it lands."""
        return positions(self.world, self.start, self.velocity.data, self.every)

    def finals(self):
        return self.flights()[-1]

    def numbers(self, finals):
        errors = np.hypot(*(finals - self.targets).T)
        inside = (self.targets[:, 1] >= 0) & (self.targets[:, 0] >= 0) & (self.targets[:, 0] <= self.world.width)
        return {"loss": self.loss, "max_error": float(errors.max()), "reached": bool(errors.max() <= TOLERANCE),
                "reachable": bool(inside.all())}

    def view(self):
        if self.seen is None:
            self.seen = self.flights()
        flights = self.seen
        return {
            "width": self.world.width, "launch": self.start.tolist(), "targets": self.targets.tolist(),
            "particles": flights[-1].tolist(), "paths": array(flights[:, :MAX_PATHS].transpose(1, 0, 2)),
            **self.numbers(flights[-1]), "lr": self.opt.lr, "scan": self.last_scan,
        }

    def parameters(self):
        return copies({"velocity": self.velocity})

    def report(self):
        numbers = self.numbers(self.finals())
        return {"particles": self.values["particles"], "shape": self.values["shape"],
                **{k: round(x, 8) if isinstance(x, float) else x for k, x in numbers.items()}}

    def render_png(self, path, width=480):
        room = self.draw_room(width)
        save_png(path, side_by_side(room, self.draw_scan(width * 2 // 3, len(room))))

    def draw_room(self, width):
        w, flights = self.world.width, self.flights()
        top = max(3.0, float(np.max(flights[..., 1])) + 0.2, float(self.targets[:, 1].max()) + 0.3)
        sketch = Sketch((-0.1, -0.1, w + 0.1, top), width)
        sketch.lines([[0, 0], [0, 0], [w, 0]], [[w, 0], [0, top], [w, top]], colour=(90, 90, 90), width=2)
        for track in flights[:, :MAX_PATHS].transpose(1, 0, 2):
            sketch.polyline(track, colour=(160, 190, 225), width=1)
        for p in self.targets:
            sketch.circle(p, 4, outline=(214, 39, 40), width=1.5, pixels=True)
        for p in flights[-1]:
            sketch.circle(p, 2.5, fill=(31, 119, 180), pixels=True)
        sketch.circle(self.start, 4, fill=(60, 60, 60), pixels=True)
        return sketch.picture()

    def draw_scan(self, width, height):
        """log₁₀ loss against launch angle; orange where the flight touched a wall."""
        s = self.scan()
        logs = np.log10(np.array(s["losses"]) + 1e-12)
        lo, hi = logs.min(), logs.max() + 1e-9
        points = np.stack([np.array(s["angles"]) / 180, 0.1 + 0.8 * (logs - lo) / (hi - lo)], 1)
        sketch = Sketch((-0.05, 0, 1.05, 1.1 * height / width), width)
        for (a, b), touched in zip(zip(points[:-1], points[1:]), s["contact"][1:]):
            sketch.polyline([a, b], colour=(255, 127, 14) if touched else (31, 119, 180), width=1.5)
        sketch.lines([[0, 0.05]], [[1, 0.05]], colour=(120, 120, 120), width=1)
        for angle in (0, 90, 180):
            sketch.label([angle / 180, 0.05], f"{angle}°")
        sketch.text((6, 4), f"log10 loss vs launch angle 0-180 deg at {s['speed']:.2f} m/s")
        sketch.text((6, 18), "orange: the flight touches a wall")
        return sketch.picture()
