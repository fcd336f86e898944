"""boundary: a small network learns to separate coloured points (TensorFlow Playground, ConvNetJS).

The plane is [-6, 6]², y up. A Tensor MLP maps (x, y) to one logit per class; one step is one
epoch of mini-batch SGD on softmax cross-entropy over the training points, in Playground's
fixed order, with an optional L1 or L2 penalty on the weights. Clicks add points (to the
training set, so the network must learn them), ctrl-clicks remove them.
"""

import functools

import numpy as np

from .. import optim
from ..files import read_text, write_atomic
from ..engine.tensor import Tensor, no_grad
from ..engine.tensor_losses import mse_loss
from ..engine.tensor_ops import cross_entropy, softmax
from ..nn.tensor_mlp import ACTIVATIONS, TensorMLP
from .base import Example, Scene, Setting, copies, frame_record
from .blobs import ARRAY, RASTER, array, raster
from .parts.datasets import DATASETS, REGRESSIONS, make
from .parts.mlp_export import mlp_json, mlp_script
from .parts.picture import save_png
from .parts.point_table import read_points
from .schema import Boolean, Choice, ListOf, Maybe, Number, Record, SchemaError, Text

EXTENT = 6.0
COLOURS = np.array([[245, 147, 34], [8, 119, 189], [44, 160, 44], [148, 103, 189]], float)   # Playground's first two

NEURON_CELLS = 16   # each neuron's own picture in the network diagram, cells a side
MAX_CSV = 1 << 20   # a page's CSV of points, in characters
MAX_POINTS = 5000   # clicks cannot grow the world without bound
# the frame's points as columns: a list of numbers encodes at a tenth of the cost of as many small
# objects, and float32 bytes (x, y, a regression's value) at a tenth of a list's (1,000 points a
# frame, 25 frames a second, in a busy studio, and a page reads them as fast)
POINTS = Record({"x": ARRAY, "y": ARRAY, "label": ListOf(Number(0, 3, integer=True), max_length=MAX_POINTS),
                 "test": ListOf(Boolean(), max_length=MAX_POINTS),
                 "value": ARRAY},   # a regression's values (labels: 0 below 0, 1 above)
                optional=["value"])


def _accuracy(logits, labels):
    return float((logits.argmax(1) == labels).mean())


@functools.lru_cache(maxsize=8)
def grid_points(cells):
    """The centres of a cells × cells grid over the plane, row by row from the top: (cells², 2),
    read-only, made once per size (every frame took two)."""
    centres = (np.arange(cells) + 0.5) / cells * 2 * EXTENT - EXTENT
    gx, gy = np.meshgrid(centres, centres[::-1])
    points = np.stack([gx.ravel(), gy.ravel()], 1)
    points.flags.writeable = False
    return points


def class_and_confidence(logits):
    """Per row of logits (n, k): the predicted class and how sure, 0 on a boundary to 1 where
    certain ((p_max − 1/k) / (1 − 1/k)). Column by column: k is at most 4, n is a grid."""
    k = logits.shape[1]
    top, best = logits[:, 0].copy(), np.zeros(len(logits), np.intp)
    for j in range(1, k):
        better = logits[:, j] > top
        top[better], best[better] = logits[better, j], j
    total = sum(np.exp(logits[:, j] - top) for j in range(k))   # p_max = 1 / Σ exp(l − l_max)
    return best, (1 / total - 1 / k) / (1 - 1 / k)


class Boundary(Scene):
    name = "boundary"
    title = "decision boundaries: a small network learns to separate points (TensorFlow Playground)"
    settings = (
        Setting("dataset", Choice(*DATASETS, *REGRESSIONS), "circle", "the points: to classify, " + ", ".join(DATASETS)
                + "; to regress (a value in [-1, 1] a point), " + ", ".join(REGRESSIONS)),
        Setting("data", Text(4096), "", "a CSV file of points, x,y,label[,test] a line, instead of the dataset",
                cli_only=True),   # a page sends its file's text as a load_csv event
        Setting("points", Number(4, 2000, integer=True), 500, "how many points, train and test together"),
        Setting("noise", Number(0, 50), 0.0, "noise, in Playground's percent"),
        Setting("train_ratio", Number(10, 90), 50.0, "percent of the points used for training"),
        Setting("classes", Number(2, 4, integer=True), 2, "how many classes (to classify)"),
        Setting("hidden", ListOf(Number(1, 32, integer=True), max_length=6), [4, 2], "units per hidden layer (0-6 layers)"),
        Setting("activation", Choice(*ACTIVATIONS), "tanh", "the hidden layers' activation"),
        Setting("lr", Number(1e-5, 10), 0.03, "SGD's learning rate", live=True, log=True),
        Setting("regularization", Choice("none", "l1", "l2"), "none", "penalty on the weights", live=True),
        Setting("reg_rate", Number(1e-5, 10), 0.001, "its strength (when there is a penalty)", live=True, log=True),
        Setting("batch", Number(1, 500, integer=True), 10, "points per SGD step", live=True),
        Setting("grid", Number(8, 200, integer=True), 100, "boundary resolution (cells per side)", live=True),
    )
    lighter = "the boundary drawn on half as fine a grid"
    queries = ("export",)   # a download changes nothing: a replayed link must not download it again
    events = {
        "add_point": Record({"x": Number(-EXTENT, EXTENT), "y": Number(-EXTENT, EXTENT),
                             "label": Number(0, 3, integer=True), "test": Boolean()}, optional=["test"]),
        "remove_point": Record({"x": Number(-EXTENT, EXTENT), "y": Number(-EXTENT, EXTENT)}),
        "load_csv": Record({"text": Text(MAX_CSV)}),
        "export": Record({"format": Choice("json", "py")}),
    }
    frame_schema = frame_record({
        "grid": RASTER, "grid_class": RASTER, "points": POINTS,
        "classes": Number(2, 4, integer=True), "extent": Number(), "regression": Boolean(),
        "train_loss": Maybe(Number()), "test_loss": Maybe(Number()),
        "train_accuracy": Maybe(Number(0, 1)), "test_accuracy": Maybe(Number(0, 1)),
        "download": Maybe(Record({"id": Number(1, integer=True), "name": Text(64), "text": Text(1 << 24)})),
        "network": Record({"sizes": ListOf(Number(1, integer=True), max_length=8), "neurons": RASTER,
                           "weights": ListOf(ListOf(ListOf(Number(), max_length=32), max_length=32), max_length=7),
                           "grads": ListOf(Maybe(ListOf(ListOf(Number(), max_length=32), max_length=32)), max_length=7)}),
    })
    formats = ("png", "json", "py")
    example = Example(("dataset=spiral", "hidden=8,8,8"))
    max_steps = 1000
    table = None        # points a page loaded as CSV: (xy, labels, test or None), until the next
    exports = 0         # exports asked for so far

    def build(self):
        v = self.values
        rng = np.random.default_rng(self.seed)
        self.regression = v["dataset"] in REGRESSIONS
        table = self.table if self.table and self.table[0] == self.regression else None   # read for this task
        table = table or (v["data"] and self.read_table(read_text(v["data"], f"--set data={v['data']}"), v["data"]))
        if table:
            _, self.xy, self.labels, test = table
            if test is None:   # a file may be sorted by label: split it in a shuffled order
                test = np.zeros(len(self.xy), bool)
                test[rng.permutation(len(self.xy))[round(len(self.xy) * v["train_ratio"] / 100):]] = True
            self.is_test = test.copy()
        else:
            self.xy, self.labels = make(v["dataset"], v["points"], v["noise"] / 100, v["classes"], rng)
            self.is_test = np.arange(len(self.xy)) >= round(len(self.xy) * v["train_ratio"] / 100)
        self.download = None
        outputs = 1 if self.regression else v["classes"]   # a value, or a logit per class
        self.model = TensorMLP([2, *v["hidden"], outputs], v["activation"], "playground", bias=0.1, rng=rng)
        self.opt = optim.SGD(self.model.parameters(), lr=v["lr"])
        self.rng = rng   # goes on to shuffle each epoch
        self.best_loss, self.best_step = np.inf, 0
        self.shown_points = None   # the frame's point list, made again only when the points change
        self.new_epoch()

    def new_epoch(self):
        """Forget the epoch under way: the next batch begins one, in a new order."""
        self.order, self.done = np.zeros(0, np.intp), 0   # the epoch's training points; how many have trained

    # ---- learning ----

    def loss(self, out, targets):
        """Cross-entropy of the logits, or (regression) the mean squared error of the values."""
        return mse_loss(out.reshape(-1), targets) if self.regression else cross_entropy(out, targets)

    def penalty(self):
        kind, rate = self.values["regularization"], self.values["reg_rate"]
        if kind == "none" or rate == 0:
            return 0.0
        terms = [(w * w).sum() * 0.5 if kind == "l2" else w.abs().sum() for w in self.model.weights()]
        return sum(terms[1:], terms[0]) * rate

    def advance(self):
        """One SGD batch of the epoch under way (a new one, in a new order, when none is); a step
        is an epoch, so it returns whether this batch ended one. Live, an epoch may span frames.

        (Playground keeps one order; reshuffling reached its accuracy figures on more seeds.)
        """
        if self.done >= len(self.order):
            self.order, self.done = self.rng.permutation(np.flatnonzero(~self.is_test)), 0
        batch = self.order[self.done:self.done + self.values["batch"]]
        if len(batch):
            self.opt.lr = self.values["lr"]
            loss = self.loss(self.model(Tensor(self.xy[batch])), self.labels[batch]) + self.penalty()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
        self.done += len(batch)
        return self.done >= len(self.order)

    def at_rest(self):
        return self.is_test.all()   # no training points: nothing to learn

    def logits(self, xy):
        with no_grad():
            return self.model(Tensor(xy)).data

    def scores(self):
        """Loss and accuracy on the training and the test points (None where there are none)."""
        logits = self.logits(self.xy) if len(self.xy) else np.zeros((0, self.model.linears[-1].weight.shape[0]))
        out = {}
        for name, mask in (("train", ~self.is_test), ("test", self.is_test)):
            if mask.any():
                with no_grad():
                    out[f"{name}_loss"] = self.loss(Tensor(logits[mask]), self.labels[mask]).item()
                out[f"{name}_accuracy"] = None if self.regression else _accuracy(logits[mask], self.labels[mask])
            else:
                out[f"{name}_loss"] = out[f"{name}_accuracy"] = None
        return out

    def converged(self):
        """The training loss is tiny, or has not improved by 0.1 % in 100 epochs."""
        loss = self.scores()["train_loss"]
        if loss is None or loss < 0.01:
            return True
        if loss < self.best_loss * 0.999:
            self.best_loss, self.best_step = loss, self.steps
        return self.steps - self.best_step >= 100

    # ---- clicks ----

    def on_add_point(self, x, y, label, test=False):
        if not self.regression and label >= self.values["classes"]:
            raise SchemaError(f"event.label: must be below the number of classes ({self.values['classes']}), got {label}")
        if len(self.xy) >= MAX_POINTS:
            raise SchemaError(f"event: the scene already has the most points allowed ({MAX_POINTS})")
        self.xy = np.vstack([self.xy, [[x, y]]])
        self.labels = np.append(self.labels, (1.0 if label else -1.0) if self.regression else label)
        self.is_test = np.append(self.is_test, test)
        self.shown_points = None
        self.new_epoch()   # so that the new point trains from the next batch on

    def on_remove_point(self, x, y):
        """Remove the point nearest (x, y), if one is within 0.5."""
        if not len(self.xy):
            return
        distance = np.hypot(self.xy[:, 0] - x, self.xy[:, 1] - y)
        nearest = int(distance.argmin())
        if distance[nearest] <= 0.5:
            keep = np.arange(len(self.xy)) != nearest
            self.xy, self.labels, self.is_test = self.xy[keep], self.labels[keep], self.is_test[keep]
            self.shown_points = None
            self.new_epoch()   # the epoch's order held the old indices

    def read_table(self, text, where):
        """(whether its third column is a regression's value, xy, labels or values, test or None)."""
        label = Number(-1, 1) if self.regression else Number(0, self.values["classes"] - 1, integer=True)
        return (self.regression, *read_points(text, where, EXTENT, label, MAX_POINTS))

    def on_load_csv(self, text):
        """Points from a CSV file the page read: they replace the dataset (reset keeps them)."""
        self.table = self.read_table(text, "the CSV file")
        self.reset()

    def on_export(self, format):
        """The trained network as a file the page downloads: JSON, or a standalone Python script."""
        text = self.export_json() if format == "json" else self.export_script()
        self.exports += 1   # a page saves each export once, by its id
        self.download = {"id": self.exports, "name": f"boundary.{format}", "text": text}

    # ---- what comes out ----

    def about(self):
        """What the exported network was trained for, as it goes into the files."""
        return {"title": "diffplay boundary", "task": "regression" if self.regression else "classification",
                "classes": None if self.regression else self.values["classes"], "extent": EXTENT,
                "epochs": self.steps, "seed": self.seed, "settings": {k: v for k, v in self.values.items() if k != "data"}}

    def export_json(self):
        return mlp_json(self.model, self.about())

    def export_script(self):
        return mlp_script(self.model, self.about())

    def render_json(self, path):
        write_atomic(path, self.export_json(), "--out")

    def render_py(self, path):
        write_atomic(path, self.export_script(), "--out")

    def network(self):
        """The network diagram's numbers: what each input and hidden neuron outputs over the plane
        (NEURON_CELLS a side, each scaled by its own largest magnitude to [-1, 1], stacked into
        one grey picture, 128 for 0), and every weight with its gradient from the last batch."""
        xy = grid_points(NEURON_CELLS)
        with no_grad():
            hidden = [h.data for h in self.model.outputs(Tensor(xy))][:-1]
        maps = np.concatenate([xy, *hidden], 1).T   # (neurons, cells²)
        maps = maps / np.maximum(np.abs(maps).max(1, keepdims=True), 1e-12)
        pictures = np.round((maps + 1) * 127.5).reshape(-1, NEURON_CELLS)
        linears = self.model.linears
        return {
            "sizes": [2, *(layer.weight.shape[0] for layer in linears)], "neurons": raster(pictures),
            "weights": [np.round(layer.weight.data, 5).tolist() for layer in linears],
            "grads": [None if layer.weight.grad is None else np.round(layer.weight.grad, 6).tolist() for layer in linears],
        }

    def outputs_at(self, xy):
        """At points xy (n, 2): class probabilities (n, classes), or (regression) values (n, 1)."""
        if self.regression:
            return self.logits(xy)
        with no_grad():
            return softmax(Tensor(self.logits(xy))).data

    def outputs(self, cells):
        """outputs_at on a cells × cells grid over the plane, row 0 at the top."""
        return self.outputs_at(grid_points(cells)).reshape(cells, cells, -1)

    def points(self):
        """The points as the frame lists them, a column each; the same object until a click changes them."""
        if self.shown_points is None:
            labels = (self.labels > 0).astype(int) if self.regression else self.labels
            self.shown_points = {"x": array(self.xy[:, 0]), "y": array(self.xy[:, 1]), "label": labels.tolist(),
                                 "test": self.is_test.tolist()}
            if self.regression:
                self.shown_points["value"] = array(self.labels)
        return self.shown_points

    def view(self):
        cells = max(8, self.values["grid"] // 2) if self.busy else self.values["grid"]   # a quarter of the forward passes
        if self.regression:   # the value, 0 to 255 for -1 to 1 (clipped), and no classes
            shade = np.round((np.clip(self.outputs(cells)[..., 0], -1, 1) + 1) * 127.5)
            best = np.zeros((cells, cells))
        else:
            best, confidence = class_and_confidence(self.logits(grid_points(cells)))
            shade = np.round(confidence * 255).reshape(cells, cells)
        return {
            "grid": raster(shade), "grid_class": raster(best.reshape(cells, cells)), "points": self.points(),
            "classes": self.values["classes"], "regression": self.regression, "extent": EXTENT, **self.scores(),
            "download": self.download,
            "network": self.network(),
        }

    def parameters(self):
        return copies(dict(self.model.named_parameters()))

    def report(self):
        scores = {k: None if v is None else round(v, 4) for k, v in self.scores().items()}
        return {"epochs": self.steps, "train_points": int((~self.is_test).sum()), "test_points": int(self.is_test.sum()), **scores}

    def point_colour(self, label):
        """A class's colour; a value's, from orange (-1) through white (0) to blue (1)."""
        if not self.regression:
            return COLOURS[label]
        return 255 * (1 - abs(label)) + COLOURS[int(label > 0)] * abs(label)

    def render_png(self, path, size=400):
        p = self.outputs(size)
        if self.regression:   # orange for -1, white for 0, blue for 1 (Playground's value colours)
            value = np.clip(p, -1, 1)
            pixels = 255 * (1 - np.abs(value) * 0.7) + np.where(value > 0, COLOURS[1], COLOURS[0]) * np.abs(value) * 0.7
        else:
            shade = (p.max(-1, keepdims=True) - 1 / p.shape[-1]) * 0.7   # Playground's pale regions
            pixels = 255 * (1 - shade) + COLOURS[p.argmax(-1)] * shade
        from PIL import Image, ImageDraw

        image = Image.fromarray(pixels.astype(np.uint8))
        draw = ImageDraw.Draw(image)
        scale = size / (2 * EXTENT)
        for (x, y), label, test in zip(self.xy, self.labels, self.is_test):
            u, v = (x + EXTENT) * scale, (EXTENT - y) * scale
            draw.ellipse([u - 3.5, v - 3.5, u + 3.5, v + 3.5], fill=tuple(self.point_colour(label).astype(int)),
                         outline=(0, 0, 0) if test else (255, 255, 255))
        save_png(path, np.asarray(image))
