"""microgpt's forward pass, line by line: what each line of `ValueGPT.gpt` made, as the real
Values the engine computed (so after backward they hold their gradients too).

The model runs as it always does; a tracer (sys.settrace, on that one function only) notes,
each time a line of it finishes, the variables the line assigned. Nothing is re-implemented:
the numbers shown are the engine's own.

    record = trace_position(model, tokens, pos)     # positions 0..pos-1 fill the cache untraced
    record.steps[3].outputs        # {"q": [Value, ...16]}: what the 4th executed line made
    record.loss.backward()         # every traced Value now has its .grad
    record.block_of[value]         # "layer 0 · head 2": where in the model a node was made
    trace_document(model, tokens)  # every position's record, one forward each
"""

import functools

import ast
import inspect
import sys
import textwrap
from dataclasses import dataclass, field

from ..engine import functional as F
from ..engine.value import Value
from ..gpt.model_value import ValueGPT

SOURCE_LINES, FIRST_LINE = inspect.getsourcelines(ValueGPT.gpt)
SOURCE = textwrap.dedent("".join(SOURCE_LINES))


@dataclass
class Executed:
    """One line of the forward pass, once it has run."""
    line: int              # 0-based, into SOURCE's lines
    outputs: dict          # name -> a Value, a list of Values, or a list of lists (the KV cache's rows)
    context: dict          # the loop variables then: {"li": 0, "hs": 4}
    block: str             # where in the model it is ("layer 0 · head 1")


@dataclass
class PositionTrace:
    tokens: list
    position: int
    steps: list                # Executed, in the order they ran
    logits: list               # the output: one Value per vocabulary token
    loss: Value                # −log softmax(logits)[next token]
    model: object = field(repr=False)
    earlier: set = field(repr=False)   # the nodes the positions before made

    @property
    def target(self):
        return self.tokens[self.position + 1]

    @functools.cached_property
    def block_of(self):
        """Value -> block name, for every node this position's loss depends on."""
        return _blocks(self.steps, self.loss, self.earlier, self.model)


def trace_position(model, tokens, position):
    """Run microgpt's forward over tokens[0..position], tracing the last position's lines.

    `tokens` are ids ([BOS] + a name + [BOS]); the loss is the cross-entropy of predicting
    tokens[position + 1]."""
    _check_position(model, tokens, position)
    keys, values = model.new_cache()
    for pos in range(position):
        model.gpt(tokens[pos], pos, keys, values)
    return _traced(model, tokens, position, keys, values)


def trace_document(model, tokens):
    """The record of every position of a document, in order (one forward each, one cache)."""
    keys, values = model.new_cache()
    return [_traced(model, tokens, pos, keys, values)
            for pos in range(min(len(tokens) - 1, model.config.block_size))]


def _check_position(model, tokens, position):
    last = min(len(tokens) - 1, model.config.block_size) - 1
    if not 0 <= position <= last:
        raise ValueError(f"trace_position: position must be in [0, {last}], got {position}")


def _traced(model, tokens, position, keys, values):
    earlier = _made_so_far(keys, values)
    tracer = _LineTracer(model.config.head_dim)
    logits = tracer.run(model.gpt, tokens[position], position, keys, values)
    loss = F.logsumexp(logits) - logits[tokens[position + 1]]
    for step in tracer.steps:
        step.block = block_name(step.line, step.context, model.config.head_dim)
    return PositionTrace(list(tokens), position, tracer.steps, logits, loss, model, earlier)


# ---- which variables a line assigns (read once from the source) ----

def _assigned_names(source):
    """Line index -> the names a statement on that line stores (for `x.append(...)`: "x")."""
    names = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names[node.lineno - 1] = [t.id for t in targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            names[node.lineno - 1] = [node.target.id]
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            call = node.value.func
            if isinstance(call, ast.Attribute) and call.attr in ("append", "extend"):
                names[node.lineno - 1] = [ast.unparse(call.value)]
        elif isinstance(node, ast.Return) and node.value is not None:
            names[node.lineno - 1] = ["logits"]
    return names


def _loops(source):
    """Loop variable -> the lines of its loop (the `for` line included); and the `for` lines."""
    bodies, headers = {}, set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            bodies[node.target.id] = set(range(node.lineno - 1, node.end_lineno))
            headers.add(node.lineno - 1)
    return bodies, headers


ASSIGNED = _assigned_names(SOURCE)
LOOP_BODIES, LOOP_HEADERS = _loops(SOURCE)
LOOP_VARIABLES = tuple(LOOP_BODIES)


class _LineTracer:
    """Calls a function with sys.settrace on its own frame only, recording each finished line."""

    def __init__(self, head_dim):
        self.steps, self.code, self.last, self.head_dim = [], ValueGPT.gpt.__code__, None, head_dim
        self.loop_values = {}

    def run(self, fn, *args):
        previous = sys.gettrace()
        sys.settrace(self._call)
        try:
            return fn(*args)
        finally:
            sys.settrace(previous)

    def _call(self, frame, event, arg):
        return self._line if frame.f_code is self.code else None   # nothing inside helpers is traced

    def _line(self, frame, event, arg):
        if event in ("line", "return") and self.last is not None:
            self._finish(self.last, frame.f_locals, arg if event == "return" else None)
        self.last = frame.f_lineno - FIRST_LINE if event == "line" else None
        return self._line

    def _finish(self, line, local, returned):
        outputs = {}
        for name in ASSIGNED.get(line, ()):
            if name == "logits":
                outputs[name] = returned
            elif "[" in name:   # keys[li].append(...): the row just added
                outputs[name] = local[name.split("[")[0]][local["li"]][-1]
            elif name == "x_attn":   # .extend(...): this head's part
                outputs[name] = local["x_attn"][-self.head_dim:]
            elif name in local:
                outputs[name] = local[name]
        context = {k: local[k] for k in LOOP_VARIABLES if k in local and line in LOOP_BODIES[k]}
        if line in LOOP_HEADERS and self.loop_values.get(line) == outputs:
            return   # the loop's last test, which only finds it exhausted: nothing new
        if line in LOOP_HEADERS:
            self.loop_values[line] = outputs
        self.steps.append(Executed(line, outputs, context, ""))


def _made_so_far(keys, values):
    """Every node the earlier positions made (reachable from the cache)."""
    seen, stack = set(), [v for cache in (keys, values) for layer in cache for row in layer for v in row]
    while stack:
        v = stack.pop()
        if v not in seen and v._children:
            seen.add(v)
            stack.extend(v._children)
    return seen


def _blocks(steps, loss, earlier, model):
    """Name each executed line's block and give every node it made that name; parameters are
    named by their matrix, the earlier positions' nodes by one block."""
    block_of = {p: name for name, matrix in model.state_dict.items() for row in matrix for p in row}
    for v in earlier:
        block_of[v] = "earlier positions"
    for step in steps:
        for out in step.outputs.values():
            _claim(out, step.block, block_of)
    _claim(loss, "loss", block_of)
    return block_of


def _sections(source):
    """Line index -> the part of the model it belongs to, read from the source's own layout:
    before the layer loop the embedding, then microgpt's comments "# 1) ..." (attention) and
    "# 2) ..." (MLP), the head loop's body per head, and the return (the logits, by lm_head)."""
    sections, section, head_loop = {}, "embedding", None
    for i, text in enumerate(source.splitlines()):
        stripped, indent = text.strip(), len(text) - len(text.lstrip())
        if stripped.startswith("# 1)"):
            section = "attention"
        elif stripped.startswith("# 2)"):
            section = "MLP"
        elif stripped.startswith("return"):
            section = "logits"
        if head_loop is not None and stripped and indent <= head_loop:
            head_loop = None
        sections[i] = "head" if head_loop is not None else "layer" if stripped.startswith("for li in") else section
        if stripped.startswith("for hs in"):
            head_loop = indent
    return sections


SECTIONS = _sections(SOURCE)


def block_name(line, context, head_dim):
    """"embedding", "layer 0 · attention", "layer 0 · head 2", "layer 0 · MLP" or "logits"."""
    section = SECTIONS[line]
    if section in ("embedding", "logits") or "li" not in context:
        return section
    if section == "layer":
        return f"layer {context['li']}"
    if section == "head":
        return f"layer {context['li']} · head {context['hs'] // head_dim}"
    return f"layer {context['li']} · {section}"


def _claim(out, block, block_of):
    """Give `block` to every node below `out` that has none yet."""
    stack = list(_values(out))
    while stack:
        v = stack.pop()
        if v in block_of:
            continue
        block_of[v] = block
        stack.extend(v._children)


def _values(out):
    if isinstance(out, Value):
        yield out
    elif isinstance(out, list):
        for item in out:
            yield from _values(item)
