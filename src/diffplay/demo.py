"""`diffplay demo`: fit a small MLP of Values to a curve and watch the loss fall."""

import json
import math
import sys
import time

from tqdm import tqdm

from . import optim
from .checks import check_integer
from .engine import functional as F
from .nn import MLP
from .parsing import argument, parse_integer


def fit_curve(steps=200, hidden=16, lr=0.05, seed=0, points=24, progress=None):
    """Fit y = sin(2x) on [-2, 2] with a tanh MLP of two hidden layers (1-16-16-1 by default) and
    Adam; returns the losses."""
    xs = [-2 + 4 * i / (points - 1) for i in range(points)]
    ys = [math.sin(2 * x) for x in xs]
    model = MLP(1, [hidden, hidden, 1], activation="tanh", seed=seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        errors = [model([x]) - y for x, y in zip(xs, ys)]
        loss = F.dot(errors, errors) / len(xs)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
        if progress:
            progress(loss.data)
    return losses


def run_demo(args):
    check_integer(args.steps, "--steps", low=1)
    start = time.perf_counter()
    with tqdm(total=args.steps, desc="demo", unit="step", file=sys.stderr, disable=args.json) as bar:
        def progress(loss):
            bar.set_postfix(loss=f"{loss:.5f}")
            bar.update()

        losses = fit_curve(steps=args.steps, seed=args.seed, progress=progress)
    seconds = time.perf_counter() - start
    if args.json:
        print(json.dumps({"steps": args.steps, "loss_first": losses[0], "loss_last": losses[-1], "seconds": seconds}))
    else:
        for i in sorted({0, len(losses) // 4, len(losses) // 2, 3 * len(losses) // 4, len(losses) - 1}):
            print(f"step {i + 1:5d}  loss {losses[i]:.6f}")
        print(f"fit y = sin(2x) with a 1-16-16-1 MLP of Values in {seconds:.2f} s")


def add_demo_command(commands):
    demo = commands.add_parser("demo", help="fit a curve with an MLP of Values")
    demo.add_argument("--steps", type=argument(parse_integer), default=200)
    demo.add_argument("--seed", type=argument(parse_integer), default=0)
    demo.add_argument("--json", action="store_true", help="print a JSON summary as the last line")
    demo.set_defaults(run=run_demo)
