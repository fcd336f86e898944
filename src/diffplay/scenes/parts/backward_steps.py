"""micrograd's backward pass, one node at a time, and what each step did (the chain rule, shown).

The nodes take their turns in the reverse of the engine's topological order, so each node's
gradient is final when its turn comes: it then passes local derivative × its gradient to each
child. A leaf has nothing to pass on, so its turn is taken with the step before it (in one
position of microgpt six nodes in seven are leaves: weights). After every node has had its
turn the gradients equal the engine's backward().
"""

import math

from ...engine.value import nonfinite_error


def finite(x):
    """x, or None when it is inf or nan (JSON has neither: the page shows null)."""
    return x if math.isfinite(x) else None


class SteppedBackward:
    """The backward pass over `order` (children first, the root last), stepped by hand."""

    def __init__(self, order):
        self.order = order
        self.index = {node: i for i, node in enumerate(order)}
        self.forward()

    def forward(self):
        """Clear every gradient: the backward pass starts again from the root."""
        for node in self.order:
            node.grad = 0.0
        self.cursor = 0                      # nodes that have had their turn
        self.focus = len(self.order) - 1     # the node whose step is explained: the last to go, or one clicked

    @property
    def finished(self):
        return self.cursor == len(self.order)

    def step(self):
        """The next node passes its gradient to its children (and the leaves next in turn are done)."""
        if self.finished:
            return
        i = len(self.order) - 1 - self.cursor
        node = self.order[i]
        if self.cursor == 0:
            node.grad = 1.0   # d root / d root
        for child, local in zip(node._children, node._local_grads):
            child.grad += local * node.grad   # the chain rule, for this edge
        self.cursor += 1
        self.focus = i
        while not self.finished and not self.order[len(self.order) - 1 - self.cursor]._children:
            self.cursor += 1

    def run_all(self):
        """Every remaining turn at once: the engine's own backward, which the steps must agree with."""
        self.forward()
        root = self.order[-1]
        try:
            root.backward()
            last = next((i for i, node in enumerate(self.order) if node._children), len(self.order) - 1)
            self.cursor, self.focus = len(self.order), last   # as if stepped: the last node that passed a gradient on
        except FloatingPointError:
            # an infinite local derivative (sqrt at 0): the engine refuses, stepping shows it (as null)
            self.forward()
            while not self.finished:
                self.step()

    def done(self, i):
        """Whether node i has had its turn."""
        return i >= len(self.order) - self.cursor

    def explain(self, i):
        """Node i's step: the gradient arriving, and per child local × arriving = passed on."""
        node = self.order[i]
        arriving = node.grad
        return {
            "node": i, "done": self.done(i), "next": i == len(self.order) - 1 - self.cursor, "arriving": finite(arriving),
            "children": [{"node": self.index[child], "local": finite(local), "passed": finite(local * arriving),
                          "grad": finite(child.grad)} for child, local in zip(node._children, node._local_grads)],
        }

    def message(self):
        """Why a gradient shows as null (the first op whose derivative is not finite), else None."""
        if all(math.isfinite(v.grad) for v in self.order):
            return None
        return str(nonfinite_error(self.order[-1], "a gradient is not finite (shown as null)"))
