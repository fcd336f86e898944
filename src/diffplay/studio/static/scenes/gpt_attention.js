// The gpt page's attention maps: one per layer and head, as large as the stage allows, rows
// (queries) and columns (keys) labelled with the sample's characters; hovering a cell names it
// and gives its weight: "query 'a' (pos 3) → key 'm' (pos 1): 0.4213".

import { element, makeCanvas, pointer, sizeCanvas } from "../draw.js";

const MIN_CELL = 22, MAX_CELL = 40;   // ≥ 22 px: a character and a hover target at 1280 px
const LABEL = 32, GAP = 20, TITLE = 20, COLUMNS = 16;   // row labels, between maps, title, column labels
const BOS = "BOS";
const ACCENT = [59, 111, 216];

export class AttentionMaps {
  constructor() {
    this.canvas = makeCanvas(300, 100, "attention of the newest sample, per layer and head");
    this.canvas.classList.add("attention");
    this.tip = element("div", { className: "tip", hidden: true });
    this.figure = element("figure", { className: "attention-figure" }, this.canvas, this.tip);
    this.tokens = [];
    this.attention = [];
    this.hover = null;   // the pointer's last place on the canvas, to re-read the cell under it after a redraw
    this.canvas.addEventListener("pointermove", (e) => { this.hover = pointer(this.canvas, e); this.paint(); });
    this.canvas.addEventListener("pointerleave", () => { this.hover = null; this.paint(); });
    // for the browser tests: where cell (query t, key s) of a layer's head is, in canvas units
    this.canvas.cellCentre = (layer, head, t, s) => this.centre(layer, head, t, s);
  }

  /** Draw the maps of `attention` ([layer][head] → T × T) over `tokens` in about `width` × `height` CSS pixels. */
  draw(tokens, attention, width, height) {
    this.tokens = tokens;
    this.attention = attention;
    const heads = Math.max(...attention.map((layer) => layer.length), 1);
    this.layout = fit(Math.max(tokens.length, 1), heads, attention.length, width, height);
    this.paint();
  }

  paint() {
    if (!this.layout) return;
    const { w, h } = this.layout;
    const ctx = sizeCanvas(this.canvas, w, h);
    ctx.clearRect(0, 0, w, h);
    this.attention.forEach((layer, l) => layer.forEach((weights, head) => this.drawMap(ctx, l, head, weights)));
    this.showTip();
  }

  drawMap(ctx, layer, head, weights) {
    const { cell } = this.layout, [x0, y0] = this.origin(layer, head), n = this.tokens.length;
    ctx.fillStyle = "#1d2330";
    ctx.font = "600 12px system-ui, sans-serif";
    ctx.textAlign = "left";
    ctx.textBaseline = "alphabetic";
    ctx.fillText(`layer ${layer} · head ${head}`, x0 - LABEL, y0 - COLUMNS - 6);
    const size = Math.min(13, cell - 9);
    ctx.textBaseline = "middle";
    this.tokens.forEach((token, i) => {
      const bos = token === "<bos>";
      ctx.font = `${bos ? Math.min(size, 10) : size}px ui-monospace, Menlo, monospace`;   // "BOS" fits a column
      ctx.fillStyle = bos ? "#98a2b3" : "#1d2330";
      ctx.textAlign = "right";
      ctx.fillText(label(token), x0 - 5, y0 + (i + 0.5) * cell);   // the query's row
      ctx.textAlign = "center";
      ctx.fillText(label(token), x0 + (i + 0.5) * cell, y0 - COLUMNS / 2 - 1);   // the key's column
    });
    weights.forEach((row, t) => row.forEach((p, s) => {
      const seen = s <= t && p !== null;   // causal: position t sees 0..t
      ctx.fillStyle = seen ? `rgb(${ACCENT.map((c) => Math.round(255 - (255 - c) * p)).join(",")})` : "#f2f4f7";
      ctx.fillRect(x0 + s * cell, y0 + t * cell, cell - 1, cell - 1);
    }));
    const hovered = this.cellAt();
    if (hovered && hovered.layer === layer && hovered.head === head) {
      ctx.strokeStyle = "#e07b28";
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 + hovered.s * cell + 1, y0 + hovered.t * cell + 1, cell - 3, cell - 3);
    }
    ctx.strokeStyle = "#d9dee7";
    ctx.lineWidth = 1;
    ctx.strokeRect(x0 - 0.5, y0 - 0.5, n * cell, n * cell);
  }

  /** The top-left corner of a map's cells, in canvas units. */
  origin(layer, head) {
    const { perRow, rows, blockW, blockH } = this.layout;
    const row = layer * rows + Math.floor(head / perRow);
    return [(head % perRow) * blockW + LABEL, row * blockH + TITLE + COLUMNS];
  }

  centre(layer, head, t, s) {
    const [x0, y0] = this.origin(layer, head), { cell } = this.layout;
    return [x0 + (s + 0.5) * cell, y0 + (t + 0.5) * cell];
  }

  /** The cell under the pointer, {layer, head, t, s}, or null. */
  cellAt() {
    if (!this.hover || !this.layout) return null;
    const [u, v] = this.hover, { cell } = this.layout, n = this.tokens.length;
    for (let layer = 0; layer < this.attention.length; layer++) {
      for (let head = 0; head < this.attention[layer].length; head++) {
        const [x0, y0] = this.origin(layer, head);
        const s = Math.floor((u - x0) / cell), t = Math.floor((v - y0) / cell);
        if (s >= 0 && t >= 0 && s < n && t < n && s <= t) return { layer, head, t, s };
      }
    }
    return null;
  }

  showTip() {
    const at = this.cellAt();
    this.tip.hidden = !at;
    if (!at) return;
    const { layer, head, t, s } = at, p = this.attention[layer][head][t][s];
    const name = (i) => (this.tokens[i] === "<bos>" ? BOS : `'${this.tokens[i]}'`);
    this.tip.replaceChildren(element("b", { textContent: `layer ${layer} · head ${head}` }),
      element("div", { textContent: `query ${name(t)} (pos ${t}) → key ${name(s)} (pos ${s}): ${p === null ? "—" : p.toFixed(4)}` }));
    const [x, y] = this.centre(layer, head, t, s), { cell } = this.layout;
    const right = x + cell + this.tip.offsetWidth <= this.figure.clientWidth;   // else left of the cell
    this.tip.style.left = `${right ? x + cell : Math.max(0, x - cell - this.tip.offsetWidth)}px`;
    this.tip.style.top = `${Math.max(0, y - cell)}px`;
  }
}

function label(token) {
  return token === "<bos>" ? BOS : token;
}

/** How the maps fit `width` × `height`: the arrangement (heads a row, in rows of equal length:
 * 2 × 2 rather than 3 + 1) with the largest cells, at most MAX_CELL, that fits the width, and
 * the height too unless that would make cells smaller than MIN_CELL (then the page scrolls).
 * Ties go to fewer rows. */
function fit(n, heads, layers, width, height) {
  let best = null;
  for (let perRow = heads; perRow >= 1; perRow--) {
    if (perRow > 1 && Math.ceil(heads / perRow) === Math.ceil(heads / (perRow - 1))) continue;   // fewer a row balance them
    const rows = Math.ceil(heads / perRow), blocks = layers * rows;
    const across = (width - perRow * (LABEL + GAP)) / (perRow * n);
    const down = (height - blocks * (TITLE + COLUMNS + GAP)) / (blocks * n);
    const cell = Math.floor(Math.min(across, MAX_CELL, Math.max(down, MIN_CELL)));
    if (!best || cell > best.cell) best = { cell, perRow, rows };
  }
  const { perRow, rows } = best, cell = Math.max(best.cell, 12);
  const blockW = LABEL + n * cell + GAP, blockH = TITLE + COLUMNS + n * cell + GAP;
  return { cell, perRow, rows, blockW, blockH, w: perRow * blockW - GAP, h: layers * rows * blockH - GAP };
}
