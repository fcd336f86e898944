"""Ctrl-C between steps: a long loop checks `stop.requested` after each whole step, so it can
save a consistent state before it stops, instead of being cut off halfway through an update."""

import signal
import threading
from contextlib import ExitStack, contextmanager

# a signal's own handler, the one stop_between_steps may stand in for
DEFAULT_HANDLERS = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}


class StopRequest:
    requested = False


@contextmanager
def stop_between_steps(signals=(signal.SIGINT,)):
    """Within the block, a first Ctrl-C (SIGINT; or another of `signals`, e.g. the SIGTERM with
    which torchrun stops its processes) only sets .requested; a second one acts at once, as
    before the block. Off the main thread, or for a signal that already has a handler of
    someone else's, nothing changes."""
    stop = StopRequest()
    with ExitStack() as stack:
        if threading.current_thread() is threading.main_thread():
            for number in signals:
                stack.enter_context(_first_only(number, stop))
        yield stop


@contextmanager
def _first_only(number, stop):
    previous = signal.getsignal(number)
    if previous is not DEFAULT_HANDLERS[number]:
        yield
        return

    def first(signum, frame):
        stop.requested = True
        signal.signal(number, previous)   # the next one acts at once

    signal.signal(number, first)
    try:
        yield
    finally:
        signal.signal(number, previous)
