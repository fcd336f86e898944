// The loss plot: a few named series against the scene's step count, on one canvas.
//
// add(step, {name: number}) appends points; add(step, {name: [numbers]}) replaces a series
// by a whole curve (a scene that keeps its own history, as gpt does). A step that goes
// back means the world was rebuilt: the plot starts again.

const COLOURS = ["#3b6fd8", "#e07b28", "#2f9e5b", "#d43f6a", "#7c4dcc"];
const MAX_POINTS = 600;

export class Plot {
  constructor(canvas) {
    this.canvas = canvas;
    this.series = new Map();
    this.lastStep = -1;
  }

  add(step, values) {
    if (step < this.lastStep) this.series.clear();
    this.lastStep = step;
    for (const [name, value] of Object.entries(values)) {
      if (Array.isArray(value)) {
        this.series.set(name, value.map((y, i) => [i, y]));
        continue;
      }
      if (typeof value !== "number" || !Number.isFinite(value)) continue;
      const points = this.series.get(name) || [];
      if (points.length && points[points.length - 1][0] === step) points.pop();
      points.push([step, value]);
      if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
      this.series.set(name, points);
    }
  }

  bounds() {
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const points of this.series.values()) {
      for (const [x, y] of points) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
    if (y0 === y1) { y0 -= 0.5; y1 += 0.5; }
    if (x0 === x1) x1 = x0 + 1;
    return { x0, x1, y0: Math.min(y0, 0 <= y0 && y0 < 0.3 * y1 ? 0 : y0), y1 };
  }

  draw() {
    const c = this.canvas, ctx = c.getContext("2d");
    const w = (c.width = c.clientWidth || 300), h = (c.height = c.clientHeight || 150);
    ctx.clearRect(0, 0, w, h);
    if (!this.series.size) return;
    const b = this.bounds(), left = 44, right = 8, top = 18, bottom = 16;
    const X = (x) => left + ((x - b.x0) / (b.x1 - b.x0)) * (w - left - right);
    const Y = (y) => top + ((b.y1 - y) / (b.y1 - b.y0)) * (h - top - bottom);
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = "#667085";
    ctx.strokeStyle = "#e4e7ec";
    for (const y of [b.y0, (b.y0 + b.y1) / 2, b.y1]) {
      ctx.beginPath(); ctx.moveTo(left, Y(y)); ctx.lineTo(w - right, Y(y)); ctx.stroke();
      ctx.fillText(y.toPrecision(3), 2, Y(y) + 4);
    }
    let i = 0, legend = left;
    for (const [name, points] of this.series) {
      const colour = COLOURS[i++ % COLOURS.length];
      ctx.strokeStyle = colour;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      points.forEach(([x, y], k) => (k ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
      ctx.stroke();
      ctx.fillStyle = colour;
      const last = points[points.length - 1][1];
      const label = `${name} ${last.toPrecision(4)}`;
      ctx.fillText(label, legend, 11);
      legend += ctx.measureText(label).width + 14;
    }
  }
}
