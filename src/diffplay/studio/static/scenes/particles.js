// particles: a room in metres (floor y = 0, walls at x = 0 and x = width, y up). Particles
// leave the launch point and Adam learns their launch velocities through the whole flight.
// Below the room, when asked for: the loss against the launch angle (red where a wall is hit).

import { makeCanvas, pointer, fillCanvas, floats, view as planeView } from "../draw.js";

const W = 600, SCAN_H = 120;
let canvas, plane = null, top = 0, lastStep = -1;

export const hints = "<kbd>click</kbd> move the target (or the shape's centre) there · " +
  "<kbd>scan</kbd> the loss against the launch angle";

/** The frame's flights, read in place from its float32 array (flights × points × 2): point j of
 *  flight i is (xy[k], xy[k + 1]), k = 2 * (i * points + j). */
function flightsOf(f) {
  const [count, points] = f.paths.shape;
  return { count, points, xy: floats(f.paths) };
}

function roomView(f, { xy }) {
  let highest = -Infinity;
  for (let k = 1; k < xy.length; k += 2) highest = Math.max(highest, xy[k]);   // every flight's y
  for (const p of [...f.targets, ...f.particles]) highest = Math.max(highest, p[1]);
  if (f.step < lastStep) top = 0;   // rebuilt: the view may shrink again
  lastStep = f.step;
  top = Math.max(top, 0.6 * f.width, highest * 1.1);   // grows with the flights, never jumps back
  const pad = 0.04 * f.width, height = top + pad;
  return planeView(-pad, f.width + pad, -pad, top, W, Math.round((W * height) / (f.width + 2 * pad)));
}

export function setup(view) {
  canvas = makeCanvas(W, 300, "the room: click to move the target");
  view.stage.append(canvas);
  canvas.addEventListener("click", (e) => {
    if (!plane) return;
    const [u, v] = pointer(canvas, e);
    if (v > plane.height) return;   // a click on the scan below the room
    const [x, y] = plane.toScene(u, v);
    view.send({ type: "click", x, y });
  });
}

function dot(ctx, [u, v], r, fill, stroke = null) {
  ctx.beginPath();
  ctx.arc(u, v, r, 0, 2 * Math.PI);
  if (fill) { ctx.fillStyle = fill; ctx.fill(); }
  if (stroke) { ctx.strokeStyle = stroke; ctx.stroke(); }
}

function drawScan(ctx, scan, y0) {
  const left = 40, right = W - 10, h = SCAN_H - 30;
  const finite = scan.losses.filter(Number.isFinite);
  const hi = Math.max(...finite), lo = Math.min(...finite);
  const X = (i) => left + (i / (scan.angles.length - 1)) * (right - left);
  const Y = (l) => y0 + 18 + (hi === lo ? h / 2 : ((hi - l) / (hi - lo)) * h);
  ctx.fillStyle = "#667085";
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillText(`loss against launch angle, 0° to 180°, at ${scan.speed.toFixed(2)} m/s (red: touches a wall)`, left, y0 + 10);
  scan.losses.forEach((l, i) => {
    if (i === 0 || !Number.isFinite(l) || !Number.isFinite(scan.losses[i - 1])) return;
    ctx.strokeStyle = scan.contact[i] ? "#b42318" : "#3b6fd8";
    ctx.beginPath();
    ctx.moveTo(X(i - 1), Y(scan.losses[i - 1]));
    ctx.lineTo(X(i), Y(l));
    ctx.stroke();
  });
}

function drawFlights(ctx, { count, points, xy }) {
  for (let i = 0; i < count; i++) {
    ctx.beginPath();
    for (let j = 0, k = 2 * i * points; j < points; j++, k += 2) {
      const [u, v] = plane.toCanvas(xy[k], xy[k + 1]);
      if (j) ctx.lineTo(u, v);
      else ctx.moveTo(u, v);
    }
    ctx.stroke();
  }
}

export function draw(view, f) {
  const flights = flightsOf(f);
  plane = roomView(f, flights);
  const roomH = Math.round(plane.toCanvas(0, -0.04 * f.width)[1]);
  plane.height = roomH;
  const ctx = fillCanvas(canvas, W, roomH + (f.scan ? SCAN_H : 0));
  ctx.clearRect(0, 0, W, roomH + SCAN_H);
  const [x0, y0] = plane.toCanvas(0, 0), [x1, y1] = plane.toCanvas(f.width, top);
  ctx.strokeStyle = "#1d2330";
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(x0, y1); ctx.lineTo(x0, y0); ctx.lineTo(x1, y0); ctx.lineTo(x1, y1);   // walls and floor
  ctx.stroke();
  ctx.lineWidth = 1;
  ctx.strokeStyle = "rgba(59,111,216,0.25)";
  drawFlights(ctx, flights);
  for (const t of f.targets) dot(ctx, plane.toCanvas(...t), 5, null, "#d43f6a");
  for (const p of f.particles) dot(ctx, plane.toCanvas(...p), 3.5, f.reached ? "#2f9e5b" : "#3b6fd8");
  dot(ctx, plane.toCanvas(...f.launch), 6, "#1d2330");
  if (f.scan) drawScan(ctx, f.scan, roomH);
}

export function series(f) {
  return { loss: f.loss };
}
