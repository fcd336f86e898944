"""diffplay.Tensor vs PyTorch eager on CPU, at the small sizes where per-op overhead decides.

Both sides run single-threaded (torch.set_num_threads(1); diffplay.tune_process() for NumPy's
BLAS) in float64, the same model, loss and optimizer, interleaved repeats. Prints µs per
training step (median over rounds) and the ratio torch / diffplay.

The import-order rows run the MLP in fresh processes that import NumPy, torch or diffplay
first (then diffplay and tune_process(), as README says), and one that never tunes: the
thread setting must hold whatever came first.
"""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as TF

import diffplay
from diffplay import Tensor, optim
from diffplay.engine import tensor_ops as ops

ROUNDS = 15


def seconds_per_step(step, steps):
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


# ---- the MLP: 2-64-64-1, tanh, mean squared error on 256 points, Adam ----

def mlp_weights(rng):
    sizes = [2, 64, 64, 1]
    return [(rng.standard_normal((o, i)) / np.sqrt(i), np.zeros(o)) for i, o in zip(sizes, sizes[1:])]


def mlp_diffplay(weights, x, y):
    params = [Tensor(a, requires_grad=True) for w in weights for a in w]
    opt = optim.Adam(params, lr=1e-3)

    def step():
        opt.zero_grad()
        h = x
        for i in range(0, len(params) - 2, 2):
            h = ops.linear(h, params[i], params[i + 1]).tanh()
        out = ops.linear(h, params[-2], params[-1])
        loss = ((out - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def mlp_torch(weights, x, y):
    params = [torch.tensor(a, requires_grad=True) for w in weights for a in w]
    opt = torch.optim.Adam(params, lr=1e-3)
    x, y = torch.tensor(x), torch.tensor(y)

    def step():
        opt.zero_grad()
        h = x
        for i in range(0, len(params) - 2, 2):
            h = torch.tanh(TF.linear(h, params[i], params[i + 1]))
        out = TF.linear(h, params[-2], params[-1])
        loss = ((out - y) ** 2).mean()
        loss.backward()
        opt.step()
        return loss.item()

    return step


# ---- a GPT of microgpt's shape (n_embd 16, 4 heads, block 16, vocab 27), cross entropy, Adam ----

def gpt_weights(rng, layers, vocab=27, block=16, embd=16):
    def matrix(rows, cols):
        return rng.normal(0.0, 0.08, (rows, cols))

    weights = [matrix(vocab, embd), matrix(block, embd), matrix(vocab, embd)]
    for _ in range(layers):
        weights += [matrix(embd, embd) for _ in range(4)] + [matrix(4 * embd, embd), matrix(embd, 4 * embd)]
    return weights


def gpt_diffplay(weights, tokens, targets, n_head=4):
    params = [Tensor(w, requires_grad=True) for w in weights]
    opt = optim.Adam(params, lr=1e-2, betas=(0.85, 0.99))
    positions = np.arange(len(tokens))

    def step():
        opt.zero_grad()
        wte, wpe, lm_head = params[:3]
        embd = wte.shape[1]
        x = ops.rms_norm(ops.embedding(tokens, wte) + ops.embedding(positions, wpe), (embd,), eps=1e-5)
        for i in range(3, len(params), 6):
            wq, wk, wv, wo, fc1, fc2 = params[i:i + 6]
            h = ops.rms_norm(x, (embd,), eps=1e-5)
            heads = ops.attention(ops.linear(h, wq), ops.linear(h, wk), ops.linear(h, wv), n_head)
            x = ops.linear(heads, wo) + x
            x = ops.linear(ops.linear(ops.rms_norm(x, (embd,), eps=1e-5), fc1).relu(), fc2) + x
        loss = ops.cross_entropy(ops.linear(x, lm_head), targets)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def gpt_torch(weights, tokens, targets, n_head=4):
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    opt = torch.optim.Adam(params, lr=1e-2, betas=(0.85, 0.99))
    tokens, targets = torch.tensor(tokens), torch.tensor(targets)
    positions = torch.arange(len(tokens))

    def split(t):
        return t.view(len(tokens), n_head, -1).transpose(0, 1)

    def step():
        opt.zero_grad()
        wte, wpe, lm_head = params[:3]
        embd = wte.shape[1]
        x = TF.rms_norm(TF.embedding(tokens, wte) + TF.embedding(positions, wpe), (embd,), eps=1e-5)
        for i in range(3, len(params), 6):
            wq, wk, wv, wo, fc1, fc2 = params[i:i + 6]
            h = TF.rms_norm(x, (embd,), eps=1e-5)
            q, k, v = split(TF.linear(h, wq)), split(TF.linear(h, wk)), split(TF.linear(h, wv))
            heads = TF.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(0, 1).reshape(len(tokens), embd)
            x = TF.linear(heads, wo) + x
            x = TF.linear(torch.relu(TF.linear(TF.rms_norm(x, (embd,), eps=1e-5), fc1)), fc2) + x
        loss = TF.cross_entropy(TF.linear(x, lm_head), targets)
        loss.backward()
        opt.step()
        return loss.item()

    return step


# ---- the optimizer alone: Adam over many small tensors (a model of many layers) ----

def many_tensors(rng, count=64, size=32):
    return [rng.standard_normal(size) for _ in range(count)], [rng.standard_normal(size) for _ in range(count)]


def adam_diffplay(starts, grads):
    params = [Tensor(a, requires_grad=True) for a in starts]
    for p, g in zip(params, grads):
        p.grad = g.copy()
    opt = optim.Adam(params, lr=1e-3)

    def step():
        opt.step()
        return float(params[0].data.sum())

    return step


def adam_torch(starts, grads):
    params = [torch.tensor(a, requires_grad=True) for a in starts]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(g)
    opt = torch.optim.Adam(params, lr=1e-3, foreach=False)   # on CPU torch steps tensor by tensor by default

    def step():
        opt.step()
        return float(params[0].detach().sum())

    return step


def alternate(ours, theirs, steps, rounds=ROUNDS):
    """Median seconds a step of each side, timed in alternating rounds (so a noisy neighbour
    slows both alike), once both are checked to compute the same loss."""
    loss_ours, loss_theirs = ours(), theirs()
    assert abs(loss_ours - loss_theirs) < 1e-9 * max(1.0, abs(loss_theirs)), (loss_ours, loss_theirs)
    times = {ours: [], theirs: []}
    for i in range(rounds):
        for step in (ours, theirs) if i % 2 else (theirs, ours):
            times[step].append(seconds_per_step(step, steps))
    return statistics.median(times[ours]), statistics.median(times[theirs])


def compare(label, ours, theirs, steps):
    """Time both sides (alternate) and print the medians and the ratio."""
    a, b = (t * 1e6 for t in alternate(ours, theirs, steps))
    print(f"{label}  steps={steps}x{ROUNDS}  diffplay {a:.0f} µs/step  torch {b:.0f} µs/step  "
          f"ratio {b / a:.2f}x", flush=True)


def mlp_sides(rng):
    x = rng.uniform(-1, 1, (256, 2))
    y = np.sin(3 * x[:, :1]) * np.cos(2 * x[:, 1:])
    w = mlp_weights(rng)
    return mlp_diffplay(w, x, y), mlp_torch(w, x, y)


# ---- the same MLP in fresh processes, importing things in another order ----

ORDERS = {   # label: (what the process imports first, whether it calls tune_process)
    "numpy first": ("import numpy", True),
    "torch first": ("import torch", True),
    "diffplay first": ("", True),
    "numpy first, never tuned": ("import numpy", False),
}
CHILD = """
import json, sys
{first}
import diffplay
{tune}
sys.path.insert(0, {here!r})
import tensor
tensor.torch.set_num_threads(1)
print(json.dumps(tensor.alternate(*tensor.mlp_sides(tensor.np.random.default_rng(0)), 20, rounds=9)))
"""


def import_orders(repeats=3):
    """The MLP's µs a step (diffplay, torch) per import order: the median over `repeats` fresh
    processes, the orders taking turns."""
    times = {label: [] for label in ORDERS}
    for _ in range(repeats):
        for label, (first, tune) in ORDERS.items():
            code = CHILD.format(first=first, tune="diffplay.tune_process()" if tune else "", here=str(Path(__file__).parent))
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
            times[label].append(json.loads(out.stdout.splitlines()[-1]))
    return {label: [1e6 * statistics.median(t[i] for t in runs) for i in (0, 1)] for label, runs in times.items()}


def report_import_orders():
    medians = import_orders()
    for label, (ours, theirs) in medians.items():
        print(f"mlp 2-64-64-1  import order: {label:26s} diffplay {ours:6.0f} µs/step  torch {theirs:6.0f} µs/step  "
              f"ratio {theirs / ours:.2f}x", flush=True)
    first, best = medians["numpy first"][0], medians["diffplay first"][0]
    print(f"mlp 2-64-64-1  numpy first / diffplay first {first / best:.2f}x (goal <= 1.10x)", flush=True)


def main():
    diffplay.tune_process()
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    compare("mlp 2-64-64-1  batch=256  adam", *mlp_sides(rng), 20)
    tokens = rng.integers(0, 26, 16)
    targets = np.append(tokens[1:], 26)
    for layers, label in ((4, "attention 4 layers"), (1, "microgpt 1 layer  ")):
        w = gpt_weights(rng, layers)
        compare(f"{label}  T=16 d=16 heads=4  adam", gpt_diffplay(w, tokens, targets),
                gpt_torch(w, tokens, targets), 20)
    starts, grads = many_tensors(rng)
    compare("adam step alone, 64 tensors of 32", adam_diffplay(starts, grads), adam_torch(starts, grads), 50)
    report_import_orders()


if __name__ == "__main__":
    main()
