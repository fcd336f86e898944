"""Both GPT engines' losses and gradients against PyTorch float64 and finite differences,
on random tiny models and padded batches of random documents."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diffplay import gradcheck
from diffplay.gpt import GPTConfig
from diffplay.gpt.config import init_weights
from diffplay.gpt.model import build_model
from gpt_reference import torch_loss_and_grads

ENGINES = ["value", "tensor"]
BOS = 4


def tiny_model(engine, seed, n_layer=1):
    config = GPTConfig(n_embd=4, n_head=2, n_layer=n_layer, block_size=5)
    return build_model(engine, config, BOS + 1, init_weights(config, BOS + 1, random.Random(seed), std=0.5))


def gradients(model):
    """{name: gradient array} for either engine, after backward()."""
    if hasattr(model, "state_dict"):
        return {name: np.array([[p.grad for p in row] for row in rows]) for name, rows in model.state_dict.items()}
    return {name: t.grad for name, t in model.w.items()}


def leaves(model):
    return model.parameters() if hasattr(model, "state_dict") else list(model.w.values())


@pytest.mark.parametrize("engine", ENGINES)
def test_gpt_gradients_match_finite_differences(engine):
    model = tiny_model(engine, seed=3, n_layer=2)
    batch = [[BOS, 0, 1, 2, 3, 0, BOS], [BOS, 2, BOS], [BOS, 3, 1, BOS]]
    assert max(gradcheck(lambda *params: model.loss(batch), leaves(model))) < 1e-6


documents = st.lists(st.lists(st.integers(0, BOS - 1), max_size=7), min_size=1, max_size=4)


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=15)
@given(docs=documents, seed=st.integers(0, 2**16), n_layer=st.integers(1, 2))
def test_gpt_loss_and_gradients_match_pytorch_float64(engine, docs, seed, n_layer):
    pytest.importorskip("torch")
    model = tiny_model(engine, seed, n_layer)
    batch = [[BOS, *doc, BOS] for doc in docs]
    loss = model.loss(batch)
    loss.backward()
    torch_loss, torch_grads = torch_loss_and_grads(model.config, model.weights(), batch)
    assert abs(float(loss.data) - torch_loss) < 1e-12
    ours = gradients(model)
    for name, grad in torch_grads.items():
        assert np.allclose(ours[name], grad, rtol=1e-9, atol=1e-13), name
