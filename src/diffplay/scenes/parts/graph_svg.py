"""The graph view's picture as SVG: the boxes and wires the page gets, drawn as the page draws them.

Each wire is the chain of cubics with vertical tangents through its points (graph_layout's
rule), arrowed at the consumer's top side; each box is one <g>.
"""

from .picture import svg_document, svg_text

ARROW_W, ARROW_H = 4.5, 9
INK, MUTED, WIRE = "#1d2330", "#667085", "#9aa3b2"


def draw_svg(fields):
    """A standalone SVG of GraphView.fields()."""
    bounds = fields["bounds"]
    body = [_wire(wire) for wire in fields["wires"]]
    body += [_arrow(wire) for wire in fields["wires"] if wire["to"] is not None]
    body += [_count(wire) for wire in fields["wires"] if wire["label"] is not None]
    for k, box in enumerate(fields["boxes"]):
        body.append(_box(box, fields["grads"][k], fields["done"][k], k == bounds["root"]))
    return svg_document(bounds["width"], bounds["height"], body)


def wire_path(points):
    """SVG path data of a wire: a cubic with vertical tangents between each two points."""
    d = [f"M{points[0]},{points[1]}"]
    for k in range(2, len(points), 2):
        x0, y0, x1, y1 = points[k - 2], points[k - 1], points[k], points[k + 1]
        middle = round((y0 + y1) / 2, 1)
        d.append(f"C{x0},{middle} {x1},{middle} {x1},{y1}")
    return " ".join(d)


def _wire(wire):
    return f'<path class="wire" d="{wire_path(wire["points"])}" fill="none" stroke="{WIRE}"/>'


def _arrow(wire):
    x, y = wire["points"][-2], wire["points"][-1]
    return (f'<path class="arrow" d="M{x},{y} L{x - ARROW_W},{y - ARROW_H} L{x + ARROW_W},{y - ARROW_H} Z" '
            f'fill="{MUTED}"/>')


def _count(wire):
    x, y = wire["label"]
    return (f'<text x="{x}" y="{y + 3.5}" font-size="10" text-anchor="middle" fill="{MUTED}" stroke="#fff" '
            f'stroke-width="3" paint-order="stroke">×{wire["count"]}</text>')


def number(x):
    """Four decimals, or three significant digits in exponent form when that reads better."""
    if x is None:
        return "—"
    return f"{x:.3e}" if abs(x) >= 1e5 or 0 < abs(x) < 1e-3 else f"{x:.4f}"


def _box(box, grad, done, root):
    x, y, w, h = box["x"], box["y"], box["w"], box["h"]
    finished = done == box["nodes"]
    if box["hue"] is not None:
        fill, stroke = f"hsl({box['hue']},60%,{90 if finished else 96}%)", f"hsl({box['hue']},40%,45%)"
    else:
        fill, stroke = ("#fdebd0" if finished else "#eaf2f8"), "#7b8494"
    width = 2.5 if root else 1
    parts = [(f'<g class="box {box["kind"]}"><rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" '
              f'fill="{fill}" stroke="{INK if root else stroke}" stroke-width="{width}"/>'),
             svg_text(x + 8, y + 16, box["title"], 12, fill=INK)]
    if box["kind"] == "node":
        parts += [svg_text(x + 8, y + 31, f"data {number(box['data'])}", 11),
                  svg_text(x + 8, y + 44, f"grad {number(grad)}", 11, fill="#b45309" if finished else MUTED)]
    else:
        share = done / box["nodes"]
        parts += [svg_text(x + 8, y + 31, box["sub"], 11, fill=MUTED),
                  f'<rect x="{x + 8}" y="{y + h - 12}" width="{w - 16}" height="5" fill="#e4e7ec"/>',
                  f'<rect x="{x + 8}" y="{y + h - 12}" width="{(w - 16) * share:.1f}" height="5" fill="#f59e0b"/>']
    return "".join(parts) + "</g>"
