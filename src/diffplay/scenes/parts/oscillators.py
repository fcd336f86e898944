"""Differentiable oscillators on Tensors (DDSP's idea, in a few lines) and an ADSR envelope.

Frequencies are in Hz and `t` is the array of sample times in seconds. The frequency is a
Tensor (with requires_grad when it should learn); the other parameters may be plain numbers.
"""

import numpy as np

from ...engine.tensor_ops import fused_op

TWO_PI = 2.0 * np.pi


def additive(f0, amplitudes, t, nyquist):
    """Σₖ aₖ sin(2π k f0 t) for k = 1 … len(amplitudes); harmonics at or past Nyquist are
    left out (they would alias down into the band)."""
    k = np.arange(1, len(amplitudes) + 1, dtype=float)
    audible = k * float(f0.data) < nyquist
    return harmonics(f0, amplitudes * audible, t)


@fused_op
def harmonics(f0, amplitudes, t):
    """Σₖ aₖ sin(k·2π f0 t), k = 1 … len(amplitudes), as one node: the k-th harmonic is the
    imaginary part of zᵏ, z = e^{i·2π f0 t}, and its slope in f0 the real part's, so one
    complex exponential serves every harmonic both ways (a sine and a cosine per harmonic
    and sample took two thirds of a fitting step)."""
    k = np.arange(1, len(amplitudes) + 1, dtype=float)
    z = np.exp(1j * TWO_PI * f0 * t)
    powers = np.empty((len(k), len(t)), z.dtype)   # zᵏ, a row at a time (cumprod down a column of 4 took 4 times as long)
    powers[0] = z
    for row in range(1, len(k)):
        np.multiply(powers[row - 1], z, out=powers[row])
    waves = powers.imag

    def vjp(g):
        # ∂/∂f0 Σₖ aₖ sin(kθ) = Σₖ aₖ k cos(kθ) · 2π t
        return np.asarray(((amplitudes * k) @ powers.real) @ (g * t) * TWO_PI), waves @ g, None

    return amplitudes @ waves, vjp


def fm(carrier, ratio, index, amplitude, t):
    """amplitude · sin(2π f t + index · sin(2π ratio f t)): one modulator, Chowning's FM."""
    omega = (carrier * TWO_PI) * t
    return ((omega * ratio).sin() * index + omega).sin() * amplitude


def adsr(samples, rate, attack, decay, sustain, release):
    """The envelope, one gain per sample: up to 1 over `attack` seconds, down to `sustain`
    over `decay`, held, and down to 0 over the last `release` seconds."""
    duration = samples / rate
    t = np.arange(samples) / rate
    knots = np.minimum([0.0, attack, attack + decay, max(duration - release, attack + decay), duration], duration)
    return np.interp(t, knots, [0.0, 1.0, sustain, sustain, 0.0])
