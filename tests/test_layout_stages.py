"""Stages solved in order, each starting where the last ended; soft constraints as weighted
penalties that give way, with their fast paths equal to the composed penalty."""

import math

import numpy as np
import pytest

from diffplay.errors import UsageError
from diffplay.layout import CONSTRAINTS, Diagram
from diffplay.layout.soft import soft
from diffplay.layout.spec import loads
import test_layout_kernels as kernel_tests   # its random inputs and its kernel-vs-relation check

pytestmark = pytest.mark.filterwarnings("ignore:diffplay.layout")


def _two_sets(stages=("shapes", "labels"), later="labels"):
    d = Diagram(500, 400, stages=stages)
    a, b = d.circle("A", r=80), d.circle("B", r=50)
    d.disjoint(a, b, pad=20)
    labels = [d.text(f"L{s.name}", s.name, size=18) for s in (a, b)]
    for shape, label in zip((a, b), labels):
        d.contains(shape, label, pad=4, stage=later)
        d.near(label, shape, stage=later)
    return d


def test_a_staged_solve_warm_starts_each_stage_from_the_last():
    d = _two_sets()
    d._stage = 0   # the first stage alone, as the loop runs it
    first = d.solve(seed=2)
    d._stage = None
    result = _two_sets().solve(seed=2)
    assert result.converged and f"iterations by stage: shapes {first.iterations}, labels" in result.message
    # a stage that adds nothing starts where the last one ended, already solved: no iterations
    plain = _two_sets(stages=(), later=None)
    plain.solve(seed=2)
    twice = _two_sets(stages=["all", "again"], later="all")
    again = twice.solve(seed=2)
    assert again.converged and again.message.endswith(f"(iterations by stage: all {plain.result.iterations}, again 0)")
    assert twice.slots.values == plain.slots.values


def test_what_stage_one_settles_is_still_met_after_stage_two():
    d = _two_sets()
    assert d.solve(seed=5).feasible
    (ax, ay), (bx, by) = d.center(d.shapes["A"]), d.center(d.shapes["B"])
    assert math.dist((ax, ay), (bx, by)) >= 80 + 50 + 20 - 0.5
    for name in "AB":   # the labels joined in stage two, at their own sets
        lx, ly = d.center(d.shapes[f"L{name}"])
        assert math.dist((lx, ly), d.center(d.shapes[name])) < d.get(name)["r"]


def test_a_later_stage_starts_its_newcomers_at_their_shapes():
    d = _two_sets()
    d.solve(seed=1)
    for name in "AB":
        assert math.dist(d.center(d.shapes[f"L{name}"]), d.center(d.shapes[name])) < 1.0   # near: on the center


def test_restarts_rerun_every_stage_and_keep_the_best():
    d = _two_sets()
    result = d.solve(seed=0, restarts=3)
    assert result.restarts == 3 and result.converged
    single = [_two_sets().solve(seed=s) for s in range(3)]
    assert result.iterations == sum(r.iterations for r in single)
    assert result.objective == pytest.approx(min(r.objective for r in single))


def test_a_stage_that_was_not_declared_is_named_with_its_line():
    spec = ('canvas = { width = 300, height = 200 }\nsolve = { stages = ["a", "b"] }\n'
            'constraints = [\n  { disjoint = ["A", "B"], stage = "c" },\n]\n\n'
            '[shapes]\nA = { kind = "circle", r = 20 }\nB = { kind = "circle", r = 20 }\n')
    with pytest.raises(UsageError, match='spec.toml:4: unknown stage "c": its stages are a, b'):
        loads(spec)
    with pytest.raises(UsageError, match=r"spec.toml:2: solve.stages must list distinct stage names"):
        loads(spec.replace('["a", "b"]', '["a", "a"]'))
    with pytest.raises(UsageError, match="it declares none"):
        Diagram().add("greater_than", 1, 0, stage="late")


def _pulled(weights):
    """A point pulled softly towards two places 200 apart, with these weights."""
    d = Diagram(400, 300)
    p, left, right = d.point("P"), d.point("L", 100, 150), d.point("R", 300, 150)
    d.distance(p, left, d=0, soft=weights[0])
    d.distance(p, right, d=0, soft=weights[1])
    assert d.solve().converged
    return d.center(p)


def test_a_soft_constraint_gives_way_by_its_weight():
    x_even, _ = _pulled((1, 1))
    x_heavy, _ = _pulled((1, 4))
    assert x_even == pytest.approx(200, abs=0.5)
    assert x_heavy == pytest.approx(100 + 200 * 4 / 5, abs=0.5)   # Σ w (x − c)² is least at the weighted mean


def test_a_soft_pair_that_cannot_both_hold_still_solves():
    def two(soft_weight):
        d = Diagram(400, 300)
        a, b = d.circle("A", r=60), d.circle("B", r=40)
        d.disjoint(a, b, pad=10)
        d.distance(a, b, d=50, soft=soft_weight)
        return d, d.solve()

    _, hard = two(None)
    d, softened = two(5)
    assert not hard.feasible and softened.converged
    assert math.dist(d.center(d.shapes["A"]), d.center(d.shapes["B"])) == pytest.approx(110, abs=0.5)


def test_soft_is_for_constraints_with_a_positive_weight():
    d = Diagram()
    a, b = d.circle("A", r=10), d.circle("B", r=10)
    with pytest.raises(UsageError, match="near is an objective, soft already"):
        d.near(a, b, soft=2)
    with pytest.raises(UsageError, match="soft must be a positive weight, got -1"):
        d.disjoint(a, b, soft=-1)


SOFT = [(soft(r), signature, static) for r in CONSTRAINTS.values() for signature in r.kernels
        for static in kernel_tests._variants(r)]


@pytest.mark.parametrize("relation, signature, static", SOFT,
                         ids=[f"{r.name}-{'-'.join(s)}{''.join('-' + v for v in st.values())}" for r, s, st in SOFT])
def test_a_soft_kernel_is_the_soft_relation_it_speeds_up(relation, signature, static):
    rng = np.random.default_rng(1)
    arrays, params = kernel_tests._inputs(relation, signature, rng)
    kernel_tests.assert_kernel_is_the_relation(relation, signature, arrays, {**params, **static}, rng)
