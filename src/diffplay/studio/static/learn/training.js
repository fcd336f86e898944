// Chapter 6: microgpt training live. The picked parameter's story (value, gradient, Adam's m
// and v, how far each step moved it), a weight matrix to pick from, and the samples so far.

import { element, fmt, sizeCanvas } from "../draw.js";
import { Heatmap, diverging } from "../heatmap.js";

let progress, pickedName, card, charts, chooser, mapBox, samples, map = null, mapKey = "";

export const hints = "<kbd>click</kbd> a weight to follow it · <kbd>space</kbd> pause and look · <kbd>s</kbd> a sample now · " +
  "<b>speed</b> sets steps a frame";

const LINES = [["value", "#1d2330"], ["grad", "#e07b28"], ["m", "#3b6fd8"], ["v", "#2f9e5b"]];

export function setup(view) {
  progress = element("p", { id: "training-progress" });
  card = element("dl", { className: "check", id: "picked-parameter" });
  charts = element("div", { className: "sparks" });
  chooser = element("select", { id: "matrix-choice", "aria-label": "weight matrix" });
  chooser.addEventListener("change", () => view.send({ type: "pick", matrix: chooser.value, row: 0, col: 0 }));
  mapBox = element("figure", {});
  samples = element("ol", { className: "samples", id: "training-samples", reversed: true });
  view.stage.append(progress, element("div", { className: "row" },
    element("div", { className: "story" }, pickedName = element("h3", { id: "picked-name" }), card, charts),
    element("div", {}, element("label", {}, "weights of ", chooser), mapBox)),
    element("h3", { textContent: "samples, newest first" }), samples);
}

export function key(view, e) {
  if (e.key === "s") view.send({ type: "sample" });
}

function spark(name, colour, steps, values) {
  const canvas = element("canvas", { className: "spark" });
  const w = 230, h = 46, ctx = sizeCanvas(canvas, w, h);
  const lo = Math.min(...values, 0), hi = Math.max(...values, 0), span = hi - lo || 1;
  const X = (i) => (values.length > 1 ? (i / (values.length - 1)) * (w - 4) + 2 : w / 2);
  const Y = (v) => h - 4 - ((v - lo) / span) * (h - 8);
  ctx.strokeStyle = "#e4e7ec";
  ctx.beginPath(); ctx.moveTo(0, Y(0)); ctx.lineTo(w, Y(0)); ctx.stroke();
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  values.forEach((v, i) => (i ? ctx.lineTo(X(i), Y(v)) : ctx.moveTo(X(i), Y(v))));
  ctx.stroke();
  return element("figure", {}, canvas, element("figcaption", { textContent: `${name}, steps ${steps[0]}–${steps[steps.length - 1]}` }));
}

function showMatrix(view, f) {
  const m = f.matrix, key = `${m.name}|${m.values.length}`;
  if (chooser.options.length !== f.matrices.length) chooser.replaceChildren(...f.matrices.map((n) => element("option", { value: n, textContent: n })));
  chooser.value = m.name;
  if (key !== mapKey) {
    mapKey = key;
    const cell = Math.max(6, Math.min(22, Math.floor(380 / m.values[0].length)));
    map = new Heatmap({ rows: m.values.map(() => ""), cols: m.values[0].map(() => ""), cell, colour: diverging(0.5),
      tip: (v, r, c) => `${m.name}[${r}][${c}] = ${v}`, onPick: (r, c) => view.send({ type: "pick", matrix: m.name, row: r, col: c }),
      label: `the weights of ${m.name}` });
    mapBox.replaceChildren(map.element, element("figcaption", { textContent: "red above 0, blue below; click one to follow it" }));
  }
  const top = Math.max(...m.values.flat().map(Math.abs), 1e-9);
  map.colour = diverging(top);
  map.draw(m.values, { picked: [f.picked.row, f.picked.col] });
}

export function draw(view, f) {
  progress.replaceChildren(element("b", { textContent: `step ${f.trained} of ${f.steps}` }),
    ` · learning rate now ${f.lr.toPrecision(3)} · loss ${f.loss.toFixed(4)} (guessing: ${f.guess_loss.toFixed(4)})`);
  const p = f.picked;
  pickedName.textContent = `${p.matrix}[${p.row}][${p.col}]`;
  const rows = [["value", fmt(p.value, 8)], ["gradient", fmt(p.grad, 8)], ["m (mean of g)", fmt(p.m, 8)],
    ["v (mean of g²)", fmt(p.v, 8)], ["the last step moved it", fmt(p.moved, 6)], ["−lr·m̂/(√v̂+ε) now", fmt(p.adam_step, 6)]];
  card.replaceChildren(...rows.flatMap(([k, v]) => [element("dt", { textContent: k }), element("dd", { textContent: v })]));
  charts.replaceChildren(...LINES.map(([name, colour]) => spark(name, colour, p.history.step, p.history[name])));
  showMatrix(view, f);
  samples.replaceChildren(...f.samples.slice().reverse().map((s) =>
    element("li", { textContent: `${s.text || "(empty)"}`, title: `at step ${s.step}` })));
}

export function series(f) {
  return { loss: f.loss };
}

export function baseline(f) {
  return { label: "guessing", value: f.guess_loss };
}
