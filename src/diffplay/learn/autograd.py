"""Chapter 3, autograd: the expression graph of what you type, and backward one node at a time,
each node showing its local derivative × the gradient arriving = the gradient it passes on.
It is the graph scene (scenes/graph.py), told as a chapter."""

from ..scenes.graph import Graph
from .chapter import Chapter


class Autograd(Chapter, Graph):
    name = "autograd"
    number = 3
    title = "autograd: the chain rule, one node at a time"
    about = ("microgpt's `Value`: each op records its children and its local gradients, and `backward()` "
             "walks the graph from the loss down, adding `local_grad * v.grad` into each child")
    text = (
        "Every number the model computes is a `Value` that remembers how it was made: its "
        "children and, for each, the local derivative (for a · b: b for a, a for b). Together "
        "they form a graph, drawn here top-down, the output at the bottom.",
        "`backward()` starts at the output with gradient 1 and visits the nodes in reverse "
        "order. At each node it takes the gradient that has arrived and passes on local "
        "derivative × that gradient to each child; a child used twice adds up both. That is the "
        "chain rule, and it is all of autograd.",
        "Press → to take one step and read it beside the node. Type your own expression under "
        "settings, or pick `source = microgpt` for one position of microgpt itself: thousands of "
        "nodes, folded into its blocks; click a block to open it.",
    )
