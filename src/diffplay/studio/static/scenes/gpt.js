// gpt: microgpt learning names. Progress, the latest samples, and where each head of the latest
// sample looked (gpt_attention.js); the loss plot marks the loss of guessing.

import { element, floats } from "../draw.js";
import { AttentionMaps } from "./gpt_attention.js";

// What the page shows above the maps (header, progress, 16 samples in four rows, two headings)
// and below (the caption): the maps get the rest of the window's height.
const ABOVE_AND_BELOW = 330;
let progress, samples, heading, maps, size = "";

export const hints = "<kbd>s</kbd> or <kbd>sample</kbd> draw a name now · move <b>temperature</b> to see samples get " +
  "bolder or tamer · hover an attention cell for its weight";

export function setup(view) {
  progress = element("p", { className: "mono" });
  samples = element("ol", { className: "samples", reversed: true });
  heading = element("h3");
  maps = new AttentionMaps();
  const caption = element("figcaption", {
    textContent: "Row: a position of the sample (the query); column: a position it may look at (the key). " +
      "Darker: more weight; each row sums to 1. BOS: the start (and end) of a name.",
  });
  maps.figure.append(caption);
  view.stage.append(progress, element("h3", { textContent: "samples, newest first" }), samples, heading, maps.figure);
  const refit = () => { if (view.frame && room() !== size) draw(view, view.frame); };
  new ResizeObserver(refit).observe(maps.figure);
  window.addEventListener("resize", refit);
}

export function key(view, e) {
  if (e.key === "s") view.send({ type: "sample" });
}

export function draw(view, f) {
  progress.textContent = `step ${f.trained} of ${f.steps} · learning rate ${f.lr.toExponential(2)}${f.done ? " · done" : ""}`;
  samples.replaceChildren(...f.samples.slice(-16).reverse().map((s) =>
    element("li", { textContent: `${s.text || "(empty)"}  `, title: `at step ${s.step}` })));
  const newest = f.samples[f.samples.length - 1];
  heading.textContent = newest ? `attention of “${newest.text}”, the newest sample (step ${newest.step})` : "attention";
  size = room();
  if (f.attention.length) maps.draw(f.tokens, f.attention, maps.figure.clientWidth, Math.max(300, innerHeight - ABOVE_AND_BELOW));
}

/** The room the maps have, as a key that changes when it does. */
function room() {
  return `${maps.figure.clientWidth}x${innerHeight}`;
}

export function series(f) {
  return { loss: Array.from(floats(f.losses)) };
}

export function baseline(f) {
  return { label: "guessing", value: f.guess_loss };
}
