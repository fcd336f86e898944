"""How much one browser may ask of the studio: connections, message sizes and rates, compute.

A scene runs in real time only while the box has cores to spare, so the studio bounds
everything a page can ask for: how many sessions run at once, how big and how frequent their
messages are, how long one step may run before a frame goes out, and how long any one
event or frame may compute before the session gives up on it.
"""

import os
import time
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Limits:
    max_sessions: int = 32              # live scenes at once, all pages together
    max_message_bytes: int = 1 << 20    # one message from a page (a TOML spec, a downscaled image)
    socket_max_bytes: int = 4 << 20     # past this the WebSocket itself closes (1009) instead of replying
    messages_per_s: float = 200.0       # sustained, per connection (pointer moves and frame acks)
    message_burst: int = 400
    frame_rate: float = 60.0            # frames a page gets per second, at most
    busy_frame_rate: float = 25.0       # ... and what each is brought down to when the box is busy
    step_budget_s: float = 0.012        # optimizer time per frame, at most (a scene may ask for less)
    compute_limit_s: float = 5.0        # one event, or one step + frame, past this is cut off
    max_frame_bytes: int = 16 << 20     # a frame bigger than this is replaced by an error
    window: int = 2                     # frames sent and not yet drawn by the page

    def describe(self):
        return asdict(self)


def usable_cores():
    """The cores this process may run on (fewer than the machine's under taskset or a container's cpuset)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def step_budget(limits, scene_budget, active_sessions, cores=None):
    """The step() budget of one frame: the scene's wish, capped, and shared out when the box is busy.

    With more live sessions than cores each one steps for a proportionally shorter time,
    so frames keep coming to every page instead of a few sessions hogging the CPU.
    """
    cores = cores or usable_cores()
    share = min(1.0, cores / max(active_sessions, 1))
    return min(scene_budget, limits.step_budget_s) * share


SESSIONS_PER_CORE = 4   # up to this many sessions a core, every page gets the full frame rate


def frame_rate(limits, active_sessions, cores=None):
    """Frames a second for each page: the full rate while there are at most SESSIONS_PER_CORE
    sessions a core, then less in proportion, down to `busy_frame_rate`.

    On a busy box every session wants the same cores: a scene with cheap frames would take
    them 60 times a second while one with costly frames stutters. Capped, the time a cheap
    scene would spend on its 26th to 60th frames goes to the costly scenes' 20th to 25th.
    25 frames a second, steady, looks live (film runs at 24); with 20 pages on 2 cores, 30 a
    second saturated them and every page's frames came late (benchmarks/studio.py --load).
    """
    cores = cores or usable_cores()
    shared = limits.frame_rate * SESSIONS_PER_CORE * cores / max(active_sessions, 1)
    return max(min(limits.frame_rate, limits.busy_frame_rate), min(limits.frame_rate, shared))


class RateLimiter:
    """A token bucket: `rate` messages a second on average, bursts of up to `burst`."""

    def __init__(self, rate, burst, clock=time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens, self.last = float(burst), clock()

    def allow(self):
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
