"""`diffplay layout` as a user runs it: a real subprocess, real files."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from diffplay.layout import examples

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "layout"   # as README's commands name them: a link to diffplay/layout/examples


def layout(*args):
    return subprocess.run([sys.executable, "-m", "diffplay.cli", "layout", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("name", ["euler", "euclid", "flowchart", "graph", "packing"])
def test_layout_writes_an_svg_that_parses_as_xml(name, tmp_path):
    out = tmp_path / f"{name}.svg"
    run = layout(EXAMPLES / f"{name}.toml", "-o", out, "--json", "--seed", 1)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["feasible"] and summary["seed"] == 1 and summary["output"] == str(out)
    root = ET.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(root) > 3


def test_layout_of_an_infeasible_spec_exits_1_and_names_the_culprit(tmp_path):
    run = layout(EXAMPLES / "infeasible" / "inside_smaller.toml", "-o", tmp_path / "x.svg")
    assert run.returncode == 1
    assert "INFEASIBLE" in run.stdout and "inside_smaller.toml:5: contains(small, big)" in run.stdout


def test_layout_of_a_malformed_spec_exits_2_with_file_and_line(tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text('constraints = [\n  { disjoint = ["A", "Nope"] },\n]\n[shapes]\nA = { kind = "circle" }\n')
    run = layout(spec, "-o", tmp_path / "x.svg")
    assert run.returncode == 2
    assert run.stderr.strip() == f'diffplay: {spec}:2: disjoint: argument 2: unknown shape "Nope"'
    assert "Traceback" not in run.stderr


def test_layout_of_a_missing_file_exits_2():
    run = layout("no/such/spec.toml")
    assert run.returncode == 2 and run.stderr.strip() == "diffplay: no/such/spec.toml: no such file"


def test_a_spec_saved_with_a_byte_order_mark_reads_as_any_other(tmp_path):
    spec = tmp_path / "bom.toml"
    spec.write_bytes("\ufeff".encode() + b'[shapes]\nA = { kind = "circle", r = 20 }\n')
    run = layout(spec, "-o", tmp_path / "bom.svg")
    assert run.returncode == 0, run.stderr


def test_a_spec_that_is_not_utf8_names_its_line_and_column(tmp_path):
    spec = tmp_path / "latin1.toml"
    spec.write_bytes(b'[shapes]\nA = { kind = "text", text = "caf\xe9" }\n')
    run = layout(spec)
    assert run.returncode == 2 and run.stderr.strip() == f"diffplay: {spec}: line 2 is not UTF-8 (byte 0xe9 at column 33)"


def test_layout_restarts_are_reported(tmp_path):
    run = layout(EXAMPLES / "packing.toml", "-o", tmp_path / "p.svg", "--json", "--restarts", 2)
    assert run.returncode == 0
    assert json.loads(run.stdout.strip().splitlines()[-1])["restarts"] == 2
    assert layout(EXAMPLES / "packing.toml", "--restarts", 0).returncode == 2


def test_layout_writes_where_the_user_stands_by_default(tmp_path):
    run = subprocess.run([sys.executable, "-m", "diffplay.cli", "layout", str(examples.path("euler"))],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "euler.svg").exists() and not examples.path("euler").with_suffix(".svg").exists()


@pytest.mark.parametrize("name, message", [
    ("out.png", "-o {out}: this command writes .svg files; name one so"),
    ("nodir/out.svg", "-o {out}: no such folder"),
])
def test_layout_checks_its_output_before_solving(tmp_path, name, message):
    out = tmp_path / name
    run = layout(examples.path("euler"), "-o", out)
    assert run.returncode == 2 and run.stderr.strip().startswith("diffplay: " + message.format(out=out))
    assert not out.exists()


def test_layout_refuses_to_write_over_its_own_spec(tmp_path):
    spec = tmp_path / "mine.svg"
    spec.write_text(examples.path("euler").read_text(encoding="utf-8"), encoding="utf-8")
    before = spec.read_bytes()
    run = layout(spec, "-o", spec)
    assert run.returncode == 2 and "is the file this command reads" in run.stderr and spec.read_bytes() == before
