"""One page's scene, live, in a process of its own: apply events, step, send a frame, repeat.

The server talks to this loop over a socket pair (channel.py). In: ["event", id, {...}],
["drawn", frame id], ["load", live sessions], ["stop"]. Out: one byte saying what follows
("F" a frame, "M" a message, "X" a last message before this process ends), for a frame its id
(8 bytes), and the JSON text the page gets.

A frame goes out only when the page has drawn all but `window` of the frames before it (so
a slow page gets fewer, fresher frames instead of a queue of stale ones), at most
`frame_rate` times a second (less in a busy studio: limits.frame_rate), and only when
something changed: a step was taken or an event applied. A paused scene, or one at rest
until the next click, costs nothing. The frame after an event steps for a shorter time, so
a click shows sooner. A frame carries only the fields that changed since the frame before
it (messages.py): what a scene shows while it learns (a boundary, a picture) goes out every
frame, what only events change (the points, the painting) only after them.

A scene that fails (a bug, or past the compute limit) goes back to its last good state and
pauses, and the page is told why in a sentence (recovery.py).
"""

import ctypes
import gc
import os
import signal
import time
from contextlib import contextmanager

from ..errors import UsageError
from ..process import tune_process
from ..scenes import registry
from .channel import Channel
from .limits import frame_rate, step_budget
from .messages import encode, error
from .recovery import PERIOD_S, LastGood, plainly


RESPONSIVE = 0.25   # the share of the step budget spent before the frame that first shows an event
NICENESS = 4        # sessions yield the CPU to the server that carries every page's frames, and to the browser


class TooSlow(TimeoutError):
    """One event, or one step and frame, ran past the compute limit."""


@contextmanager
def time_limit(seconds, what):
    """Raise TooSlow inside the block once it has run `seconds` (checked between bytecodes)."""
    def stop(signum, frame):
        raise TooSlow(f"{what} took more than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
    tune_process()   # the sessions are the parallelism: one BLAS thread each
    name_process(f"diffplay {name}")
    try:
        with time_limit(limits.compute_limit_s * 4, f"building scene {name}"):
            scene = registry.load(name)(seed=seed)
    except Exception as e:   # a bad name or a scene that cannot be built: tell the page, end
        conn.send_bytes(b"X" + encode({"type": "error", "id": None, "message": plainly(e)}).encode())
        return
    # The modules and the scene as built live as long as this process: the cyclic collector
    # need not walk them again (a full collection over them took a frame's worth of time).
    gc.freeze()
    Loop(conn, scene, limits, active).run()


def read_frame(data):
    """(frame id, JSON text) of a frame as the server receives it (b"F", 8 bytes of id, the text)."""
    return int.from_bytes(data[1:9], "big"), data[9:].decode()


class Loop:
    def __init__(self, conn, scene, limits, active):
        self.conn, self.scene, self.limits, self.active = conn, scene, limits, active
        self.sent = self.drawn = 0      # frame ids: made and sent / on the page's screen
        self.last_event = 0             # id of the last event applied
        self.changed = True             # the first frame always goes out
        self.idle = False               # the last step took none (paused, or a scene that moves only on events)
        self.fresh = False              # an event came since the last frame: step briefly, show it soon
        self.next_tick = 0.0
        self.running = True
        self.shown = {}                 # key -> (value, JSON text) of the fields the page has
        self.kept = LastGood(scene)     # the state to go back to if the scene fails
        self.failures = 0               # since the last event
        self.blamed = None              # the event whose frame has not gone out yet: a failure before it is its

    def run(self):
        self.post("M", {"type": "hello", "scene": self.scene.describe(), "values": self.scene.values,
                        "limits": self.limits.describe()})
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
        elif kind == "stop":
            self.running = False

    def apply(self, event_id, event):
        """Handle one event (an object: the server checked its envelope); a UsageError leaves the
        scene as it was, any other failure sends it back to the state kept before."""
        self.kept.keep()
        self.failures = 0
        doing = f"event {str(event.get('type'))[:64]!r}"
        try:
            with time_limit(self.limits.compute_limit_s, doing):
                self.scene.handle(event)
        except UsageError as e:
            self.send("M", error(e, event_id))
        except Exception as e:   # TooSlow, or a scene's own failure
            self.recover(e, event_id, doing)
        else:
            self.blamed = event_id   # so the page's control for a "set" goes back too
        self.last_event = event_id
        self.changed, self.idle, self.fresh = self.changed or not self.failures, False, True

    # ---- out ----

    def tick(self):
        """One step within the budget, then (if anything changed) one frame."""
        began = time.monotonic()
        self.next_tick = began + 1 / frame_rate(self.limits, self.active)
        budget = step_budget(self.limits, self.scene.budget_s, self.active) * (RESPONSIVE if self.fresh else 1)
        self.fresh = False
        doing = "a step"
        try:
            with time_limit(self.limits.compute_limit_s, "one step and frame"):
                steps = self.scene.step(budget)
                stepped = time.monotonic()
                self.idle = steps == 0
                if steps == 0 and not self.changed:
                    return
                doing = "making a frame"
                frame = self.scene.frame()
        except Exception as e:
            self.recover(e, self.blamed, doing)
            self.blamed = None
            return
        self.changed = False
        moving = not self.scene.paused and not self.scene.at_rest()   # the next frame comes without an event
        self.send_frame(frame, {"steps": steps, "step_ms": round((stepped - began) * 1000, 2),
                                "frame_ms": round((time.monotonic() - stepped) * 1000, 2),
                                "budget_ms": round(budget * 1000, 2), "moving": moving})

    def send_frame(self, frame, stats):
        """Send the fields that changed since the last frame sent, naming the others in "same"."""
        self.sent += 1
        fields, same, shown = [], [], {}
        for key, value in frame.items():
            before = self.shown.get(key)
            # the same object again means unchanged (a scene never mutates what frame() returned)
            text = before[1] if before is not None and before[0] is value else encode(value)
            if before is not None and before[1] == text:
                same.append(key)
            else:
                fields.append(f"{encode(key)}:{text}")
            shown[key] = (value, text)
        head = encode({"type": "frame", "id": self.sent, "events": self.last_event, "stats": stats, "same": same})
        text = head[:-1] + ',"frame":{' + ",".join(fields) + "}}"
        if len(text) > self.limits.max_frame_bytes:
            self.drawn += 1   # never sent, so never drawn: do not wait for it
            self.post("M", {"type": "error", "id": None,
                            "message": f"frame: {len(text)} bytes is more than the limit of {self.limits.max_frame_bytes}"})
            return
        self.shown = shown
        self.send("F", text, self.sent)
        self.blamed = None
        self.kept.keep(PERIOD_S)

    def recover(self, error, event_id, doing):
        """After a failure the world may be half changed: go back to the state kept last and
        pause there (so a step that keeps failing does not fail 60 times a second), and show it
        once; if that fails too, or nothing was kept, wait for the next event."""
        self.failures += 1
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

    def post(self, kind, message):
        self.send(kind, encode(message))

    def send(self, kind, text, frame_id=None):
        head = kind.encode() + (b"" if frame_id is None else frame_id.to_bytes(8, "big"))
        try:
            self.conn.send_bytes(head + text.encode())
        except (BrokenPipeError, OSError):
            self.running = False
