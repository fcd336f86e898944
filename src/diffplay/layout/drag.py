"""Dragging, for the studio and notebooks: a shape, or one point of it, held to the pointer
while the diagram re-solves from where things are.

A drag means one of two things:

- "follow" (the default): the handle goes exactly where the pointer is (its fields pinned
  there) and the rest makes way; a place no layout allows comes back infeasible, the
  conflict named.
- "valid": the handle is pulled hard towards the pointer, but every constraint still holds,
  so it goes to the nearest place they allow: a point on a circle slides along the circle.

The handle is the whole shape (each of its coordinates moves with the pointer) or one point
of it: a segment's or arrow's end (0 or 1), a polyline's or polygon's corner (0, 1, …).
Everything else — the other shapes' fields, the dragged shape's other points — is held
softly where it was when the drag began (solver.Anchor), so only what must move moves; and
the dragged shape keeps its size (its size fields pinned) unless `resize=True`.
"""

from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from .shapes import SIZES
from .solver import Anchor

MODES = ("follow", "valid")
KEEP_WEIGHT = 1.0       # how strongly everything else holds its place while a shape is dragged
POINTER_WEIGHT = 100.0  # "valid": how strongly the handle is pulled towards the pointer, a hundred times the rest


@dataclass
class Drag:
    """A drag under way: what is dragged and how, the slots it pinned (and whether each was
    pinned before), the handle's slots and where the pointer wants them, the slots held where
    they were, and the last frame's values and pointer."""

    key: tuple        # (shape, handle, mode, resize): another key is another drag
    handle: list      # the handle's coordinate slots
    pinned: list
    was: list
    held: np.ndarray
    at: np.ndarray    # the held slots' values when the drag began
    target: np.ndarray = None
    before: np.ndarray = None
    pointer: tuple = None

    @property
    def shape(self):
        return self.key[0]

    def anchor(self, scales):
        """The soft pulls of this drag, in solver units: the held slots to where they were and,
        for a "valid" drag, the handle to the pointer."""
        slots, targets = self.held, self.at
        weights = np.full(slots.size, KEEP_WEIGHT)
        if self.key[2] == "valid":
            slots, targets = np.concatenate([slots, self.handle]), np.concatenate([targets, self.target])
            weights = np.concatenate([weights, np.full(len(self.handle), POINTER_WEIGHT)])
        return Anchor(slots, targets / scales[slots], weights)


class DragMethods:
    """drag() and release() of Diagram."""

    def drag(self, shape, x, y, *, handle=None, mode="follow", resize=False, max_iterations=1000):
        """Move `shape` (or its point number `handle`) to the pointer (x, y) and re-solve from
        the current state; `mode` "follow" puts it there, "valid" as near as the constraints allow."""
        shape = self._reference(shape, "drag", "") if isinstance(shape, str) else shape
        if mode not in MODES:
            raise UsageError(f"drag: mode must be one of {', '.join(MODES)}, got {mode!r}")
        key = (shape, handle, mode, bool(resize))
        if self._drag is None or self._drag.key != key:
            self.release()
            self._drag = self._begin_drag(key, _handle_slots(shape, handle, self.slots.roles))
        drag, slots = self._drag, self.slots
        hx, hy = self._handle_point(drag)
        now = np.array(slots.values)
        drag.target = np.array([now[s] + ((x - hx) if slots.roles[s] == "x" else (y - hy)) for s in drag.handle])
        if drag.before is not None and (x, y) != drag.pointer and self.result.converged:
            # the pointer moved on from a solved frame: guess that the others keep moving as
            # they just did (a secant predictor along the path of solutions), then correct
            free = slots.free()
            now[free] += now[free] - drag.before[free]
        now[drag.handle] = drag.target
        drag.before, drag.pointer = np.array(slots.values), (x, y)
        slots.values = now.tolist()
        return self.solve(warm=True, max_iterations=max_iterations)

    def _handle_point(self, drag):
        """Where the handle is now: the shape's center, or its point's (x, y)."""
        if drag.key[1] is None:
            return self.center(drag.shape)
        return tuple(self.slots.values[s] for s in drag.handle)

    def _begin_drag(self, key, handle):
        if np.isnan(self.slots.values).any():
            self.solve()
        shape, _, mode, resize = key
        pinned_now = self.slots.pinned
        sizes = [] if resize else [s for name, s in shape.slots.items() if name in SIZES]
        pin = sorted({*sizes, *(handle if mode == "follow" else ())})
        drag = Drag(key, handle, pin, [pinned_now[s] for s in pin], None, None)
        for s in pin:
            pinned_now[s] = True
        moving = set(handle) if mode == "valid" else set()
        drag.held = np.array([s for s in np.flatnonzero(self.slots.free()) if s not in moving], int)
        drag.at = np.array(self.slots.values)[drag.held]
        self._problem = None   # which sizes are free changed
        return drag

    def release(self, shape=None):
        """Let go of the dragged shape: its fields are the solver's again."""
        if self._drag is None or (shape is not None and self._drag.shape.name != str(shape)):
            return
        for s, was in zip(self._drag.pinned, self._drag.was):
            self.slots.pinned[s] = was
        self._drag, self._problem = None, None


def _handle_slots(shape, handle, roles):
    """The coordinate slots a handle moves: every x and y of the shape, or one point's pair."""
    handles = points(shape)
    if handle is None:
        return sorted({s for s in shape.slots.values() if roles[s] in ("x", "y")})
    if isinstance(handle, bool) or not isinstance(handle, int | np.integer) or not 0 <= handle < len(handles):
        raise UsageError(f"drag: {shape.kind} \"{shape.name}\" has points 0 to {len(handles) - 1} to drag by, "
                         f"got handle={handle!r}" if handles else
                         f"drag: a {shape.kind} is dragged whole (handle=None), got handle={handle!r}")
    return list(handles[handle])


def points(shape):
    """(x slot, y slot) of each point a shape can be dragged by: a line's ends, an outline's corners."""
    if shape.kind in ("segment", "arrow"):
        return [(shape.slots["x1"], shape.slots["y1"]), (shape.slots["x2"], shape.slots["y2"])]
    if shape.kind in ("polyline", "polygon"):
        return [(shape.slots[f"x{i}"], shape.slots[f"y{i}"]) for i in range(shape.vertices)]
    return []
