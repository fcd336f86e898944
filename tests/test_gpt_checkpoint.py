"""Checkpoints: a round trip keeps every bit, a killed run resumes exactly, bad files are named."""

import io
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from diffplay.errors import Interrupted, RunFailed, UsageError
from diffplay.gpt import GPT, checkpoint, train
from diffplay.gpt.checkpoint import read_checkpoint, write_checkpoint
from diffplay.gpt.train import DEFAULTS, Run
from checkpoint_files import as_version_2, as_version_3, meta, rewritten, with_member, without_member
from gpt_runs import kill_once_saved, stop_at
from memory_bounds import bounded_memory

SMALL = {"n_embd": 8, "n_head": 2, "block_size": 8}
# Written by the diffplay of version 1 checkpoints (Adam's moments as adam.m and adam.v): step 3
# of a 6-step run on the default names with these settings, saved when it was interrupted.
VERSION_1 = Path(__file__).parent / "data" / "gpt-checkpoint-v1.json"
VERSION_1_SETTINGS = {"steps": 6, "n_embd": 4, "n_head": 2, "block_size": 4}


@pytest.fixture
def docs(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("\n".join(["anna", "bob", "carla", "dan", "eve", "fay", "gus", "hal"]), encoding="utf-8")
    return path


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_resume_ends_with_the_same_parameters_losses_and_samples_as_one_run(docs, tmp_path, engine):
    whole = train(docs, steps=12, engine=engine, out=tmp_path / "whole.npz", samples=3, **SMALL)
    part = tmp_path / "part.npz"
    with pytest.raises(KeyboardInterrupt):
        train(docs, steps=12, engine=engine, out=part, checkpoint_every=5, on_step=stop_at(7), **SMALL)
    assert read_checkpoint(part)["step"] == 5
    resumed = train(docs, engine=engine, out=part, resume=True, samples=3)   # settings come from the file
    assert resumed.gpt.weights() == whole.gpt.weights()
    assert resumed.losses == whole.losses and resumed.samples == whole.samples


def test_a_version_1_checkpoint_resumes_where_it_stopped(tmp_path):
    # its first three steps were taken by that version's arithmetic (attention's input gradient
    # summed in three products, today's in one): the same run, to rounding
    part = tmp_path / "part.npz"
    shutil.copy(VERSION_1, part)
    resumed = train(out=part, resume=True, samples=3)
    whole = train(samples=3, **VERSION_1_SETTINGS)
    for name, matrix in whole.gpt.weights().items():
        np.testing.assert_allclose(resumed.gpt.weights()[name], matrix, rtol=0, atol=1e-12)
    np.testing.assert_allclose(resumed.losses, whole.losses, rtol=1e-12)
    assert resumed.samples == whole.samples


@pytest.mark.parametrize("older", [as_version_2, as_version_3])
def test_a_version_2_or_3_checkpoint_resumes_as_if_never_stopped(docs, tmp_path, older):
    whole = train(docs, steps=12, out=tmp_path / "whole.npz", samples=3, **SMALL)
    part = tmp_path / "part.npz"
    with pytest.raises(KeyboardInterrupt):
        train(docs, steps=12, out=part, checkpoint_every=5, on_step=stop_at(7), **SMALL)
    saved = older(part.read_bytes())
    part.write_bytes(saved if isinstance(saved, bytes) else json.dumps(saved).encode())
    assert read_checkpoint(part)["version"] == (2 if older is as_version_2 else 3)
    resumed = train(docs, out=part, resume=True, samples=3)
    assert resumed.gpt.weights() == whole.gpt.weights()
    assert resumed.losses == whole.losses and resumed.samples == whole.samples
    assert read_checkpoint(part)["version"] == 4   # written anew in today's version


def test_a_version_1_checkpoint_loads_and_its_damage_is_named(tmp_path):
    assert GPT.load(VERSION_1).weights() == read_checkpoint(VERSION_1)["weights"]
    damaged = tmp_path / "old.json"
    shutil.copy(VERSION_1, damaged)
    corrupt(damaged, lambda p: p["adam"].update(steps=2))
    with pytest.raises(UsageError, match="old.json: field 'adam.steps': is 2, but step is 3: Adam takes one step"):
        GPT.load(damaged)


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_a_checkpoint_holds_adams_state_dict_by_weight_matrix_whichever_engine_wrote_it(docs, tmp_path, engine):
    out = tmp_path / "model.npz"
    train(docs, steps=3, engine=engine, out=out, samples=0, **SMALL)
    with np.load(out) as archive:   # an .npz: the arrays, and the rest as checkpoint.json
        saved = json.loads(archive["checkpoint.json"])
        names = saved["weights"]
        assert saved["optimizer"]["param_groups"] == [{"lr": 0.01 * (1 - 3 / 3), "betas": [0.85, 0.99], "eps": 1e-8,
                                                       "weight_decay": 0.0, "params": list(range(len(names)))}]
        assert saved["optimizer"]["state"] == {str(i): {"step": 3} for i in range(len(names))}
        weights = read_checkpoint(out)["weights"]
        assert list(weights) == names   # the weights end to end in that order, and each of Adam's moments alike
        assert np.array_equal(archive["weights"], np.concatenate([weights[name].ravel() for name in names]))
        assert archive["optimizer/exp_avg"].shape == archive["optimizer/exp_avg_sq"].shape == archive["weights"].shape
        assert saved["schedule"] == {"base_lr": 0.01, "total_steps": 3, "end_factor": 0.0, "k": 3}
        assert archive["losses"].shape == (3,) and saved["settings"]["dtype"] == "float64"


def test_a_checkpoint_saved_before_the_first_step_resumes(docs, tmp_path):
    # what a run whose first step diverges saves: its last good state, step 0, Adam unstepped
    out = tmp_path / "model.npz"
    write_checkpoint(out, Run(docs, {**DEFAULTS, "steps": 4, **SMALL}, "tensor").checkpoint())
    assert read_checkpoint(out)["step"] == 0
    resumed = train(docs, out=out, resume=True, samples=0)
    assert resumed.losses == train(docs, steps=4, samples=0, **SMALL).losses


def test_a_run_resumes_on_the_other_engine(docs, tmp_path):
    part = tmp_path / "part.npz"
    with pytest.raises(KeyboardInterrupt):
        train(docs, steps=8, engine="tensor", out=part, checkpoint_every=4, on_step=stop_at(5), **SMALL)
    resumed = train(docs, engine="value", out=part, resume=True, samples=0)
    whole = train(docs, steps=8, engine="value", samples=0, **SMALL)
    np.testing.assert_allclose(resumed.losses, whole.losses, rtol=1e-12)


def test_optimizer_settings_the_optimizer_refuses_are_a_usage_error_on_resume(docs, tmp_path):
    out = tmp_path / "model.npz"
    with pytest.raises(KeyboardInterrupt):
        train(docs, steps=6, out=out, checkpoint_every=2, on_step=stop_at(3), **SMALL)
    corrupt(out, lambda p: p["optimizer"]["param_groups"][0].update(betas=[0.85, 1.5]))
    with pytest.raises(UsageError, match=r"--resume: the checkpoint's optimizer state does not fit this run "
                                         r"\(Adam: betas must be two numbers in \[0, 1\), got \[0.85, 1.5\]\)"):
        train(docs, out=out, resume=True)


def test_checkpoint_round_trip_keeps_weights_and_vocabulary(docs, tmp_path):
    out = tmp_path / "model.npz"
    result = train(docs, steps=5, out=out, samples=0, **SMALL)
    loaded = GPT.load(out)
    assert loaded.weights() == result.gpt.weights()
    assert loaded.tokenizer.chars == result.gpt.tokenizer.chars and loaded.config == result.gpt.config
    assert GPT.load(out, engine="value").sample(4, seed=9) == loaded.sample(4, seed=9)


def test_each_load_samples_fresh_names_unless_given_a_seed(docs, tmp_path):
    out = tmp_path / "model.npz"
    train(docs, steps=5, out=out, samples=0, **SMALL)
    fresh = [GPT.load(out).sample(10, temperature=2.0) for _ in range(2)]
    assert fresh[0] != fresh[1]
    assert GPT.load(out).sample(10, seed=4) == GPT.load(out).sample(10, seed=4)


def test_killed_run_resumed_from_its_checkpoint_matches_an_uninterrupted_run(docs, tmp_path):
    out = tmp_path / "killed.npz"
    args = [sys.executable, "-m", "diffplay.cli", "gpt", "train", "--data", str(docs), "--steps", "4000",
            "--n-embd", "8", "--n-head", "2", "--block-size", "8", "--samples", "2", "--json"]
    proc = kill_once_saved([*args, "--out", str(out), "--checkpoint-every", "50"], out)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert read_checkpoint(out)["step"] < 4000
    done = subprocess.run([*args, "--out", str(out), "--resume"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    whole = train(docs, steps=4000, out=tmp_path / "whole.npz", samples=2, **SMALL)
    assert same_weights(read_checkpoint(out), read_checkpoint(tmp_path / "whole.npz"))
    assert json.loads(done.stdout.splitlines()[-1])["samples"] == whole.samples


def test_resume_with_a_different_setting_is_refused(docs, tmp_path):
    out = tmp_path / "model.npz"
    train(docs, steps=3, out=out, samples=0, **SMALL)
    with pytest.raises(UsageError, match="--steps 9: the checkpoint was trained with --steps 3"):
        train(docs, steps=9, out=out, resume=True)
    other = tmp_path / "other.txt"
    other.write_text("zed\nyan\n")
    with pytest.raises(UsageError, match="--resume: the checkpoint was trained on other documents"):
        train(other, out=out, resume=True)


def test_resume_without_a_checkpoint_is_a_usage_error(docs, tmp_path):
    with pytest.raises(UsageError, match="absent.json: no such file"):
        train(docs, out=tmp_path / "absent.json", resume=True)


def same_weights(a, b):
    """Two checkpoints' weights are equal to the last bit."""
    return list(a["weights"]) == list(b["weights"]) and all(
        np.array_equal(a["weights"][name], b["weights"][name]) for name in a["weights"])


def corrupt(path, edit):
    """Rewrite a checkpoint as JSON (version 2's form, which is still read), edited; the checks
    are the same for every version."""
    payload = json.loads(path.read_bytes()) if not zipfile.is_zipfile(path) else as_version_2(path.read_bytes())
    edit(payload)
    path.write_text(json.dumps(payload))


@pytest.mark.parametrize("edit, field, message", [
    (lambda p: p["config"].pop("n_embd"), "config.n_embd", "is missing"),
    (lambda p: p["config"].update(n_embd="8"), "config.n_embd", "must be a positive integer, got '8'"),
    (lambda p: p.update(step=-1), "step", "must be an integer >= 0, got -1"),
    (lambda p: p["settings"].update(lr=float("nan")), "settings.lr", "must be a finite number, got nan"),
    (lambda p: p["config"].update(n_head=3), "config.n_head", r"must divide n_embd \(8\), got 3"),
    (lambda p: p["config"].update(dropout=0.1), "config.dropout", r"is not a model setting \(those are n_embd, "),
    (lambda p: p["weights"]["wte"].pop(), "weights.wte", r"must be 17 rows of 8 finite numbers"),
    (lambda p: p["optimizer"]["state"]["2"]["exp_avg_sq"][0].__setitem__(0, "x"), "optimizer.state.2.exp_avg_sq",
     r"must be 17 rows of 8 finite numbers"),
    (lambda p: p["optimizer"]["state"].pop("4"), "optimizer.state.4", "is missing"),
    (lambda p: p["optimizer"]["param_groups"][0]["params"].pop(), "optimizer.param_groups",
     "must be one group whose params are 0 to 8, one a weight matrix"),
    (lambda p: p.update(vocabulary="aab"), "vocabulary", "must be a non-empty string of distinct characters"),
    (lambda p: p.update(step=99), "step", r"is 99, past settings.steps \(3\)"),
    (lambda p: p["optimizer"]["state"]["0"].update(step=2), "optimizer.state.0.step",
     "is 2, but step is 3: Adam takes one step per training step"),
    (lambda p: p["schedule"].update(k=4), "schedule.k", "is 4, but step is 3: the schedule takes one step per training step"),
    (lambda p: p.update(version=5), "version", r"is 5; this diffplay reads versions 1 to 4 \(a newer one wrote it\?\)"),
    (lambda p: p.update(version=3), "version", r"is 3, but the file is JSON: versions 1 and 2 are JSON, versions 3 and 4 zip"),
    (lambda p: p["settings"].update(dtype="float16"), "settings.dtype", r"unknown choice 'float16'"),
    (lambda p: p["random_state"][1].pop(), "random_state", r"must be \[version, 625 integers, gauss_next\]"),
    (lambda p: p.update(format="something else"), "format", "must be 'diffplay-gpt-checkpoint', got 'something else'"),
])
def test_a_damaged_checkpoint_names_the_file_and_field(docs, tmp_path, edit, field, message):
    out = tmp_path / "model.npz"
    train(docs, steps=3, out=out, samples=0, **SMALL)
    corrupt(out, edit)
    with pytest.raises(UsageError, match=f"model.npz: field '{field}': {message}"):
        GPT.load(out)


def test_a_file_that_is_not_json_is_named(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("{not json")
    with pytest.raises(UsageError, match=r"model.json: not JSON: .* at line 1"):
        GPT.load(path)


def test_checkpoint_write_leaves_no_temporary_files(docs, tmp_path):
    train(docs, steps=6, out=tmp_path / "model.npz", checkpoint_every=2, samples=0, **SMALL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs.txt", "model.npz"]


def test_checkpoint_gets_the_permissions_a_plain_file_gets_under_the_umask(docs, tmp_path):
    old = os.umask(0o022)
    try:
        train(docs, steps=2, out=tmp_path / "model.npz", samples=0, **SMALL)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "model.npz").stat().st_mode) == 0o644   # mkstemp alone gives 0o600


def test_an_unwritable_out_path_is_refused_before_the_first_step(docs, tmp_path):
    steps_done = []
    with pytest.raises(UsageError, match=r"--out .*nodir/m.json: no such folder"):
        train(docs, steps=5, out=tmp_path / "nodir" / "m.json", on_step=lambda *step: steps_done.append(step))
    assert steps_done == []


def test_resume_draws_no_initial_weights_it_would_throw_away(docs, tmp_path, monkeypatch):
    out = tmp_path / "model.npz"
    train(docs, steps=4, out=out, samples=0, **SMALL)

    def init_weights(*args, **kwargs):
        raise AssertionError("a resumed run drew fresh initial weights")

    monkeypatch.setattr(sys.modules["diffplay.gpt.train"], "init_weights", init_weights)
    train(docs, steps=4, out=out, resume=True, samples=0)


def ctrl_c_at(step):
    """An on_step callback that sends this process a real SIGINT (Ctrl-C) right after `step`."""
    def on_step(done, steps, loss):
        if done == step:
            os.kill(os.getpid(), signal.SIGINT)
    return on_step


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_ctrl_c_saves_the_step_it_stopped_at_and_the_run_resumes_exactly(docs, tmp_path, engine):
    whole = train(docs, steps=12, engine=engine, out=tmp_path / "whole.npz", samples=3, **SMALL)
    part = tmp_path / "part.npz"
    with pytest.raises(Interrupted, match=f"interrupted after step 7 of 12; saved {part}; go on with: "
                                          f"diffplay gpt train --resume --out {part}"):
        train(docs, steps=12, engine=engine, out=part, checkpoint_every=5, on_step=ctrl_c_at(7), **SMALL)
    assert read_checkpoint(part)["step"] == 7
    resumed = train(docs, engine=engine, out=part, resume=True, samples=3)
    assert resumed.gpt.weights() == whole.gpt.weights()
    assert resumed.losses == whole.losses and resumed.samples == whole.samples


@pytest.mark.parametrize("engine", ["value", "tensor"])
def test_a_diverging_run_fails_saving_its_last_good_step(docs, tmp_path, engine):
    out = tmp_path / "model.npz"
    with pytest.raises(RunFailed, match=r"training diverged after step 1 of 20 \(backward: a gradient is not "
                                        r"finite\); the last good state \(step 1\) is saved in .*model.npz"):
        train(docs, steps=20, lr=1e300, engine=engine, out=out, **SMALL)
    saved = read_checkpoint(out)
    assert saved["step"] == 1 and len(saved["losses"]) == 1 and saved["schedule"]["k"] == 1
    assert GPT.load(out).weights() == {name: w.tolist() for name, w in saved["weights"].items()}   # as after step 1
    with pytest.raises(RunFailed, match=r"logits are not finite \(did its training diverge\?\)"):
        GPT.load(out).sample(2, seed=0)   # seeded: a draw of BOS at once would end a sample before any NaN


def test_checkpoints_are_written_by_a_writer_process_and_the_last_one_is_on_disk(docs, tmp_path, monkeypatch):
    writers, real = [], checkpoint.WriterProcess

    def kept(flag, **options):   # the run's writer, kept to be looked at
        writers.append(real(flag, **options))
        return writers[-1]

    monkeypatch.setattr(checkpoint, "WriterProcess", kept)
    train(docs, steps=60, out=tmp_path / "model.npz", checkpoint_every=1, samples=0, **SMALL)
    (writer,) = writers
    assert writer.process.returncode == 0   # the process ended, once all was written
    assert read_checkpoint(tmp_path / "model.npz")["step"] == 60 and not list(tmp_path.glob(".*.tmp"))


def test_a_reader_during_training_only_ever_sees_whole_checkpoints(docs, tmp_path):
    out = tmp_path / "model.npz"
    proc = subprocess.Popen([sys.executable, "-m", "diffplay.cli", "gpt", "train", "--data", str(docs), "--steps",
                             "3000", "--n-embd", "8", "--n-head", "2", "--checkpoint-every", "1", "--out", str(out),
                             "--samples", "0", "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    steps = []
    try:
        while proc.poll() is None:
            if out.exists():
                steps.append(read_checkpoint(out)["step"])   # a half-written file would raise here
    finally:
        proc.wait(60)
    assert proc.returncode == 0 and len(steps) > 10
    assert steps == sorted(steps) and read_checkpoint(out)["step"] == 3000


def lying_header(shape):
    """An .npy whose header claims `shape` of float64, followed by 8 numbers."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue() + np.zeros(8).tobytes()


def object_array():
    """An .npy of a pickled object array (np.load would run the pickle if allowed)."""
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    return buffer.getvalue()


@pytest.mark.parametrize("damage, message", [
    (lambda raw: raw[:len(raw) // 2], "not a checkpoint: a damaged archive"),
    (lambda raw: without_member(raw, "weights.npy"), "weights.npy: is missing"),
    (lambda raw: without_member(raw, "optimizer/exp_avg_sq.npy"), "optimizer/exp_avg_sq.npy: is missing"),
    (lambda raw: with_member(raw, "optimizer/exp_avg.npy", np.zeros(1104, np.float32)),
     "its arrays mix float32 and float64; a checkpoint's are of one dtype"),
    (lambda raw: with_meta(raw, lambda p: p["settings"].update(dtype="float32")),
     r"field 'settings.dtype': is float32, but the weights are float64"),
    (lambda raw: with_meta(raw, lambda p: p["optimizer"]["state"].update({"²": {"step": 3}})),
     r"field 'optimizer.state.²': is not the index of a weight matrix"),
    (lambda raw: with_meta(raw, lambda p: p["weights"].insert(0, p["weights"].pop(4))),
     r"field 'weights': names them out of order; it must name the config's weight matrices in order \(wte, wpe, …\)"),
    (lambda raw: with_meta(raw, lambda p: p["weights"].__setitem__(1, 7)), r"field 'weights': must be a list of the"),
    (lambda raw: with_meta(raw, lambda p: p["weights"].append("nope")), r'field .weights.: names "nope", not a weight of'),
    (lambda raw: overlapping(raw), "not a checkpoint: its members hold more bytes than the file"),
    (lambda raw: twice(raw, "losses.npy"), "not a checkpoint: the archive holds two members of one name"),
    (lambda raw: without_member(raw, "checkpoint.json"), "not a checkpoint: the archive has no checkpoint.json"),
    (lambda raw: with_member(raw, "optimizer/exp_avg.npy", np.full(1104, np.nan)),
     r"field 'optimizer.state.0.exp_avg': must be 17 rows of 8 finite numbers"),
    (lambda raw: with_member(raw, "weights.npy", np.zeros(1103)),
     r"weights.npy: holds 1,103 numbers in shape \[1103\]; the config's weights are 1,104 numbers end to end"),
    (lambda raw: with_member(raw, "optimizer/exp_avg_sq.npy", np.zeros((2, 552))),
     r"optimizer/exp_avg_sq.npy: holds 1,104 numbers in shape \[2, 552\]; the config's weights are 1,104 numbers"),
    (lambda raw: with_member(raw, "weights.npy", np.zeros(1104, dtype=np.int64)),
     r"weights.npy: holds int64 numbers; a checkpoint's arrays are float64 or float32"),
    (lambda raw: with_member(raw, "weights.npy", object_array()), r"weights.npy: holds object numbers"),
    (lambda raw: with_member(raw, "weights.npy", lying_header((2**40, 2**20))),
     r"weights.npy: its header says shape \[1099511627776, 1048576\], but it holds 8 numbers"),
    (lambda raw: with_member(raw, "weights.npy", b"\x93NUMPY garbage"), r"weights.npy: not a NumPy array we read"),
    (lambda raw: with_meta(raw, lambda p: p["weights"].pop()), r"field 'weights': lacks layer0.mlp_fc2; it must name"),
    (lambda raw: with_meta(raw, lambda p: p["weights"].append("wte")), r'field .weights.: names "wte" twice or more'),
    # version 3's archive (a member per matrix), still read
    (lambda raw: without_member(as_version_3(raw), "weights/wpe.npy"), "field 'weights.wpe': must be 8 rows of 8 finite"),
    (lambda raw: with_member(as_version_3(raw), "optimizer/state/3/exp_avg.npy", np.full((8, 8), np.nan)),
     r"field 'optimizer.state.3.exp_avg': must be 8 rows of 8 finite numbers"),
    (lambda raw: with_member(as_version_3(raw), "weights/wpe.npy", np.zeros((8, 9))), r"field 'weights.wpe': must be 8 rows"),
    (lambda raw: with_member(raw, "checkpoint.json", b"{oops"), r"checkpoint.json: not JSON: .* at line 1 column 2"),
    (lambda raw: with_member(raw, "checkpoint.json", b"[" * 100_000), r"checkpoint.json: not JSON we read: nested more"),
    (lambda raw: with_member(raw, "checkpoint.json", b"\xff{}"), r"checkpoint.json: line 1 is not UTF-8"),
    (lambda raw: with_meta(raw, lambda p: p["config"].update(n_layer=2**53)),
     r"field 'config': describes [\d,]+ parameters, more than a file of [\d,]+ bytes holds"),
    (lambda raw: with_meta(raw, lambda p: p.update(step=10**30)), r"checkpoint.json: step: an integer of 31 digits"),
    (lambda raw: rewritten(raw, {}, zipfile.ZIP_DEFLATED), r"member checkpoint.json is compressed or encrypted"),
])
def test_a_damaged_or_hostile_archive_names_the_file_and_what_is_wrong(docs, tmp_path, damage, message):
    out = tmp_path / "model.npz"
    train(docs, steps=3, out=out, samples=0, **SMALL)
    out.write_bytes(damage(out.read_bytes()))
    with bounded_memory(1), pytest.raises(UsageError, match=f"model.npz: {message}"):
        read_checkpoint(out)
    with pytest.raises(UsageError, match=f"model.npz: {message}"):
        train(docs, out=out, resume=True)


def overlapping(raw):
    """The archive with a second central-directory entry for the weights' bytes (a member
    whose stored bytes overlap another's; zipfile reads such archives before Python 3.11.8)."""
    start, end = raw.index(b"PK\x01\x02"), raw.index(b"PK\x05\x06")   # the central directory, its end record
    central = raw[start:end]
    at = central.index(b"weights.npy")
    entry = central[at - 46:at + len("weights.npy")].replace(b"weights.npy", b"weightz.npy")   # 46: the fixed part
    count = (int.from_bytes(raw[end + 10:end + 12], "little") + 1).to_bytes(2, "little")
    size = (len(central) + len(entry)).to_bytes(4, "little")
    return raw[:end] + entry + raw[end:end + 8] + count + count + size + raw[end + 16:]


def twice(raw, name):
    """The archive with member `name` written a second time."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # zipfile warns of a duplicate name: that is the point
            new.writestr(name, old.read(name))
    return out.getvalue()


def with_meta(raw, edit):
    """The archive with its checkpoint.json edited."""
    payload = meta(raw)
    edit(payload)
    return rewritten(raw, {"checkpoint.json": json.dumps(payload)})


def test_float32_training_keeps_float32_and_resumes_exactly(docs, tmp_path):
    whole = train(docs, steps=12, dtype="float32", out=tmp_path / "whole.npz", samples=3, **SMALL)
    part = tmp_path / "part.npz"
    with pytest.raises(KeyboardInterrupt):
        train(docs, steps=12, dtype="float32", out=part, checkpoint_every=5, on_step=stop_at(7), **SMALL)
    saved = read_checkpoint(part)
    assert saved["settings"]["dtype"] == "float32" and saved["weights"]["wte"].dtype == np.float32
    assert saved["optimizer"]["state"][0]["exp_avg"].dtype == np.float32
    resumed = train(docs, out=part, resume=True, samples=3)
    assert resumed.gpt.model.flat.dtype == np.float32 and GPT.load(part).model.flat.dtype == np.float32
    assert resumed.gpt.weights() == whole.gpt.weights() and resumed.losses == whole.losses
    with pytest.raises(UsageError, match="--dtype float64: the checkpoint was trained with --dtype float32"):
        train(docs, out=part, resume=True, dtype="float64")


def test_float32_is_for_the_tensor_engine(docs):
    with pytest.raises(UsageError, match=r"--dtype float32: the value engine computes in float64 only"):
        train(docs, steps=2, engine="value", dtype="float32")
