// Chapter 1: the documents, the vocabulary with its ids, and a name as token ids with BOS.

import { element, focused } from "../draw.js";

let facts, typed, tokens, pairs, vocabulary, documents, note;

export const hints = "type a name in the box: its token ids and training pairs appear";

function fact(id, label) {
  return element("div", { className: "fact" }, element("b", { id }), element("span", { textContent: label }));
}

function token(text, id) {
  return element("span", { className: `token${text === "BOS" ? " bos" : ""}` },
    element("b", { textContent: text }), element("span", { textContent: String(id) }));
}

export function setup(view) {
  facts = element("div", { className: "facts" }, fact("documents", "documents"), fact("vocab-size", "tokens in the vocabulary (V)"),
    fact("bos", "the id of BOS"), fact("uniform-loss", "loss of a model that knows nothing: ln V"));
  typed = element("input", { type: "text", maxLength: 15, id: "typed-name", placeholder: "a name", "aria-label": "a name" });
  typed.addEventListener("input", () => view.send({ type: "set", key: "name", value: typed.value }));
  tokens = element("div", { className: "tokens", id: "name-tokens" });
  pairs = element("div", { className: "tokens", id: "pairs" });
  note = element("p", { className: "muted" });
  vocabulary = element("div", { className: "tokens", id: "vocabulary" });
  documents = element("p", { className: "mono", id: "first-documents" });
  view.stage.append(facts,
    element("h3", { textContent: "a name as tokens" }), element("label", {}, "name ", typed), tokens, note,
    element("h3", { textContent: "what the model learns from it: input → target" }), pairs,
    element("h3", { textContent: "the vocabulary: each character and its id" }), vocabulary,
    element("h3", { textContent: "the first documents after the shuffle" }), documents);
}

export function draw(view, f) {
  facts.querySelector("#documents").textContent = f.documents.toLocaleString("en");
  facts.querySelector("#vocab-size").textContent = f.vocab_size;
  facts.querySelector("#bos").textContent = f.bos;
  facts.querySelector("#uniform-loss").textContent = f.uniform_loss.toFixed(4);
  if (!focused(typed)) typed.value = f.name;
  tokens.replaceChildren(...f.tokens.map((t) => token(t.text, t.id)));
  note.textContent = f.unknown || "";
  pairs.replaceChildren(...f.pairs.map((p) => element("span", { className: "token" },
    element("b", { textContent: `${p.input} → ${p.target}` }))));
  if (vocabulary.childElementCount !== f.vocabulary.length + 1) {
    vocabulary.replaceChildren(...f.vocabulary.map((ch, i) => token(ch, i)), token("BOS", f.bos));
  }
  documents.textContent = f.first.join("  ·  ");
}

export function series() {
  return {};
}
