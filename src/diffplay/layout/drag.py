"""Dragging, for the studio: pin a shape to the pointer and re-solve from where things are."""

from dataclasses import dataclass

import numpy as np

from .build import Instance
from .registry import OBJECTIVES

KEEP_WEIGHT = 1.0   # how strongly the others hold their places while one shape is dragged


@dataclass
class Drag:
    """A drag under way: the shape, its center slots pinned to the pointer (and whether each
    was pinned before), the others' `keep` objectives, and the last frame's values and pointer."""

    shape: object
    slots: list
    was: list
    keeps: list
    before: np.ndarray = None
    pointer: tuple = None


class DragMethods:
    """drag() and release() of Diagram."""

    def drag(self, shape, x, y, *, max_iterations=1000):
        """Pin `shape`'s center to the pointer (x, y) and re-solve from the current state.

        While a shape is dragged the others keep their places softly (a `keep` objective
        towards where they stood when the drag began), so only what must move moves.
        """
        shape = self._reference(shape, "drag", "") if isinstance(shape, str) else shape
        if self._drag is None or self._drag.shape is not shape:
            self.release()
            self._drag = self._begin_drag(shape)
        drag, slots = self._drag, self.slots
        cx, cy = self.center(shape)
        now = np.array(slots.values)
        if drag.before is not None and (x, y) != drag.pointer and self.result.converged:
            # the pointer moved on from a solved frame: guess that the others keep moving as
            # they just did (a secant predictor along the path of solutions), then correct
            free = slots.free()
            now[free] += now[free] - drag.before[free]
        for slot in drag.slots:
            now[slot] += (x - cx) if slots.roles[slot] == "x" else (y - cy)
        drag.before, drag.pointer = np.array(slots.values), (x, y)
        slots.values = now.tolist()
        return self.solve(warm=True, max_iterations=max_iterations)

    def _begin_drag(self, shape):
        if np.isnan(self.slots.values).any():
            self.solve()
        pinned, roles = self.slots.pinned, self.slots.roles
        slots = sorted({s for name, s in shape.slots.items() if roles[s] in ("x", "y")})
        keeps = []
        for other in self.shapes.values():
            moving = [s for n, s in other.slots.items() if roles[s] in ("x", "y") and not pinned[s]]
            if other is not shape and moving and not set(moving) <= set(slots):
                cx, cy = self.center(other)
                keeps.append(Instance(OBJECTIVES["keep"], (other,), {"x": cx, "y": cy, "weight": KEEP_WEIGHT},
                                      label=f"keep({other.name})", unit=self.canvas.scale))
        drag = Drag(shape, slots, [pinned[s] for s in slots], keeps)
        for s in slots:
            pinned[s] = True
        self._problem = None
        return drag

    def release(self, shape=None):
        """Let go of the dragged shape: its fields are the solver's again."""
        if self._drag is None or (shape is not None and self._drag.shape.name != str(shape)):
            return
        for s, was in zip(self._drag.slots, self._drag.was):
            self.slots.pinned[s] = was
        self._drag, self._problem = None, None
