"""canvas: a network learns to paint (ConvNetJS's image regression, with Fourier features).

An MLP maps a pixel's position to its colour. Fed raw (x, y) a small MLP can only learn a
blur; fed sines and cosines of random projections of (x, y) (Tancik et al., "Fourier
features let networks learn high frequency functions") it learns edges in a few hundred
steps. One step is one Adam step on the mean squared error over a batch of painted pixels,
taken in a shuffled order that visits each once an epoch (ConvNetJS learned from a pixel at a
time). Half of the 4,096 a step costs half a full step, which a busy studio's frame can
afford, and loses little against learning from all of them; 1,024 a step leaves the sky
visibly noisy.
Coordinates are pixels of the size × size target, (0, 0) at the top left.
"""

import numpy as np

from .. import optim
from ..engine.tensor import Tensor, no_grad
from ..nn.tensor_mlp import TensorMLP
from .base import Example, Scene, Setting, copies, frame_record
from .blobs import RASTER, raster, unraster
from .parts.picture import load_png, on_white, save_png
from .schema import ListOf, Maybe, Number, Record, SchemaError, Text

MAX_IMAGE = 512   # a loaded image may be at most this many pixels a side
MAX_SIZE = 128    # the canvas is at most this many pixels a side (a loaded image is scaled to its size)


def builtin_picture(size):
    """A small sunset, drawn with NumPy: sky gradient, sun, two ridges of hills. RGB in [0, 1]."""
    y, x = (np.mgrid[0:size, 0:size] + 0.5) / size
    sky = np.stack([0.15 + 0.85 * y, 0.2 + 0.45 * y, 0.45 - 0.2 * y], -1)
    sun = np.hypot(x - 0.68, y - 0.45) < 0.13
    picture = np.where(sun[..., None], [1.0, 0.9, 0.45], sky)
    far = y > 0.62 + 0.06 * np.sin(9 * x)
    picture = np.where(far[..., None], [0.35, 0.2, 0.4], picture)
    near = y > 0.78 + 0.05 * np.sin(5 * x + 1)
    return np.where(near[..., None], [0.12, 0.1, 0.2], picture)


def resized(pixels, size):
    """8-bit RGB pixels as a size × size picture in [0, 1]."""
    from PIL import Image   # only a loaded picture needs it

    # load_png's resampling: a picture from the page trains as the same file from the command line
    return np.asarray(Image.fromarray(pixels).resize((size, size), Image.Resampling.LANCZOS), np.float64) / 255


def fourier_features(size, count, scale, rng):
    """[sin 2πBp, cos 2πBp] for every pixel centre p in [0, 1]², B ~ N(0, scale²): (size², 2·count)."""
    y, x = (np.mgrid[0:size, 0:size] + 0.5) / size
    p = np.stack([x.ravel(), y.ravel()], 1)
    angles = 2 * np.pi * p @ rng.normal(0, scale, (count, 2)).T
    return np.concatenate([np.sin(angles), np.cos(angles)], 1)


def paint_segment(mask, a, b, radius):
    """Set the pixels of `mask` whose centres lie within `radius` of the segment ab (a capsule).

    Only the capsule's bounding box, clipped to the canvas, is looked at: a segment off the
    canvas costs nothing, and none costs more than one pass over the canvas.
    """
    lo = np.clip(np.floor(np.minimum(a, b) - radius), 0, mask.shape[::-1]).astype(int)
    hi = np.clip(np.ceil(np.maximum(a, b) + radius), 0, mask.shape[::-1]).astype(int)
    if (hi <= lo).any():
        return
    x = np.arange(lo[0], hi[0]) + 0.5 - a[0]            # pixel centres relative to a: a row ...
    y = np.arange(lo[1], hi[1])[:, None] + 0.5 - a[1]   # ... and a column, broadcast to the window
    ab = b - a
    # the nearest point of the segment to each pixel centre is a + t·ab, t clamped to [0, 1]
    t = np.clip((x * ab[0] + y * ab[1]) / max(ab @ ab, 1e-12), 0, 1)
    dx, dy = x - t * ab[0], y - t * ab[1]
    mask[lo[1]:hi[1], lo[0]:hi[0]] |= dx * dx + dy * dy <= radius * radius


STROKE_POINT = Record({"x": Number(-64, 1024), "y": Number(-64, 1024)})


BUSY_PIXELS = 256   # a busy studio's batch (on_busy): an eighth of the default 2,048's, a step ~0.5 ms (512: ~0.9, past a busy frame's budget)
# ... and its frames redraw every other row and every fourth column in turn: an eighth of the
# picture each (a quarter cost as much as the step itself, 0.5 ms)
INTERLACE = (2, 4)

class Canvas(Scene):
    name = "canvas"
    title = "a network learns to paint: (x, y) -> colour through Fourier features"
    settings = (
        Setting("size", Number(8, MAX_SIZE, integer=True), 64, "the canvas is size × size pixels"),
        Setting("image", Text(max_length=4096), "builtin", 'what to learn: "builtin", "empty", or a PNG file',
                cli_only=True),   # a page sends its pictures as load_image events
        Setting("features", Number(1, 256, integer=True), 64, "how many random Fourier frequencies"),
        Setting("scale", Number(0.1, 100), 10.0, "their spread: higher learns finer detail (and noise)", log=True),
        Setting("hidden", ListOf(Number(1, 256, integer=True), max_length=4), [64, 64], "units per hidden layer"),
        Setting("lr", Number(1e-5, 1), 0.01, "Adam's learning rate", live=True, log=True),
        Setting("batch", Number(0, MAX_SIZE * MAX_SIZE, integer=True), 2048,
                "painted pixels a step learns from (0: all of them)", live=True),
    )
    events = {
        "stroke": Record({
            "points": ListOf(STROKE_POINT, max_length=2000, min_length=1),
            "color": ListOf(Number(0, 255, integer=True), max_length=3, min_length=3),
            "radius": Number(0.5, 64),
        }),
        "clear": Record({}),
        "load_image": RASTER,
    }
    frame_schema = frame_record({
        "target": RASTER, "mask": RASTER, "output": RASTER, "painted": Number(0, integer=True),
        "loss": Maybe(Number()), "psnr": Maybe(Number()),
    })
    formats = ("png",)
    example = Example()
    max_steps = 500
    budget_s = 0.05
    lighter = f"learning from at most {BUSY_PIXELS} pixels a step, and redrawing an eighth of the picture a frame"
    loaded = None   # the RGB pixels of a picture the page sent, until another comes

    def build(self):
        v = self.values
        size = v["size"]
        self.target, self.mask = np.ones((size, size, 3)), np.zeros((size, size), bool)
        self.repainted()
        if self.loaded is not None:   # a picture the page loaded outlives "reset" and a new size
            self.paint_image(resized(self.loaded, size))
        elif v["image"] == "builtin":
            self.paint_image(builtin_picture(size))
        elif v["image"] != "empty":
            self.paint_image(load_png(v["image"], size))
        rng = np.random.default_rng(self.seed)
        self.order_rng = np.random.default_rng([self.seed, 1])   # the batches' order, apart from the weights
        # float32: the matmuls are the whole cost, and colours need no more precision
        self.features = fourier_features(size, v["features"], v["scale"], rng).astype(np.float32)
        self.features.flags.writeable = False   # a constant of the run: its copies share it (Scene.snapshot)
        sizes = [2 * v["features"], *v["hidden"], 3]
        self.model = TensorMLP(sizes, "relu", "he", rng=rng, dtype=np.float32)
        self.start_at_mean_colour()
        self.opt = optim.Adam(self.model.parameters(), lr=v["lr"])
        self.last_loss = None
        self.seen = None   # the network's picture as last computed, (size, size, 3)
        self.shown, self.turn = None, 0   # the picture the last frame showed; whose turn it is to be redrawn (busy)

    def start_at_mean_colour(self):
        """The output biases at the logit of the picture's mean colour: the network starts from
        the picture's average, not grey. On a white background grey is far off, and the first
        steps drive every output into the sigmoid's flat top, where it learns slowly."""
        if self.mask.any():
            mean = np.clip(self.target[self.mask].mean(0), 0.02, 0.98)
            self.model.linears[-1].bias.data[...] = np.log(mean / (1 - mean))

    def repainted(self):
        """Forget what was made from the painting: the training pixels and the frame's rasters."""
        self.painted = self.painting = None
        self.order, self.next = None, 0   # a new epoch over the new pixels

    def paint_image(self, rgb):
        self.target[...] = rgb
        self.mask[...] = True
        self.repainted()

    def painted_pixels(self):
        """(the painted pixels' indices, their colours), kept until the painting changes: a batch
        gathers only its own rows of the features (a stroke, 20 a second, copied all of them)."""
        if self.painted is None:
            where = np.flatnonzero(self.mask)
            self.painted = (where, self.target.reshape(-1, 3)[where].astype(np.float32))
        return self.painted

    def training_batch(self):
        """(features, colours) of the next `batch` painted pixels of this epoch's shuffled order
        (all of them, in order, when the batch covers them), and whether that is all of them."""
        where, colours = self.painted_pixels()
        count, size = len(colours), self.values["batch"]
        if self.busy:
            size = min(size or count, BUSY_PIXELS)
        if size == 0 or size >= count:
            return Tensor.wrap(self.features if count == len(self.features) else self.features[where]), colours, True
        if self.order is None or self.next + size > count:   # a new epoch (its last partial batch is dropped)
            self.order, self.next = self.order_rng.permutation(count), 0
        chosen = self.order[self.next:self.next + size]
        self.next += size
        return Tensor.wrap(self.features[where[chosen]]), colours[chosen], False

    # ---- learning ----

    def advance(self):
        if not self.mask.any():
            self.last_loss = None   # an empty canvas has nothing to learn
            return
        self.opt.lr = self.values["lr"]
        inputs, wanted, whole = self.training_batch()
        predicted = self.model(inputs).sigmoid()
        error = predicted - wanted
        loss = (error * error).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.last_loss = loss.item()
        # learning from every pixel, the prediction is the whole picture (the one the loss is
        # of): a frame need not run the network again
        self.seen = predicted.data.reshape(self.target.shape) if whole and self.mask.all() else None

    def render_output(self, rows=slice(None), columns=slice(None)):
        """The network's picture: (size, size, 3) in [0, 1]; or those rows and columns of it."""
        size = self.values["size"]
        features = self.features.reshape(size, size, -1)[rows, columns]
        with no_grad():
            colours = self.model(Tensor.wrap(features.reshape(-1, features.shape[-1]))).sigmoid().data
        return colours.reshape(*features.shape[:2], 3)

    def redrawn(self):
        """The picture last shown with one of its interlaced parts (INTERLACE: rows by columns)
        drawn anew, in turn (busy: the network runs on an eighth of the pixels a frame; none is
        more than 8 frames old)."""
        rows, columns = INTERLACE
        row, column = divmod(self.turn, columns)
        self.turn = (self.turn + 1) % (rows * columns)
        picture = self.shown.copy()   # a new object: a frame never changes what it sent
        parts = slice(row, None, rows), slice(column, None, columns)
        picture[parts] = self.render_output(*parts)
        return picture

    def psnr(self, output=None):
        """Peak signal-to-noise ratio, in dB, over the painted pixels (None if none are)."""
        if not self.mask.any():
            return None
        output = self.render_output() if output is None else output
        error = (output - self.target).reshape(-1, 3)
        # each pixel's squared error, summed over the painted ones by a product with the mask:
        # half the time of selecting them first
        mse = float(np.einsum("ij,ij->i", error, error) @ self.mask.reshape(-1)) / (3 * np.count_nonzero(self.mask))
        return 10 * np.log10(1 / max(mse, 1e-12))

    def converged(self):
        return not self.mask.any()

    # ---- painting ----

    def on_stroke(self, points, color, radius):
        """Paint every pixel whose centre is within `radius` of the polyline through `points`."""
        xy = np.array([[p["x"], p["y"]] for p in points])
        segments = zip(xy[:-1], xy[1:]) if len(xy) > 1 else [(xy[0], xy[0])]
        touched = np.zeros_like(self.mask)
        for a, b in segments:
            paint_segment(touched, a, b, radius)
        self.target[touched] = np.array(color) / 255
        self.mask |= touched
        self.repainted()

    def on_clear(self):
        self.target[...] = 1.0
        self.mask[...] = False
        self.repainted()

    def on_load_image(self, width, height, channels, data):
        if width > MAX_IMAGE or height > MAX_IMAGE:
            raise SchemaError(f"event: images may be at most {MAX_IMAGE} pixels a side, got {width} × {height}")
        if channels not in (3, 4):
            raise SchemaError(f"event.channels: expected 3 (RGB) or 4 (RGBA), got {channels}")
        pixels = unraster({"width": width, "height": height, "channels": channels, "data": data}, "event")
        # A fresh network, as the command line starts one: one trained on another picture (and
        # Adam's moments with it) pushed towards a white background saturates its sigmoid and
        # stops learning (22 dB for good, where a fresh one reaches 25 dB and more).
        self.loaded = on_white(pixels)
        self.reset()

    # ---- what comes out ----

    def view(self):
        if self.seen is None:
            self.seen = self.redrawn() if self.busy and self.shown is not None else self.render_output()
        self.shown = self.seen
        if self.painting is None:   # the same rasters until the painting changes
            self.painting = {"target": raster(np.round(self.target * 255)), "mask": raster(self.mask * 255),
                             "painted": int(self.mask.sum())}
        return {**self.painting, "output": raster(np.round(self.seen * 255)), "loss": self.last_loss,
                "psnr": self.psnr(self.seen)}

    def parameters(self):
        return copies(dict(self.model.named_parameters()))

    def report(self):
        psnr = self.psnr()
        return {"painted": int(self.mask.sum()), "loss": self.last_loss, "psnr": None if psnr is None else round(psnr, 2)}

    def render_png(self, path, zoom=4):
        """The target (unpainted pixels white) beside the network's picture, each zoomed."""
        pair = np.concatenate([self.target, np.ones((self.values["size"], 1, 3)), self.render_output()], 1)
        save_png(path, np.round(np.kron(pair, np.ones((zoom, zoom, 1))) * 255))
