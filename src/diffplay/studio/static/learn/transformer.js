// Chapter 5: microgpt's forward pass for one position as code, a cursor on the line that just
// ran, its outputs as strips of coloured cells (exact values on hover), and after backward the
// gradients: of every output, and of each weight matrix as a heatmap.

import { element } from "../draw.js";
import { Heatmap, diverging } from "../heatmap.js";

let status, listing, outputs, gradients, lastSource = null, lineNodes = [];

export const hide = ["line", "to_line", "backward", "forward"];   // the stage's own buttons do these

export const hints = "<kbd>→</kbd> next line · <kbd>←</kbd> back a line · <kbd>b</kbd> backward · <kbd>f</kbd> forward again · " +
  "<kbd>click</kbd> a line to run to it · hover a cell for its value";

function button(label, event, view, id) {
  const b = element("button", { type: "button", textContent: label, id });
  b.addEventListener("click", () => view.send(event));
  return b;
}

export function setup(view) {
  status = element("p", { id: "position-status" });
  listing = element("pre", { className: "listing mono", id: "listing" });
  outputs = element("div", { className: "outputs", id: "outputs" });
  gradients = element("div", { className: "weight-grads", id: "weight-gradients" });
  const tools = element("div", { className: "toolbar" },
    button("← line", { type: "line", delta: -1 }, view, "prev-line"), button("line →", { type: "line", delta: 1 }, view, "next-line"),
    button("run to the end", { type: "line", delta: 1000 }, view, "to-end"),
    button("backward", { type: "backward" }, view, "run-backward"), button("forward again", { type: "forward" }, view, "run-forward"));
  view.stage.append(tools, status, element("div", { className: "row code-row" }, listing, outputs), gradients);
}

export function key(view, e) {
  const event = { ArrowRight: { type: "line", delta: 1 }, ArrowLeft: { type: "line", delta: -1 },
    b: { type: "backward" }, f: { type: "forward" } }[e.key];
  if (!event) return;
  e.preventDefault();
  view.send(event);
}

function showSource(view, f) {
  if (f.source === lastSource) return;
  lastSource = f.source;
  lineNodes = f.source.map((text, i) => {
    const node = element("span", { className: "line" }, element("span", { className: "ln", textContent: String(f.first_line + i).padStart(3) }), ` ${text}\n`);
    node.addEventListener("click", () => {
      const cursor = view.frame.cursor;
      const next = view.frame.executed.findIndex((s, k) => k > cursor && s.line === i);
      const first = view.frame.executed.findIndex((s) => s.line === i);
      if (next >= 0 || first >= 0) view.send({ type: "to_line", index: next >= 0 ? next : first });
    });
    return node;
  });
  listing.replaceChildren(...lineNodes);
}

function markLines(f) {
  const ran = new Set(f.executed.slice(0, f.cursor + 1).map((s) => s.line));
  const now = f.cursor >= 0 ? f.executed[f.cursor].line : -1;
  lineNodes.forEach((node, i) => {
    node.classList.toggle("ran", ran.has(i));
    node.classList.toggle("now", i === now);
  });
  if (now >= 0) lineNodes[now].scrollIntoView({ block: "nearest" });
}

const WRAP = 16;   // a long vector is drawn as rows of 16, so its cells stay large enough to point at

function strip(name, data, grad) {
  const nested = Array.isArray(data[0]);
  const rows = nested ? data : Array.from({ length: Math.ceil(data.length / WRAP) }, (_, r) => data.slice(r * WRAP, (r + 1) * WRAP));
  const width = Math.max(...rows.map((r) => r.length)), cell = Math.max(8, Math.min(26, Math.floor(440 / width)));
  const top = Math.max(...rows.flat().map(Math.abs), 1e-12);
  const labels = nested ? rows.map((_, i) => `${name}[${i}]`) : rows.map((_, r) => (rows.length > 1 ? `${name}[${r * WRAP}:]` : name));
  const at = (r, c) => (nested ? `${name}[${r}][${c}]` : `${name}[${r * WRAP + c}]`);
  const gradAt = (r, c) => (nested ? grad[r][c] : grad[r * WRAP + c]);
  const map = new Heatmap({ rows: labels, cols: Array(width).fill(""), cell, colour: diverging(top),
    tip: (v, r, c) => `${at(r, c)} = ${v}` + (grad ? `   grad ${gradAt(r, c)}` : ""), label: `the values of ${name}` });
  map.draw(rows);
  return map.element;
}

function showOutputs(f) {
  const c = f.current;
  if (!c) {
    outputs.replaceChildren(element("p", { className: "muted", textContent: "Nothing has run yet: press → for the first line." }));
    return;
  }
  const where = Object.entries(c.context).map(([k, v]) => `${k} = ${v}`).join(", ");
  const parts = [element("h3", { textContent: `line ${f.first_line + c.line} · ${c.block}${where ? ` · ${where}` : ""}` })];
  for (const out of c.outputs) {
    if (typeof out.data === "number") {
      parts.push(element("p", { className: "mono", textContent: `${out.name} = ${out.data}` }));
      continue;
    }
    if (!out.data.length) {
      parts.push(element("p", { className: "mono", textContent: `${out.name} = []  (filled by the head loop below)` }));
      continue;
    }
    parts.push(element("p", { className: "output-name" }, element("b", { className: "mono", textContent: out.name }),
      element("span", { className: "muted", textContent: ` · ${out.shape} numbers` })), strip(out.name, out.data, out.grad));
    if (out.grad) parts.push(element("p", { className: "muted", textContent: "its gradient (d loss / d each number):" }), strip(`∂${out.name}`, out.grad, null));
  }
  outputs.replaceChildren(...parts);
}

function showGradients(f) {
  if (!f.gradients) {
    gradients.replaceChildren();
    return;
  }
  gradients.replaceChildren(element("h3", { textContent: "the gradient of this position's loss for every weight" }),
    element("div", { className: "row" }, ...Object.entries(f.gradients).map(([name, matrix]) => {
      const top = Math.max(...matrix.flat().map(Math.abs), 1e-12);
      const cell = Math.max(4, Math.min(10, Math.floor(200 / matrix[0].length)));
      const map = new Heatmap({ rows: matrix.map(() => ""), cols: matrix[0].map(() => ""), cell, colour: diverging(top),
        tip: (v, r, c) => `${name}[${r}][${c}]: grad ${v}`, label: `the gradient of ${name}` });
      map.draw(matrix);
      return element("figure", {}, map.element, element("figcaption", { textContent: `${name} ${matrix.length}×${matrix[0].length}` }));
    })));
}

export function draw(view, f) {
  showSource(view, f);
  markLines(f);
  const input = f.chars[f.position], guesses = f.guesses.map((g) => `${g.token} ${(100 * g.p).toFixed(1)}%`).join(", ");
  status.replaceChildren(`position ${f.position}: input '${input}', target '${f.target}' · `,
    element("b", { textContent: f.cursor + 1 >= f.executed.length ? `loss ${f.loss.toFixed(4)}` : `line ${f.cursor + 1} of ${f.executed.length} run` }),
    f.done ? ` · the model's guesses: ${guesses}` : "", f.phase === "backward" ? " · gradients shown" : "");
  showOutputs(f);
  showGradients(f);
}

export function series() {
  return {};
}
