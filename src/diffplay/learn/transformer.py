"""Chapter 5, the transformer: microgpt's forward pass for one position, a line at a time, every
number it makes shown (and after backward, its gradient), read from the engine as it ran."""

import math

from ..scenes.base import Setting, frame_record
from ..scenes.schema import Anything, Boolean, Choice, ListOf, Number, Record, Text
from .chapter import Chapter
from .model import NAME, STEPS, read_name, value_model
from .trace import FIRST_LINE, SOURCE, trace_position

TOP = 5   # next-token guesses shown

OUTPUT = Record({"name": Text(64), "shape": Text(32), "data": Anything(), "grad": Anything()})


class Transformer(Chapter):
    name = "transformer"
    number = 5
    title = "the transformer: one position's forward pass, line by line"
    about = "`gpt(token_id, pos_id, keys, values)`: the whole model for one position, from embedding to logits"
    text = (
        "This is the model, as code: diffplay's line-for-line port of microgpt's `gpt()` on `Value`. "
        "It takes one token and its position, and the keys and values of the positions before, "
        "and returns one logit per token of the vocabulary.",
        "Step through it with → and ←. Each line's result is shown as it was computed: a vector as "
        "a strip of coloured cells (hover one for its exact value), its shape named. The lines in "
        "the head loop run once per head.",
        "Then run backward from this position's loss (−log of the probability it gives the real "
        "next character): every number now shows its gradient too, and each weight matrix's "
        "gradient is drawn as a heatmap. That gradient is what one step of training follows.",
    )
    settings = (
        NAME,
        Setting("position", Number(0, 15, integer=True), 1, "which position's forward pass", live=True),
        STEPS,
    )
    events = {
        "line": Record({"delta": Number(-1000, 1000, integer=True)}),
        "to_line": Record({"index": Number(0, 100_000, integer=True)}),
        "backward": Record({}),
        "forward": Record({}),
    }
    frame_schema = frame_record({
        "source": ListOf(Text(200), max_length=200), "first_line": Number(1, integer=True),
        "executed": ListOf(Record({"line": Number(0, integer=True), "block": Text(64)}), max_length=1000),
        "cursor": Number(-1, integer=True), "phase": Choice("forward", "backward"),
        "chars": ListOf(Text(8), max_length=64), "position": Number(0, integer=True),
        "current": Anything(), "loss": Number(), "target": Text(8), "guesses": Anything(),
        "gradients": Anything(), "done": Boolean(),
    })

    def build(self):
        self.model, self.tokenizer = value_model(self.values["steps"])
        self.source = SOURCE.splitlines()
        self.read()

    def read(self):
        """Trace the chosen position of the name; the cursor goes before its first line."""
        self.tokens, self.chars = read_name(self.tokenizer, self.values["name"], self.model.config.block_size)
        position = min(self.values["position"], len(self.tokens) - 2)
        self.trace = trace_position(self.model, self.tokens, position)
        self.cursor, self.phase = -1, "forward"
        self.executed = [{"line": s.line, "block": s.block} for s in self.trace.steps]
        self.gradients = None

    def on_set(self, key, value):
        super().on_set(key, value)
        if key in ("name", "position"):
            self.read()

    # ---- stepping ----

    def on_line(self, delta):
        self.cursor = max(-1, min(len(self.trace.steps) - 1, self.cursor + delta))

    def on_to_line(self, index):
        self.cursor = min(index, len(self.trace.steps) - 1)

    def on_backward(self):
        """Backward from this position's loss: every Value it depends on gets its gradient."""
        for p in self.model.parameters():
            p.grad = 0.0
        self.trace.loss.backward()
        self.phase, self.cursor = "backward", len(self.trace.steps) - 1
        self.gradients = {name: [[round(p.grad, 8) for p in row] for row in matrix]
                          for name, matrix in self.model.state_dict.items()}

    def on_forward(self):
        self.read()

    def advance(self):
        pass   # it moves by your steps only

    def converged(self):
        return True

    # ---- what comes out ----

    def view(self):
        step = self.trace.steps[self.cursor] if self.cursor >= 0 else None
        return {
            "source": self.source, "first_line": FIRST_LINE, "executed": self.executed, "cursor": self.cursor,
            "phase": self.phase, "chars": self.chars, "position": self.trace.position,
            "current": self.describe_step(step), "loss": self.trace.loss.data, "target": self.chars[self.trace.position + 1],
            "guesses": self.guesses(), "gradients": self.gradients, "done": self.cursor == len(self.trace.steps) - 1,
        }

    def describe_step(self, step):
        if step is None:
            return None
        with_grad = self.phase == "backward"
        return {"line": step.line, "block": step.block, "context": step.context,
                "outputs": [_output(name, value, with_grad) for name, value in step.outputs.items()]}

    def guesses(self):
        """The model's top next-token probabilities here (softmax of the logits)."""
        logits = [v.data for v in self.trace.logits]
        top = max(logits)
        exps = [math.exp(x - top) for x in logits]
        total = sum(exps)
        order = sorted(range(len(logits)), key=lambda i: -exps[i])[:TOP]
        labels = [*self.tokenizer.chars, "BOS"]
        return [{"token": labels[i], "p": exps[i] / total} for i in order]


def _output(name, value, with_grad):
    """A line's output for the page: its numbers (and gradients), and its shape in words."""
    if isinstance(value, int):
        return {"name": name, "shape": "a number", "data": value, "grad": None}
    rows = value if value and isinstance(value[0], list) else None
    if rows is not None:
        return {"name": name, "shape": f"{len(rows)}×{len(rows[0])}", "data": [[v.data for v in r] for r in rows],
                "grad": [[v.grad for v in r] for r in rows] if with_grad else None}
    values = value if isinstance(value, list) else [value]
    return {"name": name, "shape": f"{len(values)}", "data": [v.data for v in values],
            "grad": [v.grad for v in values] if with_grad else None}
