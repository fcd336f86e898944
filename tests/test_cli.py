"""`diffplay` itself, as a user runs it: bare `diffplay [options]` is the main job (gpt train);
--debug and --help stay diffplay's own."""

import json
import subprocess
import sys

import pytest


def diffplay(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "diffplay.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture
def docs(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("anna\nbob\ncarla\ndan\neve\n", encoding="utf-8")
    return path


def test_bare_diffplay_trains_microgpt_on_the_default_names(tmp_path):
    done = diffplay(cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "trained 1000 steps" in done.stdout and (tmp_path / "model.npz").is_file()


def test_bare_diffplay_takes_gpt_train_options(docs, tmp_path):
    done = diffplay("--steps", "3", "--data", docs, "--samples", "2", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["steps"] == 3 and len(summary["samples"]) == 2


@pytest.mark.parametrize("order", [["--debug", "--steps", "0"], ["--steps", "0", "--debug"]])
def test_bare_diffplay_keeps_debug_as_its_own_option(docs, tmp_path, order):
    done = diffplay(*order, "--data", docs, cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" in done.stderr   # --debug: the error with its traceback
    assert "UsageError: --steps: must be a positive integer, got 0" in done.stderr


def test_bare_diffplay_errors_exit_2_without_a_traceback(tmp_path):
    done = diffplay("--steps", "0", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.strip() == "diffplay: --steps: must be a positive integer, got 0"


def test_help_is_diffplays_own(tmp_path):
    done = diffplay("--help", cwd=tmp_path)
    assert done.returncode == 0 and "COMMAND" in done.stdout and "gpt" in done.stdout
    assert not (tmp_path / "model.npz").exists()


def test_python_dash_m_diffplay_is_the_same_command(tmp_path):
    done = subprocess.run([sys.executable, "-m", "diffplay", "--steps", "0"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert done.returncode == 2 and done.stderr.strip() == "diffplay: --steps: must be a positive integer, got 0"


def test_a_command_after_debug_is_still_a_command(docs, tmp_path):
    done = diffplay("--debug", "gpt", "train", "--steps", "2", "--data", docs, "--samples", "0", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "trained 2 steps" in done.stdout


def test_ctrl_c_outside_a_training_run_says_interrupted_and_exits_130():
    import os
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-m", "diffplay.cli", "demo", "--steps", "1000000"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen, deadline = b"", time.monotonic() + 60
    while b"step/s" not in seen:   # the progress bar is running: Python's handler is installed
        assert time.monotonic() < deadline and proc.poll() is None
        seen += os.read(proc.stderr.fileno(), 4096)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.decode().strip().splitlines()[-1].endswith("diffplay: interrupted")


def test_output_into_a_pipe_closed_early_stops_quietly_like_cat():
    """`diffplay scene --list | head -1`: the reader has gone; no traceback, the shell's status for it."""
    proc = subprocess.Popen([sys.executable, "-m", "diffplay.cli", "scene", "--list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    errors = proc.stderr.read().decode()
    assert proc.wait() == 141 and errors == ""
