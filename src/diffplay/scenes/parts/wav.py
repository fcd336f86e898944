"""WAV files in and out with the standard library's `wave`: 16-bit PCM, mono, and nothing else.

Reading refuses what the synth cannot fit — stereo, 8- or 24-bit samples, compressed or float
data, silence, odd rates, long files — with a UsageError that names the file and the problem.
"""

import wave
from io import BytesIO

import numpy as np

from ...errors import UsageError
from ...files import write_atomic

RATES = (4000, 48000)   # sample rates the synth accepts, in Hz
MAX_SECONDS = 5.0


def read_wav(path, name=None):
    """(samples in [-1, 1) as float64, sample rate) of a 16-bit PCM mono WAV file: a path, or a
    binary file called `name` in messages."""
    where = path if name is None else name
    try:
        with wave.open(path if hasattr(path, "read") else str(path), "rb") as f:
            channels, width, rate, frames = f.getnchannels(), f.getsampwidth(), f.getframerate(), f.getnframes()
            if channels != 1:
                raise UsageError(f"{where}: {channels} channels; the synth reads mono (1 channel) 16-bit PCM, mix it down first")
            if width != 2:
                raise UsageError(f"{where}: {8 * width}-bit samples; the synth reads 16-bit PCM")
            if not RATES[0] <= rate <= RATES[1]:
                raise UsageError(f"{where}: sample rate {rate} Hz; the synth takes {RATES[0]}-{RATES[1]} Hz")
            if frames > MAX_SECONDS * rate:
                raise UsageError(f"{where}: {frames / rate:.2f} s long; the synth fits at most {MAX_SECONDS:g} s")
            data = f.readframes(frames)
    except FileNotFoundError:
        raise UsageError(f"{where}: no such file") from None
    except (wave.Error, EOFError) as error:
        raise UsageError(f"{where}: not a 16-bit PCM WAV file ({error})") from None
    samples = np.frombuffer(data, "<i2").astype(np.float64) / 32768.0
    if len(samples) < 64:
        raise UsageError(f"{where}: {len(samples)} samples; the synth needs at least 64")
    if not samples.any():
        raise UsageError(f"{where}: silent (every sample is 0); there is nothing to fit")
    return samples, rate


def write_wav(path, samples, rate):
    """Write samples as 16-bit PCM mono to a binary file, or to a path whole or not at all
    (files.write_atomic, a failure naming --out); louder than full scale is scaled down to fit.

    Returns the gain applied (1.0 unless the samples peaked above 1).
    """
    samples = np.asarray(samples, float)
    if not np.isfinite(samples).all():
        raise ValueError(f"write_wav: {path}: the samples are not all finite")
    peak = np.abs(samples).max(initial=0.0)
    gain = 1.0 if peak <= 1.0 else 1.0 / peak
    pcm = np.clip(np.round(samples * gain * 32768), -32768, 32767).astype("<i2")   # as read_wav scales
    target = path if hasattr(path, "write") else BytesIO()
    with wave.open(target, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(int(rate))
        f.writeframes(pcm.tobytes())
    if target is not path:
        write_atomic(path, target.getvalue(), "--out")
    return gain
