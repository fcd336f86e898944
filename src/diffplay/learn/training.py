"""Chapter 6, training: Adam on the real model (the Tensor engine, microgpt's run), slowly enough
to watch — one parameter's value, gradient and both of Adam's moments as it steps, the loss
against the line of guessing, and samples as they improve."""

import math
import random
from collections import deque

import numpy as np

from ..engine.tensor import no_grad
from ..gpt.train import BETAS, DEFAULTS, EPS, Run
from ..scenes.base import Setting, copies, frame_record
from ..scenes.schema import Anything, ListOf, Number, Record, Text
from .chapter import Chapter

HISTORY = 200        # steps of the picked parameter's story the page draws
SAMPLE_EVERY = 50
MAX_SAMPLES = 20
SAMPLE = Record({"step": Number(0, integer=True), "text": Text(64)})


class Training(Chapter):
    name = "training"
    number = 6
    title = "training: Adam moves every number, one step at a time"
    about = ("the training loop: the loss of one document, `loss.backward()`, then Adam's update of each "
             "parameter, `m` and `v`, with the learning rate decaying to zero over the run")
    text = (
        "One step: take the next document, run the model over it, average the loss of every "
        "position, backward, then move each of the 4,192 parameters a little. The loss is noisy "
        "(each step sees one name) so the curve is smoothed; the dashed line is the loss of guessing.",
        "Adam does not follow the gradient g directly. It keeps two running averages per "
        "parameter: m, of g (which way it has been pushed lately), and v, of g² (how hard). The "
        "step is lr · m̂ / (√v̂ + ε): the hats undo the averages' start at zero. So a parameter "
        "pushed steadily moves at about lr a step, however large or small its gradient.",
        "Click any cell of the weights to follow that parameter. Pause at any step: everything "
        "shown is the run as it stands.",
    )
    settings = (
        Setting("speed", Number(1, 50, integer=True), 1, "training steps a frame", live=True, log=True),
        Setting("lr", Number(1e-4, 1), DEFAULTS["lr"], "Adam's learning rate at step 0 (it decays to 0)", log=True),
        Setting("steps", Number(10, 10_000, integer=True), DEFAULTS["steps"], "steps in the run"),
    )
    events = {
        "pick": Record({"matrix": Text(64), "row": Number(0, 10_000, integer=True), "col": Number(0, 10_000, integer=True)}),
        "sample": Record({}),
    }
    frame_schema = frame_record({
        "trained": Number(0, integer=True), "steps": Number(1, integer=True), "loss": Number(0),
        "guess_loss": Number(0), "lr": Number(0), "samples": ListOf(SAMPLE, max_length=MAX_SAMPLES),
        "matrices": ListOf(Text(64), max_length=100), "picked": Anything(), "matrix": Anything(),
    })

    @property
    def steps_per_frame(self):
        return self.values["speed"]

    def build(self):
        settings = {**DEFAULTS, "lr": self.values["lr"], "steps": self.values["steps"]}
        self.job = Run(None, settings, "tensor")
        self.names = list(self.job.gpt.model.w)
        self.seeds = random.Random(self.seed + 1)   # each sample's seed: a fresh name each time
        self.samples = []
        self.picked = ("lm_head", 0, 0)
        self.history = deque(maxlen=HISTORY)
        self.loss_now = math.log(self.job.gpt.tokenizer.vocab_size)
        self.remember()

    # ---- stepping ----

    def advance(self):
        if self.converged():
            return
        self.loss_now, _ = self.job.train_step()
        self.remember()
        if self.job.step % SAMPLE_EVERY == 0:
            self.on_sample()

    def converged(self):
        return self.job.step >= self.job.steps

    def remember(self):
        """Add this step to the picked parameter's story; `moved` is what the step just did to it."""
        now = self.parameter_now()
        last = self.history[-1] if self.history else None
        now["moved"] = now["value"] - last["value"] if last and last["step"] == now["step"] - 1 else 0.0
        self.history.append(now)

    def parameter_now(self):
        """The picked parameter as Adam's state_dict has it now: value, gradient, m, v, and the
        change Adam's formula gives with them, −lr · m̂ / (√v̂ + ε)."""
        matrix, row, col = self.picked
        weight = self.job.gpt.model.w[matrix]
        state = self.job.optimizer.state_dict()["state"].get(self.names.index(matrix))
        m, v, t = (float(state["exp_avg"][row, col]), float(state["exp_avg_sq"][row, col]), int(state["step"])) if state else (0.0, 0.0, 0)
        b1, b2 = BETAS
        adam = -self.job.optimizer.lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + EPS) if t else 0.0
        grad = 0.0 if weight.grad is None else float(weight.grad[row, col])
        return {"step": self.job.step, "value": float(weight.data[row, col]), "grad": grad, "m": m, "v": v,
                "lr": self.job.optimizer.lr, "adam_step": adam}

    # ---- events ----

    def on_pick(self, matrix, row, col):
        if matrix not in self.names:
            raise ValueError(f'event.matrix: no weight called "{matrix}" (they are {", ".join(self.names)})')
        rows, cols = self.job.gpt.model.w[matrix].shape
        if row >= rows or col >= cols:
            raise ValueError(f"event.row/col: {matrix} is {rows}×{cols}, got ({row}, {col})")
        self.picked = (matrix, row, col)
        self.history.clear()
        self.remember()

    def on_sample(self):
        with no_grad():
            text = self.job.gpt.sample(1, seed=self.seeds.randrange(2**31))[0]
        self.samples = [*self.samples, {"step": self.job.step, "text": text}][-MAX_SAMPLES:]

    # ---- what comes out ----

    def parameters(self):
        return copies(self.job.gpt.model.w)

    def view(self):
        matrix, row, col = self.picked
        weight = self.job.gpt.model.w[matrix]
        story = {key: [h[key] for h in self.history] for key in ("step", "value", "grad", "m", "v", "moved")}
        return {
            "trained": self.job.step, "steps": self.job.steps, "loss": self.loss_now,
            "guess_loss": math.log(self.job.gpt.tokenizer.vocab_size), "lr": self.job.optimizer.lr,
            "samples": self.samples, "matrices": self.names,
            "picked": {"matrix": matrix, "row": row, "col": col, **self.history[-1], "history": story},
            "matrix": {"name": matrix, "values": np.round(weight.data, 5).tolist(),
                       "grads": None if weight.grad is None else np.round(weight.grad, 7).tolist()},
        }
