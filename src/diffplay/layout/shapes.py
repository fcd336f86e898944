"""Shapes: named numeric fields that the solver may move unless pinned.

Every field of every shape is one slot of the diagram's state vector. A shape only remembers
which slots are its own, so two shapes may share a slot (a segment whose end *is* a point),
and a constraint reads all its instances' fields with one gather.
"""

from dataclasses import dataclass, field

FIELDS = {
    "point": ("x", "y"),
    "circle": ("x", "y", "r"),
    "ellipse": ("x", "y", "rx", "ry"),
    "rect": ("x", "y", "w", "h", "angle"),
    "text": ("x", "y", "w", "h"),
    "segment": ("x1", "y1", "x2", "y2"),
    "arrow": ("x1", "y1", "x2", "y2"),
    "group": ("x", "y", "w", "h"),
    "polyline": (),   # x0, y0, x1, y1, … one pair per vertex
    "polygon": (),
    "curve": (),      # a Bézier's control points: 3 (quadratic) or 4 (cubic) pairs
    "arc": ("x", "y", "r", "start", "end"),   # a circle's arc, from angle start to end (radians)
    "curved_arrow": ("x1", "y1", "x2", "y2", "bend"),   # a quadratic Bézier; bend 0 is straight
    "image": ("x", "y", "w", "h"),
    "math": ("x", "y", "w", "h"),
}
KINDS = tuple(FIELDS)
FIELDS["box"] = ("x", "y", "w", "h")   # not a kind of its own: how the solver sees unrotated boxes
VERTEX_KINDS = ("polyline", "polygon", "curve")   # kinds whose fields are one (x, y) pair per vertex
# The arrays a batch of each kind holds: a field's value, a vertex kind's vertex arrays
# (n, vertices), or the kind's fields.
BATCH_FIELDS = {**FIELDS, **dict.fromkeys(VERTEX_KINDS, ("vx", "vy")), "field": ("value",)}
ALIASES = {"line": "segment", "rectangle": "rect", "label": "text", "bezier": "curve", "picture": "image"}
CHAINS = ("polyline", "curve", "arc", "curved_arrow")   # open outlines of many vertices: no inside at all
POLY_CHAINS = ("polygon", "polyline")   # what a "chain" argument takes: straight edges between vertices
OPEN = ("segment", "arrow") + CHAINS   # kinds without an inside
BOXED = ("text", "group", "image", "math")   # kinds the solver sees as axis-aligned boxes
HEADS = ("none", "end", "start", "both")   # where an open shape is drawn with arrowheads

SIZES = {"r", "rx", "ry", "w", "h"}   # lengths that must stay positive
ANGLES = {"angle", "start", "end", "bend"}   # fields without a length: not scaled by the canvas, starting at 0
# Text is measured, not rendered: an average glyph is about 0.6 em wide (an approximation
# stated once here; real widths depend on the font), and a line is 1.2 em high.
GLYPH_WIDTH, LINE_HEIGHT = 0.6, 1.2


def vertex_fields(count):
    """x0, y0, x1, y1, … for a polyline or polygon of `count` vertices."""
    return tuple(f"{axis}{i}" for i in range(count) for axis in "xy")


def text_size(text, size):
    """(width, height) of a one-line label of `size` px, estimated (fonts.py measures it)."""
    return GLYPH_WIDTH * size * max(len(text), 1), LINE_HEIGHT * size


@dataclass(frozen=True)
class Ref:
    """One field of a shape (`A.r`), or a constant when `shape` is None."""

    shape: object
    name: str
    slot: int

    def __repr__(self):
        return f"{self.shape.name}.{self.name}" if self.shape is not None else self.name


@dataclass(eq=False)
class Shape:
    """A named shape: its kind, the slots of its fields, and how to draw it."""

    name: str
    kind: str
    slots: dict
    vertices: int = 0
    text: str = ""
    size: float = 0.0
    style: dict = field(default_factory=dict)
    members: tuple = ()   # a group's shapes, kept `pad` inside its box
    pad: float = 0.0
    trim: tuple = ()   # an arrow or segment drawn from one shape's edge to another's
    on_canvas: bool = True
    heads: str = "none"   # arrowheads of an open shape: none, end, start or both
    data: str = ""        # what an image or math label draws: a data URI, or SVG
    font: str = ""        # the font file a text was measured with ("": its size is estimated)

    def __getattr__(self, name):
        """A field as a Ref (A.r); reads only __dict__, since copy and pickle ask for
        __setstate__ on an instance whose fields are not set yet."""
        slots = self.__dict__.get("slots", {})
        if name in slots:
            return Ref(self, name, slots[name])
        # only __dict__ here: a copy (or a pickle) asks before the fields are there
        raise AttributeError(f"{self.__dict__.get('kind', 'shape')} {self.__dict__.get('name')!r} has no field "
                             f"{name!r} (its fields: {', '.join(slots)})")

    @property
    def closed(self):
        """Whether it has an inside."""
        return self.kind not in OPEN

    def __repr__(self):
        return self.name
