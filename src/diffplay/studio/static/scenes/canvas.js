// canvas: paint on the left (the target), watch the network's picture on the right.
// Coordinates are pixels of the size × size target, (0, 0) top left.

import { base64, element, makeCanvas, pixels, pointer, rasterCanvas, fillCanvas } from "../draw.js";

const SIZE = 320;
const SEND_EVERY_MS = 40;   // while a stroke goes on, send what is painted so far this often
let target, output, colour, radius, stroke = null, lastSent = 0, cacheT = null, cacheO = null, painted = null;

export const hints = "<kbd>drag</kbd> on the left picture to paint · pick a colour and a brush · " +
  "<kbd>load image</kbd> to learn a picture of your own · <kbd>c</kbd> clear";

function scenePoint(view, e) {
  const size = view.frame ? view.frame.target.width : 64;
  const [u, v] = pointer(target, e);
  return { x: (u / SIZE) * size, y: (v / SIZE) * size };
}

function flush(view, done) {
  if (!stroke || !stroke.length) return;
  view.send({ type: "stroke", points: stroke, color: hexToRgb(colour.value), radius: Number(radius.value) });
  stroke = done ? null : [stroke[stroke.length - 1]];   // the next piece starts where this one ended
  lastSent = performance.now();
}

function hexToRgb(hex) {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
}

async function loadImage(view, file) {
  const size = view.frame ? view.frame.target.width : 64;
  const bitmap = await createImageBitmap(file);
  const scratch = element("canvas", { width: size, height: size });
  const ctx = scratch.getContext("2d");
  ctx.drawImage(bitmap, 0, 0, size, size);   // the page shrinks it: a small message, whatever the file
  const rgba = ctx.getImageData(0, 0, size, size).data;
  view.send({ type: "load_image", width: size, height: size, channels: 4, data: base64(new Uint8Array(rgba.buffer)) });
}

function tools(view) {
  colour = element("input", { type: "color", value: "#d43f6a", title: "colour" });
  radius = element("input", { type: "range", min: 0.5, max: 12, step: 0.5, value: 3, title: "brush radius (pixels)" });
  radius.setAttribute("aria-label", "brush radius");
  const file = element("input", { type: "file", accept: "image/*", hidden: true });
  const open = element("button", { type: "button", textContent: "load image" });
  open.addEventListener("click", () => file.click());
  file.addEventListener("change", () => file.files[0] && loadImage(view, file.files[0]).catch((e) => view.status(`image: ${e.message}`)));
  return element("div", { className: "toolbar" }, "colour", colour, "brush", radius, open, file);
}

export function setup(view) {
  target = makeCanvas(SIZE, SIZE, "the target: drag to paint");
  output = makeCanvas(SIZE, SIZE, "the network's picture");
  view.stage.append(tools(view), element("div", { className: "row" },
    element("figure", {}, target, element("figcaption", { textContent: "target (paint here; grey = not painted)" })),
    element("figure", {}, output, element("figcaption", { textContent: "the network's picture" }))));
  target.addEventListener("pointerdown", (e) => {
    target.setPointerCapture(e.pointerId);
    stroke = [scenePoint(view, e)];
  });
  target.addEventListener("pointermove", (e) => {
    if (!stroke) return;
    stroke.push(scenePoint(view, e));
    if (stroke.length >= 1000 || performance.now() - lastSent > SEND_EVERY_MS) flush(view, false);
  });
  const end = () => flush(view, true);
  target.addEventListener("pointerup", end);
  target.addEventListener("pointercancel", end);
}

export function key(view, e) {
  if (e.key === "c") view.send({ type: "clear" });
}

export function draw(view, f) {
  if (f.target !== painted) {   // the painting arrives only when it changed (the same object otherwise)
    painted = f.target;
    const mask = pixels(f.mask);
    // unpainted pixels show as a grey checkerboard, so "white" and "nothing" look different
    cacheT = rasterCanvas(f.target, (data, i) => {
      if (mask[i]) return [data[3 * i], data[3 * i + 1], data[3 * i + 2]];
      const x = i % f.target.width, y = Math.floor(i / f.target.width);
      return (x >> 2) % 2 === (y >> 2) % 2 ? [225, 225, 225] : [245, 245, 245];
    }, cacheT);
  }
  cacheO = rasterCanvas(f.output, null, cacheO);
  for (const [canvas, image] of [[target, cacheT], [output, cacheO]]) {
    const ctx = fillCanvas(canvas, SIZE, SIZE, 0.5, 7);   // two side by side, 14 px apart
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(image, 0, 0, SIZE, SIZE);
  }
}

export function series(f) {
  return { loss: f.loss };
}
