// Chapter 4: one head's attention over a name — the weights as a large labelled heatmap (row:
// the query position, column: the key), and the picked query's scores, weights and output.

import { element } from "../draw.js";
import { Heatmap, blues } from "../heatmap.js";

let mapBox, detail, map, shownChars = "";

export const hints = "<kbd>click</kbd> a row: that position's query · <kbd>↑</kbd> <kbd>↓</kbd> move the query · change <b>name</b> and <b>head</b> under settings";

const num = (v) => (v >= 0 ? " " : "") + v.toFixed(4);
const show = (c) => (c === "BOS" ? "^" : c);

export function setup(view) {
  mapBox = element("figure", {});
  detail = element("div", { id: "attention-detail" });
  view.stage.append(element("div", { className: "row" }, mapBox, detail));
}

export function key(view, e) {
  if (!view.frame || !["ArrowUp", "ArrowDown"].includes(e.key)) return;
  e.preventDefault();
  const q = view.frame.query + (e.key === "ArrowUp" ? -1 : 1);
  if (q >= 0 && q < view.frame.chars.length) view.send({ type: "query", position: q });
}

function vectorRow(label, values, extra = "") {
  return element("tr", {}, element("th", { textContent: label }),
    ...values.map((v) => element("td", { textContent: num(v) })), element("td", { className: "muted", textContent: extra }));
}

function table(caption, rows) {
  return element("table", { className: "vectors" }, element("caption", { textContent: caption }), ...rows);
}

export function draw(view, f) {
  const chars = f.chars.map(show), key = chars.join("|");
  if (key !== shownChars) {
    shownChars = key;
    const room = Math.max(320, Math.min(view.stage.clientWidth * 0.5, innerHeight - 260));
    const cell = Math.max(28, Math.min(72, Math.floor((room - 60) / chars.length)));
    map = new Heatmap({ rows: chars.map((c, i) => `${c} ${i}`), cols: chars, cell, colour: blues,
      tip: (v, r, c) => `query '${chars[r]}' (pos ${r}) → key '${chars[c]}' (pos ${c}): weight ${v.toFixed(4)}`,
      onPick: (r) => view.send({ type: "query", position: r }), label: "attention weights", text: (v) => v.toFixed(2) });
    mapBox.replaceChildren(map.element, element("figcaption", { textContent: `${f.block}: row = query position, column = key position (^ is BOS); blank = the future (masked)` }));
  }
  map.draw(f.weights, { row: f.query });
  const q = f.query, d = f.head_dim;
  detail.replaceChildren(
    element("h3", { textContent: `query: '${chars[q]}' at position ${q}` }),
    table("its query vector", [vectorRow("q", f.q)]),
    table(`the keys it can see (positions 0..${q})`, f.keys.map((k, t) => vectorRow(`k ${chars[t]} ${t}`, k))),
    table(`score = q·k / √${d}, then softmax`, [
      element("tr", {}, element("th"), ...f.keys.map((_, t) => element("th", { textContent: `${chars[t]} ${t}` }))),
      vectorRow("score", f.scores[q].slice(0, q + 1)), vectorRow("weight", f.weights[q].slice(0, q + 1), "sums to 1")]),
    table("the values, weighted and summed", [...f.values.map((v, t) => vectorRow(`v ${chars[t]} ${t}`, v, `× ${f.weights[q][t].toFixed(4)}`)),
      vectorRow("output", f.output, "= Σ weight · v")]));
}

export function series() {
  return {};
}
