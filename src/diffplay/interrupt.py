"""Ctrl-C between steps: a long loop checks `stop.requested` after each whole step, so it can
save a consistent state before it stops, instead of being cut off halfway through an update."""

import signal
import threading
from contextlib import contextmanager


class StopRequest:
    requested = False


@contextmanager
def stop_between_steps():
    """Within the block, a first Ctrl-C (SIGINT) only sets .requested; a second one raises
    KeyboardInterrupt at once. Off the main thread, or where SIGINT already has another handler
    than Python's own, nothing changes."""
    stop = StopRequest()
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is not signal.default_int_handler:
        yield stop
        return

    def first_ctrl_c(signum, frame):
        stop.requested = True
        signal.signal(signal.SIGINT, previous)   # the next one stops at once

    signal.signal(signal.SIGINT, first_ctrl_c)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
