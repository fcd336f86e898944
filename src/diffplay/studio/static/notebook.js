// A scene as a notebook widget (anywidget: JupyterLab, Notebook 7, VS Code, Colab, marimo): the
// page loop (page.js) in the widget's element, inside a shadow root of its own so that the
// studio's stylesheet and the notebook's never meet, talking to the kernel through the
// widget's messages instead of a WebSocket. The kernel's loop (diffplay/widgets/runner.py, the
// studio's worker loop in a thread) runs before any view exists, so each view asks it to start
// over ("join"): the hello, then a whole frame. A frame's blobs come as binary buffers beside
// its text; the message's `buffers` says where in the frame each one goes.

import { element } from "./draw.js";
import * as fallback from "./fallback.js";
import { Page } from "./page.js";

/** anywidget's render, by way of loader.js: `load` imports a module of the bundle, `files` is its text. */
export async function render({ model, el, load, files }) {
  const scene = model.get("described"), path = model.get("drawing");
  const drawing = path ? await load(path) : fallback;
  const shadow = el.shadowRoot || el.attachShadow({ mode: "open" });
  const root = element("div", { className: "widget", tabIndex: 0 });   // focusable: clicked, it hears the keys
  shadow.replaceChildren(element("style", { textContent: files["style.css"] }), root);
  el.classList.add("diffplay-widget");
  el.dataset.scene = scene.name;
  el.dataset.lmSuppressShortcuts = "true";   // JupyterLab: a key pressed in the widget is the scene's ...
  el.dataset.jpSuppressContextMenu = "";     // ... and so is a right click (boundary removes a point)
  let open = true;   // until the view goes: a frame drawn after that is acknowledged to no one
  // as JSON text, read by the kernel as the studio reads a WebSocket's (bounded, then parsed)
  const send = (message) => open && model.send({ text: JSON.stringify(message) });
  const page = new Page(root, { scene, drawing, transport: { send } });
  el.diffplay = page.state;   // for the browser tests, and for people poking at the console
  const onMessage = (content, buffers) => page.receive(revive(content, buffers));
  model.on("msg:custom", onMessage);
  send({ type: "join" });
  page.status("waiting for the kernel…");
  return () => {
    open = false;
    model.off("msg:custom", onMessage);
  };
}

/** The message from its text, each of its blobs' `data` the buffer that carried the bytes. */
function revive(content, buffers) {
  const message = JSON.parse(content.text);
  (message.buffers || []).forEach((path, i) => {
    const holder = path.slice(0, -1).reduce((value, key) => value[key], message.frame);
    holder[path[path.length - 1]] = buffers[i];
  });
  return message;
}
