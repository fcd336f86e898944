"""gpt: microgpt learning names, live — its loss curve, a sample every few steps, and where each
attention head of the latest sample looked.

One step is one step of gpt.train's `Run` (microgpt's loop on the Tensor engine: a document,
Adam, a linearly decaying rate). Samples are drawn from a stream of their own, seeded from the
scene's seed and going on from draw to draw: each "sample" draws a new name, also after training
ends, and a headless run draws the same names every time.

Live, one step a frame by default: at the studio's 60 frames a second a 1,000-step run lasts
about 17 s (40 s on a busy box's 25), slow enough to watch a sample every 100 steps and the loss
fall under the guessing line; `speed` (a log slider, 1 to 100) goes up to as fast as the frame's
step budget allows.
"""

import math
import random

import numpy as np

from ..engine.tensor import no_grad
from ..gpt.train import DEFAULTS, Run
from .base import Example, Scene, Setting, copies, frame_record
from .blobs import ARRAY, array, unarray
from .parts.picture import svg_document, svg_polyline, svg_text, write_svg
from .schema import Boolean, ListOf, Maybe, Number, Record, Text

SAMPLE = Record({"step": Number(0, integer=True), "text": Text(64)})


def attention_maps(model, tokens):
    """Where each head of TensorGPT `model` looked over `tokens`: per layer an (n_head, T, T)
    array, row t the causal softmax weights of position t over positions 0..t."""
    maps = []
    with no_grad():
        model.logits(np.array([tokens]), on_attention=lambda layer, weights: maps.append(weights[0]))
    return maps


def loss_curve(losses, points=500):
    """The losses, or when there are more than `points`, the means of `points` equal runs of
    them (as np.array_split cuts them: the first len % points runs one longer)."""
    losses = np.asarray(losses, float)
    if len(losses) <= points:
        return losses.tolist()
    size, longer = divmod(len(losses), points)
    runs = np.arange(points)
    starts = runs * size + np.minimum(runs, longer)
    return (np.add.reduceat(losses, starts) / (size + (runs < longer))).tolist()


class GPTScene(Scene):
    name = "gpt"
    title = "microgpt learns names: loss, samples as it goes, attention per head"
    settings = (
        Setting("steps", Number(1, 100_000, integer=True), 1000, "training steps (the rate decays to 0 over them)"),
        Setting("lr", Number(1e-5, 1), 0.01, "Adam's starting learning rate", log=True),
        Setting("data", Text(max_length=4096), "", "a text file of one document per line (empty: the names package)",
                cli_only=True),
        Setting("temperature", Number(0.05, 5), 0.5, "sampling temperature", live=True, log=True),
        Setting("sample_every", Number(1, 10_000, integer=True), 100, "steps between samples", live=True),
        Setting("speed", Number(1, 100, integer=True), 1, "at most this many steps per frame (1: about 60 a second)",
                live=True, log=True),
    )
    events = {"sample": Record({})}
    frame_schema = frame_record({
        "trained": Number(0, integer=True), "steps": Number(1, integer=True), "losses": ARRAY,
        "samples": ListOf(SAMPLE, max_length=1000), "tokens": ListOf(Text(8), max_length=64),
        "attention": ListOf(ListOf(ListOf(ListOf(Maybe(Number(0, 1)), max_length=64), max_length=64), max_length=64), max_length=64),
        "lr": Number(), "done": Boolean(), "guess_loss": Number(0),
    })
    formats = ("svg",)
    example = Example(format="svg")
    max_steps = 100_000
    MAX_SAMPLES = 50

    def build(self):
        v = self.values
        settings = {**DEFAULTS, "steps": v["steps"], "lr": v["lr"], "seed": self.seed}
        self.training = Run(v["data"] or None, settings, "tensor")
        self.sample_seeds = random.Random(self.seed + 1)   # each draw's seed: a new name each time
        self.samples, self.tokens, self.attention = [], [], []
        self.loss_array = np.zeros(0)
        self.sample()

    def advance(self):
        if self.converged():
            return
        self.training.train_step()
        if self.training.step % self.values["sample_every"] == 0:
            self.sample()

    def converged(self):
        return self.training.step >= self.training.steps

    @property
    def steps_per_frame(self):
        """Live, at most `speed` steps a frame: a run lasts long enough to watch (see above)."""
        return self.values["speed"]

    def sample(self):
        """Draw one name from the model now, and keep where its heads looked."""
        gpt = self.training.gpt
        text = gpt.sample(1, self.values["temperature"], seed=self.sample_seeds.getrandbits(64))[0]
        tokenizer = gpt.tokenizer
        ids = tokenizer.encode(text)[: gpt.config.block_size]   # BOS + name (+ BOS): what the model saw
        self.tokens = ["<bos>" if t == tokenizer.bos else tokenizer.decode([t]) for t in ids]
        self.attention = [heads.tolist() for heads in attention_maps(gpt.model, ids)]
        self.samples = (self.samples + [{"step": self.training.step, "text": text}])[-self.MAX_SAMPLES:]

    def on_sample(self):
        self.sample()

    def losses(self):
        """training.losses as an array, extended by the steps since the last frame instead of
        converted whole each frame (a long run has 100,000)."""
        losses, have = self.training.losses, len(self.loss_array)
        if have > len(losses):   # a new run (reset() starts the array again too)
            self.loss_array, have = np.zeros(0), 0
        if have < len(losses):
            self.loss_array = np.concatenate([self.loss_array, losses[have:]])
        return self.loss_array

    def view(self):
        return {
            # float32 bytes: 500 losses a frame as JSON text took a quarter of a millisecond to write
            "trained": self.training.step, "steps": self.training.steps, "losses": array(loss_curve(self.losses())),
            "samples": self.samples,
            "tokens": self.tokens, "attention": self.attention,
            "lr": self.training.optimizer.lr, "done": self.converged(),
            "guess_loss": math.log(self.training.gpt.tokenizer.vocab_size),   # the loss of a uniform guess
        }

    def parameters(self):
        return copies(self.training.gpt.model.w)

    def report(self):
        losses = self.training.losses
        last = losses[-100:]
        return {
            "trained": self.training.step, "loss_first": losses[0] if losses else None,
            "loss_last100": sum(last) / len(last) if last else None,
            "samples": [s["text"] for s in self.samples[-5:]],
        }

    def render_svg(self, path):
        write_svg(path, draw_svg(self.view()))


def draw_svg(view):
    """Loss curve on the left, samples below it, the latest sample's attention per head on the right."""
    body = [svg_text(20, 24, f"microgpt: step {view['trained']} of {view['steps']}", 14)]
    losses = unarray(view["losses"]).tolist()
    if losses:
        top, bottom = max(losses), min(losses)
        span = max(top - bottom, 1e-9)
        points = [(40 + 360 * i / max(len(losses) - 1, 1), 50 + 180 * (top - l) / span) for i, l in enumerate(losses)]
        body += [svg_polyline(points, width=1), svg_text(40, 246, f"loss {losses[0]:.3f} -> {losses[-1]:.3f}", 11)]
    for i, sample in enumerate(view["samples"][-8:]):
        body.append(svg_text(40, 275 + 16 * i, f"step {sample['step']:5d}  {sample['text']}", 11))
    body += _heatmaps(view["tokens"], view["attention"][0] if view["attention"] else [], x0=440, y0=50)
    return svg_document(440 + 2 * 190, 420, body)


def _heatmaps(tokens, heads, x0, y0, cell=11):
    body = []
    for h, weights in enumerate(heads):
        x, y = x0 + (h % 2) * 190, y0 + (h // 2) * 185
        body.append(svg_text(x, y - 6, f"head {h}", 11))
        for t, row in enumerate(weights):
            body.append(svg_text(x - 3, y + cell * t + 9, tokens[t][:1] if tokens[t] != "<bos>" else "^", 9, "end"))
            for s, p in enumerate(row[: t + 1]):
                body.append(f'<rect x="{x + cell * s}" y="{y + cell * t}" width="{cell}" height="{cell}" '
                            f'fill="#1f77b4" fill-opacity="{p:.3f}"/>')
    return body
