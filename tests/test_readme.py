"""README's Python examples run as written, and their printed comments stay true."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```bash\n(.*?)```", README.read_text(), flags=re.S).group(1)
    assert "diffplay" in first_block and "scripts/test" in first_block


def same(got, want):
    """Numbers agree to the digits the comment shows; anything else must match exactly."""
    try:
        numbers = [float(w) for w in want.replace(",", " ").split()]
    except ValueError:
        return got == want
    digits = [len(w.split(".")[-1]) if "." in w else 0 for w in want.replace(",", " ").split()]
    values = [float(g) for g in got.replace(",", " ").split()]
    return len(values) == len(numbers) and all(
        abs(g - w) <= 10 ** -d for g, w, d in zip(values, numbers, digits))


@pytest.mark.parametrize("index", range(len(python_blocks())))
def test_python_example_prints_what_its_comments_say(index, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # examples may write files (model.npz)
    block = python_blocks()[index]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {})
    printed = out.getvalue().splitlines()
    promised = re.findall(r"print\(.*\)\s+# (.*)", block)
    assert len(printed) == len(promised)
    for got, want in zip(printed, promised):
        assert same(got, want), (got, want)


def test_readme_shows_every_scene_with_the_command_that_draws_its_picture():
    from diffplay.scenes import registry

    text = README.read_text()
    for scene in registry.all_scenes("scenes"):
        command = scene.example.command(scene.name)
        assert f"`{command}`" in text, f"README lacks scene {scene.name}'s example: {command}"
        picture = f"docs/images/scene-{scene.name}.{scene.example.format}"
        assert f"]({picture})" in text and (README.parent / picture).exists()


def test_readme_lists_the_elementwise_functions_of_the_table():
    from diffplay.engine.elementwise import NAMES

    listed = re.search(r"the elementwise functions `([^`]*)`", README.read_text()).group(1).split()
    assert listed == list(NAMES)


def test_readme_lists_every_layout_shape_and_relation():
    from diffplay.layout import CONSTRAINTS, OBJECTIVES
    from diffplay.layout.shapes import KINDS

    text = " ".join(README.read_text().split())
    lists = re.search(r"Shapes: (.*?)\. Constraints: (.*?)\. Objectives: (.*?)\.", text).groups()
    listed = [[re.sub(r" \(.*\)", "", item) for item in names.split(", ")] for names in lists]
    assert [sorted(names) for names in listed] == [sorted(KINDS), sorted(CONSTRAINTS), sorted(OBJECTIVES)]
