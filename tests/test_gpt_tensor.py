"""The Tensor GPT: microgpt's figures over 1000 steps, the scalar model's losses and gradients
step for step, PyTorch's gradients on padded batches, finite differences, bigger shapes."""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diffplay import gradcheck
from diffplay.gpt import GPTConfig, train
from diffplay.gpt.config import init_weights
from diffplay.gpt.model_tensor import TensorGPT
from diffplay.gpt.train import DEFAULTS, Run
from gpt_reference import MICROGPT, names_txt


def test_tensor_engine_reproduces_microgpt_over_1000_steps():
    result = train(names_txt(), steps=1000, seed=42, samples=20)
    summary = result.summary()
    assert abs(summary["loss_first"] - MICROGPT["loss_first"]) < 1e-12
    assert abs(summary["loss_last100"] - MICROGPT["loss_last100"]) < 1e-9
    assert result.samples[:2] == MICROGPT["samples"]


def gradients(run):
    return np.concatenate([np.ravel(slot.grad()) for slot in run.optimizer.slots])


@pytest.mark.parametrize("batch", [1, 4])
def test_tensor_and_value_engines_agree_on_losses_and_gradients_for_20_steps(batch):
    runs = [Run(None, {**DEFAULTS, "batch": batch}, engine) for engine in ("value", "tensor")]
    for _ in range(20):
        value_loss, tensor_loss = (run.train_step()[0] for run in runs)
        assert abs(value_loss - tensor_loss) < 1e-10
        assert np.max(np.abs(gradients(runs[0]) - gradients(runs[1]))) < 1e-10


def tiny_model(seed, n_layer=1, vocab=5):
    config = GPTConfig(n_embd=4, n_head=2, n_layer=n_layer, block_size=5)
    return TensorGPT(config, vocab, init_weights(config, vocab, random.Random(seed), std=0.5))


def test_tensor_model_gradients_match_finite_differences():
    model = tiny_model(seed=5, n_layer=2)
    batch = [[4, 0, 1, 2, 3, 0, 4], [4, 2, 4], [4, 3, 1, 4]]
    weights = list(model.w.values())
    assert max(gradcheck(lambda *w: model.loss(batch), weights)) < 1e-6


documents = st.lists(st.lists(st.integers(0, 3), max_size=7), min_size=1, max_size=4)


@settings(max_examples=20)
@given(documents, st.integers(0, 2**16), st.integers(1, 2))
def test_tensor_model_loss_and_gradients_match_pytorch_float64(docs, seed, n_layer):
    pytest.importorskip("torch")
    from gpt_reference import _diffplay_name, torch_batch, torch_gpt

    model = tiny_model(seed, n_layer)
    batch = [[4, *doc, 4] for doc in docs]
    loss = model.loss(batch)
    loss.backward()
    reference = torch_gpt(model.config, model.weights())
    torch_loss = reference(*torch_batch(batch, model.config.block_size))
    torch_loss.backward()
    assert abs(loss.item() - torch_loss.item()) < 1e-12
    for name, param in reference.named_parameters():
        assert np.allclose(model.w[_diffplay_name(name)].grad, param.grad.numpy(), rtol=1e-9, atol=1e-13), name


def test_default_300_step_run_lowers_the_loss_by_at_least_0_7():
    summary = train(steps=300, samples=0).summary()
    assert summary["loss_first"] - summary["loss_last100"] >= 0.7


def test_a_larger_model_trains_from_flags_alone():
    result = train(steps=60, n_layer=4, n_embd=64, batch=4, samples=2)
    assert result.gpt.num_params == 2 * 27 * 64 + 16 * 64 + 4 * 12 * 64 * 64
    assert np.mean(result.losses[-10:]) < np.mean(result.losses[:10]) - 0.3
