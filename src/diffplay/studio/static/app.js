// The studio's host of a scene (scene.html?name=NAME): the page loop (page.js) over the
// scene's WebSocket to this server, which reconnects when it drops (a new session, a new hello).
// The address carries the run: every LINK_MS, when the run has moved, its link (scenes/record.py)
// goes into it as #run=…, and a page opened at such an address (a reload, a shared link, a
// reconnect) has the run replayed, the same bit for bit.

import * as fallback from "./fallback.js";
import { element } from "./draw.js";
import { Page } from "./page.js";

export let studio = null;   // the page's state, also as window.studio: for people poking at the console and for the browser tests

async function loadDrawing(scene) {
  if (!scene.drawing) return fallback;   // scenes/NAME.js or learn/NAME.js, if it has one (/api/scenes says)
  try {
    return await import(`./${scene.drawing}`);
  } catch (e) {
    console.info(`${scene.drawing} did not load; showing the frame as text`, e);
    return fallback;
  }
}

const LINK_MS = 2000;

function runInAddress() {
  const hash = location.hash;
  return hash.startsWith("#run=") ? hash.slice(5) : "";
}

/** Keep the address's #run= up to date while the run moves (not while a loaded one is still coming back). */
function keepLink(page) {
  let linked = "";
  setInterval(() => {
    const frame = page.state.frame, socket = studio.socket;
    if (!frame || page.replaying() || !socket || socket.readyState !== WebSocket.OPEN) return;
    const now = `${frame.step}:${page.state.applied}:${frame.paused}`;
    if (now === linked) return;
    linked = now;
    page.askRecord(({ link }) => {
      if (link && link !== runInAddress()) history.replaceState(null, "", `${location.pathname}${location.search}#run=${link}`);
    });
  }, LINK_MS);
}

function connect(page, name) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = studio.socket = new WebSocket(`${scheme}://${location.host}/ws/${encodeURIComponent(name)}`);
  socket.addEventListener("message", (event) => page.receive(JSON.parse(event.data)));
  socket.addEventListener("open", () => {
    page.status("connected");
    if (runInAddress()) page.loadRun({ link: runInAddress() });   // a fresh session: bring the address's run back
  });
  socket.addEventListener("close", (e) => {
    if (e.code === 1008) { page.status("refused"); return; }   // the server said why, in an error
    page.status("disconnected; reconnecting…");
    setTimeout(() => connect(page, name), 1000);
  });
}

/** Messages to the page's current socket, while it is open (the loop resends what matters on reconnecting). */
function transport() {
  return { send: (message) => { if (studio.socket && studio.socket.readyState === WebSocket.OPEN) studio.socket.send(JSON.stringify(message)); } };
}

async function main() {
  const root = document.getElementById("page");
  const name = new URLSearchParams(location.search).get("name") || "";
  const scenes = await (await fetch("/api/scenes")).json();
  const scene = scenes.find((s) => s.name === name);
  if (!scene) {
    root.replaceChildren(element("header", {}, element("h1", { textContent: "no such scene" }),
      element("span", { className: "subtitle" }, "see the ", element("a", { href: "/", textContent: "gallery" }))));
    return;
  }
  document.title = `${scene.name} · diffplay studio`;
  const learn = scene.section === "learn";
  const page = new Page(root, {
    scene, drawing: await loadDrawing(scene), transport: transport(), keys: document, chapters: learn ? scenes : null,
    back: learn ? { href: "/learn.html", text: "← learn" } : { href: "/", text: "← gallery" },
  });
  studio = window.studio = Object.assign(page.state, { socket: null });
  connect(page, scene.name);
  keepLink(page);
}

main();
