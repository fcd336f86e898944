// The gpt page's attention maps: one labelled heatmap (heatmap.js) per layer and head, rows the
// queries and columns the keys, named by the sample's characters, all as large as the stage
// allows. Hovering a cell names it: "layer 0 · head 1: query 'a' (pos 3) → key 'm' (pos 1): 0.4213".

import { element } from "../draw.js";
import { Heatmap, blues } from "../heatmap.js";

const MIN_CELL = 22, MAX_CELL = 40;   // ≥ 22 px: a character and a hover target at 1280 px
const LABEL = 36, GAP = 20, TITLE = 40;   // room for row labels, between maps, for a title and column labels

export class AttentionMaps {
  constructor() {
    this.grid = element("div", { className: "attention-grid" });
    this.figure = element("figure", { className: "attention-figure" }, this.grid);
    this.maps = [];
    this.shape = "";
  }

  /** Draw `attention` ([layer][head] → T × T) over `tokens` in about `width` × `height` CSS pixels. */
  draw(tokens, attention, width, height) {
    const heads = Math.max(...attention.map((layer) => layer.length), 1);
    const { cell, perRow } = fit(Math.max(tokens.length, 1), heads, attention.length, width, height);
    const shape = `${tokens.join("|")}/${attention.length}x${heads}/${cell}`;
    if (shape !== this.shape) this.build(tokens, attention, cell, perRow, shape);
    attention.forEach((layer, l) => layer.forEach((weights, h) =>
      this.maps[l][h].draw(weights.map((row, t) => row.map((p, s) => (s <= t ? p : null))))));   // the future: blank
  }

  build(tokens, attention, cell, perRow, shape) {
    this.shape = shape;
    const labels = tokens.map((t) => (t === "<bos>" ? "BOS" : t));
    const name = (i) => (tokens[i] === "<bos>" ? "BOS" : `'${tokens[i]}'`);
    this.grid.style.gridTemplateColumns = `repeat(${perRow}, auto)`;
    this.maps = attention.map((layer, l) => layer.map((_, h) => new Heatmap({
      rows: labels, cols: labels, cell, colour: blues, label: `layer ${l} · head ${h}`,
      tip: (p, t, s) => `layer ${l} · head ${h}: query ${name(t)} (pos ${t}) → key ${name(s)} (pos ${s}): ${p.toFixed(4)}`,
    })));
    this.grid.replaceChildren(...this.maps.flatMap((layer, l) => layer.map((map, h) =>
      element("div", { className: "attention-map" }, element("b", { textContent: `layer ${l} · head ${h}` }), map.element))));
  }
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
    const down = (height - blocks * (TITLE + GAP)) / (blocks * n);
    const cell = Math.floor(Math.min(across, MAX_CELL, Math.max(down, MIN_CELL)));
    if (!best || cell > best.cell) best = { cell, perRow };
  }
  return { cell: Math.max(best.cell, 12), perRow: best.perRow };
}
