// boundary: the plane [-extent, extent]², y up; the network's classes as pale regions, the points on top.

import { CLASS_COLOURS, download, element, fillCanvas, floats, makeCanvas, pixels, pointer, rasterCanvas, rgb, view as planeView } from "../draw.js";

import { NetworkDiagram } from "./boundary_network.js";

const SIZE = 480;
let canvas, plane, diagram, label = 0, swatches = [], cache = null, downloaded = null;

export const hints = "<kbd>click</kbd> add a point of the chosen class · <kbd>1</kbd>–<kbd>4</kbd> choose the class · " +
  "<kbd>shift</kbd>-click the second class · <kbd>ctrl</kbd>-click or right-click remove the nearest point · " +
  "<kbd>load CSV</kbd> points of your own (x,y,label a line) · <kbd>export</kbd> the trained network as JSON or a " +
  "Python script (NumPy, and a PyTorch module)";

function choose(k) {
  label = k;
  swatches.forEach((s, i) => s.classList.toggle("active", i === k));
}

function classButtons(view) {
  const bar = element("div", { className: "toolbar" }, element("span", { textContent: "new points:" }));
  swatches = CLASS_COLOURS.map((c, k) => {
    const b = element("button", { type: "button", title: `class ${k + 1}` },
      element("span", { className: "swatch", style: `background:${rgb(c)}` }), ` ${k + 1}`);
    b.dataset.label = k;
    b.addEventListener("click", () => choose(k));
    return b;
  });
  bar.append(...swatches);
  return bar;
}

function fileTools(view) {
  const file = element("input", { type: "file", accept: ".csv,text/csv,text/plain", hidden: true });
  const open = element("button", { type: "button", textContent: "load CSV" });
  open.addEventListener("click", () => file.click());
  file.addEventListener("change", async () => {
    if (file.files[0]) view.send({ type: "load_csv", text: await file.files[0].text() });
    file.value = "";
  });
  const exports = ["json", "py"].map((format) => {
    const b = element("button", { type: "button", textContent: `export .${format}`, id: `export-${format}` });
    b.addEventListener("click", () => view.send({ type: "export", format }));
    return b;
  });
  return element("div", { className: "toolbar" }, open, file, ...exports);
}

export function setup(view) {
  canvas = makeCanvas(SIZE, SIZE, "the plane: click to add points");
  plane = planeView(-6, 6, -6, 6, SIZE, SIZE);
  diagram = new NetworkDiagram();
  view.stage.append(fileTools(view), classButtons(view), element("div", { className: "row" }, diagram.element, canvas));
  choose(0);
  const act = (e) => {
    e.preventDefault();
    const [x, y] = plane.toScene(...pointer(canvas, e));
    if (e.ctrlKey || e.metaKey || e.button === 2) view.send({ type: "remove_point", x, y });
    else view.send({ type: "add_point", x, y, label: e.shiftKey ? 1 : label });
  };
  canvas.addEventListener("click", act);
  canvas.addEventListener("contextmenu", act);
}

export function key(view, e) {
  const k = Number(e.key) - 1;
  const classes = view.frame ? view.frame.classes : 2;
  if (k >= 0 && k < classes) choose(k);
}

// Playground's look: white where unsure, the class colour (at most 70 %) where sure.
function regionColour(confidence, classes) {
  return (_, i) => {
    const s = (confidence[i] / 255) * 0.7, c = CLASS_COLOURS[classes[i]];
    return [255 * (1 - s) + c[0] * s, 255 * (1 - s) + c[1] * s, 255 * (1 - s) + c[2] * s];
  };
}

// Tick labels along the left and bottom edges, every `step` units, over a wash of white.
function axes(ctx, extent) {
  const step = extent > 4 ? 2 : 1;
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = "rgba(255,255,255,0.75)";
  ctx.fillRect(0, SIZE - 14, SIZE, 14);
  ctx.fillRect(0, 0, 18, SIZE - 14);
  ctx.fillStyle = "#475467";
  for (let t = -Math.floor(extent / step) * step; t <= extent; t += step) {
    const [u, v] = plane.toCanvas(t, t);
    if (u > 22 && u < SIZE - 8) ctx.fillText(String(t), u - 3 * String(t).length, SIZE - 3);
    if (v > 8 && v < SIZE - 18) ctx.fillText(String(t), 2, v + 3);
  }
}

// A regression's value, -1 to 1: orange through white to blue (at most `most` of the colour).
function diverging(value, most) {
  const c = CLASS_COLOURS[value > 0 ? 1 : 0], s = Math.min(Math.abs(value), 1) * most;
  return [255 * (1 - s) + c[0] * s, 255 * (1 - s) + c[1] * s, 255 * (1 - s) + c[2] * s];
}

function valueColour(shade) {
  return (_, i) => diverging(shade[i] / 127.5 - 1, 0.7);
}

export function draw(view, f) {
  plane = planeView(-f.extent, f.extent, -f.extent, f.extent, SIZE, SIZE);
  swatches.forEach((s, k) => { s.hidden = k >= (f.regression ? 2 : f.classes); });   // only the classes in use (regression: -1 and 1)
  if (label >= f.classes) choose(0);
  if (f.download && f.download.id !== downloaded) {   // the answer to an export: saved once
    downloaded = f.download.id;
    download(f.download.name, f.download.text, f.download.name.endsWith(".json") ? "application/json" : "text/x-python");
  }
  const ctx = fillCanvas(canvas, SIZE, SIZE, 0.52, 7);   // beside the network diagram, 14 px apart
  diagram.draw(f.network, 0.48, 7);
  const shade = pixels(f.grid), classes = pixels(f.grid_class);
  cache = rasterCanvas(f.grid, f.regression ? valueColour(shade) : regionColour(shade, classes), cache);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(cache, 0, 0, SIZE, SIZE);
  const p = f.points;   // a column each: x, y, label, test (and a regression's value); x, y and value float32
  const x = floats(p.x), y = floats(p.y), value = p.value === undefined ? null : floats(p.value);
  for (let i = 0; i < x.length; i++) {
    const [u, v] = plane.toCanvas(x[i], y[i]);
    ctx.beginPath();
    ctx.arc(u, v, 4, 0, 2 * Math.PI);
    ctx.fillStyle = rgb(value === null ? CLASS_COLOURS[p.label[i]] : diverging(value[i], 1));
    ctx.fill();
    ctx.lineWidth = p.test[i] ? 1.5 : 1;
    ctx.strokeStyle = p.test[i] ? "#000" : "#fff";
    ctx.stroke();
  }
  axes(ctx, f.extent);
}

export function series(f) {
  return { train_loss: f.train_loss, test_loss: f.test_loss };
}
