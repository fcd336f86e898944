// graph: micrograd's draw_dot, live, on the shared graph view (../graph_view.js). Python lays
// the graph out and says what each backward step did; this page forwards the clicks and keys.

import { GraphView } from "../graph_view.js";

let graph;

export const hints = "<kbd>→</kbd> one backward step · <kbd>b</kbd> all of backward · <kbd>f</kbd> forward again " +
  "(gradients to zero) · drag to pan, wheel or <kbd>+</kbd> <kbd>-</kbd> to zoom, <kbd>0</kbd> fit, <kbd>o</kbd> the output · " +
  "click a group to open it, a node to see its step · edit the expression under settings";

export function setup(view) {
  graph = new GraphView(view.stage, {
    expand: (group) => view.send({ type: "expand", group }),
    collapse: (group) => view.send({ type: "collapse", group }),
    focus: (node) => view.send({ type: "focus", node }),
  });
  window.graphView = graph;   // for the browser tests and benchmarks/graph_view.py
}

const KEYS = {
  ArrowRight: (view) => view.send({ type: "backward_step" }), n: (view) => view.send({ type: "backward_step" }),
  b: (view) => view.send({ type: "backward_all" }), f: (view) => view.send({ type: "forward" }),
  "+": () => graph.zoomBy(1.25), "=": () => graph.zoomBy(1.25), "-": () => graph.zoomBy(1 / 1.25),
  0: () => graph.fit(), o: () => graph.findOutput(),
};

export function key(view, e) {
  const act = KEYS[e.key];
  if (act) {
    e.preventDefault();
    act(view);
  }
}

export function draw(view, frame) {
  graph.show(frame);
}

export function series() {
  return {};
}
