// ik: a planar arm on (0, 0), pointing up; drag the target and the hand follows it.
// The view is a square around the arm's reach, y up.

import { makeCanvas, pointer, reachCircle, fillCanvas, view as planeView } from "../draw.js";

const SIZE = 520;
let canvas, plane = null, holding = false, queued = null;

export const hints = "<kbd>drag</kbd> the target · <kbd>shift</kbd>-click put an obstacle there · " +
  "<kbd>o</kbd> remove the obstacle";

function frameView(f) {
  const r = Math.max(f.reach, 0.1) * 1.15;
  return planeView(-r, r, -r, r, SIZE, SIZE);
}

export function setup(view) {
  canvas = makeCanvas(SIZE, SIZE, "the arm: drag the target");
  view.stage.append(canvas);
  // Held to the stage: dragged past its edge, the target stays on the edge, in view, instead of
  // leaving with the pointer (the pointer is captured, so it keeps sending from anywhere).
  const at = (e) => {
    const [u, v] = pointer(canvas, e);
    return plane.toScene(Math.min(Math.max(u, 0), SIZE), Math.min(Math.max(v, 0), SIZE));
  };
  canvas.addEventListener("pointerdown", (e) => {
    if (!plane) return;
    const [x, y] = at(e);
    if (e.shiftKey) {
      view.send({ type: "obstacle", x, y, r: Math.max(view.frame.reach, 0.1) * 0.12 });
      return;
    }
    canvas.setPointerCapture(e.pointerId);
    holding = true;
    view.send({ type: "drag", x, y });
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!holding || !plane) return;
    const [x, y] = at(e);
    if (!queued) requestAnimationFrame(() => { view.send(queued); queued = null; });   // one drag event per display frame
    queued = { type: "drag", x, y };
  });
  const drop = () => { holding = false; };
  canvas.addEventListener("pointerup", drop);
  canvas.addEventListener("pointercancel", drop);
}

export function key(view, e) {
  if (e.key === "o") view.send({ type: "clear_obstacle" });
}

function disc(ctx, u, v, r, fill) {
  ctx.beginPath();
  ctx.arc(u, v, r, 0, 2 * Math.PI);
  ctx.fillStyle = fill;
  ctx.fill();
}

export function draw(view, f) {
  plane = frameView(f);
  const ctx = fillCanvas(canvas, SIZE, SIZE);
  ctx.clearRect(0, 0, SIZE, SIZE);
  reachCircle(ctx, plane, f.reach);
  if (f.obstacle) {
    const [u, v] = plane.toCanvas(f.obstacle.x, f.obstacle.y);
    disc(ctx, u, v, f.obstacle.r * plane.scale, "rgba(102,112,133,0.35)");
  }
  const points = f.joints.map((p) => plane.toCanvas(p.x, p.y));
  ctx.strokeStyle = "#3b6fd8";
  ctx.lineWidth = 7;
  ctx.lineCap = ctx.lineJoin = "round";
  ctx.beginPath();
  points.forEach(([u, v], i) => (i ? ctx.lineTo(u, v) : ctx.moveTo(u, v)));
  ctx.stroke();
  points.forEach(([u, v], i) => disc(ctx, u, v, i === 0 ? 7 : 4, i === 0 ? "#1d2330" : "#fff"));
  const [hx, hy] = points[points.length - 1];
  disc(ctx, hx, hy, 6, f.reached ? "#2f9e5b" : "#e07b28");
  const [tu, tv] = plane.toCanvas(f.target.x, f.target.y);
  ctx.strokeStyle = f.reachable ? "#d43f6a" : "#b42318";
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(tu, tv, 9, 0, 2 * Math.PI);
  ctx.moveTo(tu - 13, tv); ctx.lineTo(tu + 13, tv); ctx.moveTo(tu, tv - 13); ctx.lineTo(tu, tv + 13);
  ctx.stroke();
}

export function series(f) {
  return { distance: f.distance };
}
