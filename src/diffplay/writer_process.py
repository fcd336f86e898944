"""Atomic writes in a process of their own, so a training loop pays for a checkpoint only what
it takes to hand the numbers over.

A thread could not do it: the loop holds the interpreter lock, and each of a write's system
calls (open, write, fsync, close, rename) handed it over and back, which cost the loop ~1 ms a
checkpoint, as much as writing there itself (benchmarks/gpt.py, the default CLI run). The
process (`python -m diffplay.writer_process`) reads jobs from a pipe — a path, a function that
makes the bytes and its arguments, pickled — makes each file with files.write_atomic's parts,
and answers each job with None or the error it met. It runs in a session of its own, so the
Ctrl-C meant for the training run does not stop a write half way; when the pipe closes (the
run ended, or was killed) it finishes the job in hand, syncs the folders and exits.
"""

import importlib
import os
import pickle
import select
import struct
import subprocess
import sys
from pathlib import Path

from .errors import UsageError
from .files import fsync_folder, remove_dead_writers_files, replace_whole

LENGTH = struct.Struct("<Q")   # each message: its length, then its pickle
PIPE_BYTES = 1 << 20           # a checkpoint of the default model (110 kB) goes in at once


class WriterProcess:
    """`submit(path, make, *args)`: the file at path becomes make(*args), written atomically in
    the writer process (make: a module-level function the process can import, args picklable).
    A job not yet sent gives way to a newer one (the file only ever holds a whole version, and
    the newest wins); `close()` waits until everything submitted is on disk. An error in the
    process (a full disk) is raised by the next submit() or by close()."""

    def __init__(self, flag, preload=()):
        """preload: the modules that the jobs' functions live in, imported by the process while
        the run goes on (not when the first job, perhaps the last, comes)."""
        self.flag, self.pending, self.in_flight, self.error, self.closed = flag, None, False, None, False
        self.process = subprocess.Popen([sys.executable, "-m", __name__, *preload], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, bufsize=0, env=_child_environment(),
                                        start_new_session=True)
        _widen_pipe(self.process.stdin.fileno())

    def submit(self, path, make, *args):
        if self.closed:
            raise RuntimeError(f"WriterProcess {self.flag}: submit after close")
        self._hear(wait=False)
        self._raise_error()
        self.pending = (str(path), self.flag, make, args)
        if not self.in_flight:
            self._send_pending()

    def close(self):
        """Wait until all submitted is written and the process has synced the folders and
        ended; raise its error, if any (a second close does nothing)."""
        if self.closed:
            return
        self.closed = True
        try:
            while self.in_flight:
                self._hear(wait=True)
                if self.pending is not None and not self.in_flight:
                    self._send_pending()
        finally:
            self.process.stdin.close()   # the process's cue to sync the folders and end
            self.process.wait()
            self.process.stdout.close()
        self._raise_error()

    def _send_pending(self):
        job, self.pending = self.pending, None
        try:
            _write_message(self.process.stdin.fileno(), pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            self.in_flight = True
        except BrokenPipeError:
            self._ended()

    def _hear(self, wait):
        """Take the process's answer to the job in flight, if it has come (or, wait=True, once it comes)."""
        fd = self.process.stdout.fileno()
        if not self.in_flight or not (wait or select.select([fd], [], [], 0)[0]):
            return
        answer = _read_message(fd)
        if answer is None:
            self._ended()
            return
        self.in_flight = False
        failure = pickle.loads(answer)
        if failure is not None and self.error is None:
            kind, message = failure
            self.error = UsageError(message) if kind == "usage" else RuntimeError(
                f"the writer process of {self.flag} failed: {message}")

    def _ended(self):
        """The process is gone before it answered: what was in flight may not be on disk."""
        self.in_flight, self.pending = False, None
        if self.error is None:
            code = self.process.wait()
            self.error = RuntimeError(f"the writer process of {self.flag} ended (exit status {code}) before "
                                      "it had written all it was given")

    def _raise_error(self):
        if self.error is not None:
            error, self.error = self.error, None
            raise error


def serve(jobs, answers):
    """The writer process's loop, reading jobs from the file descriptor `jobs` and answering
    each on `answers`, until `jobs` closes: then each folder written in is synced, so the
    last renames survive a power cut. Each file is synced before its rename; its folder also
    after a path's first write (so the file is there at all)."""
    written = set()
    while (message := _read_message(jobs)) is not None:
        path, flag, make, args = pickle.loads(message)
        _write_message(answers, pickle.dumps(_write(Path(path), flag, make, args, written)))
    for folder in {path.parent for path in written}:
        fsync_folder(folder)


def _write(path, flag, make, args, written):
    """One job: None when the file is whole on disk, else (kind, message) of what went wrong."""
    try:
        first = path not in written
        if first:   # what dead writers left is looked for once a path, not every write
            remove_dead_writers_files(path, ".tmp")
        replace_whole(path, make(*args), flag)
        if first:
            fsync_folder(path.parent)
        written.add(path)
        return None
    except UsageError as error:
        return "usage", str(error)
    except Exception as error:   # told to the run, which raises it
        return "error", f"{type(error).__name__}: {error}"


def _write_message(fd, data):
    """Write a length and data to fd, all of it (a pipe may take a large one in parts)."""
    view = memoryview(LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read_message(fd):
    """The next message read from fd, or None at its end (a message cut short counts as none:
    its writer died while sending it)."""
    head = _read_exactly(fd, LENGTH.size)
    return None if head is None else _read_exactly(fd, LENGTH.unpack(head)[0])


def _read_exactly(fd, n):
    parts, left = [], n
    while left:
        part = os.read(fd, min(left, PIPE_BYTES))
        if not part:
            return None
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _widen_pipe(fd):
    """Best effort: a pipe that holds a whole checkpoint lets the run hand it over and go on
    (Linux only; elsewhere the hand-over waits until the process has read it)."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass


def _child_environment():
    """This environment, with the folder this diffplay was imported from first on the path."""
    source = str(Path(__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": source if not path else os.pathsep.join([source, path])}


if __name__ == "__main__":
    answers = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())   # a stray print cannot garble an answer
    for module in sys.argv[1:]:
        importlib.import_module(module)
    serve(sys.stdin.fileno(), answers)
    os._exit(0)   # all is synced and nothing buffered: the interpreter's teardown would cost the run ~6 ms
