"""Dragging, both meanings: "follow" puts the handle at the pointer and the rest makes way;
"valid" takes it as near as the constraints allow. Any point of a shape is a handle, and the
dragged shape keeps its size unless asked."""

import numpy as np
import pytest

from diffplay.errors import UsageError
from diffplay.layout import Diagram

pytestmark = pytest.mark.filterwarnings("ignore:diffplay.layout")   # approximation notes, tested in test_layout_api


def bead():
    """A point P held on a pinned circle C (a bead on a ring), a box B free beside them."""
    d = Diagram(400, 400)
    ring = d.circle("C", 200, 200, 100)
    point = d.point("P")
    d.on_circle(point, ring, where="bead.toml:3")
    d.disjoint(d.rect("B", w=40, h=30), ring, pad=5)
    assert d.solve(seed=1).converged
    return d


def test_a_followed_point_goes_to_the_pointer_and_the_conflict_is_named():
    d = bead()
    result = d.drag("P", 330, 90)
    assert d.center(d.shapes["P"]) == (330, 90)
    assert result.status == "infeasible"
    assert [(v.where, v.constraint) for v in result.conflict] == [("bead.toml:3", "on_circle(P, C)")]


@pytest.mark.parametrize("pointer", [(330, 90), (200, 380), (120, 210)])
def test_a_valid_drag_slides_a_point_on_a_circle_along_it(pointer):
    d = bead()
    result = d.drag("P", *pointer, mode="valid")
    assert result.converged
    x, y = d.center(d.shapes["P"])
    assert np.hypot(x - 200, y - 200) == pytest.approx(100, abs=0.5)   # still on the ring
    toward = np.subtract(pointer, (200, 200))
    nearest = np.add((200, 200), 100 * toward / np.hypot(*toward))
    assert (x, y) == pytest.approx(tuple(nearest), abs=1.0)            # where the pointer projects onto it


def test_valid_drags_follow_a_pointer_round_the_ring_frame_by_frame():
    d = bead()
    for angle in np.linspace(0, np.pi, 12):
        pointer = (200 + 150 * np.cos(angle), 200 - 150 * np.sin(angle))
        result = d.drag("P", *pointer, mode="valid", max_iterations=200)
        assert result.feasible
        x, y = d.center(d.shapes["P"])
        assert np.arctan2(200 - y, x - 200) % (2 * np.pi) == pytest.approx(angle % (2 * np.pi), abs=0.02)
    d.release()
    assert not d.slots.pinned[d.shapes["P"].slots["x"]]


@pytest.mark.parametrize("mode", ["follow", "valid"])
def test_a_segment_is_dragged_by_one_end_and_the_other_stays(mode):
    d = Diagram(400, 300)
    s = d.segment("S", (100, 100), (200, 150), free=True)
    d.disjoint(s, d.circle("O", 300, 250, 20))
    d.solve()
    before = d.get(s)
    result = d.drag(s, 250, 60, handle=1, mode=mode)
    after = d.get(s)
    assert result.converged
    assert (after["x2"], after["y2"]) == pytest.approx((250, 60), abs=0.5 if mode == "valid" else 1e-9)
    assert (after["x1"], after["y1"]) == pytest.approx((before["x1"], before["y1"]), abs=0.5)


def test_a_polygon_is_dragged_by_a_corner():
    d = Diagram(400, 300)
    p = d.polygon("P", [(100, 100), (200, 100), (150, 180)], free=True)
    d.solve()
    result = d.drag(p, 160, 230, handle=2)
    corners = d.get(p)
    assert result.converged and (corners["x2"], corners["y2"]) == pytest.approx((160, 230), abs=1e-9)
    assert (corners["x0"], corners["y0"], corners["x1"], corners["y1"]) == pytest.approx((100, 100, 200, 100), abs=0.5)


def held_circle():
    """A circle A, its radius free (40 to start), inside a pinned circle B of radius 100."""
    d = Diagram(400, 400)
    b, a = d.circle("B", 200, 200, 100), d.circle("A", 200, 200, 40, free=True)
    d.contains(b, a, where="held.toml:4")
    d.solve()
    return d, a


def test_a_dragged_shape_keeps_its_size():
    d, a = held_circle()
    r = d.get(a)["r"]
    assert d.drag(a, 230, 210).converged and d.get(a)["r"] == r
    result = d.drag(a, 280, 200)   # its center 80 from B's: a radius of 40 no longer fits
    assert result.status == "infeasible" and d.get(a)["r"] == r
    assert ("held.toml:4", "contains(B, A)") in [(v.where, v.constraint) for v in result.conflict]


def test_a_dragged_shape_resizes_when_asked():
    d, a = held_circle()
    result = d.drag(a, 280, 200, resize=True)
    assert result.converged and d.get(a)["r"] <= 20 + 0.5


def test_a_valid_drag_stops_where_the_shape_still_fits():
    d, a = held_circle()
    result = d.drag(a, 380, 200, mode="valid")
    x, y = d.center(a)
    assert result.converged and (x, y) == pytest.approx((260, 200), abs=0.5) and d.get(a)["r"] == 40


@pytest.mark.parametrize("options, message", [
    ({"handle": 2}, 'segment "S" has points 0 to 1'),
    ({"handle": True}, "got handle=True"),
    ({"mode": "snap"}, "mode must be one of follow, valid"),
])
def test_a_bad_handle_or_mode_is_a_usage_error(options, message):
    d = Diagram(300, 200)
    d.segment("S", (10, 10), (50, 50))
    with pytest.raises(UsageError, match=message):
        d.drag("S", 20, 20, **options)


def test_a_circle_has_no_points_to_drag_by():
    d = Diagram(300, 200)
    d.circle("C", r=10)
    with pytest.raises(UsageError, match="a circle is dragged whole"):
        d.drag("C", 20, 20, handle=0)
