// lsystem: a tree on (0, 0), about 1 unit tall, y up; its branches bend until the nearest tip
// reaches the target. The view spans the tree's reach, so every reachable place is on screen.

import { element, fillCanvas, floats, makeCanvas, pointer, reachCircle, view as planeView } from "../draw.js";

const W = 560, H = 400;
let canvas, status, plane = null;

export const hints = "<kbd>click</kbd> set the target · <kbd>c</kbd> clear it · pick a preset or write rules under settings";

function frameView(f) {
  const r = Math.max(f.reach, 0.5) * 1.1;
  const height = r * 1.45, width = (height * W) / H;
  return planeView(-width / 2, width / 2, -0.35 * r, height - 0.35 * r, W, H);
}

export function setup(view) {
  canvas = makeCanvas(W, H, "the tree: click to set the target");
  status = element("p", { className: "scene-status", role: "status" });
  view.stage.append(status, canvas);
  canvas.addEventListener("click", (e) => {
    if (!plane) return;
    const [x, y] = plane.toScene(...pointer(canvas, e));
    view.send({ type: "click", x, y });
  });
}

export function key(view, e) {
  if (e.key === "c") view.send({ type: "clear" });
}

export function draw(view, f) {
  plane = frameView(f);
  const ctx = fillCanvas(canvas, W, H);
  ctx.clearRect(0, 0, W, H);
  reachCircle(ctx, plane, f.reach);
  ctx.strokeStyle = "#2f6b3a";
  ctx.lineWidth = 1.4;
  ctx.lineCap = "round";
  ctx.beginPath();
  const ends = floats(f.segments);   // x0, y0, x1, y1 a segment
  for (let i = 0; i < ends.length; i += 4) {
    ctx.moveTo(...plane.toCanvas(ends[i], ends[i + 1]));
    ctx.lineTo(...plane.toCanvas(ends[i + 2], ends[i + 3]));
  }
  ctx.stroke();
  status.textContent = !f.target ? "no target: click to set one"
    : f.reachable === false ? `out of reach: no tip can get there; the nearest stretches to ${f.distance.toFixed(3)} from it, ` +
      "the tree staying a tree (stiffness)"
    : `the nearest tip is ${f.distance.toFixed(4)} from the target`;
  status.classList.toggle("status-bad", f.reachable === false);
  if (f.target) {
    const [u, v] = plane.toCanvas(f.target.x, f.target.y);
    ctx.strokeStyle = f.reachable === false ? "#b42318" : "#d43f6a";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(u - 7, v); ctx.lineTo(u + 7, v); ctx.moveTo(u, v - 7); ctx.lineTo(u, v + 7);
    ctx.stroke();
  }
  if (f.nearest) {
    const [u, v] = plane.toCanvas(f.nearest.x, f.nearest.y);
    ctx.fillStyle = "#e07b28";
    ctx.beginPath();
    ctx.arc(u, v, 4, 0, 2 * Math.PI);
    ctx.fill();
  }
}

export function series(f) {
  return { distance: f.distance };
}
