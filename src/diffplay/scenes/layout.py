"""The layout editor as a scene: open a TOML spec, drag a shape, watch the diagram re-solve.

It adapts `diffplay.layout.Diagram` to the Scene protocol, so the studio runs it like any
scene: a step is one warm-started solver call of a few iterations (the diagram moves a little
each frame instead of freezing while it solves), and a drag moves a shape, or one of its
points (a segment's end, a polygon's corner), with the pointer while the others keep their
places softly (`Diagram.drag`): onto the pointer ("follow"), or as near as the constraints
allow ("valid", the `drag` setting). Once a solve has ended (converged,
or given up: any status but max_iterations) or MAX_WORK iterations went by without one, the
editor rests until the next event.
"""

import copy
from pathlib import Path

from ..checks import did_you_mean
from ..errors import UsageError
from ..files import read_text
from ..layout import examples as shipped
from ..layout.drag import MODES, points
from ..layout.geometry import box, center
from ..layout.problem import one_number
from ..layout.spec import loads
from ..layout.svg import view_box
from .base import Example, Scene, Setting, copies, frame_record
from .schema import Boolean, Choice, ListOf, Maybe, Number, Record, Text

MAX_SPEC = 200_000     # characters of TOML
MAX_WORK = 3000        # solver iterations after a change before an unconverged diagram is left as it is
BUSY_ITERATIONS = 1    # solver iterations a call in a busy studio (on_busy): ~1 ms, a frame's budget, where 5 took ~2.5
MAX_VIOLATIONS = 50    # listed in a frame, worst first
FIRST = "euler"        # the example the editor opens with (they ship in the package: layout/examples)

POINT = ListOf(Number(), 2, 2)
SHAPE = Record({"name": Text(200), "kind": Text(16), "box": ListOf(Number(), 4, 4), "center": POINT,
                "points": ListOf(POINT, max_length=1000)})   # what a drag can take it by besides its center
VIOLATION = Record({"constraint": Text(10_000), "residual": Number(), "where": Text(300)})


class Layout(Scene):
    name = "layout"
    title = "diagrams from constraints: drag a shape and watch the layout re-solve"
    settings = (
        Setting("example", Choice(*shipped.names()), FIRST, "a diagram that ships with diffplay"),
        Setting("spec", Text(max_length=MAX_SPEC), "", "the diagram as TOML text, instead of the example"),
        Setting("file", Text(max_length=4096), "", "a TOML spec on this machine, instead of the example",
                cli_only=True),
        Setting("iterations", Number(1, 500, integer=True), 5, "solver iterations per call (a frame makes "
                "calls until its budget is spent; in a busy studio, one call of one iteration)", live=True),
        Setting("drag", Choice(*MODES), "follow", "what a drag does: puts the shape at the pointer (follow), "
                "or as near it as the constraints allow (valid: a point on a circle slides along it)", live=True),
    )
    events = {
        "open": Record({"name": Text(200), "text": Text(MAX_SPEC)}),
        "drag": Record({"shape": Text(200), "x": Number(-1e6, 1e6), "y": Number(-1e6, 1e6),
                        "handle": Number(0, 999, integer=True)}, optional=("handle",)),
        "release": Record({}),
        "shuffle": Record({}),
    }
    frame_schema = frame_record({
        "source": Text(200), "spec": Text(MAX_SPEC), "svg": Text(1 << 24),
        "canvas": Record({"left": Number(), "top": Number(), "width": Number(0), "height": Number(0)}),
        "shapes": ListOf(SHAPE, max_length=100_000), "dragging": Maybe(Text(200)),
        "feasible": Boolean(), "converged": Boolean(), "settled": Boolean(), "max_residual": Number(),
        "status": Text(20),
        "tolerance": Number(), "work": Number(0, integer=True), "message": Text(1000),
        "violations": ListOf(VIOLATION, max_length=MAX_VIOLATIONS), "violated": Number(0, integer=True),
    })
    formats = ("svg",)
    example = Example(format="svg")
    max_steps = 10_000
    lighter = "re-solving the diagram one solver iteration a frame"

    def __init__(self, seed=0, **values):
        self.named = "spec.toml"   # what the page called the text it opened
        super().__init__(seed, **values)

    def build(self):
        self.source, self.text = self.opened()
        self.start(loads(self.text, self.source, files=not self.values["spec"])[0])   # a page's text names no file

    def start(self, diagram):
        """Edit `diagram`, solved a first few iterations."""
        self.diagram = diagram
        self.target = None   # (shape, x, y, handle) while a shape is dragged
        self.work, self.moved = 0, False
        self.result = self.diagram.solve(seed=self.seed, max_iterations=self.values["iterations"])

    def opened(self):
        """(file name, TOML text) of the diagram: the text given, else the file, else the example."""
        v = self.values
        if v["spec"]:
            return self.named, v["spec"]
        if v["file"]:
            return v["file"], read_text(v["file"], f"--set file={v['file']}", MAX_SPEC)
        return f"{v['example']}.toml", shipped.path(v["example"]).read_text(encoding="utf-8")

    # ---- solving, a few iterations at a time ----

    def advance(self):
        n = min(self.values["iterations"], BUSY_ITERATIONS) if self.busy else self.values["iterations"]
        if self.target:
            shape, x, y, handle = self.target
            self.result = self.diagram.drag(shape, x, y, handle=handle, mode=self.values["drag"], max_iterations=n)
        else:
            self.result = self.diagram.solve(seed=self.seed, warm=True, max_iterations=n)
        self.work += max(self.result.iterations, 1)
        self.moved = False

    def converged(self):
        """Settled: nothing moved since a solve that ended (converged or gave up; "max_iterations"
        is the one status that may go on) or since MAX_WORK iterations without one."""
        return not self.moved and (self.result.status != "max_iterations" or self.work >= MAX_WORK)

    # ---- events ----

    def on_open(self, name, text):
        old = self.named
        self.named = Path(name).name or "spec.toml"
        try:
            self.on_set("spec", text)
        except Exception:
            self.named = old
            raise

    def on_set(self, key, value):
        """An example replaces the text opened or typed before it."""
        spec = self.values["spec"]
        if key == "example":
            self.values["spec"] = ""
        try:
            super().on_set(key, value)
        except Exception:
            self.values["spec"] = spec
            raise

    def on_drag(self, shape, x, y, handle=None):
        if shape not in self.diagram.shapes:
            raise UsageError(f'event.shape: no shape called "{shape}"{did_you_mean(shape, self.diagram.shapes)}')
        count = len(points(self.diagram.shapes[shape]))
        if handle is not None and handle >= count:
            raise UsageError(f'event.handle: "{shape}" has {count} point{"s" if count != 1 else ""} to drag by, '
                             f"got {handle}")
        self.target, self.work, self.moved = (shape, x, y, handle), 0, True

    def on_release(self):
        self.diagram.release()
        self.target, self.work, self.moved = None, 0, True

    def on_shuffle(self):
        """Solve again from a new random start."""
        self.seed += 1
        self.reset()

    # ---- what comes out ----

    def view(self):
        r = self.result
        listed = r.conflict or r.violations   # infeasible: the constraints that cannot all hold
        return {
            "source": self.source, "spec": self.text, "svg": self.diagram.svg(),
            # the box the picture shows (svg: the canvas and a margin for strokes), in the diagram's units
            "canvas": dict(zip(("left", "top", "width", "height"), view_box(self.diagram))),
            "shapes": [self.outline(s) for s in self.diagram.shapes.values()],
            "dragging": self.target[0] if self.target else None,
            "feasible": bool(r.feasible), "converged": bool(r.converged), "settled": self.converged(),
            "status": r.status,
            "max_residual": float(r.max_residual), "tolerance": float(r.tolerance), "work": self.work,
            "message": r.message, "violated": len(listed),
            "violations": [{"constraint": v.constraint, "residual": float(v.residual), "where": v.where}
                           for v in listed[:MAX_VIOLATIONS]],
        }

    def outline(self, shape):
        """What the page needs to find the shape under the pointer: its bounding box and center."""
        batch = self.diagram.batch(shape)   # once for both (Diagram.center would make it again)
        left, top, right, bottom, x, y = (one_number(v) for v in (*box(batch), *center(batch)))
        values = self.diagram.slots.values
        return {"name": shape.name, "kind": shape.kind, "box": [left, top, right, bottom], "center": [x, y],
                "points": [[values[x], values[y]] for x, y in points(shape)]}

    def parameters(self):
        """The solver's state: every field of every shape, in the diagram's slot order."""
        return copies({"state": self.diagram.slots.values})

    def report(self):
        return {"source": self.source, **self.result.to_dict()}

    def render_svg(self, path):
        self.diagram.save(path, "--out")


class DiagramLayout(Layout):
    """The editor over a Diagram made in Python, which a notebook shows live (Diagram.widget()).

    It edits a copy, so the notebook's own diagram stays as it was made while its widget plays
    in a thread; reset starts again from that diagram. Its settings are the solver's pace and
    what a drag means: no example, spec or file replaces the diagram it was given.
    """

    settings = tuple(s for s in Layout.settings if s.name in ("iterations", "drag"))
    events = {k: v for k, v in Layout.events.items() if k != "open"}

    def __init__(self, diagram, seed=0, **values):
        self.given = diagram
        super().__init__(seed, **values)

    def build(self):
        self.source, self.text = "diagram", ""
        self.start(copy.deepcopy(self.given))
