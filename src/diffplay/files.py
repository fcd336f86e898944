"""Files a user names: read them with errors that say where, write them whole or not at all.

read_text reads a UTF-8 file (a BOM is fine) or raises a UsageError naming the flag, the file,
and for bad bytes the line and column.

Every command that writes a file (`gpt train --out`, `scene --out`, …) calls check_writable
first, so a typo in a folder name costs a message, not a finished run; then it writes with
write_atomic, so a reader (or a run killed mid-write) sees the old file or the new one, never
half of one. Both turn the operating system's complaints into a UsageError naming the flag.
BackgroundWriter does the same writes on a thread of its own (a training loop's checkpoints).
"""

import os
import tempfile
import threading
from pathlib import Path

from .errors import UsageError


def read_text(path, where, max_bytes=None):
    """The text of a UTF-8 file; a UsageError at `where` if it cannot be read, is larger than
    max_bytes, or is not UTF-8 (naming the line and column of the first bad byte)."""
    try:
        if max_bytes is not None and Path(path).stat().st_size > max_bytes:
            raise UsageError(f"larger than {max_bytes:,} bytes", where=where)
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError("no such file", where=where) from None
    except IsADirectoryError:
        raise UsageError("is a folder, not a file", where=where) from None
    except OSError as error:
        raise UsageError(f"cannot read it ({error.strerror})", where=where) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(_not_utf8(raw, error.start), where=where) from None


def _not_utf8(raw, offset):
    line_start = raw.rfind(b"\n", 0, offset) + 1
    line = raw.count(b"\n", 0, offset) + 1
    return f"line {line} is not UTF-8 (byte 0x{raw[offset]:02x} at column {offset - line_start + 1})"


def check_writable(path, flag):
    """Raise a UsageError (where="FLAG PATH") unless a file can be written at path: its folder
    exists and takes new files (probed by creating and removing one), and path is no folder."""
    path, where = Path(path), f"{flag} {path}"
    folder = path.parent
    if path.is_dir():
        raise UsageError("is a folder; give a file name", where=where)
    if not folder.exists():
        raise UsageError(f"no such folder: {folder}", where=where)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder", where=where)
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise UsageError(f"cannot write in {folder} ({error.strerror})", where=where) from None


def write_atomic(path, data, flag):
    """Write data (str as UTF-8, or bytes) to path via a temporary file in the same folder and
    a rename, synced to disk; an OSError becomes a UsageError (where="FLAG PATH")."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as error:
        raise UsageError(f"cannot write it ({error.strerror})", where=f"{flag} {path}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o666 & ~_umask())   # mkstemp makes 0600; a plain open() would not
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_folder(path.parent)   # so the rename itself survives a power cut
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise UsageError(f"cannot write it ({error.strerror})", where=f"{flag} {path}") from None
        raise


def _umask():
    """The process's umask. Reading it means setting it, so it is put straight back."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _fsync_folder(folder):
    """Best effort: some systems cannot open or sync a folder, and by now the file is whole."""
    try:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


class BackgroundWriter:
    """Atomic writes (write_atomic) on a thread of their own, so a long loop need not wait for
    the disk: `submit(path, make)` hands over a function that returns the bytes, called on that
    thread; a submission not yet started gives way to a newer one (the file only ever holds a
    whole version, and the newest wins); `close()` waits until everything submitted is on disk.
    An error on the thread (a full disk) is raised by the next submit() or by close()."""

    def __init__(self, flag):
        self.flag, self.pending, self.error, self.closing = flag, None, None, False
        self.ready = threading.Condition()
        self.thread = threading.Thread(target=self._run, name=f"writer {flag}")   # not a daemon: a
        self.thread.start()   # process that exits (an exception) still finishes the write in progress

    def submit(self, path, make):
        with self.ready:
            if self.closing:
                raise RuntimeError(f"BackgroundWriter {self.flag}: submit after close")
            self._raise_error()
            self.pending = (path, make)
            self.ready.notify()

    def close(self):
        """Wait until all submitted is written; raise the thread's error, if any."""
        with self.ready:
            self.closing = True
            self.ready.notify()
        self.thread.join()
        with self.ready:
            self._raise_error()

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if error is None:
            self.close()
            return
        try:   # already failing: wait for the writes, but let the first error be the one raised
            self.close()
        except Exception:
            pass

    def _raise_error(self):
        if self.error is not None:
            error, self.error = self.error, None
            raise error

    def _run(self):
        while True:
            with self.ready:
                while self.pending is None and not self.closing:
                    self.ready.wait()
                if self.pending is None:
                    return
                (path, make), self.pending = self.pending, None
            try:
                write_atomic(path, make(), self.flag)
            except Exception as error:   # raised where the loop can hear it
                with self.ready:
                    self.error = error
