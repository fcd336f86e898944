"""How much one browser may ask of the studio: connections, message sizes and rates, compute.

A scene runs in real time only while the box has cores to spare, so the studio bounds
everything a page can ask for: how many sessions run at once, and how many of them one client
(one address) may hold; how long a session may sit idle; how many connections are open, how
long a request may take to arrive; how big and how frequent messages are, and how much may
wait to go out to a page that does not read; how long one step may run before a frame goes
out, and how long any one event or frame may compute before the session gives up on it.

`diffplay serve --limit NAME=VALUE` sets any of them (`--limit idle_s=60`).
"""

import dataclasses
import os
import resource
import time
from dataclasses import asdict, dataclass

from ..checks import did_you_mean
from ..errors import UsageError
from ..parsing import parse_integer, parse_number


@dataclass(frozen=True)
class Limits:
    max_sessions: int = 32              # live scenes at once, all pages together
    max_sessions_per_client: int = 8    # ... of which one address may hold this many
    idle_s: float = 600.0               # a session whose page said nothing for this long is closed
    idle_when_full_s: float = 30.0      # ... or this long, when a new page finds the studio full
    max_connections: int = 1024         # HTTP and WebSocket connections at once (fewer if `ulimit -n` is low)
    max_connections_per_client: int = 64
    header_timeout_s: float = 10.0      # a request must arrive whole within this of its connection (or its last answer)
    keep_alive_s: float = 5.0           # an idle HTTP connection is closed after this
    max_message_bytes: int = 1 << 20    # one message from a page (a TOML spec, a downscaled image)
    socket_max_bytes: int = 4 << 20     # past this the WebSocket itself closes (1009) instead of replying
    messages_per_s: float = 200.0       # sustained, per connection (pointer moves and frame acks)
    message_burst: int = 400
    outbox_bytes: int = 4 << 20         # waiting to go to a page that does not read them: past this, it is not read from
    frame_rate: float = 60.0            # frames a page gets per second, at most
    busy_frame_rate: float = 25.0       # ... and what each is brought down to when the box is busy
    step_budget_s: float = 0.012        # optimizer time per frame, at most (a scene may ask for less)
    compute_limit_s: float = 5.0        # one event, or one step + frame, past this is cut off
    max_frame_bytes: int = 16 << 20     # a frame bigger than this is replaced by an error
    window: int = 2                     # frames sent and not yet drawn by the page

    def describe(self):
        return asdict(self)

    def changed(self, assignments):
        """These limits with `NAME=VALUE` texts applied (each a positive number, whole where the
        limit counts something); a UsageError names a bad one."""
        types = {field.name: field.type for field in dataclasses.fields(self)}
        values = {}
        for text in assignments:
            name, _, raw = text.partition("=")
            where = f"--limit {name}"
            if name not in types:
                raise UsageError(f"no such limit{did_you_mean(name, types)} (the limits: {', '.join(types)})",
                                 where=where)
            parse = parse_integer if types[name] in (int, "int") else parse_number
            values[name] = parse(raw, where, lo=1 if parse is parse_integer else 1e-3)
        return dataclasses.replace(self, **values)

    def within_descriptors(self):
        """These limits with max_connections lowered to what `ulimit -n` leaves once every
        session has its share (its socket pair, its process's pipes) and the server its own."""
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft == resource.RLIM_INFINITY:
            return self
        room = (soft - RESERVED_DESCRIPTORS - ACCEPTS_IN_FLIGHT * ACCEPT_BACKLOG
                - DESCRIPTORS_PER_SESSION * self.max_sessions)
        if room < 16:
            raise UsageError(f"ulimit -n is {soft}: too few open files for {self.max_sessions} sessions and the "
                             "connections to them; raise it (ulimit -n 4096) or lower --max-sessions",
                             where=f"--max-sessions {self.max_sessions}")
        return dataclasses.replace(self, max_connections=min(self.max_connections, room))


RESERVED_DESCRIPTORS = 64     # the server's own: its socket, the fork server, logs, static files being read
DESCRIPTORS_PER_SESSION = 4   # a session's end of its socket pair, its process's sentinel and pipes
# connections the kernel queues, and asyncio accepts in one go before any is refused
ACCEPT_BACKLOG = 128
# batches of them holding descriptors beyond the count: asyncio makes a connection's protocol two
# turns of its loop after accepting it (and accepts a batch each turn), and a connection closed to
# make room frees its descriptor a turn later; with 2, a flood on a busy server reached 935 of
# 1024 descriptors, and now and then all of them (an accept error and a 1 s pause in accepting)
ACCEPTS_IN_FLIGHT = 4


def usable_cores():
    """The cores this process may run on (fewer than the machine's under taskset or a container's cpuset)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def step_budget(limits, scene_budget, active_sessions, cores=None):
    """The step() budget of one frame: the scene's wish, capped, and shared out when the box is busy.

    With more live sessions than cores each one steps for a proportionally shorter time,
    so frames keep coming to every page instead of a few sessions hogging the CPU; past
    SESSIONS_PER_CORE a core (the busy frame rate) a smaller part still, BUSY_STEP_SHARE:
    there the rest of a frame (making it, the events, the server and the pages) costs as much
    as its step, and twenty pages on 2 cores with the whole share left the box no slack.
    """
    cores = cores or usable_cores()
    share = min(1.0, cores / max(active_sessions, 1))
    if active_sessions > SESSIONS_PER_CORE * cores:
        share *= BUSY_STEP_SHARE
    return min(scene_budget, limits.step_budget_s) * share


SESSIONS_PER_CORE = 4   # up to this many sessions a core, every page gets the full frame rate
BUSY_STEP_SHARE = 0.6   # ... past it, a step gets this part of its share of the cores (step_budget)


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


def next_tick(due, began, period):
    """When the frame after one begun at `began` is due, the last one having been due at `due`:
    on a grid of `period`, so that a session woken late (a busy box) does not push every later
    frame back by its lateness too, and the frames keep their rate on average. Later than a
    whole period, it starts the grid again from `began` (no burst to catch up)."""
    on_grid = due + period
    return on_grid if on_grid > began else began + period


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
