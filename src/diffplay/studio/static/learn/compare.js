// Chapter 7: two runs, A and B, one setting apart — the verdict (where they part, or that they
// are identical), the settings side by side, and both losses on the plot.

import { element } from "../draw.js";

let verdict, table;

export const hints = "pick what <b>change</b>s and its value <b>to</b> under settings · <kbd>space</kbd> pause";

export function setup(view) {
  verdict = element("div", { className: "verdict-box", id: "verdict" });
  table = element("table", { className: "vectors", id: "settings-ab" });
  view.stage.append(verdict, element("h3", { textContent: "the two runs' settings" }), table);
}

function describe(f) {
  const p = f.parting;
  if (!p) {
    return f.bitwise ? [element("b", { textContent: `identical to the last bit` }), ` through step ${f.trained}: every node, every gradient, every weight.`]
      : [element("b", { textContent: "equal within 1e-12" }), ` through step ${f.trained}, though not bit for bit.`];
  }
  const when = p.step === 0 ? "before the first step" : `at step ${p.step}, in ${p.stage === "forward" ? "the forward pass" : p.stage === "gradients" ? "the gradients" : "the update"}`;
  return [element("b", { textContent: `They part ${when}:` }), ` ${p.where}.`,
    element("div", { className: "ab" }, element("span", { textContent: `A: ${p.a}` }), element("span", { textContent: `B: ${p.b}` })),
    p.difference === null ? "" : element("span", { className: "muted", textContent: `largest difference there: ${p.difference.toExponential(3)}` })];
}

export function draw(view, f) {
  verdict.replaceChildren(...describe(f));
  verdict.classList.toggle("parted", Boolean(f.parting));
  const keys = Object.keys(f.a);
  table.replaceChildren(element("tr", {}, element("th"), ...keys.map((k) => element("th", { textContent: k }))),
    ...[["A", f.a], ["B", f.b]].map(([name, s]) => element("tr", {}, element("th", { textContent: name }),
      ...keys.map((k) => element("td", { textContent: String(s[k]), className: f.a[k] !== f.b[k] ? "changed" : "" })))));
}

export function series(f) {
  return { "loss A": f.loss_a, "loss B": f.loss_b };
}
