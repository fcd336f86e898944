"""Scenes at their default size: optimizer steps per second, and the live loop's frame rate.

A frame is what the studio does per frame: step(scene.budget_s), frame(), json.dumps(frame).
The goals (issue "Scenes I"): boundary, graph and gpt at 30 frames/s or more, canvas at 10.
Two peers where one exists: a boundary epoch and a canvas step written in PyTorch (eager,
one thread, float64 and float32 as the scenes use), same shapes and batch sizes.

    .venv/bin/python benchmarks/scenes.py
"""

import json
import statistics
import time

import numpy as np
import torch

from diffplay.scenes.boundary import Boundary
from diffplay.scenes.canvas import Canvas
from diffplay.scenes.gpt import GPTScene
from diffplay.scenes.graph import Graph

REPEATS = 5
GOALS = {"boundary": 30, "graph": 30, "gpt": 30, "canvas": 10}


def median_seconds(fn, repeats=REPEATS):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def steps_per_second(scene, n):
    return n / median_seconds(lambda: [scene.advance() for _ in range(n)])


def frame_loop(scene, frames=30):
    """Median ms per frame of step(budget) + frame() + JSON, and the steps one step() took."""
    times, steps = [], []
    for _ in range(frames):
        start = time.perf_counter()
        steps.append(scene.step(scene.budget_s))
        json.dumps(scene.frame())
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times), statistics.median(steps)


def report(name, scene, rate, extra=""):
    ms, per_frame = frame_loop(scene)
    fps = 1000 / ms
    print(f"{name:9s} steps/s {rate:8.1f}  budget {1000 * scene.budget_s:3.0f} ms  steps/frame {per_frame:5.1f}  "
          f"frame {ms:6.1f} ms  {fps:5.1f} frames/s  goal {GOALS[name]}  ratio {fps / GOALS[name]:.2f}x{extra}")


def torch_boundary_epoch(scene):
    """One epoch of the same 2-4-2-2 tanh network, SGD lr 0.03, batches of 10, in PyTorch."""
    torch.manual_seed(0)
    sizes = [2, *scene.values["hidden"], scene.values["classes"]]
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b, dtype=torch.float64), torch.nn.Tanh()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(model.parameters(), lr=0.03)
    train = ~scene.is_test
    x, y = torch.tensor(scene.xy[train]), torch.tensor(scene.labels[train])

    def epoch():
        for start in range(0, len(x), 10):
            loss = torch.nn.functional.cross_entropy(model(x[start:start + 10]), y[start:start + 10])
            opt.zero_grad()
            loss.backward()
            opt.step()

    return median_seconds(epoch)


def torch_canvas_step(scene):
    """One Adam step of the same Fourier-feature MLP on every pixel, float32, in PyTorch."""
    torch.manual_seed(0)
    sizes = [scene.features.shape[1], *scene.values["hidden"], 3]
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    x = torch.tensor(scene.features)
    target = torch.tensor(scene.target.reshape(-1, 3), dtype=torch.float32)

    def step():
        loss = ((model(x).sigmoid() - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    return median_seconds(lambda: [step() for _ in range(10)]) / 10


def main():
    torch.set_num_threads(1)
    boundary = Boundary(seed=0)
    epoch = median_seconds(boundary.advance)
    theirs = torch_boundary_epoch(Boundary(seed=0))
    one = median_seconds(lambda: (boundary.advance(), json.dumps(boundary.frame())))
    print(f"boundary  epoch (250 points, batch 10)  diffplay {1000 * epoch:.2f} ms  torch {1000 * theirs:.2f} ms  "
          f"ratio {theirs / epoch:.2f}x   epoch + 100x100 frame {1000 * one:.1f} ms (goal <= 50)")
    report("boundary", boundary, 1 / epoch, "  (a step is an epoch)")

    canvas = Canvas(seed=0)
    ours = 1 / steps_per_second(canvas, 10)
    theirs = torch_canvas_step(Canvas(seed=0))
    print(f"canvas    step (64x64, 128-64-64-3)  diffplay {1000 * ours:.2f} ms  torch {1000 * theirs:.2f} ms  "
          f"ratio {theirs / ours:.2f}x")
    report("canvas", canvas, 1 / ours)

    graph = Graph(autoplay=True)
    rate = len(graph.order) / median_seconds(lambda: (graph.forward(), graph.run()))
    graph.forward()
    report("graph", graph, rate, "  (a step is one node of backward; 1 per frame)")

    chain = Graph(autoplay=True, expression="x = 1.0\ny = x" + " + x" * 9999, variables="")
    build = median_seconds(lambda: Graph(expression=chain.values["expression"], variables=""), repeats=3)
    ms, _ = frame_loop(chain, frames=5)
    print(f"graph     10,000-node chain: parse + evaluate + layout {1000 * build:.0f} ms, frame {ms:.0f} ms")

    gpt = GPTScene(seed=42, steps=100_000)
    report("gpt", gpt, steps_per_second(gpt, 100), f"  (at most {gpt.values['speed']} steps per frame)")


if __name__ == "__main__":
    main()
