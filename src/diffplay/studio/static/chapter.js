// A learn chapter's words around its live view: its few paragraphs, the part of microgpt it is
// about and the diffplay source it shows; in the studio also where it sits in the order
// (previous / next), which a notebook widget of one chapter has no use for.

import { element } from "./draw.js";

/** Text with `code` in backquotes, as DOM nodes (never as HTML: the text is data). */
export function withCode(text) {
  return text.split(/(`[^`]*`)/).filter(Boolean).map((part) =>
    part.startsWith("`") ? element("code", { textContent: part.slice(1, -1) }) : document.createTextNode(part));
}

function link(chapter, label) {
  if (!chapter) return element("span", { className: "nav-gap" });
  return element("a", { href: `/scene.html?name=${encodeURIComponent(chapter.name)}`, className: "nav", rel: label,
    textContent: label === "prev" ? `← ${chapter.number}. ${chapter.title}` : `${chapter.number}. ${chapter.title} →` });
}

function sourceBox(code) {
  return element("details", { className: "source" },
    element("summary", { textContent: `diffplay's port: ${code.where}` }),
    element("pre", { className: "mono", textContent: code.lines.join("\n") }));
}

function nav(scene, all) {
  const chapters = all.filter((s) => s.section === "learn");
  const i = chapters.findIndex((c) => c.name === scene.name);
  return element("nav", { className: "chapter-nav" }, link(chapters[i - 1], "prev"),
    element("span", { className: "muted", textContent: `chapter ${i + 1} of ${chapters.length}` }), link(chapters[i + 1], "next"));
}

/** Fill a page's parts (page.js) with the chapter's words; `all`: every scene, for previous / next. */
export function showChapter(parts, scene, all = null) {
  parts.name.textContent = `${scene.number}. ${scene.title.split(":")[0]}`;
  parts.title.textContent = scene.title.split(":").slice(1).join(":").trim();
  parts.numbersBox.hidden = true;   // a chapter shows its own numbers, in words
  parts.chapter.hidden = false;
  parts.chapter.replaceChildren(
    ...(all ? [nav(scene, all)] : []),
    ...scene.text.map((p) => element("p", {}, ...withCode(p))),
    element("p", { className: "about" }, element("b", { textContent: "In microgpt: " }), ...withCode(scene.about)),
    ...scene.code.map(sourceBox));
}
