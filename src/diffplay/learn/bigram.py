"""Chapter 2, counting, then descending: a bigram model by counting, the same model learned by
gradient descent on `Value`, and for a weight you pick, the numerical gradient beside the
analytic one."""

import math
import random

from ..engine import functional as F
from ..engine.value import Value
from ..gpt.train import DEFAULTS, Run
from ..scenes.base import Setting, copies, frame_record
from ..scenes.schema import ListOf, Number, Record, Text
from .chapter import Chapter

STEP = 1e-5          # the finite difference's half-width
CHECK = Record({"row": Number(0, integer=True), "col": Number(0, integer=True), "input": Text(8), "target": Text(8),
                "weight": Number(), "analytic": Number(), "numeric": Number(), "difference": Number(0), "loss": Number(0)})
MATRIX = ListOf(ListOf(Number(), max_length=1000), max_length=1000)


class Bigram(Chapter):
    name = "bigram"
    number = 2
    title = "counting, then descending: a bigram model, by counts and by gradients"
    about = ("not in microgpt itself, but its first idea: a model that predicts the next token from the "
             "current one, scored by the same loss, −log of the probability of the right target")
    text = (
        "The simplest model of names looks at one character and guesses the next. Count every "
        "(input, target) pair in the data, turn each row of counts into probabilities, and you "
        "have the best such model there is: its loss is the mean −log probability of each real "
        "next character.",
        "The same model can be learned instead of counted: a table W of V×V numbers (logits), "
        "softmax along a row gives the probabilities, and gradient descent on the loss moves W. "
        "Here every number of W is a `Value`, and each step is a `backward()` on a batch of pairs.",
        "Its loss falls towards the counting loss, never below it. Click a cell of the learned "
        "table: the analytic gradient (from backward) and the numerical one (the loss nudged by "
        "±1e-5) appear side by side. They agree to many digits: that agreement is what autograd "
        "promises.",
    )
    settings = (
        Setting("lr", Number(0.01, 1000), 20.0, "the step size of gradient descent", live=True),
        Setting("batch", Number(8, 2048, integer=True), 256, "pairs in each step's batch", live=True),
        Setting("smoothing", Number(0, 100), 1.0, "added to every count, so no pair has probability 0"),
    )
    events = {"pick": Record({"row": Number(0, 10_000, integer=True), "col": Number(0, 10_000, integer=True)})}
    frame_schema = frame_record({
        "labels": ListOf(Text(8), max_length=1000), "counts": MATRIX, "count_loss": Number(0),
        "learned": MATRIX, "loss": Number(0), "check": CHECK,
        "pairs": Number(0, integer=True),
    })
    max_steps = 300

    def build(self):
        run = Run(None, {**DEFAULTS, "seed": 42}, "value")
        t = self.tokenizer = run.gpt.tokenizer
        self.pairs = [(a, b) for doc in run.docs for a, b in zip(t.encode(doc), t.encode(doc)[1:])]
        self.counts, self.count_loss = self.count()
        self.rng = random.Random(self.seed)
        V = t.vocab_size
        self.W = [[Value(0.0) for _ in range(V)] for _ in range(V)]   # all logits equal: the uniform guess
        self.batch_pairs = self.draw_batch()
        self.picked = (t.ids.get("e", 0), t.ids.get("m", 0))
        self.shown = self.learned()
        self.check = self.gradient_check()
        self.loss_now = self.check["loss"]

    # ---- counting ----

    def count(self):
        """The count of every (input, target) pair, and the counted model's mean loss on them."""
        V, k = self.tokenizer.vocab_size, self.values["smoothing"]
        counts = [[0] * V for _ in range(V)]
        for a, b in self.pairs:
            counts[a][b] += 1
        logp = [[math.log((c + k) / (sum(row) + k * V)) if c + k > 0 else -math.inf for c in row] for row in counts]
        return counts, -sum(logp[a][b] for a, b in self.pairs) / len(self.pairs)

    # ---- descending ----

    def draw_batch(self):
        return [self.pairs[self.rng.randrange(len(self.pairs))] for _ in range(self.values["batch"])]

    def loss(self, pairs):
        """Mean cross-entropy of W's rows on the pairs: logsumexp(W[a]) − W[a][b]."""
        rows = {a: F.logsumexp(self.W[a]) for a in {a for a, _ in pairs}}
        return F.sum([rows[a] - self.W[a][b] for a, b in pairs]) * (1.0 / len(pairs))

    def advance(self):
        """One step of gradient descent on a new batch (the check is taken before W moves)."""
        self.batch_pairs = self.draw_batch()
        self.check = self.gradient_check()   # its backward leaves every gradient of this batch in W
        lr = self.values["lr"]
        for row in self.W:
            for w in row:
                w.data -= lr * w.grad
        self.loss_now = self.check["loss"]
        self.shown = self.learned()

    def gradient_check(self):
        """The loss on the current batch, backward, and the picked weight's gradient two ways:
        backward's, and (L(w + h) − L(w − h)) / 2h."""
        i, j = self.picked
        w = self.W[i][j]
        for row in self.W:
            for v in row:
                v.grad = 0.0
        loss = self.loss(self.batch_pairs)
        loss.backward()
        analytic, old = w.grad, w.data
        w.data = old + STEP
        up = self.loss(self.batch_pairs).data
        w.data = old - STEP
        down = self.loss(self.batch_pairs).data
        w.data = old
        numeric = (up - down) / (2 * STEP)
        labels = self.labels()
        return {"row": i, "col": j, "input": labels[i], "target": labels[j], "weight": old, "analytic": analytic,
                "numeric": numeric, "difference": abs(analytic - numeric), "loss": loss.data}

    def on_pick(self, row, col):
        V = self.tokenizer.vocab_size
        if row >= V or col >= V:
            raise ValueError(f"event.row/col: the table is {V}×{V}, got ({row}, {col})")
        self.picked = (row, col)
        self.check = self.gradient_check()

    # ---- what comes out ----

    def labels(self):
        t = self.tokenizer
        return [*t.chars, "BOS"]

    def learned(self):
        """softmax of each row of W: the learned model's probabilities, rounded for the page."""
        out = []
        for row in self.W:
            top = max(w.data for w in row)
            exps = [math.exp(w.data - top) for w in row]
            total = sum(exps)
            out.append([round(e / total, 5) for e in exps])
        return out

    def converged(self):
        return self.steps >= self.max_steps

    def parameters(self):
        """W: the logits table, row = input token, column = next token."""
        return copies({"W": [[w.data for w in row] for row in self.W]})

    def view(self):
        return {"labels": self.labels(), "counts": self.counts, "count_loss": self.count_loss, "learned": self.shown,
                "loss": self.loss_now, "check": self.check, "pairs": len(self.pairs)}
