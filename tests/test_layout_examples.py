"""The example specs ship inside the package (a wheel has them), and a source checkout shows
them as examples/layout/, a link to the one copy, as README's commands use them."""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from diffplay.errors import UsageError
from diffplay.layout import examples
from diffplay.layout.spec import load

pytestmark = pytest.mark.filterwarnings("ignore:diffplay.layout")   # approximation notes, tested in test_layout_api

ROOT = Path(__file__).resolve().parents[1]
SHOWN = ["architecture", "cities", "euclid", "euler", "flowchart", "graph", "midsegment", "packing", "sets", "state_machine", "wordcloud"]


def test_examples_names_the_shipped_specs_and_path_finds_each():
    assert examples.names() == SHOWN
    for name in SHOWN + ["infeasible/inside_smaller", "infeasible/overlap_disjoint"]:
        assert examples.path(name).is_file() and examples.path(name).parent.is_relative_to(examples.FOLDER)


@pytest.mark.parametrize("name, message", [
    ("eulr", 'no example called "eulr" (did you mean "euler"?) (examples: architecture, cities, euclid, euler, flowchart, graph, midsegment, packing, sets, state_machine, wordcloud)'),
    ("../__init__", 'no example called "../__init__"'),
])
def test_an_unknown_example_is_a_usage_error_naming_the_examples(name, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        examples.path(name)


def test_repo_examples_layout_is_a_link_to_the_package_examples_that_git_keeps_as_one():
    link = ROOT / "examples" / "layout"
    assert link.is_symlink() and link.resolve() == examples.FOLDER
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(["git", "ls-files", "-s", "examples/layout"], cwd=ROOT, capture_output=True, text=True)
    assert listed.stdout.split()[0] == "120000"   # a link, not a second copy of the files


def test_a_spec_read_through_the_repo_link_points_its_errors_at_a_real_file():
    diagram, _ = load(ROOT / "examples" / "layout" / "infeasible" / "inside_smaller.toml")
    where = diagram.solve().violations[0].where
    file, line = where.rsplit(":", 1)
    assert Path(file).is_file() and line == "5" and Path(file).resolve() == examples.path("infeasible/inside_smaller")


def test_a_wheel_carries_every_example(tmp_path):
    pytest.importorskip("setuptools")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation",
                            "-q", "-w", str(tmp_path)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("diffplay-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"diffplay/layout/examples/{p.relative_to(examples.FOLDER).as_posix()}"
                for p in examples.FOLDER.rglob("*.toml")}
    assert expected and expected <= inside
