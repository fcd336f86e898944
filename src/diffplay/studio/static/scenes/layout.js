// layout: the diagram as the server draws it (SVG, shown as an image so nothing in it can run),
// with the shapes' boxes for picking one up. Drag a shape, or a segment's end or a polygon's
// corner: it goes to the pointer (the "drag" setting: follow), or as near as the constraints
// allow (valid); let go and the diagram settles again.

import { download, element, fillCanvas, makeCanvas, pointer } from "../draw.js";

const MAX_W = 760;
let canvas, scale = 1, picture = null, lastSvg = "", lastSpec = null;
let dragging = null, handle = null, grip = [0, 0], hover = null, queued = null;   // grip: pointer minus what is held
let verdict, violations, source;

export const hints = "<kbd>drag</kbd> a shape, or a line's end or a polygon's corner · let go and it settles · " +
  "<kbd>s</kbd> shuffle (solve from a new start) · the drag setting: onto the pointer, or as near as the constraints allow · " +
  "pick an example or open a spec, edit it under settings, download the SVG or the TOML";
export const hide = ["release"];

function toDiagram(view, e) {
  const c = view.frame.canvas, [u, v] = pointer(canvas, e);
  return [c.left + u / scale, c.top + v / scale];
}

/** A shape's point (a line's end, a polygon's corner) within a few pixels: [shape, its number], or null. */
function pointAt(frame, x, y) {
  const reach = 8 / scale;
  for (const s of frame.shapes) {
    const i = s.points.findIndex(([px, py]) => Math.hypot(px - x, py - y) <= reach);
    if (i >= 0) return [s, i];
  }
  return null;
}

/** The smallest shape whose box (a few pixels wider) holds the point: inner shapes win over outer ones. */
function shapeAt(frame, x, y) {
  const pad = 5 / scale;
  let best = null, area = Infinity;
  for (const s of frame.shapes) {
    const [l, t, r, b] = s.box;
    if (x < l - pad || x > r + pad || y < t - pad || y > b + pad) continue;
    const a = (r - l + 2 * pad) * (b - t + 2 * pad);
    if (a < area) { best = s; area = a; }
  }
  return best;
}


function toolbar(view) {
  const file = element("input", { type: "file", accept: ".toml,text/plain", hidden: true });
  const open = element("button", { type: "button", textContent: "open spec…" });
  open.addEventListener("click", () => file.click());
  file.addEventListener("change", async () => {
    const f = file.files[0];
    if (f) view.send({ type: "open", name: f.name, text: await f.text() });
    file.value = "";
  });
  const svg = element("button", { type: "button", textContent: "download SVG", id: "download-svg" });
  svg.addEventListener("click", () => view.frame && download(view.frame.source.replace(/\.toml$/, "") + ".svg", view.frame.svg, "image/svg+xml"));
  const toml = element("button", { type: "button", textContent: "download TOML", id: "download-toml" });
  toml.addEventListener("click", () => view.frame && download(view.frame.source, view.frame.spec, "application/toml"));
  source = element("span", { className: "mono" });
  return element("div", { className: "toolbar" }, open, file, svg, toml, source);
}

export function setup(view) {
  canvas = makeCanvas(400, 300, "the diagram: drag a shape");
  verdict = element("p", { className: "verdict" });
  violations = element("ol", { className: "violations" });
  view.stage.append(toolbar(view), canvas, verdict, violations);
  canvas.addEventListener("pointerdown", (e) => {
    if (!view.frame) return;
    const [x, y] = toDiagram(view, e), point = pointAt(view.frame, x, y);
    const shape = point ? point[0] : shapeAt(view.frame, x, y);
    if (!shape) return;
    canvas.setPointerCapture(e.pointerId);
    dragging = shape.name;
    handle = point ? point[1] : null;
    const held = point ? shape.points[handle] : shape.center;
    grip = [x - held[0], y - held[1]];   // what is held moves with the pointer, not onto it
    view.send(dragEvent(x, y));
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!view.frame) return;
    const [x, y] = toDiagram(view, e);
    if (!dragging) {
      const point = pointAt(view.frame, x, y);
      hover = point ? point[0] : shapeAt(view.frame, x, y);
      canvas.style.cursor = point ? "crosshair" : hover ? "grab" : "default";
      return;
    }
    if (!queued) requestAnimationFrame(() => { view.send(queued); queued = null; });   // one drag event per display frame
    queued = dragEvent(x, y);
  });
  const drop = () => {
    if (!dragging) return;
    dragging = null;
    queued = null;
    view.send({ type: "release" });
  };
  canvas.addEventListener("pointerup", drop);
  canvas.addEventListener("pointercancel", drop);
}

function dragEvent(x, y) {
  const event = { type: "drag", shape: dragging, x: x - grip[0], y: y - grip[1] };
  return handle === null ? event : { ...event, handle };
}

export function key(view, e) {
  if (e.key === "s") view.send({ type: "shuffle" });
}

function showPicture(view, svg) {
  if (svg === lastSvg) return;
  lastSvg = svg;
  const image = new Image();
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  image.onload = () => {
    URL.revokeObjectURL(url);
    if (svg !== lastSvg) return;   // a newer picture is on its way
    picture = image;
    paint(view, view.frame);       // the image decodes after its frame was drawn: draw again
  };
  image.src = url;
}

function showVerdict(f) {
  const word = f.feasible ? (f.converged ? "feasible, converged" : "feasible")
    : { infeasible: "INFEASIBLE", stuck: "STUCK" }[f.status] || "NOT FEASIBLE";
  verdict.replaceChildren(element("span", { className: f.feasible ? "status-ok" : "status-bad", textContent: word }),
    ` · max residual ${f.max_residual.toPrecision(3)} (tolerance ${f.tolerance.toPrecision(3)}) · ` +
    `${f.settled ? "settled" : "solving"} · ${f.message}`);
  violations.replaceChildren(...f.violations.map((v) => element("li", {
    className: "mono", textContent: `${v.where ? v.where + ": " : ""}${v.constraint}  (off by ${v.residual.toPrecision(3)})`,
  })));
  if (f.violated > f.violations.length) violations.append(element("li", { textContent: `… and ${f.violated - f.violations.length} more` }));
}

export function draw(view, f) {
  showPicture(view, f.svg);
  paint(view, f);
  showVerdict(f);
  source.textContent = f.source;
  if (f.spec !== lastSpec) {   // a new spec (an example, a file): show it in the editor too
    lastSpec = f.spec;
    if (view.controls) view.controls.show("spec", f.spec);
  }
}

function paint(view, f) {
  scale = Math.min(1, MAX_W / f.canvas.width);
  const w = f.canvas.width * scale, h = f.canvas.height * scale;
  const ctx = fillCanvas(canvas, w, h);
  ctx.clearRect(0, 0, w, h);
  if (picture) ctx.drawImage(picture, 0, 0, w, h);
  const mark = (name, colour) => {
    const s = f.shapes.find((shape) => shape.name === name);
    if (!s) return;
    const [l, t, r, b] = s.box;
    ctx.strokeStyle = colour;
    ctx.setLineDash([5, 4]);
    ctx.strokeRect((l - f.canvas.left) * scale - 3, (t - f.canvas.top) * scale - 3, (r - l) * scale + 6, (b - t) * scale + 6);
    ctx.setLineDash([]);
  };
  if (hover && !dragging) {
    mark(hover.name, "#98a2b3");
    ctx.fillStyle = "#3b6fd8";   // the points it can also be taken by
    for (const [px, py] of hover.points) ctx.fillRect((px - f.canvas.left) * scale - 3, (py - f.canvas.top) * scale - 3, 6, 6);
  }
  if (f.dragging) mark(f.dragging, "#3b6fd8");
}

export function series(f) {
  return { max_residual: f.max_residual };
}
