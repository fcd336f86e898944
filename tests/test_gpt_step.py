"""The Tensor GPT's step without a graph (gpt/step.py) against the graph it stands in for: the
same loss and gradients to the last bit, gradients that finite differences agree with, and whole
runs whose losses and weights are the graph's."""

import copy
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diffplay.gpt import GPTConfig
from diffplay.gpt.config import init_weights
from diffplay.gpt.model import build_model
from diffplay.gpt.step import loss_and_grad
from diffplay.gpt.train import DEFAULTS, Run

BOS = 4
documents = st.lists(st.lists(st.integers(0, BOS - 1), max_size=7), min_size=1, max_size=4)


def tiny_model(seed, n_layer, dtype="float64"):
    config = GPTConfig(n_embd=4, n_head=2, n_layer=n_layer, block_size=5)
    return build_model("tensor", config, BOS + 1, init_weights(config, BOS + 1, random.Random(seed), std=0.5), dtype)


@settings(max_examples=25, deadline=None)
@given(docs=documents, seed=st.integers(0, 2**16), n_layer=st.integers(1, 2), dtype=st.sampled_from(["float64", "float32"]))
def test_the_step_gives_the_graphs_loss_and_gradients_to_the_last_bit(docs, seed, n_layer, dtype):
    batch = [[BOS, *doc, BOS] for doc in docs]
    graph, fused = tiny_model(seed, n_layer, dtype), tiny_model(seed, n_layer, dtype)
    loss = graph.loss(batch)
    loss.backward()
    value, grad = loss_and_grad(fused, batch)
    assert value == float(loss.data)
    assert grad.dtype == graph.flat.dtype
    assert np.array_equal(grad, np.concatenate([t.grad for t in graph.parameters()], axis=None))
    for (name, t), u in zip(graph.w.items(), fused.parameters()):   # .grad left as backward() leaves it
        assert np.array_equal(t.grad, u.grad), name


def test_the_step_gradient_matches_finite_differences():
    model = tiny_model(seed=5, n_layer=2)
    batch = [[BOS, 0, 1, 2, 3, 0, BOS], [BOS, 2, BOS], [BOS, 3, 1, BOS]]
    grad = loss_and_grad(model, batch)[1].copy()   # the model's gradient array: the next call overwrites it
    h, numeric = 1e-6, np.empty_like(grad)
    for i in range(len(model.flat)):   # the weights are views of model.flat: nudge it where they live
        x = model.flat[i]
        model.flat[i] = x + h
        up = loss_and_grad(model, batch)[0]
        model.flat[i] = x - h
        down = loss_and_grad(model, batch)[0]
        model.flat[i] = x
        numeric[i] = (up - down) / (2 * h)
    assert np.abs(grad).max() > 0.1
    assert np.abs(grad - numeric).max() < 1e-8


def graph_step(run):
    """A step through the graph: forward, backward, update, as learn's comparison takes it."""
    loss, _ = run.forward()
    run.backward(loss)
    run.update(loss)


@pytest.mark.parametrize(("batch", "dtype", "n_layer"), [(1, "float64", 1), (3, "float64", 2), (2, "float32", 1)])
def test_a_run_without_the_graph_trains_as_the_graph_does_to_the_last_bit(batch, dtype, n_layer):
    settings = {**DEFAULTS, "steps": 30, "batch": batch, "dtype": dtype, "n_layer": n_layer}
    fused, graph = Run(None, settings, "tensor"), Run(None, settings, "tensor")
    assert fused.optimizer.flat_group() is not None   # the default model's weights are one array, which Adam steps as one
    for _ in range(30):
        fused.train_step()
        graph_step(graph)
    assert fused.losses == graph.losses
    assert np.array_equal(fused.gpt.model.flat, graph.gpt.model.flat)
    a, b = fused.optimizer.state_dict()["state"], graph.optimizer.state_dict()["state"]
    assert all(np.array_equal(a[i][key], b[i][key]) for i in a for key in ("exp_avg", "exp_avg_sq"))


def test_a_copied_run_keeps_its_weights_in_one_array_and_trains_on_as_the_original():
    """A studio snapshot or a page's loaded run deep-copies the run: the copy must step its own
    flat weights (not a stale copy of wq, wk, wv) and stay on the one-array path."""
    settings = {**DEFAULTS, "steps": 20, "batch": 2}
    run = Run(None, settings, "tensor")
    for _ in range(3):
        run.train_step()
    copied = copy.deepcopy(run)
    assert copied.optimizer.flat_group() is not None
    assert all(np.shares_memory(t.data, copied.gpt.model.flat) for t in copied.gpt.model.parameters())
    for _ in range(10):
        run.train_step()
        copied.train_step()
    assert copied.losses == run.losses and np.array_equal(copied.gpt.model.flat, run.gpt.model.flat)


def test_a_run_whose_weights_are_not_one_array_still_steps_without_the_graph():
    """Past optim's group size (8k entries a weight) Adam steps each weight from its .grad."""
    settings = {**DEFAULTS, "steps": 3, "n_embd": 64, "n_layer": 1}
    fused, graph = Run(None, settings, "tensor"), Run(None, settings, "tensor")
    assert fused.optimizer.flat_group() is None
    for _ in range(3):
        fused.train_step()
        graph_step(graph)
    assert fused.losses == graph.losses
    assert np.array_equal(fused.gpt.model.flat, graph.gpt.model.flat)
