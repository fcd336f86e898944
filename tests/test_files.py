"""Output files: a bad --out path is refused before any work; writes are atomic, synced, and
get the permissions a plain open() would give."""

import errno
import itertools
import os
import re
import stat

import pytest

import diffplay.files
from diffplay.errors import UsageError
from diffplay.files import check_writable, write_atomic


def test_check_writable_accepts_a_new_file_in_an_existing_folder_and_leaves_nothing(tmp_path):
    check_writable(tmp_path / "model.json", "--out")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("relative, message", [
    ("nodir/m.json", "no such folder: "),
    ("file.txt/m.json", ".*/file.txt is not a folder"),
    ("folder", "is a folder; give a file name"),
])
def test_check_writable_names_the_flag_path_and_problem(tmp_path, relative, message):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "folder").mkdir()
    path = tmp_path / relative
    with pytest.raises(UsageError, match=f"^--out {re.escape(str(path))}: {message}"):
        check_writable(path, "--out")


def test_write_atomic_replaces_the_file_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "out.json"
    write_atomic(path, "old", "--out")
    write_atomic(path, b"new \xff", "--out")
    assert path.read_bytes() == b"new \xff" and os.listdir(tmp_path) == ["out.json"]


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_write_atomic_gives_the_mode_a_plain_open_gives_under_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        write_atomic(tmp_path / "atomic.txt", "x", "--out")
        (tmp_path / "plain.txt").write_text("x")
    finally:
        os.umask(old)
    modes = [stat.S_IMODE((tmp_path / name).stat().st_mode) for name in ("atomic.txt", "plain.txt")]
    assert modes[0] == modes[1] == 0o666 & ~mask


def test_write_atomic_into_a_missing_folder_is_a_usage_error_naming_the_flag(tmp_path):
    path = tmp_path / "nodir" / "m.json"
    with pytest.raises(UsageError, match=f"^--out {re.escape(str(path))}: cannot write it"):
        write_atomic(path, "x", "--out")


def synced(monkeypatch):
    """What os.fsync is asked to sync from now on, in order: "file" or "folder"."""
    log, fsync = [], os.fsync

    def watched(fd):
        log.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        fsync(fd)

    monkeypatch.setattr(os, "fsync", watched)
    return log


def test_write_atomic_syncs_the_file_then_the_folder_it_was_renamed_in(tmp_path, monkeypatch):
    log = synced(monkeypatch)
    write_atomic(tmp_path / "out.bin", b"x", "--out")
    assert log == ["file", "folder"]


def test_a_temporary_name_in_use_is_passed_over_for_the_next(tmp_path, monkeypatch):
    taken = [tmp_path / f".out.bin.{os.getpid()}.{n}.tmp" for n in range(3)]   # a live writer's names: kept
    monkeypatch.setattr(diffplay.files, "_serial", itertools.count())
    for path in taken:
        path.write_text("another write in progress")
    write_atomic(tmp_path / "out.bin", b"x", "--out")
    assert (tmp_path / "out.bin").read_bytes() == b"x" and all(path.read_text() for path in taken)


def test_what_a_dead_writer_left_that_cannot_be_removed_does_not_stop_a_write(tmp_path):
    (tmp_path / f".out.bin.{dead_pid()}.0.tmp").mkdir()   # a folder of that name: unlink fails
    write_atomic(tmp_path / "out.bin", b"x", "--out")
    assert (tmp_path / "out.bin").read_bytes() == b"x"


def dead_pid():
    """The pid of a process that has ended (and been reaped)."""
    child = os.fork()
    if child == 0:
        os._exit(0)
    os.waitpid(child, 0)
    return child


def test_a_write_removes_the_temporary_files_of_writers_that_died_and_no_others(tmp_path):
    stale = tmp_path / f".model.json.{dead_pid()}.abc123.tmp"   # what a writer killed mid-write leaves
    live = tmp_path / f".model.json.{os.getpid()}.def456.tmp"   # a write in progress in a live process
    other = tmp_path / f".other.json.{dead_pid()}.abc123.tmp"   # another file's
    for path in (stale, live, other):
        path.write_text("half")
    write_atomic(tmp_path / "model.json", "whole", "--out")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["model.json", live.name, other.name])


def test_a_full_disk_leaves_the_old_file_whole_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "out.svg"
    path.write_text("<svg>old</svg>")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)   # the data did not all reach the disk
    with pytest.raises(UsageError, match=r"^-o .*out.svg: cannot write it \(No space left on device\)$"):
        write_atomic(path, "<svg>new</svg>", "-o")
    assert path.read_text() == "<svg>old</svg>" and os.listdir(tmp_path) == ["out.svg"]


def test_check_writable_refuses_to_write_over_the_file_the_command_reads(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text("x")
    (tmp_path / "link.toml").symlink_to(spec)
    for out in (spec, tmp_path / "link.toml", tmp_path / "sub" / ".." / "spec.toml"):
        with pytest.raises(UsageError, match=r"^-o .*: is the file this command reads \(.*spec.toml\); write to another"):
            check_writable(out, "-o", inputs=[spec])
    check_writable(tmp_path / "spec.svg", "-o", inputs=[spec])


def test_check_writable_refuses_a_suffix_the_command_does_not_write(tmp_path):
    with pytest.raises(UsageError, match=r"^-o .*out.png: this command writes .svg files; name one so$"):
        check_writable(tmp_path / "out.png", "-o", suffixes=(".svg",))
    check_writable(tmp_path / "out.SVG", "-o", suffixes=(".svg",))
