"""Issue 14's attacks on the layout engine: a spec is read by parsing.load_toml and checked
field by field, the SVG is written with files.check_writable and write_atomic, its text with
text.xml_text, and what the terminal shows with text.printable; each attack ends in one line
(exit status 2) or a valid picture, and every file as it was."""

import errno
import os
import xml.etree.ElementTree as ElementTree

import pytest

from diffplay.cli import main
from diffplay.scenes.layout import Layout

CIRCLE = '[shapes]\nA = { kind = "circle" }\n'


def run_layout(tmp_path, spec_text, *options, encoding="utf-8"):
    spec = tmp_path / "spec.toml"
    spec.write_bytes(spec_text.encode(encoding))
    return main(["layout", str(spec), "-o", str(tmp_path / "out.svg"), *options])


@pytest.mark.parametrize("spec_text", [
    pytest.param('[shapes]\nA = { kind = ["circle"] }\n', id="kind-list"),
    pytest.param('[shapes]\nA = { kind = "circle", r = 1' + "0" * 400 + " }\n", id="r-400-digits"),
    pytest.param("canvas = 5\n" + CIRCLE, id="canvas-number"),
    pytest.param("a = " + "[" * 5000 + "]" * 5000 + "\n" + CIRCLE, id="arrays-5000-deep"),
    pytest.param("a = " + "{ b = " * 3000 + "1" + " }" * 3000 + "\n" + CIRCLE, id="tables-3000-deep"),
    pytest.param(CIRCLE + '\n[[constraints]]\nin_range = ["A.r", 40, 10]\n', id="lo-above-hi"),
    pytest.param('[shapes]\nA = { kind = "circle", on_canvas = "false" }\n', id="boolean-as-text"),
    pytest.param(CIRCLE + '\n[[objectives]]\nnear = ["A", 5]\n', id="shape-near-a-number"),   # found by the fuzz test
    pytest.param('[shapes]\nP = { kind = "polygon", points = 70985727 }\n', id="polygon-of-70-million-vertices"),   # found by the fuzz test
    pytest.param('[shapes]\nP = { kind = "polygon", points = 1e300 }\n', id="polygon-of-1e300-vertices"),
])
def test_a_hostile_spec_is_refused_in_one_line(tmp_path, capsys, spec_text):
    assert run_layout(tmp_path, spec_text) == 2
    assert capsys.readouterr().err.startswith("diffplay: ")


def test_a_negative_seed_is_refused_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as refused:   # argparse's usage error
        run_layout(tmp_path, CIRCLE, "--seed", "-1")
    assert refused.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith("--seed: must be an integer in [0, 2147483647], got -1")


def test_a_negative_seed_in_the_spec_is_refused_naming_its_line(tmp_path, capsys):
    assert run_layout(tmp_path, "[solve]\nseed = -1\n" + CIRCLE) == 2
    assert "spec.toml:2: solve.seed: must be an integer in [0, 2147483647], got -1" in capsys.readouterr().err


def test_a_spec_saved_with_a_byte_order_mark_is_read(tmp_path):
    assert run_layout(tmp_path, CIRCLE, encoding="utf-8-sig") == 0


def test_output_naming_the_spec_is_refused_and_the_spec_is_kept(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(CIRCLE)
    assert main(["layout", str(spec), "-o", str(spec)]) == 2
    assert spec.read_text() == CIRCLE


def test_a_full_disk_leaves_the_old_picture_whole(tmp_path, monkeypatch):
    out = tmp_path / "out.svg"
    out.write_text("<svg>old</svg>")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    assert run_layout(tmp_path, CIRCLE) == 2
    assert out.read_text() == "<svg>old</svg>"


def test_control_characters_in_a_label_leave_the_svg_valid(tmp_path):
    spec = '[shapes]\nA = { kind = "circle", text = "a\\u0001b\\u001b[2J" }\n'
    assert run_layout(tmp_path, spec) in (0, 1)
    ElementTree.parse(tmp_path / "out.svg")
    ElementTree.fromstring(Layout(spec=spec).frame()["svg"])   # the studio's picture too


def test_escape_sequences_in_names_do_not_reach_the_terminal(tmp_path, capsys):
    clash = ('[canvas]\nwidth = 200\nheight = 150\n[shapes]\n"\\u001b[2Jx" = { kind = "circle", r = 70 }\n'
             'B = { kind = "circle", r = 70 }\n[[constraints]]\ndisjoint = ["\\u001b[2Jx", "B"]\n')
    assert run_layout(tmp_path, clash) == 1   # infeasible: the violated constraints are listed, by name
    assert "\x1b" not in capsys.readouterr().out
