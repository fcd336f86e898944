"""Expressions: parsed by our own parser, resolved against a diagram, held by `defines`; their
gradients against finite differences, their meaning measured on solved diagrams, and each
kind of mistake named with its file:line and column."""

import math

import numpy as np
import pytest

from diffplay.errors import UsageError
from diffplay.layout import Diagram
from diffplay.layout.expressions import MAX_DEPTH, parse, parse_condition
from diffplay.layout.formulas import DERIVED, FUNCTIONS
from diffplay.layout.spec import loads

pytestmark = pytest.mark.filterwarnings("ignore:diffplay.layout")


def test_parse_follows_precedence_and_reads_fields_of_calls():
    assert parse("1 + 2 * -A.x") == ("op", "+", ("num", 1.0), ("op", "*", ("num", 2.0), ("neg", ("field", ("name", "A"), "x"))))
    assert parse("midpoint(A, B).y / 2") == ("op", "/", ("field", ("call", "midpoint", (("name", "A"), ("name", "B"))), "y"),
                                             ("num", 2.0))
    assert parse_condition("not F(x, y) and (x < y or x != z)") == (
        "and", ("not", ("fact", "F", ("x", "y"))), ("or", ("compare", "<", "x", "y"), ("compare", "!=", "x", "z")))


@pytest.mark.parametrize("text, message", [
    ("distance(A, B", "column 14: expected ',', got the end"),
    ("A + * 2", "column 5: expected a number, a name or '(', got '*'"),
    ("3 $ 4", "column 3: unexpected character '$'"),
    ("A B", "column 3: expected an operator or the end, got 'B'"),
    ("A.x(1)", "column 3: 'x' is a field; it cannot be called"),
    ("A ** 2", "column 3: expected an operator or the end, got '**'"),   # `**` is the graph scene's only
    ("(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1),
     f"column {MAX_DEPTH + 1}: nested more than {MAX_DEPTH} levels deep"),
])
def test_a_malformed_expression_names_the_column(text, message):
    with pytest.raises(UsageError) as caught:
        parse(text)
    assert message in str(caught.value)


def _diagram():
    d = Diagram(400, 300)
    d.circle("A", 100, 100, 30, free=True)
    d.rect("R", 250, 200, 80, 40, free=True, rotated=True)
    d.point("P", 300, 80, free=True)
    d.segment("S", "A", "P")
    d.text("T", "hi", 60, 250, free=True)
    d.variable("k", 0.7)
    return d


EXPRESSIONS = [   # every function and derived field, between shapes of several kinds
    "midpoint(A, R).x + midpoint(T, P).y", "distance(A, R) - distance(P, T)", "angle(A, R, P) * 10",
    "point(A.r, k * 40).x", "length(S)", "abs(A.x - R.y)", "sqrt(A.x * R.y)", "min(A.x, R.angle * 50)",
    "max(P.y, T.x)", "R.center.y + A.width + R.height - T.left + T.right * 2 - R.top + R.bottom + S.length",
    "(midpoint(A, P) - R * 0.5).x / k",
]


def test_the_expressions_cover_every_function_and_derived_field():
    text = " ".join(EXPRESSIONS)
    assert all(f"{name}(" in text for name in FUNCTIONS) and all(f".{name}" in text for name in DERIVED)


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_an_expression_gradient_matches_finite_differences(expression):
    d = _diagram()
    target = d.value(expression)
    d.maximize(target)   # something for the objective to read, besides the definition
    problem = d._compiled()
    rng = np.random.default_rng(len(expression))
    z = np.array(d.slots.values) / d.slots.scales(d.canvas.scale) + rng.normal(0, 0.02, len(d.slots))
    z[target.slot] = rng.normal()
    values, backward = problem.forward(z)
    weights = [rng.normal(size=v.shape) for v in values]
    total = lambda z: sum(float((w * v).sum()) for w, v in zip(weights, problem.values(z)))  # noqa: E731
    numeric = np.array([(total(z + e * 1e-6) - total(z - e * 1e-6)) / 2e-6 for e in np.eye(len(z))])
    np.testing.assert_allclose(backward(weights), numeric, rtol=1e-4, atol=1e-6)


def test_computed_values_mean_what_they_say_after_solving():
    d = Diagram(600, 400)
    a, b = d.circle("A", r=30), d.circle("B", r=50)
    d.disjoint(a, b, pad=5)
    d.less_than("distance(A, B)", 100)            # at most 100 apart
    m = d.point("M")
    d.define(m, "midpoint(A, B) + point(0, 40)")  # a shape held to a point
    half = d.let("half", "distance(A, B) / 2")
    result = d.solve(seed=1)
    assert result.feasible, str(result)
    (ax, ay), (bx, by), (mx, my) = d.center(a), d.center(b), d.center(m)
    assert 85 - 0.5 <= math.dist((ax, ay), (bx, by)) <= 100 + 0.5
    assert (mx, my) == pytest.approx(((ax + bx) / 2, (ay + by) / 2 + 40), abs=0.5)
    assert d.slots.values[half.slot] == pytest.approx(math.dist((ax, ay), (bx, by)) / 2, abs=0.5)


def test_a_free_variable_is_moved_and_kept_in_range():
    d = Diagram(400, 300)
    a, b = d.circle("A", r=40), d.circle("B", r=20)
    gap = d.variable("gap", lo=10, hi=30)
    d.equal("distance(A, B) - A.r - B.r", gap)
    d.maximize(gap, weight=0.01)
    result = d.solve()
    assert result.converged, str(result)
    value = d.slots.values[gap.slot]
    assert value == pytest.approx(30, abs=0.4)
    assert math.dist(d.center(a), d.center(b)) == pytest.approx(60 + value, abs=0.5)


def test_an_angle_is_in_radians_whatever_the_canvas():
    for size in (300, 900):
        d = Diagram(size, size)
        p, q, r = d.point("P", 0.2 * size, 0.5 * size), d.point("Q", 0.5 * size, 0.5 * size), d.point("R")
        d.equal("distance(Q, R)", 0.3 * size)
        d.equal("angle(P, Q, R)", math.pi / 3)
        assert d.solve().feasible
        (px, py), (qx, qy), (rx, ry) = d.center(p), d.center(q), d.center(r)
        turn = math.atan2(abs((px - qx) * (ry - qy) - (py - qy) * (rx - qx)), (px - qx) * (rx - qx) + (py - qy) * (ry - qy))
        assert turn == pytest.approx(math.pi / 3, abs=2e-3)


SPEC = """canvas = {{ width = 400, height = 300 }}
constraints = [
  {{ less_than = ["{arg}", 60] }},
]

[shapes]
A = {{ kind = "circle", r = 20 }}
B = {{ kind = "circle", r = 20 }}
S = {{ kind = "segment", from = "A", to = "B" }}
M = {{ kind = "point", at = "{at}" }}
"""


@pytest.mark.parametrize("arg, at, message", [
    ("distance(A, C)", "midpoint(A, B)", 'spec.toml:3: less_than: argument 1: unknown name "C"'),
    ("distanse(A, B)", "midpoint(A, B)", 'spec.toml:3: less_than: argument 1: "distanse(A, B)": unknown function '
                                         '"distanse" (did you mean "distance"?)'),
    ("length(A)", "midpoint(A, B)", 'spec.toml:3: less_than: argument 1: "length(A)": length: argument 1 must be a '
                                    "segment or arrow, got the circle A"),
    ("A.rr", "midpoint(A, B)", 'spec.toml:3: less_than: argument 1: circle "A" has no field "rr"'),
    ("distance(A, B) +", "midpoint(A, B)", 'spec.toml:3: less_than: argument 1: "distance(A, B) +": column 17: '
                                           "expected a number, a name or '(', got the end"),
    ("midpoint(A, B) * S", "midpoint(A, B)", '"(midpoint(A, B) * S)": cannot multiply a point and a point'),
    ("distance(A, B)", "distance(A, B)", "spec.toml:10: shapes.M.at must be a point such as \"midpoint(P, Q)\", got "
                                         "'distance(A, B)' (define 'M': a shape takes a point, and \"distance(A, B)\" "
                                         "is a number)"),
])
def test_a_mistake_in_an_expression_names_file_line_and_what(arg, at, message):
    with pytest.raises(UsageError) as caught:
        loads(SPEC.format(arg=arg, at=at))
    assert message in str(caught.value)


def test_a_spec_solves_with_expressions_variables_and_let():
    text = SPEC.format(arg="distance(A, B)", at="midpoint(A, B)").replace("[shapes]", """[variables]
gap = { lo = 5, hi = 15 }

[let]
far = "distance(A, B) - A.r - B.r"

[shapes]""").replace("60] },", '60] },\n  { equal = ["far", "gap"] },')
    d, _ = loads(text)
    assert d.solve().feasible
    (ax, ay), (bx, by) = d.center(d.shapes["A"]), d.center(d.shapes["B"])
    assert 45 - 0.5 <= math.dist((ax, ay), (bx, by)) <= 55 + 0.5
    assert d.center(d.shapes["M"]) == pytest.approx(((ax + bx) / 2, (ay + by) / 2), abs=0.5)
