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
import site
import struct
import subprocess
import sys
import weakref
from pathlib import Path

from .errors import UsageError
from .files import fsync_folder, replace_whole, write_atomic

LENGTH = struct.Struct("<Q")   # each message: its length, then its pickle
PIPE_BYTES = 1 << 20           # the pipe's size: a checkpoint of the default model (110 kB) goes in at once
READ_BYTES = 1 << 20           # the most one read takes


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
        self.ended = None   # once the process is gone: why, said at every call from then on
        # -P: the folder the run was started in is not searched (a json.py there is not imported)
        self.process = subprocess.Popen([sys.executable, "-P", "-m", __name__, *preload], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, bufsize=0, env=_child_environment(),
                                        start_new_session=True)
        _widen_pipe(self.process.stdin.fileno())
        self.answers = select.poll()   # not select.select: it refuses descriptors past 1023
        self.answers.register(self.process.stdout.fileno(), select.POLLIN)
        # dropped without close(): the pipe closes, so the process ends instead of waiting for jobs
        weakref.finalize(self, self.process.stdin.close)

    def submit(self, path, make, *args):
        if self.closed:
            raise RuntimeError(f"WriterProcess {self.flag}: submit after close")
        self._hear(wait=False)
        self._raise_error()
        self.pending = (str(path), self.flag, make, args)
        if not self.in_flight:
            self._send_pending()

    def poll(self):
        """Send the job that waits, if the process has finished the one before it (no waiting:
        a look at the pipe, only while a job waits)."""
        if self.pending is not None and self.in_flight:
            self._hear(wait=False)
            if not self.in_flight and self.ended is None:
                self._send_pending()

    def close(self):
        """Wait until all submitted is written and the process has synced the folders and
        ended; raise its error, if any (a second close does nothing)."""
        if self.closed:
            return
        self.closed = True
        try:
            while self.in_flight or self.pending is not None:   # (a process that ended drops both)
                if not self.in_flight:
                    self._send_pending()
                self._hear(wait=True)
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
        if not self.in_flight or not (wait or self.answers.poll(0)):
            return
        answer = _read_message(self.process.stdout.fileno())
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
        self.ended = (f"the writer process of {self.flag} ended (exit status {self.process.wait()}) before it "
                      "had written all it was given")

    def _raise_error(self):
        if self.error is not None:
            error, self.error = self.error, None
            raise error
        if self.ended is not None:
            raise RuntimeError(self.ended)


def serve(jobs, answers, preload=()):
    """The writer process's loop, reading jobs from the file descriptor `jobs` and answering
    each on `answers`, until `jobs` closes: then each folder written in is synced, so the
    last renames survive a power cut. Each file is synced before its rename; its folder also
    after a path's first write (so the file is there at all). `preload`: modules imported
    first; one that fails is the answer to every job."""
    written, broken = set(), _imported(preload)
    while (message := _read_message(jobs)) is not None:
        answer = broken or _write(message, written)
        try:
            _write_message(answers, pickle.dumps(answer))
        except OSError:   # the run is gone (killed): no one to answer, but the folders are still synced
            break
    for folder in {path.parent for path in written}:
        fsync_folder(folder)


def _imported(modules):
    """None once each module is imported, else the answer that says why one was not."""
    try:
        for module in modules:
            importlib.import_module(module)
        return None
    except Exception as error:
        return "error", f"{type(error).__name__}: {error}"


def _write(message, written):
    """One job: None when the file is whole on disk, else (kind, message) of what went wrong."""
    try:
        path, flag, make, args = pickle.loads(message)   # imports make's module: it may fail too
        path, data = Path(path), make(*args)
        if path in written:   # dead writers' files were looked for, and the folder synced, the first time
            replace_whole(path, data, flag)
        else:
            write_atomic(path, data, flag)
            written.add(path)
        return None
    except UsageError as error:
        return "usage", str(error)
    except Exception as error:   # told to the run, which raises it
        return "error", f"{type(error).__name__}: {error}"


def _write_message(fd, data):
    """Write a length and data to fd, all of it (a pipe may take a large one in parts)."""
    for part in (LENGTH.pack(len(data)), data):   # apart: joined, a large checkpoint would be copied once more
        view = memoryview(part)
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
        part = os.read(fd, min(left, READ_BYTES))
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
    """This environment; where this diffplay was not installed but imported from a folder (a
    checkout's src/, through PYTHONPATH or sys.path), that folder first on the child's path, so
    the process imports this very diffplay (a site folder is not put first: it would shadow
    the standard library's modules there)."""
    source = str(Path(__file__).resolve().parents[1])
    if source in {*site.getsitepackages(), site.getusersitepackages()}:
        return dict(os.environ)
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": source if not path else os.pathsep.join([source, path])}


if __name__ == "__main__":
    answers = os.dup(sys.stdout.fileno())
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())   # a stray print cannot garble an answer
    serve(sys.stdin.fileno(), answers, preload=sys.argv[1:])
    sys.stdout.flush()   # what a job printed (it goes to stderr); the files are synced, the answers unbuffered:
    sys.stderr.flush()
    os._exit(0)          # the interpreter's teardown would cost the run ~6 ms
