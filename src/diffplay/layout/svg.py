"""The SVG writer: one element per shape, labels on top, connectors trimmed to the edges."""

import math

import numpy as np

from ..text import xml_text
from .geometry import ROUND, center, point_outline_distance, radius
from .outlines import bent_control

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")
ARROW_GAP = 2.0   # px between an arrow's tip and the shape it points at
CONNECTORS = ("segment", "arrow", "curved_arrow")   # drawn over the shapes they join
STROKE_WIDTH = 1.5   # px, unless a shape's style says otherwise
MARGIN = 3.0         # px of picture round the canvas at the least: a shape held inside the canvas but
                     # touching its edge has half its stroke outside, which a picture the canvas's size cuts off


def _attrs(style):
    return "".join(f' {k.replace("_", "-")}="{xml_text(v)}"' for k, v in style.items())


def _num(v):
    return f"{float(v):.2f}".rstrip("0").rstrip(".")


def _signed_distance_to(diagram, shape, x, y):
    """Signed distance from the point (x, y) to a shape's edge (negative inside)."""
    b = diagram.batch(shape)
    if shape.kind in ROUND:
        cx, cy = center(b)
        return float(np.hypot(cx - x, cy - y)[0] - np.asarray(radius(b))[0])
    return float(point_outline_distance(np.array([[x]]), np.array([[y]]), b)[0, 0])


def _exit(diagram, shape, point_at, gap):
    """The parameter t where the path point_at(t), t from 0 to 1, leaves `shape` (bisection on
    the inside test); 0 if it starts outside or never leaves."""
    inside = lambda t: _signed_distance_to(diagram, shape, *point_at(t)) < gap  # noqa: E731
    if not inside(0.0) or inside(1.0):
        return 0.0
    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if inside(mid) else (lo, mid)
    return hi


def _trimmed(diagram, shape, point_at):
    """(t0, t1): the part of the path point_at(t) drawn between the shapes it joins, an
    arrowhead's end ARROW_GAP short of its shape."""
    a, b = shape.trim or (None, None)
    gaps = [ARROW_GAP if shape.heads in (side, "both") else 0.0 for side in ("start", "end")]
    t0 = _exit(diagram, a, point_at, gaps[0]) if a is not None else 0.0
    t1 = 1.0 - _exit(diagram, b, lambda t: point_at(1.0 - t), gaps[1]) if b is not None else 1.0
    return t0, t1


def _markers(heads):
    ends = {"start": ("marker_start",), "end": ("marker_end",), "both": ("marker_start", "marker_end")}
    return dict.fromkeys(ends.get(heads, ()), "url(#arrowhead)")


def _stroke(shape, style):
    return _attrs({"fill": "none", "stroke": "#333", "stroke_width": STROKE_WIDTH, **_markers(shape.heads), **style})


def _segment(diagram, shape, v, style):
    (x1, y1), (x2, y2) = (v["x1"], v["y1"]), (v["x2"], v["y2"])
    at = lambda t: (x1 + t * (x2 - x1), y1 + t * (y2 - y1))  # noqa: E731
    t0, t1 = _trimmed(diagram, shape, at)
    (ax, ay), (bx, by) = (map(_num, at(t)) for t in (t0, t1))
    return f'<line x1="{ax}" y1="{ay}" x2="{bx}" y2="{by}"{_stroke(shape, style)}/>'


def _curved_arrow(diagram, shape, v, style):
    """A quadratic Bézier, its control point `bend` chord lengths right of the chord's middle."""
    p0, p2 = np.array([v["x1"], v["y1"]]), np.array([v["x2"], v["y2"]])
    p1 = np.array(bent_control(*p0, *p2, v["bend"]))
    at = lambda t: tuple((1 - t) ** 2 * p0 + 2 * t * (1 - t) * p1 + t * t * p2)  # noqa: E731
    t0, t1 = _trimmed(diagram, shape, at)
    # the piece from t0 to t1 is a quadratic Bézier too: its control point is where the
    # tangents at its ends meet, at(t0) + (t1 − t0)/2 · at'(t0)
    control = np.array(at(t0)) + (t1 - t0) * ((1 - t0) * (p1 - p0) + t0 * (p2 - p1))
    start, middle, end = (f"{_num(x)} {_num(y)}" for x, y in (at(t0), control, at(t1)))
    return f'<path d="M {start} Q {middle} {end}"{_stroke(shape, style)}/>'


def _curve(shape, v, style):
    points = [f"{_num(v[f'x{i}'])} {_num(v[f'y{i}'])}" for i in range(shape.vertices)]
    return f'<path d="M {points[0]} {"Q" if shape.vertices == 3 else "C"} {" ".join(points[1:])}"{_stroke(shape, style)}/>'


def _arc(shape, v, style):
    """SVG's arc commands, in pieces of at most half a turn (an arc command's own limit)."""
    start, end, r = v["start"], v["end"], abs(v["r"])
    pieces = max(1, int(np.ceil(abs(end - start) / np.pi)))
    turns = np.linspace(start, end, pieces + 1)
    at = lambda t: f"{_num(v['x'] + r * np.cos(t))} {_num(v['y'] + r * np.sin(t))}"  # noqa: E731
    sweep = 1 if end >= start else 0   # angles grow clockwise on screen: SVG's sweep flag 1
    d = f"M {at(turns[0])} " + " ".join(f"A {_num(r)} {_num(r)} 0 0 {sweep} {at(t)}" for t in turns[1:])
    return f'<path d="{d}"{_stroke(shape, style)}/>'


def _box(v):
    """The attributes of a box of width w and height h centred on (x, y)."""
    return f'x="{_num(v["x"] - v["w"] / 2)}" y="{_num(v["y"] - v["h"] / 2)}" width="{_num(v["w"])}" height="{_num(v["h"])}"'


def _image(shape, v, style):
    return f'<image {_box(v)} href="{shape.data}"{_attrs({"preserveAspectRatio": "xMidYMid meet", **style})}/>'


def _element(diagram, shape, index):
    v = diagram.get(shape)
    color = PALETTE[index % len(PALETTE)]
    fill = {"fill": color, "fill_opacity": 0.25, "stroke": color, "stroke_width": STROKE_WIDTH}
    style = shape.style
    if shape.kind == "point":
        return f'<circle cx="{_num(v["x"])}" cy="{_num(v["y"])}" r="3"{_attrs({"fill": "#333", **style})}/>'
    if shape.kind == "circle":
        return f'<circle cx="{_num(v["x"])}" cy="{_num(v["y"])}" r="{_num(v["r"])}"{_attrs({**fill, **style})}/>'
    if shape.kind == "ellipse":
        return (f'<ellipse cx="{_num(v["x"])}" cy="{_num(v["y"])}" rx="{_num(v["rx"])}" ry="{_num(v["ry"])}"'
                f'{_attrs({**fill, **style})}/>')
    if shape.kind in ("rect", "group"):
        if shape.kind == "group" and not style:
            return ""
        turn = f' transform="rotate({_num(np.degrees(v.get("angle", 0.0)))} {_num(v["x"])} {_num(v["y"])})"'
        return f'<rect {_box(v)}{turn if v.get("angle") else ""}{_attrs({**fill, "rx": 4, **style})}/>'
    if shape.kind in ("segment", "arrow"):
        return _segment(diagram, shape, v, style)
    if shape.kind == "curved_arrow":
        return _curved_arrow(diagram, shape, v, style)
    if shape.kind == "curve":
        return _curve(shape, v, style)
    if shape.kind == "arc":
        return _arc(shape, v, style)
    if shape.kind == "image":
        return _image(shape, v, style)
    if shape.kind in ("polyline", "polygon"):
        points = " ".join(f"{_num(v[f'x{i}'])},{_num(v[f'y{i}'])}" for i in range(shape.vertices))
        if shape.kind == "polyline":
            return f'<polyline points="{points}"{_stroke(shape, style)}/>'
        return f'<polygon points="{points}"{_attrs({**fill, **style})}/>'
    return ""


def _label(diagram, shape):
    """The shape's text, centered on it (a text or math shape is nothing else)."""
    if shape.kind == "math":
        v = diagram.get(shape)
        return shape.data.replace("<svg ", f"<svg {_box(v)}{_attrs(shape.style)} ", 1)
    if not shape.text or shape.kind == "image":   # an image's text is its file's name
        return ""
    x, y = diagram.center(shape)
    style = {"font_family": "Helvetica, Arial, sans-serif", "font_size": _num(shape.size), "fill": "#111",
             "text_anchor": "middle", "dominant_baseline": "central"}
    if shape.kind == "text":
        style.update(shape.style)
    return f'<text x="{_num(x)}" y="{_num(y)}"{_attrs(style)}>{xml_text(shape.text)}</text>'


def view_box(diagram):
    """(left, top, width, height) of the picture, in the diagram's units: the canvas and a margin
    round it as wide as any shape's ink reaches past its outline (MARGIN at the least; at most
    the canvas's larger side, whatever a style says)."""
    c = diagram.canvas
    reach = max([MARGIN] + [_ink_past_outline(s) for s in diagram.shapes.values()])
    margin = min(reach, c.scale)
    return c.left - margin, c.top - margin, c.width + 2 * margin, c.height + 2 * margin


def _ink_past_outline(shape):
    """How far a shape's drawing reaches past its geometry: half its stroke, or with arrowheads
    (8 strokes wide: the marker above) half a head's width."""
    try:
        width = float(shape.style.get("stroke_width", STROKE_WIDTH))   # a style may give any SVG text
    except (TypeError, ValueError):
        width = STROKE_WIDTH
    width = width if math.isfinite(width) and width > 0 else STROKE_WIDTH
    return width * (4 if _markers(shape.heads) else 0.5)


def render(diagram):
    """The diagram as a standalone SVG document."""
    left, top, width, height = map(_num, view_box(diagram))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="{left} {top} {width} {height}">',
           '<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
           'markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/>'
           '</marker></defs>',
           f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="{xml_text(diagram.canvas.background)}"/>']
    shapes = list(diagram.shapes.values())
    order = sorted(range(len(shapes)), key=lambda i: (shapes[i].kind != "group", shapes[i].kind in CONNECTORS))
    out += [e for i in order if shapes[i].kind not in ("text", "math") and (e := _element(diagram, shapes[i], i))]
    out += [e for s in shapes if (e := _label(diagram, s))]
    out.append("</svg>")
    return "\n".join(out) + "\n"
