"""microgpt, timed: diffplay's engines against PyTorch eager, microgpt.py's design and NumPy by hand.

Every side gets the same documents, shuffle and initial weights, one thread (tune_process();
torch.set_num_threads(1)), and Adam with microgpt's settings; repeats alternate the sides, so a
busy spell on this shared box hits both, and each prints its median.
  1. the Value engine vs microgpt.py's own design (a plain scalar class), 20 steps, per step.
  2. batch=1, 1000 steps, float64: the Tensor engine vs the same model in PyTorch eager.
  3. the default CLI run, `diffplay gpt train --json` as a user runs it (1000 steps, batch 1,
     float64, the `names` package's names, a checkpoint every 100 steps and at the end, on disk
     before it reports its seconds) vs PyTorch eager and vs the hand-written NumPy model of
     benchmarks/gpt_numpy.py, both on the same documents.
  4. batch=32: tokens per second on both tensor engines, float64.
  5. float32 at about 4k, 100k and 400k parameters, batch 32: the Tensor engine vs PyTorch eager.
  6. the torch engine in one process and in two under torchrun (gloo): tokens per second.
  7. peak memory traced (tracemalloc) for one Tensor run and one Value step.
Data for 1, 2, 4-7: ../shared/data/names.txt when it exists (microgpt's), else the `names` package's.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from gpt_numpy import NumpyGPT  # noqa: E402
from gpt_reference import NAMES_TXT, MicrogptReference, torch_batch, torch_gpt  # noqa: E402

import diffplay  # noqa: E402
from diffplay.gpt import train  # noqa: E402
from diffplay.gpt.train import DEFAULTS, Run  # noqa: E402

DATA = NAMES_TXT if NAMES_TXT.is_file() else None
SIZES = {"4k": {}, "100k": {"n_embd": 64, "n_layer": 2}, "400k": {"n_embd": 128, "n_layer": 2}}


def run_for(engine, data=DATA, **changes):
    return Run(data, {**DEFAULTS, **changes}, engine)


def torch_seconds(steps, batch, data=DATA, dtype="float64", **config):
    """Seconds for `steps` PyTorch eager steps (batch documents each), and the losses."""
    import torch

    torch.set_num_threads(1)
    run = run_for("tensor", data, steps=steps, batch=batch, **config)   # for its documents and initial weights
    model = torch_gpt(run.config, run.gpt.weights()).to(getattr(torch, dtype))
    opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.85, 0.99), eps=1e-8)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1 - step / steps)
    batches = [torch_batch(run.batch(step), run.config.block_size) for step in range(steps)]
    losses, start = [], time.perf_counter()
    for idx, targets, mask in batches:
        loss = model(idx, targets, mask.to(getattr(torch, dtype)))
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
        losses.append(loss.item())
    return time.perf_counter() - start, losses


def diffplay_seconds(steps, batch, engine="tensor", dtype="float64", **config):
    result = train(DATA, steps=steps, batch=batch, engine=engine, dtype=dtype, samples=0, **config)
    return result.seconds, result.losses


def numpy_seconds(steps, data=DATA):
    """Seconds for `steps` steps of the hand-written NumPy model (batch 1), and the losses."""
    run = run_for("tensor", data, steps=steps)
    model = NumpyGPT(run.config, run.gpt.weights(), steps=steps)
    start = time.perf_counter()   # its documents turned into tokens step by step, as diffplay's are
    losses = [model.step(run.batch(step)[0]) for step in range(steps)]
    return time.perf_counter() - start, losses


def cli_seconds(*options):
    """`diffplay gpt train --json OPTIONS` in a fresh process and folder: its summary."""
    # the child imports the diffplay this process imported, whatever folder it runs in
    source = str(Path(diffplay.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))}
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run([sys.executable, "-m", "diffplay.cli", "gpt", "train", "--json", *options],
                              capture_output=True, text=True, cwd=folder, env=env, check=True)
    summary = json.loads(done.stdout.splitlines()[-1])
    return summary["seconds"], summary


def medians(repeats, *sides):
    """Each side's median seconds over `repeats` alternating rounds, and its last result."""
    rounds = [[side() for side in sides] for _ in range(repeats)]
    return [(statistics.median(r[i][0] for r in rounds), rounds[-1][i][1]) for i in range(len(sides))]


def mean_last100(losses):
    return sum(losses[-100:]) / len(losses[-100:])


def tokens(steps, batch, **config):
    run = run_for("tensor", steps=steps, batch=batch, **config)
    return sum(min(run.config.block_size, len(t) - 1) for step in range(steps) for t in run.batch(step))


def case_value(steps=20, repeats=3):
    (ours, our_losses), (theirs, their_losses) = medians(repeats, lambda: value_seconds(steps),
                                                         lambda: microgpt_seconds(steps))
    gap = max(abs(a - b) for a, b in zip(our_losses, their_losses))
    print(f"gpt  engine=value  steps={steps}  diffplay {ours / steps:.4f} s/step  microgpt.py design "
          f"{theirs / steps:.4f} s/step  ratio {theirs / ours:.2f}x  max loss gap {gap:.1e}")


def microgpt_seconds(steps):
    run = run_for("value")
    reference = MicrogptReference(run.config, run.gpt.weights())
    losses, start = [], time.perf_counter()
    for step in range(steps):
        losses.append(reference.step(run.batch(step)[0], step, run.steps))
    return time.perf_counter() - start, losses


def value_seconds(steps):
    run = run_for("value")
    losses, start = [], time.perf_counter()
    for _ in range(steps):
        losses.append(run.train_step()[0])
    return time.perf_counter() - start, losses


def case_batch1(repeats=7):
    (ours, our_losses), (theirs, their_losses) = medians(
        repeats, lambda: diffplay_seconds(1000, 1), lambda: torch_seconds(1000, 1))
    print(f"gpt  batch=1  steps=1000  diffplay {ours:.3f} s  torch {theirs:.3f} s  ratio {theirs / ours:.2f}x  "
          f"loss_first {our_losses[0]:.16f}  loss_last100 {mean_last100(our_losses):.15f} "
          f"(torch {mean_last100(their_losses):.15f})")


def case_default_run(repeats=7):
    (ours, summary), (eager, _), (by_hand, _) = medians(
        repeats, cli_seconds, lambda: torch_seconds(1000, 1, data=None), lambda: numpy_seconds(1000, data=None))
    print(f"gpt  default CLI run (1000 steps, batch 1, checkpoints every 100 and at the end)  diffplay {ours:.3f} s  "
          f"torch eager {eager:.3f} s  ratio {eager / ours:.2f}x  NumPy by hand {by_hand:.3f} s  "
          f"diffplay/NumPy {ours / by_hand:.2f}x  loss_last100 {summary['loss_last100']:.6f}")


def case_batch32(steps=100, repeats=3):
    (ours, _), (theirs, _) = medians(repeats, lambda: diffplay_seconds(steps, 32), lambda: torch_seconds(steps, 32))
    n = tokens(steps, 32)
    print(f"gpt  batch=32  steps={steps}  diffplay {n / ours:,.0f} tokens/s  torch {n / theirs:,.0f} tokens/s  "
          f"ratio {theirs / ours:.2f}x")


def case_float32(steps=40, repeats=5):
    for config in SIZES.values():
        params = run_for("tensor", **config).gpt.num_params
        (ours, our_losses), (theirs, their_losses) = medians(
            repeats, lambda: diffplay_seconds(steps, 32, dtype="float32", **config),
            lambda: torch_seconds(steps, 32, dtype="float32", **config))
        print(f"gpt  float32  params={params:,}  batch=32  steps={steps}  diffplay {ours:.3f} s  torch {theirs:.3f} s  "
              f"ratio {theirs / ours:.2f}x  loss_last {our_losses[-1]:.4f} (torch {their_losses[-1]:.4f})")


def case_processes(steps=100, repeats=3):
    data = [] if DATA is None else ["--data", str(DATA)]
    options = [*data, "--engine", "torch", "--batch", "32", "--steps", str(steps), "--samples", "0", "--n-embd", "64",
               "--n-layer", "2"]
    (one, summary), (two, _) = medians(repeats, lambda: cli_seconds(*options, "--nproc", "1"),
                                       lambda: cli_seconds(*options, "--nproc", "2"))
    n = tokens(steps, 32, n_embd=64, n_layer=2)
    print(f"gpt  torch engine  params={summary['params']:,}  batch=32  steps={steps}  --nproc 1 {n / one:,.0f} tokens/s  "
          f"--nproc 2 {n / two:,.0f} tokens/s  ratio {one / two:.2f}x (gloo, CPU)")


def case_memory():
    tracemalloc.start()
    diffplay_seconds(1000, 1)
    tensor_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    run = run_for("value")
    base = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    run.train_step()
    value_peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    print(f"gpt  memory  tensor engine 1000 steps peak {tensor_peak / 2**20:.1f} MiB  "
          f"value engine one step peak {value_peak / 2**20:.1f} MiB (tracemalloc, beyond the model)")


CASES = {"value": case_value, "batch1": case_batch1, "default": case_default_run, "batch32": case_batch32,
         "float32": case_float32, "processes": case_processes, "memory": case_memory}

if __name__ == "__main__":
    diffplay.tune_process()
    print(f"data: {DATA or 'names package (names.txt absent)'}; python {sys.version.split()[0]}; medians")
    for name in sys.argv[1:] or CASES:   # case_value first: before torch's import fills the heap the collector walks
        CASES[name]()
