"""The Python API: shapes and relations as methods, solving, drawing and dragging."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from diffplay.errors import UsageError
from diffplay.layout import Diagram
from diffplay.layout.shapes import GLYPH_WIDTH, LINE_HEIGHT


def two_circles():
    d = Diagram(400, 300)
    a, b = d.circle("A", r=60), d.circle("B", r=40)
    d.disjoint(a, b, pad=10)
    return d, a, b


def test_numbers_pin_fields_and_free_unpins_them():
    d = Diagram(400, 300)
    a = d.circle("A", x=100, y=100, r=30)
    b = d.circle("B", x=100, y=100, r=30, free=["x"])
    assert all(d.slots.pinned[s] for s in a.slots.values())
    assert not d.slots.pinned[b.slots["x"]] and d.slots.pinned[b.slots["r"]]
    d.disjoint(a, b)
    d.solve()
    assert d.get("A") == {"x": 100, "y": 100, "r": 30}
    assert abs(d.get("B")["x"] - 100) >= 60 - 0.4


def test_relations_are_methods_with_the_registry_docstring():
    d, a, b = two_circles()
    assert "do not overlap" in d.disjoint.__doc__
    with pytest.raises(AttributeError):
        d.disjointt(a, b)


def test_solve_keeps_every_shape_on_the_canvas():
    d, a, b = two_circles()
    result = d.solve(seed=4)
    assert result.converged
    for name in "AB":
        v = d.get(name)
        assert v["r"] - 0.4 <= v["x"] <= 400 - v["r"] + 0.4 and v["r"] - 0.4 <= v["y"] <= 300 - v["r"] + 0.4
    assert np.hypot(d.get("A")["x"] - d.get("B")["x"], d.get("A")["y"] - d.get("B")["y"]) >= 110 - 0.4


def test_positional_parameters_follow_the_registry_order():
    d = Diagram(400, 300)
    a = d.circle("A")
    made = d.in_range(a.r, 15, 40)
    assert made[0].params == {"lo": 15, "hi": 40}


def test_contains_takes_a_shape_with_an_inside_first():
    d = Diagram(400, 300)
    line, c = d.segment("S"), d.circle("C", r=10)
    with pytest.raises(UsageError, match="contains: argument 1 must be a shape with an inside, got the segment S"):
        d.contains(line, c)
    assert d.contains(c, line)


def test_a_field_where_a_shape_belongs_is_a_usage_error():
    d, a, b = two_circles()
    with pytest.raises(UsageError, match="must be a shape, got A.r"):
        d.contains(a.r, b)
    with pytest.raises(UsageError, match="must be a segment or an arrow"):
        d.perpendicular(a, b)
    with pytest.raises(UsageError, match='unknown parameter "padd"'):
        d.disjoint(a, b, padd=3)


def test_text_box_comes_from_font_size_and_string_length_where_no_font_is_found(monkeypatch):
    monkeypatch.setattr("diffplay.layout.fonts.FONTS", ())   # a machine without a font (or without fontTools)
    d = Diagram(400, 300)
    label = d.text("L", "hello", size=20)
    assert d.get(label)["w"] == pytest.approx(GLYPH_WIDTH * 20 * 5)
    assert d.get(label)["h"] == pytest.approx(LINE_HEIGHT * 20)


def test_group_box_holds_its_members():
    d = Diagram(400, 300)
    a, b = d.circle("A", r=20), d.circle("B", r=30)
    g = d.group("G", [a, b], pad=5)
    d.disjoint(a, b, pad=10)
    assert d.solve().feasible
    v = d.get(g)
    for name in "AB":
        c = d.get(name)
        assert v["x"] - v["w"] / 2 <= c["x"] - c["r"] - 5 + 0.4 and c["x"] + c["r"] + 5 <= v["x"] + v["w"] / 2 + 0.4


def test_svg_parses_and_jupyter_sees_it():
    d, a, b = two_circles()
    d.arrow("e", a, b)
    d.solve()
    root = ET.fromstring(d._repr_svg_())
    assert root.tag.endswith("svg") and d.svg() == d._repr_svg_()
    assert len(root.findall("{http://www.w3.org/2000/svg}circle")) == 2
    assert len(root.findall("{http://www.w3.org/2000/svg}line")) == 1


def apart(count, r, seed):
    """A solved 600×600 diagram of `count` circles of radius r, pairwise 4 apart."""
    d = Diagram(600, 600)
    circles = [d.circle(f"c{i}", r=r) for i in range(count)]
    for i in range(count):
        for j in range(i + 1, count):
            d.disjoint(circles[i], circles[j], pad=4)
    d.solve(seed=seed)
    return d, circles


def test_drag_puts_the_shape_under_the_pointer_and_moves_others_only_as_needed():
    d, circles = apart(6, 30, seed=2)
    before = {c.name: d.center(c) for c in circles}
    target = (before["c1"][0] + 5, before["c1"][1])   # a nudge: room to spare, nobody needs to move
    result = d.drag("c0", *target)
    assert result.converged
    assert d.center(circles[0]) == pytest.approx(target)
    moved = [np.hypot(*np.subtract(d.center(c), before[c.name])) for c in circles[1:]]
    assert max(moved) > 1   # c0 now sits where c1 was: c1 made way
    assert sorted(moved)[0] < 0.5   # and at least one of the others did not budge


def test_release_gives_the_fields_back_to_the_solver():
    d, a, b = two_circles()
    d.solve()
    was = list(d.slots.pinned)
    d.drag(a, 200, 150)
    assert d.slots.pinned[a.slots["x"]] and d.slots.pinned[a.slots["y"]]
    d.release(a)
    assert d.slots.pinned == was


def test_approximations_are_noted_in_the_result_and_warned_once(recwarn):
    import diffplay.layout.notes as module

    module._SAID.clear()
    d = Diagram(400, 300)
    e, c = d.ellipse("E", rx=60, ry=30), d.circle("C", r=20)
    d.disjoint(e, c, pad=5)
    first, second = d.solve(), d.solve(seed=1)
    assert any("ellipses" in note for note in first.notes) and first.notes == second.notes
    assert sum("ellipses" in str(w.message) for w in recwarn) == 1


@pytest.mark.filterwarnings("ignore:diffplay.layout")   # the note is the point; its warning is tested above
def test_a_concave_polygon_is_noted_where_a_relation_measures_it():
    def solved(relation):
        d = Diagram(300, 300)
        concave = d.polygon("P", [(10, 10), (100, 10), (50, 30), (60, 100)])
        d.add(relation, concave, d.circle("C", r=10))
        return d.solve()

    assert solved("disjoint").notes == ["a polygon's inside is measured as if it were convex"]
    assert solved("near").notes == []


def test_exact_measurements_carry_no_notes():
    d, a, b = two_circles()
    assert d.solve().notes == []


def test_a_diagram_with_nothing_free_is_measured_not_solved():
    d = Diagram(300, 200)
    a, b = d.circle("A", 100, 100, 20), d.circle("B", 110, 100, 20)
    d.disjoint(a, b)
    result = d.solve()
    assert not result.feasible and result.iterations == 0
    assert result.violations[0].constraint == "disjoint(A, B)"
    assert result.violations[0].residual == pytest.approx(30)


@pytest.mark.parametrize("options", [{}, {"restarts": 3}, {"warm": True}, {"max_iterations": 1}])
def test_a_diagram_with_nothing_free_that_meets_its_constraints_is_converged(options):
    d = Diagram(300, 200)
    d.disjoint(d.circle("A", 60, 100, 20), d.circle("B", 200, 100, 20))
    result = d.solve(**options)
    assert result.converged and result.status == "converged" and result.iterations == 0


def test_dragging_the_last_free_shape_into_another_is_reported_not_raised():
    d = Diagram(300, 200)
    a, b = d.circle("A", r=20), d.circle("B", 200, 100, 20)
    d.disjoint(a, b, pad=5)
    d.solve()
    result = d.drag(a, 190, 100)   # A's x and y, all it had free, now follow the pointer
    assert result.status == "infeasible" and result.iterations == 0 and "every field is pinned" in result.message
    assert [v.constraint for v in result.violations] == ["disjoint(A, B, pad=5)"]


def test_an_empty_diagram_solves_and_draws():
    d = Diagram(300, 200)
    assert d.solve().converged
    picture = ET.fromstring(d.svg())
    assert picture.get("viewBox") == "-3 -3 306 206" and picture.get("width") == "306"   # the canvas and a margin


@pytest.mark.parametrize("style", [{}, {"stroke_width": 10}, {"stroke_width": "wide"}])
def test_a_circle_held_inside_the_canvas_at_its_edge_is_drawn_with_its_whole_stroke(style):
    d = Diagram(300, 200)
    d.circle("A", x=150, y=100, r=100, **style)   # touches the top and the bottom
    d.solve()
    svg = ET.fromstring(d.svg())
    left, top, width, height = map(float, svg.get("viewBox").split())
    ring = next(e for e in svg.iter() if e.tag.endswith("circle"))
    half = float(style.get("stroke_width", 1.5)) / 2 if style.get("stroke_width") != "wide" else 0
    assert top <= 100 - 100 - half and top + height >= 100 + 100 + half
    assert left <= 150 - 100 - half and left + width >= 150 + 100 + half


def test_an_arrow_along_the_canvas_edge_keeps_its_heads_in_the_picture():
    d = Diagram(300, 200)
    d.arrow("E", (20, 0), (280, 0), heads="both")   # on the top edge: a head is 8 strokes wide
    d.solve()
    top = float(ET.fromstring(d.svg()).get("viewBox").split()[1])
    assert top <= -4 * 1.5


def test_axis_and_side_accept_their_plain_words():
    d = Diagram(400, 300)
    boxes = [d.rect(f"B{i}", w=40, h=20) for i in range(3)]
    made = d.distribute(*boxes, axis="horizontal")
    assert made[0].params["axis"] == "x"
    assert d.aligned(boxes[0], boxes[1], side="center_x")[0].params["side"] == "center-x"
    with pytest.raises(UsageError, match="axis must be one of x, y"):
        d.distribute(*boxes, axis="diagonal")


def test_an_unbounded_objective_is_reported_not_raised():
    d = Diagram(300, 200)
    a = d.circle("A", r=10, on_canvas=False)
    d.maximize(a.x)
    result = d.solve()
    assert not result.converged and result.message.startswith("diverged")


def test_repeated_drag_calls_with_a_small_budget_settle_like_one_long_one():
    d, circles = apart(8, 40, seed=1)
    target = (300.0, 300.0)
    for _ in range(200):   # the studio's way: a few iterations a frame, same pointer
        result = d.drag("c0", *target, max_iterations=5)
        if result.converged:
            break
    assert result.converged and d.center(circles[0]) == pytest.approx(target)
