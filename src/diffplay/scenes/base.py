"""The Scene protocol: a small world whose energy autodiff minimizes while someone watches.

A scene is driven by one loop, the same in the studio, in a notebook and on the command line:

    scene.handle(event)      # a click, a drag, a slider: a JSON dict, validated first
    scene.step(budget_s)     # optimize for up to budget_s seconds (at least one step)
    scene.frame()            # the JSON view state the page draws

A subclass declares its `settings` (each a `Setting`: a schema, a default and a line of help,
used alike by `--set key=value`, by "set" events and by the studio's controls), its own
`events` (type -> Record of fields), a `frame_schema` and the `example` that shows it off. It
implements `build()` (the world from `self.values`), `advance()` (one optimizer step, or a piece
of a long one), `view()` (its part of the frame), `report()` (its numbers for the summary) and
`render_<suffix>(path)` for each of `formats`. docs/scenes.md describes the protocol and every
scene's events and frames.
"""

import copy
import time
from dataclasses import dataclass

import numpy as np

from ..checks import MAX_SEED, check_integer, did_you_mean
from ..errors import UsageError
from ..process import one_blas_thread
from .schema import Anything, Boolean, Number, Record, Schema, SchemaError, Tagged, Text

MAX_EVENTS = 100_000   # events a run keeps for its record (record.py); past them it is not recorded


@dataclass(frozen=True)
class Setting:
    """A knob of a scene. `live` ones apply at the next step; changing any other rebuilds the world.

    `cli_only` ones (a path on the machine running the scene) are taken from the command line
    and keyword arguments only: a "set" event may come from any web page, so it may not point
    the scene at a file. `log` ones (numbers above 0 spanning decades) get a studio slider that
    moves by equal ratios, not equal steps.
    """

    name: str
    schema: Schema
    default: object
    help: str
    live: bool = False
    cli_only: bool = False
    log: bool = False

    def describe(self):
        return {"name": self.name, "default": self.default, "help": self.help, "live": self.live,
                "cli_only": self.cli_only, "log": self.log, **self.schema.describe()}


@dataclass(frozen=True)
class Example:
    """The headless run that shows a scene off: README's command, the gallery's picture, and
    what the generic scene test builds. `settings` are `key=value` texts, as `--set` takes them."""

    settings: tuple = ()
    format: str = "png"
    steps: int | None = None   # None: until converged() (at most max_steps)

    def arguments(self, name, out):
        """`diffplay …` arguments that draw it into `out`."""
        sets = [arg for text in self.settings for arg in ("--set", text)]
        steps = [] if self.steps is None else ["--steps", str(self.steps)]
        return ["scene", name, *sets, *steps, "--out", str(out)]

    def command(self, name):
        """The command README shows, drawing into docs/images/."""
        return " ".join(["diffplay", *(_quoted(a) for a in self.arguments(name, f"docs/images/scene-{name}.{self.format}"))])


def _quoted(argument):
    return f"'{argument}'" if any(c in argument for c in " ;*()") else argument


# Every scene understands these; a scene's own `events` add to them.
COMMON_EVENTS = {
    "set": Record({"key": Text(64), "value": Anything()}),
    "reset": Record({}),
    "pause": Record({}),
    "resume": Record({}),
    "busy": Record({"on": Boolean()}),
}

# The part of every frame that the base class writes.
FRAME_HEADER = {"scene": Text(64), "step": Number(0, integer=True), "paused": Boolean()}


class Scene:
    name = ""                  # `diffplay scene NAME`; the module is scenes/NAME.py (or learn/NAME.py)
    title = ""                 # one line for --list and the studio
    section = "scenes"         # where the studio lists it: the gallery ("scenes") or the learn section
    number = 0                 # its place in its section (chapters go in order)
    settings = ()              # Setting, ...
    events = {}                # event type -> Record of its fields (besides "type")
    queries = ()               # event types that only ask for something (an export): no record keeps them
    frame_schema = Anything()  # what frame() returns, for the docs, the tests and the studio
    formats = ("svg",)         # file suffixes render() can write
    example = Example()        # the headless run that shows it (README, gallery, tests); None if it draws none
    max_steps = 1000           # headless runs stop here unless converged() says so sooner
    budget_s = 0.02            # the step() budget a live loop should give each frame
    steps_per_frame = None     # live, at most this many steps a frame (1: each step is watched)
    lighter = None             # what the scene does to stay live in a busy studio (on_busy), in words

    def __init__(self, seed=0, **values):
        self.seed = check_integer(seed, "seed", 0, MAX_SEED)
        self.values = {s.name: s.default for s in self.settings}
        for key, value in values.items():
            self.values[key] = self.setting(key, f"settings.{key}").schema.check(value, f"settings.{key}")
        self.paused = self.busy = False
        self.event_schema = Tagged({**COMMON_EVENTS, **self.events})
        self.initial = copy.deepcopy(self.values)   # what a record of this run starts from (record.py)
        self.pieces, self.event_log = 0, []           # pieces of work done; [piece, event] for each event
        self.reset()

    @classmethod
    def setting(cls, key, path):
        for s in cls.settings:
            if s.name == key:
                return s
        names = [s.name for s in cls.settings]
        raise SchemaError(
            f'{path}: unknown setting "{key}" of scene {cls.name} '
            f"(settings: {', '.join(names) or 'none'}){did_you_mean(key, names)}"
        )

    @classmethod
    def from_assignments(cls, assignments, seed=0):
        """A scene from command-line `key=value` strings, each parsed by its setting's schema."""
        return cls(seed=seed, **cls.assigned(assignments))

    @classmethod
    def assigned(cls, assignments):
        """{key: value} from command-line `key=value` strings, each parsed by its setting's schema."""
        values = {}
        for text in assignments:
            key, sep, raw = text.partition("=")
            if not sep or not key.strip():
                raise UsageError(f"--set {text!r}: expected key=value")
            key = key.strip()
            values[key] = cls.setting(key, f"--set {key}").schema.parse(raw.strip(), f"--set {key}")
        return values

    @classmethod
    def files(cls, values):
        """The paths among `values` that a scene reads: its command-line-only settings' (a
        picture, a data file), which its --out must not overwrite."""
        return [value for key, value in values.items() if cls.setting(key, key).cli_only and value]

    # ---- what a subclass implements ----

    def build(self):
        """Build the world from self.values (at start, on "reset" and on a rebuilding "set")."""
        raise NotImplementedError

    def advance(self):
        """One optimizer step. A scene whose step is long may do a piece of it instead (boundary:
        one SGD batch of an epoch), so a frame in a busy studio costs its budget and not a whole
        step: it then returns False while the step is still under way."""
        raise NotImplementedError

    def view(self):
        """This scene's part of the frame (JSON-able)."""
        raise NotImplementedError

    def report(self):
        """This scene's numbers for the summary (JSON-able)."""
        return {}

    def parameters(self):
        """The numbers this scene learns, by name, as NumPy arrays the caller may keep (copies):
        what a notebook reads while the scene plays; {} for a scene that learns none."""
        return {}

    def converged(self):
        """True when a headless run may stop early."""
        return False

    def at_rest(self):
        """True when a step would change nothing (an arm on its target, a finished schedule):
        the live loop then takes none and sends no frame until an event comes. Cheap: it is
        asked after every live step. By default, converged()."""
        return self.converged()

    # ---- the loop ----

    def reset(self):
        """Back to step 0: the world built again from the current settings."""
        self.steps = 0
        self.build()

    def snapshot(self):
        """A copy of this scene's whole state, to go back to with restore() (the studio keeps one,
        in case a later step or frame fails)."""
        return copy.deepcopy(self.__dict__, _shared(self.__dict__, self, self))   # what refers to the scene still does

    def restore(self, snapshot):
        """Go back to a snapshot(), which stays as it was, to go back to again."""
        self._take(snapshot, self)

    def become(self, other):
        """Take the whole state of `other`, a scene of this class, as a copy: this object goes on
        as if it were that one (a page loading a run keeps its scene, a notebook its variable)."""
        self._take(other.__dict__, other)

    def _take(self, state, owner):
        """A copy of `state` as this scene's whole state; what in it refers to `owner` refers to this scene."""
        self.__dict__.clear()
        self.__dict__.update(copy.deepcopy(state, _shared(state, owner, self)))

    def step(self, budget_s, step_limit=None):
        """Live: advance for up to budget_s seconds and at most step_limit pieces (and at most
        steps_per_frame steps); at least one piece unless paused or at rest, and none that would
        likely end past budget_s. Returns the pieces taken."""
        cap = _least(step_limit, self.steps_per_frame)
        if self.paused or cap == 0 or self.at_rest():
            return 0
        deadline = time.perf_counter() + budget_s
        done = 0
        with one_blas_thread():
            while True:
                began = time.perf_counter()
                self.advance_piece()
                done += 1
                now = time.perf_counter()
                # stop before a piece that would likely end past the deadline (one like the last)
                if now + (now - began) > deadline or done == cap or self.at_rest():
                    return done

    def run(self, steps=None, progress=None):
        """Headless: `steps` whole steps, or until converged() or max_steps when steps is None."""
        limit = self.max_steps if steps is None else steps
        with one_blas_thread():
            for _ in range(limit):
                if steps is None and self.converged():
                    break
                while not self.advance_piece():
                    pass
                if progress:
                    progress(self)
        return self

    def advance_piece(self):
        """advance(), counting the step if it ended one; True if it did."""
        ended = self.advance() is not False
        self.steps += ended
        self.pieces += 1
        return ended

    def handle(self, event):
        """Validate a JSON event and dispatch it to on_<type>(**fields)."""
        event = self.event_schema.check(event, "event")
        kept = copy.deepcopy(event)
        getattr(self, "on_" + event.pop("type"))(**event)
        if self.event_log is not None and kept["type"] not in self.queries:   # a replay of this run takes it here too
            self.event_log.append([self.pieces, kept])
            if len(self.event_log) > MAX_EVENTS:
                self.event_log = None   # too long a run to record: record_of says so

    def on_set(self, key, value):
        setting = self.setting(key, "event.key")
        if setting.cli_only:   # refused before the value is looked at: no answer may tell what is on disk
            raise SchemaError(f'event.key: setting "{key}" of scene {self.name} can only be given on the command line '
                              f"(--set {key}=…), not by an event")
        old = self.values[key]
        self.values[key] = setting.schema.check(value, f"event.value ({key})")
        if not setting.live:
            try:
                self.reset()
            except Exception:
                self.values[key] = old   # a value the world cannot be built from leaves it as it was
                self.reset()
                raise

    def on_reset(self):
        self.reset()

    def on_pause(self):
        self.paused = True

    def on_resume(self):
        self.paused = False

    def on_busy(self, on):
        """The studio has more pages than its cores carry at the full frame rate (or no longer):
        a scene with a `lighter` way to run takes it while `busy`, doing less a step rather than
        missing frames. An event, so a record of the run replays it where it came."""
        self.busy = on

    # ---- what comes out ----

    def frame(self):
        """The header and view(). The studio keeps what it sent and takes the very same object
        again for "unchanged": so a scene may hand back an object it returned before, and must
        never change an object (a list, a dict) after frame() returned it; make a new one."""
        return {"scene": self.name, "step": self.steps, "paused": self.paused, **self.view()}

    def widget(self):
        """This scene, live in a notebook cell (diffplay.widgets; pip install 'diffplay[notebook]')."""
        from ..widgets import Scene as live   # the one way up from here, taken only when asked: the core needs no notebook

        return live(self)

    def summary(self):
        return {"scene": self.name, "steps": self.steps, "seed": self.seed, "settings": dict(self.values), **self.report()}

    def render(self, path):
        """Write a picture of the current state; the file's suffix picks the format."""
        getattr(self, "render_" + self.check_format(path))(path)

    @classmethod
    def check_format(cls, path):
        """The suffix of `path` if this scene can write it, else a UsageError."""
        suffix = str(path).rsplit(".", 1)[-1].lower() if "." in str(path) else ""
        if not cls.formats:
            raise UsageError(f"--out {path}: {cls.name} draws no pictures of its own; open it in the studio")
        if suffix not in cls.formats:
            raise UsageError(f"--out {path}: scene {cls.name} writes {', '.join('.' + f for f in cls.formats)} files")
        return suffix

    @classmethod
    def describe(cls):
        """Everything the studio needs to build this scene's controls, as JSON."""
        return {
            "name": cls.name,
            "title": cls.title,
            "section": cls.section,
            "number": cls.number,
            "formats": list(cls.formats),
            "settings": [s.describe() for s in cls.settings if not s.cli_only],   # the studio's controls
            "cli_settings": [s.describe() for s in cls.settings if s.cli_only],   # no control: events cannot set them
            "events": Tagged({**COMMON_EVENTS, **cls.events}).describe(),
            "frame": cls.frame_schema.describe(),
        }


def copies(named):
    """{name: a copy of its array} of Tensors or arrays: a scene's parameters() to hand out."""
    return {name: np.array(getattr(value, "data", value), dtype=float, copy=True) for name, value in named.items()}


def _least(*limits):
    """The smallest of the limits that are given (None: no limit)."""
    given = [n for n in limits if n is not None]
    return min(given) if given else None


def frame_record(fields, optional=()):
    """A frame schema: the common header plus a scene's own fields."""
    return Record({**FRAME_HEADER, **fields}, optional)


def _shared(state, owner, scene):
    """deepcopy's memo for a scene's state: `owner` becomes `scene` (a bound method of it still
    refers to it), and an array the scene marked read-only (its constants: canvas's 2 MB of
    Fourier features) is shared, not copied, since nothing can change it."""
    memo = {id(owner): scene}
    memo.update((id(value), value) for value in state.values()
                if isinstance(value, np.ndarray) and not value.flags.writeable)
    return memo
