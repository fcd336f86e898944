// Painting a laid-out graph onto a 2D canvas, in the layout's own units (the caller sets the
// camera transform). Python placed every box and every wire's points (scenes/parts/graph_view.py);
// here each wire is the chain of cubics with vertical tangents through its points, arrowed at the
// consumer's top side, exactly as graph_svg.py draws it.

export const INK = "#1d2330", MUTED = "#667085", WIRE = "#9aa3b2", ACCENT = "#3b6fd8";
const ARROW_W = 4.5, ARROW_H = 9;
const TITLE = "600 12px ui-monospace, Menlo, Consolas, monospace", LINE = "11px ui-monospace, Menlo, Consolas, monospace";
const TEXT_SCALE = 0.3, DETAIL_SCALE = 0.5, COUNT_SCALE = 0.6;   // below these zooms text is too small to read: skipped

/** Four decimals, or three significant digits in exponent form when that reads better. */
export function number(v) {
  if (v === null || v === undefined) return "—";
  return Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(4);
}

function trace(path, p) {
  path.moveTo(p[0], p[1]);
  for (let k = 2; k < p.length; k += 2) {
    const middle = (p[k - 1] + p[k + 1]) / 2;
    path.bezierCurveTo(p[k - 2], middle, p[k], middle, p[k], p[k + 1]);
  }
}

function arrowHead(path, p) {
  const x = p[p.length - 2], y = p[p.length - 1];
  path.moveTo(x, y);
  path.lineTo(x - ARROW_W, y - ARROW_H);
  path.lineTo(x + ARROW_W, y - ARROW_H);
  path.closePath();
}

/** What a layout needs painted, made once per layout: every wire and arrowhead as one path each,
 *  the count labels, and each box's colours. */
export function prepare(fields) {
  const lines = new Path2D(), arrows = new Path2D(), counts = [];
  for (const w of fields.wires) {
    trace(lines, w.points);
    if (w.to === null) continue;
    arrowHead(arrows, w.points);
    if (w.label) counts.push({ x: w.label[0], y: w.label[1], text: `×${w.count}` });
  }
  const colours = fields.boxes.map((b) => b.hue === null
    ? { fill: "#eaf2f8", done: "#fdebd0", stroke: "#7b8494" }
    : { fill: `hsl(${b.hue},60%,96%)`, done: `hsl(${b.hue},60%,88%)`, stroke: `hsl(${b.hue},40%,45%)` });
  return { lines, arrows, counts, colours };
}

/** The wires into and out of box k, for the highlight. */
export function wiresOf(fields, k) {
  const path = new Path2D();
  for (const w of fields.wires) if (w.from === k || w.to === k) trace(path, w.points);
  return path;
}

/** Paint the graph; `seen` is the visible rectangle in layout units, `marks` {focus, hover, focused}. */
export function paint(ctx, fields, prepared, scale, seen, marks) {
  ctx.lineWidth = 1 / scale;
  ctx.strokeStyle = WIRE;
  ctx.stroke(prepared.lines);
  if (marks.focused) {
    ctx.lineWidth = 2 / scale;
    ctx.strokeStyle = ACCENT;
    ctx.stroke(marks.focused);
  }
  ctx.fillStyle = MUTED;
  ctx.fill(prepared.arrows);
  if (scale >= COUNT_SCALE) paintCounts(ctx, prepared.counts, seen);
  const root = fields.bounds.root;
  for (let k = 0; k < fields.boxes.length; k++) {
    const b = fields.boxes[k];
    if (b.x > seen.right || b.y > seen.bottom || b.x + b.w < seen.left || b.y + b.h < seen.top) continue;
    paintBox(ctx, b, prepared.colours[k], fields.done[k], scale, k === root);
    if (scale >= TEXT_SCALE) paintText(ctx, b, fields.grads[k], fields.done[k], scale);
    if (k === marks.focus || k === marks.hover) outline(ctx, b, scale, k === marks.focus ? 3 : 1.5);
  }
  paintOutputTag(ctx, fields.boxes[root], scale);
}

function paintCounts(ctx, counts, seen) {
  ctx.font = LINE;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.lineWidth = 3;
  ctx.strokeStyle = "#fbfcfe";   // a halo of the background, so the count reads over crossing wires
  ctx.fillStyle = MUTED;
  for (const c of counts) {
    if (c.x > seen.right + 30 || c.x < seen.left - 30 || c.y > seen.bottom + 10 || c.y < seen.top - 10) continue;
    ctx.strokeText(c.text, c.x, c.y);
    ctx.fillText(c.text, c.x, c.y);
  }
  ctx.textAlign = "start";
  ctx.textBaseline = "alphabetic";
}

function paintBox(ctx, b, colour, done, scale, root) {
  ctx.beginPath();
  ctx.roundRect(b.x, b.y, b.w, b.h, 6);
  ctx.fillStyle = done === b.nodes ? colour.done : colour.fill;
  ctx.fill();
  ctx.lineWidth = (root ? 2.5 : 1) / Math.min(scale, 1);
  ctx.strokeStyle = root ? INK : colour.stroke;
  ctx.stroke();
  if (b.kind === "node" && b.group !== null) {   // a member of an opened group: its colour down the side
    ctx.fillStyle = colour.stroke;
    ctx.fillRect(b.x, b.y + 6, 3, b.h - 12);
  }
}

function paintText(ctx, b, grad, done, scale) {
  ctx.fillStyle = INK;
  ctx.font = TITLE;
  ctx.fillText(b.title, b.x + 8, b.y + 16, b.w - (b.kind === "group" ? 34 : 14));
  if (b.kind === "group") {
    paintExpander(ctx, b);
    if (scale < DETAIL_SCALE) return;
    ctx.font = LINE;
    ctx.fillStyle = MUTED;
    ctx.fillText(b.sub, b.x + 8, b.y + 31, b.w - 16);
    ctx.fillStyle = "#e4e7ec";
    ctx.fillRect(b.x + 8, b.y + b.h - 12, b.w - 16, 5);
    ctx.fillStyle = "#f59e0b";
    ctx.fillRect(b.x + 8, b.y + b.h - 12, (b.w - 16) * done / b.nodes, 5);
    return;
  }
  if (scale < DETAIL_SCALE) return;
  ctx.font = LINE;
  ctx.fillStyle = INK;
  ctx.fillText(`data ${number(b.data)}`, b.x + 8, b.y + 31);
  ctx.fillStyle = done ? "#b45309" : MUTED;
  ctx.fillText(`grad ${number(grad)}`, b.x + 8, b.y + 44);
}

function paintExpander(ctx, b) {   // a "+": this box opens on a click
  const x = b.x + b.w - 15, y = b.y + 13;
  ctx.beginPath();
  ctx.arc(x, y, 8, 0, 2 * Math.PI);
  ctx.fillStyle = "#fff";
  ctx.fill();
  ctx.lineWidth = 1;
  ctx.strokeStyle = MUTED;
  ctx.stroke();
  ctx.beginPath();
  ctx.moveTo(x - 4, y); ctx.lineTo(x + 4, y);
  ctx.moveTo(x, y - 4); ctx.lineTo(x, y + 4);
  ctx.stroke();
}

function outline(ctx, b, scale, width) {
  ctx.beginPath();
  ctx.roundRect(b.x - 3 / scale, b.y - 3 / scale, b.w + 6 / scale, b.h + 6 / scale, 8);
  ctx.lineWidth = width / scale;
  ctx.strokeStyle = ACCENT;
  ctx.stroke();
}

function paintOutputTag(ctx, b, scale) {
  // "output" under the root at any zoom (a fixed size on screen), so it can always be spotted
  ctx.font = `600 ${11 / scale}px system-ui, sans-serif`;
  ctx.fillStyle = INK;
  ctx.fillText("output", b.x, b.y + b.h + 14 / scale);
}
