"""The TOML line locator: every key path maps to the line it is written on."""

import tomllib

from hypothesis import given, settings
from hypothesis import strategies as st

from diffplay.layout.locate import line_of, toml_lines

DOC = '''# a comment with [brackets] and { braces }
title = "x # not a comment"
constraints = [
  { disjoint = ["A", "B"], pad = 5 },
  # [ { inside a comment
  { contains = ["A",
                "B"], pad = 1e-3 },
]

[canvas]
width = 600   # px
height = 400

[shapes.A]
kind = "circle"
r = 30

[shapes]
B = { kind = "rect", w = 10, h = 'lit' }
s = """
[fake]
x = 1"""
[[objectives]]
near = ["A", "B"]

[[objectives]]
repel = ["A", "B"]
weight = 2
'''


def test_toml_lines_finds_keys_of_every_kind_of_table():
    lines = toml_lines(DOC)
    assert lines[("title",)] == 2
    assert lines[("constraints", 0, "pad")] == 4
    assert lines[("constraints", 1, "contains")] == 6
    assert lines[("constraints", 1, "contains", 1)] == 7
    assert lines[("constraints", 1, "pad")] == 7
    assert lines[("canvas", "height")] == 12
    assert lines[("shapes", "A", "r")] == 16
    assert lines[("shapes", "B", "h")] == 19
    assert lines[("objectives", 1, "weight")] == 28


def test_toml_lines_ignores_brackets_in_strings_and_comments():
    lines = toml_lines(DOC)
    assert ("fake",) not in lines and ("shapes", "x") not in lines
    assert lines[("shapes", "s")] == 20
    assert lines[("objectives", 0, "near")] == 24


def test_line_of_falls_back_to_the_nearest_parent():
    lines = toml_lines(DOC)
    assert line_of(lines, ("shapes", "A", "no such key")) == 14
    assert line_of(lines, ("nothing",)) == 1


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True),
                          st.one_of(st.integers(-99, 99), st.text("ab #[]{}", max_size=5),
                                    st.lists(st.integers(0, 9), max_size=3))),
                min_size=1, max_size=8, unique_by=lambda kv: kv[0]),
       st.integers(0, 2))
def test_toml_lines_matches_the_line_of_each_generated_key(pairs, blank_lines):
    rendered = []
    for key, value in pairs:
        text = repr(value).replace("'", '"') if not isinstance(value, str) else '"' + value + '"'
        rendered.append(f"{key} = {text}" + "\n" * blank_lines)
    doc = "[table]\n" + "\n".join(rendered)
    tomllib.loads(doc)   # the generator only makes valid TOML
    lines = toml_lines(doc)
    for i, (key, _) in enumerate(pairs):
        assert lines[("table", key)] == 2 + i * (blank_lines + 1)
