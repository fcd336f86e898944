"""Layout benchmark: the five examples, Penrose's packing problem, and a drag session.

    .venv/bin/python benchmarks/layout.py [--seeds 5]

Per example: median solve time over seeds, median L-BFGS iterations, the largest residual
and how many seeds came back feasible. Packing: build (Python API + compile) and solve,
against Penrose's figures for the same problem (quoted from the issue: @penrose/core 3.2.0
cannot run here), and with the NumPy kernels switched off (the Tensor path alone). Drag:
15 circles, one dragged through the middle of the container over 60 pointer moves.
"""

import argparse
import contextlib
import os
import time

import numpy as np

import diffplay
from diffplay.layout import CONSTRAINTS, OBJECTIVES, Diagram, examples
from diffplay.layout.spec import load

PENROSE_MS = 112.0 + 7.5   # compile + optimize, @penrose/core 3.2.0, 373 iterations, 5/5 feasible
FRAME_BUDGET_MS = 16.0


def packing(n=20):
    """Penrose's packing problem with n circles, built with the Python API."""
    d = Diagram(600, 600, left=-300, top=-300)
    outer = d.circle("outer", 0, 0, 250, fill="none", stroke="#333")
    circles = [d.circle(f"c{i}") for i in range(n)]
    special = {(0, 1): "contains", (2, 3): "contains", (4, 5): "touching", (6, 7): "touching", (8, 9): "touching"}
    for c in circles:
        d.contains(outer, c)
        d.in_range(c.r, 15, 40)
        d.near(c.r, 30)
    for i in range(n):
        for j in range(i + 1, n):
            relation = special.get((i, j), "disjoint")
            d.add(relation, circles[i], circles[j], **({"pad": 5} if relation == "contains" else {}))
    return d


def example_line(name, seeds):
    times, iterations, residuals, feasible = [], [], [], 0
    for seed in seeds:
        diagram, _ = load(examples.path(name))
        result = diagram.solve(seed=seed)
        times.append(result.seconds)
        iterations.append(result.iterations)
        residuals.append(result.max_residual / diagram.canvas.scale)
        feasible += result.feasible
    print(f"layout  {name:9s}  solve {np.median(times) * 1000:7.1f} ms  iterations {np.median(iterations):5.0f}  "
          f"max_residual {max(residuals):.1e} of canvas  feasible {feasible}/{len(seeds)}")


def packing_runs(seeds):
    """Median build and solve wall times (ms), CPU time of both (ms), iterations, feasible count."""
    builds, solves, cpu, iterations, feasible = [], [], [], [], 0
    for seed in seeds:
        began, began_cpu = time.perf_counter(), time.process_time()
        diagram = packing()
        diagram._compiled()
        builds.append(time.perf_counter() - began)
        result = diagram.solve(seed=seed)
        solves.append(result.seconds)
        cpu.append(time.process_time() - began_cpu)
        iterations.append(result.iterations)
        feasible += result.feasible
    ms = lambda xs: float(np.median(xs)) * 1000  # noqa: E731
    return ms(builds), ms(solves), ms(cpu), np.median(iterations), feasible


@contextlib.contextmanager
def kernels_off():
    """Every relation on the Tensor engine, as if no kernel were registered."""
    saved = {name: dict(r.kernels) for table in (CONSTRAINTS, OBJECTIVES) for name, r in table.items()}
    for table in (CONSTRAINTS, OBJECTIVES):
        for r in table.values():
            r.kernels.clear()
    try:
        yield
    finally:
        for table in (CONSTRAINTS, OBJECTIVES):
            for name, r in table.items():
                r.kernels.update(saved[name])


def packing_lines(seeds):
    build, solve, cpu, iterations, feasible = packing_runs(seeds)
    total = build + solve
    print(f"layout  packing    build {build:5.1f} ms  solve {solve:6.1f} ms  total {total:6.1f} ms (cpu {cpu:.1f} ms)  "
          f"iterations {iterations:4.0f}  feasible {feasible}/{len(seeds)}  "
          f"penrose {PENROSE_MS:.1f} ms (quoted, 373 iterations)  ratio {PENROSE_MS / total:.1f}x")
    with kernels_off():
        build, solve, cpu, iterations, feasible = packing_runs(seeds)
    print(f"layout  packing    tensor path only (no kernels): build {build:5.1f} ms  solve {solve:6.1f} ms  "
          f"total {build + solve:6.1f} ms (cpu {cpu:.1f} ms)  feasible {feasible}/{len(seeds)}")


def drag_line(seed=0, frames=60):
    d = packing(15)
    d.solve(seed=seed)
    name = "c10"
    x0, y0 = d.center(d.shapes[name])
    path = [(x0 * (1 - 2 * t), y0 * (1 - 2 * t)) for t in np.linspace(0, 1, frames)]   # through the middle
    times, cpu, converged, iterations = [], [], 0, []
    for x, y in path:
        began_cpu = time.process_time()
        result = d.drag(name, x, y)
        cpu.append((time.process_time() - began_cpu) * 1000)
        times.append(result.seconds * 1000)
        converged += result.converged
        iterations.append(result.iterations)
    d.release(name)
    within = sum(t <= FRAME_BUDGET_MS for t in times)
    print(f"layout  drag       15 circles, {frames} moves from ({x0:.0f}, {y0:.0f}) through the middle  "
          f"p50 {np.percentile(times, 50):.1f} ms  p95 {np.percentile(times, 95):.1f} ms  max {max(times):.1f} ms  "
          f"(cpu p50 {np.percentile(cpu, 50):.1f} ms p95 {np.percentile(cpu, 95):.1f} ms)  "
          f"re-converged {converged}/{frames}  within {FRAME_BUDGET_MS:.0f} ms {within}/{frames}  "
          f"iterations p50 {np.median(iterations):.0f}")


def main():
    diffplay.tune_process()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    seeds = range(parser.parse_args().seeds)
    packing().solve()   # warm up imports and caches outside the timings
    print(f"layout  {len(seeds)} seeds; wall-clock medians (CPU time where shown); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name in ("euler", "euclid", "flowchart", "graph", "packing"):
        example_line(name, seeds)
    packing_lines(seeds)
    drag_line()


if __name__ == "__main__":
    main()
