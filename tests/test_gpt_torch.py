"""The torch engine and PyTorch export: the same model and numbers as diffplay's engines, one
process or several under torchrun (gloo, CPU), checkpoints any engine goes on from."""

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from diffplay.errors import UsageError
from diffplay.gpt import GPT, train
from diffplay.gpt.checkpoint import read_checkpoint
from diffplay.gpt.torch.export import export_file, import_file
from diffplay.gpt.torch.model import MicroGPT, MicroGPTConfig
from gpt_runs import kill_once_saved, stop_at

SMALL = {"n_embd": 8, "n_head": 2, "block_size": 8}
DDP = ["--n-embd", "8", "--n-head", "2", "--block-size", "8", "--batch", "4", "--steps", "50", "--engine", "torch",
       "--samples", "2", "--json"]


@pytest.fixture
def docs(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text("\n".join(["anna", "bob", "carla", "dan", "eve", "fay", "gus", "hal", "ida"]), encoding="utf-8")
    return path


def diffplay(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "diffplay.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=240, **kwargs)


def same_weights(a, b):
    return all(np.array_equal(a["weights"][name], b["weights"][name]) for name in a["weights"])


def test_the_torch_module_gives_diffplays_logits_on_100_random_sequences(docs, tmp_path):
    gpt = train(docs, steps=30, n_layer=2, samples=0, **SMALL).gpt
    module = gpt.to_torch()
    rng = np.random.default_rng(0)
    for _ in range(100):
        idx = rng.integers(0, gpt.tokenizer.vocab_size, (2, int(rng.integers(1, 9))))
        ours = gpt.model.logits(idx).data
        theirs = module(torch.from_numpy(idx))[0].detach().numpy()
        assert theirs.dtype == np.float64 and np.max(np.abs(ours - theirs)) < 1e-9


def test_export_then_import_keeps_every_weight_and_the_pt_file_loads_with_torch_alone(docs, tmp_path):
    out = tmp_path / "model.npz"
    trained = train(docs, steps=20, out=out, samples=0, **SMALL).gpt
    export_file(out, tmp_path / "model.pt")
    saved = torch.load(tmp_path / "model.pt", weights_only=True)   # plain data: no pickled code
    module = MicroGPT(MicroGPTConfig(**saved["config"])).to(getattr(torch, saved["dtype"]))
    module.load_state_dict(saved["state_dict"])
    assert saved["vocabulary"] == trained.tokenizer.chars and saved["config"]["vocab_size"] == len(saved["vocabulary"]) + 1
    back = import_file(tmp_path / "model.pt", tmp_path / "back.npz")
    assert back.weights() == trained.weights() and GPT.load(tmp_path / "back.npz").sample(5, seed=3) == trained.sample(5, seed=3)
    assert GPT.from_torch(module, saved["vocabulary"]).weights() == trained.weights()
    with pytest.raises(UsageError, match="back.npz: .*holds a model only"):
        train(docs, out=tmp_path / "back.npz", resume=True)


def test_importing_a_state_dict_of_mixed_dtypes_says_so(docs, tmp_path):
    train(docs, steps=2, out=tmp_path / "model.npz", samples=0, **SMALL)
    export_file(tmp_path / "model.npz", tmp_path / "model.pt")
    saved = torch.load(tmp_path / "model.pt", weights_only=True)
    saved["state_dict"]["wte.weight"] = saved["state_dict"]["wte.weight"].float()
    torch.save(saved, tmp_path / "mixed.pt")
    with pytest.raises(UsageError, match=r"mixed.pt: state_dict: its tensors mix float32 and float64; a model is of one"):
        import_file(tmp_path / "mixed.pt", tmp_path / "back.npz")


def test_gpt_export_and_import_from_the_command_line(docs, tmp_path):
    assert diffplay("gpt", "train", "--data", docs, "--steps", "5", "--n-embd", "8", "--n-head", "2",
                    "--out", tmp_path / "model.npz", "--samples", "0").returncode == 0
    done = diffplay("gpt", "export", "--to", "torch", tmp_path / "model.npz", "-o", tmp_path / "model.pt")
    assert done.returncode == 0 and done.stdout.startswith(f"wrote {tmp_path / 'model.pt'}: MicroGPT (n_embd 8")
    done = diffplay("gpt", "import", tmp_path / "model.pt", "-o", tmp_path / "back.npz")
    assert done.returncode == 0 and "sample it with: diffplay gpt sample --model" in done.stdout
    done = diffplay("gpt", "import", tmp_path / "model.npz", "-o", tmp_path / "x.npz")
    assert done.returncode == 2 and "model.npz: not a PyTorch file" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("batch", [1, 3])
def test_one_process_torch_training_equals_the_tensor_engines_losses_for_50_steps(docs, batch):
    ours = train(docs, steps=50, batch=batch, samples=3, **SMALL)
    theirs = train(docs, steps=50, batch=batch, engine="torch", samples=3, **SMALL)
    assert np.max(np.abs(np.subtract(ours.losses, theirs.losses))) < 1e-9 and ours.samples == theirs.samples


def test_float32_torch_training_stays_float32_and_tracks_the_tensor_engine(docs, tmp_path):
    theirs = train(docs, steps=30, dtype="float32", engine="torch", out=tmp_path / "t.npz", samples=0, **SMALL)
    ours = train(docs, steps=30, dtype="float32", samples=0, **SMALL)
    assert theirs.gpt.model.module.wte.weight.dtype == torch.float32
    assert read_checkpoint(tmp_path / "t.npz")["weights"]["wte"].dtype == np.float32
    assert np.max(np.abs(np.subtract(ours.losses, theirs.losses))) < 1e-4


def test_a_run_begun_on_tensor_goes_on_on_torch_and_back(docs, tmp_path):
    part = tmp_path / "part.npz"
    with pytest.raises(KeyboardInterrupt):
        train(docs, steps=30, out=part, checkpoint_every=10, on_step=stop_at(12), **SMALL)
    with pytest.raises(KeyboardInterrupt):
        train(docs, engine="torch", out=part, resume=True, checkpoint_every=10, on_step=stop_at(25))
    assert read_checkpoint(part)["step"] == 20
    resumed = train(docs, out=part, resume=True, samples=3)
    whole = train(docs, steps=30, samples=3, **SMALL)
    assert np.max(np.abs(np.subtract(resumed.losses, whole.losses))) < 1e-9 and resumed.samples == whole.samples


def test_without_torch_the_torch_engine_says_how_to_install_it(docs, tmp_path):
    blocked = "import sys; sys.modules['torch'] = None; from diffplay.cli import main; sys.exit(main())"
    done = subprocess.run([sys.executable, "-c", blocked, "gpt", "train", "--engine", "torch", "--data", str(docs),
                           "--out", str(tmp_path / "m.npz")], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.strip() == (
        "diffplay: --engine torch: needs PyTorch, which is not installed here; install it with: "
        "pip install 'diffplay[torch]'")


@pytest.mark.parametrize("args, message", [
    (["--device", "cuda"], "diffplay: --device cuda: only the torch engine runs on a GPU; add --engine torch"),
    (["--engine", "torch", "--device", "cuda"], "diffplay: --device cuda: this PyTorch sees no CUDA GPU"),
    (["--nproc", "2"], "diffplay: --nproc 2: training in many processes is the torch engine's; add --engine torch"),
    (["--nproc", "0"], "diffplay: --nproc: must be a positive integer, got 0"),
    (["--engine", "torch", "--nproc", "2"], "diffplay: --batch 1: each of the 2 processes takes a share of every "
                                            "batch, so --batch must be at least 2"),
    (["--engine", "torch", "--nproc", "2", "--batch", "2", "--data", "absent.txt"],
     "diffplay: --data absent.txt: no such file"),
    (["--engine", "torch", "--nproc", "2", "--batch", "2", "--resume"], r"diffplay: \S*m.npz: no such file"),
    (["--engine", "torch", "--nproc", "2", "--batch", "2", "--out", "DOCS"],
     r"diffplay: --out \S*docs.txt: is the file this command reads"),
    (["--engine", "torch", "--n-embd", "100000"], r"diffplay: --n-embd 100000 .* --engine torch: training would need "
                                                  r"about [\d,.]+ GB of memory, more than the limit of 4 GB"),
    (["--engine", "torch", "--nproc", "2", "--batch", "2", "--n-embd", "1024", "--max-memory", "1"],   # 0.6 GB each
     r"diffplay: --n-embd 1024 .* --engine torch --nproc 2: training would need about 1.\d GB of memory, more than "
     r"the limit of 1 GB"),
])
def test_devices_and_processes_this_machine_cannot_give_are_refused_before_training(docs, tmp_path, args, message):
    if "cuda" in message and torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    began = time.monotonic()
    done = diffplay("gpt", "train", "--data", docs, "--out", tmp_path / "m.npz",
                    *(docs if arg == "DOCS" else arg for arg in args))
    assert done.returncode == 2 and re.match(message, done.stderr.strip()), done.stderr
    assert time.monotonic() - began < 60   # before torchrun, and before a model is allocated
    assert len(done.stderr.strip().splitlines()) == 1   # said once, by the launcher, not by each rank


# ---- many processes (torchrun, gloo on CPU) ----

@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    """An uninterrupted 50-step run in two processes, and the folder it ran in."""
    folder = tmp_path_factory.mktemp("ddp")
    (folder / "docs.txt").write_text("\n".join(["anna", "bob", "carla", "dan", "eve", "fay", "gus", "hal", "ida"]))
    done = diffplay("gpt", "train", "--data", folder / "docs.txt", *DDP, "--nproc", "2", "--out", folder / "whole.npz")
    assert done.returncode == 0, done.stderr
    return folder, done


def test_two_gloo_processes_equal_one_process_with_the_same_global_batch_for_50_steps(two_processes):
    folder, done = two_processes
    two = read_checkpoint(folder / "whole.npz")
    one = train(folder / "docs.txt", steps=50, batch=4, engine="torch", samples=2, **SMALL)
    assert np.max(np.abs(np.subtract(two["losses"], one.losses))) < 1e-9
    assert all(np.max(np.abs(two["weights"][name] - w)) < 1e-9 for name, w in one.gpt.weight_arrays().items())
    summary = done.stdout.strip().splitlines()   # rank 0 alone speaks
    assert len(summary) == 1 and '"samples": ' in summary[0] and done.stderr.count("gpt train") <= 1


def test_a_killed_two_process_run_resumes_to_the_uninterrupted_ones_last_bit(two_processes):
    folder, _ = two_processes
    out = folder / "killed.npz"
    args = ["gpt", "train", "--data", str(folder / "docs.txt"), *DDP, "--nproc", "2", "--out", str(out)]
    proc = kill_once_saved([sys.executable, "-m", "diffplay.cli", *args, "--checkpoint-every", "1"], out)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert processes_naming(out, within=60) == [], "a rank outlived its launcher"
    assert read_checkpoint(out)["step"] < 50
    done = diffplay(*args, "--resume")
    assert done.returncode == 0, done.stderr
    assert same_weights(read_checkpoint(out), read_checkpoint(folder / "whole.npz"))
    assert read_checkpoint(out)["losses"] == read_checkpoint(folder / "whole.npz")["losses"]


def test_ctrl_c_stops_every_rank_after_one_step_saved_and_exits_130(two_processes):
    folder, _ = two_processes
    out = folder / "stopped.npz"
    proc = subprocess.Popen([sys.executable, "-m", "diffplay.cli", "gpt", "train", "--data", str(folder / "docs.txt"),
                             *DDP, "--steps", "100000", "--nproc", "2", "--out", str(out), "--checkpoint-every", "20"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)   # what a terminal's Ctrl-C does: the launcher and torchrun hear it
    _, stderr = proc.communicate(timeout=120)
    step = read_checkpoint(out)["step"]
    assert proc.returncode == 130 and "Traceback" not in stderr and "Sending process" not in stderr
    assert stderr.strip().splitlines()[-1] == (f"diffplay: interrupted after step {step} of 100000; saved {out}; "
                                               f"go on with: diffplay gpt train --resume --out {out}")
    assert processes_naming(out, within=60) == []


def processes_naming(path, within):
    """The processes whose command line holds `path`, once none are left or `within` seconds passed."""
    deadline = time.monotonic() + within
    while True:
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if str(path).encode() in f.read():
                        found.append(int(pid))
            except OSError:   # it ended while we looked
                pass
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)
