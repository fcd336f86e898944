"""The makemore lectures' models on diffplay vs PyTorch eager, at float32 and float64.

Models (tests/makemore_models.py, one PyTorch-style text run by both): the MLP language model
(Bengio et al. 2003: context 3, embedding 10, 200 tanh units), the same with BatchNorm1d, and
the WaveNet-style hierarchy (context 8, embedding 24, 128 units, three FlattenConsecutive +
Linear + BatchNorm1d + tanh blocks). Both sides start from PyTorch's initial weights, take the
same minibatches of 32 from names.txt and run single-threaded (torch.set_num_threads(1);
diffplay.tune_process()). Prints ms per training step (median over alternating rounds), the
ratio torch / diffplay, and the largest gap between the two sides' losses over the steps.
Needs ../shared/data/names.txt (microgpt's data, beside the repo).
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from makemore_models import MODELS, NAMES_TXT, batches, dataset, stepper, twins  # noqa: E402

import diffplay  # noqa: E402
import diffplay.torch as ours  # noqa: E402

ROUNDS, STEPS = 10, 20   # 200 training steps a side, in rounds of 20 taking turns


def compare(name, dtype):
    import torch

    _, block_size = MODELS[name]
    (X, Y), _ = dataset(NAMES_TXT, block_size)
    theirs, mine = twins(name, dtype)
    chosen = batches(len(X), ROUNDS * STEPS)
    sides = {"diffplay": stepper(ours, mine, X, Y, chosen), "torch": stepper(torch, theirs, X, Y, chosen)}
    times, losses = {side: [] for side in sides}, {side: [] for side in sides}
    for i in range(ROUNDS):
        for side in sorted(sides, reverse=bool(i % 2)):   # alternate who goes first: a busy spell hits both
            start = time.perf_counter()
            losses[side] += [sides[side]() for _ in range(STEPS)]
            times[side].append((time.perf_counter() - start) / STEPS)
    ours_ms, torch_ms = (1e3 * statistics.median(times[side]) for side in ("diffplay", "torch"))
    gap = max(abs(a - b) for a, b in zip(losses["diffplay"], losses["torch"]))
    print(f"makemore {name:9s} {dtype}  steps={ROUNDS * STEPS}  diffplay {ours_ms:6.3f} ms/step  "
          f"torch {torch_ms:6.3f} ms/step  ratio {torch_ms / ours_ms:.2f}x  max loss gap {gap:.1e}  "
          f"loss_last {losses['diffplay'][-1]:.6f}", flush=True)


def main():
    import torch

    if not NAMES_TXT.is_file():
        sys.exit(f"makemore: {NAMES_TXT} is absent (the lectures' data lives beside the repo, never in it)")
    diffplay.tune_process()
    torch.set_num_threads(1)
    for dtype in ("float64", "float32"):
        for name in MODELS:
            compare(name, dtype)


if __name__ == "__main__":
    main()
