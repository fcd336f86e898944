"""The Tensor GPT: microgpt's figures over 1000 steps, the scalar model's losses and gradients
step for step, a default run that learns, bigger shapes from flags alone."""

import random

import numpy as np
import pytest

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


def test_default_300_step_run_lowers_the_loss_by_at_least_0_7():
    summary = train(steps=300, samples=0).summary()
    assert summary["loss_first"] - summary["loss_last100"] >= 0.7


def test_a_larger_model_trains_from_flags_alone():
    result = train(steps=60, n_layer=4, n_embd=64, batch=4, samples=2)
    assert result.gpt.num_params == 2 * 27 * 64 + 16 * 64 + 4 * 12 * 64 * 64
    assert np.mean(result.losses[-10:]) < np.mean(result.losses[:10]) - 0.3


def rms_norm(x):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-5)


def test_attention_hook_gives_each_layers_causal_weights_and_leaves_the_logits_alone():
    config = GPTConfig(n_embd=8, n_head=2, n_layer=2, block_size=6)
    model = TensorGPT(config, 5, init_weights(config, 5, random.Random(1), std=0.5))
    idx = np.array([[4, 0, 1, 2, 3], [4, 3, 3, 1, 0]])
    heard = []
    logits = model.logits(idx, on_attention=lambda layer, weights: heard.append((layer, weights)))
    assert np.array_equal(logits.data, model.logits(idx).data)
    assert [layer for layer, _ in heard] == [0, 1]
    for _, weights in heard:
        assert weights.shape == (2, 2, 5, 5) and np.allclose(weights.sum(-1), 1.0)
        assert np.all(np.triu(weights, 1) == 0)   # query t sees no key after t
    w = {name: np.array(rows) for name, rows in model.weights().items()}   # layer 0 by hand, head by head
    h = rms_norm(rms_norm(w["wte"][idx] + w["wpe"][:5]))
    q, k = h @ w["layer0.attn_wq"].T, h @ w["layer0.attn_wk"].T
    for head in range(2):
        part = slice(4 * head, 4 * head + 4)
        scores = q[..., part] @ k[..., part].swapaxes(-1, -2) / 2.0 + np.triu(np.full((5, 5), -np.inf), 1)
        expected = np.exp(scores - scores.max(-1, keepdims=True))
        assert np.allclose(heard[0][1][:, head], expected / expected.sum(-1, keepdims=True), rtol=1e-12, atol=1e-15)
