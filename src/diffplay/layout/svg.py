"""The SVG writer: one element per shape, labels on top, connectors trimmed to the edges."""

import numpy as np

from ..text import xml_text
from .geometry import ROUND, center, point_outline_distance, radius

PALETTE = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")
ARROW_GAP = 2.0   # px between an arrow's tip and the shape it points at


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


def _exit(diagram, shape, start, end, gap):
    """The point where the segment start → end leaves `shape` (bisection on the inside test)."""
    (x0, y0), (x1, y1) = start, end
    inside = lambda t: _signed_distance_to(diagram, shape, x0 + t * (x1 - x0), y0 + t * (y1 - y0)) < gap  # noqa
    if not inside(0.0) or inside(1.0):
        return start
    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if inside(mid) else (lo, mid)
    return x0 + hi * (x1 - x0), y0 + hi * (y1 - y0)


def _segment(diagram, shape, v, style):
    start, end = (v["x1"], v["y1"]), (v["x2"], v["y2"])
    a, b = shape.trim or (None, None)
    gap = ARROW_GAP if shape.kind == "arrow" else 0.0
    trimmed_start = _exit(diagram, a, start, end, 0.0) if a is not None else start
    trimmed_end = _exit(diagram, b, end, start, gap) if b is not None else end
    marker = {"marker-end": "url(#arrowhead)"} if shape.kind == "arrow" else {}
    style = {"stroke": "#333", "stroke_width": 1.5, **marker, **style}
    return (f'<line x1="{_num(trimmed_start[0])}" y1="{_num(trimmed_start[1])}" x2="{_num(trimmed_end[0])}" '
            f'y2="{_num(trimmed_end[1])}"{_attrs(style)}/>')


def _element(diagram, shape, index):
    v = diagram.get(shape)
    color = PALETTE[index % len(PALETTE)]
    fill = {"fill": color, "fill_opacity": 0.25, "stroke": color, "stroke_width": 1.5}
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
        return (f'<rect x="{_num(v["x"] - v["w"] / 2)}" y="{_num(v["y"] - v["h"] / 2)}" width="{_num(v["w"])}" '
                f'height="{_num(v["h"])}"{turn if v.get("angle") else ""}{_attrs({**fill, "rx": 4, **style})}/>')
    if shape.kind in ("segment", "arrow"):
        return _segment(diagram, shape, v, style)
    if shape.kind in ("polyline", "polygon"):
        points = " ".join(f"{_num(v[f'x{i}'])},{_num(v[f'y{i}'])}" for i in range(shape.vertices))
        base = fill if shape.kind == "polygon" else {"fill": "none", "stroke": "#333", "stroke_width": 1.5}
        return f'<{shape.kind} points="{points}"{_attrs({**base, **style})}/>'
    return ""


def _label(diagram, shape):
    """The shape's text, centered on it (a text shape is nothing else)."""
    if not shape.text:
        return ""
    x, y = diagram.center(shape)
    style = {"font_family": "Helvetica, Arial, sans-serif", "font_size": _num(shape.size), "fill": "#111",
             "text_anchor": "middle", "dominant_baseline": "central"}
    if shape.kind == "text":
        style.update(shape.style)
    return f'<text x="{_num(x)}" y="{_num(y)}"{_attrs(style)}>{xml_text(shape.text)}</text>'


def render(diagram):
    """The diagram as a standalone SVG document."""
    c = diagram.canvas
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(c.width)}" height="{_num(c.height)}" '
           f'viewBox="{_num(c.left)} {_num(c.top)} {_num(c.width)} {_num(c.height)}">',
           '<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
           'markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#333"/>'
           '</marker></defs>',
           f'<rect x="{_num(c.left)}" y="{_num(c.top)}" width="{_num(c.width)}" height="{_num(c.height)}" '
           f'fill="{xml_text(c.background)}"/>']
    shapes = list(diagram.shapes.values())
    order = sorted(range(len(shapes)), key=lambda i: (shapes[i].kind != "group", shapes[i].kind in ("segment", "arrow")))
    out += [e for i in order if shapes[i].kind != "text" and (e := _element(diagram, shapes[i], i))]
    out += [e for s in shapes if (e := _label(diagram, s))]
    out.append("</svg>")
    return "\n".join(out) + "\n"
