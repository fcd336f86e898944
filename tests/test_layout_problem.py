"""The compiled problem's fast path (one gather into a kept buffer, kernels over kept Batches,
one scatter) computes what the relations compute on Tensors, and solves to the same layouts."""

import contextlib

import numpy as np
import pytest

from diffplay.layout import Diagram, examples
from diffplay.layout.build import compile_problem
from diffplay.layout.registry import KERNELS, lookup
from diffplay.layout.spec import load

pytestmark = pytest.mark.filterwarnings("ignore:diffplay.layout")   # approximation notes, tested in test_layout_api

NAMES = ["euler", "euclid", "flowchart", "graph", "packing"]


@contextlib.contextmanager
def kernels_off():
    """Every relation on the Tensor engine, as if no kernel were registered."""
    saved = {name: dict(kernels) for name, kernels in KERNELS.items()}
    for kernels in KERNELS.values():
        kernels.clear()
    try:
        yield
    finally:
        for name, kernels in KERNELS.items():
            kernels.update(saved[name])


def both_problems(name):
    """An example's problem compiled with its kernels and without (all on Tensors), and a random z."""
    diagram, _ = load(examples.path(name))
    diagram.solve(max_iterations=3)
    z = np.array(diagram.slots.values) / diagram.slots.scales(diagram.canvas.scale)
    fast = compile_problem(diagram)
    with kernels_off():
        slow = compile_problem(diagram)
    assert fast.kernels and not slow.kernels
    return fast, slow, z


@pytest.mark.parametrize("name", NAMES)
def test_fast_path_values_and_gradient_equal_the_relations_on_tensors(name):
    fast, slow, z = both_problems(name)
    rng = np.random.default_rng(0)
    for _ in range(3):
        at = z + rng.normal(scale=0.01, size=z.size)
        (ours, back), (theirs, reference) = fast.forward(at), slow.forward(at)
        for a, b in zip(ours, theirs):   # a kernel's one value per instance stays (n,), on Tensors (n, 1)
            assert a.shape in (b.shape, b.shape[:1])
            np.testing.assert_allclose(a, b.reshape(a.shape), rtol=1e-10, atol=1e-12)
        weights = [rng.normal(size=v.shape) for v in theirs]
        shaped = [w.reshape(v.shape) for w, v in zip(weights, ours)]
        np.testing.assert_allclose(back(shaped), reference(weights), rtol=1e-9, atol=1e-12)


def test_a_weight_of_none_leaves_its_family_out_of_the_gradient():
    fast, _, z = both_problems("packing")
    values, back = fast.forward(z)
    weights = [np.ones_like(v) for v in values]
    kept = [w if i % 2 else None for i, w in enumerate(weights)]
    alone = [w if i % 2 else np.zeros_like(w) for i, w in enumerate(weights)]
    np.testing.assert_allclose(back(kept), back(alone), rtol=0, atol=1e-15)
    for out in range(len(weights)):   # each alone, contains, disjoint and touching on circles among them (one call)
        kept = [None if i == out else w for i, w in enumerate(weights)]
        alone = [np.zeros_like(w) if i == out else w for i, w in enumerate(weights)]
        np.testing.assert_allclose(back(kept), back(alone), rtol=0, atol=1e-15)


@pytest.mark.parametrize("name", ["packing", "flowchart"])
def test_a_flat_layout_of_the_constraints_gives_their_values_and_gradient_as_per_family_lists_do(name):
    """A solver's flat vectors (residuals, weights) laid out by spans: Values.ordered end to end
    are the families' values so laid out, and Weights cut from a flat vector weigh as the
    same weights given family by family (a Group's call reads its slice; the others their own)."""
    fast, slow, z = both_problems(name)
    for problem in (fast, slow):   # with kernels and on Tensors
        values, back = problem.forward(z)
        spans, count = problem.spans(z), len(problem.constraints)
        flat = np.concatenate(values.ordered)
        for (a, b, shape), v in zip(spans, values[:count]):
            np.testing.assert_array_equal(flat[a:b].reshape(shape), v)
        rng = np.random.default_rng(1)
        weights = rng.normal(size=flat.size)
        objective = [rng.normal(size=v.shape) for v in values[count:]]
        each = [weights[a:b].reshape(shape).copy() for a, b, shape in spans] + objective
        np.testing.assert_allclose(back(problem.cut(weights, objective)), back(each), rtol=1e-12, atol=1e-15)


def test_values_left_unsplit_are_split_into_each_familys_own():
    """forward(split=False) leaves a Group's constraint families to Values.ordered; split()
    gives each its values as forward() does (packing: contains, disjoint, touching in one call)."""
    fast, _, z = both_problems("packing")
    whole = [v.copy() for v in fast.forward(z)[0]]
    values, _ = fast.forward(z, split=False)
    assert any(v is None for v in values)
    for a, b in zip(fast.split(values), whole):
        np.testing.assert_array_equal(a, b)


def test_values_are_copies_that_a_later_evaluation_leaves_alone():
    fast, _, z = both_problems("flowchart")
    first = fast.values(z)
    kept = [v.copy() for v in first]
    fast.forward(z + 0.05)
    assert all(np.array_equal(a, b) for a, b in zip(first, kept))


@pytest.mark.parametrize("name", NAMES)
def test_fast_and_tensor_paths_solve_an_example_alike(name):
    """Rounding differs between the paths, so their iterates part ways; where they end agrees
    (a packing may end rotated, so the objective and the verdict are compared, not positions)."""
    results = []
    for off in (False, True):
        diagram, _ = load(examples.path(name))
        with kernels_off() if off else contextlib.nullcontext():
            results.append(diagram.solve(seed=1))
    fast, slow = results
    assert fast.status == slow.status == "converged"
    assert fast.objective == pytest.approx(slow.objective, rel=0.02, abs=1e-6)


SIGNED = [(name, signature, soft) for name, kernels in KERNELS.items() for signature, kernel in kernels.items()
          if kernel.forward.signs is not None for soft in ((False, True) if lookup(name).hard else (False,))]


def _signed_diagram(name, signature, soft):
    """Six circles with free fields and three instances of relation `name` on `signature`
    (a circle, or a circle's radius for a field), hard or soft."""
    d = Diagram(400, 400)
    circles = [d.circle(f"c{i}") for i in range(6)]
    for a, b in [(0, 1), (2, 3), (4, 5)]:
        args = [circles[i] if kind == "circle" else circles[i].r for kind, i in zip(signature, (a, b))]
        d.add(name, *args, **({"soft": 2.0} if soft else {}))
    return d


@pytest.mark.parametrize("name, signature, soft", SIGNED,
                         ids=[f"{n}-{'-'.join(s)}{'-soft' * soft}" for n, s, soft in SIGNED])
def test_a_kernel_with_signs_gives_the_gradient_of_its_values_hard_or_soft(name, signature, soft):
    """Problem applies a kernel's declared signs to its gradient, and to its soft version's
    (whose kernels are its own: finite differences are the reference)."""
    diagram = _signed_diagram(name, signature, soft)
    diagram.solve(max_iterations=1)
    rng = np.random.default_rng(3)
    z = np.array(diagram.slots.values) / diagram.slots.scales(diagram.canvas.scale)
    crowded = [slot for shape in diagram.shapes.values() for slot in shape.slots.values()]
    z[crowded] = rng.uniform(0.05, 0.3, len(crowded))   # overlapping circles: every residual away from 0
    problem = compile_problem(diagram)
    values, back = problem.forward(z)
    weights = [rng.normal(size=v.shape) for v in values]
    analytic = back(weights)

    def energy(at):
        return sum(float(np.vdot(w, v)) for w, v in zip(weights, problem.forward(at)[0]))

    step = np.eye(z.size)[crowded] * 1e-6
    numeric = [(energy(z + h) - energy(z - h)) / 2e-6 for h in step]
    np.testing.assert_allclose(analytic[crowded], numeric, rtol=1e-5, atol=1e-6)
