"""The command line against hostile and careless input (issue 14): each attack that ended in a
traceback, a wedged machine or a lost file, run as a user runs it, now ends in one line that
says what, where and what to do, with exit status 2, and every file as it was."""

import json
import os
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from checkpoint_files import as_version_2, put_literal
from diffplay.gpt import train
from memory_bounds import limit_memory

SMALL = {"n_embd": 8, "n_head": 2, "block_size": 8}
# this checkout's diffplay, whatever folder a run starts in
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}


def diffplay(*args, timeout=120, cwd=None):
    return subprocess.run([sys.executable, "-m", "diffplay.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env=ENV, preexec_fn=limit_memory)


def refused(done, *phrases):
    """The run ended with status 2 and one clean line on stderr that holds every phrase."""
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    for phrase in phrases:
        assert phrase in last, last
    return last


@pytest.fixture
def docs(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("anna\nbob\ncarla\ndan\neve\n", encoding="utf-8")
    return path


@pytest.fixture(params=["model.json", "model.npz"])
def checkpoint(request, docs, tmp_path):
    """A short run's checkpoint: version 2's JSON (model.json), or version 4's archive (model.npz)."""
    out = tmp_path / request.param
    train(docs, steps=2, out=tmp_path / "model.npz", samples=0, **SMALL)
    if out.suffix == ".json":
        out.write_text(json.dumps(as_version_2((tmp_path / "model.npz").read_bytes())))
    return out


# ---- checkpoints ----

def test_a_checkpoint_nested_100k_deep_is_refused_in_one_line(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"format": ' + "[" * 100_000 + "]" * 100_000 + "}")
    refused(diffplay("gpt", "sample", "--model", deep), "deep.json", "nested more than 32 deep")


def test_a_checkpoint_step_of_5000_digits_is_refused_naming_the_field(checkpoint):
    put_literal(checkpoint, lambda p, marker: p.update(step=marker), "9" * 5000)
    refused(diffplay("gpt", "sample", "--model", checkpoint), checkpoint.name, "step: an integer of 5,000 digits")


def test_a_checkpoint_of_10_to_the_400_steps_is_refused_naming_the_field(checkpoint):
    put_literal(checkpoint, lambda p, marker: p["settings"].update(steps=marker), "1" + "0" * 400)
    refused(diffplay("gpt", "train", "--resume", "--out", checkpoint), "settings.steps: an integer of 401 digits")


def test_a_checkpoint_claiming_2_to_the_53_layers_is_refused_before_any_is_built(checkpoint):
    put_literal(checkpoint, lambda p, marker: p["config"].update(n_layer=marker), str(2**53))
    refused(diffplay("gpt", "sample", "--model", checkpoint, timeout=30), f"{checkpoint.name}: field 'config'",
            "parameters, more than a file of")


# ---- flags and settings ----

@pytest.mark.parametrize("args, phrases", [
    (["scene", "ik", "--set", "joints=" + "9" * 400, "--out", "x.png"], ["--set joints: an integer of 400 digits"]),
    (["scene", "lsystem", "--set", "target=0.5", "--out", "x.png"], ["--set target: expected 0 or 2", "got 1"]),
    (["scene", "boundary", "--seed", "-1", "--out", "x.png"],
     ["--seed: must be an integer in [0, 2147483647], got -1"]),
    (["gpt", "train", "--seed", "9" * 400], ["--seed: an integer of 400 digits"]),
    (["demo", "--steps", "1" * 5000], ["--steps: an integer of 5,000 digits"]),
])
def test_a_bad_number_on_the_command_line_is_refused_in_one_line(tmp_path, args, phrases):
    refused(diffplay(*args, cwd=tmp_path), *phrases)
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("flag, value", [("--n-embd", 100_000), ("--block-size", 10_000_000),
                                         ("--batch", 1_000_000_000)])
def test_a_model_too_big_for_memory_is_refused_at_once_saying_the_limit_and_how_to_lift_it(flag, value):
    began = time.monotonic()
    last = refused(diffplay("gpt", "train", flag, value, "--steps", "1"),
                   f"{flag} {value}", "GB of memory, more than the limit of 4 GB", "--max-memory GB lifts the limit")
    assert time.monotonic() - began < 30, last   # no allocation first: the run is refused before it starts


def test_max_memory_lifts_the_limit_and_lowers_it(docs):
    from diffplay.errors import UsageError

    with pytest.raises(UsageError, match="more than the limit of 1e-05 GB"):
        train(docs, steps=1, samples=0, max_memory_gb=1e-5, **SMALL)
    assert train(docs, steps=1, samples=0, max_memory_gb=100, n_embd=64, n_head=2).losses


def png_header_only(path, width, height):
    """A PNG that claims width x height pixels and holds one row: decoding it would need gigabytes."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
                     + chunk(b"IEND", b""))


def test_a_decompression_bomb_picture_is_refused_from_its_header(tmp_path):
    bomb = tmp_path / "bomb.png"
    png_header_only(bomb, 50_000, 50_000)
    refused(diffplay("scene", "canvas", "--set", f"image={bomb}", "--steps", "1", "--out", tmp_path / "out.png"),
            "bomb.png: the image has more than 50,000,000 pixels; scale it down first")


# ---- files: never the input, never half a file ----

def test_out_naming_the_data_it_trains_on_is_refused_and_the_data_is_kept(docs):
    before = docs.read_text()
    refused(diffplay("gpt", "train", "--data", docs, "--out", docs, "--steps", "1"),
            f"--out {docs}: is the file this command reads")
    assert docs.read_text() == before


def test_scene_out_naming_its_own_picture_is_refused_and_the_picture_is_kept(tmp_path):
    picture = tmp_path / "picture.png"
    png_header_only(picture, 4, 4)
    before = picture.read_bytes()
    refused(diffplay("scene", "canvas", "--set", f"image={picture}", "--out", picture, "--steps", "1"),
            "is the file this command reads")
    assert picture.read_bytes() == before


def kill_mid_write(out, docs):
    """SIGKILL a training run while it writes a checkpoint to `out`; True if it left a temporary file."""
    process = subprocess.Popen([sys.executable, "-m", "diffplay.cli", "gpt", "train", "--data", docs, "--out", out,
                                "--steps", "100000", "--checkpoint-every", "1", "--n-embd", "128", "--n-head", "2",
                                "--samples", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV,
                               preexec_fn=limit_memory)
    try:
        deadline = time.monotonic() + 60
        while not (out.exists() and list(out.parent.glob(f".{out.name}.*.tmp"))):
            assert time.monotonic() < deadline and process.poll() is None, "no checkpoint write seen"
            time.sleep(0.002)
        process.kill()
    finally:
        process.wait()
    return bool(list(out.parent.glob(f".{out.name}.*.tmp")))


def test_a_writer_killed_mid_write_leaves_no_temporary_file_once_the_next_run_writes(docs, tmp_path):
    out = tmp_path / "model.npz"
    assert any(kill_mid_write(out, docs) for _ in range(5)), "every kill came between two writes"
    done = diffplay("gpt", "train", "--data", docs, "--out", out, "--steps", "1", "--n-embd", "8", "--n-head", "2",
                    "--samples", "0")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.txt", "model.npz"]


# ---- the terminal ----

def test_ctrl_c_while_the_command_line_loads_exits_130_without_a_traceback(tmp_path):
    driver = ("import os, signal, diffplay.cli as cli\n"
              "build = cli.build_parser\n"
              "def interrupted():   # Ctrl-C in the middle of the imports the parser makes\n"
              "    os.kill(os.getpid(), signal.SIGINT)\n"
              "    return build()\n"
              "cli.build_parser = interrupted\n"
              "raise SystemExit(cli.main(['gpt', 'train', '--steps', '2', '--samples', '0']))\n")
    done = subprocess.run([sys.executable, "-c", driver], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env=ENV)
    assert done.returncode == 130 and done.stderr == "diffplay: interrupted\n" and done.stdout == ""


def test_the_command_line_module_loads_nothing_heavy_so_ctrl_c_is_caught_from_the_start():
    code = "import sys, diffplay.cli; print(sorted(m for m in sys.modules if m.startswith(('numpy', 'diffplay.'))))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=ENV)
    assert json.loads(done.stdout.replace("'", '"')) == ["diffplay.cli", "diffplay.errors"]


def test_escape_sequences_in_what_a_user_typed_do_not_reach_the_terminal():
    done = diffplay("scene", "boundary", "--set", "\x1b[2J\x1b]0;owned\x07=1", "--out", "x.png")
    last = refused(done, 'unknown setting "\\x1b[2J\\x1b]0;owned\\x07"')
    assert "\x1b" not in done.stderr and "\x07" not in last


def test_names_sampled_from_data_with_escape_sequences_are_printed_escaped(tmp_path):
    data = tmp_path / "evil.txt"
    data.write_text("\n".join(["\x1b[31mred", "a\x07b", "plain"] * 10), encoding="utf-8")
    done = diffplay("gpt", "train", "--data", data, "--steps", "30", "--n-embd", "8", "--n-head", "2",
                    "--samples", "20", "--temperature", "2", "--out", tmp_path / "m.json")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout and "\\x" in done.stdout
