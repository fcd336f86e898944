// A labelled heatmap on a canvas: rows and columns named, a cell's exact value on hover, a
// click that picks a cell. Learn chapters draw their matrices with it (counts, probabilities,
// attention weights, gradients).
//
//   const map = new Heatmap({ rows, cols, cell: 18, colour: (v) => "css colour", tip: (v, r, c) => "text",
//                             onPick: (r, c) => ... });
//   parent.append(map.element);  map.draw(matrix, { picked: [r, c], row: r });   // null entries are left blank

import { element, sizeCanvas } from "./draw.js";

const FONT = "11px ui-monospace, Menlo, Consolas, monospace";

export class Heatmap {
  constructor({ rows, cols, cell = 18, colour, tip, onPick = null, label = "a heatmap", text = null }) {
    Object.assign(this, { rows, cols, cell, colour, tip, onPick, text });   // text(v): written in a cell, when it fits
    this.left = 8 + 7 * Math.max(...rows.map((r) => String(r).length), 1);
    const longest = Math.max(...cols.map((c) => String(c).length), 1);
    this.top = longest > 2 ? 8 + 7 * longest : 18;
    this.canvas = element("canvas", { className: "heatmap" });
    this.canvas.setAttribute("aria-label", label);
    this.tipBox = element("div", { className: "heatmap-tip", hidden: true });
    this.element = element("div", { className: "heatmap-box" }, this.canvas, this.tipBox);
    this.matrix = null;
    this.canvas.addEventListener("mousemove", (e) => this.hover(e));
    this.canvas.addEventListener("mouseleave", () => { this.tipBox.hidden = true; });
    this.canvas.addEventListener("click", (e) => {
      const at = this.cellAt(e);
      if (at && this.onPick) this.onPick(...at);
    });
    if (onPick) this.canvas.style.cursor = "pointer";
  }

  /** [row, col] under a mouse event, or null. */
  cellAt(e) {
    const r = this.canvas.getBoundingClientRect(), k = this.width / r.width;
    const col = Math.floor(((e.clientX - r.left) * k - this.left) / this.cell);
    const row = Math.floor(((e.clientY - r.top) * k - this.top) / this.cell);
    return row >= 0 && col >= 0 && row < this.rows.length && col < this.cols.length ? [row, col] : null;
  }

  hover(e) {
    const at = this.cellAt(e);
    const value = at && this.matrix ? this.matrix[at[0]][at[1]] : null;
    this.tipBox.hidden = value === null || value === undefined;
    if (this.tipBox.hidden) return;
    this.tipBox.textContent = this.tip(value, ...at);
    const right = e.offsetX + 14 + this.tipBox.offsetWidth <= this.canvas.clientWidth;   // else left of the pointer
    this.tipBox.style.left = `${right ? e.offsetX + 14 : Math.max(0, e.offsetX - 14 - this.tipBox.offsetWidth)}px`;
    this.tipBox.style.top = `${e.offsetY + 10}px`;
    this.hovered = at;
  }

  draw(matrix, { picked = null, row = null } = {}) {
    this.matrix = matrix;
    const c = this.cell;
    this.width = this.left + this.cols.length * c + 2;
    const height = this.top + this.rows.length * c + 2;
    const ctx = sizeCanvas(this.canvas, this.width, height);
    Object.assign(this.canvas.dataset, { left: this.left, top: this.top, cell: c });   // where the cells are, for tests and tools
    ctx.clearRect(0, 0, this.width, height);
    ctx.font = FONT;
    ctx.fillStyle = "#1d2330";
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    this.rows.forEach((label, i) => ctx.fillText(String(label), this.left - 5, this.top + i * c + c / 2));
    this.cols.forEach((label, j) => {
      const long = String(label).length > 2;   // a long label stands upright; a character stays level
      ctx.save();
      ctx.translate(this.left + j * c + c / 2, this.top - 5);
      if (long) ctx.rotate(-Math.PI / 2);
      ctx.textAlign = long ? "left" : "center";
      ctx.textBaseline = long ? "middle" : "bottom";
      ctx.fillText(String(label), 0, 0);
      ctx.restore();
    });
    const writes = this.text && c >= 36;
    ctx.textAlign = "center";
    matrix.forEach((row, i) => row.forEach((v, j) => {
      if (v === null || v === undefined) return;
      ctx.fillStyle = this.colour(v, i, j);
      ctx.fillRect(this.left + j * c, this.top + i * c, c - 1, c - 1);
      if (!writes) return;
      ctx.fillStyle = luminance(ctx.fillStyle) < 0.55 ? "#fff" : "#1d2330";
      ctx.fillText(this.text(v), this.left + j * c + c / 2, this.top + i * c + c / 2);
    }));
    ctx.strokeStyle = "#d43f6a";
    ctx.lineWidth = 2;
    if (picked) ctx.strokeRect(this.left + picked[1] * c - 1, this.top + picked[0] * c - 1, c + 1, c + 1);
    if (row !== null) ctx.strokeRect(this.left - 1, this.top + row * c - 1, this.cols.length * c + 1, c + 1);
  }
}

/** How light a canvas colour ("#rrggbb" as the canvas reports it) is, from 0 to 1. */
function luminance(colour) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16) / 255);
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** White to blue as v goes from 0 to 1 (probabilities, attention weights). */
export function blues(v) {
  const t = Math.max(0, Math.min(1, v));
  return `rgb(${Math.round(255 - 196 * t)},${Math.round(255 - 144 * t)},${Math.round(255 - 39 * t)})`;
}

/** Blue for negative, red for positive, white at 0, scaled by `top` (gradients, weights). */
export function diverging(top) {
  return (v) => {
    const t = Math.max(-1, Math.min(1, v / (top || 1)));
    return t >= 0 ? `rgb(255,${Math.round(255 - 190 * t)},${Math.round(255 - 200 * t)})`
      : `rgb(${Math.round(255 + 196 * t)},${Math.round(255 + 144 * t)},255)`;
  };
}
