"""A live scene's last good state, and what a page is told when the scene fails.

A scene that fails while it handles an event, steps or makes a frame may be left half
changed. Its session goes back to the last state it kept, pauses there and says so in one
plain sentence; it never builds the world again from scratch (a gpt scene at step 1,000 goes
back a few steps, not to step 0), and a failure that comes straight back is not retried until
the next event, so a scene never fails in a loop.

A state is kept (Scene.snapshot, a deep copy) before an event is applied and, at most once a
PERIOD_S, after a frame has gone out: each a state that made a frame, or one an event found.
Copying costs time, so a copy is taken only once the session has spent its own cost / SHARE
of CPU since the last: a scene that takes 150 ms to copy (a learn chapter's Value graph) is kept
once every 7.5 s of its computing at most, and may go back that far. CPU, not the clock: in a busy
studio a session gets a tenth of a core, and copies gated by the clock at 5 % took half of that
(a copy before each of a page's 20 clicks a second). A scene that computes little earns few copies
that way, but its copies cost little too: it may also copy once the clock says its copies take
no more than its part of BOX_SHARE of the cores (all live sessions' copies together): alone, a
scene that copies in 1 ms is kept before each event 25 ms apart; one of 20 on 2 cores, 0.5 s.
"""

import math
import time

from ..errors import UsageError
from .limits import usable_cores

SHARE = 0.02       # the most of a session's CPU its copies may take ...
BOX_SHARE = 0.02   # ... or, by the clock, of the cores, all live sessions' copies together
PERIOD_S = 1.0   # while a scene runs without events, how often its state is kept


class LastGood:
    """The kept copy of one scene's state."""

    def __init__(self, scene, clock=time.monotonic, cpu=time.thread_time):
        self.scene, self.clock, self.cpu, self.cores = scene, clock, cpu, usable_cores()
        self.saved, self.saved_at, self.saved_cpu, self.cost = None, -math.inf, -math.inf, 0.0
        self.copyable = True

    def keep(self, period=0.0, sessions=1):
        """Copy the scene's state, unless a copy was taken less than `period` seconds ago, or
        before the session earned the next, one of `sessions` live ones (module docstring). A
        scene that cannot be copied is not tried again."""
        now, cpu = self.clock(), self.cpu()
        by_clock = BOX_SHARE * self.cores / max(sessions, 1)   # of a core
        earned = cpu - self.saved_cpu >= self.cost / SHARE or now - self.saved_at >= self.cost / by_clock
        if not self.copyable or now - self.saved_at < period or not earned:
            return
        try:
            self.saved = self.scene.snapshot()
        except Exception:   # something in it deep-copies badly: there is no going back for this scene
            self.copyable, self.saved = False, None
            return
        self.saved_at, self.saved_cpu, self.cost = now, cpu, self.cpu() - cpu

    def restore(self):
        """Put the scene back as it was when last kept; the step it is back at, or None when
        nothing was kept."""
        if self.saved is None:
            return None
        self.scene.restore(self.saved)
        return self.scene.steps


def plainly(error):
    """Why something failed, in words a page can show: the exception's class only where what
    failed is a bug, never its Python message."""
    if isinstance(error, (UsageError, TimeoutError)):   # our own words (worker.TooSlow is a TimeoutError)
        return str(error)
    if isinstance(error, MemoryError):
        return "it ran out of memory"
    if isinstance(error, RecursionError):
        return "it nested too deep"
    return f"a bug in the scene: {type(error).__name__}"
