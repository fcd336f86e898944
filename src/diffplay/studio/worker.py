"""One page's scene, live: apply events, step, send a frame, repeat.

The studio runs this loop in a process of its own per page (serve()), and the server talks to
it over a socket pair (channel.py); a notebook widget runs the same loop in a thread of the
kernel (widgets/runner.py). In: ["event", id, {...}], ["drawn", frame id], ["load", live
sessions], ["join"] (a page starts over: the hello again, then a whole frame), ["call", job]
(a notebook's Python, run on the scene between steps), ["stop"]. Out: a kind ("F" a frame,
"M" a message, "X" a last message before the loop ends), the JSON text the page gets, the
frame's blobs as bytes (a notebook's; messages.FrameWriter) and its id.

A frame goes out only when the page has drawn all but `window` of the frames before it (so
a slow page gets fewer, fresher frames instead of a queue of stale ones), at most
`frame_rate` times a second (less in a busy studio: limits.frame_rate), and only when
something changed: a step was taken or an event applied. A paused scene, or one at rest
until the next click, costs nothing. The frame after an event steps for a shorter time, so
a click shows sooner. A frame carries only the fields that changed since the frame before
it (messages.py): what a scene shows while it learns (a boundary, a picture) goes out every
frame, what only events change (the points, the painting) only after them. The page's "drawn"
reaches the loop capped at the frames that have left for it (inbound.py), so a page that claims
more than it got cannot make frames pile up.

A scene that fails (a bug, or past the compute limit) goes back to its last good state and
pauses, and the page is told why in a sentence (recovery.py).
"""

import ctypes
import gc
import os
import signal
import time

from ..errors import UsageError
from ..process import one_blas_thread, tune_process
from ..scenes import registry
from ..scenes.record import Replay, link_of, record_of, record_of_link
from ..scenes.schema import SchemaError
from .channel import Channel
from .limits import frame_rate, next_tick, step_budget
from .messages import MAX_LINK, FrameTooBig, FrameWriter, encode, error
from .recovery import PERIOD_S, LastGood, plainly


REPLAY_SPEED = 4    # a replay's step budget, in frames' step budgets
RESPONSIVE = 0.25   # the share of the step budget spent before the frame that first shows an event
NICENESS = 4        # sessions yield the CPU to the server that carries every page's frames, and to the browser


class TooSlow(TimeoutError):
    """One event, or one step and frame, ran past the compute limit."""

    def __init__(self, what, seconds):
        super().__init__(f"{what} took more than {seconds:g} s")


class Alarm:
    """A compute limit: `with alarm(seconds, what):` raises TooSlow inside the block once it has
    run `seconds` (checked between bytecodes). For a process whose SIGALRM is its own (a
    session's main thread), not nested: the handler is set once, so a guard is two setitimer
    calls (signal.signal's Python layer, cold again before every frame, cost a session as much
    as a small scene's step)."""

    def __init__(self):
        self.seconds, self.what = 0.0, ""
        signal.signal(signal.SIGALRM, self._stop)

    def __call__(self, seconds, what):
        self.seconds, self.what = seconds, what
        return self

    def __enter__(self):
        signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_REAL, 0)

    def _stop(self, signum, frame):
        raise TooSlow(self.what, self.seconds)


def name_process(title):
    """Show `title` as this process's name in top and ps -o comm (Linux; elsewhere nothing)."""
    try:
        ctypes.CDLL(None).prctl(15, title.encode()[:15], 0, 0, 0)   # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def serve(sock, name, seed, limits, active):
    """The session process's whole life: build the scene, loop until told to stop."""
    conn = Channel(sock)
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C reaches the server, which stops us
    os.nice(NICENESS)
    tune_process()   # the sessions are the parallelism: one BLAS thread each, for good
    name_process(f"diffplay {name}")
    guard = Alarm()
    try:
        with guard(limits.compute_limit_s * 4, f"building scene {name}"):
            scene = registry.load(name)(seed=seed)
    except Exception as e:   # a bad name or a scene that cannot be built: tell the page, end
        conn.send("X", encode({"type": "error", "id": None, "message": plainly(e)}))
        return
    # The modules and the scene as built live as long as this process: the cyclic collector
    # need not walk them again (a full collection over them took a frame's worth of time).
    gc.freeze()
    Loop(conn, scene, limits, active, guard).run()


class Loop:
    """The loop over a `link` (poll(timeout), recv(), send(kind, text, blobs, frame_id)). `guard(seconds,
    what)` cuts off an event or a step that runs too long (by default an Alarm: a process's main
    thread only); `buffers` sends blobs as bytes."""

    def __init__(self, link, scene, limits, active, guard=None, buffers=False):
        self.conn, self.scene, self.limits, self.active = link, scene, limits, active
        self.guard = Alarm() if guard is None else guard
        self.frames = FrameWriter(buffers)
        self.latest = None              # the last whole frame made (a notebook's Python reads it)
        self.told = dict(scene.values)  # the settings as the page knows them
        self.sent = self.drawn = 0      # frame ids: made and sent / on the page's screen
        self.last_event = 0             # id of the last event applied
        self.changed = True             # the first frame always goes out
        self.idle = False               # the last step took none (paused, or a scene that moves only on events)
        self.fresh = False              # an event came since the last frame: step briefly, show it soon
        self.next_tick = 0.0
        self.running = True
        self.kept = LastGood(scene)     # the state to go back to if the scene fails
        self.failures = 0               # since the last event
        self.blamed = None              # the event whose frame has not gone out yet: a failure before it is its
        self.replaying = None           # a record's Replay not yet done

    def run(self):
        self.hello()
        while self.running:
            timeout = self.wait()
            if timeout:   # nothing is due before the next tick: let messages gather till then
                time.sleep(timeout)   # (one wake-up a frame instead of one a message)
                timeout = 0
            self.receive(timeout)
            if self.running and self.ready() and (self.changed or not self.idle):
                self.tick()

    # ---- pacing ----

    def behind(self):
        return self.sent - self.drawn >= self.limits.window

    def ready(self):
        """The page can take a frame, and it is time for one. An event's frame waits its turn
        too: a drag's 60 pointer moves a second make at most frame_rate frames, each showing the
        latest move (the moves that came meanwhile are applied together)."""
        return not self.behind() and time.monotonic() >= self.next_tick

    def wait(self):
        """How long to wait for a message before the next tick (None: until one comes)."""
        if self.behind() or (not self.changed and self.idle):
            return None
        return max(0.0, self.next_tick - time.monotonic())

    # ---- in ----

    def receive(self, timeout):
        """Apply the messages that are waiting, after waiting up to `timeout` for the first.

        It stops after a step budget's worth of event handling, so a page that sends events
        faster than the scene handles them still gets frames (the rest wait in the pipe).
        """
        stop = None
        try:
            while self.running and self.conn.poll(timeout):
                self.dispatch(*self.conn.recv())
                stop = stop or time.monotonic() + self.limits.step_budget_s
                if time.monotonic() >= stop:
                    return
                timeout = 0
        except (EOFError, OSError):   # the server went away
            self.running = False

    def dispatch(self, kind, *args):
        if kind == "event":
            self.apply(*args)
        elif kind == "drawn":
            self.drawn = max(self.drawn, min(args[0], self.sent))
        elif kind == "load":
            self.active = args[0]
        elif kind == "join":
            self.hello()
        elif kind == "save":
            self.save(args[0])
        elif kind == "replay":
            self.load(*args)
        elif kind == "call":
            self.call(args[0])
        elif kind == "stop":
            self.running = False

    def hello(self):
        """Start the page over: what the scene is, its settings, then a whole frame as soon as it can take one."""
        self.frames = FrameWriter(self.frames.buffers)
        self.drawn, self.changed = self.sent, True   # frames before this one the page will never acknowledge
        self.told = dict(self.scene.values)
        self.post("M", {"type": "hello", "scene": self.scene.describe(), "values": self.told,
                        "limits": self.limits.describe()})

    def apply(self, event_id, event):
        """Handle one event (an object: inbound.py checked its envelope); a UsageError leaves the
        scene as it was, any other failure sends it back to the state kept before."""
        if self.replaying:   # the run being replayed is the record's: an event now would change it
            self.send("M", error("event: the run is still being replayed; try again when it is back", event_id))
            return
        self.kept.keep(sessions=self.active)
        self.failures = 0
        doing = f"event {str(event.get('type'))[:64]!r}"
        try:
            with self.guard(self.limits.compute_limit_s, doing):
                self.scene.handle(event)
        except UsageError as e:
            self.send("M", error(e, event_id))
        except Exception as e:   # TooSlow, or a scene's own failure
            self.recover(e, event_id, doing)
        else:
            self.blamed = event_id   # so the page's control for a "set" goes back too
        self.last_event = event_id
        self.changed, self.idle, self.fresh = self.changed or not self.failures, False, True
        self.tell_values(own=event.get("key") if event.get("type") == "set" else None)

    # ---- runs: saved as records, loaded back (scenes/record.py) ----

    def save(self, request_id):
        """Answer a "save": the run so far as a record, and as a link for the page's address ("" if
        too long for one)."""
        try:   # a run still being replayed is the record's, all of it
            record = self.replaying.record if self.replaying else record_of(self.scene)
        except UsageError as e:
            self.send("M", error(e, request_id))
            return
        link = link_of(record)
        self.post("M", {"type": "record", "id": request_id, "record": record, "link": link if len(link) <= MAX_LINK else ""})

    def load(self, request_id, record, link):
        """Replace this run by a page's record (or link): the scene starts over from the record's
        settings and seed, and tick() replays its pieces and events a budget at a time."""
        try:
            with self.guard(self.limits.compute_limit_s, "starting the run's replay"):
                if (record is None) == (link is None):
                    raise SchemaError("load: give the record or its link, one of them")
                run = Replay(record if link is None else record_of_link(link), type(self.scene), from_web=True)
        except Exception as e:   # a bad record (its field named), or TooSlow: the scene took too long to build
            self.send("M", error(f"load: {plainly(e)}", request_id))
            return
        self.scene.become(run.scene)   # the same object goes on (a notebook's Python holds it)
        run.scene = self.scene
        self.replaying, self.kept = run, LastGood(self.scene)
        self.idle = False
        self.hello()

    def call(self, job):
        """Run a notebook's job(scene) between steps (its exceptions are the job's to report)."""
        job(self.scene)
        self.changed, self.idle = True, False
        self.tell_values()

    def tell_values(self, own=None):
        """Tell the page the settings that changed, but for `own`: the one its own "set" changed
        (echoing it would move a slider back under the pointer that drags it)."""
        changed = {k: v for k, v in self.scene.values.items() if self.told.get(k) != v or k not in self.told}
        self.told = dict(self.scene.values)
        changed.pop(own, None)
        if changed:
            self.post("M", {"type": "values", "values": changed})

    # ---- out ----

    def tick(self):
        """One step within the budget, then (if anything changed) one frame."""
        began = time.monotonic()
        self.next_tick = next_tick(self.next_tick, began, 1 / frame_rate(self.limits, self.active))
        budget = step_budget(self.limits, self.scene.budget_s, self.active) * (RESPONSIVE if self.fresh else 1)
        self.fresh = False
        self.lighten()
        doing = "replaying the run" if self.replaying else "a step"
        try:
            with self.guard(self.limits.compute_limit_s, "one step and frame"):
                steps = self.replay_some(budget) if self.replaying else self.scene.step(budget)
                stepped = time.monotonic()
                # a replay's slice always moves it (its last may hold only the final events, no piece)
                self.idle = steps == 0 and not self.replaying
                if self.idle and not self.changed:
                    return
                doing = "making a frame"
                frame = self.scene.frame()
        except Exception as e:
            self.recover(e, self.blamed, doing)
            self.blamed = None
            return
        self.changed = False
        stats = {"steps": steps, "step_ms": round((stepped - began) * 1000, 2),
                 "frame_ms": round((time.monotonic() - stepped) * 1000, 2), "budget_ms": round(budget * 1000, 2)}
        if self.scene.busy and self.scene.lighter:   # the page says what the scene does less of
            stats["lighter"] = self.scene.lighter
        if self.replaying:   # the page shows how far it has come back
            stats["replayed"] = round(self.replaying.progress(), 4)
            self.replaying = None if self.replaying.done else self.replaying
        # the next frame comes without an event
        stats["moving"] = bool(self.replaying) or (not self.scene.paused and not self.scene.at_rest())
        self.send_frame(frame, stats)

    def lighten(self):
        """A scene with a lighter way to run takes it while the studio is busy (past the pages
        its cores carry at the full frame rate), and leaves it when it is not: as an event, so
        the run's record holds it (but not while a record is replaying: that has its own)."""
        busy = frame_rate(self.limits, self.active) < self.limits.frame_rate
        if self.scene.lighter and busy != self.scene.busy and not self.replaying:
            self.scene.handle({"type": "busy", "on": busy})

    def replay_some(self, budget):
        """A replay's share of a tick: REPLAY_SPEED budgets' worth (a replay is not watched step
        by step, so it runs ahead at the frames' expense); the pieces done."""
        before = self.scene.pieces
        with one_blas_thread():
            self.replaying.advance(time.perf_counter() + budget * REPLAY_SPEED)
        return self.scene.pieces - before

    def send_frame(self, frame, stats):
        """Send the fields that changed since the last frame sent, naming the others in "same"."""
        self.sent += 1
        self.latest = frame
        head = {"type": "frame", "id": self.sent, "events": self.last_event, "stats": stats}
        try:
            text, blobs = self.frames.write(frame, head, self.limits.max_frame_bytes)
        except FrameTooBig as e:
            self.drawn += 1   # never sent, so never drawn: do not wait for it
            self.post("M", {"type": "error", "id": None, "message": str(e)})
            return
        self.send("F", text, blobs, self.sent)
        self.blamed = None
        self.kept.keep(PERIOD_S, self.active)

    def recover(self, error, event_id, doing):
        """After a failure the world may be half changed: go back to the state kept last and
        pause there (so a step that keeps failing does not fail 60 times a second), and show it
        once; if that fails too, or nothing was kept, wait for the next event. A replay stops there."""
        self.failures += 1
        self.replaying = None
        step = self.kept.restore()
        self.scene.paused = True
        if step is None:
            self.changed, self.idle = False, True
            outcome = ("and there is no earlier state to go back to, so the scene is paused until the next "
                       "change you make")
        else:
            self.changed = self.failures == 1
            outcome = f"so the scene went back to how it was at step {step:,} and paused"
        self.post("M", {"type": "error", "id": event_id, "message": f"{doing} failed ({plainly(error)}), {outcome}."})
        self.tell_values()   # the state gone back to may hold other settings

    def post(self, kind, message):
        self.send(kind, encode(message))

    def send(self, kind, text, blobs=(), frame_id=None):
        try:
            self.conn.send(kind, text, blobs, frame_id)
        except (BrokenPipeError, OSError):
            self.running = False
