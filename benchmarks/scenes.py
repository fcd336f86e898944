"""Scenes at their default size: optimizer steps per second, and the live loop's frame rate.

A frame is what the studio does per frame: step(scene.budget_s), frame(), json.dumps(frame).
The goals (issue "Scenes I"): boundary, graph and gpt at 30 frames/s or more, canvas at 10.
Two peers where one exists, timed against the scene in alternating rounds by
benchmarks/tensor.py's compare (eager PyTorch, one thread): a boundary epoch from the same
weights over the points in the same order (float64), and a canvas Adam step from the same
weights on the same features (float32). Also the worst stroke a page can send the canvas.
Then benchmarks/scenes_ii.py's rows (lsystem, ik, particles, synth), where it is present.

    .venv/bin/python benchmarks/scenes.py
"""

import copy
import json
import statistics
import time

from tensor import compare   # benchmarks/tensor.py: alternating rounds
from scenes_ii import live   # the one frame loop: moves(i), step(budget), frame(), JSON

import numpy as np  # noqa: E402
import torch  # noqa: E402

import diffplay  # noqa: E402
from diffplay.scenes.boundary import Boundary  # noqa: E402
from diffplay.scenes.canvas import Canvas  # noqa: E402
from diffplay.scenes.gpt import GPTScene  # noqa: E402
from diffplay.scenes.graph import Graph  # noqa: E402

REPEATS = 5
GOALS = {"boundary": 30, "graph": 30, "gpt": 30, "canvas": 10, "lsystem": 30, "ik": 30, "particles": 30, "synth": 10}


def median_seconds(fn, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def steps_per_second(scene, n):
    return n / median_seconds(lambda: scene.run(steps=n))


def frame_loop(scene, frames=30, moves=None):
    """Median ms per frame of step(budget) + frame() + JSON, and the steps one step() took.

    `moves(i)`, if given, is an event handled at the start of frame i (a drag, a click).
    """
    times, steps = live(scene, moves, frames)
    return statistics.median(times), steps


def report(name, scene, rate, extra="", moves=None):
    ms, per_frame = frame_loop(scene, moves=moves)
    fps = 1000 / ms
    print(f"{name:9s} steps/s {rate:8.1f}  budget {1000 * scene.budget_s:3.0f} ms  steps/frame {per_frame:5.1f}  "
          f"frame {ms:6.1f} ms  {fps:5.1f} frames/s  goal {GOALS[name]}  ratio {fps / GOALS[name]:.2f}x{extra}")


def torch_linears(scene, dtype):
    """A torch MLP holding the scene's own TensorMLP weights (tanh or relu between layers)."""
    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[scene.model.activation]
    layers = []
    for ours in scene.model.linears:
        linear = torch.nn.Linear(ours.in_features, ours.out_features, dtype=dtype)
        linear.load_state_dict({name: torch.from_numpy(t.data.copy()) for name, t in ours.state_dict().items()})
        layers += [linear, act()]
    return torch.nn.Sequential(*layers[:-1])


def boundary_sides(scene):
    """(ours, theirs): an epoch of the scene, and the same epoch in PyTorch (same weights, same
    batch order from a copy of the scene's generator); each returns its parameters' sum."""
    model, rng = torch_linears(scene, torch.float64), copy.deepcopy(scene.rng)
    opt = torch.optim.SGD(model.parameters(), lr=scene.values["lr"])
    x, y, train, size = torch.from_numpy(scene.xy), torch.from_numpy(scene.labels), np.flatnonzero(~scene.is_test), scene.values["batch"]

    def theirs():
        order = torch.from_numpy(rng.permutation(train))
        for start in range(0, len(order), size):
            batch = order[start:start + size]
            loss = torch.nn.functional.cross_entropy(model(x[batch]), y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return sum(p.sum().item() for p in model.parameters())

    def ours():
        while scene.advance() is False:   # a live piece is one batch: go on to the epoch's end
            pass
        return sum(float(p.data.sum()) for p in scene.model.parameters())

    return ours, theirs


def canvas_sides(scene):
    """(ours, theirs): an Adam step of the scene, and the same step in PyTorch (same weights,
    features and colours, float32); each returns its loss to 5 digits, float32's agreement."""
    assert scene.mask.all()   # every pixel painted: both sides train on all of them
    model = torch_linears(scene, torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=scene.values["lr"])
    x, target = torch.from_numpy(scene.features), torch.from_numpy(scene.target.reshape(-1, 3).astype(np.float32))

    def theirs():
        loss = ((model(x).sigmoid() - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return round(loss.item(), 5)

    def ours():
        scene.advance()
        return round(scene.last_loss, 5)

    return ours, theirs


def worst_stroke():
    """Median seconds of the costliest stroke event: 2000 points zigzagging corner to corner
    of the largest canvas, at the largest radius."""
    scene = Canvas(size=128, image="empty")
    corners = [{"x": 127.0 * (i % 2), "y": 127.0 * (i // 2 % 2)} for i in range(2000)]
    event = {"type": "stroke", "points": corners, "color": [0, 0, 0], "radius": 64}
    return median_seconds(lambda: scene.handle(event))


def main():
    diffplay.tune_process()
    torch.set_num_threads(1)
    compare("boundary  epoch (250 points, batch 10, 2-4-2-2 tanh)", *boundary_sides(Boundary(seed=0)), 5)
    boundary = Boundary(seed=0)
    epoch = median_seconds(lambda: boundary.run(steps=1))
    one = median_seconds(lambda: (boundary.run(steps=1), json.dumps(boundary.frame())))
    print(f"boundary  epoch + 100x100 frame {1000 * one:.1f} ms (goal <= 50)")
    report("boundary", boundary, 1 / epoch, "  (a step is an epoch; live it trains by SGD batches, and steps/frame "
                                            "counts those)")

    compare("canvas    step (64x64, 128-64-64-3, every pixel)", *canvas_sides(Canvas(seed=0, batch=0)), 10)
    canvas = Canvas(seed=0)
    report("canvas", canvas, steps_per_second(canvas, 10))
    print(f"canvas    stroke of 2000 points corner to corner, 128x128, radius 64: {1000 * worst_stroke():.0f} ms")

    graph = Graph(autoplay=True)
    rate = len(graph.order) / median_seconds(lambda: (graph.forward(), graph.run()))
    graph.forward()
    report("graph", graph, rate, "  (nodes of backward a second: a step is one node and the leaves after it; 1 per frame)")

    chain = Graph(autoplay=True, expression="x = 1.0\ny = x" + " + x" * 9999, variables="")
    build = median_seconds(lambda: Graph(expression=chain.values["expression"], variables=""), repeats=3)
    ms, _ = frame_loop(chain, frames=5)
    print(f"graph     10,000-node chain: parse + evaluate + layout {1000 * build:.0f} ms, frame {ms:.0f} ms")

    gpt = GPTScene(seed=42, steps=100_000)
    report("gpt", gpt, steps_per_second(gpt, 100), f"  (at most {gpt.values['speed']} steps per frame)")

    try:
        import scenes_ii   # benchmarks/scenes_ii.py: the Scenes II scenes' rows, after these
    except ModuleNotFoundError:
        return
    scenes_ii.main()


if __name__ == "__main__":
    main()
