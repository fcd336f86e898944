"""trace_position runs microgpt's own forward and records each line's Values, untouched."""

import random
import sys

import pytest

from diffplay.gpt.config import GPTConfig, init_weights
from diffplay.gpt.model_value import ValueGPT
from diffplay.learn.trace import SOURCE, trace_document, trace_position

TOKENS = [26, 4, 12, 12, 0, 26]   # <bos> e m m a <bos>


def model(**config):
    config = GPTConfig(**config)
    return ValueGPT(config, 27, init_weights(config, 27, random.Random(42)))


@pytest.mark.parametrize("position", [0, 3])
def test_the_traced_logits_are_the_models_own(position):
    m = model()
    trace = trace_position(m, TOKENS, position)
    cache = m.new_cache()
    for pos in range(position + 1):
        logits = m.next_logits(TOKENS[pos], pos, cache)
    assert [v.data for v in trace.logits] == logits
    assert trace.steps[-1].outputs["logits"] is trace.logits and trace.target == TOKENS[position + 1]


def test_each_line_records_what_it_assigned_in_the_order_it_ran():
    m = model(n_layer=2)
    trace = trace_position(m, TOKENS, 2)
    lines = SOURCE.splitlines()
    ran = [lines[s.line].strip().split(" ")[0] for s in trace.steps]
    assert ran.count("q_h") == 2 * 4 and ran.count("for") == 2 + 2 * 4   # every layer, every head, once
    q_step = next(s for s in trace.steps if "q" in s.outputs)
    assert len(q_step.outputs["q"]) == 16 and q_step.block == "layer 0 · attention"
    heads = [s for s in trace.steps if "attn_weights" in s.outputs]
    assert [s.block for s in heads[:4]] == [f"layer 0 · head {h}" for h in range(4)]
    assert all(len(s.outputs["attn_weights"]) == 3 and abs(sum(w.data for w in s.outputs["attn_weights"]) - 1) < 1e-12
               for s in heads)


def test_backward_reaches_every_traced_value_and_every_node_has_a_block():
    m = model()
    trace = trace_position(m, TOKENS, 3)
    trace.loss.backward()
    x = next(s for s in trace.steps if "x" in s.outputs).outputs["x"]
    assert any(v.grad != 0.0 for v in x)
    seen, stack = set(), [trace.loss]
    while stack:
        v = stack.pop()
        if v not in seen:
            seen.add(v)
            stack.extend(v._children)
    assert seen <= set(trace.block_of)
    names = set(trace.block_of.values())
    assert {"embedding", "layer 0 · attention", "layer 0 · MLP", "logits", "loss", "earlier positions",
            "wte", "lm_head"} <= names and {f"layer 0 · head {h}" for h in range(4)} <= names


def test_the_callers_tracer_is_left_as_it_was():
    def outer(frame, event, arg):
        return None

    sys.settrace(outer)
    try:
        trace_position(model(), TOKENS, 1)
        assert sys.gettrace() is outer
    finally:
        sys.settrace(None)


def test_a_position_past_the_document_is_refused():
    with pytest.raises(ValueError, match=r"position must be in \[0, 4\], got 5"):
        trace_position(model(), TOKENS, 5)


def test_tracing_a_whole_document_gives_each_position_as_tracing_it_alone():
    m = model()
    every = trace_document(m, TOKENS)
    assert [t.position for t in every] == list(range(len(TOKENS) - 1))
    alone = trace_position(m, TOKENS, 3)
    assert [v.data for v in every[3].logits] == [v.data for v in alone.logits]
    assert [s.block for s in every[3].steps] == [s.block for s in alone.steps]
