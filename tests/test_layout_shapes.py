"""The shapes beyond boxes and circles: curves, arcs, curved and two-headed arrows, images,
math labels and text measured with a font; and Penrose's relations that came with them, each
holding on a solved diagram (their gradients are checked by the catalogues in
test_layout_relations.py and test_layout_kernels.py)."""

import base64
import re
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen
from PIL import Image

from diffplay.errors import UsageError
from diffplay.layout import Diagram, examples
from diffplay.layout.images import MAX_IMAGE_BYTES
from diffplay.layout.spec import load, loads

pytestmark = pytest.mark.filterwarnings("ignore:diffplay.layout")   # approximation notes, tested in test_layout_api
SVG = "{http://www.w3.org/2000/svg}"
TOL = 0.6   # 1e-3 of a 600-wide canvas


def elements(diagram, tag):
    return ET.fromstring(diagram.svg()).iter(SVG + tag)


@pytest.fixture
def png(tmp_path):
    path = tmp_path / "dot.png"
    Image.new("RGB", (8, 4), "red").save(path)
    return path


@pytest.fixture
def font(tmp_path):
    """A font of three glyphs whose widths we know: .notdef 500, A 600, B 1000 units of 1000 an em."""
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "A", "B"])
    fb.setupCharacterMap({ord("A"): "A", ord("B"): "B"})
    fb.setupGlyf({name: TTGlyphPen(None).glyph() for name in (".notdef", "A", "B")})
    fb.setupHorizontalMetrics({".notdef": (500, 0), "A": (600, 0), "B": (1000, 0)})
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Known Widths", "styleName": "Regular"})
    fb.setupOS2()
    fb.setupPost()
    path = tmp_path / "known.ttf"
    fb.save(str(path))
    return path


def test_spec_reads_every_new_kind_and_the_svg_draws_each(tmp_path, png):
    (tmp_path / "spec.toml").write_text(f'''
[shapes]
A = {{ kind = "circle", x = 100, y = 200, r = 30 }}
B = {{ kind = "circle", x = 400, y = 200, r = 30 }}
bent = {{ kind = "curved_arrow", from = "A", to = "B", bend = 0.4, heads = "both" }}
wave = {{ kind = "curve", points = [[20, 300], [120, 380], [220, 220], [320, 300]] }}
hook = {{ kind = "curve", points = [[20, 20], [60, 90], [100, 20]], heads = "end" }}
turn = {{ kind = "arc", x = 500, y = 100, r = 40, start = 0, end = 4 }}
dot  = {{ kind = "image", href = "{png.name}", x = 300, y = 80, w = 40, h = 20 }}
''')
    diagram, _ = load(tmp_path / "spec.toml")
    assert diagram.solve().feasible
    ds = [p.get("d") for p in elements(diagram, "path")]
    assert any(d.startswith("M 20 300 C 120 380 220 220 320 300") for d in ds)
    assert any(d.startswith("M 20 20 Q 60 90 100 20") for d in ds)
    arc = next(d for d in ds if " A 40 40 " in d)
    assert arc.startswith("M 540 100 ") and arc.count(" A ") == 2   # 4 radians: two pieces of at most half a turn
    bent = next(p for p in elements(diagram, "path") if p.get("marker-start"))
    assert bent.get("marker-end") == "url(#arrowhead)" and " Q " in bent.get("d")
    start = [float(v) for v in bent.get("d").split()[1:3]]
    assert np.hypot(start[0] - 100, start[1] - 200) == pytest.approx(32, abs=0.5)   # from A's edge, a head's gap off
    (image,) = elements(diagram, "image")
    assert base64.b64decode(image.get("href").split(",", 1)[1]) == png.read_bytes()
    assert [image.get(k) for k in ("x", "y", "width", "height")] == ["280", "70", "40", "20"]


def test_a_curved_arrow_bows_to_its_right_by_half_its_bend():
    d = Diagram(400, 300)
    d.curved_arrow("c", (100, 150), (300, 150), bend=0.5)   # going right: its right is down the page
    d.solve()
    middle = d.center(d.shapes["c"])
    assert middle[0] == pytest.approx(200) and 150 < middle[1] < 150 + 0.25 * 200


@pytest.mark.parametrize("key, value, message", [
    ("href", '"missing.png"', r'image "P": href ".*missing.png" is not a file'),
    ("href", '"spec.toml"', r'image "P": href ".*spec.toml" is not a PNG, JPEG or SVG image'),
    ("href", "3", r'image "P" needs its href = "…" \(a string\)'),
])
def test_a_bad_image_names_the_file_line_and_what_is_wrong(tmp_path, key, value, message):
    (tmp_path / "spec.toml").write_text(f'[shapes]\nA = {{ kind = "point" }}\nP = {{ kind = "image", {key} = {value} }}\n')
    with pytest.raises(UsageError, match=message) as caught:
        load(tmp_path / "spec.toml")
    assert str(caught.value.where).endswith("spec.toml:3")


def test_an_image_too_large_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.png"
    with big.open("wb") as f:
        f.truncate(MAX_IMAGE_BYTES + 1)
    with pytest.raises(UsageError, match=f"is {MAX_IMAGE_BYTES + 1:,} bytes; an image is at most"):
        Diagram().image("P", big)


def test_an_svg_file_is_an_image_and_other_xml_is_not(tmp_path):
    (tmp_path / "a.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')
    (tmp_path / "b.xml").write_text("<html/>")
    assert Diagram().image("P", tmp_path / "a.svg").data.startswith("data:image/svg+xml;base64,")
    with pytest.raises(UsageError, match="is not a PNG, JPEG or SVG image"):
        Diagram().image("Q", tmp_path / "b.xml")


@pytest.mark.parametrize("spec, message", [
    ('C = { kind = "curve", points = 5 }', 'curve "C": points must be 3 or 4 control points'),
    ('C = { kind = "arrow", heads = "middle" }', 'arrow "C": heads must be one of none, end, start, both'),
    ('C = { kind = "polygon", points = 3, heads = "end" }', 'polygon "C": unknown key "heads"'),
    ('C = { kind = "math", tex = 5 }', 'math "C" needs its tex = "…"'),
    ('C = { kind = "math", tex = "\\\\frac{a" }', 'math "C": cannot typeset'),
    ('C = { kind = "text", text = "a", font = "nowhere.ttf" }', 'text "C": font ".*nowhere.ttf" is not a file'),
])
def test_bad_new_shapes_name_the_file_line_and_field(spec, message):
    with pytest.raises(UsageError, match=message) as caught:
        loads(f"[shapes]\n{spec}\n", "s.toml")
    assert caught.value.where.startswith("s.toml:2")


def test_a_math_label_is_drawn_as_paths_and_sized_by_them():
    d = Diagram(300, 200)
    small, big = d.math("m", r"\frac{a}{b} + x^2", 100, 100, size=12), d.math("M", r"\frac{a}{b} + x^2", 200, 100, size=24)
    assert d.get(big)["w"] == pytest.approx(2 * d.get(small)["w"], rel=0.15) and d.get(small)["h"] > 12
    inner = list(elements(d, "svg"))[1:]   # the document's own <svg> first
    assert len(inner) == 2 and all(len(list(s.iter(SVG + "path"))) >= 4 for s in inner)
    assert not list(ET.fromstring(d.svg()).iter(SVG + "text"))   # paths, not text a font must supply


def test_without_the_math_extra_a_math_label_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ziamath", None)   # as if it were not installed
    with pytest.raises(UsageError, match=re.escape("math labels need ziamath: pip install 'diffplay[math]'")):
        loads('[shapes]\nm = { kind = "math", tex = "x" }\n', "s.toml")


def test_text_is_measured_with_the_fonts_advance_widths(font):
    d = Diagram()
    label = d.text("L", "ABA?", size=10, font=font)   # ? is not in the font: its .notdef width
    assert d.get(label)["w"] == pytest.approx((600 + 1000 + 600 + 500) / 1000 * 10)
    assert d.get(label)["h"] == pytest.approx(10.0)   # ascender − descender, no line gap
    assert label.font == str(font) and label.style["font_family"] == "Known Widths, sans-serif"
    (text,) = elements(d, "text")
    assert text.get("font-family") == "Known Widths, sans-serif"


def test_a_text_asking_for_no_font_is_estimated_and_noted(font, monkeypatch):
    monkeypatch.setattr("diffplay.layout.fonts.FONTS", (str(font),))   # the one font found on this "machine"
    d = Diagram()
    measured, estimated = d.text("M", "AB", size=10), d.text("E", "AB", size=10, font=False)
    assert d.get(measured)["w"] == pytest.approx(16) and d.get(estimated)["w"] == pytest.approx(12)
    d.disjoint(measured, estimated)
    assert any("text boxes are estimated" in note for note in d.solve().notes)
    d2 = Diagram()
    a, b = d2.text("A", "AB", size=10), d2.text("B", "BA", size=10)
    d2.disjoint(a, b)
    assert not any("text boxes" in note for note in d2.solve().notes)


def test_a_file_that_is_not_a_font_is_a_clear_error(tmp_path):
    (tmp_path / "x.ttf").write_text("not a font")
    with pytest.raises(UsageError, match='font ".*x.ttf" is not a TrueType or OpenType font'):
        Diagram().text("T", "hi", font=tmp_path / "x.ttf")


def test_curves_keep_clear_of_shapes_and_crossing_chains_read_as_overlap():
    d = Diagram(600, 400)
    wave = d.curve("w", [(50, 200), (200, 50), (400, 350), (550, 200)])
    ball = d.circle("B", r=30)
    d.disjoint(wave, ball, pad=5)
    d.near(ball, d.point("P", 300, 200), weight=10)
    assert d.solve().feasible
    t = np.linspace(0, 1, 400)[:, None]
    pts = ((1 - t) ** 3 * [50, 200] + 3 * t * (1 - t) ** 2 * [200, 50] + 3 * t * t * (1 - t) * [400, 350]
           + t ** 3 * [550, 200])
    assert np.min(np.hypot(*(pts - d.center(ball)).T)) >= 35 - 1.5   # the sampled outline is within 1.5 px
    crossing = Diagram(400, 400)
    p, q = crossing.polyline("p", [(50, 100), (150, 100), (350, 100)]), crossing.polyline("q", [(200, 40), (200, 360)])
    crossing.disjoint(p, q)
    result = crossing.solve()   # everything pinned: the solve only measures
    # the least move that uncrosses them: q's end at y = 40 is 60 above p, and p's end at x = 150 is 50 left of q
    assert not result.feasible and result.violations[0].residual == pytest.approx(50, abs=0.01)


def test_disjoint_intervals_and_direction_hold_after_solving():
    d = Diagram(600, 400)
    s, t = d.segment("s", (100, 100), None), d.segment("t", (300, 200), None)
    d.in_range(s.x2, 150, 350)   # s starts anywhere in there, often overlapping t's span
    d.in_range(t.x2, 320, 500)
    d.disjoint_intervals(s, t, axis="x", pad=20)
    d.direction(s, degrees=0)
    d.direction(t, degrees=-30)
    for seed in range(3):
        assert d.solve(seed=seed).feasible
        S, T = d.get(s), d.get(t)
        assert S["x2"] <= 280 + TOL and abs(S["y2"] - S["y1"]) <= TOL
        heading = np.degrees(np.arctan2(T["y2"] - T["y1"], T["x2"] - T["x1"]))
        assert heading == pytest.approx(-30, abs=0.5)


def test_ordered_collinear_and_non_degenerate_angle_hold_after_solving():
    d = Diagram(600, 400)
    a, b, c, e = d.point("A", 100, 300), d.point("B"), d.point("C"), d.point("E", 500, 100)
    d.ordered_collinear(a, b, e)
    d.ordered_collinear(b, c, e)
    d.distance(b, c, d=50)
    p, q, r = d.point("P", 100, 100), d.point("Q", 300, 100), d.point("R")
    d.non_degenerate_angle(p, q, r, degrees=30)
    d.near(r, d.point("S", 500, 110), weight=5)   # pulled towards a nearly straight angle
    assert d.solve().feasible
    A, B, C, E = (np.array(d.center(x)) for x in (a, b, c, e))
    along = [np.dot(X - A, E - A) / np.dot(E - A, E - A) for X in (B, C)]
    assert -1e-3 <= along[0] <= along[1] + 1e-3 and along[1] <= 1 + 1e-3
    for X in (B, C):
        offset = (E - A)[0] * (X - A)[1] - (E - A)[1] * (X - A)[0]
        assert abs(offset) / np.linalg.norm(E - A) <= TOL
    P, Q, R = (np.array(d.center(x)) for x in (p, q, r))
    u, v = P - Q, R - Q
    angle = np.degrees(np.arccos(np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v)))
    assert 30 - 0.5 <= angle <= 150 + 0.5


@pytest.mark.parametrize("relation", ["regular", "convex", "equilateral", "equiangular"])
def test_polygon_form_relations_hold_after_solving(relation):
    d = Diagram(600, 600)
    poly = d.polygon("P", 6)
    d.add(relation, poly)
    if relation != "regular":
        d.add("regular" if relation == "convex" else "convex", poly)
    d.in_range(poly.x0, 250, 260)
    for i in range(6):
        d.in_range(getattr(poly, f"y{i}"), 100, 500)
    result = d.solve(seed=1)
    assert result.feasible, str(result)
    v = np.array([[d.get(poly)[f"{a}{i}"] for a in "xy"] for i in range(6)])
    edges = np.roll(v, -1, axis=0) - v
    after = np.roll(edges, -1, axis=0)
    lengths = np.linalg.norm(edges, axis=1)
    turns = (edges[:, 0] * after[:, 1] - edges[:, 1] * after[:, 0]) / lengths / np.roll(lengths, -1)   # sines
    # convex (each asked for one way or the other), to the solver's tolerance: a corner may be straight
    assert (turns > -1e-3).all() or (turns < 1e-3).all(), turns
    cosines = np.sum(edges * np.roll(edges, -1, axis=0), axis=1) / lengths / np.roll(lengths, -1)
    if relation in ("regular", "equilateral"):
        assert np.ptp(lengths) <= 2 * TOL
    if relation in ("regular", "equiangular"):
        assert np.ptp(cosines) <= 2e-3


def test_repel_pushes_two_fields_apart():
    d = Diagram(600, 400)
    a, b = d.circle("A", r=None), d.circle("B", r=None)
    for c in (a, b):
        d.in_range(c.r, 10, 60)
    d.repel(a.r, b.r)
    d.disjoint(a, b)
    assert d.solve().feasible
    assert sorted([d.get(a)["r"], d.get(b)["r"]]) == pytest.approx([10, 60], abs=TOL)


def test_the_state_machine_example_solves_on_four_seeds_of_five_with_its_restarts():
    feasible = 0
    for seed in range(5):
        diagram, options = load(examples.path("state_machine"))
        result = diagram.solve(seed=seed, restarts=options["restarts"])
        feasible += result.feasible
    assert feasible >= 4
