"""Spec files: what they declare reaches the diagram, and every mistake names file:line."""

import pytest

from diffplay.errors import UsageError
from diffplay.layout.spec import loads

GOOD = '''canvas = { width = 500, height = 300 }

constraints = [
  { disjoint = ["A", "B"], pad = 5 },
  { in_range = ["A.r", 20, 40] },
]

objectives = [
  { near = ["L", "A"], weight = 2 },
]

[shapes]
A = { kind = "circle", r = 30, free = ["r"], fill = "#abc" }
B = { kind = "rect", w = 40, h = 20 }
L = { kind = "text", text = "hello", size = 12 }
e = { kind = "arrow", from = "A", to = "B" }
T = { kind = "polygon", points = [[0, 0], [50, 0], "A"] }

[solve]
seed = 7
restarts = 2
'''


def error_of(text):
    with pytest.raises(UsageError) as caught:
        loads(text, name="spec.toml")
    return str(caught.value)


def test_spec_builds_the_shapes_relations_and_options_it_declares():
    diagram, options = loads(GOOD)
    assert (diagram.canvas.width, diagram.canvas.height) == (500, 300)
    assert list(diagram.shapes) == ["A", "B", "L", "e", "T"]
    assert diagram.get("A")["r"] == 30 and not diagram.slots.pinned[diagram.shapes["A"].slots["r"]]
    assert diagram.slots.pinned[diagram.shapes["B"].slots["w"]]
    assert diagram.shapes["e"].slots["x1"] == diagram.shapes["A"].slots["x"]   # the arrow moves with A
    assert [i.label for i in diagram.relations] == ["disjoint(A, B, pad=5)", "in_range(A.r, lo=20, hi=40)",
                                                    "near(L, A, weight=2)"]
    assert options == {"seed": 7, "restarts": 2}


def test_unknown_constraint_names_its_line_and_the_closest_name():
    message = error_of(GOOD.replace('{ disjoint = ["A", "B"], pad = 5 }', '{ disjont = ["A", "B"], pad = 5 }'))
    assert message == 'spec.toml:4: unknown constraint "disjont" (did you mean "disjoint"?)'


def test_unknown_shape_kind_names_the_kind_line():
    message = error_of(GOOD.replace('kind = "rect"', 'kind = "rectangel"'))
    assert message.startswith('spec.toml:14: shape "B": unknown kind "rectangel"')


def test_wrong_arity_names_the_relation_line_and_its_usage():
    message = error_of(GOOD.replace('{ disjoint = ["A", "B"], pad = 5 }', '{ disjoint = ["A"], pad = 5 }'))
    assert message == "spec.toml:4: disjoint takes 2 arguments (disjoint(shape, shape, pad=0.0)), got 1"


def test_unknown_reference_names_the_line_of_that_argument():
    text = GOOD.replace('{ disjoint = ["A", "B"], pad = 5 }', '{ disjoint = ["A",\n                 "Z"], pad = 5 }')
    assert error_of(text) == 'spec.toml:5: disjoint: argument 2: unknown shape "Z"'


def test_unknown_field_lists_the_fields_there_are():
    message = error_of(GOOD.replace('"A.r", 20, 40', '"A.q", 20, 40'))
    assert message == 'spec.toml:5: in_range: argument 1: circle "A" has no field "q" (its fields: x, y, r)'


def test_bad_numbers_name_their_own_lines():
    assert error_of(GOOD.replace("pad = 5", 'pad = "five"')) == 'spec.toml:4: disjoint: pad must be a number, got \'five\''
    assert error_of(GOOD.replace("w = 40", 'w = "wide"')).startswith("spec.toml:14: shapes.B.w must be a number")
    message = error_of(GOOD.replace("width = 500", "width = -5"))
    assert message == "spec.toml:1: canvas.width must be a positive number, got -5"


def test_misplaced_relation_kind_says_where_it_belongs():
    message = error_of(GOOD.replace('{ near = ["L", "A"], weight = 2 }', '{ disjoint = ["L", "A"] }'))
    assert message == 'spec.toml:9: "disjoint" is not an objective: list it under constraints'


def test_relations_written_after_a_table_header_are_caught():
    text = GOOD.replace("[solve]", 'extra = 1\n[solve]').replace("\n\n[shapes]", "\n\n[shapes]\nconstraints = []")
    message = error_of(text)
    assert message.startswith("spec.toml:13: constraints landed inside [shapes]")


def test_unknown_keys_suggest_the_known_one():
    assert error_of(GOOD.replace("fill =", "fil =")).startswith('spec.toml:13: circle "A": unknown key "fil" (did you mean "fill"?)')
    assert error_of(GOOD.replace("weight = 2", "wieght = 2")).startswith('spec.toml:9: near: unknown parameter "wieght"')
    assert error_of(GOOD.replace("[solve]", "[solver]")).startswith('spec.toml:19: unknown section "solver" (did you mean "solve"?)')


def test_toml_syntax_errors_keep_their_line():
    message = error_of(GOOD.replace("height = 300 }", "height = }"))
    assert message.startswith("spec.toml:1: not valid TOML")
