"""Files a user names: read them with errors that say where, write them whole or not at all.

read_text reads a UTF-8 file (a BOM is fine) or raises a UsageError naming the flag, the file,
and for bad bytes the line and column; read_bytes and utf8_text are its two halves, for a
reader that looks at the bytes first (a checkpoint: a zip archive or JSON).

Every command that writes a file (`gpt train --out`, `scene --out`, …) calls check_writable
first, so a typo in a folder name, a suffix the command does not write, or the name of a file
the command reads (its spec, its data) costs a message, not a finished run or a lost input; then
it writes with write_atomic, so a reader (or a run killed mid-write) sees the old file or the
new one, never half of one. A run killed mid-write leaves its temporary file behind; the name
says whose it is (`.model.json.PID.N.tmp`), and the next write to that file removes those
of writers that have died. Both turn the operating system's complaints into a UsageError
naming the flag. writer_process.py does the same writes in a process of its own (a training
loop's checkpoints).
"""

import itertools
import os
from pathlib import Path

from .errors import UsageError


def read_text(path, where, max_bytes=None):
    """The text of a UTF-8 file; a UsageError at `where` if it cannot be read, is larger than
    max_bytes, or is not UTF-8 (naming the line and column of the first bad byte)."""
    return utf8_text(read_bytes(path, where, max_bytes), where)


def read_bytes(path, where, max_bytes=None):
    """The bytes of a file; a UsageError at `where` if it cannot be read or is larger than max_bytes."""
    try:
        if max_bytes is not None and Path(path).stat().st_size > max_bytes:
            raise UsageError(f"larger than {max_bytes:,} bytes", where=where)
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise UsageError("no such file", where=where) from None
    except IsADirectoryError:
        raise UsageError("is a folder, not a file", where=where) from None
    except OSError as error:
        raise UsageError(f"cannot read it ({error.strerror})", where=where) from None


def utf8_text(raw, where):
    """Bytes as text (UTF-8, a BOM is fine), or a UsageError at `where` naming the line and
    column of the first bad byte."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(_not_utf8(raw, error.start), where=where) from None


def _not_utf8(raw, offset):
    line_start = raw.rfind(b"\n", 0, offset) + 1
    line = raw.count(b"\n", 0, offset) + 1
    return f"line {line} is not UTF-8 (byte 0x{raw[offset]:02x} at column {offset - line_start + 1})"


def check_writable(path, flag, suffixes=None, inputs=()):
    """Raise a UsageError (where="FLAG PATH") unless a file can be written at path: its folder
    exists and takes new files (probed by creating and removing one), path is no folder, ends
    in one of `suffixes` when given ((".svg",)), and is none of the files in `inputs`."""
    path, where = Path(path), f"{flag} {path}"
    folder = path.parent
    if suffixes is not None and path.suffix.lower() not in suffixes:
        raise UsageError(f"this command writes {' or '.join(suffixes)} files; name one so", where=where)
    for given in inputs:
        if _same_file(path, Path(given)):
            raise UsageError(f"is the file this command reads ({given}); write to another file", where=where)
    if path.is_dir():
        raise UsageError("is a folder; give a file name", where=where)
    if not folder.exists():
        raise UsageError(f"no such folder: {folder}", where=where)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder", where=where)
    try:
        fd, probe = _temporary(path, ".probe")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise UsageError(f"cannot write in {folder} ({error.strerror})", where=where) from None


def write_atomic(path, data, flag):
    """Write data (str as UTF-8, or bytes) to path via a temporary file in the same folder and
    a rename, synced to disk; an OSError becomes a UsageError (where="FLAG PATH")."""
    path = Path(path)
    _remove_dead_writers_files(path, ".tmp")
    replace_whole(path, data, flag)
    fsync_folder(path.parent)   # so the rename itself survives a power cut


def replace_whole(path, data, flag):
    """write_atomic's write and rename, without its two looks at the folder, before and after
    (a writer that writes one path again and again looks for dead writers' files once, and
    syncs the folder when it is done)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = _new_temporary(path, ".tmp")
    except OSError as error:
        raise UsageError(f"cannot write it ({error.strerror})", where=f"{flag} {path}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise UsageError(f"cannot write it ({error.strerror})", where=f"{flag} {path}") from None
        raise


def _temporary(path, suffix):
    """(fd, name) of a new file beside path, named for this process; first the ones that
    writers which have died left there are removed."""
    _remove_dead_writers_files(path, suffix)
    return _new_temporary(path, suffix)


def _remove_dead_writers_files(path, suffix):
    """Best effort: what another writer left is never a reason to fail this write."""
    for left in path.parent.glob(f".{_glob_escape(path.name)}.*{suffix}"):
        pid = left.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            try:
                left.unlink(missing_ok=True)
            except OSError:   # someone else's, in a shared folder; a folder of that name
                pass


_serial = itertools.count()   # with the pid, a name no other writer of this folder picks


def _new_temporary(path, suffix):
    """(fd, name) of a file made new beside path, `.NAME.PID.N{suffix}`: created, never
    reused (O_EXCL), with the mode a plain open() gives under the umask."""
    while True:
        name = str(path.parent / f".{path.name}.{os.getpid()}.{next(_serial)}{suffix}")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), name
        except FileExistsError:   # left by an earlier process of this pid: take the next number
            continue


def _alive(pid):
    if os.name == "nt":   # os.kill(pid, 0) would end that process there: count it alive
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # someone else's process: alive
        return True
    return True


def _glob_escape(name):
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _same_file(a, b):
    """Whether two paths name one file (an existing one by inode, so a link counts too)."""
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b) or a.resolve() == b.resolve()
    except OSError:
        return False


def fsync_folder(folder):
    """Best effort: some systems cannot open or sync a folder, and by now the file is whole."""
    try:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
