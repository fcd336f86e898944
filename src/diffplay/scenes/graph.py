"""graph: type an expression (or pick a position of microgpt), see its computation graph, step
backward through it node by node.

micrograd's `draw_dot`, live: each node shows its op, data and grad; a backward step lets one
node pass its gradient to its children (the chain rule, one node at a time), in the reverse of
the engine's topological order, so each node has its final gradient when its turn comes, and
the frame says what that step did: local derivative × gradient arriving = gradient passed on.
microgpt's graph for one position (thousands of nodes) starts collapsed into its blocks.
"""

from ..engine.value import topological_order
from ..learn.position import position_graph
from .base import Example, Scene, Setting, frame_record
from .parts.backward_steps import SteppedBackward, finite
from .parts.expression import FUNCTIONS, evaluate, parse
from .parts.graph_svg import draw_svg
from .parts.graph_view import GRAPH_FIELDS, GraphView
from .parts.picture import write_svg
from .schema import Boolean, Choice, Maybe, Number, Record, SchemaError, Text

SOURCES = ("expression", "microgpt")

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



class Graph(Scene):
    name = "graph"
    title = "the computation graph: forward values, and backward one node at a time"
    settings = (
        Setting("source", Choice(*SOURCES), "expression",
                "what to draw: the expression below, or microgpt's graph for one position of a name"),
        Setting("expression", Text(max_length=200_000), MICROGRAD_README,
                f"statements: numbers, names, + - * / **, {' '.join(FUNCTIONS)}"),
        Setting("variables", Text(max_length=10_000), "a = -4.0, b = 2.0", "the leaves' values: a = 1, b = 2"),
        Setting("name", Text(max_length=32), "emma", "microgpt: the name (letters a to z)"),
        Setting("position", Number(0, 15, integer=True), 2,
                "microgpt: which next character it predicts (0: the first, after <bos>)"),
        Setting("autoplay", Boolean(), False, "step backward one node per frame", live=True),
    )
    events = {
        "backward_step": Record({}),
        "backward_all": Record({}),
        "forward": Record({}),
        "expand": Record({"group": Text(200)}),
        "collapse": Record({"group": Text(200)}),
        "focus": Record({"node": Number(0, integer=True)}),
    }
    frame_schema = frame_record({
        **GRAPH_FIELDS, "output": Maybe(Number()), "cursor": Number(0, integer=True),
        "total": Number(1, integer=True), "message": Maybe(Text(1000)),
    })
    formats = ("svg",)
    example = Example(("expression=n = x1*w1 + x2*w2 + b; o = tanh(n)",   # micrograd's neuron
                       "variables=x1 = 2, x2 = 0, w1 = -3, w2 = 1, b = 6.8814"), format="svg")
    max_steps = 10**6
    steps_per_frame = 1   # autoplaying, one node a frame, so the pass can be watched

    def build(self):
        if self.values["source"] == "microgpt":
            traced = position_graph(self.values["name"], self.values["position"])
            root, groups, labels, self.variables = traced.root, traced.groups, traced.labels, {}
        else:
            programs = (parse(self.values["variables"], "variables", allow_empty=True),
                        parse(self.values["expression"], "expression"))
            evaluation = evaluate(*programs)
            root, groups, labels, self.variables = evaluation.output, None, evaluation.labels, evaluation.variables
        self.root = root
        self.backward = SteppedBackward(topological_order(root))
        self.order = self.backward.order
        self.graph_view = GraphView(self.backward, groups, labels)

    def forward(self):
        """Clear every gradient: the backward pass starts again from the root."""
        self.backward.forward()

    def advance(self):
        """One node (the next in reverse topological order) passes its gradient to its children."""
        self.backward.step()

    def converged(self):
        return self.backward.finished

    def at_rest(self):
        """Live, the graph only moves by events, or when autoplaying until the pass is done."""
        return not self.values["autoplay"] or self.converged()

    def on_backward_step(self):
        self.advance()
        self.steps += 1

    def on_backward_all(self):
        self.backward.run_all()

    def on_forward(self):
        self.forward()

    def on_expand(self, group):
        self.graph_view.expand(group)

    def on_collapse(self, group):
        self.graph_view.collapse(group)

    def on_focus(self, node):
        if node >= len(self.order):
            raise SchemaError(f"event.node: this graph has nodes 0 to {len(self.order) - 1}, got {node}")
        self.backward.focus = node

    def view(self):
        return {**self.graph_view.fields(), "output": finite(self.root.data), "cursor": self.backward.cursor,
                "total": len(self.order), "message": self.backward.message()}

    def report(self):
        return {
            "nodes": len(self.order), "output": round(self.root.data, 4),
            "grads": {name: finite(round(v.grad, 4)) for name, v in self.variables.items() if v in self.backward.index},
            "backward_done": self.converged(),
        }

    def render_svg(self, path):
        write_svg(path, draw_svg(self.graph_view.fields()))
