"""Diagram's shape constructors, one per kind: `d.circle("A", r=30)` returns the new Shape.

A number pins its field, None (or leaving it out) leaves it free with a random start, and
`free=True` (or a list of field names) frees given numbers, keeping them as the start.
A shape passed where a position is expected shares that shape's center: a segment from
circle A to circle B moves with them, and is drawn from edge to edge.
"""

from ..checks import did_you_mean, is_number
from .shapes import ALIASES, FIELDS, KINDS, SIZES, Ref, Shape, text_size, vertex_fields
from ..errors import UsageError

FONT_SIZE = 14.0
MAX_VERTICES = 1000   # a count of free vertices: each is optimized, and a spec's 70,985,727 took gigabytes


def _role(field):
    """How a field is started and scaled: an x or y coordinate, a size, or an angle."""
    if field == "angle":
        return "angle"
    return "size" if field in SIZES else field[0]


class ShapeMethods:
    """The shape constructors of Diagram."""

    def add_shape(self, kind, name, fields, *, free=False, pinned=(), where="", vertices=0, on_canvas=True,
                  text="", size=0.0, style=None, members=(), pad=0.0, trim=()):
        """Add a shape of `kind` whose fields take `fields` (numbers, None, or shared Refs)."""
        kind = ALIASES.get(kind, kind)
        if kind not in KINDS:
            raise UsageError(f'unknown shape kind "{kind}"{did_you_mean(kind, KINDS)}', where=where)
        if not isinstance(name, str) or not name or "." in name:
            raise UsageError(f"a shape needs a name without dots, got {name!r}", where=where)
        if name in self.shapes:
            raise UsageError(f'there is already a shape called "{name}"', where=where)
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
                      on_canvas)
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

    def text(self, name, text, x=None, y=None, *, size=FONT_SIZE, free=False, on_canvas=True, where="", **style):
        """A one-line label centered at (x, y); its box comes from the font size and the string."""
        if not is_number(size) or size <= 0:
            raise UsageError(f'text "{name}": size must be a positive number, got {size!r}', where=where)
        w, h = text_size(str(text), size)
        return self.add_shape("text", name, {"x": x, "y": y, "w": w, "h": h}, free=free, pinned=("w", "h"),
                              where=where, text=str(text), size=size, on_canvas=on_canvas, style=style)

    def segment(self, name, start=None, end=None, *, free=False, on_canvas=True, where="", kind="segment",
                **style):
        """A line segment; `start` and `end` are (x, y), a shape (its center), or None (free)."""
        (x1, y1), (x2, y2) = self._end(start, name, where), self._end(end, name, where)
        trim = tuple(self._resolve_shape(p, where) if isinstance(p, Shape | str) else None for p in (start, end))
        return self.add_shape(kind, name, {"x1": x1, "y1": y1, "x2": x2, "y2": y2}, free=free, where=where,
                              on_canvas=on_canvas, trim=trim, style=style)

    def arrow(self, name, start=None, end=None, *, free=False, on_canvas=True, where="", **style):
        """A segment drawn with a head at `end`."""
        return self.segment(name, start, end, free=free, on_canvas=on_canvas, where=where, kind="arrow", **style)

    def polyline(self, name, points, *, free=False, on_canvas=True, where="", kind="polyline", **style):
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
                              on_canvas=on_canvas, style=style)

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
