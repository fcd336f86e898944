// graph: micrograd's draw_dot, live. Boxes by (layer, row), children on the left; a node turns
// orange once it has passed its gradient on.

import { makeCanvas, sizeCanvas } from "../draw.js";

const BOX_W = 150, BOX_H = 54, GAP_X = 46, GAP_Y = 14, PAD = 10, MAX_SIDE = 8000;
let canvas;

export const hints = "<kbd>→</kbd> or <kbd>click</kbd> one backward step · <kbd>b</kbd> all of backward · " +
  "<kbd>f</kbd> forward again (gradients to zero) · edit the expression under settings";

export function setup(view) {
  canvas = makeCanvas(400, 200, "the computation graph: click for one backward step");
  canvas.style.maxWidth = "none";   // wide graphs scroll rather than shrink past reading
  view.stage.append(canvas);
  canvas.addEventListener("click", () => view.send({ type: "backward_step" }));
}

export function key(view, e) {
  const type = { ArrowRight: "backward_step", n: "backward_step", b: "backward_all", f: "forward" }[e.key];
  if (type) {
    e.preventDefault();
    view.send({ type });
  }
}

function number(v) {
  return v === null ? "—" : Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4);
}

export function draw(view, f) {
  const w = PAD * 2 + f.layers * (BOX_W + GAP_X) - GAP_X, h = PAD * 2 + f.rows * (BOX_H + GAP_Y) - GAP_Y;
  const scale = Math.min(1, MAX_SIDE / Math.max(w, h));   // a huge graph is drawn smaller, not cut off
  const ctx = sizeCanvas(canvas, Math.ceil(w * scale), Math.ceil(h * scale));
  ctx.scale(scale, scale);
  ctx.clearRect(0, 0, w, h);
  const corner = (n) => [PAD + n.layer * (BOX_W + GAP_X), PAD + n.row * (BOX_H + GAP_Y)];
  ctx.strokeStyle = "#9aa3b2";
  ctx.lineWidth = 1;
  for (const e of f.edges) {
    const [x0, y0] = corner(f.nodes[e.from]), [x1, y1] = corner(f.nodes[e.to]);
    const a = x0 + BOX_W, b = y0 + BOX_H / 2, c = y1 + BOX_H / 2, mid = (a + x1) / 2;
    ctx.beginPath();
    ctx.moveTo(a, b);
    ctx.bezierCurveTo(mid, b, mid, c, x1, c);
    ctx.stroke();
  }
  ctx.textBaseline = "alphabetic";
  for (const n of f.nodes) {
    const [x, y] = corner(n);
    ctx.fillStyle = n.done ? "#fdebd0" : "#eaf2f8";
    ctx.strokeStyle = n.id === f.nodes.length - 1 ? "#1d2330" : "#7b8494";
    ctx.beginPath();
    ctx.roundRect(x, y, BOX_W, BOX_H, 6);
    ctx.fill();
    ctx.stroke();
    ctx.fillStyle = "#1d2330";
    ctx.font = "600 12px system-ui, sans-serif";
    ctx.fillText(`${n.op} ${n.label}`.trim(), x + 7, y + 16);
    ctx.font = "11px ui-monospace, Menlo, monospace";
    ctx.fillText(`data ${number(n.data)}`, x + 7, y + 32);
    ctx.fillStyle = n.done ? "#b45309" : "#667085";
    ctx.fillText(`grad ${number(n.grad)}`, x + 7, y + 47);
  }
}

export function series() {
  return {};
}
