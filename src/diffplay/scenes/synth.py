"""synth: an oscillator learns to sound like a target (DDSP's idea, without the network).

An additive oscillator (a fundamental f0 and the amplitudes of its harmonics) or an FM pair
(carrier f0, a fixed modulator ratio, the index and an amplitude), shaped by a fixed ADSR
envelope, is fitted to a target sound by Adam on a multi-scale STFT loss: FFT sizes 2048 …
64, hop n/4, Hann windows, the L1 distance of *linear* magnitudes (engine.spectral).

Why linear: the small FFTs have main lobes hundreds of Hz wide, so even 10 % off the
harmonics still overlap the target's and pull f0 toward it, while the large FFTs pin it down.
Adding DDSP's log-magnitude term weights the near-silent bins between harmonics as much as
the peaks; their ripples trap f0 — measured with torch on the builtin target from 396 Hz
and 484 Hz: 411.0 Hz and 498.2 Hz after 300 steps, where linear magnitude alone gives 440.0.
"""

import base64
import io

import numpy as np

from .. import optim
from ..engine.spectral import FFT_SIZES, Spectra, stft_distances, stft_loss
from ..engine.tensor import Tensor, no_grad
from .base import Example, Scene, Setting, copies, frame_record
from .blobs import ARRAY, SOUND, array, sound
from .parts.oscillators import additive, adsr, fm
from .parts.sketch import Sketch
from .parts.start_search import StartSearch
from .parts.wav import read_wav, write_wav
from .schema import Boolean, Choice, ListOf, Maybe, Number, Record, SchemaError, Text

HARMONIC_TARGET = (440.0, [1.0, 0.5, 0.33, 0.25])   # the target: 440 Hz and three harmonics
TARGET_GAIN = 0.45                                    # keeps its peak below full scale
# Ratio 3 keeps the partials on 440 Hz's harmonics; with ratio 2 the loss has a second valley
# in the index (near 3.35), and Adam from index 4 settles there.
FM_TARGET = {"carrier": 440.0, "ratio": 3.0, "index": 2.5, "amplitude": 0.5}
START_AMPLITUDE = 0.1
SPECTRUM_BINS = 512
SEARCH_LOW = 20.0        # Hz: the lowest start the search weighs (f0's own lower bound)
SEARCH_RATIO = 1.05      # neighbouring starts of the coarse search: well inside the gradient's basin (~10 %)
TIE = 0.02               # finalists' losses within 2 % of the lowest count as equally good
SEARCH_BATCH = 1         # starts weighed a piece (~1.7 ms; fm ~5): a live step takes as many as fit its frame's budget
# An FM sound's partials move with the index as much as with the carrier (at index 2.5 the
# carrier itself is almost silent), so in fm mode each start is weighed at these indices too.
SEARCH_INDICES = (0.5, 1.5, 3.0, 6.0)
STALLED = 0.4            # a finished fit whose loss is this fraction of silence's has stalled
MAX_WAV_BASE64 = 4 * (48000 * 2 * 5 + 100) // 3 + 4   # 5 s of 16-bit audio at 48 kHz, with its header

SPECTRUM = Record({"hz": ListOf(Number(0), SPECTRUM_BINS), "target": ListOf(Number(), SPECTRUM_BINS)})


def wav_sound(samples, rate):
    """A WAV file of the samples, as a frame's sound()."""
    buffer = io.BytesIO()
    write_wav(buffer, samples, rate)
    return sound(buffer.getvalue())


BUSY_FFT_SIZES = FFT_SIZES[:1]   # a busy studio's loss (on_busy): the longest FFT, which resolves pitch: 1 ms a step instead of 3.5

class Synth(Scene):
    name = "synth"
    title = "differentiable audio synthesis: an oscillator learns to match a sound (DDSP)"
    settings = (
        Setting("mode", Choice("additive", "fm"), "additive", "the oscillator: harmonics, or one FM pair"),
        Setting("target", Text(4096), "builtin", 'the sound to match: "builtin" (one per mode) or a 16-bit mono WAV file',
                cli_only=True),   # a page sends its sound as a load_wav event
        Setting("rate", Number(4000, 48000, integer=True), 16000, "samples per second of the builtin target"),
        Setting("duration", Number(0.01, 5), 0.5, "seconds of the builtin target"),
        Setting("harmonics", Number(1, 64, integer=True), 4, "additive: how many harmonics"),
        Setting("f0", Number(20, 8000), 396.0, "the starting fundamental (additive) or carrier (fm), Hz"),
        Setting("search", Boolean(), True, "first weigh the loss at starts from 20 Hz to a quarter of the "
                "rate, and fit from the best (off: plain gradient descent from f0, which can stall)"),
        Setting("ratio", Number(0.1, 16), 3.0, "fm: modulator frequency over carrier frequency (fixed)"),
        Setting("index", Number(0, 20), 1.0, "fm: the starting modulation index"),
        Setting("attack", Number(0, 5), 0.01, "envelope: seconds to full level"),
        Setting("decay", Number(0, 5), 0.05, "envelope: seconds down to the sustain level"),
        Setting("sustain", Number(0, 1), 0.8, "envelope: the level held"),
        Setting("release", Number(0, 5), 0.05, "envelope: seconds of fading out at the end"),
        Setting("lr_f0", Number(0.01, 100), 2.0, "Adam's learning rate for f0, Hz per step", live=True, log=True),
        Setting("lr", Number(1e-4, 1), 0.1, "Adam's learning rate for amplitudes and the index", live=True, log=True),
        Setting("schedule", Number(1, 100_000, integer=True), 300, "steps of cosine decay of both rates"),
    )
    events = {"listen": Record({}), "load_wav": Record({"data": Text(MAX_WAV_BASE64)})}
    frame_schema = frame_record({
        "mode": Text(16), "f0": Number(), "amplitudes": Maybe(ListOf(Number(), 64)), "index": Maybe(Number()),
        "amplitude": Maybe(Number()), "loss": Maybe(Number(0)), "rate": Number(0, integer=True),
        "target_peak_hz": Number(0), "fitted_peak_hz": Number(0), "spectrum": SPECTRUM, "fitted_db": ARRAY,
        "audio": Maybe(Record({"target": SOUND, "fitted": SOUND})),
        "status": Text(300), "stalled": Boolean(),
    }, optional=())
    formats = ("png", "wav")
    example = Example()
    max_steps = 300
    budget_s = 0.05
    lighter = "fitting the spectrum at its finest-pitched FFT size of 6"

    def build(self):
        v = self.values
        if v["target"] == "builtin":
            self.rebuild(None, v["rate"])
        else:
            self.rebuild(*read_wav(v["target"]))

    def rebuild(self, target, rate):
        """The world for a target sound (None: the builtin one), from the starting parameters."""
        v = self.values
        self.target, self.rate = target, rate
        samples = len(target) if target is not None else round(v["duration"] * rate)
        self.t = np.arange(samples) / self.rate
        self.envelope = adsr(samples, self.rate, v["attack"], v["decay"], v["sustain"], v["release"])
        if self.target is None:
            self.target = self.builtin()
        if v["mode"] == "additive":
            self.shape = [Tensor(np.full(v["harmonics"], START_AMPLITUDE), requires_grad=True)]
        else:
            self.shape = [Tensor(v["index"], requires_grad=True), Tensor(START_AMPLITUDE, requires_grad=True)]
        self.loss, self.audio = None, None
        self.window = np.hanning(samples)
        self.band_hz, self.target_bands, self.target_peak = self.spectrum(self.target)   # the target's, once
        # ... and sent once: a frame field the scene hands back unchanged is not sent again
        self.target_spectrum = {"hz": self.band_hz.tolist(), "target": np.round(self.target_bands, 2).tolist()}
        self.target_spectra = Spectra(self.target)   # what the loss compares with, once
        self.silence = float(stft_distances(np.zeros(samples), self.target_spectra))   # the loss of no sound
        self.search = StartSearch(SEARCH_LOW, self.rate / 4, SEARCH_RATIO) if v["search"] else None
        self.target_magnitudes = None   # the whole target's spectrum, when the search first needs it
        self.search_shapes = {}   # start -> the shape it was weighed best with
        self.begin_fit(v["f0"])

    def begin_fit(self, f0):
        """The gradient fit from fundamental (or carrier) f0, with fresh optimizers."""
        v = self.values
        self.f0 = Tensor(float(f0), requires_grad=True)
        if f0 in self.search_shapes:
            self.shape = [Tensor(p.data, requires_grad=True) for p in self.search_shapes[f0]]
        self.opt_f0 = optim.Adam([self.f0], lr=v["lr_f0"])
        self.opt_shape = optim.Adam(self.shape, lr=v["lr"])
        self.decay = optim.CosineDecay(self.opt_f0, v["schedule"])
        self.seen = None   # the fitted sound as last computed: what a frame shows
        self.start_sound = self.fitted()

    def builtin(self):
        """The mode's target: 440 Hz with harmonics 1, .5, .33, .25, or FM 440 Hz, ratio 3, index 2.5."""
        if self.values["mode"] == "additive":
            f0, amplitudes = HARMONIC_TARGET
            wave = additive(Tensor(f0), Tensor(amplitudes) * TARGET_GAIN, self.t, self.rate / 2)
        else:
            target = FM_TARGET
            wave = fm(Tensor(target["carrier"]), target["ratio"], target["index"], target["amplitude"], self.t)
        return wave.data * self.envelope

    # ---- the sound and its fit ----

    def sound(self, f0=None, shape=None):
        """The oscillator's samples (a Tensor in the graph of its parameters), enveloped; at
        another fundamental f0 (a number) or shape when given."""
        f0 = self.f0 if f0 is None else Tensor(f0)
        shape = self.shape if shape is None else shape
        if self.values["mode"] == "additive":
            wave = additive(f0, shape[0].abs(), self.t, self.rate / 2)
        else:
            index, amplitude = shape
            wave = fm(f0, self.values["ratio"], index, amplitude.abs(), self.t)
        return wave * self.envelope

    def advance(self):
        if self.search and not self.search.done:
            self.weigh_starts()
            return False   # a piece of the first step: the fit has not begun
        factor = self.decay.factor(self.steps)
        self.opt_f0.lr, self.opt_shape.lr = self.values["lr_f0"] * factor, self.values["lr"] * factor
        sound = self.sound()
        loss = stft_loss(sound, self.target_spectra, BUSY_FFT_SIZES if self.busy else FFT_SIZES)
        self.opt_f0.zero_grad()
        self.opt_shape.zero_grad()
        loss.backward()
        self.opt_f0.step()
        self.opt_shape.step()
        self.loss, self.seen = loss.item(), sound.data   # a frame shows the sound the loss is of

    def weigh_starts(self):
        """The loss at the search's next few starts; once it is done, the fit begins at its best."""
        starts = self.search.next(SEARCH_BATCH)
        losses = []
        for f0 in starts:
            shapes = self.shapes_to_weigh(f0)
            with no_grad():
                sounds = np.stack([self.sound(f0, shape).data for shape in shapes])
            weighed = stft_distances(sounds, self.target_spectra)
            self.search_shapes[f0] = shapes[int(np.argmin(weighed))]
            losses.append(weighed.min())
        self.search.record(starts, losses)
        if self.search.done:
            self.begin_fit(self.search.best if self.values["mode"] == "fm" else self.pitch())
        else:
            self.seen = self.fitted(self.search.best)

    def shapes_to_weigh(self, f0):
        """fm: the start shape at each of SEARCH_INDICES. additive: the start amplitudes on the
        coarse grid (a smooth landscape), then, zooming in, the amplitudes the target has at
        f0's harmonics (a sharp one, where a subharmonic ties with the pitch)."""
        if self.values["mode"] == "fm":
            return [[Tensor(index), self.shape[1]] for index in SEARCH_INDICES]
        return [[Tensor(self.heard_amplitudes(f0))]] if self.search.round else [self.shape]

    def pitch(self):
        """The highest of the search's finalists as good as the best (within TIE): a subharmonic
        can fit as well as the pitch itself (150 Hz with its odd harmonics silent is a 300 Hz
        tone), and the pitch is the higher."""
        finalists = self.search.finalists()
        lowest = min(self.search.loss_of[f0] for f0 in finalists)
        return max(f0 for f0 in finalists if self.search.loss_of[f0] <= lowest * (1 + TIE))

    def heard_amplitudes(self, f0):
        """The target's amplitude at each harmonic of f0, read off its spectrum: the peak within
        half a grid step of k·f0 (so that the coarse grid hears the partials between its points),
        over an enveloped unit sine's peak. Weighed with these, a subharmonic whose odd harmonics
        the target lacks ties with the pitch itself, and the search takes the higher."""
        if self.target_magnitudes is None:
            self.target_magnitudes = np.abs(np.fft.rfft(self.target * self.window))
        hz = f0 * np.arange(1, self.values["harmonics"] + 1)
        half = (SEARCH_RATIO - 1) / 2
        lo = np.floor(hz * (1 - half) * len(self.t) / self.rate).astype(int)
        hi = np.minimum(np.ceil(hz * (1 + half) * len(self.t) / self.rate).astype(int), len(self.target_magnitudes) - 1)
        peaks = [self.target_magnitudes[a:b + 1].max() if a <= b else 0.0 for a, b in zip(lo, hi)]
        return np.array(peaks) / (np.sum(self.window * self.envelope) / 2)

    def status(self):
        """One plain sentence on where the fit stands, and whether it stalled."""
        if self.search and not self.search.done:
            tried = len(self.search.loss_of)
            return f"searching for a start: the loss at {tried} of {self.search.total} pitches weighed", False
        hz = float(self.f0.data)
        if not self.converged():
            return f"fitting by gradient descent: f0 {hz:.2f} Hz", False
        share = (self.loss if self.loss is not None else self.silence) / self.silence
        if share > STALLED:
            return (f"stalled at {hz:.2f} Hz: a local minimum of the spectral loss, {share:.0%} of silence's "
                    f"(the target's peak is at {self.target_peak:.0f} Hz; try a start near it, or the search)"), True
        return f"fitted: f0 {hz:.2f} Hz, the loss {share:.1%} of silence's", False

    def converged(self):
        return self.steps >= self.values["schedule"]

    def fitted(self, f0=None):
        with no_grad():
            return self.sound(f0).data

    # ---- events ----

    def on_load_wav(self, data):
        """A target sent by the page: a WAV file in base64, held to read_wav's rules."""
        try:
            raw = base64.b64decode(data, validate=True)
        except ValueError:
            raise SchemaError("event.data: not base64") from None
        target, rate = read_wav(io.BytesIO(raw), name="event.data")
        self.steps = 0
        self.rebuild(target, rate)

    def on_listen(self):
        """Put both sounds, as WAV files, into the next frames."""
        self.audio = {"target": wav_sound(self.target, self.rate), "fitted": wav_sound(self.fitted(), self.rate)}

    # ---- what comes out ----

    def numbers(self):
        """What it has learned, for the frame and the summary (JSON)."""
        additive_mode = self.values["mode"] == "additive"
        return {
            "f0": float(self.f0.data),
            "amplitudes": np.abs(self.shape[0].data).tolist() if additive_mode else None,
            "index": None if additive_mode else float(self.shape[0].data),
            "amplitude": None if additive_mode else abs(float(self.shape[1].data)),
        }

    def spectrum(self, samples):
        """(the band edges in Hz, dB per band, the peak in Hz) of the whole sound's Hann-windowed
        magnitude spectrum, in at most SPECTRUM_BINS bands up to Nyquist."""
        magnitudes = np.abs(np.fft.rfft(samples * self.window))
        bands = min(SPECTRUM_BINS, len(magnitudes))
        edges = np.linspace(0, len(magnitudes), bands + 1).astype(int)
        db = 20 * np.log10(np.maximum.reduceat(magnitudes, edges[:-1]) + 1e-9)
        return edges[:-1] * self.rate / len(samples), db, float(np.argmax(magnitudes) * self.rate / len(samples))

    def view(self):
        if self.seen is None:
            self.seen = self.fitted()
        _, fitted, peak = self.spectrum(self.seen)
        return {
            "mode": self.values["mode"], **self.numbers(), "loss": self.loss, "rate": self.rate,
            "target_peak_hz": self.target_peak, "fitted_peak_hz": peak,
            # float32 bytes: 512 numbers a frame as JSON text took a tenth of a millisecond to write
            "spectrum": self.target_spectrum, "fitted_db": array(fitted),
            "audio": self.audio, **dict(zip(("status", "stalled"), self.status())),
        }

    def parameters(self):
        return copies({k: v for k, v in self.numbers().items() if v is not None})

    def report(self):
        numbers = {k: (np.round(v, 5).tolist() if v is not None else None) for k, v in self.numbers().items()}
        return {"mode": self.values["mode"], **numbers, "loss": self.loss, "rate": self.rate, "samples": len(self.t),
                "target_peak_hz": round(self.target_peak, 2), "fitted_peak_hz": round(self.spectrum(self.fitted())[2], 2)}

    def render_wav(self, path):
        write_wav(path, self.fitted(), self.rate)

    def render_png(self, path, width=560, height=260):
        """Spectra to 4 kHz in dB (target thick grey, start orange, fitted blue) and 10 ms of the
        target and the fitted sound from the middle."""
        hz, target = self.band_hz, self.target_bands
        fitted, start = self.spectrum(self.fitted())[1], self.spectrum(self.start_sound)[1]
        top = min(self.rate / 2, 4000.0)
        shown = hz <= top
        sketch = Sketch((0, -0.05, 1, height / width), width)
        floor = max(target.max(), fitted.max()) - 80
        for db, colour, line in ((target, (200, 200, 200), 3), (start, (255, 127, 14), 1), (fitted, (31, 119, 180), 1)):
            y = 0.2 + 0.2 * np.clip((db[shown] - floor) / 80, 0, 1)
            sketch.polyline(np.stack([hz[shown] / top, y], 1), colour=colour, width=line)
        span = min(len(self.t), int(0.01 * self.rate))
        middle = (len(self.t) - span) // 2
        x = np.arange(span) / max(span - 1, 1)
        peak = max(np.abs(self.target).max(), 1e-9)
        for wave, colour, line in ((self.target, (200, 200, 200), 3), (self.fitted(), (31, 119, 180), 1)):
            sketch.polyline(np.stack([x, 0.07 + 0.06 * wave[middle:middle + span] / peak], 1), colour=colour, width=line)
        sketch.text((6, 4), f"spectrum 0-{top:.0f} Hz, dB: target grey, start orange, fitted blue "
                            f"(f0 {self.values['f0']:.0f} -> {float(self.f0.data):.2f} Hz)")
        sketch.text((6, height - 92), "10 ms from the middle: target grey, fitted blue")
        sketch.save(path)
