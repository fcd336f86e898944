"""microgpt, timed: diffplay's Tensor and Value engines against PyTorch and microgpt.py's design.

Cases (all float64, the same data, shuffle and initial weights on every side):
  1. batch=1, 1000 steps: diffplay's Tensor engine vs the same model written idiomatically in
     PyTorch eager (torch.set_num_threads(1)), Adam with microgpt's settings on both.
  2. the Value engine vs microgpt.py's own design (a plain scalar class), 20 steps, per step.
  3. batch=32: tokens per second on both tensor engines.
  4. peak memory traced (tracemalloc) for one Tensor run and one Value step.
Data: ../shared/data/names.txt when it exists (microgpt's), else the `names` package's first names.
"""

import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from gpt_reference import NAMES_TXT, MicrogptReference, torch_batch, torch_gpt  # noqa: E402

import diffplay  # noqa: E402
from diffplay.gpt import train  # noqa: E402
from diffplay.gpt.train import DEFAULTS, Run  # noqa: E402

DATA = NAMES_TXT if NAMES_TXT.is_file() else None


def run_for(engine, **changes):
    return Run(DATA, {**DEFAULTS, **changes}, engine)


def torch_seconds(steps, batch):
    """Seconds for `steps` PyTorch steps (batch documents each), and the losses."""
    import torch

    torch.set_num_threads(1)
    run = run_for("value", steps=steps, batch=batch)   # for its documents and initial weights
    model = torch_gpt(run.config, run.gpt.weights())
    opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.85, 0.99), eps=1e-8)
    schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1 - step / steps)
    losses, start = [], time.perf_counter()
    for step in range(steps):
        loss = model(*torch_batch(run.batch(step), run.config.block_size))
        opt.zero_grad()
        loss.backward()
        opt.step()
        schedule.step()
        losses.append(loss.item())
    return time.perf_counter() - start, losses


def diffplay_seconds(steps, batch, engine="tensor"):
    result = train(DATA, steps=steps, batch=batch, engine=engine, samples=0)
    return result.seconds, result.losses


def medians(repeats, ours, theirs):
    """Each side's median seconds over `repeats` alternating runs (so a busy spell on this
    shared box hits both), and each side's losses."""
    runs = [(ours(), theirs()) for _ in range(repeats)]
    return [(statistics.median(run[side][0] for run in runs), runs[-1][side][1]) for side in (0, 1)]


def mean_last100(losses):
    return sum(losses[-100:]) / len(losses[-100:])


def tokens(steps, batch):
    run = run_for("value", steps=steps, batch=batch)
    return sum(min(run.config.block_size, len(t) - 1) for step in range(steps) for t in run.batch(step))


def case_batch1(repeats=7):
    (ours, our_losses), (theirs, their_losses) = medians(
        repeats, lambda: diffplay_seconds(1000, 1), lambda: torch_seconds(1000, 1))
    print(f"gpt  batch=1  steps=1000  diffplay {ours:.3f} s  torch {theirs:.3f} s  ratio {theirs / ours:.2f}x  "
          f"loss_first {our_losses[0]:.16f}  loss_last100 {mean_last100(our_losses):.15f} "
          f"(torch {mean_last100(their_losses):.15f})")


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


def case_value(steps=20, repeats=3):
    (ours, our_losses), (theirs, their_losses) = medians(
        repeats, lambda: value_seconds(steps), lambda: microgpt_seconds(steps))
    gap = max(abs(a - b) for a, b in zip(our_losses, their_losses))
    print(f"gpt  engine=value  steps={steps}  diffplay {ours / steps:.4f} s/step  microgpt.py design "
          f"{theirs / steps:.4f} s/step  ratio {theirs / ours:.2f}x  max loss gap {gap:.1e}")


def case_batch32(steps=100, repeats=3):
    (ours, _), (theirs, _) = medians(repeats, lambda: diffplay_seconds(steps, 32), lambda: torch_seconds(steps, 32))
    n = tokens(steps, 32)
    print(f"gpt  batch=32  steps={steps}  diffplay {n / ours:,.0f} tokens/s  torch {n / theirs:,.0f} tokens/s  "
          f"ratio {theirs / ours:.2f}x")


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


if __name__ == "__main__":
    diffplay.tune_process()
    print(f"data: {DATA or 'names package (names.txt absent)'}; python {sys.version.split()[0]}; medians")
    case_value()   # first: before torch's import fills the heap the cyclic collector walks
    case_batch1()
    case_batch32()
    case_memory()
