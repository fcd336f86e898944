"""Where a solve starts: the values given (or the current ones), free gaps drawn at random,
then the relations' start hooks.

A free field without a value starts at random: a coordinate anywhere on the canvas, a size
between 2 % and 8 % of it, unless a relation's `start_range` hook names a range (in_range:
a radius starts inside its bounds); an angle starts at 0. Then each relation's `start` hook
may move what was drawn (label_near: a label starts at the shape it labels).
"""

import numpy as np


class Start:
    """Starting values being made, in canvas units: which slots are drawn afresh, the random
    stream they are drawn from, and the canvas scale."""

    def __init__(self, diagram, values, redo, rng):
        self.diagram, self.values, self.redo, self.rng = diagram, values, redo, rng
        self.scale = diagram.canvas.scale

    def center(self, shape):
        """(x, y) of a shape's center at these values."""
        return self.diagram.center(shape, self.values)


def starting_values(diagram, rng, warm, fresh):
    """The values a solve starts from: the given ones (the current ones if warm), each free
    field with no value (every free field if fresh) drawn at random."""
    slots = diagram.slots
    values = np.array(slots.values if warm else slots.starts, float)
    redo = slots.free() & (np.isnan(values) | fresh)
    c, ranges = diagram.canvas, {}
    default = {"x": (c.left, c.left + c.width), "y": (c.top, c.top + c.height), "size": (0.02 * c.scale, 0.08 * c.scale)}
    for inst in diagram.relations:
        if inst.relation.start_range is not None:
            ranges.update(inst.relation.start_range(inst))
    values[redo] = 0.0   # an angle's start; the rest are drawn, in slot order, in one call
    drawn = [slot for slot in np.flatnonzero(redo).tolist() if slots.roles[slot] in default]
    if drawn:
        lo, hi = zip(*(ranges.get(slot, default[slots.roles[slot]]) for slot in drawn))
        values[drawn] = rng.uniform(lo, hi)
    start = Start(diagram, values, redo, rng)
    for inst in diagram.relations:
        if inst.relation.start is not None:
            inst.relation.start(inst, start)
    return values
