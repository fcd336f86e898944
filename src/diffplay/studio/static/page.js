// One scene, live, on whichever host carries its messages: the studio's page (app.js, over a
// WebSocket), a notebook widget (notebook.js, over the widget's messages) or an exported
// replay (replay.js, from frames saved in the file). The host gives a place on the page, the
// scene's describe(), its drawing module and a transport ({send(message)}), and hands every
// message it gets to receive(), parsed, its blobs' bytes in place. This builds the rest: the
// header, the stage, the buttons, the controls (from describe()), the loss plot, the numbers
// and the hints, and runs the frame loop. "save run" and "load run" carry a whole run to a file
// and back (the scene's loop answers "save" with its record and replays a "load").
//
// The page draws the newest frame at most once per display refresh and then tells the scene's
// loop which frame it drew ({"type": "drawn"}); the loop sends a frame only when the page has
// drawn all but a couple, so a slow page gets fresher frames, never a backlog. A frame
// carries only the fields that changed; the others (listed in "same") keep the values of the
// frame before, so an unchanged field is the very same object as before (drawing code may
// skip work on it). A "hello" starts everything over (a new session, a widget shown again).
// A scene's own drawing lives in scenes/NAME.js (a learn chapter's in learn/NAME.js, and
// chapter.js adds its words around the page; studio/modules.py's drawing() finds it, and
// fallback.js draws a scene without one):
//
//   export function setup(view)          make the canvases, listen to the pointer and keys
//   export function draw(view, frame)    draw one frame
//   export function series(frame)        optional: {name: number or [numbers]} for the loss plot
//                                        (a number: this step's; [numbers]: the whole curve, steps 1..step)
//   export function baseline(frame)      optional: {label, value} or null, a level the plot marks
//   export function key(view, event)     optional: a key press the page did not use
//   export const hints = "..."           optional: what the mouse and keys do (HTML)
//   export const hide = ["release"]      optional: events not to offer as buttons
//
// view = {stage, scene, values, controls, frame, send(event) -> id, status(text)}.

import { showChapter } from "./chapter.js";
import { Controls, errorBox, showCaret } from "./controls.js";
import { download, element, fmt } from "./draw.js";
import { Plot } from "./plot.js";

const COMMON = ["set", "reset", "pause", "resume", "busy"];

export class Page {
  /** `keys`: where key presses are heard (the document, or a widget's own element);
   *  `back`: {href, text} of a link before the name; `live`: false for a recording. */
  constructor(root, { scene, drawing, transport, keys = root, back = null, chapters = null, live = true }) {
    Object.assign(this, { scene, drawing, transport, live });
    this.parts = skeleton(root, back);
    // sent: the id of the last event sent; applied: of the last one the drawn frame shows
    this.state = { frames: 0, frame: null, hello: null, errors: [], fps: 0, sent: 0, applied: 0, plot: null };
    this.latest = null;
    this.pending = null;
    this.scheduled = false;
    this.nextId = 1;
    this.settings = new Map();   // id of a "set" not yet answered -> {key, revert}: undone and explained if refused
    this.asked = new Map();      // id of a "save" not yet answered -> what to do with its record
    this.frameTimes = [];
    this.numberKeys = [];   // the frame's numbers in the order they first came, and every row's [dt, dd]
    this.numberCells = [];
    const p = this.parts;
    p.name.textContent = scene.name;
    p.title.textContent = scene.title;
    if (scene.section === "learn") showChapter(p, scene, chapters);
    this.view = { stage: p.stage, scene, values: {}, controls: null, frame: null, send: (e) => this.send(e), status: (t) => this.showError(t) };
    this.plot = this.state.plot = new Plot(p.plot, p.toggles);
    if (live) this.buildActions();
    p.actions.closest(".box").hidden = !live;
    p.hints.innerHTML = live ? `<kbd>space</kbd> pause or resume · <kbd>r</kbd> reset${drawing.hints ? " · " + drawing.hints : ""}`
      : "a recorded run: drag the slider under the scene to move through it";
    drawing.setup(this.view);
    keys.addEventListener("keydown", (e) => this.onKey(e));
  }

  /** A line in the header (the host's connection, a replay's place). */
  status(text) {
    this.parts.status.textContent = text;
  }

  /** An error not about one setting (a spec file, a message): shown a while, a quoted line with its caret lined up. */
  showError(message) {
    this.state.errors.push(message);
    const box = errorBox(message, "error");
    const errors = this.parts.errors;
    errors.prepend(box);
    showCaret(box);
    while (errors.children.length > 4) errors.lastChild.remove();
    setTimeout(() => box.remove(), 8000);
  }

  send(event) {
    const id = this.nextId++;
    this.state.sent = id;
    this.transport.send({ type: "event", id, event });
    return id;
  }

  /** Ask for the run so far as a record (scenes/record.py); `then(message)` gets {record, link}. */
  askRecord(then) {
    const id = this.nextId++;
    this.asked.set(id, then);
    this.transport.send({ type: "save", id });
  }

  /** Replace the run by a record's ({record}) or a link's ({link}), replayed by the scene's loop. */
  loadRun(source) {
    const id = this.nextId++;
    this.state.sent = id;
    this.transport.send({ type: "load", id, ...source });
  }

  /** Whether the scene's loop is still replaying a loaded run (its record would be half of it). */
  replaying() {
    const stats = this.state.stats;
    return stats !== undefined && stats.replayed !== undefined && stats.replayed < 1;
  }

  onSet(key, value, revert) {
    this.settings.set(this.send({ type: "set", key, value }), { key, revert });
  }

  /** A frame after a "set" with no error before it: the scene took it, so its old error goes. */
  settingsTaken(applied) {
    for (const [id, { key }] of this.settings) {
      if (id > applied) continue;
      this.view.controls.clearError(key);
      this.settings.delete(id);
    }
  }

  settingRefused(message) {
    const { key, revert } = this.settings.get(message.id);
    this.settings.delete(message.id);
    if (revert) revert();
    if (this.view.controls.error(key, message.message, message.at)) this.state.errors.push(message.message);
    else this.showError(message.message);
  }

  // ---- the buttons and keys every scene has ----

  togglePause() {
    this.send({ type: this.state.frame && this.state.frame.paused ? "resume" : "pause" });
  }

  buildActions() {
    const actions = this.parts.actions;
    const pause = element("button", { type: "button", className: "primary", textContent: "pause" });
    pause.dataset.action = "pause";
    pause.addEventListener("click", () => this.togglePause());
    const reset = element("button", { type: "button", textContent: "reset" });
    reset.dataset.action = "reset";
    reset.addEventListener("click", () => this.send({ type: "reset" }));
    actions.replaceChildren(pause, reset, ...this.runButtons());
    this.parts.pause = pause;
    const hidden = new Set([...COMMON, ...(this.drawing.hide || [])]);
    for (const [type, record] of Object.entries(this.scene.events.variants)) {
      if (hidden.has(type) || Object.keys(record.fields).length) continue;   // events with fields come from the pointer
      const button = element("button", { type: "button", textContent: type.replaceAll("_", " ") });
      button.dataset.event = type;
      button.addEventListener("click", () => this.send({ type }));
      actions.append(button);
    }
  }

  /** "save run" downloads the run as a record, which "load run" (or `diffplay scene NAME --load`) replays. */
  runButtons() {
    const save = element("button", { type: "button", textContent: "save run", title: "download this run: diffplay scene --load replays it" });
    save.dataset.action = "save";
    save.addEventListener("click", () => this.askRecord(({ record }) =>
      download(`${this.scene.name}-run.json`, JSON.stringify(record), "application/json")));
    const file = element("input", { type: "file", accept: ".json,application/json", hidden: true });
    const load = element("button", { type: "button", textContent: "load run", title: "replay a saved run" });
    load.dataset.action = "load";
    load.addEventListener("click", () => file.click());
    file.addEventListener("change", async () => {
      const chosen = file.files[0];
      file.value = "";
      if (!chosen) return;
      let record;
      try {
        record = JSON.parse(await chosen.text());
      } catch (e) {
        this.showError(`load run: ${chosen.name} is not JSON (${e.message})`);
        return;
      }
      this.loadRun({ record });
    });
    return [save, load, file];
  }

  onKey(event) {
    const target = event.composedPath()[0];
    if (!this.live || (target.closest && target.closest("input, textarea, select")) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === " ") {
      this.togglePause();
    } else if (event.key === "r") {
      this.send({ type: "reset" });
    } else if (this.drawing.key) {
      this.drawing.key(this.view, event);
      return;
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();   // a notebook's own shortcuts (space, r) stay out of it
  }

  // ---- messages ----

  receive(message) {
    if (message.type === "frame") {
      // a view that joins a widget's loop hears the frames meant for the views before it, until its hello
      if (!this.latest && (message.same.length || !this.state.hello)) return;
      const frame = this.merged(message);
      this.latest = frame;
      if (this.settings.size) this.settingsTaken(message.events);
      this.plot.add(frame.step, this.seriesOf(frame));   // every frame's numbers, drawn or not
      this.pending = { ...message, frame };   // a newer frame replaces one not yet drawn (the message stays as it came: a replay feeds it again)
      if (!this.scheduled) { this.scheduled = true; requestAnimationFrame(() => this.render()); }
    } else if (message.type === "hello") {
      this.start(message);
    } else if (message.type === "values") {
      Object.assign(this.view.values, message.values);
      for (const [key, value] of Object.entries(message.values)) this.view.controls.show(key, value);
    } else if (message.type === "record") {
      const then = this.asked.get(message.id);
      this.asked.delete(message.id);
      if (then) then(message);
    } else if (message.type === "error") {
      this.asked.delete(message.id);
      if (this.settings.has(message.id)) this.settingRefused(message);
      else this.showError(message.message);
    }
  }

  /** The whole frame: the message's fields, and the `same` ones from the frame before (the very
   *  same objects), in the order the frame before had them, so the numbers keep their places. */
  merged(message) {
    const fields = message.frame, same = new Set(message.same), frame = {};
    for (const key of Object.keys(this.latest || {})) {
      if (key in fields) frame[key] = fields[key];
      else if (same.has(key)) frame[key] = this.latest[key];
    }
    return Object.assign(frame, fields);   // fields new since then go last
  }

  /** A new session (or the same one, started over): controls from its settings, a fresh plot. */
  start(hello) {
    this.state.hello = hello;
    this.latest = null;   // the next frame is whole
    this.pending = null;
    this.settings.clear();
    this.plot.clear();
    this.view.values = { ...hello.values };
    this.view.controls = new Controls(this.parts.controls, hello.scene.settings, hello.values, (k, v, r) => this.onSet(k, v, r));
    this.parts.controls.inert = !this.live;
  }

  seriesOf(frame) {
    if (this.drawing.series) return this.drawing.series(frame);
    return Object.fromEntries(Object.entries(frame).filter(([k, v]) => /loss/.test(k) && typeof v === "number"));
  }

  showNumbers(frame, stats) {
    const rows = [["step", frame.step], ...(this.live ? [["frames/s", this.state.fps.toFixed(0)]] : []),
      ["step ms", stats.step_ms], ["frame ms", stats.frame_ms]];
    for (const [k, v] of Object.entries(frame)) {   // a number's row comes when it first does, and never moves
      const shown = !["scene", "step", "paused"].includes(k) && (v === null || ["number", "boolean"].includes(typeof v));
      if (shown && !this.numberKeys.includes(k)) this.numberKeys.push(k);
    }
    for (const k of this.numberKeys) rows.push([k, frame[k] ?? null]);
    if (this.numberCells.length !== rows.length) {   // new rows: build them; else only the text that changed, so the page's layout stays put
      this.numberCells = rows.map(([k]) => [element("dt", { textContent: k }), element("dd")]);
      this.parts.numbers.replaceChildren(...this.numberCells.flat());
    }
    rows.forEach(([, v], i) => {
      const cell = this.numberCells[i][1], text = fmt(v);
      if (cell.textContent !== text) cell.textContent = text;
    });
  }

  countFrame() {
    const now = performance.now(), times = this.frameTimes;
    times.push(now);
    while (times.length && times[0] < now - 1000) times.shift();
    this.state.fps = times.length;
  }

  render() {
    this.scheduled = false;
    const message = this.pending;
    this.pending = null;
    if (!message) return;
    const frame = message.frame, state = this.state;
    this.view.frame = state.frame = frame;
    state.applied = message.events;
    state.stats = message.stats;
    this.countFrame();
    // the plot first: it reads its size, which is free before this frame changes the page (after, it costs a layout)
    this.plot.baseline = this.drawing.baseline ? this.drawing.baseline(frame) : null;
    this.parts.plotBox.hidden = this.plot.series.size === 0;
    if (this.plot.series.size) this.plot.draw();
    try {
      this.drawing.draw(this.view, frame);
    } catch (e) {
      this.showError(`drawing failed: ${e.message}`);
    }
    this.showNumbers(frame, message.stats);
    if (this.parts.pause) this.parts.pause.textContent = frame.paused ? "resume" : "pause";
    const replayed = this.replaying() ? `replaying the run: ${Math.floor(message.stats.replayed * 100)}% · ` : "";
    const lighter = message.stats.lighter ? `busy studio: ${message.stats.lighter} · ` : "";
    if (this.live) this.status(`${replayed}${lighter}${frame.paused ? "paused · " : ""}step ${frame.step} · ${state.fps} frames/s`);
    state.frames++;
    this.transport.send({ type: "drawn", frame: message.id });
  }
}

/** The page's parts, made inside root: {name, title, status, chapter, stage, actions, errors, plot, ...}. */
function skeleton(root, back) {
  const p = {};
  const part = (name, tag, props = {}, ...children) => (p[name] = element(tag, props, ...children));
  const box = (title, ...children) => element("div", { className: "box" }, element("h3", { textContent: title }), ...children);
  root.classList.add("diffplay");
  root.replaceChildren(
    element("header", {},
      back ? part("back", "a", { href: back.href, className: "back", textContent: back.text }) : "",
      part("name", "h1", { textContent: "…" }), part("title", "span", { className: "subtitle" }),
      part("status", "span", { className: "right status", textContent: "connecting…" })),
    element("main", { className: "scene" },
      element("div", { className: "column" },
        part("chapter", "section", { className: "chapter box", hidden: true }),
        part("stage", "section", { className: "stage", ariaLabel: "scene" })),
      element("aside", { className: "panel" },
        element("div", { className: "box" }, part("actions", "div", { className: "actions" })),
        box("how to play", part("hints", "p", { className: "hints" })),
        part("errors", "div", { className: "errors", ariaLive: "polite" }),
        part("plotBox", "div", { className: "box plot-box" },
          element("div", { className: "plot-head" }, element("h3", { textContent: "loss" }), part("toggles", "span", { className: "toggles" })),
          part("plot", "canvas", { className: "plot", ariaLabel: "loss against step" })),
        part("numbersBox", "div", { className: "box" }, element("h3", { textContent: "now" }), part("numbers", "dl", { className: "numbers" })),
        box("settings", part("controls", "div", { className: "controls" })))));
  return p;
}
