// gpt: microgpt learning names. Progress, the latest samples, and where each head of the latest
// sample looked (one heatmap per layer and head: row t is where position t looked).

import { element, makeCanvas, sizeCanvas } from "../draw.js";

const CELL = 16, LABEL = 30, GAP = 22, TITLE = 18;
let progress, samples, heads;

export const hints = "<kbd>s</kbd> or <kbd>sample</kbd> draw a name now · move <b>temperature</b> to see samples get bolder or tamer";

export function setup(view) {
  progress = element("p", { className: "mono" });
  samples = element("ol", { className: "samples", reversed: true });
  heads = makeCanvas(300, 200, "attention of the latest sample, per head");
  view.stage.append(progress, element("h3", { textContent: "samples, newest first" }), samples,
    element("h3", { textContent: "attention of the newest sample" }), heads);
}

export function key(view, e) {
  if (e.key === "s") view.send({ type: "sample" });
}

function drawHeads(tokens, attention) {
  const n = tokens.length, blockW = LABEL + n * CELL + GAP, blockH = TITLE + n * CELL + GAP;
  const perRow = Math.max(...attention.map((layer) => layer.length), 1);
  const ctx = sizeCanvas(heads, perRow * blockW, attention.length * blockH);
  ctx.clearRect(0, 0, perRow * blockW, attention.length * blockH);
  ctx.font = "11px ui-monospace, Menlo, monospace";
  attention.forEach((layer, l) => layer.forEach((weights, h) => {
    const x0 = h * blockW, top = l * blockH + TITLE;
    ctx.textAlign = "left";
    ctx.fillStyle = "#667085";
    ctx.fillText(`layer ${l} · head ${h}`, x0, top - 6);
    weights.forEach((row, t) => {
      ctx.textAlign = "right";
      ctx.fillStyle = "#1d2330";
      ctx.fillText(tokens[t] === "<bos>" ? "^" : tokens[t], x0 + LABEL - 6, top + t * CELL + CELL - 4);
      row.forEach((p, s) => {
        if (s > t || p === null) return;   // causal: position t sees 0..t
        ctx.fillStyle = `rgba(59,111,216,${Math.max(p, 0.03).toFixed(3)})`;
        ctx.fillRect(x0 + LABEL + s * CELL, top + t * CELL, CELL - 1, CELL - 1);
      });
    });
  }));
}

export function draw(view, f) {
  progress.textContent = `step ${f.trained} of ${f.steps} · learning rate ${f.lr.toExponential(2)}${f.done ? " · done" : ""}`;
  samples.replaceChildren(...f.samples.slice(-16).reverse().map((s) =>
    element("li", { textContent: `${s.text || "(empty)"}  `, title: `at step ${s.step}` })));
  if (f.attention.length) drawHeads(f.tokens, f.attention);
}

export function series(f) {
  return { loss: f.losses };
}

export function baseline(f) {
  return { label: "guessing", value: f.guess_loss };
}
