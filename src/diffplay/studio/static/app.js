// The studio's host of a scene (scene.html?name=NAME): the page loop (page.js) over the
// scene's WebSocket to this server, which reconnects when it drops (a new session, a new hello).

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

function connect(page, name) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = studio.socket = new WebSocket(`${scheme}://${location.host}/ws/${encodeURIComponent(name)}`);
  socket.addEventListener("message", (event) => page.receive(JSON.parse(event.data)));
  socket.addEventListener("open", () => page.status("connected"));
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
}

main();
