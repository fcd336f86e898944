"""The scalar GPT step by step against microgpt's design; sampling from a GPT."""

import random

import numpy as np
import pytest

from diffplay.errors import UsageError
from diffplay.gpt import GPT, GPTConfig, train
from diffplay.gpt.config import init_weights
from diffplay.gpt.data import Tokenizer
from diffplay.gpt.train import DEFAULTS, Run
from gpt_reference import MICROGPT, MicrogptReference, names_txt


def value_run(data, **changes):
    return Run(data, {**DEFAULTS, **changes}, "value")


def test_value_engine_first_step_loss_is_microgpts():
    run = value_run(names_txt())
    loss, _ = run.train_step()
    assert abs(loss - MICROGPT["loss_first"]) < 1e-12


def test_value_engine_follows_microgpts_design_step_by_step():
    run = value_run(names_txt())
    reference = MicrogptReference(run.config, run.gpt.weights())
    for step in range(4):
        loss, _ = run.train_step()
        tokens = run.gpt.tokenizer.encode(run.docs[step])
        assert abs(loss - reference.step(tokens, step, run.steps)) < 1e-12
    ours = np.concatenate([np.ravel(m) for m in run.gpt.weights().values()])
    theirs = np.array([p.data for p in reference.params])
    assert np.max(np.abs(ours - theirs)) < 1e-12


def test_value_engine_reproduces_microgpt_over_1000_steps():   # about 30 s: the headline figure
    result = train(names_txt(), steps=1000, engine="value", samples=20)
    assert abs(result.summary()["loss_first"] - MICROGPT["loss_first"]) < 1e-12
    assert abs(result.summary()["loss_last100"] - MICROGPT["loss_last100"]) < 1e-9
    assert result.samples[:2] == MICROGPT["samples"]


def trained_tiny_gpt(engine="value"):
    tokenizer = Tokenizer("abc")
    config = GPTConfig(n_embd=4, n_head=2, n_layer=1, block_size=6)
    return GPT(config, tokenizer, init_weights(config, tokenizer.vocab_size, random.Random(0), std=0.5),
               engine, random.Random(7))


def test_samples_start_with_the_prompt_and_fit_the_block_size():
    names = trained_tiny_gpt().sample(30, temperature=2.0, prompt="ca", seed=1)
    assert all(name.startswith("ca") and len(name) <= 6 and set(name) <= set("abc") for name in names)
    assert len(set(names)) > 1


def test_sampling_with_a_seed_repeats_and_without_continues_the_stream():
    gpt = trained_tiny_gpt()
    assert gpt.sample(5, seed=3) == gpt.sample(5, seed=3)
    first, second = gpt.sample(10, temperature=3.0), gpt.sample(10, temperature=3.0)
    assert first != second


@pytest.mark.parametrize("kwargs, where", [
    ({"prompt": "abz"}, "--prompt abz: character 'z'"),
    ({"prompt": "abcabc"}, "--prompt abcabc: is 6 characters"),
    ({"temperature": 0.0}, "--temperature: must be a number > 0"),
    ({"n": -1}, "-n: must be an integer >= 0"),
])
def test_bad_sampling_arguments_are_usage_errors(kwargs, where):
    with pytest.raises(UsageError, match=where.replace("(", r"\(")):
        trained_tiny_gpt().sample(**kwargs)
