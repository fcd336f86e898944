"""Every fast NumPy kernel equals its relation on Tensors and finite differences."""

import itertools

import numpy as np
import pytest

from diffplay.engine.tensor import Tensor
from diffplay.layout import Diagram, examples  # noqa: F401  (Diagram fills the registry)
from diffplay.layout.problem import Batch
from diffplay.layout.registry import CHOICES, CONSTRAINTS, OBJECTIVES
from diffplay.layout.shapes import FIELDS

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
    arrays = []
    for kind in signature:
        names = ("value",) if kind == "field" else ("vx", "vy") if kind in ("polygon", "polyline") else FIELDS[kind]
        arrays.append({name: _field(name, rng, n) for name in names})
    params = {k: rng.uniform(-0.3, 0.3, n) for k, v in relation.params.items()
              if k != "weight" and not isinstance(v, str)}
    return arrays, params


def _batches(signature, arrays, wrap):
    return [Batch(kind, {k: wrap(v) for k, v in fields.items()}) for kind, fields in zip(signature, arrays)]


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
    box = {"x": np.array([0.0]), "y": np.array([0.0]), "w": np.array([2.0]), "h": np.array([2.0])}
    circle = {"x": np.array([0.0]), "y": np.array([0.0]), "r": np.array([0.3])}
    signature, arrays = (("box", "circle"), [box, circle]) if box_first else (("circle", "box"), [circle, box])
    relation = OBJECTIVES.get(name) or CONSTRAINTS[name]
    params = {k: np.array([0.1]) for k, v in relation.params.items() if k != "weight"}
    assert_kernel_is_the_relation(relation, signature, arrays, params, np.random.default_rng(2))


def assert_kernel_is_the_relation(relation, signature, arrays, params, rng):
    """The kernel's values and pullback equal the relation's on Tensors, for random weights."""
    values, pullback = relation.kernels[signature](*_batches(signature, arrays, np.asarray), **params)
    leaves = [{k: Tensor(v, requires_grad=True) for k, v in fields.items()} for fields in arrays]
    reference = relation.fn(*[Batch(kind, leaf) for kind, leaf in zip(signature, leaves)], **params)
    np.testing.assert_allclose(values, reference.data, rtol=1e-12, atol=1e-12)
    w = rng.normal(size=values.shape)
    (reference * w).sum().backward()
    grads = pullback(w)
    expected = [leaf[k].grad if leaf[k].grad is not None else np.zeros_like(leaf[k].data) for leaf in leaves
                for k in leaf]
    assert len(grads) == len(expected)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("relation, signature, static", CASES, ids=IDS)
def test_kernel_pullback_matches_finite_differences(relation, signature, static):
    rng = np.random.default_rng(1)
    arrays, params = _inputs(relation, signature, rng)
    params.update(static)
    kernel = relation.kernels[signature]
    values, pullback = kernel(*_batches(signature, arrays, np.asarray), **params)
    w = rng.normal(size=values.shape)
    grads = iter(pullback(w))
    for fields in arrays:
        for name in fields:
            analytic, numeric = next(grads), np.zeros_like(fields[name])
            for i in np.ndindex(numeric.shape):
                for sign in (1, -1):
                    fields[name][i] += sign * 1e-6
                    numeric[i] += sign * np.sum(w * kernel(*_batches(signature, arrays, np.asarray), **params)[0])
                    fields[name][i] -= sign * 1e-6
            np.testing.assert_allclose(analytic, numeric / 2e-6, rtol=1e-5, atol=1e-6)


def test_every_hot_packing_family_has_a_kernel():
    from diffplay.layout.spec import load

    diagram, _ = load(examples.path("packing"))
    problem = diagram._compiled()
    assert all(f.kernel is not None for f in problem.families), [f.relation.name for f in problem.families
                                                                 if f.kernel is None]
