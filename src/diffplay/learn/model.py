"""The model the chapters look into: microgpt's default run (the names data, seed 42), trained
some steps by the Tensor engine, as the CLI trains it, then held by the Value engine."""

import functools

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


def read_name(tokenizer, name, block_size):
    """(token ids, their labels) of a name: [BOS] + its characters + [BOS]; characters the
    vocabulary lacks are left out, and it is cut to what one block holds."""
    kept = "".join(ch for ch in name if ch in tokenizer.ids)[: block_size - 1]
    tokens = tokenizer.encode(kept)
    return tokens, ["BOS" if i == tokenizer.bos else tokenizer.chars[i] for i in tokens]
