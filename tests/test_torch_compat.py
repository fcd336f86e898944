"""`import diffplay.torch as torch`: lecture code runs as written on either library, and what
diffplay lacks is named when it is reached for."""

import numpy as np
import pytest
import torch

import diffplay
import diffplay.torch as ours

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "ada"]


def bigram_lecture(torch, W0, steps=20):
    """makemore lecture 1, the counting model and the one-layer network, as its notebook has them."""
    F = torch.nn.functional
    chars = sorted(set("".join(WORDS)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    N = torch.zeros((27, 27), dtype=torch.int32)
    xs, ys = [], []
    for w in WORDS:
        cs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(cs, cs[1:]):
            N[stoi[ch1], stoi[ch2]] += 1
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    xs, ys = torch.tensor(xs), torch.tensor(ys)
    counting_loss = -P[xs, ys].log().mean().item()
    W = torch.tensor(W0, requires_grad=True)
    for _ in range(steps):
        xenc = F.one_hot(xs, num_classes=27).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(len(ys)), ys].log().mean() + 0.01 * (W**2).mean()
        W.grad = None
        loss.backward()
        W.data += -10 * W.grad
    return counting_loss, loss.item(), int(N.sum().item())


def test_the_bigram_lecture_runs_as_written_on_both():
    W0 = np.random.default_rng(0).standard_normal((27, 27)).astype(np.float32)
    mine, theirs = bigram_lecture(ours, W0), bigram_lecture(torch, W0)
    assert mine[2] == theirs[2] == sum(len(w) + 1 for w in WORDS)
    np.testing.assert_allclose(mine[:2], theirs[:2], rtol=1e-5)


def test_the_namespace_is_diffplays_own():
    assert ours.Tensor is diffplay.Tensor and ours.nn is diffplay.nn and ours.optim is diffplay.optim
    assert ours.nn.functional is diffplay.nn.functional and ours.no_grad is diffplay.no_grad
    assert ours.float32 == np.float32 and ours.long == np.int64 and ours.bool == np.bool_


def test_torch_functions_of_tensors_are_their_methods():
    x = ours.tensor([[1.0, -2.0], [3.0, 0.5]])
    assert ours.tanh(x).tolist() == x.tanh().tolist() and ours.sum(x, dim=1).tolist() == [-1.0, 3.5]
    assert ours.max(x, 1).indices.tolist() == [0, 0] and ours.argmax(x).item() == 2
    assert ours.allclose(ours.exp(ours.log(ours.abs(x))), x.abs())
    assert ours.any(x < 0).item() and not ours.all(x < 0).item() and ours.numel(x) == 4


def test_what_diffplay_lacks_is_named():
    with pytest.raises(AttributeError, match="diffplay.torch has no 'fft': torch.fft is not implemented in diffplay"):
        ours.fft
    with pytest.raises(AttributeError, match="diffplay.nn has no 'Conv1d': torch.nn.Conv1d is not implemented"):
        ours.nn.Conv1d
    with pytest.raises(AttributeError, match="diffplay.nn.init has no 'kaiming_normal_': torch.nn.init.kaiming"):
        ours.nn.init.kaiming_normal_
    with pytest.raises(AttributeError, match="diffplay.nn.functional has no 'unfold': torch.nn.functional.unfold is"):
        ours.nn.functional.unfold
    with pytest.raises(AttributeError, match="diffplay.optim has no 'lr_scheduler': torch.optim.lr_scheduler is"):
        ours.optim.lr_scheduler
    with pytest.raises(NotImplementedError, match="conv1d: groups other than 1 are not implemented"):
        ours.nn.functional.conv1d(ours.ones(1, 2, 4), ours.ones(2, 1, 3), groups=2)
