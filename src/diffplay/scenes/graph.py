"""graph: type an expression, see its computation graph, step backward through it node by node.

micrograd's `draw_dot`, live: each node shows its op, data and grad; a backward step lets one
node pass its gradient to its children (the chain rule, one node at a time), in the reverse of
the engine's topological order, so each node has its final gradient when its turn comes.
"""

import math

from ..engine.graph import graph
from ..engine.value import nonfinite_error, topological_order   # the engine's own diagnosis, reused
from .base import Example, Scene, Setting, frame_record
from .parts.expression import FUNCTIONS, evaluate, parse
from .parts.picture import svg_document, svg_text, write_svg
from .schema import Boolean, ListOf, Maybe, Number, Record, Text

# micrograd's README example, so its numbers can be checked against the page.
MICROGRAD_README = """c = a + b
d = a * b + b**3
c += c + 1
c += 1 + c + (-a)
d += d * 2 + (b + a).relu()
d += 3 * d + (b - a).relu()
e = c - d
f = e**2
g = f / 2.0
g += 10.0 / f"""

NODE = Record({
    "id": Number(0, integer=True), "op": Text(16), "label": Text(64),
    "data": Number(), "grad": Maybe(Number()), "layer": Number(0, integer=True),
    "row": Number(0, integer=True), "done": Boolean(),
})
EDGE = Record({"from": Number(0, integer=True), "to": Number(0, integer=True)})


def _finite(x):
    """x, or None when it is inf or nan (JSON has neither: the page shows null)."""
    return x if math.isfinite(x) else None


def layered_layout(order):
    """(layer, row) per node of a children-first order: longest-path layers, barycentre rows.

    A leaf is in layer 0, any other node one layer right of its furthest child. Within a layer
    nodes sit in the order of the mean row of their children, which untangles most edges in
    one sweep. Loops only: a 10,000-deep chain costs no recursion.
    """
    index = {node: i for i, node in enumerate(order)}
    layer = [0] * len(order)
    for i, node in enumerate(order):
        if node._children:
            layer[i] = 1 + max(layer[index[c]] for c in node._children)
    by_layer = [[] for _ in range(max(layer, default=0) + 1)]
    for i in range(len(order)):
        by_layer[layer[i]].append(i)
    row = [0] * len(order)
    for members in by_layer:   # layers left to right: children are placed before parents
        def barycentre(i):
            children = order[i]._children
            return sum(row[index[c]] for c in children) / len(children) if children else i
        for r, i in enumerate(sorted(members, key=barycentre)):
            row[i] = r
    return layer, row


class Graph(Scene):
    name = "graph"
    title = "the computation graph: forward values, and backward one node at a time"
    settings = (
        Setting("expression", Text(max_length=200_000), MICROGRAD_README,
                f"statements: numbers, names, + - * / **, {' '.join(FUNCTIONS)}"),
        Setting("variables", Text(max_length=10_000), "a = -4.0, b = 2.0", "the leaves' values: a = 1, b = 2"),
        Setting("autoplay", Boolean(), False, "step backward one node per frame", live=True),
    )
    events = {
        "backward_step": Record({}),
        "backward_all": Record({}),
        "forward": Record({}),
    }
    frame_schema = frame_record({
        "nodes": ListOf(NODE, max_length=10**6), "edges": ListOf(EDGE, max_length=10**7),
        "output": Number(), "cursor": Number(0, integer=True), "layers": Number(1, integer=True),
        "rows": Number(1, integer=True), "message": Maybe(Text(1000)),
    })
    formats = ("svg",)
    example = Example(("expression=n = x1*w1 + x2*w2 + b; o = tanh(n)",   # micrograd's neuron
                       "variables=x1 = 2, x2 = 0, w1 = -3, w2 = 1, b = 6.8814"), format="svg")
    max_steps = 10**6
    steps_per_frame = 1   # autoplaying, one node a frame, so the pass can be watched

    def build(self):
        programs = (parse(self.values["variables"], "variables", allow_empty=True), parse(self.values["expression"], "expression"))
        evaluation = evaluate(*programs)
        self.root = evaluation.output
        self.labels = evaluation.labels
        self.variables = evaluation.variables
        self.order = topological_order(self.root)
        self.members = set(self.order)
        drawn = graph(self.root)   # the engine's view: op per node, edges child -> parent
        self.ops = [node["op"] for node in drawn["nodes"]]
        self.edges = drawn["edges"]
        self.layer, self.row = layered_layout(self.order)
        self.forward()

    def forward(self):
        """Clear every gradient: the backward pass starts again from the root."""
        for node in self.order:
            node.grad = 0.0
        self.cursor = 0

    def advance(self):
        """One node (the next in reverse topological order) passes its gradient to its children."""
        if self.converged():
            return
        node = self.order[len(self.order) - 1 - self.cursor]
        if self.cursor == 0:
            node.grad = 1.0   # d root / d root
        for child, local in zip(node._children, node._local_grads):
            child.grad += local * node.grad   # the chain rule, for this edge
        self.cursor += 1

    def converged(self):
        return self.cursor == len(self.order)

    def at_rest(self):
        """Live, the graph only moves by events, or when autoplaying until the pass is done."""
        return not self.values["autoplay"] or self.converged()

    def on_backward_step(self):
        self.advance()
        self.steps += 1

    def on_backward_all(self):
        self.forward()
        try:
            self.root.backward()   # the engine's own backward: the stepped one must agree with it
            self.cursor = len(self.order)
        except FloatingPointError:
            # an infinite local derivative (sqrt at 0): the engine refuses, stepping shows it (as null)
            self.forward()
            while not self.converged():
                self.advance()

    def on_forward(self):
        self.forward()

    def view(self):
        return {
            "nodes": self.nodes(), "edges": self.edges, "output": self.root.data, "cursor": self.cursor,
            "layers": max(self.layer) + 1, "rows": max(self.row) + 1, "message": self.message(),
        }

    def message(self):
        """Why a gradient shows as null (the first op whose derivative is not finite), else None."""
        if all(math.isfinite(v.grad) for v in self.order):
            return None
        return str(nonfinite_error(self.root, "a gradient is not finite (shown as null)"))

    def nodes(self):
        first_done = len(self.order) - self.cursor
        return [
            {"id": i, "op": self.ops[i], "label": self.labels.get(v, ""), "data": v.data,
             "grad": _finite(v.grad),
             "layer": self.layer[i], "row": self.row[i], "done": i >= first_done}
            for i, v in enumerate(self.order)
        ]

    def report(self):
        return {
            "nodes": len(self.order), "output": round(self.root.data, 4),
            "grads": {name: _finite(round(v.grad, 4)) for name, v in self.variables.items() if v in self.members},
            "backward_done": self.converged(),
        }

    def render_svg(self, path):
        write_svg(path, draw_svg(self.nodes(), self.edges))


BOX_W, BOX_H, GAP_X, GAP_Y = 150, 54, 50, 16


def draw_svg(nodes, edges):
    """micrograd-style boxes, left to right: op and label, then data and grad to 4 decimals."""
    def corner(node):
        return 10 + node["layer"] * (BOX_W + GAP_X), 10 + node["row"] * (BOX_H + GAP_Y)

    body = []
    for edge in edges:
        (x0, y0), (x1, y1) = corner(nodes[edge["from"]]), corner(nodes[edge["to"]])
        x0, y0, y1 = x0 + BOX_W, y0 + BOX_H / 2, y1 + BOX_H / 2
        mid = (x0 + x1) / 2
        body.append(f'<path d="M{x0},{y0} C{mid},{y0} {mid},{y1} {x1},{y1}" fill="none" stroke="#999"/>')
    for node in nodes:
        x, y = corner(node)
        fill = "#fdebd0" if node["done"] else "#eaf2f8"
        grad = "—" if node["grad"] is None else f"{node['grad']:.4f}"
        body += [
            f'<g><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" stroke="#555"/>',
            svg_text(x + 6, y + 15, f"{node['op']}  {node['label']}".strip(), 12, fill="#000"),
            svg_text(x + 6, y + 31, f"data {node['data']:.4f}", 11),
            svg_text(x + 6, y + 46, f"grad {grad}", 11) + "</g>",
        ]
    width = 20 + (1 + max(n["layer"] for n in nodes)) * (BOX_W + GAP_X)
    height = 20 + (1 + max(n["row"] for n in nodes)) * (BOX_H + GAP_Y)
    return svg_document(width, height, body)
