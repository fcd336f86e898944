// Controls built from a scene's settings (describe().settings): the schema picks the widget.
//
//   number or integer in [lo, hi]  a slider and a number box (a log slider if the setting says log)
//   number without both bounds     a number box
//   choice                          a select
//   boolean                         a checkbox
//   string                          a text box, or a text area with an apply button when long
//   list                            a text box of comma-separated items, e.g. 4,2
//
// A live setting is sent while the slider moves; any other is sent when let go, since
// changing it rebuilds the world. `onSet(key, value, revert)` sends the change; revert (null
// for text, which keeps what the person typed) undoes it should the scene refuse it. A refusal
// shows under its control (error()): the next replaces it, a later success clears it. Settings
// that name a file on the server (cli_only) are not in describe().settings: they get no control.

import { element, focused } from "./draw.js";

function throttle(fn, ms) {
  let last = 0, timer = null, args = null;
  return (...a) => {
    args = a;
    const wait = last + ms - performance.now();
    if (wait <= 0) { last = performance.now(); fn(...args); }
    else if (!timer) timer = setTimeout(() => { timer = null; last = performance.now(); fn(...args); }, wait);
  };
}

/** The slider's scale: its position for a value and back (log: equal ratios per notch, 1000 notches). */
function sliderScale(setting) {
  const integer = setting.type === "integer";
  if (!(setting.log && setting.min > 0)) {
    const step = integer ? 1 : (setting.max - setting.min) / 1000;
    return { min: setting.min, max: setting.max, step, toValue: Number, toPosition: (v) => v };
  }
  const ratio = Math.log(setting.max / setting.min);
  const toValue = (p) => {
    const v = setting.min * Math.exp((p / 1000) * ratio);
    return integer ? Math.round(v) : Number(v.toPrecision(3));
  };
  return { min: 0, max: 1000, step: 1, toValue, toPosition: (v) => (1000 * Math.log(v / setting.min)) / ratio };
}

function numberWidget(setting, value, send) {
  const bounded = setting.min !== null && setting.max !== null;
  const step = setting.type === "integer" ? 1 : bounded ? (setting.max - setting.min) / 1000 : "any";
  const box = element("input", { type: "number", step, value, name: setting.name });
  if (setting.min !== null) box.min = setting.min;
  if (setting.max !== null) box.max = setting.max;
  const parts = [box];
  let slider = null, scale = null;
  if (bounded) {
    scale = sliderScale(setting);
    slider = element("input", { type: "range", min: scale.min, max: scale.max, step: scale.step, name: setting.name });
    slider.value = scale.toPosition(value);
    slider.setAttribute("aria-label", setting.name);
    const now = () => scale.toValue(Number(slider.value));
    const live = throttle(() => send(now()), 50);
    slider.addEventListener("input", () => { box.value = now(); if (setting.live) live(); });
    slider.addEventListener("change", () => send(now()));
    parts.unshift(slider);
  }
  box.addEventListener("change", () => { if (slider) slider.value = scale.toPosition(Number(box.value)); send(Number(box.value)); });
  const show = (v) => { box.value = v; if (slider) slider.value = scale.toPosition(v); };
  return { parts, show };
}

function textWidget(setting, value, send) {
  if (setting.max_length > 400) {
    const area = element("textarea", { value, name: setting.name, spellcheck: false });
    const apply = element("button", { type: "button", textContent: "apply" });
    apply.addEventListener("click", () => send(area.value));
    area.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) send(area.value); });
    return { parts: [area, apply], show: (v) => { if (!focused(area)) area.value = v; }, wide: true,
      keepsText: true, point: (at) => putCaret(area, at) };
  }
  const box = element("input", { type: "text", value, name: setting.name });
  box.addEventListener("change", () => send(box.value));
  return { parts: [box], show: (v) => { box.value = v; }, keepsText: true, point: (at) => putCaret(box, at) };
}

/** Put the text cursor at line and column (1-based) of the field's text, where the mistake is. */
function putCaret(field, at) {
  const lines = field.value.split("\n").slice(0, at.line - 1);
  const offset = lines.reduce((n, line) => n + line.length + 1, 0) + at.column - 1;
  field.focus({ preventScroll: true });
  field.setSelectionRange(offset, offset);
}

/** The error box: the message's first line, then (in a <pre>, so the caret lines up) the rest. */
export function errorBox(message, className = "field-error") {
  const [headline, ...rest] = message.split("\n");
  const box = element("div", { className, role: "alert" }, element("div", { textContent: headline }));
  if (rest.length) box.append(element("pre", { textContent: rest.join("\n") }));
  return box;
}

/** Scroll a wide quoted line sideways until its caret is in view. */
export function showCaret(box) {
  const pre = box.querySelector("pre");
  if (!pre) return;
  const lines = pre.textContent.split("\n"), caret = lines.at(-1).indexOf("^");
  const longest = Math.max(...lines.map((l) => l.length));
  pre.scrollLeft = Math.max(0, caret * (pre.scrollWidth / longest) - pre.clientWidth / 2);
}

function widget(setting, value, send) {
  switch (setting.type) {
    case "number":
    case "integer":
      return numberWidget(setting, value, send);
    case "choice": {
      const select = element("select", { name: setting.name },
        ...setting.options.map((o) => element("option", { value: o, textContent: o })));
      select.value = value;
      select.addEventListener("change", () => send(select.value));
      return { parts: [select], show: (v) => { select.value = v; } };
    }
    case "boolean": {
      const box = element("input", { type: "checkbox", checked: value, name: setting.name });
      box.addEventListener("change", () => send(box.checked));
      return { parts: [box], show: (v) => { box.checked = v; } };
    }
    case "list": {
      const box = element("input", { type: "text", value: value.join(","), name: setting.name, placeholder: "e.g. 4,2" });
      const parse = () => box.value.split(",").map((s) => s.trim()).filter((s) => s !== "")
        .map((s) => (setting.item.type === "number" || setting.item.type === "integer" ? Number(s) : s));
      box.addEventListener("change", () => send(parse()));
      return { parts: [box], show: (v) => { box.value = v.join(","); } };
    }
    default:
      return textWidget(setting, value, send);
  }
}

export class Controls {
  constructor(root, settings, values, onSet) {
    this.shown = {};
    this.widgets = {};
    this.rows = {};
    this.values = { ...values };
    root.replaceChildren();
    for (const setting of settings) {
      const send = (value) => {
        const before = this.values[setting.name];
        this.values[setting.name] = value;
        onSet(setting.name, value, w.keepsText ? null : () => this.show(setting.name, before));
      };
      const w = widget(setting, values[setting.name], send);
      this.shown[setting.name] = w.show;
      this.widgets[setting.name] = w;
      const label = element("label", { textContent: setting.name, title: setting.help });
      if (setting.live) label.append(element("span", { className: "live", textContent: "live", title: "applies without a rebuild" }));
      const row = element("div", { className: "control" + (w.wide ? " wide" : "") }, label,
        element("div", { className: "inputs" }, ...w.parts), element("div", { className: "help", textContent: setting.help }));
      row.dataset.setting = setting.name;
      this.rows[setting.name] = row;
      root.append(row);
    }
  }

  /** Show `value` for setting `name` without sending it (a revert, or what the scene says now). */
  show(name, value) {
    this.values[name] = value;
    if (this.shown[name]) this.shown[name](value);
  }

  /** The scene refused setting `name`: say why under it, replacing what was said before; with
   *  `at` ({line, column}: the mistake's place in the text) put the text cursor there. */
  error(name, message, at = null) {
    const row = this.rows[name];
    if (!row) return false;
    this.clearError(name);
    const box = errorBox(message);
    row.append(box);
    showCaret(box);
    if (at && this.widgets[name].point) this.widgets[name].point(at);
    return true;
  }

  clearError(name) {
    const row = this.rows[name];
    if (row) row.querySelectorAll(".field-error").forEach((e) => e.remove());
  }
}
