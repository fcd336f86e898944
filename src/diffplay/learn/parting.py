"""Where two training runs part: the first step, and in it the first thing — a document, a
weight, a node of the forward pass, a gradient, an update — whose numbers differ by more than
TOLERANCE. Runs that never part are told apart from runs that are equal to the last bit.

    comparison = Comparison(run_a, run_b)   # two gpt.train.Run objects, not yet stepped
    comparison.step()                        # one step of both, looked at between its parts
    comparison.parting                       # None, or Parting(step, stage, where, a, b)
"""

from dataclasses import dataclass

import numpy as np

from ..engine.value import topological_order

TOLERANCE = 1e-12


@dataclass
class Parting:
    step: int            # 0: before the first step
    stage: str           # "setup", "forward", "gradients" or "update"
    where: str           # what parted, in words
    a: str               # its numbers (or shape) in run A, and in run B
    b: str
    difference: float    # the largest |a − b| there (inf where shapes differ)

    def to_dict(self):
        return {"step": self.step, "stage": self.stage, "where": self.where, "a": self.a, "b": self.b,
                "difference": self.difference if np.isfinite(self.difference) else None}


class Comparison:
    def __init__(self, a, b):
        self.a, self.b = a, b
        self.bitwise = True      # nothing compared so far differed at all
        self.parting = self.compare_setup()
        self.bitwise = self.bitwise and self.parting is None

    def step(self):
        """Train both runs one step, comparing the forward pass, the gradients and the update."""
        step = self.a.step + 1
        (loss_a, _), (loss_b, _) = self.a.forward(), self.b.forward()
        self.note(lambda: compare_graphs(loss_a, loss_b, weight_names(self.a), weight_names(self.b), step))
        self.a.backward(loss_a)
        self.b.backward(loss_b)
        self.note(lambda: compare_weights(self.a, self.b, step, "gradients", lambda t: t.grad))
        self.a.update(loss_a)
        self.b.update(loss_b)
        self.note(lambda: compare_weights(self.a, self.b, step, "update", lambda t: t.data))

    def note(self, compare):
        """Run one comparison (unless the runs parted already) and keep what it found."""
        if self.parting is not None:
            return
        found, exact = compare()
        self.bitwise = self.bitwise and exact
        self.parting = found

    def compare_setup(self):
        """Before any step: the shapes, the order of the documents, the first weights."""
        a, b = self.a, self.b
        for name in a.gpt.model.w:
            ta, tb = a.gpt.model.w[name], b.gpt.model.w.get(name)
            if tb is None or ta.shape != tb.shape:
                shape_b = "missing" if tb is None else _shape(tb.shape)
                return Parting(0, "setup", f"the weight {name}", _shape(ta.shape), shape_b, np.inf)
        if a.docs != b.docs:
            i = next(i for i, (x, y) in enumerate(zip(a.docs, b.docs)) if x != y)
            return Parting(0, "setup", f"the order of the documents (document {i})", repr(a.docs[i]), repr(b.docs[i]), np.inf)
        found, exact = compare_weights(a, b, 0, "setup", lambda t: t.data)
        self.bitwise = exact
        return found


def weight_names(run):
    return {id(t): name for name, t in run.gpt.model.w.items()}


def compare_graphs(loss_a, loss_b, names_a, names_b, step):
    """The first node, in the order the forward pass made them, whose op, shape or numbers differ."""
    order_a, order_b = topological_order(loss_a), topological_order(loss_b)
    exact = True
    for k, (x, y) in enumerate(zip(order_a, order_b)):
        where = f"node {k + 1} of the forward pass, {describe(x, names_a)}"
        if describe(x, names_a) != describe(y, names_b) or x.data.shape != y.data.shape:
            return Parting(step, "forward", where, f"{describe(x, names_a)} {_shape(x.data.shape)}",
                           f"{describe(y, names_b)} {_shape(y.data.shape)}", np.inf), False
        parted = _parted(where, x.data, y.data, step, "forward")
        if parted:
            return parted, False
        exact = exact and np.array_equal(x.data, y.data)
    if len(order_a) != len(order_b):
        return Parting(step, "forward", "the number of nodes", str(len(order_a)), str(len(order_b)), np.inf), False
    return None, exact


def compare_weights(a, b, step, stage, part):
    """The first weight (in microgpt's order) whose `part` (data or grad) differs."""
    exact = True
    for name, ta in a.gpt.model.w.items():
        x, y = part(ta), part(b.gpt.model.w[name])
        if x is None or y is None:
            continue
        parted = _parted(f"{_stage_word(stage)} {name}", x, y, step, stage)
        if parted:
            return parted, False
        exact = exact and np.array_equal(x, y)
    return None, exact


def describe(node, names):
    """A node in words: a weight by its name, an op by its name and the weights it takes."""
    if id(node) in names:
        return f"the weight {names[id(node)]}"
    if not node._children:
        return "a constant"
    weights = [names[id(c)] for c in node._children if id(c) in names]
    return f"{node.op}({', '.join(weights)})" if weights else node.op


def _parted(where, x, y, step, stage):
    """A Parting if x and y differ anywhere by more than TOLERANCE (named at the first such entry)."""
    gap = np.abs(np.asarray(x) - np.asarray(y))
    if not gap.size or gap.max() <= TOLERANCE:
        return None
    first = np.unravel_index(np.argmax(gap > TOLERANCE), gap.shape)
    index = "".join(f"[{i}]" for i in first)
    return Parting(step, stage, f"{where}{index}", f"{np.asarray(x)[first]:.12g}", f"{np.asarray(y)[first]:.12g}",
                   float(gap.max()))


def _stage_word(stage):
    return {"setup": "the initial value of", "gradients": "the gradient of", "update": "Adam's update of"}[stage]


def _shape(shape):
    return "×".join(map(str, shape)) or "a scalar"
