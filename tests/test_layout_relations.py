"""Each registered relation: its Tensor gradient against finite differences, and what it
means, checked on a solved diagram by measuring the result directly."""

import numpy as np
import pytest

from diffplay.engine.tensor import Tensor
from diffplay.layout import CONSTRAINTS, OBJECTIVES, Diagram
from diffplay.layout.problem import Batch
from diffplay.layout.registry import CHOICES
from diffplay.layout.shapes import FIELDS, OPEN

pytestmark = pytest.mark.filterwarnings("ignore:diffplay.layout")   # approximation notes, tested in test_layout_api

SHAPES = ("circle", "rect", "text", "polygon", "polyline", "segment", "point", "ellipse", "group", "curve", "arc",
          "curved_arrow", "image")


def _fields(kind, rng, n):
    if kind == "field":
        return {"value": rng.uniform(-1, 1, n)}
    if kind in ("polygon", "polyline", "curve"):   # convex triangles (or open chains), far from degenerate
        t = rng.uniform(0, 2 * np.pi, (n, 1)) + np.array([0, 2, 4]) * np.pi / 3 + rng.uniform(-0.3, 0.3, (n, 3))
        c = rng.uniform(-2, 2, (n, 2))
        return {"vx": c[:, :1] + np.cos(t), "vy": c[:, 1:] + np.sin(t)}
    sizes = {"r", "w", "h", "rx", "ry"}
    return {f: rng.uniform(0.3, 1.0, n) if f in sizes else rng.uniform(-2, 2, n) for f in FIELDS[kind]}


def _cases():
    """(relation, kinds) pairs covering every relation and every shape kind it accepts."""
    rng = np.random.default_rng(0)
    out = []
    for relation in list(CONSTRAINTS.values()) + list(OBJECTIVES.values()):
        args = relation.args * relation.window if relation.window else relation.args
        options = {"shape": SHAPES, "closed": tuple(k for k in SHAPES if k not in OPEN), "line": ("segment", "arrow"),
                   "circle": ("circle",), "field": ("field",), "any": ("circle", "field"),
                   "chain": ("polygon", "polyline")}
        for _ in range(6 if "shape" in args else 1):
            kinds = tuple(rng.choice(options[a]) for a in args)
            if "any" in args and len(set(k == "field" for k in kinds)) > 1:
                kinds = tuple(kinds[0] for _ in kinds)
            out.append((relation, tuple(str(k) for k in kinds)))
    for kind in ("curve", "arc", "curved_arrow", "image", "math"):   # every new kind, measured both ways
        out += [(CONSTRAINTS["disjoint"], (kind, "circle")), (CONSTRAINTS["disjoint"], ("polygon", kind))]
    return list({(r.name, k): (r, k) for r, k in out}.values())


CASES = _cases()


@pytest.mark.parametrize("relation, kinds", CASES, ids=[f"{r.name}-{'-'.join(k)}" for r, k in CASES])
def test_relation_gradient_matches_finite_differences(relation, kinds):
    rng = np.random.default_rng(abs(hash((relation.name, kinds))) % 2**32)
    n = 5
    arrays = [_fields(k, rng, n) for k in kinds]
    params = {k: (rng.uniform(-0.2, 0.2, n) if not isinstance(v, str) else CHOICES[k][1])
              for k, v in relation.params.items() if k != "weight"}
    call = lambda wrap: relation.fn(*[Batch(k, {f: wrap(v) for f, v in a.items()}) for k, a in zip(kinds, arrays)],  # noqa: E731
                                    **params)
    leaves = []
    out = call(lambda v: leaves.append(Tensor(v, requires_grad=True)) or leaves[-1])
    w = rng.normal(size=out.shape)
    (out * w).sum().backward()
    leaf = iter(leaves)
    for fields in arrays:
        for name, values in fields.items():
            analytic = next(leaf).grad
            analytic = np.zeros_like(values) if analytic is None else analytic
            numeric = np.zeros_like(values)
            for idx in np.ndindex(values.shape):
                for sign in (1, -1):
                    values[idx] += sign * 1e-6
                    numeric[idx] += sign * np.sum(w * call(np.asarray))
                    values[idx] -= sign * 1e-6
            np.testing.assert_allclose(analytic, numeric / 2e-6, rtol=1e-4, atol=1e-5,
                                       err_msg=f"{relation.name}{kinds} d/d{name}")


def solved(d, seed=0):
    result = d.solve(seed=seed)
    assert result.feasible, str(result)
    return result


TOL = 0.6   # 1e-3 of a 600-wide canvas


def test_equal_and_distance_hold_after_solving():
    d = Diagram(600, 400)
    a, b = d.circle("A", r=20), d.circle("B", r=20)
    d.equal(a.y, b.y)
    d.distance(a, b, d=150)
    solved(d)
    A, B = d.get("A"), d.get("B")
    assert A["y"] == pytest.approx(B["y"], abs=TOL)
    assert np.hypot(A["x"] - B["x"], A["y"] - B["y"]) == pytest.approx(150, abs=TOL)


def cross(u, v):
    return u[0] * v[1] - u[1] * v[0]


def _direction(d, name):
    v = d.get(name)
    return np.array([v["x2"] - v["x1"], v["y2"] - v["y1"]])


def test_parallel_perpendicular_and_collinear_hold_after_solving():
    d = Diagram(600, 600)
    s, t, u = d.segment("s", (100, 100), None), d.segment("t"), d.segment("u")
    p, q, r = d.point("P"), d.point("Q"), d.point("R")
    d.parallel(s, t)
    d.perpendicular(s, u)
    d.collinear(p, q, r)
    for seg in (s, t, u):
        d.min_length(seg, weight=-1e-3)   # a small push to keep them long enough to mean something
    solved(d)
    ds, dt, du = _direction(d, "s"), _direction(d, "t"), _direction(d, "u")
    assert abs(cross(ds, dt)) / np.sqrt(np.linalg.norm(ds) * np.linalg.norm(dt)) <= TOL
    assert abs(ds @ du) / np.sqrt(np.linalg.norm(ds) * np.linalg.norm(du)) <= TOL
    P, Q, R = (np.array(d.center(d.shapes[n])) for n in "PQR")
    assert abs(cross(Q - P, R - P)) / np.linalg.norm(R - P) <= TOL


def test_on_line_and_on_circle_hold_after_solving():
    d = Diagram(600, 600)
    line, circle, p, q = d.segment("L", (50, 500), (550, 100)), d.circle("C", 300, 300, 120), d.point("P"), d.point("Q")
    d.on_line(p, line)
    d.on_circle(q, circle)
    solved(d)
    P, Q = np.array(d.center(p)), np.array(d.center(q))
    a, b = np.array([50, 500]), np.array([550, 100])
    assert abs(cross(b - a, P - a)) / np.linalg.norm(b - a) <= TOL
    assert np.linalg.norm(Q - [300, 300]) == pytest.approx(120, abs=TOL)


@pytest.mark.parametrize("side", CHOICES["side"])
def test_aligned_lines_up_the_named_side(side):
    d = Diagram(600, 400)
    a, b = d.rect("A", w=80, h=40), d.rect("B", w=120, h=60)
    d.aligned(a, b, side=side)
    d.disjoint(a, b, pad=10)
    solved(d)
    A, B = d.get("A"), d.get("B")
    sides = lambda v: {"left": v["x"] - v["w"] / 2, "right": v["x"] + v["w"] / 2, "top": v["y"] - v["h"] / 2,  # noqa: E731
                       "bottom": v["y"] + v["h"] / 2, "center-x": v["x"], "center-y": v["y"]}
    assert sides(A)[side] == pytest.approx(sides(B)[side], abs=TOL)


def test_left_of_above_same_size_and_distribute_hold_after_solving():
    d = Diagram(600, 400)
    boxes = [d.rect(f"B{i}", w=60, h=30) for i in range(4)]
    free = d.rect("F", free=True, w=10, h=10)
    for left, right in zip(boxes, boxes[1:]):
        d.left_of(left, right, gap=10)
        d.aligned(left, right, side="top")
    d.distribute(*boxes, axis="x")
    d.above(boxes[0], free, gap=25)
    d.same_size(free, boxes[0])
    solved(d)
    v = [d.get(f"B{i}") for i in range(4)]
    gaps = [(v[i + 1]["x"] - 30) - (v[i]["x"] + 30) for i in range(3)]
    assert min(gaps) >= 10 - TOL and max(gaps) - min(gaps) <= 2 * TOL
    F = d.get("F")
    assert F["w"] == pytest.approx(60, abs=TOL) and F["h"] == pytest.approx(30, abs=TOL)
    assert F["y"] - F["h"] / 2 >= v[0]["y"] + 15 + 25 - TOL


def test_overlapping_and_touching_between_kinds_hold_after_solving():
    d = Diagram(600, 400)
    a, b = d.circle("A", r=50), d.rect("B", w=100, h=60)
    c, e = d.ellipse("C", rx=60, ry=30), d.rect("E", w=80, h=40, rotated=True)
    d.overlapping(a, b, amount=10)
    d.touching(c, e)
    solved(d)
    A, B = d.get("A"), d.get("B")
    depth_x = (A["r"] + B["w"] / 2) - abs(A["x"] - B["x"])
    depth_y = (A["r"] + B["h"] / 2) - abs(A["y"] - B["y"])
    assert min(depth_x, depth_y) >= 10 - TOL   # the circle reaches 10 into the box's slab both ways


def test_minimize_maximize_and_centered_reach_their_optimum():
    d = Diagram(600, 400)
    a, b = d.circle("A"), d.circle("B")
    d.in_range(a.r, 10, 50)
    d.in_range(b.r, 10, 50)
    d.minimize(a.r)
    d.maximize(b.r)
    d.centered(b)
    d.disjoint(a, b)
    solved(d)
    assert d.get("A")["r"] == pytest.approx(10, abs=TOL) and d.get("B")["r"] == pytest.approx(50, abs=TOL)
    assert d.center(b) == pytest.approx((300, 200), abs=1.0)


def test_repel_and_even_spacing_shape_the_free_layout():
    near = Diagram(600, 400)
    a, b = near.circle("A", r=10), near.circle("B", r=10)
    near.repel(a, b)
    solved(near)
    assert np.hypot(*np.subtract(near.center(a), near.center(b))) > 400   # pushed to opposite corners

    row = Diagram(600, 400)
    boxes = [row.rect(f"B{i}", w=40, h=40) for i in range(4)]
    for left, right in zip(boxes, boxes[1:]):
        row.left_of(left, right, gap=5)
    row.even_spacing(*boxes, axis="x", weight=10)
    solved(row)
    xs = [row.get(f"B{i}")["x"] for i in range(4)]
    assert np.ptp(np.diff(xs)) <= 1.0


def test_label_near_puts_the_label_beside_its_shape():
    d = Diagram(600, 400)
    node, label = d.circle("N", 300, 200, 30), d.text("L", "node")
    d.disjoint(label, node, pad=2)
    d.label_near(label, node, gap=6, weight=10)
    solved(d)
    L = d.get("L")
    dx = max(abs(L["x"] - 300) - L["w"] / 2, 0)
    dy = max(abs(L["y"] - 200) - L["h"] / 2, 0)
    assert np.hypot(dx, dy) - 30 == pytest.approx(6, abs=1.0)


def test_every_relation_is_covered_here():
    names = {r.name for r, _ in CASES}
    assert names == set(CONSTRAINTS) | set(OBJECTIVES)
