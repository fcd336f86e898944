// The drawing for a scene that has no module of its own yet: its frame, as text.

import { element } from "./draw.js";

const RASTER_KEYS = ["width", "height", "channels", "data"];

function shorten(value) {
  if (Array.isArray(value)) return value.length > 8 ? [...value.slice(0, 8).map(shorten), `… ${value.length} items`] : value.map(shorten);
  if (value && typeof value === "object") {
    if (RASTER_KEYS.every((k) => k in value)) return `<raster ${value.width}×${value.height}×${value.channels}>`;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(v)]));
  }
  if (typeof value === "string" && value.length > 200) return value.slice(0, 200) + "…";
  return value;
}

let box;

export function setup(view) {
  box = element("pre", { className: "fallback mono" });
  view.stage.append(element("p", { textContent: "This scene has no drawing yet; here is its frame." }), box);
}

export function draw(view, frame) {
  box.textContent = JSON.stringify(shorten(frame), null, 2);
}
