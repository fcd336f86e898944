"""One position of microgpt as a graph to look at: the model the CLI starts from (`diffplay
gpt train`'s seed, data and initialization; or trained some steps), its forward pass for one
position of one name traced, every node named by its block and by the variable that made it.

    graph = position_graph("emma", 2)    # predicting "m" after "<bos> e m"
    graph.root                           # the loss, a Value; graph.groups[v] "layer 0 · head 1"
    graph.labels[v]                      # "attn_weights[1]", "wte[4][3]"
"""

from dataclasses import dataclass

from ..engine.value import Value
from ..errors import UsageError
from .model import read_name, value_model
from .trace import trace_position


@dataclass
class PositionGraph:
    root: Value      # the loss at that position
    groups: dict     # Value -> its block ("embedding", "layer 0 · MLP") or its parameter matrix ("wte")
    labels: dict     # Value -> the variable that made it, with its index ("q[3]")


def position_graph(name, position, steps=0):
    """The traced graph of predicting the character after `name[:position]` (0: after <bos>),
    by the model after `steps` of training (0: as initialized)."""
    model, tokenizer = value_model(steps)
    tokens, _ = read_name(tokenizer, name, model.config.block_size)
    last = min(len(tokens) - 1, model.config.block_size) - 1
    if position > last:
        raise UsageError(f'"{name}" has positions 0 to {last} (the last predicts the end), got {position}',
                         where="position")
    trace = trace_position(model, tokens, position)
    return PositionGraph(trace.loss, trace.block_of, _labels(trace, model))


def _labels(trace, model):
    """Each parameter by its matrix and place; each other node by the first variable it was
    assigned to (x_residual = x keeps the name "x")."""
    labels = {p: f"{matrix}[{r}][{c}]" for matrix, rows in model.state_dict.items()
              for r, row in enumerate(rows) for c, p in enumerate(row)}
    for step in trace.steps:
        for variable, made in step.outputs.items():
            for suffix, value in _indexed(made):
                labels.setdefault(value, variable + suffix)
    labels.setdefault(trace.loss, "loss")
    return labels


def _indexed(made, suffix=""):
    """(suffix, Value) for a Value or a (nested) list of them: ("[2]", v)."""
    if isinstance(made, Value):
        yield suffix, made
    elif isinstance(made, list):
        for k, item in enumerate(made):
            yield from _indexed(item, f"{suffix}[{k}]")
