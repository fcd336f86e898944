"""The studio in a real browser: Debian's Chromium, driven by Playwright, playing as a person would.

Screenshots land in test-artifacts/studio/. The page's own content policy stays on, so the
tests read the page's state with `page.evaluate` (which the policy allows) and never ask the
page to evaluate strings.
"""

import json
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from diffplay.engine.value import topological_order
from diffplay.scenes import registry
from diffplay.scenes.blobs import unarray
from diffplay.scenes.graph import Graph
from diffplay.scenes.parts.expression import evaluate, parse
from diffplay.scenes.record import record_of_link
from studio_helpers import ARTIFACTS, ROOT, point_columns, serve

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

sync_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (scripts/test installs Debian's chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def studio():
    with serve() as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    context.close()
    assert page.problems == []


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def wait(page, expression, timeout=30, what=None):
    """Poll a JavaScript expression until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = page.evaluate(expression)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"waited {timeout} s for {what or expression}")


def frame(page):
    return page.evaluate("window.studio.frame")


def open_scene(page, url, name):
    page.goto(f"{url}scene.html?name={name}")
    wait(page, "window.studio && window.studio.hello && window.studio.frames > 0", what=f"{name}'s first frame")


def newer_frame(page, condition, timeout=30, what=None):
    """Wait until the page has drawn a frame for which condition(frame) holds (tested in Python)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        f = frame(page)
        if f is not None and condition(f):
            return f
        time.sleep(0.05)
    raise AssertionError(f"no frame {what or ''} within {timeout} s")


def cell_point(page, selector, row, col):
    """The page coordinates of a heatmap cell's centre (the canvas says where its cells are)."""
    canvas = page.locator(selector).first
    canvas.scroll_into_view_if_needed()
    box, grid = canvas.bounding_box(), canvas.evaluate("c => [c.dataset.left, c.dataset.top, c.dataset.cell, c.logicalWidth]")
    left, top, cell, width = (float(x) for x in grid)
    k = box["width"] / width   # CSS may have shrunk the canvas
    return box["x"] + k * (left + (col + 0.5) * cell), box["y"] + k * (top + (row + 0.5) * cell)


def hover_tip(page, selector, row, col):
    """The tooltip a heatmap shows over one of its cells."""
    page.mouse.move(*cell_point(page, selector, row, col))
    wait(page, "[...document.querySelectorAll('.heatmap-tip')].some(t => !t.hidden)", what="a tooltip")
    return page.evaluate("[...document.querySelectorAll('.heatmap-tip')].find(t => !t.hidden).textContent")


def canvas_point(page, selector, u, v):
    """Page coordinates of (u, v) inside the element, in the units its drawing was sized in
    (a canvas's logical width, which the page scales to fill the stage)."""
    element = page.locator(selector).first
    element.scroll_into_view_if_needed()   # a control further down may have scrolled it away
    box = element.bounding_box()
    k = box["width"] / (element.evaluate("e => e.logicalWidth || e.getBoundingClientRect().width"))
    return box["x"] + u * k, box["y"] + v * k


# ---- the gallery ----

def test_gallery_lists_every_scene_and_opens_one(page, studio):
    page.goto(studio)
    page.wait_for_selector(".card")
    names = page.eval_on_selector_all(".card", "cards => cards.map(c => c.dataset.scene)")
    assert names == registry.names("scenes")
    loaded = "[...document.querySelectorAll('.card img')].map(i => i.complete && i.naturalWidth > 0)"
    wait(page, f"{loaded}.length === {len(names)} && {loaded}.every(Boolean)", what="every card's picture")
    shot(page, "gallery")
    page.click(".card[data-scene=boundary]")
    page.wait_for_url("**/scene.html?name=boundary")
    wait(page, "window.studio && window.studio.frames > 0")


# ---- every scene, as a person plays it ----

PLANE = "canvas[aria-label^='the plane']"   # boundary's plane (the network diagram is a canvas too)


def test_boundary_clicks_add_points_and_accuracy_rises(page, studio):
    open_scene(page, studio, "boundary")
    page.keyboard.press(" ")   # pause, so the rebuild below shows the untrained network
    newer_frame(page, lambda f: f["paused"], what="paused")
    page.select_option("[data-setting=dataset] select", "xor")
    start = newer_frame(page, lambda f: f["step"] == 0 and f["paused"], what="after the rebuild")
    count = len(point_columns(start["points"])["x"])
    for u, v in [(60, 60), (420, 420), (420, 60)]:   # top left and bottom right are class 1 in xor
        page.mouse.click(*canvas_point(page, PLANE, u, v))
    newer_frame(page, lambda f: len(point_columns(f["points"])["x"]) == count + 3, what="with the three new points")
    page.keyboard.press(" ")
    trained = newer_frame(page, lambda f: f["train_accuracy"] >= start["train_accuracy"] + 0.2 and f["train_accuracy"] > 0.8,
                          timeout=60, what="with a higher accuracy")
    assert trained["step"] > 0 and not trained["paused"]
    shot(page, "boundary")


def test_boundary_network_diagram_names_a_weight_its_value_and_gradient_on_hover(page, studio):
    open_scene(page, studio, "boundary")
    f = newer_frame(page, lambda f: f["step"] > 2 and f["network"]["grads"][0] is not None, what="a trained batch")
    assert f["network"]["sizes"] == [2, 4, 2, 2] and f["network"]["neurons"]["height"] == 16 * (2 + 4 + 2)
    diagram = "canvas[aria-label^='the network']"
    for v in range(120, 360, 2):   # down the gap between the inputs and the first hidden layer
        page.mouse.move(*canvas_point(page, diagram, 86, v))
        if page.locator(".heatmap-tip").is_visible():
            break
    tip = page.locator(".heatmap-tip").inner_text()
    assert tip.startswith("weight 1: ") and " value " in tip and " gradient " in tip
    shot(page, "boundary-network")


def test_boundary_regresses_the_plane_with_values_coloured_orange_to_blue(page, studio):
    open_scene(page, studio, "boundary")
    page.select_option("[data-setting=dataset] select", "plane")
    learned = newer_frame(page, lambda f: f["regression"] and f["step"] > 20 and f["train_loss"] < 0.01, timeout=60,
                          what="the plane regressed")
    assert learned["network"]["sizes"][-1] == 1 and "value" in learned["points"]
    assert page.locator(".stage button[data-label]").nth(2).is_hidden()
    shot(page, "boundary-regression")


def test_boundary_live_slider_changes_the_next_frames(page, studio):
    open_scene(page, studio, "boundary")
    page.fill("[data-setting=grid] input[type=range]", "40")
    f = newer_frame(page, lambda f: f["grid"]["width"] == 40, what="on a 40-cell grid")
    assert f["grid"]["height"] == 40 and f["step"] > 0   # live: no rebuild


def test_boundary_learning_rate_slider_is_logarithmic_and_class_buttons_follow_the_classes(page, studio):
    open_scene(page, studio, "boundary")
    slider = page.locator("[data-setting=lr] input[type=range]")
    share = float(slider.input_value()) / float(slider.get_attribute("max"))
    assert 0.5 < share < 0.65   # log: 0.03 between 1e-5 and 10 sits past the middle (linear: at 0.3 %, the far left)
    buttons = page.locator(".stage button[data-label]")
    assert [buttons.nth(k).is_visible() for k in range(4)] == [True, True, False, False]
    page.fill("[data-setting=classes] input[type=number]", "3")
    page.keyboard.press("Enter")
    newer_frame(page, lambda f: f["classes"] == 3, what="three classes")
    wait(page, "!document.querySelectorAll('.stage button[data-label]')[2].hidden", what="the third class's button")
    assert not buttons.nth(3).is_visible()


def test_boundary_loads_points_from_a_csv_and_exports_the_network_as_a_script(page, studio, tmp_path):
    open_scene(page, studio, "boundary")
    (tmp_path / "mine.csv").write_text("x,y,label\n1,1,0\n-1,-1,1\n2,-2,1\n-2,2,0\n")
    page.set_input_files(".stage input[type=file]", str(tmp_path / "mine.csv"))
    newer_frame(page, lambda f: len(point_columns(f["points"])["x"]) == 4, what="the CSV's four points")
    with page.expect_download() as script:
        page.click("#export-py")
    assert script.value.suggested_filename == "boundary.py"
    assert "def torch_model()" in Path(script.value.path()).read_text()
    (tmp_path / "notes.csv").write_text("name,age\nAda,36\n")   # a CSV, but not of points
    page.set_input_files(".stage input[type=file]", str(tmp_path / "notes.csv"))
    wait(page, "window.studio.errors.length > 0", what="the refusal")
    assert "the CSV file, line 1: expected x,y,label" in page.evaluate("window.studio.errors.at(-1)")


def exported_weights(page):
    """Every weight and bias of the page's network, as its JSON export has them (each float's repr)."""
    with page.expect_download() as exported:
        page.click("#export-json")
    return json.loads(Path(exported.value.path()).read_text())["layers"]


def played_and_paused(page, studio):
    """A boundary run with two clicked points, a learning rate and training between them, paused."""
    open_scene(page, studio, "boundary")
    for u, v in [(60, 60), (420, 420)]:
        page.mouse.click(*canvas_point(page, PLANE, u, v))
    page.fill("[data-setting=lr] input[type=number]", "0.3")
    page.press("[data-setting=lr] input[type=number]", "Enter")
    newer_frame(page, lambda f: f["step"] > 30, what="some training")
    page.click("button[data-action=pause]")
    return newer_frame(page, lambda f: f["paused"], what="paused")


def replayed(page):
    wait(page, "window.studio && window.studio.stats && window.studio.stats.replayed === 1", what="the run replayed")
    return frame(page)


def test_boundary_reload_and_shared_link_bring_the_run_back_bit_for_bit(page, browser, studio):
    paused = played_and_paused(page, studio)
    # the address follows the run: wait for the link that holds the pause
    wait(page, "location.hash.startsWith('#run=')", what="the run in the address")
    deadline = time.monotonic() + 10
    while record_of_link(page.evaluate("location.hash.slice(5)"))["history"][-1][1]["type"] != "pause":
        assert time.monotonic() < deadline, "the address never caught up with the pause"
        time.sleep(0.1)
    weights = exported_weights(page)
    page.reload()
    back = replayed(page)
    assert back["paused"] and back["step"] == paused["step"] and back["points"] == paused["points"]
    assert exported_weights(page) == weights   # every float, exactly
    shot(page, "boundary-reloaded")
    shared = page.context.new_page()   # someone opening the shared address
    shared.goto(page.url)
    replayed(shared)
    assert exported_weights(shared) == weights
    shared.close()


def test_save_run_downloads_a_record_that_load_run_replays_and_a_bad_file_is_named(page, studio, tmp_path):
    paused = played_and_paused(page, studio)
    weights = exported_weights(page)
    with page.expect_download() as saved:
        page.click("button[data-action=save]")
    assert saved.value.suggested_filename == "boundary-run.json"
    record = json.loads(Path(saved.value.path()).read_text())
    assert record["scene"] == "boundary" and record["history"][-1][1] == {"type": "pause"}
    (tmp_path / "run.json").write_text(json.dumps(record))
    open_scene(page, studio, "boundary")
    page.set_input_files(".actions input[type=file]", str(tmp_path / "run.json"))
    assert replayed(page)["step"] == paused["step"]
    assert exported_weights(page) == weights
    (tmp_path / "notes.json").write_text("{ not json")
    page.set_input_files(".actions input[type=file]", str(tmp_path / "notes.json"))
    wait(page, "window.studio.errors.length > 0", what="the refusal")
    assert "load run: notes.json is not JSON" in page.evaluate("window.studio.errors.at(-1)")
    (tmp_path / "other.json").write_text(json.dumps({**record, "scene": "ik"}))
    page.set_input_files(".actions input[type=file]", str(tmp_path / "other.json"))
    wait(page, "window.studio.errors.length > 1", what="the second refusal")
    assert "the record is of scene 'ik', not boundary" in page.evaluate("window.studio.errors.at(-1)")


def test_canvas_painting_with_the_mouse_gives_the_network_pixels_to_learn(page, studio):
    open_scene(page, studio, "canvas")
    page.click("button[data-event=clear]")
    newer_frame(page, lambda f: f["painted"] == 0, what="cleared")
    x, y = canvas_point(page, "canvas[aria-label^='the target']", 40, 160)
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(x + 10 * step, y + 3 * step, steps=2)
    page.mouse.up()
    wait(page, "window.studio.applied >= window.studio.sent", what="the whole stroke")
    painted = newer_frame(page, lambda f: f["painted"] > 100 and f["loss"] is not None, what="with painted pixels")
    later = newer_frame(page, lambda f: f["step"] > painted["step"] + 20 and f["loss"] < painted["loss"], timeout=60,
                        what="with a lower loss")
    assert later["painted"] == painted["painted"]
    shot(page, "canvas")


def test_canvas_learns_a_picture_on_white_loaded_in_the_page_past_25_db_and_reset_keeps_it(page, studio):
    open_scene(page, studio, "canvas")
    newer_frame(page, lambda f: f["step"] > 50, what="the sunset learning")
    lsystem = ROOT / "docs" / "images" / "scene-lsystem.png"   # the project's own picture: white around a plant
    page.set_input_files(".stage input[type=file]", str(lsystem))
    loaded = newer_frame(page, lambda f: f["step"] < 20 and f["target"]["data"] != "", what="the picture loaded")
    learned = newer_frame(page, lambda f: f["psnr"] is not None and f["psnr"] >= 25 and f["target"] == loaded["target"],
                          timeout=120, what="25 dB")
    assert learned["step"] <= 2000
    page.click("[data-action=reset]")
    again = newer_frame(page, lambda f: f["step"] < learned["step"], what="reset")
    assert again["target"] == loaded["target"]
    shot(page, "canvas-loaded")


def test_graph_steps_backward_by_button_and_key_to_micrograds_gradients(page, studio):
    open_scene(page, studio, "graph")
    page.click("button[data-event=backward_step]")
    first = newer_frame(page, lambda f: f["cursor"] >= 1, what="one node done")
    page.keyboard.press("ArrowRight")
    newer_frame(page, lambda f: f["cursor"] > first["cursor"], what="a second node done")
    page.click("button[data-event=backward_all]")
    done = newer_frame(page, lambda f: f["cursor"] == f["total"], what="all done")
    grads = {b["title"]: done["grads"][k] for k, b in enumerate(done["boxes"]) if b["title"] in ("leaf a", "leaf b")}
    assert grads == pytest.approx({"leaf a": 138.83381924, "leaf b": 645.57725948})   # micrograd's README
    shot(page, "graph")


def graph_settled(page):
    """The page has drawn the frame after the last event it sent, and the camera stands still."""
    wait(page, "window.studio.applied >= window.studio.sent && window.graphView.fields === window.studio.frame "
         "&& !window.graphView.target", what="the frame after the last event, the camera still")


def test_graph_step_panel_shows_local_times_arriving_equal_to_the_engines(page, studio):
    open_scene(page, studio, "graph")
    for _ in range(3):
        page.click("button[data-event=backward_step]")
    graph_settled(page)
    chain = frame(page)["chain"]
    rows = page.eval_on_selector_all(".graph-step tbody tr", "rows => rows.map(r => ({...r.dataset}))")
    # the engine's own numbers, in this process: the same text through the same language, then backward()
    evaluation = evaluate(parse("a = -4.0, b = 2.0", "variables"), parse(Graph().values["expression"]))
    evaluation.output.backward()
    node = topological_order(evaluation.output)[chain["node"]]
    assert len(rows) == len(node._children) > 0
    for row, local in zip(rows, node._local_grads):
        assert (float(row["local"]), float(row["arriving"]), float(row["passed"])) == (local, node.grad, local * node.grad)
    assert page.text_content(".graph-step .head b") == chain["title"]


def test_graph_fit_and_find_output_keep_the_output_on_the_canvas(page, studio):
    open_scene(page, studio, "graph")
    for button in ("+", "+", "+", "fit", "find output"):
        page.click(f".graph-tools button:text-is('{button}')")
        page.wait_for_timeout(400)   # the camera glides
        if button in ("fit", "find output"):
            assert output_on_canvas(page), f"after {button}"
    shot(page, "graph-output")


def output_on_canvas(page):
    return page.evaluate("""() => {
        const view = window.graphView, r = view.screenRect(view.fields.bounds.root), size = view.size();
        return r.left >= 0 && r.top >= 0 && r.right <= size.w && r.bottom <= size.h;
    }""")


def test_graph_bad_expression_shows_a_caret_keeps_the_text_and_a_good_one_clears_it(page, studio):
    open_scene(page, studio, "graph")
    editor = "[data-setting=expression] textarea"
    typed = "c = a * b\nd = c +\ne = 2"
    page.fill(editor, typed)
    page.click("[data-setting=expression] button")
    error = page.wait_for_selector("[data-setting=expression] .field-error")
    assert "line 2, column 8: expected a number" in error.text_content()
    source, caret = page.text_content("[data-setting=expression] .field-error pre").split("\n")
    assert source.strip() == "d = c +" and caret.index("^") == source.index("d") + 7   # under column 8
    assert page.input_value(editor) == typed   # what was typed stays
    assert page.evaluate(f"document.querySelector('{editor}').selectionStart") == len("c = a * b\n") + 7
    page.fill(editor, "a $ b")
    page.click("[data-setting=expression] button")
    wait(page, "document.querySelector('[data-setting=expression] .field-error').textContent.includes('column 3')",
         what="the second error")
    assert page.locator("[data-setting=expression] .field-error").count() == 1 and page.locator(".errors .error").count() == 0
    shot(page, "graph-error")
    page.fill(editor, "a * b + a")
    page.click("[data-setting=expression] button")
    newer_frame(page, lambda f: f["total"] == 4, what="the new graph")
    wait(page, "!document.querySelector('[data-setting=expression] .field-error')", what="the error cleared")


def test_graph_microgpt_position_opens_a_block_by_click_and_shuts_it_by_its_chip(page, studio):
    open_scene(page, studio, "graph")
    page.select_option("[data-setting=source] select", "microgpt")
    collapsed = newer_frame(page, lambda f: f["total"] > 1000, what="microgpt's graph")
    graph_settled(page)
    assert output_on_canvas(page)
    k = next(k for k, b in enumerate(collapsed["boxes"]) if b["title"] == "layer 0 · MLP")
    r = page.evaluate(f"window.graphView.screenRect({k})")
    x, y = canvas_point(page, ".graph-area canvas", (r["left"] + r["right"]) / 2, (r["top"] + r["bottom"]) / 2)
    page.mouse.click(x, y)
    opened = newer_frame(page, lambda f: len(f["boxes"]) > 100, what="the MLP block open")
    assert sum(b["group"] == "layer 0 · MLP" and b["kind"] == "node" for b in opened["boxes"]) == 180
    page.wait_for_timeout(400)
    shot(page, "graph-microgpt-mlp")
    page.click(".graph-tools .chip")
    newer_frame(page, lambda f: len(f["boxes"]) == len(collapsed["boxes"]), what="the block shut again")


def test_gpt_trains_and_samples_on_request(page, studio):
    open_scene(page, studio, "gpt")
    first = newer_frame(page, lambda f: f["trained"] > 0, what="trained a step")
    before = len(first["samples"])
    page.click("button[data-event=sample]")
    newer_frame(page, lambda f: len(f["samples"]) > before or len(f["samples"]) == 50, what="with a new sample")
    later = newer_frame(page, lambda f: f["trained"] >= first["trained"] + 50, timeout=60, what="further trained")
    assert later["losses"]["shape"][0] > 0
    shot(page, "gpt")


def test_gpt_plot_toggles_smoothing_and_log_scale_and_marks_the_guessing_loss(page, studio):
    open_scene(page, studio, "gpt")
    newer_frame(page, lambda f: f["trained"] >= 60, what="60 steps trained")
    page.keyboard.press(" ")
    paused = newer_frame(page, lambda f: f["paused"], what="paused")
    smooth = wait(page, "window.studio.plot.shown", what="the plot drawn")
    assert smooth["smooth"] and not smooth["log"] and smooth["legend"][1] == "guessing: 3.296"
    page.uncheck("input[name=plot-smooth]")
    raw = wait(page, "!window.studio.plot.shown.smooth && window.studio.plot.shown", what="the raw curve")
    assert raw["legend"][0] == f"loss {float(unarray(paused['losses'])[-1]):#.4g}"   # the last step's own loss, as fmt() writes it
    page.check("input[name=plot-log]")
    logged = wait(page, "window.studio.plot.shown.log && window.studio.plot.shown", what="the log scale")
    assert logged["yTicks"] and all(tick > 0 for tick in logged["yTicks"])
    shot(page, "gpt-plot-log-raw")


def test_gpt_attention_cell_hover_tells_query_key_and_weight(page, studio):
    open_scene(page, studio, "gpt")
    page.keyboard.press(" ")   # paused: no new sample replaces the maps under the pointer
    f = newer_frame(page, lambda f: f["paused"], what="paused")
    tokens, weights = f["tokens"], f["attention"][0][1]
    t, s = len(tokens) - 1, 1
    tip = hover_tip(page, "canvas[aria-label='layer 0 · head 1']", t, s)
    name = lambda i: "BOS" if tokens[i] == "<bos>" else f"'{tokens[i]}'"
    assert tip == f"layer 0 · head 1: query {name(t)} (pos {t}) → key {name(s)} (pos {s}): {weights[t][s]:.4f}"
    shot(page, "gpt-attention-hover")


def test_gpt_speed_slider_moves_in_equal_ratios(page, studio):
    open_scene(page, studio, "gpt")
    page.fill("[data-setting=speed] input[type=range]", "500")   # the middle of 1..100 on a log scale
    assert page.input_value("[data-setting=speed] input[type=number]") == "10"
    wait(page, "window.studio.applied >= window.studio.sent", what="the new speed")
    assert page.evaluate("window.studio.errors") == []


def test_lsystem_click_sets_the_target_and_the_tree_reaches_for_it(page, studio):
    open_scene(page, studio, "lsystem")
    start = frame(page)
    page.mouse.click(*canvas_point(page, ".stage canvas", 330, 150))
    clicked = newer_frame(page, lambda f: f["target"] is not None and f["target"] != start["target"], what="a new target")
    reached = newer_frame(page, lambda f: f["distance"] is not None and f["distance"] < 0.01 * f["reach"], timeout=60,
                          what="a tip on the target")
    assert reached["target"] == clicked["target"] and reached["reachable"]
    assert [reached["nearest"]["x"], reached["nearest"]["y"]] == pytest.approx(
        [clicked["target"]["x"], clicked["target"]["y"]], abs=0.02 * reached["reach"])
    shot(page, "lsystem")


def test_lsystem_out_of_reach_click_says_so_and_the_tree_stays_a_tree(page, studio):
    open_scene(page, studio, "lsystem")
    page.mouse.click(*canvas_point(page, ".stage canvas", 540, 20))   # the top right corner: past every tip's reach
    far = newer_frame(page, lambda f: f["reachable"] is False and f["iterations"] > 100, timeout=60, what="out of reach")
    status = page.locator(".scene-status")
    assert status.inner_text().startswith("out of reach") and "status-bad" in status.get_attribute("class")
    assert far["distance"] > 0.1
    shot(page, "lsystem-out-of-reach")


def test_ik_dragging_the_target_brings_the_hand_to_it(page, studio):
    open_scene(page, studio, "ik")
    reach = frame(page)["reach"]
    to_canvas = lambda x, y: ((x / (1.15 * reach) + 1) * 260, (1 - y / (1.15 * reach)) * 260)   # ik.js: a 520 px square
    start = frame(page)["target"]
    page.mouse.move(*canvas_point(page, ".stage canvas", *to_canvas(start["x"], start["y"])))
    page.mouse.down()
    goal = (-0.45 * reach, 0.55 * reach)
    page.mouse.move(*canvas_point(page, ".stage canvas", *to_canvas(*goal)), steps=10)
    page.mouse.up()
    wait(page, "window.studio.applied >= window.studio.sent", what="the drag")
    held = newer_frame(page, lambda f: f["reached"], timeout=30, what="the hand on the target")
    assert [held["target"]["x"], held["target"]["y"]] == pytest.approx(list(goal), abs=0.01 * reach)
    hand = held["joints"][-1]
    assert [hand["x"], hand["y"]] == pytest.approx([held["target"]["x"], held["target"]["y"]], abs=2e-3)
    shot(page, "ik")


def test_ik_target_dragged_off_the_stage_stays_on_its_edge(page, studio):
    open_scene(page, studio, "ik")
    reach = frame(page)["reach"]
    start = frame(page)["target"]
    page.mouse.move(*canvas_point(page, ".stage canvas", (start["x"] / (1.15 * reach) + 1) * 260,
                                  (1 - start["y"] / (1.15 * reach)) * 260))
    page.mouse.down()
    box = page.locator(".stage canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] + 300, box["y"] - 200, steps=10)   # far past the top right corner
    page.mouse.up()
    wait(page, "window.studio.applied >= window.studio.sent", what="the drag")
    edge = 1.15 * reach   # ik.js: the view is a square of half-side 1.15 reach
    held = frame(page)["target"]
    assert [held["x"], held["y"]] == pytest.approx([edge, edge], rel=0.02)


def test_particles_click_moves_the_target_and_the_loss_falls_again(page, studio):
    open_scene(page, studio, "particles")
    before = frame(page)["targets"]
    page.mouse.click(*canvas_point(page, ".stage canvas", 200, 120))
    moved = newer_frame(page, lambda f: f["targets"] != before and f["loss"] is not None, what="new targets")
    later = newer_frame(page, lambda f: f["targets"] == moved["targets"] and f["loss"] < 0.5 * moved["loss"], timeout=60,
                        what="a lower loss")
    assert later["step"] > moved["step"]
    page.click("button[data-event=scan]")
    newer_frame(page, lambda f: f["scan"] is not None, what="a scan")
    shot(page, "particles")


def test_synth_from_a_click_at_any_pitch_ends_within_1_hz_and_listen_brings_both_sounds(page, studio):
    open_scene(page, studio, "synth")
    rate = frame(page)["rate"]
    for hz in (110, 300, 1000, 1900):
        u = 44 + hz / (rate / 2) * (620 - 44 - 8)   # synth.js: the spectrum's x axis, 0 Hz to Nyquist
        page.mouse.click(*canvas_point(page, ".stage canvas", u, 150))
        wait(page, "window.studio.applied >= window.studio.sent", what="the click")
        assert abs(frame(page)["f0"] - hz) < 15 or frame(page)["step"] > 0   # a pixel of the axis is ~14 Hz
        done = newer_frame(page, lambda f: f["step"] == 300, timeout=90, what=f"the fit from {hz} Hz")
        assert abs(done["f0"] - 440) <= 1 and not done["stalled"], (hz, done["f0"])
        assert page.locator(".scene-status").inner_text().startswith("fitted: f0 440.0")
    page.keyboard.press("l")
    newer_frame(page, lambda f: f["audio"] is not None, what="with the sounds")
    assert page.locator(".stage audio").count() == 2
    shot(page, "synth")


def test_synth_without_the_search_says_on_the_page_that_the_fit_stalled(page, studio):
    open_scene(page, studio, "synth")
    page.uncheck("input[name=search]")
    rate = frame(page)["rate"]
    page.mouse.click(*canvas_point(page, ".stage canvas", 44 + 300 / (rate / 2) * (620 - 44 - 8), 150))
    stalled = newer_frame(page, lambda f: f["stalled"], timeout=90, what="a stalled fit")
    assert abs(stalled["f0"] - 293.3) < 1   # two thirds of 440 Hz: the valley near 300 Hz
    status = page.locator(".scene-status")
    assert "local minimum" in status.inner_text() and "status-bad" in status.get_attribute("class")


def test_synth_loads_a_wav_the_person_picks_as_its_target(page, studio, tmp_path):
    open_scene(page, studio, "synth")
    rate, pitch = 16000, 330.0
    samples = (0.4 * np.sin(2 * np.pi * pitch * np.arange(rate // 2) / rate) * 32767).astype("<i2")
    with wave.open(str(tmp_path / "tone.wav"), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    page.set_input_files(".stage input[type=file]", str(tmp_path / "tone.wav"))
    loaded = newer_frame(page, lambda f: abs(f["target_peak_hz"] - pitch) < 5, what="the tone as the target")
    assert loaded["rate"] == rate


def diagram_point(page, f):
    """(x, y) in the diagram's units -> the page point over it, for frame f (its "canvas": the picture's box)."""
    c = f["canvas"]
    scale = page.evaluate("document.querySelector('.stage canvas').logicalWidth") / c["width"]
    return lambda x, y: canvas_point(page, ".stage canvas", (x - c["left"]) * scale, (y - c["top"]) * scale)


def test_layout_drag_moves_the_shape_with_the_pointer_and_keeps_the_diagram_feasible(page, studio):
    open_scene(page, studio, "layout")
    settled = newer_frame(page, lambda f: f["settled"] and f["feasible"], timeout=60, what="settled")
    shape = {s["name"]: s for s in settled["shapes"]}["E"]
    at = diagram_point(page, settled)
    cx, cy = shape["center"]
    below_label = 0.6 * (shape["box"][3] - cy)   # E's label sits on its center: take the circle below it
    page.mouse.move(*at(cx, cy + below_label))
    page.mouse.down()
    page.mouse.move(*at(cx - 20, cy + 12 + below_label), steps=8)
    target = (cx - 20, cy + 12)
    held = newer_frame(page, lambda f: f["dragging"] == "E" and f["settled"]
                       and abs({s["name"]: s for s in f["shapes"]}["E"]["center"][0] - target[0]) < 1.5, timeout=60,
                       what="E at the pointer")
    assert {s["name"]: s for s in held["shapes"]}["E"]["center"] == pytest.approx(list(target), abs=1.5)
    assert held["feasible"]
    shot(page, "layout-drag")
    page.mouse.up()
    newer_frame(page, lambda f: f["dragging"] is None and f["settled"], timeout=60, what="released")
    with page.expect_download() as svg:
        page.click("#download-svg")
    assert Path(svg.value.path()).read_text().startswith("<svg")
    with page.expect_download() as toml:
        page.click("#download-toml")
    assert svg.value.suggested_filename == "euler.svg" and toml.value.suggested_filename == "euler.toml"
    assert Path(toml.value.path()).read_text() == frame(page)["spec"]


BEAD = """\
canvas = { width = 400, height = 300 }
constraints = [ { on_circle = ["P", "C"] } ]

[shapes]
C = { kind = "circle", x = 200, y = 150, r = 100, fill = "none" }
P = { kind = "point" }
S = { kind = "segment", x1 = 30, y1 = 30, x2 = 90, y2 = 70, free = true }
"""


def test_layout_page_drags_a_segment_by_its_end_and_a_point_along_its_circle(page, studio, tmp_path):
    open_scene(page, studio, "layout")
    spec = tmp_path / "bead.toml"
    spec.write_text(BEAD)
    page.set_input_files(".stage input[type=file]", str(spec))
    f = newer_frame(page, lambda f: f["source"] == "bead.toml" and f["settled"], timeout=60, what="the bead")
    at = diagram_point(page, f)
    shapes = {s["name"]: s for s in f["shapes"]}
    (x1, y1), (x2, y2) = shapes["S"]["points"]
    page.mouse.move(*at(x2, y2))   # the segment's end: the page takes it by that point
    page.mouse.down()
    page.mouse.move(*at(60, 250), steps=6)
    held = newer_frame(page, lambda f: f["dragging"] == "S" and f["settled"]
                       and abs({s["name"]: s for s in f["shapes"]}["S"]["points"][1][1] - 250) < 1.5,
                       timeout=60, what="S's end at the pointer")
    moved = {s["name"]: s for s in held["shapes"]}["S"]["points"]
    assert moved[1] == pytest.approx([60, 250], abs=1.5) and moved[0] == pytest.approx([x1, y1], abs=1.5)
    page.mouse.up()
    newer_frame(page, lambda f: f["dragging"] is None and f["settled"], timeout=60, what="released")
    page.select_option("[data-setting=drag] select", "valid")
    px, py = shapes["P"]["center"]
    page.mouse.move(*at(px, py))
    page.mouse.down()
    page.mouse.move(*at(350, 150), steps=6)   # off the circle, to its right: P slides round to (300, 150)
    held = newer_frame(page, lambda f: f["dragging"] == "P" and f["settled"] and f["feasible"]
                       and np.hypot(*np.subtract({s["name"]: s for s in f["shapes"]}["P"]["center"], (300, 150))) < 1.5,
                       timeout=60, what="P on the circle, nearest the pointer")
    assert {s["name"]: s for s in held["shapes"]}["P"]["center"] == pytest.approx([300, 150], abs=1.5)
    page.mouse.up()


def test_layout_file_picker_opens_a_spec_and_names_its_violated_constraints(page, studio):
    open_scene(page, studio, "layout")
    infeasible = ROOT / "examples" / "layout" / "infeasible" / "overlap_disjoint.toml"
    page.set_input_files(".stage input[type=file]", str(infeasible))
    f = newer_frame(page, lambda f: f["source"] == infeasible.name and f["settled"], timeout=60, what="the new spec")
    assert not f["feasible"]
    listed = wait(page, "[...document.querySelectorAll('.violations li')].map(li => li.textContent)")
    assert any("overlap_disjoint.toml:" in line for line in listed)
    assert len(listed) == len(f["violations"])
    shot(page, "layout-infeasible")


def test_a_spec_with_a_bad_expression_names_its_line_and_puts_the_caret_under_the_mistake(page, studio, tmp_path):
    open_scene(page, studio, "layout")
    spec = (ROOT / "examples" / "layout" / "midsegment.toml").read_text()
    bad = tmp_path / "midsegment.toml"
    bad.write_text(spec.replace('"length(BC) / 2"', '"length(BC) / * 2"'))
    page.set_input_files(".stage input[type=file]", str(bad))
    box = page.wait_for_selector(".errors .error")
    assert "midsegment.toml:46: equal: argument 2" in box.text_content() and "column 14" in box.text_content()
    source, caret = page.text_content(".errors .error pre").split("\n")
    assert source.strip() == "length(BC) / * 2" and caret.index("^") == source.index("*")   # lined up, in a <pre>
    shot(page, "layout-bad-expression")


def test_every_scene_page_draws_frames(page, studio):
    for name in registry.names():
        open_scene(page, studio, name)
        wait(page, "window.studio.frames > 0 && window.studio.frame.scene", what=f"{name} drawn")
        assert frame(page)["scene"] == name


# ---- the page survives bad messages ----

def test_malformed_and_oversized_messages_get_error_replies_and_the_page_keeps_working(page, studio):
    open_scene(page, studio, "boundary")
    page.evaluate("""() => {
        const s = window.studio.socket;
        s.send("{not json");
        s.send("x".repeat(2000000));
        s.send(JSON.stringify({type: "event", id: 99999, event: {type: "add_point", x: 100, y: 0, label: 0}}));
    }""")
    errors = wait(page, "window.studio.errors.length >= 3 && window.studio.errors")
    assert errors[0].startswith("message: not JSON")
    assert "more than the limit" in errors[1]
    assert errors[2].startswith("event.x: must be in [-6.0, 6.0]")
    assert page.locator(".error").count() >= 3
    shot(page, "errors")
    count = len(point_columns(frame(page)["points"])["x"])
    page.mouse.click(*canvas_point(page, PLANE, 240, 240))
    newer_frame(page, lambda f: len(point_columns(f["points"])["x"]) == count + 1, what="the click after the errors")


def test_a_message_past_the_socket_limit_closes_the_socket_and_the_page_reconnects(page, studio):
    open_scene(page, studio, "graph")
    page.evaluate("() => { window.before = window.studio.socket; window.studio.socket.send('x'.repeat(5 * 1024 * 1024)); }")
    wait(page, "window.studio.socket !== window.before && window.studio.socket.readyState === 1", what="a new socket")
    frames = page.evaluate("window.studio.frames")
    page.click("button[data-event=backward_step]")   # the new session answers clicks
    newer_frame(page, lambda f: f["cursor"] == 1, what="a backward step on the new session")
    assert page.evaluate("window.studio.frames") > frames


def test_space_pauses_and_resumes(page, studio):
    open_scene(page, studio, "boundary")
    page.keyboard.press(" ")
    paused = newer_frame(page, lambda f: f["paused"], what="paused")
    assert page.text_content("[data-action=pause]") == "resume"
    page.keyboard.press(" ")
    newer_frame(page, lambda f: not f["paused"] and f["step"] > paused["step"], what="running again")


# ---- the page's layout, at the widths people use ----

STAGE_FILL = """() => {
  const stage = document.querySelector('.stage'), style = getComputedStyle(stage);
  const room = stage.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const boxes = [...stage.querySelectorAll('canvas')].map((c) => c.getBoundingClientRect());
  const left = Math.min(...boxes.map((b) => b.left)), right = Math.max(...boxes.map((b) => b.right));
  const top = Math.min(...boxes.map((b) => b.top)), bottom = Math.max(...boxes.map((b) => b.bottom));
  const hints = document.querySelector('.hints').getBoundingClientRect();
  return {width: (right - left) / room, height: (bottom - top) / (innerHeight - 150), hints: hints.bottom <= innerHeight};
}"""


@pytest.mark.parametrize("width", [800, 1280, 1920])
def test_every_scene_drawing_fills_its_stage_and_how_to_play_is_in_view(browser, studio, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        for name in ("boundary", "canvas", "ik", "layout", "lsystem", "particles", "synth"):
            open_scene(page, studio, name)
            newer_frame(page, lambda f: True, what="a frame")
            page.wait_for_timeout(300)   # the next frame drawn at the page's size
            fill = page.evaluate(STAGE_FILL)
            assert fill["width"] >= 0.9 or fill["height"] >= 0.9, (name, width, fill)
            if width >= 1280:   # two columns: the panel's top is in view (one column puts it under the stage)
                assert fill["hints"], (name, width)
            shot(page, f"fill-{name}-{width}")
    finally:
        context.close()


def test_now_rows_keep_their_order_from_frame_to_frame(page, studio):
    open_scene(page, studio, "boundary")
    rows = lambda: page.eval_on_selector_all(".numbers dt", "dts => dts.map((d) => d.textContent)")
    first = rows()
    for _ in range(10):
        newer_frame(page, lambda f: True)
        page.wait_for_timeout(50)
        assert rows() == first
