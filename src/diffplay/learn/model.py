"""The model the chapters look into: microgpt's default run (the names data, seed 42), trained
some steps by the Tensor engine, as the CLI trains it, then held by the Value engine."""

import functools

from ..errors import UsageError
from ..gpt.model_value import ValueGPT
from ..gpt.train import DEFAULTS, Run
from ..process import one_blas_thread
from ..scenes.base import Setting
from ..scenes.schema import Number, Text


@functools.lru_cache(maxsize=4)
def trained(steps):
    """(tokenizer, config, weights) after `steps` of microgpt's 1,000-step run (0: as initialized)."""
    run = Run(None, dict(DEFAULTS), "tensor")
    with one_blas_thread():
        for _ in range(steps):
            run.train_step()
    return run.gpt.tokenizer, run.config, run.gpt.weights()


def value_model(steps):
    """A fresh ValueGPT (its own Values, so its own gradients) with the weights of `trained(steps)`,
    and its tokenizer."""
    tokenizer, config, weights = trained(steps)
    return ValueGPT(config, tokenizer.vocab_size, weights), tokenizer


# The settings every chapter that reads a name through the model shares.
NAME = Setting("name", Text(max_length=15, min_length=1), "emma", "the name the model reads", live=True)
STEPS = Setting("steps", Number(0, 1000, integer=True), 1000, "training steps of the model (0: untrained)")


def read_name(tokenizer, name, block_size, where="name"):
    """(token ids, their labels) of a name: [BOS] + its characters + [BOS], cut to what one
    block holds; a character the vocabulary lacks is a UsageError naming it."""
    for column, ch in enumerate(name, 1):
        if ch not in tokenizer.ids:
            raise UsageError(f"character {ch!r} (column {column}) is not in microgpt's vocabulary "
                             f"({tokenizer.chars!r})", where=where)
    tokens = tokenizer.encode(name[: block_size - 1])
    return tokens, ["BOS" if i == tokenizer.bos else tokenizer.chars[i] for i in tokens]
