"""The learn section in a real browser: every chapter walked with its next/previous links, each
one's action done as a person would, and the numbers read off the page checked against
diffplay's engines run here, in the test, to the precision the page shows."""

import math

import pytest

from diffplay.gpt.data import Tokenizer
from diffplay.learn.bigram import Bigram
from diffplay.learn.compare import Compare
from diffplay.learn.model import read_name, value_model
from diffplay.learn.trace import trace_document, trace_position
from diffplay.learn.training import Training
from diffplay.scenes import registry
from diffplay.engine.value import topological_order
from diffplay.scenes.parts.expression import evaluate, parse
from test_studio_browser import (browser, cell_point, frame, graph_settled, hover_tip, newer_frame, page,  # noqa: F401
                                 shot, studio, wait)


def text(page, selector):
    return page.locator(selector).inner_text()


def go(page, rel):
    """Follow the chapter's previous or next link and wait for the new chapter's first frame."""
    before = page.evaluate("window.studio.hello.scene.name")
    page.click(f"a[rel={rel}]")
    wait(page, f"window.studio && window.studio.hello && window.studio.hello.scene.name !== '{before}' "
               "&& window.studio.frames > 0", what=f"the {rel} chapter")
    return page.evaluate("window.studio.hello.scene.name")


def do_tokens(page):
    page.fill("#typed-name", "ann")
    wait(page, "window.studio.frame.name === 'ann'", what="the typed name")
    tokenizer = Tokenizer(frame(page)["vocabulary"])
    shown = [int(chip.split("\n")[-1]) for chip in page.locator("#name-tokens .token").all_inner_texts()]
    assert shown == tokenizer.encode("ann")
    assert text(page, "#uniform-loss") == f"{math.log(tokenizer.vocab_size):.4f}"


def do_bigram(page):
    newer_frame(page, lambda f: f["step"] >= 5, what="a few steps of descent")
    page.keyboard.press(" ")
    newer_frame(page, lambda f: f["paused"], what="paused")
    page.mouse.click(*cell_point(page, "canvas[aria-label='learned probabilities']", 26, 0))   # row BOS, column a
    f = newer_frame(page, lambda f: f["check"]["input"] == "BOS", what="the picked weight")
    mine = Bigram(seed=0).run(steps=f["step"])
    mine.handle({"type": "pick", "row": f["check"]["row"], "col": f["check"]["col"]})
    rows = page.locator("#gradient-check dd").all_inner_texts()
    assert float(rows[1]) == float(f"{mine.check['analytic']:.10g}")   # to the 10 digits the page shows
    assert float(rows[2]) == float(f"{mine.check['numeric']:.10g}")


def do_autograd(page):
    editor = "[data-setting=expression] textarea"
    page.fill(editor, "c = a * b\nd = c + b.tanh()\ne = d * d")
    page.click("[data-setting=expression] button")
    newer_frame(page, lambda f: f["total"] > 1 and f["cursor"] == 0 and "tanh" in page.input_value(editor), what="the typed graph")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    graph_settled(page)
    chain = frame(page)["chain"]
    rows = page.eval_on_selector_all(".graph-step tbody tr", "rows => rows.map(r => ({...r.dataset}))")
    evaluation = evaluate(parse("a = -4.0, b = 2.0", "variables"), parse("c = a * b\nd = c + b.tanh()\ne = d * d", "expression"))
    evaluation.output.backward()
    node = topological_order(evaluation.output)[chain["node"]]
    assert len(rows) == len(node._children) > 0
    for row, local in zip(rows, node._local_grads):
        assert (float(row["local"]), float(row["arriving"]), float(row["passed"])) == (local, node.grad, local * node.grad)


def do_attention(page):
    page.mouse.click(*cell_point(page, "canvas[aria-label='attention weights']", 3, 1))   # query row 3
    f = newer_frame(page, lambda f: f["query"] == 3, what="query 3")
    model, tokenizer = value_model(1000)
    tokens, _ = read_name(tokenizer, f["chars"] and "emma", model.config.block_size)
    mine = [s for s in trace_document(model, tokens)[3].steps if s.block == "layer 0 · head 0"]
    weights = next(s.outputs["attn_weights"] for s in mine if "attn_weights" in s.outputs)
    shown = page.locator("#attention-detail table").nth(2).locator("tr").nth(2).locator("td").all_inner_texts()
    assert [float(x) for x in shown[:4]] == [round(w.data, 4) for w in weights]


def do_transformer(page):
    for key in ["ArrowRight"] * 5 + ["ArrowLeft"] * 3:
        page.keyboard.press(key)
    f = newer_frame(page, lambda f: f["cursor"] == 1, what="two lines run")
    model, tokenizer = value_model(1000)
    tokens, _ = read_name(tokenizer, "emma", model.config.block_size)
    step = trace_position(model, tokens, f["position"]).steps[1]
    (name, values), = step.outputs.items()
    tip = hover_tip(page, "#outputs canvas", 0, 0)   # the first cell of the line's output
    assert tip.startswith(f"{name}[0][0] = ") or tip.startswith(f"{name}[0] = ")
    assert float(tip.split("=")[1].split()[0]) == values[0].data   # all its digits
    page.keyboard.press("b")
    f = newer_frame(page, lambda f: f["phase"] == "backward", what="backward")
    for p in model.parameters():
        p.grad = 0.0
    mine = trace_position(model, tokens, f["position"])
    mine.loss.backward()
    assert f["gradients"]["lm_head"][0][0] == round(model.state_dict["lm_head"][0][0].grad, 8)


def do_training(page):
    newer_frame(page, lambda f: f["trained"] >= 100, what="100 steps of training")
    page.keyboard.press(" ")
    f = newer_frame(page, lambda f: f["paused"], what="paused")
    mine = Training(steps=f["steps"]).run(steps=f["trained"])
    value = mine.job.gpt.model.w["lm_head"].data[0, 0]
    assert float(page.locator("#picked-parameter dd").first.inner_text()) == float(f"{value:.8g}")
    assert text(page, "#training-progress").startswith(f"step {f['trained']} of {f['steps']}")


def do_compare(page):
    f = newer_frame(page, lambda f: f["parting"] is not None and f["change"] == "lr", what="the runs to part")
    mine = Compare(change="lr", to=0.02).run(steps=1).frame()["parting"]
    shown = text(page, "#verdict")
    assert "They part at step 1, in the update:" in shown and mine["where"] in shown
    assert f"A: {mine['a']}" in shown and f"B: {mine['b']}" in shown


ACTIONS = {"tokens": do_tokens, "bigram": do_bigram, "autograd": do_autograd, "attention": do_attention, "transformer": do_transformer,
           "training": do_training, "compare": do_compare}


def test_walk_every_chapter_with_next_and_previous_doing_what_each_asks(page, studio):
    chapters = registry.names("learn")
    page.goto(f"{studio}learn.html")
    page.wait_for_selector(".chapter-item a")
    assert page.locator(".chapter-item a").count() == len(chapters)
    page.click(".chapter-item a")
    wait(page, "window.studio && window.studio.frames > 0", what="the first chapter")
    for i, name in enumerate(chapters):
        assert page.evaluate("window.studio.hello.scene.name") == name
        ACTIONS[name](page)
        shot(page, f"learn-{i + 1}-{name}")
        if i + 1 < len(chapters):
            assert go(page, "next") == chapters[i + 1]
    for name in reversed(chapters[:-1]):
        assert go(page, "prev") == name
