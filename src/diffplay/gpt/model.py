"""`GPT`: a model with its vocabulary and random stream, on either engine; load it and sample."""

import contextlib
import random

import numpy as np

from ..checks import check_choice
from ..process import one_blas_thread
from .checkpoint import read_checkpoint
from .data import Tokenizer
from .sample import check_count, check_prompt, check_temperature, sample_one
from .torch import require_torch

ENGINES = ("tensor", "value", "torch")


def build_model(engine, config, vocab_size, weights, dtype="float64", device="cpu"):
    """The engine's model (TensorGPT, ValueGPT or the torch engine's TorchGPT) holding `weights`
    ({name: rows or array})."""
    check_choice(engine, ENGINES, "--engine")
    if engine == "value":
        from .model_value import ValueGPT

        return ValueGPT(config, vocab_size, weights)
    if engine == "torch":
        require_torch("--engine torch")
        from .torch.engine import TorchGPT

        return TorchGPT(config, vocab_size, weights, dtype, device)
    from .model_tensor import TensorGPT

    return TensorGPT(config, vocab_size, weights, dtype)


def engine_threads(engine):
    """The scope a run trains in: one BLAS thread, and one PyTorch thread for the torch engine."""
    if engine != "torch":
        return one_blas_thread()
    from .torch.engine import one_thread

    stack = contextlib.ExitStack()
    stack.enter_context(one_blas_thread())
    stack.enter_context(one_thread())
    return stack


class GPT:
    """A trained (or freshly initialized) GPT: config, tokenizer, weights, random stream."""

    def __init__(self, config, tokenizer, weights, engine="tensor", rng=None, dtype="float64", device="cpu"):
        self.config, self.tokenizer, self.engine, self.dtype = config, tokenizer, engine, dtype
        self.model = build_model(engine, config, tokenizer.vocab_size, weights, dtype, device)
        self.rng = rng if rng is not None else random.Random()   # no seed: os.urandom seeds it

    @classmethod
    def load(cls, path, engine="tensor"):
        """A GPT from a checkpoint (in the dtype it was trained in, where the engine has it), with
        a random stream seeded by the OS: each load samples fresh names. (The checkpoint's own
        stream is for `train --resume`.)"""
        payload = read_checkpoint(path)
        dtype = "float64" if engine == "value" else saved_dtype(payload)
        return cls(payload["config"], Tokenizer(payload["vocabulary"]), payload["weights"], engine, dtype=dtype)

    @property
    def num_params(self):
        return sum(len(row) for matrix in self.weights().values() for row in matrix)

    def weights(self):
        """{name: rows of floats}, in microgpt's order."""
        return self.model.weights()

    def weight_arrays(self):
        """{name: a NumPy copy of the weight}, in microgpt's order."""
        return self.model.weight_arrays()

    def to_torch(self):
        """This model as a PyTorch MicroGPT (gpt/torch/model.py) with the same weights and dtype."""
        from .torch.export import to_torch

        return to_torch(self)

    @classmethod
    def from_torch(cls, module, vocabulary, engine="tensor"):
        """The GPT of a PyTorch MicroGPT whose tokens are these characters and then BOS."""
        from .torch.export import from_torch

        return from_torch(module, vocabulary, engine)

    def sample(self, n=20, temperature=0.5, prompt="", seed=None):
        """n documents drawn at this temperature, each starting with prompt. With a seed they are
        reproducible; with none they continue the model's own random stream, so each call draws
        fresh ones (after train(): the run's seeded stream, microgpt's samples; after load():
        a stream seeded by the OS, different each run)."""
        check_count(n, "-n")
        check_temperature(temperature)
        check_prompt(prompt, self.config.block_size)
        prompt_ids = self.tokenizer.prompt_ids(prompt)
        rng = self.rng if seed is None else random.Random(seed)
        return [sample_one(self.model, self.tokenizer, rng, temperature, prompt_ids) for _ in range(n)]


def saved_dtype(payload):
    """The dtype a checkpoint's model computes in: its run's, or its weights' (a model alone)."""
    if "settings" in payload:
        return payload["settings"]["dtype"]
    return str(np.asarray(next(iter(payload["weights"].values()))).dtype)
