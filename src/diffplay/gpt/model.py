"""`GPT`: a model with its vocabulary and random stream, on either engine; load it and sample."""

import random

from ..checks import check_choice
from .checkpoint import read_checkpoint
from .data import Tokenizer
from .sample import check_count, check_prompt, check_temperature, sample_one

ENGINES = ("tensor", "value")


def build_model(engine, config, vocab_size, weights):
    """The engine's model (ValueGPT or TensorGPT) holding `weights` ({name: rows})."""
    check_choice(engine, ENGINES, "--engine")
    if engine == "value":
        from .model_value import ValueGPT

        return ValueGPT(config, vocab_size, weights)
    from .model_tensor import TensorGPT

    return TensorGPT(config, vocab_size, weights)


class GPT:
    """A trained (or freshly initialized) GPT: config, tokenizer, weights, random stream."""

    def __init__(self, config, tokenizer, weights, engine="tensor", rng=None):
        self.config, self.tokenizer, self.engine = config, tokenizer, engine
        self.model = build_model(engine, config, tokenizer.vocab_size, weights)
        self.rng = rng if rng is not None else random.Random()

    @classmethod
    def load(cls, path, engine="tensor"):
        """A GPT from a checkpoint; its random stream goes on where training left it."""
        payload = read_checkpoint(path)
        rng = random.Random()
        rng.setstate(as_random_state(payload["random_state"]))
        return cls(payload["config"], Tokenizer(payload["vocabulary"]),
                   payload["weights"], engine, rng)

    @property
    def num_params(self):
        return sum(len(row) for matrix in self.weights().values() for row in matrix)

    def weights(self):
        """{name: rows of floats}, in microgpt's order."""
        return self.model.weights()

    def sample(self, n=20, temperature=0.5, prompt="", seed=None):
        """n documents drawn at this temperature, each starting with prompt. With no seed the
        draws continue the model's own random stream (after training: microgpt's samples)."""
        check_count(n, "-n")
        check_temperature(temperature)
        check_prompt(prompt, self.config.block_size)
        prompt_ids = self.tokenizer.prompt_ids(prompt)
        rng = self.rng if seed is None else random.Random(seed)
        return [sample_one(self.model, self.tokenizer, rng, temperature, prompt_ids) for _ in range(n)]


def as_random_state(saved):
    version, internal, gauss_next = saved
    return version, tuple(internal), gauss_next
