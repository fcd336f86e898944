// The drawing for a scene that has no module of its own (one you write in a notebook, say):
// the blobs at the top of its frame drawn (scenes/blobs.py: a raster as a picture, an array of
// numbers as a heatmap with its range, a sound as a player), and the rest of the frame as text.

import { bytes, element, floats, paintedCanvas, rasterCanvas, sizeCanvas } from "./draw.js";

const SIDE = 360;   // CSS pixels of a picture's longer side
// viridis at five stops: dark blue for the least, yellow for the most (readable in grey too)
const STOPS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

let pictures, text;
const figures = new Map();   // field -> {canvas, caption, shown}

/** The kind of blob a value is ("raster", "array", "sound"), by its keys as blobs.py makes them; else null. */
function blobKind(value) {
  if (!value || typeof value !== "object" || !("data" in value)) return null;
  if ("width" in value && "height" in value && "channels" in value) return "raster";
  if ("shape" in value && "dtype" in value) return "array";
  return "format" in value ? "sound" : null;
}

function shorten(value) {
  const kind = blobKind(value);
  if (kind === "raster") return `<raster ${value.width}×${value.height}×${value.channels}>`;
  if (kind) return `<${kind} ${value.shape ? value.shape.join("×") : value.format}>`;
  if (Array.isArray(value)) return value.length > 8 ? [...value.slice(0, 8).map(shorten), `… ${value.length} items`] : value.map(shorten);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(v)]));
  if (typeof value === "string" && value.length > 200) return value.slice(0, 200) + "…";
  return value;
}

export function setup(view) {
  pictures = element("div", { className: "row" });
  text = element("pre", { className: "fallback mono" });
  view.stage.append(element("p", { className: "muted", textContent: "This scene has no drawing of its own; here is its frame." }),
    pictures, text);
}

function figure(key) {
  if (!figures.has(key)) {
    const canvas = element("canvas"), caption = element("figcaption");
    canvas.setAttribute("aria-label", key);
    pictures.append(element("figure", {}, canvas, caption));
    figures.set(key, { canvas, caption, shown: null, cache: null });
  }
  return figures.get(key);
}

function viridis(t) {
  const x = Math.max(0, Math.min(1, t)) * (STOPS.length - 1), i = Math.min(Math.floor(x), STOPS.length - 2), f = x - i;
  return STOPS[i].map((c, k) => c + (STOPS[i + 1][k] - c) * f);
}

/** A float array's picture: each cell coloured by where it lies between the least and the most. */
function arrayCanvas(array, into) {
  const values = floats(array), [h, w] = array.shape.length > 1 ? array.shape.slice(-2) : [1, array.shape[0] || 1];
  let lo = Infinity, hi = -Infinity;
  for (const v of values) if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const span = hi > lo ? hi - lo : 1;
  const canvas = paintedCanvas(w, h, (i) => viridis((values[i] - lo) / span), into);
  return { canvas, range: `${lo.toPrecision(3)} … ${hi.toPrecision(3)}` };
}

function show(key, blob, kind) {
  const f = figure(key);
  if (f.shown === blob) return;   // unchanged since the frame before
  f.shown = blob;
  if (kind === "sound") {
    if (f.url) URL.revokeObjectURL(f.url);   // the sound before: its bytes may go
    f.url = URL.createObjectURL(new Blob([bytes(blob)], { type: `audio/${blob.format}` }));
    f.canvas.replaceWith(f.canvas = element("audio", { controls: true, src: f.url }));
    f.caption.textContent = key;
    return;
  }
  const made = kind === "raster" ? { canvas: rasterCanvas(blob, null, f.cache), range: "" } : arrayCanvas(blob, f.cache);
  f.cache = made.canvas;
  const scale = SIDE / Math.max(made.canvas.width, made.canvas.height);
  const w = Math.round(made.canvas.width * scale), h = Math.round(made.canvas.height * scale);
  const ctx = sizeCanvas(f.canvas, w, h);
  ctx.imageSmoothingEnabled = false;   // cells stay cells
  ctx.drawImage(made.canvas, 0, 0, w, h);
  f.caption.textContent = `${key} · ${made.canvas.width}×${made.canvas.height}${made.range ? " · " + made.range : ""}`;
}

export function draw(view, frame) {
  const rest = {};
  for (const [key, value] of Object.entries(frame)) {
    const kind = blobKind(value);
    if (kind) show(key, value, kind);
    else rest[key] = value;
  }
  text.textContent = JSON.stringify(shorten(rest), null, 2);
}
