"""`diffplay gpt train` and `diffplay gpt sample` as a user runs them: real subprocesses."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from diffplay.gpt.checkpoint import read_checkpoint

FAST = ["--steps", "20", "--n-embd", "8", "--n-head", "2"]


def diffplay(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "diffplay.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


@pytest.fixture
def docs(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("anna\nbob\ncarla\ndan\neve\n", encoding="utf-8")
    return path


def test_train_json_summary_is_the_last_stdout_line(docs, tmp_path):
    out = tmp_path / "model.json"
    done = diffplay("gpt", "train", "--data", docs, *FAST, "--samples", "3", "--out", out, "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert set(summary) == {"steps", "loss_first", "loss_last100", "seconds", "params", "tokens_per_s",
                            "samples", "out"}
    assert summary["steps"] == 20 and len(summary["samples"]) == 3 and summary["out"] == str(out)
    assert out.is_file()


def test_train_shows_progress_on_stderr_and_results_on_stdout(docs, tmp_path):
    done = diffplay("gpt", "train", "--data", docs, *FAST, "--samples", "2", "--out", tmp_path / "m.json")
    assert done.returncode == 0, done.stderr
    assert "gpt train" in done.stderr and "20/20" in done.stderr and "loss" in done.stderr
    assert "trained 20 steps" in done.stdout and "sample  2:" in done.stdout


def test_sample_without_a_seed_draws_fresh_names_each_run(docs, tmp_path):
    out = tmp_path / "model.json"
    diffplay("gpt", "train", "--data", docs, *FAST, "--samples", "0", "--out", out)
    runs = [diffplay("gpt", "sample", "--model", out, "-n", "10", "--temperature", "2") for _ in range(2)]
    assert all(run.returncode == 0 and run.stderr == "" for run in runs)
    assert all(len(run.stdout.splitlines()) == 10 for run in runs)   # the names and nothing else
    assert runs[0].stdout != runs[1].stdout


def test_sample_with_a_seed_repeats_exactly(docs, tmp_path):
    out = tmp_path / "model.json"
    diffplay("gpt", "train", "--data", docs, *FAST, "--samples", "0", "--out", out)
    seeded = [diffplay("gpt", "sample", "--model", out, "-n", "5", "--seed", "3", "--prompt", "b") for _ in range(2)]
    assert seeded[0].stdout == seeded[1].stdout
    assert all(name.startswith("b") for name in seeded[0].stdout.split())


def test_long_documents_get_one_warning_with_their_count(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text("a" * 30 + "\n" + "b" * 20 + "\nab\n", encoding="utf-8")
    done = diffplay("gpt", "train", "--data", path, *FAST, "--samples", "0", "--out", tmp_path / "m.json")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert warnings == ["diffplay: warning: 2 of 3 documents have 16 characters or more; as in microgpt, "
                        "each is trained on its first 16 positions only"]


def bad_file(tmp_path, kind):
    path = tmp_path / f"{kind}.txt"
    if kind == "empty":
        path.write_text("\n\n")
    elif kind == "latin1":
        path.write_bytes(b"ok\nn\xe9e\n")
    return path


@pytest.mark.parametrize("kind, message", [
    ("missing", "missing.txt: no such file"),
    ("empty", "empty.txt: has no documents"),
    ("latin1", "latin1.txt: line 2 is not UTF-8 (byte 0xe9 at column 2)"),
])
def test_bad_data_file_exits_2_with_a_clear_message(tmp_path, kind, message):
    done = diffplay("gpt", "train", "--data", bad_file(tmp_path, kind), "--out", tmp_path / "m.json")
    assert done.returncode == 2
    assert done.stderr.startswith("diffplay: --data ") and message in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args, message", [
    (["--steps", "0"], "diffplay: --steps: must be a positive integer, got 0"),
    (["--n-embd", "10", "--n-head", "4"], "diffplay: --n-head: must divide n_embd (10), got 4"),
    (["--lr", "-1"], "diffplay: --lr: must be a number > 0, got -1.0"),
    (["--resume", "--out", "absent.json"], "diffplay: absent.json: no such file"),
])
def test_bad_train_options_exit_2_with_a_clear_message(docs, tmp_path, args, message):
    done = diffplay("gpt", "train", "--data", docs, *args, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.strip() == message


def test_train_into_a_missing_folder_exits_2_before_training(docs, tmp_path):
    done = diffplay("gpt", "train", "--data", docs, "--out", tmp_path / "nodir" / "m.json")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"diffplay: --out {tmp_path / 'nodir' / 'm.json'}: no such folder: {tmp_path / 'nodir'}"
    assert "gpt train" not in done.stderr   # no progress bar: no step was taken


def test_sample_with_a_prompt_outside_the_vocabulary_names_the_character(docs, tmp_path):
    out = tmp_path / "model.json"
    diffplay("gpt", "train", "--data", docs, *FAST, "--samples", "0", "--out", out)
    done = diffplay("gpt", "sample", "--model", out, "--prompt", "bz")
    assert done.returncode == 2
    assert done.stderr.startswith("diffplay: --prompt bz: character 'z' (column 2) is not in the model's vocabulary")


def test_sample_from_a_missing_model_names_the_file(tmp_path):
    done = diffplay("gpt", "sample", "--model", tmp_path / "none.json")
    assert done.returncode == 2 and done.stderr.strip().endswith("none.json: no such file")


def start_training(docs, out, *options, own_group=False):
    """A `gpt train` subprocess with a long run ahead; returns once it has written `out`.
    own_group: in a process group of its own, as a terminal starts a command."""
    proc = subprocess.Popen([sys.executable, "-m", "diffplay.cli", "gpt", "train", "--data", str(docs), "--steps",
                             "40000", "--n-embd", "8", "--n-head", "2", "--out", str(out), *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=own_group)
    deadline = time.monotonic() + 60
    while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    return proc


def test_train_writes_a_checkpoint_every_100_steps_by_default(docs, tmp_path):
    out = tmp_path / "model.json"
    proc = start_training(docs, out)
    proc.kill()
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    step = read_checkpoint(out)["step"]
    assert step % 100 == 0 and 0 < step < 40000


def test_a_diverging_run_exits_1_saying_what_was_saved(docs, tmp_path):
    out = tmp_path / "model.json"
    done = diffplay("gpt", "train", "--data", docs, *FAST, "--lr", "1e300", "--out", out)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"diffplay: training diverged after step 1 of 20 (backward: a gradient is not finite); the last good "
        f"state (step 1) is saved in {out}; a smaller --lr may help (it is 1e+300)")
    assert read_checkpoint(out)["step"] == 1


def test_a_terminals_ctrl_c_to_the_whole_group_still_saves_the_run(docs, tmp_path):
    out = tmp_path / "model.json"
    proc = start_training(docs, out, "--samples", "0", own_group=True)
    os.killpg(proc.pid, signal.SIGINT)   # what Ctrl-C does: every process of the foreground group hears it
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in stderr   # the writer process, in its own session, did not
    assert stderr.strip().splitlines()[-1].startswith("diffplay: interrupted after step ")
    assert read_checkpoint(out)["step"] == int(stderr.split("interrupted after step ")[1].split()[0])


def test_a_diverging_run_with_debug_shows_the_traceback(docs, tmp_path):
    done = diffplay("--debug", "gpt", "train", "--data", docs, *FAST, "--lr", "1e300", "--out", tmp_path / "m.json")
    assert done.returncode == 1 and "Traceback" in done.stderr and "RunFailed: training diverged" in done.stderr


def test_ctrl_c_exits_130_saying_where_the_run_was_saved_and_how_to_resume(docs, tmp_path):
    out = tmp_path / "model.json"
    proc = start_training(docs, out, "--samples", "0")
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in stderr
    step = read_checkpoint(out)["step"]
    assert stderr.strip().splitlines()[-1] == (f"diffplay: interrupted after step {step} of 40000; saved {out}; "
                                               f"go on with: diffplay gpt train --resume --out {out}")
