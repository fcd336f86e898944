"""A multi-scale STFT magnitude loss for audio, as one Tensor node with its own gradient.

For each FFT size n the signal is cut into frames of n samples every n/4 (the end padded
with zeros so every sample lies in a frame), each frame is multiplied by a periodic Hann
window and sent through a real FFT, and the magnitudes are compared. Backward runs the same
path in reverse: the gradient of |X| is X/|X| (0 where |X| = 0, as torch), an unnormalized
inverse real FFT carries it back to the frames, and overlap-add carries it back to the signal.
"""

import functools

import numpy as np

from .tensor_core import Tensor, node, operand

FFT_SIZES = (2048, 1024, 512, 256, 128, 64)
OVERLAP = 4   # hop = n / OVERLAP


def stft_loss(x, y, fft_sizes=FFT_SIZES, distance="l1"):
    """Σ over n in fft_sizes of mean(| |STFT_n(x)| − |STFT_n(y)| |) (or of its square, "l2").

    x and y are signals of one shape (..., samples), Tensors or arrays; either may need a
    gradient. y may also be a Spectra of a fixed signal (its magnitudes, computed once: a
    fitting loop compares every step's sound to the same target). Returns a scalar Tensor.
    """
    a = operand(x, "stft_loss")
    if distance not in ("l1", "l2"):
        raise ValueError(f"stft_loss: distance must be 'l1' or 'l2', got {distance!r}")
    _check_sizes(fft_sizes, "stft_loss")
    target = y if isinstance(y, Spectra) else None
    b = target.signal if target else operand(y, "stft_loss")
    if np.shape(a) != np.shape(b):
        raise ValueError(f"stft_loss: signals of shapes {np.shape(a)} and {np.shape(b)} differ")
    if target and not set(fft_sizes) <= set(target.magnitudes):
        raise ValueError(f"stft_loss: the target's Spectra has FFT sizes {tuple(target.magnitudes)}, "
                         f"not all of {tuple(fft_sizes)}")
    scales = [_compare(a, b, n, distance, target.magnitudes[n] if target else None) for n in fft_sizes]
    out = np.asarray(sum(loss for loss, _ in scales), np.result_type(a, b, np.float32))
    signals = [(t, of_x) for t, of_x in ((x, True), (y, False)) if type(t) is Tensor]

    def backward(g):
        # a signal's gradient, summed over the scales; y enters the difference with a minus
        return tuple(
            sum(to_signal(g if of_x else -g, of_x) for _, to_signal in scales).astype(t.data.dtype)
            if t.requires_grad else None
            for t, of_x in signals
        )

    return node(out, tuple(t for t, _ in signals), backward, "stft_loss")


def stft_distances(signals, target):
    """stft_loss(row, target) (L1, the target's FFT sizes) for every row of `signals`
    (..., samples), as an array and without a graph: the cheap way to compare many candidate
    sounds with one target, as a search of starting points does."""
    signals = np.asarray(signals, float)
    return sum(np.abs(np.abs(_stft(signals, n)) - magnitudes).mean(axis=(-2, -1))
               for n, magnitudes in target.magnitudes.items())


class Spectra:
    """A fixed signal's STFT magnitudes at each FFT size, for stft_loss's y: computed once
    instead of every call (a third of a fitting step's FFTs)."""

    def __init__(self, signal, fft_sizes=FFT_SIZES):
        _check_sizes(fft_sizes, "Spectra")
        self.signal = np.array(operand(signal, "Spectra"))
        self.signal.flags.writeable = False   # the magnitudes are of this signal: keep them in step
        self.magnitudes = {n: np.abs(_stft(self.signal, n)) for n in fft_sizes}


def _check_sizes(fft_sizes, who):
    for n in fft_sizes:
        if not (isinstance(n, int) and n >= OVERLAP and n % OVERLAP == 0):
            raise ValueError(f"{who}: FFT sizes must be positive multiples of {OVERLAP}, got {n!r}")


def _compare(a, b, n, distance, mag_y=None):
    """One scale's loss, and a function from its gradient to either signal's gradient
    (mag_y: b's magnitudes, when they are known; b then gets no gradient)."""
    samples = np.shape(a)[-1]
    X = _stft(a, n)
    Y = _stft(b, n) if mag_y is None else None
    mag_x, mag_y = np.abs(X), np.abs(Y) if mag_y is None else mag_y
    diff = mag_x - mag_y
    loss = np.abs(diff).mean() if distance == "l1" else (diff * diff).mean()
    d_diff = (np.sign(diff) if distance == "l1" else 2.0 * diff) / diff.size

    def to_signal(g, of_x):
        spectrum, mag = (X, mag_x) if of_x else (Y, mag_y)
        # d|X| = X/|X| (0 where X = 0, and X/tiny is 0 there too); all the real factors first,
        # then one complex product
        real_factor = (g * d_diff) * _bin_weights(n, mag.dtype) / np.maximum(mag, np.finfo(mag.dtype).tiny)
        return _istft_adjoint(spectrum * real_factor, n, samples)

    return loss, to_signal


def _stft(signal, n):
    """(..., frames, n/2 + 1) complex spectra of the Hann-windowed frames."""
    signal = np.asarray(signal)
    hop = n // OVERLAP
    *rows, samples = signal.shape
    frames = 1 + -(-max(samples - n, 0) // hop)   # enough frames to cover every sample
    # zeros and a copy, and the frames as a strided view of them: np.pad and
    # sliding_window_view took two fifths of the transform, in Python
    padded = np.zeros((*rows, (frames - 1) * hop + n), signal.dtype)
    padded[..., :samples] = signal
    step = padded.strides[-1]
    framed = np.lib.stride_tricks.as_strided(padded, (*rows, frames, n), (*padded.strides[:-1], hop * step, step),
                                             writeable=False)
    return np.fft.rfft(framed * _hann(n, padded.dtype), axis=-1)


def _istft_adjoint(d_spectrum, n, samples):
    """The transpose of _stft: (bin-weighted) spectra gradients back to a signal gradient."""
    hop = n // OVERLAP
    d_frames = np.fft.irfft(d_spectrum, n, axis=-1, norm="forward") * _hann(n, d_spectrum.real.dtype)
    # overlap-add: chunk j of frame m lands on block m + j of the padded signal
    frames = d_frames.shape[-2]
    blocks = np.zeros(d_frames.shape[:-2] + (frames + OVERLAP - 1, hop), d_frames.dtype)
    for j in range(OVERLAP):
        blocks[..., j:j + frames, :] += d_frames[..., :, j * hop:(j + 1) * hop]
    return blocks.reshape(*blocks.shape[:-2], -1)[..., :samples]


@functools.lru_cache(maxsize=32)
def _bin_weights(n, dtype):
    """rfft's adjoint as an unnormalized inverse FFT: bins 1 … n/2−1 stand for two conjugate
    bins, which irfft counts twice, so they enter at half weight."""
    weights = np.ones(n // 2 + 1, dtype)
    weights[1:-1] = 0.5
    weights.flags.writeable = False
    return weights


@functools.lru_cache(maxsize=32)
def _hann(n, dtype):
    """The periodic Hann window, as torch.hann_window(n)."""
    window = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)).astype(dtype)
    window.flags.writeable = False
    return window
