"""The makemore lectures' models, written once in PyTorch's style, for tests and benchmarks/makemore.py.

Every function takes the `torch` to run on, PyTorch itself or `diffplay.torch`, so one text of
lecture code runs on both:

- `mlp`: Bengio et al. 2003 as in lecture 2: embed each of 3 context characters, concatenate,
  a tanh hidden layer, logits.
- `batchnorm`: the same with BatchNorm1d before the tanh (lecture 3).
- `wavenet`: lecture 5's hierarchy: 8 characters fused two by two (FlattenConsecutive), each
  fusion a Linear, BatchNorm1d and tanh.

`twins` builds a model in PyTorch with PyTorch's own initial weights and hands the same arrays
to diffplay's; `train` is the lectures' loop (minibatch, cross-entropy, plain SGD on p.data).
"""

import functools
import random

import numpy as np

from gpt_reference import NAMES_TXT, names_txt  # noqa: F401  (where names.txt lives; skip when absent)

VOCAB = 27   # '.' and a-z


@functools.cache
def dataset(path, block_size):
    """(X, Y) for the training and dev splits (80 % / 10 %), as lecture 2 makes them: the
    words shuffled by random.seed(42), each context the block_size characters before."""
    words = path.read_text().splitlines()
    chars = sorted(set("".join(words)))
    stoi = {c: i + 1 for i, c in enumerate(chars)}
    random.Random(42).shuffle(words)
    n1, n2 = int(0.8 * len(words)), int(0.9 * len(words))

    def build(part):
        X, Y = [], []
        for w in part:
            context = [0] * block_size
            for ch in w + ".":
                X.append(context)
                Y.append(stoi.get(ch, 0))
                context = context[1:] + [stoi.get(ch, 0)]
        return np.array(X, np.int64), np.array(Y, np.int64)

    return build(words[:n1]), build(words[n1:n2])


def mlp(torch, block_size=3, n_embd=10, n_hidden=200):
    nn = torch.nn
    return nn.Sequential(nn.Embedding(VOCAB, n_embd), nn.Flatten(), nn.Linear(block_size * n_embd, n_hidden),
                         nn.Tanh(), nn.Linear(n_hidden, VOCAB))


def batchnorm(torch, block_size=3, n_embd=10, n_hidden=200):
    nn = torch.nn
    return nn.Sequential(nn.Embedding(VOCAB, n_embd), nn.Flatten(),
                         nn.Linear(block_size * n_embd, n_hidden, bias=False), nn.BatchNorm1d(n_hidden), nn.Tanh(),
                         nn.Linear(n_hidden, VOCAB))


def wavenet(torch, block_size=8, n_embd=24, n_hidden=128):
    nn = torch.nn

    class FlattenConsecutive(nn.Module):
        """(B, T, C) -> (B, T/n, C·n): n neighbours side by side; (B, C·n) once T/n is 1."""

        def __init__(self, n):
            super().__init__()
            self.n = n

        def forward(self, x):
            B, T, C = x.shape
            x = x.reshape(B, T // self.n, C * self.n)   # after BatchNormLast x is not contiguous: no view
            return x.squeeze(1) if x.shape[1] == 1 else x

    class BatchNormLast(nn.BatchNorm1d):
        """BatchNorm1d over the channels of (B, T, C) as well as (B, C) (torch's wants (B, C, T))."""

        def forward(self, x):
            return super().forward(x.transpose(1, 2)).transpose(1, 2) if x.ndim == 3 else super().forward(x)

    layers = [nn.Embedding(VOCAB, n_embd)]
    width = n_embd
    for _ in range(int(np.log2(block_size))):
        layers += [FlattenConsecutive(2), nn.Linear(2 * width, n_hidden, bias=False), BatchNormLast(n_hidden),
                   nn.Tanh()]
        width = n_hidden
    return nn.Sequential(*layers, nn.Linear(n_hidden, VOCAB))


MODELS = {"mlp": (mlp, 3), "batchnorm": (batchnorm, 3), "wavenet": (wavenet, 8)}


def twins(name, dtype, seed=42):
    """The model `name` in PyTorch (its initial weights, from torch.manual_seed(seed)) and in
    diffplay (the same arrays, loaded), both in `dtype` ("float32" or "float64")."""
    import torch

    import diffplay.torch as ours

    build, _ = MODELS[name]
    torch.manual_seed(seed)
    theirs = build(torch).to(getattr(torch, dtype))
    mine = build(ours).to(getattr(ours, dtype))
    mine.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return theirs, mine


def train(torch, model, X, Y, batches, lr=0.1):
    """The losses of one step per minibatch (see stepper)."""
    step = stepper(torch, model, X, Y, batches, lr)
    return [step() for _ in batches]


def stepper(torch, model, X, Y, batches, lr=0.1):
    """The lectures' loop, a step per call on the next minibatch: forward, cross-entropy,
    backward, p.data -= lr·p.grad; it returns the loss."""
    X, Y = torch.tensor(X), torch.tensor(Y)
    batches = iter([torch.tensor(ix) for ix in batches])
    parameters = list(model.parameters())
    model.train()

    def step():
        ix = next(batches)
        loss = torch.nn.functional.cross_entropy(model(X[ix]), Y[ix])
        for p in parameters:
            p.grad = None
        loss.backward()
        for p in parameters:
            p.data += -lr * p.grad
        return loss.item()

    return step


def evaluate(torch, model, X, Y):
    """The loss over a whole split in eval mode (BatchNorm on its running statistics)."""

    @torch.no_grad()
    def split_loss():
        return torch.nn.functional.cross_entropy(model(torch.tensor(X)), torch.tensor(Y)).item()

    model.eval()
    return split_loss()


def batches(n, steps, size=32, seed=0):
    """The minibatches' indices, drawn once and given to both sides."""
    return np.random.default_rng(seed).integers(0, n, (steps, size))
