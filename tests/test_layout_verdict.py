"""Verdicts a user can act on: `infeasible` names a small set of constraints that cannot hold
together (file:line), found by solving them on their own; otherwise `stuck`, and a fresh start
finds the way out."""

import numpy as np
import pytest

from diffplay.layout import Diagram, examples
from diffplay.layout.solver import solve as solve_problem
from diffplay.layout.spec import load
from diffplay.layout.start import starting_values
from diffplay.layout.verdict import judge

pytestmark = pytest.mark.filterwarnings("ignore:diffplay.layout")   # approximation notes, tested in test_layout_api

SPEC = """\
canvas = { width = 500, height = 400 }

[shapes]
A = { kind = "circle" }
B = { kind = "circle" }
C = { kind = "circle" }
D = { kind = "circle", r = 30 }
E = { kind = "circle", r = 30 }

[[constraints]]
contains = ["A", "B"]
pad = 10

[[constraints]]
disjoint = ["D", "E"]

[[constraints]]
contains = ["B", "C"]
pad = 10

[[constraints]]
disjoint = ["A", "C"]

[[objectives]]
near = ["D", "E"]
"""


def test_a_conflict_is_named_with_file_and_line_and_nothing_else(tmp_path):
    spec = tmp_path / "nested.toml"
    spec.write_text(SPEC)
    diagram, _ = load(spec)
    result = diagram.solve(seed=0)
    assert result.status == "infeasible" and not result.feasible
    # A holds B holds C, yet C must stay clear of A: only a negative radius would do (the
    # implicit bound that keeps it positive takes part); D and E, fine apart, stay out of it
    assert {(v.where, v.constraint) for v in result.conflict} == {
        (f"{spec}:11", "contains(A, B, pad=10)"), (f"{spec}:18", "contains(B, C, pad=10)"),
        (f"{spec}:22", "disjoint(A, C)"), ("", "greater_than(C.r, 0, pad=0) [implicit]")}
    assert "conflict " + str(result.conflict[0]) in str(result)


def test_overlap_disjoint_names_its_three_conflicting_constraints():
    diagram, _ = load(examples.path("infeasible/overlap_disjoint"))
    result = diagram.solve(seed=1)
    assert result.status == "infeasible"
    assert sorted(v.where.rsplit(":", 1)[1] for v in result.conflict) == ["6", "7", "8"]


def test_an_infeasible_verdict_stops_the_restarts():
    diagram, _ = load(examples.path("infeasible/inside_smaller"))
    result = diagram.solve(restarts=5)
    assert result.status == "infeasible" and result.restarts == 1
    assert [v.constraint for v in result.conflict] == ["contains(small, big)"]


def jammed():
    """Seven circles of radius 30 in a container of radius 90.3 (90 is the least that fits them):
    feasible, and some starts jam."""
    d = Diagram(300, 300, left=-150, top=-150)
    outer = d.circle("outer", 0, 0, 90.3)
    circles = [d.circle(f"c{i}", r=30) for i in range(7)]
    for c in circles:
        d.contains(outer, c)
    for i, a in enumerate(circles):
        for b in circles[i + 1:]:
            d.disjoint(a, b)
    return d


JAMMED_SEED = 7   # a start from which the solver jams


def test_a_stuck_start_says_stuck_not_infeasible():
    d = jammed()
    problem, scales = d._compiled(), d.slots.scales(d.canvas.scale)
    rng = np.random.default_rng(JAMMED_SEED)
    z = starting_values(d, rng, False, False) / scales
    outcome = solve_problem(problem, z, d.slots.free(), tolerance=d.tolerance)
    assert outcome.status == "stuck" and not outcome.feasible
    verdict, _ = judge(d, problem, outcome, rng, scales)
    assert verdict.status == "stuck" and verdict.conflict == [] and "--restarts" in verdict.message


def test_a_stuck_start_earns_a_fresh_one_that_finds_the_way():
    result = jammed().solve(seed=JAMMED_SEED)
    assert result.converged and result.restarts == 2   # the first start jammed, the second did not
    assert jammed().solve(seed=JAMMED_SEED + 1).restarts == 1


def test_a_warm_solve_never_restarts_on_its_own():
    d = jammed()
    result = d.solve(seed=JAMMED_SEED, warm=True)   # nothing placed yet: the same first start
    assert result.status == "stuck" and result.restarts == 1 and result.conflict == []
    assert str(result).startswith("STUCK")
