"""The Tensor GPT: microgpt's figures over 1000 steps, the scalar model's losses and gradients
step for step, a default run that learns, bigger shapes from flags alone."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diffplay.gpt import train
from diffplay.gpt.config import flatten, split
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


@settings(max_examples=25)
@given(shapes=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4)), min_size=1, max_size=4),
       missing=st.lists(st.booleans(), min_size=4, max_size=4))
def test_split_undoes_flatten_and_none_stands_for_zeros(shapes, missing):
    shapes = {f"w{i}": shape for i, shape in enumerate(shapes)}
    rng = np.random.default_rng(len(shapes))
    arrays = [None if gone else rng.normal(size=shape) for shape, gone in zip(shapes.values(), missing)]
    parts = split(flatten(arrays, shapes.values()), shapes)
    for array, (name, shape) in zip(arrays, shapes.items()):
        assert np.array_equal(parts[name], np.zeros(shape) if array is None else array)
