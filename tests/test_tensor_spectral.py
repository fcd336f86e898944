"""The multi-scale STFT magnitude loss vs torch.stft and finite differences."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from diffplay import Tensor, optim
from diffplay.engine.spectral import Spectra, stft_distances, stft_loss
from test_tensor_checks import assert_matches_torch


def torch_stft_loss(x, y, fft_sizes, distance):
    """The same loss from torch.stft: periodic Hann, hop n/4, no centering, end zero-padded."""
    total = 0.0
    for n in fft_sizes:
        hop, samples = n // 4, x.shape[-1]
        frames = 1 + -(-max(samples - n, 0) // hop)
        pad = (frames - 1) * hop + n - samples
        window = torch.hann_window(n, dtype=torch.float64)

        def magnitude(s):
            s = torch.nn.functional.pad(s, (0, pad))
            return torch.stft(s, n, hop, window=window, center=False, return_complex=True).abs()

        diff = magnitude(x) - magnitude(y)
        total = total + (diff.abs().mean() if distance == "l1" else (diff * diff).mean())
    return total


@settings(max_examples=8)
@given(samples=st.integers(20, 150), batch=st.sampled_from([(), (2,)]), distance=st.sampled_from(["l1", "l2"]),
       seed=st.integers(0, 99))
def test_stft_loss_matches_torch_stft_and_finite_differences(samples, batch, distance, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal(batch + (samples,)), rng.standard_normal(batch + (samples,))
    sizes = (64, 32, 16)
    assert_matches_torch(lambda x, y: stft_loss(x, y, sizes, distance),
                         lambda x, y: torch_stft_loss(x, y, sizes, distance), x, y)


def test_default_sizes_on_a_short_signal_match_torch():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal(3000), rng.standard_normal(3000)
    sizes = (2048, 1024, 512, 256, 128, 64)
    assert_matches_torch(lambda x, y: stft_loss(x, y), lambda x, y: torch_stft_loss(x, y, sizes, "l1"), x, y,
                         finite_differences=False)


def test_a_signal_against_itself_has_zero_loss():
    x = np.sin(np.linspace(0.0, 50.0, 500))
    assert stft_loss(Tensor(x), x).item() == 0.0


def test_gradient_descent_on_the_loss_finds_the_target_spectrum():
    t = np.arange(512)
    target = np.sin(2 * np.pi * 8 * t / 64)
    x = Tensor(np.sin(2 * np.pi * 5 * t / 64), requires_grad=True)
    sizes = (128, 64)
    first = stft_loss(x, target, sizes, "l2").item()
    opt = optim.Adam([x], lr=0.03)
    for _ in range(200):
        opt.zero_grad()
        loss = stft_loss(x, target, sizes, "l2")
        loss.backward()
        opt.step()
    assert loss.item() < 0.05 * first


@pytest.mark.parametrize("distance", ["l1", "l2"])
def test_a_target_given_as_spectra_gives_the_same_loss_and_gradient(distance):
    rng = np.random.default_rng(2)
    target, start = rng.standard_normal(700), rng.standard_normal(700)
    spectra, sizes = Spectra(target, (256, 64, 16)), (64, 256)   # any of the sizes it has, in any order
    losses, grads = [], []
    for y in (target, spectra):
        x = Tensor(start, requires_grad=True)
        loss = stft_loss(x, y, sizes, distance)
        loss.backward()
        losses.append(loss.item()), grads.append(x.grad)
    assert losses[0] == pytest.approx(losses[1], rel=1e-12) and np.allclose(grads[0], grads[1], rtol=1e-10, atol=0)
    target[:] = 0   # Spectra kept its own copy, so the magnitudes still describe the signal it holds
    assert stft_loss(Tensor(start), spectra, sizes, distance).item() == pytest.approx(losses[0], rel=1e-12)


def test_float32_signals_give_float32_loss_and_gradient():
    x = Tensor(np.ones(300), dtype=np.float32, requires_grad=True)
    loss = stft_loss(x, np.zeros(300, np.float32), (64,))
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


def test_stft_loss_bad_arguments_say_what_is_wrong():
    x = Tensor(np.ones(100))
    with pytest.raises(ValueError, match=r"signals of shapes \(100,\) and \(99,\) differ"):
        stft_loss(x, np.ones(99))
    with pytest.raises(ValueError, match="FFT sizes must be positive multiples of 4, got 30"):
        stft_loss(x, np.ones(100), (64, 30))
    with pytest.raises(ValueError, match="distance must be 'l1' or 'l2'"):
        stft_loss(x, np.ones(100), distance="log")
    spectra = Spectra(np.ones(100), (64, 16))
    with pytest.raises(ValueError, match=r"Spectra has FFT sizes \(64, 16\), not all of \(64, 32\)"):
        stft_loss(x, spectra, (64, 32))
    with pytest.raises(ValueError, match=r"signals of shapes \(99,\) and \(100,\) differ"):
        stft_loss(Tensor(np.ones(99)), spectra, (64,))
    with pytest.raises(ValueError, match="Spectra: FFT sizes must be positive multiples of 4, got 10"):
        Spectra(np.ones(100), (10,))


def test_stft_distances_are_each_rows_stft_loss_against_the_target():
    rng = np.random.default_rng(3)
    target, rows = rng.normal(size=700), rng.normal(size=(3, 2, 700))
    spectra = Spectra(target, (256, 64))
    distances = stft_distances(rows, spectra)
    assert distances.shape == (3, 2)
    for index in np.ndindex(3, 2):
        np.testing.assert_allclose(distances[index], stft_loss(rows[index], spectra, (256, 64)).item(), rtol=1e-12)
