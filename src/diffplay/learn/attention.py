"""Chapter 4, attention: one head over one name — query·key scores, the causal mask, the softmax
weights, and the weighted sum of values — read from microgpt's own forward pass."""

from ..scenes.base import Setting, frame_record
from ..scenes.schema import ListOf, Maybe, Number, Record, Text
from .chapter import Chapter
from .model import NAME, STEPS, read_name, value_model
from .trace import trace_document

VECTOR = ListOf(Number(), max_length=1000)
ROWS = ListOf(ListOf(Maybe(Number()), max_length=64), max_length=64)


class Attention(Chapter):
    name = "attention"
    number = 4
    title = "attention: where one head looks"
    about = ("the head loop of `gpt()`: `q_h`, `k_h`, `v_h`, `attn_logits`, `attn_weights = softmax(attn_logits)` and "
             "the head's output, the weights times the values")
    text = (
        "At each position the model makes three vectors from what it holds: a query (what am I "
        "looking for?), a key (what do I offer?) and a value (what do I pass on). A head compares "
        "this position's query with the key of every position so far: score = q·k / √d, d being "
        "the head's width.",
        "Only the past can be seen: position t has keys 0..t and no others (the causal mask, here "
        "the blank upper triangle; in microgpt it is simply that `keys` holds only what came "
        "before). Softmax turns a row of scores into weights that sum to 1, and the head's output "
        "is the weighted sum of the values.",
        "Pick a query position (a row) to see its numbers: the scores, the weights, and the sum. "
        "Change the name or the head; `steps` picks how trained the model is.",
    )
    settings = (
        NAME,
        Setting("head", Number(0, 3, integer=True), 0, "which head", live=True),
        STEPS,
    )
    events = {"query": Record({"position": Number(0, 63, integer=True)})}
    frame_schema = frame_record({
        "chars": ListOf(Text(8), max_length=64), "query": Number(0, integer=True), "head_dim": Number(1, integer=True),
        "scores": ROWS, "weights": ROWS, "q": VECTOR, "keys": ListOf(VECTOR, max_length=64),
        "values": ListOf(VECTOR, max_length=64), "output": VECTOR, "block": Text(64),
    })

    def build(self):
        self.model, self.tokenizer = value_model(self.values["steps"])
        self.query = None
        self.read()

    def read(self):
        """Trace the name through the model; keep every position's numbers for the chosen head."""
        self.tokens, chars = read_name(self.tokenizer, self.values["name"], self.model.config.block_size)
        self.traces = trace_document(self.model, self.tokens)
        self.chars = chars[:len(self.traces)]
        self.query = len(self.traces) - 1 if self.query is None else min(self.query, len(self.traces) - 1)
        self.shown = self.head_view()

    def head_view(self):
        block = f"layer 0 · head {self.values['head']}"   # microgpt has one layer
        per_position = [_outputs_of(trace, block) for trace in self.traces]
        T, mine = len(per_position), per_position[self.query]
        pad = lambda row: [v.data for v in row] + [None] * (T - len(row))   # the future: masked, blank
        return {
            "chars": self.chars, "query": self.query, "head_dim": self.model.config.head_dim, "block": block,
            "scores": [pad(p["attn_logits"]) for p in per_position],
            "weights": [pad(p["attn_weights"]) for p in per_position],
            "q": [v.data for v in mine["q_h"]], "keys": [[v.data for v in k] for k in mine["k_h"]],
            "values": [[v.data for v in v_] for v_ in mine["v_h"]], "output": [v.data for v in mine["x_attn"]],
        }

    def on_set(self, key, value):
        super().on_set(key, value)
        if key in ("name", "head"):   # live: the same model reads again
            self.read()

    def on_query(self, position):
        if position >= len(self.traces):
            raise ValueError(f"event.position: the name has {len(self.traces)} positions (0 to {len(self.traces) - 1}), "
                             f"got {position}")
        self.query = position
        self.shown = self.head_view()

    def advance(self):
        pass   # a page to look at: it changes only by events

    def converged(self):
        return True

    def view(self):
        return self.shown


def _outputs_of(trace, block):
    """{name: value} of every line the block ran at this position (q_h, k_h, …, x_attn)."""
    outputs = {}
    for step in trace.steps:
        if step.block == block:
            outputs.update(step.outputs)
    return outputs
