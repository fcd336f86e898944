"""Every fast NumPy kernel, a fused op, equals its relation on Tensors and finite differences."""

import itertools

import numpy as np
import pytest

from diffplay.engine.tensor import Tensor
from diffplay.layout import examples
from diffplay.layout.problem import batches
from diffplay.layout.registry import CHOICES, CONSTRAINTS, KERNELS, OBJECTIVES, lookup
from diffplay.layout.shapes import BATCH_FIELDS, BOXED, FIELDS, OPEN

pytestmark = pytest.mark.filterwarnings("ignore:diffplay.layout")   # approximation notes, tested in test_layout_api


def _variants(relation):
    """Every choice of the relation's string parameters (side="left", …), one dict each."""
    strings = [k for k, v in relation.params.items() if isinstance(v, str)]
    return [dict(zip(strings, choice)) for choice in itertools.product(*(CHOICES[k] for k in strings))]


CASES = [(relation, signature, static) for table in (CONSTRAINTS, OBJECTIVES) for relation in table.values()
         for signature in relation.kernels for static in _variants(relation)]
IDS = [f"{r.name}-{'-'.join(s)}{''.join('-' + v for v in static.values())}" for r, s, static in CASES]


QUAD = np.array([0.0, 1.7, 3.2, 4.9])   # angles of a convex quadrilateral's corners


def _field(name, rng, n):
    """Random values for one field of n shapes: sizes positive, a polygon's vertices (n, 4)."""
    if name in ("vx", "vy"):
        turn = np.cos(QUAD) if name == "vx" else np.sin(QUAD)
        return rng.uniform(-1, 1, (n, 1)) + rng.uniform(0.2, 0.6, (n, 1)) * turn
    return rng.uniform(0.2, 1.0, n) if name in ("r", "w", "h") else rng.uniform(-1, 1, n)


def _inputs(relation, signature, rng, n=12):
    """Random arrays for each argument's fields, in the family's order, and the parameters."""
    arrays = [_field(name, rng, n) for kind in signature for name in BATCH_FIELDS[kind]]
    params = {k: rng.uniform(-0.3, 0.3, n) for k, v in relation.params.items()
              if k != "weight" and not isinstance(v, str)}
    return arrays, params


@pytest.mark.parametrize("relation, signature, static", CASES, ids=IDS)
def test_kernel_matches_the_relation_on_tensors(relation, signature, static):
    rng = np.random.default_rng(0)
    arrays, params = _inputs(relation, signature, rng)
    params.update(static)
    assert_kernel_is_the_relation(relation, signature, arrays, params, rng)


@pytest.mark.parametrize("name", ["label_near", "touching"])
@pytest.mark.parametrize("box_first", [True, False])
def test_a_circle_equally_near_every_side_of_a_box_shares_the_gradient_among_them(name, box_first):
    """Four pieces tie at the minimum: as with Tensor min, each carries a quarter of the pull."""
    box = [np.array([0.0]), np.array([0.0]), np.array([2.0]), np.array([2.0])]
    circle = [np.array([0.0]), np.array([0.0]), np.array([0.3])]
    signature, arrays = (("box", "circle"), box + circle) if box_first else (("circle", "box"), circle + box)
    relation = OBJECTIVES.get(name) or CONSTRAINTS[name]
    params = {k: np.array([0.1]) for k, v in relation.params.items() if k != "weight"}
    assert_kernel_is_the_relation(relation, signature, arrays, params, np.random.default_rng(2))


def assert_kernel_is_the_relation(relation, signature, arrays, params, rng):
    """The kernel, a fused op, gives the relation's values and gradients on Tensors, for random weights."""
    ours, theirs = [Tensor(a, requires_grad=True) for a in arrays], [Tensor(a, requires_grad=True) for a in arrays]
    values = relation.kernels[signature](*ours, **params)
    reference = relation.fn(*batches(signature, theirs), **params)
    assert values.shape in (reference.shape, reference.shape[:1])   # one value per instance may be (n,), not (n, 1)
    np.testing.assert_allclose(values.data, reference.data.reshape(values.shape), rtol=1e-12, atol=1e-12)
    w = rng.normal(size=values.shape)
    (values * w).sum().backward()
    (reference * w.reshape(reference.shape)).sum().backward()
    for a, b in zip(ours, theirs):
        grad = lambda t: t.grad if t.grad is not None else np.zeros_like(t.data)  # noqa: E731
        np.testing.assert_allclose(grad(a), grad(b), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("relation, signature, static", CASES, ids=IDS)
def test_kernel_pullback_matches_finite_differences(relation, signature, static):
    rng = np.random.default_rng(1)
    arrays, params = _inputs(relation, signature, rng)
    params.update(static)
    forward = relation.kernels[signature].forward
    values, vjp = forward(*arrays, **params)
    w = rng.normal(size=values.shape)
    for array, analytic in zip(arrays, vjp(w)):
        numeric = np.zeros_like(array)
        for i in np.ndindex(numeric.shape):
            for sign in (1, -1):
                array[i] += sign * 1e-6
                numeric[i] += sign * np.sum(w * forward(*arrays, **params)[0])
                array[i] -= sign * 1e-6
        np.testing.assert_allclose(analytic, numeric / 2e-6, rtol=1e-5, atol=1e-6)


def test_every_hot_packing_family_has_a_kernel():
    from diffplay.layout.spec import load

    diagram, _ = load(examples.path("packing"))
    problem = diagram._compiled()
    assert all(f.kernel is not None for f in problem.families), [f.relation.name for f in problem.families
                                                                 if f.kernel is None]


SOLVER_KINDS = tuple(k for k in FIELDS if k not in BOXED)   # text boxes, groups, images, math labels are "box"es
TAKES = {"shape": SOLVER_KINDS, "closed": tuple(k for k in SOLVER_KINDS if k not in OPEN), "line": ("segment", "arrow"),
         "circle": ("circle",), "field": ("field",), "any": SOLVER_KINDS + ("field",), "chain": ("polygon", "polyline")}


def test_every_kernel_serves_a_registered_relation_on_kinds_it_takes():
    """Kernels register by name, in any order: a misspelt name or signature would go unused."""
    for name, kernels in KERNELS.items():
        relation = lookup(name)
        assert relation is not None, name
        for signature in kernels:
            types = relation.args * relation.window if relation.window else relation.args
            assert len(signature) == len(types) and all(k in TAKES[t] for k, t in zip(signature, types)), \
                (name, signature)
