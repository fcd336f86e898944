// One scene, live: its controls (from describe()), its WebSocket, and the frame loop.
//
// The page draws the newest frame at most once per display refresh and then tells the server
// which frame it drew ({"type": "drawn"}); the server sends a frame only when the page has
// drawn all but a couple, so a slow page gets fresher frames, never a backlog. A frame
// carries only the fields that changed; the others (listed in "same") keep the values of the
// frame before, so an unchanged field is the very same object as before (drawing code may
// skip work on it). A scene's own drawing lives in /scenes/NAME.js (a learn chapter's in
// /learn/NAME.js, and chapter.js adds its words around the page):
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

import { Controls } from "./controls.js";
import { element, fmt } from "./draw.js";
import { Plot } from "./plot.js";
import { showChapter } from "./chapter.js";
import * as fallback from "./fallback.js";

const COMMON = ["set", "reset", "pause", "resume"];
const $ = (id) => document.getElementById(id);

// sent: the id of the last event sent; applied: of the last one the drawn frame shows
export const studio = { frames: 0, frame: null, hello: null, errors: [], socket: null, fps: 0, sent: 0, applied: 0, plot: null };
window.studio = studio;   // for people poking at the console, and for the browser tests

let view, drawing, plot, socket, latest = null, pending = null, scheduled = false, nextId = 1;
const settings = new Map();   // id of a "set" not yet answered -> {key, revert}: undone and explained if refused
const frameTimes = [];

function showError(message) {
  studio.errors.push(message);
  const box = element("div", { className: "error", textContent: message });
  $("errors").prepend(box);
  while ($("errors").children.length > 4) $("errors").lastChild.remove();
  setTimeout(() => box.remove(), 8000);
}

function send(event) {
  const id = nextId++;
  studio.sent = id;
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "event", id, event }));
  return id;
}

function onSet(key, value, revert) {
  settings.set(send({ type: "set", key, value }), { key, revert });
}

/** A frame after a "set" with no error before it: the scene took it, so its old error goes. */
function settingsTaken(applied) {
  for (const [id, { key }] of settings) {
    if (id > applied) continue;
    view.controls.clearError(key);
    settings.delete(id);
  }
}

function settingRefused(message) {
  const { key, revert } = settings.get(message.id);
  settings.delete(message.id);
  if (revert) revert();
  if (view.controls.error(key, message.message, message.at)) studio.errors.push(message.message);
  else showError(message.message);
}

// ---- the buttons and keys every scene has ----

function buildActions(scene) {
  const actions = $("actions");
  actions.replaceChildren();
  const pause = element("button", { type: "button", className: "primary", id: "pause", textContent: "pause" });
  pause.addEventListener("click", () => send({ type: studio.frame && studio.frame.paused ? "resume" : "pause" }));
  const reset = element("button", { type: "button", id: "reset", textContent: "reset" });
  reset.addEventListener("click", () => send({ type: "reset" }));
  actions.append(pause, reset);
  const hidden = new Set([...COMMON, ...(drawing.hide || [])]);
  for (const [type, record] of Object.entries(scene.events.variants)) {
    if (hidden.has(type) || Object.keys(record.fields).length) continue;   // events with fields come from the pointer
    const button = element("button", { type: "button", textContent: type.replaceAll("_", " ") });
    button.dataset.event = type;
    button.addEventListener("click", () => send({ type }));
    actions.append(button);
  }
}

function onKey(event) {
  if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === " ") {
    send({ type: studio.frame && studio.frame.paused ? "resume" : "pause" });
  } else if (event.key === "r") {
    send({ type: "reset" });
  } else if (drawing.key) {
    drawing.key(view, event);
    return;
  } else {
    return;
  }
  event.preventDefault();
}

// ---- frames ----

function seriesOf(frame) {
  if (drawing.series) return drawing.series(frame);
  return Object.fromEntries(Object.entries(frame).filter(([k, v]) => /loss/.test(k) && typeof v === "number"));
}

const numberKeys = [];   // the NOW rows in the order they first came: a row never moves

function showNumbers(frame, stats) {
  const rows = [["step", frame.step], ["frames/s", studio.fps.toFixed(0)], ["step ms", stats.step_ms], ["frame ms", stats.frame_ms]];
  for (const [k, v] of Object.entries(frame)) {
    const shown = !["scene", "step", "paused"].includes(k) && (v === null || ["number", "boolean"].includes(typeof v));
    if (shown && !numberKeys.includes(k)) numberKeys.push(k);
  }
  for (const k of numberKeys) rows.push([k, frame[k] ?? null]);
  $("numbers").replaceChildren(...rows.flatMap(([k, v]) => [element("dt", { textContent: k }), element("dd", { textContent: fmt(v) })]));
}

function render() {
  scheduled = false;
  const message = pending;
  pending = null;
  if (!message) return;
  const frame = message.frame;
  view.frame = studio.frame = frame;
  studio.applied = message.events;
  const now = performance.now();
  frameTimes.push(now);
  while (frameTimes.length && frameTimes[0] < now - 1000) frameTimes.shift();
  studio.fps = frameTimes.length;
  try {
    drawing.draw(view, frame);
  } catch (e) {
    showError(`drawing failed: ${e.message}`);
  }
  plot.add(frame.step, seriesOf(frame));
  plot.baseline = drawing.baseline ? drawing.baseline(frame) : null;
  plot.draw();
  $("plot-box").hidden = plot.series.size === 0;
  showNumbers(frame, message.stats);
  $("pause").textContent = frame.paused ? "resume" : "pause";
  $("status").textContent = `${frame.paused ? "paused · " : ""}step ${frame.step} · ${studio.fps} frames/s`;
  studio.frames++;
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "drawn", frame: message.id }));
}

function onMessage(event) {
  const message = JSON.parse(event.data);
  if (message.type === "frame") {
    const frame = message.frame;
    for (const key of message.same) frame[key] = latest[key];   // unchanged since the frame before
    latest = frame;
    if (settings.size) settingsTaken(message.events);
    pending = message;   // a newer frame replaces one not yet drawn
    if (!scheduled) { scheduled = true; requestAnimationFrame(render); }
  } else if (message.type === "hello") {
    studio.hello = message;
    view.values = message.values;
    view.controls = new Controls($("controls"), message.scene.settings, message.values, onSet);
  } else if (message.type === "error") {
    if (settings.has(message.id)) settingRefused(message);
    else showError(message.message);
  }
}

function connect(name) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = studio.socket = new WebSocket(`${scheme}://${location.host}/ws/${encodeURIComponent(name)}`);
  latest = null;   // a new session starts with a whole frame
  socket.addEventListener("message", onMessage);
  socket.addEventListener("open", () => { $("status").textContent = "connected"; });
  socket.addEventListener("close", (e) => {
    if (e.code === 1008) { $("status").textContent = "refused"; return; }   // the server said why, in an error
    $("status").textContent = "disconnected; reconnecting…";
    setTimeout(() => connect(name), 1000);
  });
}

// ---- start ----

async function loadDrawing(scene) {
  try {
    return await import(`./${scene.section}/${scene.name}.js`);   // scenes/NAME.js or learn/NAME.js
  } catch (e) {
    console.info(`no drawing module for ${name}; showing the frame as text`, e);
    return fallback;
  }
}

async function main() {
  const name = new URLSearchParams(location.search).get("name") || "";
  const scenes = await (await fetch("/api/scenes")).json();
  const scene = scenes.find((s) => s.name === name);
  if (!scene) {
    $("name").textContent = "no such scene";
    $("title").replaceChildren("see the ", element("a", { href: "/", textContent: "gallery" }));
    return;
  }
  document.title = `${scene.name} · diffplay studio`;
  $("name").textContent = scene.name;
  $("title").textContent = scene.title;
  drawing = await loadDrawing(scene);
  if (scene.section === "learn") showChapter(scene, scenes);
  view = { stage: $("stage"), scene, values: {}, controls: null, frame: null, send, status: showError };
  plot = studio.plot = new Plot($("plot"), $("plot-toggles"));
  buildActions(scene);
  $("hints").innerHTML = `<kbd>space</kbd> pause or resume · <kbd>r</kbd> reset${drawing.hints ? " · " + drawing.hints : ""}`;
  drawing.setup(view);
  document.addEventListener("keydown", onKey);
  connect(scene.name);
}

main();
