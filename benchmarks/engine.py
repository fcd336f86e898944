"""Scalar engines, forward+backward: diffplay.Value vs a microgpt-style Value vs micrograd.

Cases: (a) a 2-16-16-1 tanh MLP over 100 points (squared error), (b) one microgpt training
step on names.txt (when ../shared/data/names.txt exists). The collector is left on, as users
run it. "ns/op" divides the step time by the baseline's node count — the same computation for
every side — so fused n-ary nodes count as the work they replace; each side's own node count
and bytes per own node are printed too.
"""

import gc
import math
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _baseline_value import BaselineValue  # noqa: E402

import diffplay  # noqa: E402
import diffplay.functional as F  # noqa: E402
from diffplay import Value  # noqa: E402


def graph_size(root):
    """Nodes reachable from root, for either child-attribute name (_children or micrograd's _prev)."""
    seen, stack = {root}, [root]
    while stack:
        v = stack.pop()
        children = v._children if hasattr(v, "_children") else v._prev
        for c in children:
            if c not in seen:
                seen.add(c)
                stack.append(c)
    return len(seen)


def measure(sides, repeats):
    """{name: (median seconds of build()+backward(), node count, traced bytes)} for each side.

    All sides must compute the same number (checked first); they are timed in alternating
    rounds, so a busy spell on this shared box slows every side alike.
    """
    outputs = {name: build().data for name, build in sides.items()}
    first = next(iter(outputs.values()))
    assert all(abs(x - first) <= 1e-9 * max(1.0, abs(first)) for x in outputs.values()), outputs
    times = {name: [] for name in sides}
    for round_ in range(repeats):
        order = list(sides) if round_ % 2 else list(sides)[::-1]
        for name in order:
            start = time.perf_counter()
            sides[name]().backward()
            times[name].append(time.perf_counter() - start)
    rows = {}
    for name, build in sides.items():
        tracemalloc.start()
        root = build()
        used = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        rows[name] = (statistics.median(times[name]), graph_size(root), used)
        del root
    return rows


# ---- (a) the MLP, written in each engine's own idiom ----

def mlp_weights(rng, sizes=(2, 16, 16, 1)):
    return [[[rng.uniform(-1, 1) for _ in range(nin + 1)] for _ in range(nout)] for nin, nout in zip(sizes, sizes[1:])]


def mlp_points(rng, n=100):
    return [([rng.uniform(-1, 1), rng.uniform(-1, 1)], rng.uniform(-1, 1)) for _ in range(n)]


def mlp_loss_chain(V, weights, points, tanh):
    """micrograd's idiom: sum(w*x) chains, builtin sum over the points."""
    layers = [[[V(w) for w in row] for row in layer] for layer in weights]
    total = V(0.0)
    for x, y in points:
        h = x
        for i, layer in enumerate(layers):
            out = [sum((w * xi for w, xi in zip(row[:-1], h)), row[-1]) for row in layer]
            h = [tanh(o) for o in out] if i < len(layers) - 1 else out
        total = total + (h[0] - y) ** 2
    return total * (1.0 / len(points))


def mlp_loss_diffplay(weights, points):
    """diffplay's idiom: one dot node per neuron, one n-ary sum over the points."""
    layers = [[[Value(w) for w in row] for row in layer] for layer in weights]
    errors = []
    for x, y in points:
        h = x
        for i, layer in enumerate(layers):
            out = [F.dot(row[:-1], h) + row[-1] for row in layer]
            h = [o.tanh() for o in out] if i < len(layers) - 1 else out
        errors.append(h[0] - y)
    return F.dot(errors, errors) * (1.0 / len(points))


def micrograd_tanh(v):
    """micrograd 0.1.0 has no tanh: add one in its own closure style."""
    from micrograd.engine import Value as MV

    t = math.tanh(v.data)
    out = MV(t, (v,), "tanh")

    def _backward():
        v.grad += (1 - t * t) * out.grad

    out._backward = _backward
    return out


def report(case, rows, baseline_nodes):
    base_time = rows["baseline"][0]
    for name, (seconds, nodes, used) in rows.items():
        ns_per_op = seconds / baseline_nodes * 1e9
        print(f"{case:<9} {name:<9} {seconds * 1e3:8.2f} ms  {ns_per_op:6.0f} ns/op  "
              f"own nodes {nodes:6d}  {used / nodes:5.0f} B/node  vs baseline {base_time / seconds:5.2f}x")


def bench_mlp(repeats=15):
    rng = random.Random(0)
    weights, points = mlp_weights(rng), mlp_points(rng)
    sides = {"diffplay": lambda: mlp_loss_diffplay(weights, points),
             "baseline": lambda: mlp_loss_chain(BaselineValue, weights, points, BaselineValue.tanh)}
    try:
        from micrograd.engine import Value as MicrogradValue

        sides["micrograd"] = lambda: mlp_loss_chain(MicrogradValue, weights, points, micrograd_tanh)
    except ImportError:
        print("micrograd not installed (pip install -e '.[bench]'): its row is left out")
    rows = measure(sides, repeats)
    report("mlp", rows, rows["baseline"][1])


# ---- (b) one microgpt step: microgpt.py's design against diffplay's scalar GPT ----

NAMES_TXT = Path(__file__).resolve().parents[2] / "shared" / "data" / "names.txt"


def bench_microgpt(repeats=7):
    if not NAMES_TXT.is_file():
        print(f"microgpt  skipped: {NAMES_TXT} is absent")
        return
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from gpt_reference import MicrogptReference

    from diffplay.gpt.train import DEFAULTS, Run

    run = Run(NAMES_TXT, dict(DEFAULTS), "value")
    tokens = max((run.batch(step)[0] for step in range(50)), key=len)   # a long name: 10+ positions
    reference = MicrogptReference(run.config, run.gpt.weights())
    rows = measure({"diffplay": lambda: run.gpt.model.loss([tokens]),
                    "baseline": lambda: reference.loss(tokens)}, repeats)
    print(f"microgpt  one step on a {len(tokens) - 2}-letter name; micrograd 0.1.0 has no exp/log, so no row")
    report("microgpt", rows, rows["baseline"][1])


if __name__ == "__main__":
    diffplay.tune_process()
    print(f"python {sys.version.split()[0]}, gc {'on' if gc.isenabled() else 'off'}, medians")
    bench_microgpt()   # first: before the MLP's garbage makes the collector's walks longer
    bench_mlp()
