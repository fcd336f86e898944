"""Widgets in real notebook pages: JupyterLab and marimo servers started here (once each), their
pages in Debian's Chromium driven by Playwright. Each scene's, chapter's and a diagram's widget
must draw (a canvas that is not blank); a control changed on the page is read in Python, a value
set in Python shows on the page. Screenshots land in test-artifacts/notebook/."""

import json
import os
import re
import time

import pytest

from diffplay.scenes import registry
from notebook_servers import jupyterlab, kernel_of, lab_url, marimo, notebook_file, run_in
from studio_helpers import ROOT, wait_until
from test_studio_browser import browser, page  # noqa: F401

pytest.importorskip("anywidget")
pytest.importorskip("jupyterlab")
pytest.importorskip("marimo")

ARTIFACTS = ROOT / "test-artifacts" / "notebook"
NAMES = registry.names()
DIAGRAM = ("from diffplay.layout import Diagram\nd = Diagram(360, 220)\n"
           "a, b = d.circle('A', r=60), d.circle('B', r=40)\nd.disjoint(a, b, pad=10)\nd.contains(a, d.text('LA', 'A', size=18))\n")

# What a widget shows, read inside its shadow root: its state, and whether its stage drew.
LOOK = """e => {
  const stage = e.shadowRoot.querySelector(".stage"), s = e.diffplay;
  const blank = (c) => {
    try {
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data, first = d.slice(0, 4).join();
      for (let i = 0; i < d.length; i += 4 * 61) if (d.slice(i, i + 4).join() !== first) return false;
      return true;
    } catch (error) { return false; }   // a canvas the page may not read has been drawn on
  };
  const canvases = [...stage.querySelectorAll("canvas")].filter((c) => c.width > 1 && c.height > 1);
  return {name: s.hello && s.hello.scene.name, frames: s.frames, errors: s.errors, canvases: canvases.length,
          drawn: canvases.length ? canvases.some((c) => !blank(c)) : stage.innerText.trim().length > 0};
}"""


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def widget_of(page, name):
    return page.locator(f".diffplay-widget[data-scene={name}]").first


def drawn(page, name, seconds=90):
    """Wait until the widget of scene `name` has drawn a frame; what it shows."""
    widget = widget_of(page, name)
    deadline = time.monotonic() + seconds
    seen = None
    while time.monotonic() < deadline:
        if widget.count():
            seen = widget.evaluate(LOOK)
            if seen["frames"] > 0 and seen["drawn"]:
                assert seen["errors"] == [], seen
                return seen
        time.sleep(0.2)
    shot(page, f"failed-{name}")
    raise AssertionError(f"{name}'s widget drew nothing within {seconds} s: {seen}")


def in_widget(page, name, selector):
    return widget_of(page, name).locator(selector)


# ---- JupyterLab ----

@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab")
    cells = ["from diffplay import widgets\nshown = {}"]
    cells += [f"for w in shown.values():\n    w.close()   # one at a time: the box has two cores\n"
              f"shown = {{{n!r}: widgets.Scene({n!r})}}\nshown[{n!r}]" for n in NAMES]
    cells += ["for w in shown.values():\n    w.close()\nshown = {}\n" + DIAGRAM + "d"]
    cells += ["w = widgets.Scene('boundary')\nw", "print(2 + 3)"]
    notebook_file(folder / "widgets.ipynb", cells)
    with jupyterlab(folder) as base:
        yield base, folder


def run_cell(page, index):
    """Run cell `index` as a person does (click into it, Shift+Enter); wait until the kernel takes it.
    The first may go before the page has its kernel: pressed again, it runs."""
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    prompt = cell.locator(".jp-InputPrompt")
    for _ in range(3):
        dialog = page.locator(".jp-Dialog")
        if dialog.count():   # JupyterLab asks something before the page is usable: say what
            shot(page, f"dialog-cell-{index}")
            raise AssertionError(f"JupyterLab shows a dialog: {dialog.first.inner_text()!r}")
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Shift+Enter")
        try:
            wait_until(lambda: prompt.inner_text().strip() not in ("[ ]:", ""), 20, f"cell {index} to run")
            return cell
        except AssertionError:
            continue
    raise AssertionError(f"cell {index} did not run")


def test_jupyterlab_shows_every_widget_drawing_and_python_and_the_page_agree(page, lab):
    base, folder = lab
    page.goto(lab_url(base, "widgets.ipynb"))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    run_cell(page, 0)   # the imports
    for i, name in enumerate(NAMES, 1):
        run_cell(page, i)
        seen = drawn(page, name)
        assert seen["name"] == name
    shot(page, "jupyterlab-last-chapter")
    run_cell(page, len(NAMES) + 1)   # a Diagram: a live widget of the layout scene
    assert drawn(page, "layout")["canvases"] == 1
    run_cell(page, len(NAMES) + 2)
    drawn(page, "boundary")
    widget = widget_of(page, "boundary")
    widget.evaluate("e => e.scrollIntoView()")   # its top at the top of the view
    shot(page, "jupyterlab-boundary")
    kernel = kernel_of(base, folder, "widgets.ipynb")
    try:
        in_widget(page, "boundary", "select[name=dataset]").select_option("xor")   # the page's control ...
        wait_until(lambda: run_in(kernel, "print(w.values['dataset'])").strip() == "xor", 30, "Python to see xor")   # ... in Python
        run_in(kernel, "w.set(lr=0.3)")   # Python's value ...
        lr = in_widget(page, "boundary", "input[type=number][name=lr]")
        wait_until(lambda: lr.input_value() == "0.3", 30, "the page to show lr 0.3")   # ... on the page
        in_widget(page, "boundary", "canvas[aria-label^='the plane']").click(position={"x": 40, "y": 40})   # focus the widget: its keys
        page.keyboard.press(" ")
        wait_until(lambda: json.loads(run_in(kernel, "import json; print(json.dumps(w.frame['paused']))")), 30, "space to pause it")
        frames = widget.evaluate("e => e.diffplay.frames")
        run_in(kernel, "w.resume()")
        answer = run_cell(page, len(NAMES) + 3).locator(".jp-OutputArea-output")   # another cell runs while it plays
        wait_until(lambda: answer.count() and answer.inner_text().strip() == "5", 30, "the next cell's answer")
        wait_until(lambda: widget.evaluate("e => e.diffplay.frames") > frames + 10, 30, "frames after resuming")
        widget.evaluate("e => e.closest('.jp-Cell').scrollIntoView()")   # the cell's code above its widget
        shot(page, "jupyterlab-notebook")   # README's picture (docs/images/notebook-jupyterlab.png)
    finally:
        kernel.stop_channels()


# ---- marimo ----

MARIMO_APP = '''
import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    from diffplay import widgets
    return mo, widgets


@app.cell
def _(mo):
    choice = mo.ui.dropdown(options=NAMES, value=NAMES[0], label="scene")
    choice
    return (choice,)


@app.cell
def _(choice, mo, widgets):
    # marimo closes the widget this cell made last time as it runs again, and its loop ends
    scene = widgets.Scene(choice.value)
    mo.ui.anywidget(scene)
    return (scene,)


@app.cell
def _(mo):
    lr = mo.ui.number(start=0.01, stop=10, step=0.01, value=0.03, label="boundary's lr, from Python")
    read = mo.ui.button(label="read the dataset")
    mo.hstack([lr, read])
    return lr, read


@app.cell
def _(lr, scene):
    if scene.described["name"] == "boundary":
        scene.set(lr=lr.value)   # runs again whenever the number changes
    return


@app.cell
def _(mo, read, scene):
    read
    mo.md(f"dataset in Python: **{scene.values.get('dataset')}**")
    return
'''


@pytest.fixture(scope="module")
def marimo_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("marimo")
    (folder / "app.py").write_text(MARIMO_APP.replace("NAMES", repr(NAMES)))
    with marimo(folder, "app.py") as url:
        yield url


def test_marimo_shows_every_widget_drawing_and_python_and_the_page_agree(page, marimo_app):
    page.goto(marimo_app, timeout=120_000)
    assert drawn(page, NAMES[0])["name"] == NAMES[0]
    choice = page.get_by_role("combobox").first
    for name in NAMES[1:] + NAMES[:1]:   # each in turn, and the first (boundary) again to play with
        choice.select_option(name)
        assert drawn(page, name)["name"] == name
    widget_of(page, "boundary").evaluate("e => e.scrollIntoView()")
    shot(page, "marimo-boundary")
    in_widget(page, "boundary", "select[name=dataset]").select_option("xor")   # the page's control ...
    text = lambda: page.inner_text("body")  # noqa: E731
    for _ in range(20):   # ... read in Python, each time the button asks
        page.get_by_role("button", name="read the dataset").click()
        if "dataset in Python: xor" in wait_until(text, 30, "the page's text"):
            break
        time.sleep(0.5)
    assert "dataset in Python: xor" in text()
    number = page.get_by_role("textbox", name=re.compile("boundary's lr, from Python"))   # Python's value ...
    number.fill("0.3")
    number.press("Enter")
    lr = in_widget(page, "boundary", "input[type=number][name=lr]")
    wait_until(lambda: lr.input_value() == "0.3", 30, "the page to show lr 0.3")   # ... on the page
