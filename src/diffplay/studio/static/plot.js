// The loss plot: a few named series against the scene's step count, on one canvas, with two
// toggles above it, "smooth" (on) and "log" (off).
//
// add(step, {name: number}) appends points; add(step, {name: [numbers]}) replaces a series by
// a whole curve (a scene that keeps its own history, as gpt does), spread evenly over steps
// 1..step (gpt sends means of equal runs of steps: each is drawn at its run's last step). A
// step that goes back means the world was rebuilt: the plot starts again. `baseline` ({label, value} or null) is a dashed level to
// beat, named in the legend (gpt: the loss of guessing every token alike).
//
// "smooth" draws smoothed() (smooth.js) over the raw points, which stay, faint, behind; the y
// range follows what is drawn solid, so one early spike does not flatten the rest (raw points
// beyond it are cut off).

import { element, fitCanvas, fmt } from "./draw.js";
import { smoothed } from "./smooth.js";
import { logTicks, niceTicks, tickLabel, tickStep } from "./ticks.js";

const COLOURS = ["#3b6fd8", "#e07b28", "#2f9e5b", "#d43f6a", "#7c4dcc"];
const MAX_POINTS = 600;
const FONT = "11px system-ui, sans-serif", LINE = 16, INK = "#667085", GRID = "#e4e7ec";
const AS_IS = (v) => v;   // for lines already in canvas units

export class Plot {
  constructor(canvas, toggles) {
    this.canvas = canvas;
    this.series = new Map();
    this.baseline = null;
    this.lastStep = -1;
    this.smooth = this.toggle(toggles, "smooth", true);
    this.log = this.toggle(toggles, "log", false);
    this.shown = null;   // what the last draw() showed (for the browser tests)
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  toggle(into, name, checked) {
    const box = element("input", { type: "checkbox", checked, name: `plot-${name}` });
    box.addEventListener("change", () => this.draw());
    into.append(element("label", {}, box, ` ${name}`));
    return box;
  }

  /** Forget every point (a new session). */
  clear() {
    this.series.clear();
    this.lastStep = -1;
  }

  add(step, values) {
    if (step < this.lastStep) this.clear();
    this.lastStep = step;
    for (const [name, value] of Object.entries(values)) {
      if (Array.isArray(value)) {
        const run = step / Math.max(value.length, 1);
        this.series.set(name, value.map((y, i) => [(i + 1) * run, y]).filter(([, y]) => Number.isFinite(y)));
        continue;
      }
      if (typeof value !== "number" || !Number.isFinite(value)) continue;
      const points = this.series.get(name) || [];
      if (points.length && points[points.length - 1][0] === step) points.pop();
      points.push([step, value]);
      if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
      this.series.set(name, points);
    }
  }

  /** Each series as plotted: raw and (when smoothing) smoothed points, y in the axis's units. */
  curves() {
    const log = this.log.checked;
    return [...this.series].map(([name, points], i) => {
      const raw = points.filter(([, y]) => !log || y > 0).map(([x, y]) => [x, log ? Math.log10(y) : y]);
      const smooth = this.smooth.checked ? smoothed(raw) : raw;
      return { name, colour: COLOURS[i % COLOURS.length], raw, solid: smooth, faint: smooth !== raw ? raw : null };
    });
  }

  draw() {
    const ctx = fitCanvas(this.canvas);
    const w = this.canvas.clientWidth || 300, h = this.canvas.clientHeight || 150;
    ctx.clearRect(0, 0, w, h);
    const curves = this.curves().filter((c) => c.raw.length);
    if (!curves.length) return;
    const log = this.log.checked, level = this.baseline && (!log || this.baseline.value > 0)
      ? (log ? Math.log10(this.baseline.value) : this.baseline.value) : null;
    ctx.font = FONT;
    const legend = legendEntries(curves, this.baseline, log);
    const top = layOut(ctx, legend, w) + 6, bottom = h - LINE - 2;
    const yr = yRange(curves, level, log);
    const yTicks = log ? logTicks(yr.lo, yr.hi, 5) : niceTicks(yr.lo, yr.hi, 5);
    const left = Math.max(30, ...yTicks.map((v) => ctx.measureText(tickLabel(v)).width)) + 8, right = w - 8;
    const xs = curves.flatMap((c) => [c.raw[0][0], c.raw[c.raw.length - 1][0]]);
    const first = Math.min(...xs), x1 = Math.max(...xs, first + 1), xCount = Math.max(2, Math.floor((right - left) / 55));
    const tick = tickStep(first, x1, xCount, 1), x0 = Math.floor(first / tick) * tick;   // the axis starts on a tick
    const xTicks = niceTicks(x0, x1, xCount, 1);   // steps are whole
    const X = (x) => left + ((x - x0) / (x1 - x0)) * (right - left);
    const Y = (y) => top + ((yr.hi - y) / (yr.hi - yr.lo)) * (bottom - top);
    drawAxes(ctx, { left, right, top, bottom, X, Y }, xTicks, yTicks, log);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, right - left, bottom - top);
    ctx.clip();
    if (level !== null) line(ctx, [[x0, level], [x1, level]], X, Y, INK, 1, [5, 4]);
    for (const c of curves) if (c.faint) line(ctx, c.faint, X, Y, c.colour + "33", 1);
    for (const c of curves) line(ctx, c.solid, X, Y, c.colour, 1.75);
    ctx.restore();
    for (const c of curves) dot(ctx, c.solid[c.solid.length - 1], X, Y, c.colour);   // now (and a lone point)
    drawLegend(ctx, legend);
    this.shown = { smooth: this.smooth.checked, log, xTicks, yTicks, legend: legend.map((e) => e.text) };
  }
}

/** The y range: what is drawn solid and the baseline, with a little room; linear losses from 0
 * when they come near it (within 30% of the top). */
function yRange(curves, level, log) {
  const ys = curves.flatMap((c) => c.solid.map(([, y]) => y)).concat(level === null ? [] : [level]);
  let lo = Math.min(...ys), hi = Math.max(...ys);
  if (!log && lo >= 0 && lo < 0.3 * hi) lo = 0;
  const pad = hi > lo ? 0.06 * (hi - lo) : Math.abs(hi) * 0.1 || 0.5;
  return { lo: lo === 0 && !log ? 0 : lo - pad, hi: hi + pad };
}

function legendEntries(curves, baseline, log) {
  const entries = curves.map((c) => {
    const y = c.solid[c.solid.length - 1][1];
    return { colour: c.colour, dash: [], text: `${c.name} ${fmt(log ? 10 ** y : y)}` };
  });
  if (baseline) entries.push({ colour: INK, dash: [5, 4], text: `${baseline.label}: ${fmt(baseline.value)}` });
  return entries;
}

/** Places the legend's entries in rows across the top; returns the height they take. */
function layOut(ctx, entries, w) {
  let x = 4, y = LINE / 2 + 1;
  for (const e of entries) {
    const width = 22 + ctx.measureText(e.text).width;
    if (x > 4 && x + width > w - 4) { x = 4; y += LINE; }
    Object.assign(e, { x, y });
    x += width + 14;
  }
  return y + LINE / 2;
}

function drawLegend(ctx, entries) {
  for (const e of entries) {
    line(ctx, [[e.x, e.y], [e.x + 18, e.y]], AS_IS, AS_IS, e.colour, 2, e.dash);
    ctx.fillStyle = "#1d2330";
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    ctx.fillText(e.text, e.x + 22, e.y);
  }
}

function drawAxes(ctx, { left, right, top, bottom, X, Y }, xTicks, yTicks, log) {
  ctx.fillStyle = INK;
  ctx.textBaseline = "middle";
  ctx.textAlign = "right";
  for (const v of yTicks) {
    const y = Y(log ? Math.log10(v) : v);
    line(ctx, [[left, y], [right, y]], AS_IS, AS_IS, GRID, 1);
    ctx.fillText(tickLabel(v), left - 5, y);
  }
  ctx.textBaseline = "top";
  ctx.textAlign = "center";
  for (const v of xTicks) {
    line(ctx, [[X(v), bottom], [X(v), bottom + 3]], AS_IS, AS_IS, INK, 1);
    ctx.fillText(tickLabel(v), Math.min(X(v), right - 10), bottom + 4);
  }
  ctx.textAlign = "left";
  ctx.fillText("step", 2, bottom + 4);
  line(ctx, [[left, bottom], [right, bottom]], AS_IS, AS_IS, INK, 1);
}

function dot(ctx, [x, y], X, Y, colour) {
  ctx.fillStyle = colour;
  ctx.beginPath();
  ctx.arc(X(x), Y(y), 2.5, 0, 2 * Math.PI);
  ctx.fill();
}

/** A polyline through points mapped by X and Y. */
function line(ctx, points, X, Y, colour, width, dash = []) {
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.beginPath();
  points.forEach(([x, y], k) => (k ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
  ctx.stroke();
  ctx.setLineDash([]);
}
