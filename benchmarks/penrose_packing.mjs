// Penrose's side of benchmarks/layout.py: the packing problem built and solved with
// @penrose/core's own optimizer (its `problem` API: an L-BFGS over an exterior penalty,
// compiled to WebAssembly), timing compile and optimize apart.
//
//     node benchmarks/penrose_packing.mjs PENROSE_DIR < problem.json > result.json
//
// PENROSE_DIR holds node_modules/@penrose/core (benchmarks/layout.py installs it there).
// The problem comes from Python, so both sides solve the same one: circles (fixed or free
// x, y, r in canvas units), the relations between them as [name, i, j, number] and the
// starting values of each run. Each run's final values go back as JSON and Python judges
// both sides by one feasibility rule. A first, untimed run warms up the JIT as Python's
// warm-up run does.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.argv[2];
const penrose = await import(pathToFileURL(join(dir, "node_modules", "@penrose", "core", "dist", "index.js")).href);
const { absVal, add, max, mul, problem, sqrt, sub, variable } = penrose;
const spec = JSON.parse(readFileSync(0, "utf8"));

// One Penrose expression per relation, each "<= 0" (an equality as |h| <= 0, as Penrose writes one).
const distance = (a, b) => sqrt(add(mul(sub(a.x, b.x), sub(a.x, b.x)), mul(sub(a.y, b.y), sub(a.y, b.y))));
const RELATIONS = {
  contains: (a, b, pad) => add(sub(distance(a, b), sub(a.r, b.r)), pad),     // b inside a, pad from its edge
  disjoint: (a, b, pad) => sub(add(add(a.r, b.r), pad), distance(a, b)),     // apart, pad between
  touching: (a, b, pad) => absVal(sub(distance(a, b), add(add(a.r, b.r), pad))),
  in_range: (a, lo, hi) => max(sub(lo, a.r), sub(a.r, hi)),                  // lo <= r <= hi
};

async function compile(start) {
  // a free field is a Penrose variable starting at its value; a pinned one, a constant
  let at = 0;
  const field = (value) => (value === null ? variable(start[at++]) : value);
  const circles = spec.circles.map(([x, y, r]) => ({ x: field(x), y: field(y), r: field(r) }));
  const constraints = spec.relations.map(([name, i, j, p, q]) =>
    name === "in_range" ? RELATIONS.in_range(circles[i], p, q) : RELATIONS[name](circles[i], circles[j], p));
  const objective = spec.near.map(([i, target]) => mul(sub(circles[i].r, target), sub(circles[i].r, target)))
    .reduce((a, b) => add(a, b), 0);
  return { circles, compiled: await problem({ objective, constraints }) };
}

function values(run, circles) {
  const read = (v) => (typeof v === "number" ? v : run.vals.get(v));
  return circles.map((c) => [read(c.x), read(c.y), read(c.r)]);
}

const cpuMs = (since) => { const used = process.cpuUsage(since); return (used.user + used.system) / 1000; };

async function once(start) {
  const began = performance.now(), beganCpu = process.cpuUsage();
  const { circles, compiled } = await compile(start);
  const built = performance.now(), builtCpu = process.cpuUsage();
  let steps = 0;   // until() is asked once an L-BFGS step
  const run = compiled.start({}).run({ until: () => { steps++; return false; } });
  const done = performance.now(), optimizeCpu = cpuMs(builtCpu);
  return { compile_ms: built - began, optimize_ms: done - built, compile_cpu_ms: cpuMs(beganCpu) - optimizeCpu,
           optimize_cpu_ms: optimizeCpu, steps, converged: run.converged, values: values(run, circles) };
}

await once(spec.starts[spec.starts.length - 1]);   // warm-up, untimed
const runs = [];
for (const start of spec.starts) runs.push(await once(start));
process.stdout.write(JSON.stringify({ version: JSON.parse(readFileSync(join(dir, "node_modules", "@penrose", "core",
  "package.json"), "utf8")).version, runs }) + "\n");
