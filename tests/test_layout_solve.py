"""Solving the examples: feasible from several seeds, checked by independent geometry;
infeasible variants come back feasible=False naming the constraints that conflict."""

from dataclasses import replace

import numpy as np
import pytest

from diffplay.layout import Diagram, examples
from diffplay.layout.build import compile_problem
from diffplay.layout.result import STATUSES
from diffplay.layout.solver import solve as solve_problem
from diffplay.layout.spec import load

pytestmark = pytest.mark.filterwarnings("ignore:diffplay.layout")   # approximation notes, tested in test_layout_api



@pytest.mark.parametrize("name", ["euler", "euclid", "flowchart", "graph", "packing"])
@pytest.mark.parametrize("seed", range(5))
def test_example_solves_feasible_from_each_seed(name, seed):
    diagram, _ = load(examples.path(name))
    result = diagram.solve(seed=seed)
    assert result.feasible, str(result)
    assert result.max_residual <= 1e-3 * diagram.canvas.scale
    assert result.violations == []


def _circles(diagram):
    return {name: diagram.get(name) for name, s in diagram.shapes.items() if s.kind == "circle"}


def test_packing_solution_meets_every_relation_by_direct_measurement():
    diagram, _ = load(examples.path("packing"))
    result = diagram.solve(seed=3)
    c = _circles(diagram)
    tol = 1e-3 * diagram.canvas.scale
    gap = lambda a, b: np.hypot(c[a]["x"] - c[b]["x"], c[a]["y"] - c[b]["y"])  # noqa: E731
    special = {("c0", "c1"), ("c2", "c3"), ("c4", "c5"), ("c6", "c7"), ("c8", "c9")}
    for i in range(20):
        a = f"c{i}"
        assert 15 - tol <= c[a]["r"] <= 40 + tol
        assert gap("outer", a) + c[a]["r"] <= 250 + tol
        for j in range(i + 1, 20):
            b = f"c{j}"
            if (a, b) not in special:
                assert gap(a, b) >= c[a]["r"] + c[b]["r"] - tol
    for big, small in (("c0", "c1"), ("c2", "c3")):
        assert gap(big, small) + c[small]["r"] + 5 <= c[big]["r"] + tol
    for a, b in (("c4", "c5"), ("c6", "c7"), ("c8", "c9")):
        assert gap(a, b) == pytest.approx(c[a]["r"] + c[b]["r"], abs=tol)
    assert result.converged


def test_circle_inside_a_smaller_one_is_infeasible_and_names_contains():
    diagram, _ = load(examples.path("infeasible/inside_smaller"))
    result = diagram.solve()
    assert not result.feasible and not result.converged
    assert [v.constraint for v in result.violations] == ["contains(small, big)"]
    assert result.violations[0].residual == pytest.approx(30, abs=1)
    assert result.violations[0].where.endswith("inside_smaller.toml:5")


def test_set_overlapping_two_disjoint_sets_it_is_in_is_infeasible_and_names_the_conflict():
    diagram, _ = load(examples.path("infeasible/overlap_disjoint"))
    result = diagram.solve()
    assert not result.feasible
    named = {v.constraint for v in result.violations}
    conflict = {"disjoint(A, B, pad=10)", "contains(A, S)", "contains(B, S)", "overlapping(S, A, amount=5)",
                "overlapping(S, B, amount=5)"}
    assert named and named <= conflict
    assert "disjoint(A, B, pad=10)" in named or {"contains(A, S)", "contains(B, S)"} <= named


def test_infeasible_python_diagram_returns_a_result_instead_of_raising():
    d = Diagram(300, 300)
    a, b = d.circle("A", r=40), d.circle("B", r=40)
    d.contains(a, b, pad=10)
    result = d.solve()
    assert result.feasible is False
    assert "contains(A, B, pad=10)" in str(result)


def test_same_seed_gives_the_same_layout_and_another_seed_another():
    def layout(seed):
        d, _ = load(examples.path("euler"))
        d.solve(seed=seed)
        return np.array(d.slots.values)

    np.testing.assert_array_equal(layout(1), layout(1))
    assert not np.allclose(layout(1), layout(2))


def test_restarts_keep_the_best_feasible_solution():
    one, _ = load(examples.path("packing"))
    several, _ = load(examples.path("packing"))
    single = one.solve(seed=0, restarts=1)
    best = several.solve(seed=0, restarts=3)
    assert best.feasible and best.objective <= single.objective + 1e-12
    assert best.restarts == 3 and best.iterations > single.iterations


def started(name="packing"):
    """An example's compiled problem, its state after one iteration (solver units), its free slots."""
    diagram, _ = load(examples.path(name))
    diagram.solve(max_iterations=1)
    free = ~np.array(diagram.slots.pinned)
    return compile_problem(diagram), np.array(diagram.slots.values) / diagram.canvas.scale, free


def test_solver_state_carries_the_lbfgs_pairs_of_a_run_cut_short_and_only_its_step_after_convergence():
    problem, z, free = started()
    cut = solve_problem(problem, z.copy(), free, max_iterations=10)
    assert not cut.converged and cut.state.history
    assert all(s.shape == y.shape == (free.sum(),) for s, y, _ in cut.state.history)
    done = solve_problem(problem, cut.z, free, state=cut.state)
    assert done.converged and done.state.history == [] and done.state.step > 0


def test_solver_drops_carried_pairs_measured_over_other_free_slots():
    problem, z, free = started()
    cut = solve_problem(problem, z.copy(), free, max_iterations=10)
    other = free.copy()
    first, last = np.flatnonzero(free)[0], np.flatnonzero(~free)[-1]
    other[first], other[last] = False, True   # as many free slots, not the same ones
    fresh = replace(cut.state, free=None, history=[], step=None)
    a = solve_problem(problem, cut.z.copy(), other, state=cut.state, max_iterations=30)
    b = solve_problem(problem, cut.z.copy(), other, state=fresh, max_iterations=30)
    assert np.array_equal(a.z, b.z) and a.iterations == b.iterations


def status_of(make):
    """A diagram's solve status, checked to be one of the documented ones."""
    result = make()
    assert result.status in STATUSES
    return result


def test_status_says_converged_for_a_solved_example():
    diagram, _ = load(examples.path("euler"))
    result = status_of(diagram.solve)
    assert result.status == "converged" and result.converged


def test_status_says_infeasible_when_the_solver_gave_up():
    diagram, _ = load(examples.path("infeasible/inside_smaller"))
    assert status_of(diagram.solve).status == "infeasible"


def test_status_says_max_iterations_when_the_budget_ran_out_and_a_warm_solve_goes_on():
    diagram, _ = load(examples.path("packing"))
    assert status_of(lambda: diagram.solve(max_iterations=5)).status == "max_iterations"
    for _ in range(100):
        if diagram.solve(warm=True, max_iterations=25).status != "max_iterations":
            break
    assert diagram.result.status == "converged"


def test_status_says_stalled_when_the_rounds_ran_out():
    problem, z, free = started("infeasible/inside_smaller")   # many rounds before the solver gives up
    outcome = solve_problem(problem, z, free, max_rounds=2)
    assert outcome.status == "stalled" and not outcome.converged and outcome.iterations < 5000


def test_status_says_diverged_for_an_unbounded_objective():
    d = Diagram(300, 200)
    d.maximize(d.circle("A", r=10, on_canvas=False).x)
    assert status_of(d.solve).status == "diverged"
