// A computation graph you can zoom and pan: the boxes and wires Python laid out
// (scenes/parts/graph_view.py), drawn on a canvas that fills its container, sharp on any screen.
//
//   const graph = new GraphView(parent, {expand(name), collapse(name), focus(node)});
//   graph.show(fields)   // the frame's boxes, wires, bounds, groups, grads, done, chain
//
// Fit on load, zoom with the wheel, a pinch or the buttons, pan by dragging; "fit" and
// "find output" buttons. The view follows the step being explained (chain.box): when it is
// off screen the camera glides to it. A click on a group opens it; on a node, explains it.
// Hovering a box shows its exact numbers. Used by the graph scene and the learn chapters.

import { element } from "./draw.js";
import { paint, prepare, wiresOf, number } from "./graph_paint.js";
import { StepPanel } from "./graph_step.js";

const FIT_MOST = 1.25, OPEN_LEAST = 0.35, SCALE_LEAST = 1e-4, SCALE_MOST = 4, MARGIN = 28, GLIDE_MS = 280, DRAG_PX = 4;

export class GraphView {
  constructor(parent, actions) {
    this.actions = actions;
    this.fields = null;
    this.camera = null;          // screen = layout × s + (x, y), in CSS pixels
    this.hover = null;
    this.asked = null;           // the group the person just opened or shut: the next layout frames it
    this.stats = { draws: 0, drawMs: [], at: [] };   // for benchmarks/graph_view.py: the last 600 draws
    this.buildDom(parent);
    this.listen();
    new ResizeObserver(() => this.resize()).observe(this.area);
  }

  buildDom(parent) {
    const button = (text, title, fn) => {
      const b = element("button", { type: "button", textContent: text, title });
      b.addEventListener("click", fn);
      return b;
    };
    this.chips = element("span", { className: "chips" });
    const tools = element("div", { className: "toolbar graph-tools" },
      button("−", "zoom out (-)", () => this.zoomBy(1 / 1.25)), button("+", "zoom in (+)", () => this.zoomBy(1.25)),
      button("fit", "the whole graph (0)", () => this.fit()), button("find output", "the output, where backward starts (o)", () => this.findOutput()),
      this.chips);
    this.canvas = element("canvas");
    this.canvas.setAttribute("aria-label", "the computation graph: drag to pan, wheel to zoom, click a group to open it");
    this.tip = element("div", { className: "graph-tip", hidden: true });
    this.area = element("div", { className: "graph-area" }, this.canvas, this.tip);
    this.panel = new StepPanel(this.area);
    this.root = element("div", { className: "graph-view" }, tools, this.area);
    parent.append(this.root);
  }

  // ---- what to show ----

  show(fields) {
    const before = this.fields;
    this.fields = fields;
    if (!before || fields.boxes !== before.boxes) this.relaid(before);
    else if (fields.chain.box !== before.chain.box) this.follow(fields.chain.box);
    if (!before || fields.chain !== before.chain || fields.boxes !== before.boxes) this.focused = wiresOf(fields, fields.chain.box);
    this.panel.show(fields.chain, fields.bounds.root);
    this.request();
  }

  relaid(before) {
    this.prepared = prepare(this.fields);
    this.hover = null;   // what was under the pointer has moved
    this.tip.hidden = true;
    this.showChips();
    if (!this.camera || !before) return this.fit();
    const asked = this.asked;
    this.asked = null;
    if (!asked) return this.fit();   // a new graph
    const boxes = this.fields.boxes.filter((b) => b.group === asked);
    this.frameBoxes(boxes, OPEN_LEAST);
  }

  showChips() {
    const open = this.fields.groups.filter((g) => g.expanded);
    this.chips.replaceChildren(...open.map((g) => {
      const chip = element("button", { type: "button", className: "chip", textContent: `${g.name} ✕`, title: `shut ${g.name} into one box` });
      chip.style.borderColor = `hsl(${g.hue},40%,45%)`;
      chip.addEventListener("click", () => { this.asked = g.name; this.actions.collapse(g.name); });
      return chip;
    }));
  }

  // ---- the camera ----

  size() {
    return { w: this.area.clientWidth, h: this.area.clientHeight };
  }

  resize() {
    const { w, h } = this.size(), ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(w * ratio);
    this.canvas.height = Math.round(h * ratio);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    if (this.fields && !this.camera) this.fit();
    this.request();
  }

  /** The camera that shows layout rectangle r whole, centred, at most at scale `most`. */
  framing(r, most, least = SCALE_LEAST) {
    const { w, h } = this.size();
    const s = Math.max(least, Math.min(most, (w - 2 * MARGIN) / r.w, (h - 2 * MARGIN) / r.h));
    return { s, x: w / 2 - (r.x + r.w / 2) * s, y: h / 2 - (r.y + r.h / 2) * s };
  }

  fit() {
    const b = this.fields.bounds;
    this.glide(this.framing({ x: 0, y: 0, w: b.width, h: b.height }, FIT_MOST), !this.camera);
  }

  findOutput() {
    const b = this.fields.boxes[this.fields.bounds.root];
    this.glide(this.framing({ x: b.x - 40, y: b.y - 80, w: b.w + 80, h: b.h + 120 }, 1, 1));
  }

  frameBoxes(boxes, least) {
    if (!boxes.length) return this.fit();
    const x = Math.min(...boxes.map((b) => b.x)), y = Math.min(...boxes.map((b) => b.y));
    const r = { x, y, w: Math.max(...boxes.map((b) => b.x + b.w)) - x, h: Math.max(...boxes.map((b) => b.y + b.h)) - y };
    this.glide(this.framing(r, 1, least));
  }

  /** When box k is not wholly on screen, glide (same zoom) until it is in the middle. */
  follow(k) {
    const r = this.screenRect(k), { w, h } = this.size();
    if (!r || (r.left >= MARGIN && r.top >= MARGIN && r.right <= w - MARGIN && r.bottom <= h - MARGIN)) return;
    const b = this.fields.boxes[k], s = this.camera.s;
    this.glide({ s, x: w / 2 - (b.x + b.w / 2) * s, y: h / 2 - (b.y + b.h / 2) * s });
  }

  zoomBy(k, at = null) {
    const { w, h } = this.size(), [px, py] = at || [w / 2, h / 2], c = this.target || this.camera;
    const s = Math.max(SCALE_LEAST, Math.min(SCALE_MOST, c.s * k));
    this.jump({ s, x: px - (px - c.x) * (s / c.s), y: py - (py - c.y) * (s / c.s) });
  }

  pan(dx, dy) {
    const c = this.target || this.camera;
    this.jump({ s: c.s, x: c.x + dx, y: c.y + dy });
  }

  jump(camera) {
    this.target = null;
    this.camera = camera;
    this.request();
  }

  glide(to, now = false) {
    if (now || !this.camera) return this.jump(to);
    this.from = { ...this.camera, t: performance.now() };
    this.target = to;
    this.request();
  }

  stepGlide(now) {
    if (!this.target) return;
    const t = Math.min(1, (now - this.from.t) / GLIDE_MS), e = 1 - (1 - t) ** 3;
    const mix = (a, b) => a + (b - a) * e;
    this.camera = { s: mix(this.from.s, this.target.s), x: mix(this.from.x, this.target.x), y: mix(this.from.y, this.target.y) };
    if (t === 1) this.target = null;
    else this.request();
  }

  screenRect(k) {
    const b = this.fields && this.fields.boxes[k], c = this.camera;
    if (!b || !c) return null;
    return { left: b.x * c.s + c.x, top: b.y * c.s + c.y, right: (b.x + b.w) * c.s + c.x, bottom: (b.y + b.h) * c.s + c.y };
  }

  /** The box under a screen point, or null. */
  boxAt(px, py) {
    const c = this.camera, x = (px - c.x) / c.s, y = (py - c.y) / c.s, boxes = this.fields.boxes;
    for (let k = boxes.length - 1; k >= 0; k--) {
      const b = boxes[k];
      if (x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h) return k;
    }
    return null;
  }

  // ---- drawing ----

  request() {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame((now) => { this.pending = false; this.draw(now); });
  }

  draw(now) {
    if (!this.fields || !this.camera || !this.canvas.width) return;
    const began = performance.now();
    this.stepGlide(now);
    const ctx = this.canvas.getContext("2d"), ratio = window.devicePixelRatio || 1, c = this.camera, { w, h } = this.size();
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.setTransform(ratio * c.s, 0, 0, ratio * c.s, ratio * c.x, ratio * c.y);
    const seen = { left: -c.x / c.s, top: -c.y / c.s, right: (w - c.x) / c.s, bottom: (h - c.y) / c.s };
    paint(ctx, this.fields, this.prepared, c.s, seen, { focus: this.fields.chain.box, hover: this.hover, focused: this.focused });
    const r = this.screenRect(this.fields.chain.box);
    this.panel.place(r, w, h);
    this.stats.draws++;
    this.stats.drawMs.push(performance.now() - began);
    this.stats.at.push(began);
    if (this.stats.at.length > 600) { this.stats.drawMs.shift(); this.stats.at.shift(); }
  }

  // ---- the pointer ----

  listen() {
    const pointers = new Map();
    let pressed = null;   // where the one pointer went down, and whether it has dragged since
    const local = (e) => { const r = this.canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    this.canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      const lines = e.deltaMode === 1 ? 16 : 1;
      this.zoomBy(Math.exp(-e.deltaY * lines * (e.ctrlKey ? 0.01 : 0.0015)), local(e));
    }, { passive: false });
    this.canvas.addEventListener("pointerdown", (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      pointers.set(e.pointerId, local(e));
      pressed = pointers.size === 1 ? { at: local(e), dragged: false } : null;
    });
    this.canvas.addEventListener("pointermove", (e) => {
      const at = local(e);
      if (!pointers.has(e.pointerId)) return this.hovering(at);
      const before = pointers.get(e.pointerId);
      pointers.set(e.pointerId, at);
      if (pointers.size === 2) return this.pinch(pointers, e.pointerId, before);
      if (pressed && Math.hypot(at[0] - pressed.at[0], at[1] - pressed.at[1]) > DRAG_PX) pressed.dragged = true;
      if (pressed && pressed.dragged) this.pan(at[0] - before[0], at[1] - before[1]);
    });
    const up = (e) => {
      pointers.delete(e.pointerId);
      if (pressed && !pressed.dragged && e.type === "pointerup") this.click(local(e));
      pressed = null;
    };
    this.canvas.addEventListener("pointerup", up);
    this.canvas.addEventListener("pointercancel", up);
    this.canvas.addEventListener("pointerleave", () => { this.hover = null; this.tip.hidden = true; this.request(); });
  }

  pinch(pointers, moved, before) {
    const [a, b] = [...pointers.values()], other = [...pointers.entries()].find(([id]) => id !== moved)[1];
    const was = Math.hypot(before[0] - other[0], before[1] - other[1]), now = Math.hypot(a[0] - b[0], a[1] - b[1]);
    if (was > 0) this.zoomBy(now / was, [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2]);
  }

  click(at) {
    const k = this.boxAt(...at);
    if (k === null) return;
    const box = this.fields.boxes[k];
    if (box.kind === "group") {
      this.asked = box.group;
      this.actions.expand(box.group);
    } else {
      this.actions.focus(box.node);
    }
  }

  hovering(at) {
    const k = this.fields && this.camera ? this.boxAt(...at) : null;
    if (k !== this.hover) { this.hover = k; this.request(); }
    this.canvas.style.cursor = k === null ? "grab" : "pointer";
    if (k === null) { this.tip.hidden = true; return; }
    this.tip.hidden = false;
    this.tip.replaceChildren(...tipLines(this.fields, k).map((t) => element("div", { textContent: t })));
    const { w } = this.size();
    this.tip.style.transform = `translate(${Math.min(at[0] + 14, w - this.tip.offsetWidth - 4)}px, ${at[1] + 16}px)`;
  }
}

/** The exact numbers of box k, for the hover tip. */
function tipLines(fields, k) {
  const b = fields.boxes[k], done = fields.done[k];
  if (b.kind === "group") return [b.title, b.sub, `${done} of ${b.nodes} done`, "click to open"];
  const grad = fields.grads[k];
  return [b.title + (b.group ? ` · ${b.group}` : ""), `data = ${b.data}`, `grad = ${grad === null ? "not finite" : grad}`,
    done ? "has passed its gradient on · click to explain" : `waiting for its turn (grad so far ${number(grad)}) · click to explain`];
}
