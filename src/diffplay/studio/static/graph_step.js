// The chain rule at one node, beside it: the gradient arriving, and for each child
// local derivative × gradient arriving = gradient passed on. Python computed every number
// (the frame's `chain`, from the engine's own local derivatives); this only lays them out.
// Each row keeps the exact values in data-* attributes, and shows them to 4 decimals.

import { element } from "./draw.js";
import { number } from "./graph_paint.js";

function cell(value, className = "num") {
  return element("td", { className, textContent: number(value), title: value === null ? "not finite" : String(value) });
}

function row(child, arriving) {
  const tr = element("tr", {},
    element("td", { className: "who", textContent: child.title, title: child.title }),
    cell(child.local), element("td", { textContent: "×" }), cell(arriving),
    element("td", { textContent: "=" }), cell(child.passed, "num passed"));
  Object.assign(tr.dataset, { node: child.node, local: child.local, arriving, passed: child.passed });
  return tr;
}

function heading(chain) {
  const where = chain.group ? ` · ${chain.group}` : "";
  return element("div", { className: "head" }, element("b", { textContent: chain.title }), where);
}

function summary(chain, root) {
  if (chain.next && root) return "backward starts here, with d output / d output = 1: press → for the first step";
  if (chain.next) return `its turn is next (→): all of its gradient has arrived, ${number(chain.arriving)}`;
  if (!chain.done) return `not its turn yet: ${number(chain.arriving)} of its gradient has arrived so far`;
  if (!chain.children.length) return `a leaf: its gradient ${number(chain.arriving)} is final, nothing to pass on`;
  return `gradient arriving ${number(chain.arriving)}; to each input it passes local derivative × arriving:`;
}

export class StepPanel {
  constructor(parent) {
    this.box = element("div", { className: "graph-step" });
    this.box.setAttribute("aria-live", "polite");
    parent.append(this.box);
    this.chain = null;
  }

  show(chain, root) {
    if (chain === this.chain) return;
    this.chain = chain;
    const parts = [heading(chain), element("div", { className: "what", textContent: summary(chain, chain.box === root) })];
    if (chain.done && chain.children.length) {
      const head = element("tr", {}, ...["input", "local", "", "arriving", "", "passed on"].map((t) => element("th", { textContent: t })));
      parts.push(element("table", {}, element("thead", {}, head),
        element("tbody", {}, ...chain.children.map((c) => row(c, chain.arriving)))));
    }
    this.box.replaceChildren(...parts);
    this.box.dataset.node = chain.node;
  }

  /** Put the panel beside the screen rectangle r, inside w × h: right of it, else left, else
   *  below, else above: never over the box it explains. */
  place(r, w, h) {
    const pw = this.box.offsetWidth, ph = this.box.offsetHeight, gap = 12;
    const clamp = (v, most) => Math.max(0, Math.min(most, v));
    let left, top;
    if (r.right + gap + pw <= w || r.left - gap - pw >= 0) {
      left = r.right + gap + pw <= w ? r.right + gap : r.left - gap - pw;
      top = clamp(r.top, h - ph);
    } else {
      left = clamp(r.left, w - pw);
      top = r.bottom + gap + ph <= h ? r.bottom + gap : clamp(r.top - gap - ph, h - ph);
    }
    this.box.style.transform = `translate(${Math.round(left)}px, ${Math.round(top)}px)`;
  }
}
