// Chapter 2: the counted bigram table, the learned one (click a cell to check its gradient),
// and the two gradients side by side.

import { element, fmt } from "../draw.js";
import { Heatmap, blues } from "../heatmap.js";

let counts, learned, check, countLoss, tables;

export const hints = "<kbd>click</kbd> a cell of the learned table: its gradient, two ways · <b>lr</b> and <b>batch</b> change the descent";

function tableBox(title, map) {
  return element("figure", {}, map.element, element("figcaption", { textContent: title }));
}

export function setup(view) {
  countLoss = element("p", { id: "count-loss" });
  check = element("dl", { className: "check", id: "gradient-check" });
  tables = element("div", { className: "row", id: "tables" });
  view.stage.append(countLoss, tables, element("h3", { textContent: "the picked weight's gradient, two ways" }), check);
}

function maps(view, f) {
  const labels = f.labels.map((l) => (l === "BOS" ? "^" : l));
  const cell = Math.max(12, Math.min(22, Math.floor((view.stage.clientWidth - 60) / (labels.length + 3))));   // the tables stack
  counts = new Heatmap({ rows: labels, cols: labels, cell, colour: (v) => blues(Math.log1p(v) / Math.log1p(f.counts.flat().reduce((a, b) => Math.max(a, b), 1))),
    tip: (v, r, c) => `${f.labels[r]} → ${f.labels[c]}: counted ${v} times`, label: "counts" });
  learned = new Heatmap({ rows: labels, cols: labels, cell, colour: (v) => blues(Math.sqrt(v)),
    tip: (v, r, c) => `P(${f.labels[c]} | ${f.labels[r]}) = ${v.toFixed(5)}`, label: "learned probabilities",
    onPick: (r, c) => view.send({ type: "pick", row: r, col: c }) });
  tables.replaceChildren(tableBox("counted: how often each input (row) is followed by each target (column)", counts),
    tableBox("learned by gradient descent: softmax of each row of W (click a cell)", learned));
}

export function draw(view, f) {
  if (!counts) maps(view, f);
  countLoss.replaceChildren("loss of the counted model: ", element("b", { textContent: f.count_loss.toFixed(4) }),
    ` on all ${f.pairs.toLocaleString("en")} pairs · the learned model's last batch: `, element("b", { id: "learned-loss", textContent: f.loss.toFixed(4) }));
  counts.draw(f.counts);
  learned.draw(f.learned, { picked: [f.check.row, f.check.col] });
  const c = f.check;
  const rows = [["weight", `W[${c.input}][${c.target}] = ${fmt(c.weight, 8)}`], ["analytic (backward)", fmt(c.analytic, 10)],
    ["numerical (±1e-5)", fmt(c.numeric, 10)], ["|difference|", c.difference.toExponential(2)]];
  check.replaceChildren(...rows.flatMap(([k, v]) => [element("dt", { textContent: k }), element("dd", { textContent: v })]));
}

export function series(f) {
  return { loss: f.loss };
}

export function baseline(f) {
  return { label: "counted model", value: f.count_loss };
}
