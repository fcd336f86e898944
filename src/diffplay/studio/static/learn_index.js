// The learn section's contents: the chapters in order, from /api/scenes.

import { withCode } from "./chapter.js";
import { element } from "./draw.js";

async function main() {
  const scenes = await (await fetch("/api/scenes")).json();
  const chapters = scenes.filter((s) => s.section === "learn");
  document.getElementById("chapters").append(...chapters.map((c) => element("li", { className: "chapter-item" },
    element("a", { href: `/scene.html?name=${encodeURIComponent(c.name)}`, textContent: c.title.split(":")[0] }),
    element("span", { className: "muted", textContent: ` — ${c.title.split(":").slice(1).join(":").trim()}` }),
    element("p", {}, ...withCode(c.about)))));
}

main();
