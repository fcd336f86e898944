"""The writer process: checkpoints made and written off the training process, atomically,
the newest winning, every error told to the run."""

import os
import pickle
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from diffplay.errors import UsageError
from diffplay.npz import npz_bytes
from diffplay.writer_process import WriterProcess, _read_message, _write_message, serve
from test_files import dead_pid, synced
from writer_jobs import failing, held

TESTS = Path(__file__).parent


def with_tests_on_the_path():
    """This environment, this folder added to PYTHONPATH: a writer process can import writer_jobs."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}


@pytest.fixture
def writer(monkeypatch):
    """A WriterProcess that can import this folder's jobs; closed after the test."""
    monkeypatch.setattr(os, "environ", with_tests_on_the_path())
    writer = WriterProcess("--out")
    yield writer
    try:
        writer.close()
    except Exception:
        pass


def test_the_newest_submission_wins_and_close_waits_until_it_is_on_disk(writer, tmp_path):
    path, gate, log = tmp_path / "out.bin", tmp_path / "gate", tmp_path / "log"
    for data in (b"first", b"second", b"third", b"fourth"):   # the first is held; each next gives way to a newer
        writer.submit(path, held, data, str(gate), str(log))
    gate.touch()
    writer.close()
    assert log.read_bytes() == b"first\nfourth\n" and path.read_bytes() == b"fourth"
    assert sorted(os.listdir(tmp_path)) == ["gate", "log", "out.bin"]
    assert writer.process.returncode == 0


def test_a_job_that_waited_goes_as_soon_as_the_process_is_free_when_polled(writer, tmp_path):
    path, gate, log = tmp_path / "out.bin", tmp_path / "gate", tmp_path / "log"
    for data in (b"first", b"second"):
        writer.submit(path, held, data, str(gate), str(log))
    gate.touch()
    deadline = time.monotonic() + 30
    while not (path.exists() and path.read_bytes() == b"second") and time.monotonic() < deadline:
        writer.poll()   # what a training loop does between steps
        time.sleep(0.001)
    assert path.read_bytes() == b"second" and log.read_bytes() == b"first\nsecond\n"


def test_a_job_larger_than_the_pipe_arrives_whole(writer, tmp_path):
    data = os.urandom(3 << 20)   # three times the pipe's size: written and read in parts
    writer.submit(tmp_path / "big.npz", npz_bytes, "meta.json", {"n": 1}, [("a", b"", data)])
    writer.close()
    with open(tmp_path / "big.npz", "rb") as f:
        assert data in f.read()


def test_a_module_in_the_folder_the_run_started_in_is_not_imported_by_the_process(tmp_path, monkeypatch):
    (tmp_path / "json.py").write_text("raise SystemExit('the json.py of the working folder was imported')\n")
    monkeypatch.chdir(tmp_path)
    writer = WriterProcess("--out", preload=["diffplay.npz"])
    writer.submit(tmp_path / "out.npz", npz_bytes, "meta.json", {"n": 1}, [])
    writer.close()
    assert (tmp_path / "out.npz").exists()


def test_a_job_whose_function_the_process_cannot_import_is_told_with_the_reason(tmp_path):
    writer = WriterProcess("--out")   # this folder is not on its path
    writer.submit(tmp_path / "out.bin", held, b"x", "gate", "log")
    with pytest.raises(RuntimeError, match=r"failed: ModuleNotFoundError: No module named 'writer_jobs'"):
        writer.close()


def test_a_preload_that_fails_is_the_answer_to_every_job(tmp_path):
    writer = WriterProcess("--out", preload=["diffplay.no_such_module"])
    writer.submit(tmp_path / "out.bin", npz_bytes, "meta.json", {}, [])
    with pytest.raises(RuntimeError, match=r"ModuleNotFoundError: No module named 'diffplay.no_such_module'"):
        writer.close()
    assert not (tmp_path / "out.bin").exists()


def test_a_run_killed_mid_write_leaves_the_process_to_finish_the_file_and_end_quietly(tmp_path):
    path, gate, log = tmp_path / "out.bin", tmp_path / "gate", tmp_path / "log"
    run = subprocess.Popen([sys.executable, "-c", f"""
from diffplay.writer_process import WriterProcess
from writer_jobs import held
writer = WriterProcess("--out")
writer.submit({str(path)!r}, held, b"whole", {str(gate)!r}, {str(log)!r})
print("sent", flush=True)
import time; time.sleep(60)
"""], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=with_tests_on_the_path())
    assert run.stdout.readline() == b"sent\n"
    run.kill()   # mid-write: the job is in the process, held at the gate
    run.wait()
    gate.touch()
    said = run.stderr.read()   # to its end: once the writer process (which shares it) has ended
    assert path.read_bytes() == b"whole" and b"Traceback" not in said
    assert sorted(os.listdir(tmp_path)) == ["gate", "log", "out.bin"]   # no temporary file left


def test_an_error_in_the_process_is_raised_by_the_next_call(writer, tmp_path):
    writer.submit(tmp_path / "nodir" / "out.bin", npz_bytes, "meta.json", {}, [])
    with pytest.raises(UsageError, match=r"^--out .*nodir/out.bin: cannot write it"):
        writer.close()
    with pytest.raises(RuntimeError, match="submit after close"):
        writer.submit(tmp_path / "out.bin", npz_bytes, "meta.json", {}, [])


def test_a_failing_job_is_told_with_its_error_and_the_old_file_stays(writer, tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    writer.submit(path, failing, "no bytes today")
    with pytest.raises(RuntimeError, match=r"the writer process of --out failed: ValueError: no bytes today"):
        writer.close()
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["out.bin"]


def test_a_writer_process_that_died_is_told_at_every_call_not_ignored(writer, tmp_path):
    writer.process.send_signal(signal.SIGKILL)
    writer.process.wait()
    writer.submit(tmp_path / "out.bin", npz_bytes, "meta.json", {}, [])   # the job is lost: said next
    for call in (lambda: writer.submit(tmp_path / "out.bin", npz_bytes, "meta.json", {}, []), writer.close):
        with pytest.raises(RuntimeError, match=r"ended \(exit status -9\) before it had written all it was given"):
            call()


def test_a_writer_process_that_dies_with_a_job_in_hand_is_told(writer, tmp_path):
    writer.submit(tmp_path / "out.bin", held, b"x", str(tmp_path / "gate"), str(tmp_path / "log"))
    writer.process.send_signal(signal.SIGKILL)
    with pytest.raises(RuntimeError, match=r"ended \(exit status -9\)"):
        writer.close()


def serve_in_this_process(jobs):
    """Run serve() on a thread of this process over real pipes: send each (path, make, args) of
    jobs, then close; returns the answers."""
    job_read, job_write = os.pipe()
    answer_read, answer_write = os.pipe()
    server = threading.Thread(target=serve, args=(job_read, answer_write))
    server.start()
    answers = []
    for path, make, args in jobs:
        _write_message(job_write, pickle.dumps((str(path), "--out", make, args)))
        answers.append(pickle.loads(_read_message(answer_read)))
    os.close(job_write)
    server.join()
    for fd in (job_read, answer_read, answer_write):
        os.close(fd)
    return answers


def test_each_file_is_synced_and_its_folder_after_the_first_write_and_at_the_end(tmp_path, monkeypatch):
    log, path = synced(monkeypatch), tmp_path / "out.bin"
    answers = serve_in_this_process([(path, bytes, (data,)) for data in (b"a", b"b", b"c")])
    assert answers == [None] * 3 and path.read_bytes() == b"c"
    assert log == ["file", "folder", "file", "file", "folder"]


def test_what_dead_writers_left_is_removed_before_the_first_write(tmp_path):
    (tmp_path / f".out.bin.{dead_pid()}.0.tmp").write_text("half")
    assert serve_in_this_process([(tmp_path / "out.bin", bytes, (b"whole",))]) == [None]
    assert os.listdir(tmp_path) == ["out.bin"] and stat.S_ISREG((tmp_path / "out.bin").stat().st_mode)


def test_a_job_cut_short_by_a_dying_run_is_dropped_and_the_file_stays_whole(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    job_read, job_write = os.pipe()
    answer_read, answer_write = os.pipe()
    os.write(job_write, (1000).to_bytes(8, "little") + b"only part of a job")   # then the run died
    os.close(job_write)
    serve(job_read, answer_write)
    os.close(answer_write)
    assert os.read(answer_read, 100) == b"" and path.read_bytes() == b"old"
    for fd in (job_read, answer_read):
        os.close(fd)
