"""Diagram's shape constructors, one per kind: `d.circle("A", r=30)` returns the new Shape.

A number pins its field, None (or leaving it out) leaves it free with a random start, and
`free=True` (or a list of field names) frees given numbers, keeping them as the start.
A shape passed where a position is expected shares that shape's center: a segment from
circle A to circle B moves with them, and is drawn from edge to edge.
"""

from ..checks import did_you_mean, is_number
from .fonts import measure
from .images import data_uri
from .math_labels import typeset
from .shapes import ALIASES, ANGLES, FIELDS, HEADS, KINDS, SIZES, Ref, Shape, vertex_fields
from ..errors import UsageError

FONT_SIZE = 14.0
MAX_VERTICES = 1000   # a count of free vertices: each is optimized, and a spec's 70,985,727 took gigabytes


def _role(field):
    """How a field is started and scaled: an x or y coordinate, a size, or an angle (a number
    without a length: an angle, or a curved arrow's bend)."""
    if field in ANGLES:
        return "angle"
    return "size" if field in SIZES else field[0]


class ShapeMethods:
    """The shape constructors of Diagram."""

    def add_shape(self, kind, name, fields, *, free=False, pinned=(), where="", vertices=0, on_canvas=True,
                  text="", size=0.0, style=None, members=(), pad=0.0, trim=(), heads="none", data="", font=""):
        """Add a shape of `kind` whose fields take `fields` (numbers, None, or shared Refs)."""
        kind = ALIASES.get(kind, kind)
        if kind not in KINDS:
            raise UsageError(f'unknown shape kind "{kind}"{did_you_mean(kind, KINDS)}', where=where)
        if not isinstance(name, str) or not name or "." in name:
            raise UsageError(f"a shape needs a name without dots, got {name!r}", where=where)
        if name in self.shapes:
            raise UsageError(f'there is already a shape called "{name}"', where=where)
        if heads not in HEADS:
            raise UsageError(f'{kind} "{name}": heads must be one of {", ".join(HEADS)}, got {heads!r}', where=where)
        if free is not True and free is not False:
            for field in free:
                if field not in fields:
                    raise UsageError(f'{kind} "{name}": free names "{field}", which is not one of its fields '
                                     f'({", ".join(fields)})', where=where)
        slots = {}
        for field, value in fields.items():
            if isinstance(value, Ref):   # shared with another shape
                slots[field] = value.slot
                continue
            if value is not None and not is_number(value):
                raise UsageError(f'{kind} "{name}": {field} must be a number, got {value!r}', where=where)
            if field in SIZES and value is not None and value < 0:
                raise UsageError(f'{kind} "{name}": {field} must not be negative, got {value!r}', where=where)
            pin = field in pinned or (value is not None and free is not True and field not in (free or ()))
            slots[field] = self._slot(value, pin, _role(field))
        shape = Shape(name, kind, slots, vertices, text, size, dict(style or {}), tuple(members), pad, tuple(trim),
                      on_canvas, heads, data, font)
        self.shapes[name] = shape
        return shape

    def point(self, name, x=None, y=None, *, free=False, on_canvas=True, where="", **style):
        return self.add_shape("point", name, {"x": x, "y": y}, free=free, where=where, on_canvas=on_canvas,
                              style=style)

    def circle(self, name, x=None, y=None, r=None, *, free=False, text="", size=FONT_SIZE, on_canvas=True,
               where="", **style):
        return self.add_shape("circle", name, {"x": x, "y": y, "r": r}, free=free, where=where, text=text,
                              size=size, on_canvas=on_canvas, style=style)

    def ellipse(self, name, x=None, y=None, rx=None, ry=None, *, free=False, text="", size=FONT_SIZE,
                on_canvas=True, where="", **style):
        return self.add_shape("ellipse", name, {"x": x, "y": y, "rx": rx, "ry": ry}, free=free, where=where,
                              text=text, size=size, on_canvas=on_canvas, style=style)

    def rect(self, name, x=None, y=None, w=None, h=None, *, angle=0.0, rotated=False, free=False, text="",
             size=FONT_SIZE, on_canvas=True, where="", **style):
        """A rectangle centered at (x, y); `rotated=True` lets the solver turn it (angle in radians)."""
        fields = {"x": x, "y": y, "w": w, "h": h, "angle": angle}
        if rotated and free is not True:
            free = tuple(free or ()) + ("angle",)
        return self.add_shape("rect", name, fields, free=free, pinned=() if rotated else ("angle",), where=where,
                              text=text, size=size, on_canvas=on_canvas, style=style)

    def text(self, name, text, x=None, y=None, *, size=FONT_SIZE, font=None, free=False, on_canvas=True, where="",
             **style):
        """A one-line label centered at (x, y); its box is the string measured with `font` (a
        font file), else with a font found on this machine, else estimated (fonts.py)."""
        size = self._font_size("text", name, size, where)
        box = measure(str(text), size, font, f'text "{name}"', where)
        if box.family:   # drawn with the font it was measured with, where the browser has it
            style = {"font_family": f"{box.family}, sans-serif", **style}
        return self.add_shape("text", name, {"x": x, "y": y, "w": box.width, "h": box.height}, free=free,
                              pinned=("w", "h"), where=where, text=str(text), size=size, on_canvas=on_canvas,
                              style=style, font=box.font)

    def math(self, name, tex, x=None, y=None, *, size=FONT_SIZE, free=False, on_canvas=True, where="", **style):
        """A math label, TeX-like (`r"\frac{a}{b}"`), drawn as paths by ziamath (the optional
        extra: pip install 'diffplay[math]'); its box is what it draws."""
        size = self._font_size("math", name, size, where)
        inner, view, w, h = typeset(tex, size, f'math "{name}"', where)
        return self.add_shape("math", name, {"x": x, "y": y, "w": w, "h": h}, free=free, pinned=("w", "h"),
                              where=where, text=str(tex), size=size, on_canvas=on_canvas, style=style,
                              data=f'<svg viewBox="{view}" overflow="visible">{inner}</svg>')

    def image(self, name, href, x=None, y=None, w=None, h=None, *, free=False, on_canvas=True, where="", **style):
        """A picture (a PNG, JPEG or SVG file) placed and sized like an unturned rect, drawn
        whole inside its box and embedded in the SVG."""
        data = data_uri(href, f'image "{name}"', where)
        return self.add_shape("image", name, {"x": x, "y": y, "w": w, "h": h}, free=free, where=where,
                              text=str(href), on_canvas=on_canvas, style=style, data=data)

    def segment(self, name, start=None, end=None, *, heads="none", free=False, on_canvas=True, where="",
                kind="segment", **style):
        """A line segment; `start` and `end` are (x, y), a shape (its center, and it is drawn from
        that shape's edge), or None (free); `heads` draws arrowheads (none, end, start, both)."""
        return self._connector(kind, name, start, end, {}, heads=heads, free=free, on_canvas=on_canvas, where=where,
                               style=style)

    def arrow(self, name, start=None, end=None, *, heads="end", free=False, on_canvas=True, where="", **style):
        """A segment drawn with a head at `end` (heads="both": at each end)."""
        return self._connector("arrow", name, start, end, {}, heads=heads, free=free, on_canvas=on_canvas,
                               where=where, style=style)

    def curved_arrow(self, name, start=None, end=None, *, bend=None, heads="end", free=False, on_canvas=True,
                     where="", **style):
        """An arrow along a quadratic Bézier from `start` to `end` (as for arrow) whose middle
        bows bend/2 of its length to the right of its way (negative: to the left); bend 0 is
        straight, and bend None leaves it to the solver (starting straight)."""
        return self._connector("curved_arrow", name, start, end, {"bend": bend}, heads=heads, free=free,
                               on_canvas=on_canvas, where=where, style=style)

    def _connector(self, kind, name, start, end, fields, **options):
        """A segment, arrow or curved arrow between two positions (points, shapes or None)."""
        where = options["where"]
        (x1, y1), (x2, y2) = self._end(start, name, where), self._end(end, name, where)
        trim = tuple(self._resolve_shape(p, where) if isinstance(p, Shape | str) else None for p in (start, end))
        return self.add_shape(kind, name, {"x1": x1, "y1": y1, "x2": x2, "y2": y2, **fields}, trim=trim, **options)

    def curve(self, name, points, *, heads="none", free=False, on_canvas=True, where="", **style):
        """A Bézier curve from its first control point to its last: 3 points make a quadratic, 4
        a cubic; `points` is that count (all free) or a list of (x, y) / shapes / None."""
        count = points if is_number(points) else len(points) if hasattr(points, "__len__") else None
        if isinstance(points, str) or count not in (3, 4):
            raise UsageError(f'curve "{name}": points must be 3 or 4 control points (or that count), got {points!r}',
                             where=where)
        return self.polyline(name, points, heads=heads, free=free, on_canvas=on_canvas, where=where, kind="curve",
                             **style)

    def arc(self, name, x=None, y=None, r=None, start=None, end=None, *, heads="none", free=False, on_canvas=True,
            where="", **style):
        """An arc of the circle at (x, y) of radius r, from angle `start` to `end` (radians: 0
        points right and angles grow clockwise on screen, y growing down)."""
        return self.add_shape("arc", name, {"x": x, "y": y, "r": r, "start": start, "end": end}, free=free,
                              where=where, on_canvas=on_canvas, style=style, heads=heads)

    def polyline(self, name, points, *, heads="none", free=False, on_canvas=True, where="", kind="polyline",
                 **style):
        """An open chain of vertices: `points` is a count (all free) or a list of (x, y) / shapes / None."""
        if is_number(points) and int(points) == points:
            if points > MAX_VERTICES:
                raise UsageError(f'{kind} "{name}": a vertex count is at most {MAX_VERTICES:,}, got {int(points):,}',
                                 where=where)
            points = [None] * int(points)
        if isinstance(points, str) or not hasattr(points, "__len__") or len(points) < 2:
            raise UsageError(f'{kind} "{name}": points must be a vertex count or a list of at least 2 points, '
                             f"got {points!r}", where=where)
        ends = [self._end(p, name, where) for p in points]
        fields = dict(zip(vertex_fields(len(ends)), [v for end in ends for v in end]))
        return self.add_shape(kind, name, fields, free=free, where=where, vertices=len(ends),
                              on_canvas=on_canvas, style=style, heads=heads)

    def polygon(self, name, points, *, free=False, on_canvas=True, where="", **style):
        """A closed polygon (convex ones are measured exactly)."""
        return self.polyline(name, points, free=free, on_canvas=on_canvas, where=where, kind="polygon", **style)

    def group(self, name, members, *, pad=0.0, on_canvas=True, where="", **style):
        """A box that holds `members` at least `pad` inside and hugs them; relations see the box."""
        members = [self._resolve_shape(m, where) for m in members]
        if not members:
            raise UsageError(f'group "{name}" needs at least one member', where=where)
        return self.add_shape("group", name, dict.fromkeys(FIELDS["group"]), where=where, members=members,
                              pad=pad, on_canvas=on_canvas, style=style)

    @staticmethod
    def _font_size(kind, name, size, where):
        if not is_number(size) or size <= 0:
            raise UsageError(f'{kind} "{name}": size must be a positive number, got {size!r}', where=where)
        return size

    def _resolve_shape(self, shape, where):
        if isinstance(shape, Shape):
            return shape
        if shape not in self.shapes:
            raise UsageError(f'unknown shape "{shape}"{did_you_mean(shape, self.shapes)}', where=where)
        return self.shapes[shape]

    def _end(self, point, name, where):
        """(x, y) for a position: numbers, None, or a shape's shared center fields."""
        if point is None:
            return None, None
        if isinstance(point, Shape | str):
            shape = self._resolve_shape(point, where)
            if "x" not in shape.slots:
                raise UsageError(f'"{name}" cannot attach to the {shape.kind} "{shape.name}": it has no center '
                                 "field", where=where)
            return shape.x, shape.y
        if not hasattr(point, "__len__") or len(point) != 2:
            raise UsageError(f'"{name}": a point must be (x, y), a shape or None, got {point!r}', where=where)
        return tuple(point)
