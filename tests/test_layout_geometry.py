"""Exact shape distances against brute force, and the fused geometry ops against autodiff."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from diffplay.engine.gradcheck import gradcheck
from diffplay.engine.tensor import Tensor
from diffplay.layout import fused, geometry, outlines
from diffplay.layout.problem import Batch

KINDS = ("point", "circle", "rect", "text", "segment", "polygon")


def shape(kind, rng, center=(0.0, 0.0), spread=1.0):
    """A one-instance batch of `kind` near `center`."""
    cx, cy = np.asarray(center) + rng.uniform(-spread, spread, 2)
    size = lambda: rng.uniform(0.3, 1.2)  # noqa: E731
    fields = {
        "point": {"x": cx, "y": cy},
        "circle": {"x": cx, "y": cy, "r": size()},
        "rect": {"x": cx, "y": cy, "w": size(), "h": size(), "angle": rng.uniform(-1, 1)},
        "text": {"x": cx, "y": cy, "w": size(), "h": size()},
        "segment": {"x1": cx - 0.5, "y1": cy + rng.uniform(-1, 1), "x2": cx + 0.5, "y2": cy + rng.uniform(-1, 1)},
    }
    if kind == "polygon":   # a triangle, convex by construction
        angles = np.sort(rng.uniform(0, 2 * np.pi, 3))
        return Batch(kind, {"vx": (cx + np.cos(angles))[None], "vy": (cy + np.sin(angles))[None]})
    return Batch(kind, {k: np.array([v], float) for k, v in fields[kind].items()})


def boundary(b, count=4000):
    """Points densely along the edge of a one-instance batch."""
    if b.kind in geometry.ROUND:
        t = np.linspace(0, 2 * np.pi, count)
        r = float(geometry.radius(b)[0]) if b.kind == "circle" else 0.0
        return np.stack([b.x[0] + r * np.cos(t), b.y[0] + r * np.sin(t)], 1)
    vx, vy = (np.asarray(v)[0] for v in geometry.outline(b))
    closed = b.kind not in geometry.OPEN
    ends = range(len(vx)) if closed else range(len(vx) - 1)
    t = np.linspace(0, 1, count // len(vx))[:, None]
    return np.concatenate([np.stack([vx[i], vy[i]]) + t * np.stack([vx[(i + 1) % len(vx)] - vx[i],
                                                                       vy[(i + 1) % len(vy)] - vy[i]])
                           for i in ends])


def inside(b, points):
    """Which points lie inside a closed one-instance batch (brute force, convex shapes)."""
    if b.kind in geometry.ROUND:
        return np.hypot(points[:, 0] - b.x[0], points[:, 1] - b.y[0]) < geometry.radius(b)[0]
    vx, vy = (np.asarray(v)[0] for v in geometry.outline(b))
    cross = [(vx[(i + 1) % len(vx)] - vx[i]) * (points[:, 1] - vy[i])
             - (vy[(i + 1) % len(vy)] - vy[i]) * (points[:, 0] - vx[i]) for i in range(len(vx))]
    cross = np.array(cross)
    return np.all(cross > 0, axis=0) | np.all(cross < 0, axis=0)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(KINDS), st.sampled_from(KINDS), st.integers(0, 10**6))
def test_signed_distance_of_shapes_apart_matches_brute_force(kind_a, kind_b, seed):
    rng = np.random.default_rng(seed)
    a, b = shape(kind_a, rng), shape(kind_b, rng, center=rng.uniform(-6, 6, 2))
    pa, pb = boundary(a), boundary(b)
    closest = np.sqrt(((pa[:, None, :] - pb[None, :, :]) ** 2).sum(-1)).min()
    sd = float(geometry.signed_distance(a, b)[0])
    overlap = (kind_b not in geometry.OPEN and inside(b, pa).any()) or (kind_a not in geometry.OPEN and inside(a, pb).any())
    if closest > 0.05 and not overlap:
        assert sd == pytest.approx(closest, abs=2e-3)
    elif closest > 0.05:   # one inside the other
        assert sd < 0


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(("circle", "rect", "text", "polygon")), st.sampled_from(KINDS), st.integers(0, 10**6))
def test_outside_says_contained_exactly_when_every_boundary_point_is_inside(kind_a, kind_b, seed):
    rng = np.random.default_rng(seed)
    a = shape(kind_a, rng)
    b = shape(kind_b, rng, spread=0.6)
    for field in ("r", "w", "h"):   # shrink b so that sometimes it fits
        if hasattr(b, field):
            setattr(b, field, getattr(b, field) * 0.3)
    worst = float(np.max(geometry.outside(a, b)))
    if abs(worst) > 1e-2:
        assert (worst < 0) == bool(inside(a, boundary(b)).all())


def test_circle_and_rectangle_distances_are_exact_in_known_cases():
    circle = Batch("circle", {"x": np.array([0.0]), "y": np.array([0.0]), "r": np.array([10.0])})
    rect = Batch("rect", {"x": np.array([30.0]), "y": np.array([30.0]), "w": np.array([20.0]), "h": np.array([20.0]),
                          "angle": np.array([0.0])})
    diamond = Batch("rect", {"x": np.array([0.0]), "y": np.array([0.0]), "w": np.array([10.0]),
                             "h": np.array([10.0]), "angle": np.array([np.pi / 4])})
    box = Batch("text", {"x": np.array([0.0]), "y": np.array([3.0]), "w": np.array([10.0]), "h": np.array([10.0])})
    assert geometry.signed_distance(circle, rect)[0] == pytest.approx(np.hypot(20, 20) - 10)
    assert geometry.signed_distance(rect, circle)[0] == pytest.approx(np.hypot(20, 20) - 10)
    # the least translation that separates them: push the box 9.07 down (5 √2 + 2)
    assert geometry.signed_distance(diamond, box)[0] == pytest.approx(-(5 * np.sqrt(2) + 2))


def _torch_segment_distances(px, py, ax, ay, ex, ey):
    px, py = px[:, :, None], py[:, :, None]
    ax, ay, ex, ey = ax[:, None, :], ay[:, None, :], ex[:, None, :], ey[:, None, :]
    t = torch.clamp(((px - ax) * ex + (py - ay) * ey) / (ex * ex + ey * ey + 1e-12), 0, 1)
    return torch.sqrt((ax + t * ex - px) ** 2 + (ay + t * ey - py) ** 2 + 1e-24)


def _torch_line_offsets(px, py, ax, ay, ex, ey, sign):
    px, py, s = px[:, :, None], py[:, :, None], sign[:, :, None]
    ax, ay, ex, ey = ax[:, None, :], ay[:, None, :], ex[:, None, :], ey[:, None, :]
    return s * ((px - ax) * ey - (py - ay) * ex) / torch.sqrt(ex * ex + ey * ey + 1e-6)   # SHORT²


@pytest.mark.parametrize("name, reference", [("segment_distances", _torch_segment_distances),
                                             ("line_offsets", _torch_line_offsets)])
def test_fused_ops_match_torch_values_and_gradients(name, reference):
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=(5, 3)), rng.normal(size=(5, 3)), rng.normal(size=(5, 4)), rng.normal(size=(5, 4)),
              rng.normal(size=(5, 4)), rng.normal(size=(5, 4))]
    extra = [np.where(rng.random((5, 1)) < 0.5, -1.0, 1.0)] if name == "line_offsets" else []
    weights = rng.normal(size=(5, 3, 4))
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    out = getattr(fused, name)(*ours, *extra)
    (out * weights).sum().backward()
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    expected = reference(*theirs, *[torch.tensor(e) for e in extra])
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-9, atol=1e-9)


def test_fused_ops_give_plain_arrays_for_plain_arrays():
    d = fused.hypot(np.array([3.0]), np.array([4.0]))
    assert type(d) is np.ndarray and d[0] == pytest.approx(5.0)


def _quads(rng, n, spread):
    """n convex quadrilaterals, (n, 4) each of vx and vy, their centers within `spread` of 0."""
    turn = np.array([0.0, 1.7, 3.2, 4.9]) + rng.uniform(-0.2, 0.2, (n, 4))
    size = rng.uniform(0.5, 1.0, (n, 1))
    c = rng.uniform(-spread, spread, (n, 2))
    return [c[:, :1] + size * np.cos(turn), c[:, 1:] + size * np.sin(turn)]


OUTLINE_OPS = {   # name -> (inputs, settings) from an rng: overlapping and apart cases alike
    "edge_gaps": lambda rng: (_quads(rng, 6, 1.0) + _quads(rng, 6, 1.0), {"kinds": ("polygon", "box")}),
    "round_gaps": lambda rng: ([rng.uniform(-1, 1, 6), rng.uniform(-1, 1, 6), rng.uniform(0.1, 0.5, 6)]
                               + _quads(rng, 6, 0.5), {"kind": "polygon"}),
    "edge_offsets": lambda rng: ([rng.uniform(-1, 1, (6, 3)), rng.uniform(-1, 1, (6, 3))] + _quads(rng, 6, 0.5), {}),
    "edge_distances": lambda rng: ([rng.uniform(-1, 1, (6, 3)), rng.uniform(-1, 1, (6, 3))] + _quads(rng, 6, 0.5),
                                   {"kind": "polyline"}),
}


@pytest.mark.parametrize("name", OUTLINE_OPS)
def test_outline_ops_gradients_match_finite_differences(name):
    rng = np.random.default_rng(3)
    arrays, settings = OUTLINE_OPS[name](rng)
    op = getattr(outlines, name)
    weights = rng.normal(size=op(*arrays, **settings).shape)
    errors = gradcheck(lambda *xs: (op(*xs, **settings) * weights).sum(), [Tensor(a) for a in arrays])
    assert max(errors) < 1e-6, errors
