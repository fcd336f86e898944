// The boundary scene's network, drawn as TensorFlow Playground draws it: a column per layer,
// each input and hidden neuron a small picture of what it outputs over the plane (blue
// positive, orange negative), each weight a line coloured by its sign and as thick as its size.
// Hover a line for the weight's value and its gradient from the last batch; a neuron for its place.

import { element, fillCanvas, makeCanvas, pointer } from "../draw.js";

export const W = 440, H = 480;
const BLUE = [8, 119, 189], ORANGE = [245, 147, 34];

export class NetworkDiagram {
  constructor() {
    this.canvas = makeCanvas(W, H, "the network: hover a weight for its value and gradient");
    this.tip = element("div", { className: "heatmap-tip", hidden: true });
    this.element = element("div", { className: "heatmap-box" }, this.canvas, this.tip);
    this.net = null;
    this.places = [];   // per layer, per neuron: [x, y] of its picture's centre
    this.canvas.addEventListener("pointermove", (e) => this.hover(pointer(this.canvas, e)));
    this.canvas.addEventListener("pointerleave", () => { this.tip.hidden = true; });
  }

  draw(net, share, gap) {
    this.net = net;
    const ctx = fillCanvas(this.canvas, W, H, share, gap);
    ctx.clearRect(0, 0, W, H);
    const most = Math.max(...net.sizes), side = Math.min(30, (H - 20) / most - 8);
    this.side = side;
    this.places = net.sizes.map((n, l) => Array.from({ length: n }, (_, i) =>
      [side / 2 + 4 + (l * (W - side - 8)) / (net.sizes.length - 1), H / 2 + (i - (n - 1) / 2) * (side + 8)]));
    net.weights.forEach((matrix, l) => matrix.forEach((row, j) => row.forEach((w, i) => {
      const [[x0, y0], [x1, y1]] = [this.places[l][i], this.places[l + 1][j]];
      ctx.strokeStyle = `rgba(${(w > 0 ? BLUE : ORANGE).join(",")},${Math.min(1, 0.25 + Math.abs(w))})`;
      ctx.lineWidth = Math.min(6, 0.4 + 1.6 * Math.abs(w));
      ctx.beginPath(); ctx.moveTo(x0 + side / 2, y0); ctx.lineTo(x1 - side / 2, y1); ctx.stroke();
    })));
    this.pictures(ctx, net, side);
  }

  // Each input and hidden neuron's picture; the outputs as plain squares (the plane shows them).
  pictures(ctx, net, side) {
    const cells = net.neurons.width, grey = Uint8Array.from(atob(net.neurons.data), (c) => c.charCodeAt(0));
    const image = ctx.createImageData(cells, cells), scratch = element("canvas", { width: cells, height: cells });
    let k = 0;
    ctx.lineWidth = 1;
    this.places.forEach((layer, l) => layer.forEach(([x, y]) => {
      if (l === this.places.length - 1) {
        ctx.strokeStyle = "#98a2b3"; ctx.strokeRect(x - side / 2, y - side / 2, side, side);
        return;
      }
      for (let p = 0; p < cells * cells; p++) {
        const v = grey[k * cells * cells + p] / 127.5 - 1, c = v > 0 ? BLUE : ORANGE, s = Math.abs(v) * 0.8;
        for (let ch = 0; ch < 3; ch++) image.data[4 * p + ch] = 255 * (1 - s) + c[ch] * s;
        image.data[4 * p + 3] = 255;
      }
      scratch.getContext("2d").putImageData(image, 0, 0);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(scratch, x - side / 2, y - side / 2, side, side);
      ctx.strokeStyle = "#475467"; ctx.strokeRect(x - side / 2, y - side / 2, side, side);
      k++;
    }));
  }

  // The weight line (or neuron) nearest the pointer, within a few units, named in the tip.
  hover([u, v]) {
    if (!this.net) return;
    let best = null, bestDistance = 5;
    this.places.forEach((layer, l) => layer.forEach(([x, y], i) => {
      if (Math.abs(u - x) <= this.side / 2 && Math.abs(v - y) <= this.side / 2) { best = { l, i }; bestDistance = 0; }
    }));
    if (!best) this.net.weights.forEach((matrix, l) => matrix.forEach((row, j) => row.forEach((w, i) => {
      const [[x0, y0], [x1, y1]] = [this.places[l][i], this.places[l + 1][j]];
      const d = segmentDistance(u, v, x0 + this.side / 2, y0, x1 - this.side / 2, y1);
      if (d < bestDistance) { bestDistance = d; best = { l, i, j, w }; }
    })));
    if (!best) { this.tip.hidden = true; return; }
    this.tip.textContent = best.j === undefined ? neuronName(best.l, best.i, this.net.sizes.length)
      : `weight ${best.l + 1}: ${neuronName(best.l, best.i, this.net.sizes.length)} → ${neuronName(best.l + 1, best.j, this.net.sizes.length)}` +
        `  value ${best.w.toFixed(4)}  gradient ${this.net.grads[best.l] ? this.net.grads[best.l][best.j][best.i].toExponential(3) : "—"}`;
    this.tip.hidden = false;
    const k = this.canvas.getBoundingClientRect().width / W;
    this.tip.style.left = `${Math.min(u * k + 12, this.canvas.clientWidth - this.tip.offsetWidth)}px`;
    this.tip.style.top = `${v * k + 14}px`;
  }
}

function neuronName(l, i, layers) {
  if (l === 0) return i === 0 ? "x" : "y";
  return l === layers - 1 ? `class ${i + 1}` : `h${l}.${i + 1}`;
}

function segmentDistance(u, v, x0, y0, x1, y1) {
  const dx = x1 - x0, dy = y1 - y0, t = Math.max(0, Math.min(1, ((u - x0) * dx + (v - y0) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(u - x0 - t * dx, v - y0 - t * dy);
}
