"""What the GPT tests do to runs: stop one right after a step, kill one once it has saved."""

import signal
import subprocess
import time


def stop_at(step):
    """An on_step callback that interrupts training right after `step` (the last checkpoint stays)."""
    def on_step(done, steps, loss):
        if done == step:
            raise KeyboardInterrupt
    return on_step


def kill_once_saved(command, out, timeout=120):
    """Start `command` and SIGKILL it as soon as the file `out` exists; returns the ended process
    (its returncode is -SIGKILL unless the run ended first)."""
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    return proc
