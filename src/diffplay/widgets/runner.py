"""A scene's live loop in a thread of the kernel, for a notebook widget: the studio's own loop
(studio/worker.py), message for message, over another line.

Into the loop go the page's messages (the widget's: events, "drawn", "join", each as JSON text,
read as the studio reads a WebSocket's: studio/inbound.py) and Python's calls (`call(fn)`),
through an Inbox its thread polls; out come the same hello, frame, values and
error texts the studio's WebSocket carries, with each frame's blobs as bytes (`send(text,
buffers)`). Everything that touches the scene runs in that thread, between steps: so a
notebook reads and changes a scene while it plays without racing a step, and the kernel
stays free for other cells. Safety is the studio's: a failing step goes back to the last good
state (recovery.py), the page's messages are rate-limited and bounded, and no more than
MAX_PENDING wait for the loop. Pacing is the studio's too: never more than `window` frames the page
has not drawn (and "drawn" never past the frames handed to the widget), so a widget nobody looks at takes no step (`call`, or `run` on the widget,
still works: it runs in the loop's thread or, once the loop has ended, in the caller's).
"""

import threading
from collections import deque
from contextlib import nullcontext

from ..process import tune_process
from ..studio.inbound import BUSY, Inbound
from ..studio.limits import Limits
from ..studio.messages import error
from ..studio.worker import Loop

# A kernel's cells share the interpreter with the loop's thread: a step budget of 8 ms a frame
# leaves them most of it, and 60 frames a second still look live.
NOTEBOOK_LIMITS = Limits(step_budget_s=0.008)
MAX_PENDING = 10_000   # the page's messages waiting for a busy loop; beyond, its events are refused

_live = set()   # the runners whose loops run in this process, which share its cores
_live_lock = threading.Lock()


def no_limit(seconds, what):
    """The studio cuts off a runaway step with a timer signal, which only a main thread gets;
    a notebook's user interrupts their own kernel instead."""
    return nullcontext()


class Inbox:
    """Messages for the loop's thread, in order: poll() waits for one without taking it."""

    def __init__(self):
        self.items = deque()
        self.ready = threading.Condition()

    def put(self, message, bound=None):
        """Queue `message`; False (and not queued) when `bound` messages already wait."""
        with self.ready:
            if bound is not None and len(self.items) >= bound:
                return False
            self.items.append(message)
            self.ready.notify()
        return True

    def poll(self, timeout):
        with self.ready:
            return self.ready.wait_for(lambda: self.items, timeout)

    def take(self):
        with self.ready:
            return self.items.popleft()


class Job:
    """fn(scene), run once by whichever thread gets to it; result() waits for it."""

    def __init__(self, fn):
        self.fn, self.done, self.value, self.error = fn, threading.Event(), None, None

    def __call__(self, scene):
        try:
            self.value = self.fn(scene)
        except BaseException as e:   # the caller's to see, in its own thread
            self.error = e
        finally:
            self.done.set()

    def result(self):
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.value


class Runner:
    """`scene` live in a thread; `send(text, buffers)` delivers the loop's messages to the page."""

    def __init__(self, scene, send, limits=NOTEBOOK_LIMITS):
        self.scene, self.deliver = scene, send
        self.inbox = Inbox()
        self.inbound = Inbound(limits)   # the page's messages: rate-limited, parsed, bounded
        self.delivered = 0               # the last frame handed to the page
        self.lock = threading.Lock()    # guards `ended`: a job goes to the loop or runs here, never neither
        self.ended = False
        self.loop = Loop(self, scene, limits, active=1, guard=no_limit, buffers=True)
        self.thread = threading.Thread(target=self._run, name=f"diffplay {scene.name}", daemon=True)

    def start(self):
        # BLAS's thread count is the whole process's, and OpenBLAS raises it again from the main
        # thread only: a step's one-thread scope, ended in this thread, would leave the kernel on
        # one thread now and then. So a live widget sets it once, for good, as the CLI does.
        tune_process()
        with _live_lock:
            _live.add(self)
            self._tell_load()
        self.thread.start()
        return self

    def stop(self, timeout=5):
        """End the loop (the scene stays as it is, for Python to read)."""
        self.inbox.put(["stop"])
        if self.thread.is_alive() and threading.current_thread() is not self.thread:
            self.thread.join(timeout)

    # ---- in ----

    def take(self, text):
        """A message from the page (its JSON text): checked as the studio checks its pages', then to the loop."""
        message, reply = self.inbound.read(text, self.delivered)
        if reply is not None:
            self.deliver(reply, [])
        if message is not None and not self.inbox.put(message, MAX_PENDING) and message[0] == "event":
            self.deliver(error(BUSY, message[1]), [])

    def call(self, fn):
        """fn(scene) between two steps, in the loop's thread; its result, or its exception raised here."""
        job = Job(fn)
        with self.lock:
            queued = not self.ended and threading.current_thread() is not self.thread
            if queued:
                self.inbox.put(["call", job])
        if not queued:
            job(self.scene)
        return job.result()

    # ---- the loop's line (worker.Loop calls these) ----

    def poll(self, timeout):
        return self.inbox.poll(timeout)

    def recv(self):
        return self.inbox.take()

    def send(self, kind, text, blobs=(), frame_id=None):
        if frame_id is not None:   # handed over before the page can answer for it
            self.delivered = frame_id
        self.deliver(text, list(blobs))

    # ---- life ----

    def _run(self):
        try:
            self.loop.run()
        except Exception as e:   # a broken line to the page: say so if it still listens, and end
            try:
                self.deliver(error(f"the scene's loop ended: {type(e).__name__}: {e}"), [])
            except Exception:
                pass
        finally:
            with self.lock:
                self.ended = True
            while self.inbox.poll(0):   # calls that came as the loop ended run here, in its stead
                message = self.inbox.take()
                if message[0] == "call":
                    message[1](self.scene)
            with _live_lock:
                _live.discard(self)
                self._tell_load()

    @staticmethod
    def _tell_load():
        """Every live loop shares the cores: tell each how many there are (with _live_lock held)."""
        for runner in _live:
            runner.inbox.put(["load", len(_live)])
