"""Layout benchmark: the five examples, Penrose's packing problem against Penrose itself, an
infeasible verdict against a feasible solve, and a drag session.

    .venv/bin/python benchmarks/layout.py [--seeds 5] [--repeats 3]

Per example: median solve time over seeds, median L-BFGS iterations, the largest residual
and how many seeds came back feasible. Packing: Penrose's 20-circle problem (a container,
20 circles with radii in [15, 40] pulled towards 30, two pairs nested, three touching, the
rest apart: 230 constraints), built and solved by diffplay and by @penrose/core 3.2.0 under
node (benchmarks/penrose_packing.mjs) from the same starting values, runs of the two
interleaved, both judged by one rule: every constraint within 1e-3 of the canvas; wall-clock times, and
each process's CPU time beside them (on a shared box the wall clock counts waiting too). Penrose
is installed with npm into ~/.cache/diffplay-bench/penrose when missing (or its side is
skipped with a line saying how). Drag: 15 circles, one dragged through the middle of the
container over 60 pointer moves.
"""

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

import diffplay
from diffplay.layout import Diagram, examples
from diffplay.layout.spec import load
from diffplay.layout.start import starting_values

FRAME_BUDGET_MS = 16.0
PENROSE_VERSION = "3.2.0"
PENROSE_DIR = Path(os.environ.get("DIFFPLAY_PENROSE_DIR", Path.home() / ".cache" / "diffplay-bench" / "penrose"))
PENROSE_SCRIPT = Path(__file__).with_name("penrose_packing.mjs")
TOLERANCE = 1e-3   # of the canvas's larger side, for both sides


def packing_spec(n=20):
    """The packing problem as data both sides build from: circles as [x, y, r] (None: free),
    relations as [name, i, j, number] (in_range: [name, i, None, lo, hi]), near as [i, target]."""
    special = {(1, 2): "contains", (3, 4): "contains", (5, 6): "touching", (7, 8): "touching", (9, 10): "touching"}
    relations = [["contains", 0, i, 0.0] for i in range(1, n + 1)]
    relations += [["in_range", i, None, 15.0, 40.0] for i in range(1, n + 1)]
    for i in range(1, n + 1):
        for j in range(i + 1, n + 1):
            name = special.get((i, j), "disjoint")
            relations.append([name, i, j, 5.0 if name == "contains" else 0.0])
    return {"canvas": [600, 600, -300, -300], "circles": [[0.0, 0.0, 250.0]] + [[None, None, None]] * n,
            "relations": relations, "near": [[i, 30.0] for i in range(1, n + 1)]}


def packing(n=20):
    """Penrose's packing problem with n circles, built with the Python API."""
    spec = packing_spec(n)
    width, height, left, top = spec["canvas"]
    d = Diagram(width, height, left=left, top=top)
    circles = [d.circle("outer", *spec["circles"][0], fill="none", stroke="#333")]
    circles += [d.circle(f"c{i}") for i in range(1, n + 1)]
    for name, i, j, *numbers in spec["relations"]:
        if name == "in_range":
            d.in_range(circles[i].r, *numbers)
        else:
            d.add(name, circles[i], circles[j], **({"pad": numbers[0]} if numbers[0] else {}))
    for i, target in spec["near"]:
        d.near(circles[i].r, target)
    return d


def packing_values(diagram):
    """[[x, y, r], …] of the diagram's circles, in the spec's order."""
    return [[diagram.slots.values[c.slots[k]] for k in "xyr"] for c in diagram.shapes.values()]


def packing_start(seed):
    """The free fields' starting values a diffplay solve from `seed` starts at, x, y, r per circle."""
    d = packing()
    values = starting_values(d, np.random.default_rng(seed), False, False)
    return [values[c.slots[k]] for c in list(d.shapes.values())[1:] for k in "xyr"]


def packing_judged(spec, values):
    """(largest constraint residual, objective) of [[x, y, r], …], canvas units, by one rule for both sides."""
    c = np.array(values, float)

    def gap(i, j):
        return np.hypot(c[i, 0] - c[j, 0], c[i, 1] - c[j, 1])

    residuals = []
    for name, i, j, *numbers in spec["relations"]:
        if name == "in_range":
            residuals.append(max(numbers[0] - c[i, 2], c[i, 2] - numbers[1]))
        elif name == "contains":
            residuals.append(gap(i, j) - (c[i, 2] - c[j, 2]) + numbers[0])
        elif name == "disjoint":
            residuals.append(c[i, 2] + c[j, 2] + numbers[0] - gap(i, j))
        else:   # touching
            residuals.append(abs(gap(i, j) - c[i, 2] - c[j, 2] - numbers[0]))
    objective = sum((c[i, 2] - target) ** 2 for i, target in spec["near"])
    return max(residuals), objective


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


def diffplay_packing(seeds):
    """One diffplay run per seed: build (Python API + compile) and solve times, iterations, final values."""
    runs = []
    for seed in seeds:
        began, began_cpu = time.perf_counter(), time.process_time()
        diagram = packing()
        diagram._compiled()
        build, build_cpu, solve_cpu = time.perf_counter() - began, time.process_time() - began_cpu, time.process_time()
        result = diagram.solve(seed=seed)
        runs.append({"build_ms": build * 1000, "solve_ms": result.seconds * 1000, "iterations": result.iterations,
                     "build_cpu_ms": build_cpu * 1000, "solve_cpu_ms": (time.process_time() - solve_cpu) * 1000,
                     "values": packing_values(diagram)})
    return runs


def penrose_packing(seeds):
    """One Penrose run per seed under node, from diffplay's starting values (iterations: its
    L-BFGS steps, counted by the until() it asks once a step)."""
    spec = {**packing_spec(), "starts": [packing_start(seed) for seed in seeds]}
    run = subprocess.run(["node", str(PENROSE_SCRIPT), str(PENROSE_DIR)], input=json.dumps(spec),
                         capture_output=True, text=True, timeout=600, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"penrose_packing.mjs failed: {run.stderr.strip()[-400:]}")
    out = json.loads(run.stdout)
    return [{"build_ms": r["compile_ms"], "solve_ms": r["optimize_ms"], "iterations": r["steps"],
             "build_cpu_ms": r["compile_cpu_ms"], "solve_cpu_ms": r["optimize_cpu_ms"], "values": r["values"]}
            for r in out["runs"]]


def penrose_ready():
    """Whether Penrose can run here, installing @penrose/core into PENROSE_DIR once; else why not."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are not on PATH (install Node.js 18 or later)"
    if not (PENROSE_DIR / "node_modules" / "@penrose" / "core" / "package.json").exists():
        PENROSE_DIR.mkdir(parents=True, exist_ok=True)
        install = subprocess.run(["npm", "install", "--prefix", str(PENROSE_DIR), f"@penrose/core@{PENROSE_VERSION}"],
                                 capture_output=True, text=True, timeout=600, check=False)
        if install.returncode != 0:
            return (f"npm could not install @penrose/core {PENROSE_VERSION} (run: npm install --prefix "
                    f"{PENROSE_DIR} @penrose/core@{PENROSE_VERSION})")
    return ""


def summary(runs, spec):
    """Medians over the runs (ms, iterations, µs per iteration), the feasible count, the objectives' range."""
    judged = [packing_judged(spec, r["values"]) for r in runs]
    feasible = [residual <= TOLERANCE * max(spec["canvas"][:2]) for residual, _ in judged]
    med = lambda key: float(np.median([r[key] for r in runs]))  # noqa: E731
    per = float(np.median([r["solve_ms"] * 1000 / max(1, r["iterations"]) for r in runs]))
    objectives = [o for (_, o), ok in zip(judged, feasible) if ok] or [np.nan]
    total = lambda kind: float(np.median([r[f"build{kind}_ms"] + r[f"solve{kind}_ms"] for r in runs]))  # noqa: E731
    return {"solve": med("solve_ms"), "total": total(""), "solve_cpu": med("solve_cpu_ms"), "total_cpu": total("_cpu"),
            "iterations": med("iterations"), "per": per, "feasible": sum(feasible), "runs": len(runs),
            "objective": (min(objectives), max(objectives))}


def packing_lines(seeds, repeats):
    """diffplay and Penrose on the same starts, repeats interleaved (each side first in turn)."""
    spec, ours, theirs = packing_spec(), [], []
    missing = penrose_ready()
    for repeat in range(repeats):
        sides = [lambda: ours.extend(diffplay_packing(seeds))]
        if not missing:
            sides.append(lambda: theirs.extend(penrose_packing(seeds)))
        for side in sides[::1 if repeat % 2 == 0 else -1]:
            side()
    d = summary(ours, spec)
    print(f"layout  packing    diffplay  build+solve {d['total']:6.1f} ms (cpu {d['total_cpu']:5.1f})  solve "
          f"{d['solve']:5.1f} ms (cpu {d['solve_cpu']:5.1f})  iterations {d['iterations']:3.0f}  {d['per']:4.0f} µs/iteration  "
          f"feasible {d['feasible']}/{d['runs']}  objective {d['objective'][0]:.2f}–{d['objective'][1]:.2f}")
    if missing:
        print(f"layout  packing    penrose   skipped: {missing}")
        return
    p = summary(theirs, spec)
    print(f"layout  packing    penrose   compile+optimize {p['total']:6.1f} ms (cpu {p['total_cpu']:5.1f})  optimize "
          f"{p['solve']:5.1f} ms (cpu {p['solve_cpu']:5.1f})  iterations {p['iterations']:3.0f}  {p['per']:4.0f} µs/iteration  "
          f"feasible {p['feasible']}/{p['runs']}  objective {p['objective'][0]:.2f}–{p['objective'][1]:.2f}")
    print(f"layout  packing    ratio     build+solve {p['total'] / d['total']:.1f}x faster than compile+optimize "
          f"(cpu {p['total_cpu'] / d['total_cpu']:.1f}x)  solve {p['solve'] / d['solve']:.2f}x the speed of optimize "
          f"(cpu {p['solve_cpu'] / d['solve_cpu']:.2f}x)  ({len(seeds)} seeds x {repeats} repeats, interleaved, medians)")


def conflicting(name):
    """An example with one relation added that cannot hold with the rest, and the example as it is."""
    added = {"euler": ("disjoint", "A", "D"),          # A holds B holds D
             "packing": ("contains", "c10", "c11")}[name]   # c10 and c11 are to be disjoint

    def infeasible():
        diagram, _ = load(examples.path(name))
        diagram.add(*added, where="added:1", **({"pad": 30} if name == "packing" else {}))
        return diagram

    return infeasible, lambda: load(examples.path(name))[0]


def verdict_cases():
    """(name, make the infeasible diagram, make a feasible one of its size)."""
    def inside(big_first):   # infeasible/inside_smaller.toml and its feasible twin
        def make():
            d = Diagram(400, 300)
            small, big = d.circle("small", r=50), d.circle("big", r=80)
            d.contains(*((big, small) if big_first else (small, big)), where="inside:5")
            return d
        return make

    return [("inside_smaller", inside(False), inside(True)),
            ("overlap_disjoint", lambda: load(examples.path("infeasible/overlap_disjoint"))[0],
             lambda: _without_first(load(examples.path("infeasible/overlap_disjoint"))[0])),
            ("euler+disjoint", *conflicting("euler")), ("packing+contains", *conflicting("packing"))]


def _without_first(diagram):
    """The diagram less its first relation (overlap_disjoint's disjoint(A, B)): feasible."""
    diagram.relations.pop(0)
    diagram._problem = None
    return diagram


def timed(make, **options):
    """(result, wall ms, CPU ms) of solving a freshly made diagram."""
    began, began_cpu = time.perf_counter(), time.process_time()
    result = make().solve(**options)
    return result, (time.perf_counter() - began) * 1000, (time.process_time() - began_cpu) * 1000


def verdict_line(name, infeasible, feasible, seeds, repeats, expected="infeasible"):
    """The median time to a verdict and to a feasible solve of the same size, interleaved run by
    run (wall and CPU time: the verdicts take milliseconds, where a busy box's wall clock jumps)."""
    bad, good, verdicts = [], [], []
    for _ in range(repeats):
        for seed in seeds:
            result, wall, cpu = timed(infeasible, **({"seed": seed} if expected == "infeasible" else
                                                    {"seed": JAMMED, "warm": True}))
            bad.append((wall, cpu))
            verdicts.append((result.status, len(result.conflict)))
            good.append(timed(feasible, seed=seed if expected == "infeasible" else JAMMED + 1 + seed)[1:])
    (wall, cpu), (solve_wall, solve_cpu) = np.median(bad, axis=0), np.median(good, axis=0)
    named = sorted({n for _, n in verdicts})
    print(f"layout  verdict    {name:17s} {expected} verdict {wall:6.1f} ms (cpu {cpu:5.1f})  feasible solve "
          f"{solve_wall:6.1f} ms (cpu {solve_cpu:5.1f})  ratio {wall / solve_wall:4.1f}x (cpu {cpu / solve_cpu:4.1f}x)  "
          f"{expected} {[v for v, _ in verdicts].count(expected)}/{len(verdicts)}"
          + (f"  conflict of {named[0]}-{named[-1]} named" if expected == "infeasible" else ""))


def verdict_lines(seeds, repeats):
    for case in verdict_cases():
        verdict_line(*case, seeds, repeats)
    verdict_line("jammed", jammed, jammed, seeds, repeats, expected="stuck")
    again = jammed().solve(seed=JAMMED)
    print(f"layout  verdict    jammed            from its start without warm: {again.status} after {again.restarts} "
          f"starts (a stuck start earns fresh ones), {again.seconds * 1000:.1f} ms")


def jammed():
    """Seven circles of radius 30 in a container of radius 90.3 (90 is the least that fits them):
    feasible, yet the start of seed JAMMED jams."""
    d = Diagram(300, 300, left=-150, top=-150)
    outer, circles = d.circle("outer", 0, 0, 90.3), [d.circle(f"c{i}", r=30) for i in range(7)]
    for i, a in enumerate(circles):
        d.contains(outer, a)
        for b in circles[i + 1:]:
            d.disjoint(a, b)
    return d


JAMMED = 7   # a seed whose start jams (7 circles, radius 30, in one of 90.3)


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


CASES = ("examples", "packing", "verdict", "drag")


def main():
    diffplay.tune_process()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds of the packing runs")
    parser.add_argument("--cases", default=",".join(CASES), help=f"which of {', '.join(CASES)} to run")
    args = parser.parse_args()
    seeds, cases = range(args.seeds), args.cases.split(",")
    packing().solve()   # warm up imports and caches outside the timings
    print(f"layout  {len(seeds)} seeds; wall-clock medians (CPU time where shown); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if "examples" in cases:
        for name in ("euler", "euclid", "flowchart", "graph", "packing"):
            example_line(name, seeds)
    if "packing" in cases:
        packing_lines(seeds, args.repeats)
    if "verdict" in cases:
        verdict_lines(seeds, args.repeats)
    if "drag" in cases:
        drag_line()


if __name__ == "__main__":
    main()
