"""Dragging, for the studio: pin a shape to the pointer and re-solve from where things are."""

import numpy as np

from .build import Instance
from .registry import OBJECTIVES

KEEP_WEIGHT = 1.0   # how strongly the others hold their places while one shape is dragged


class DragMethods:
    """drag() and release() of Diagram."""

    def drag(self, shape, x, y, *, max_iterations=1000):
        """Pin `shape`'s center to the pointer (x, y) and re-solve from the current state.

        While a shape is dragged the others keep their places softly (a `keep` objective
        towards where they stood when the drag began), so only what must move moves.
        """
        shape = self._reference(shape, "drag", "") if isinstance(shape, str) else shape
        if self._drag is None or self._drag["shape"] is not shape:
            self.release()
            self._begin_drag(shape)
        cx, cy = self.center(shape)
        now = np.array(self.values)
        if self._drag["before"] is not None and (x, y) != self._drag["pointer"] and self.result.converged:
            # the pointer moved on from a solved frame: guess that the others keep moving as
            # they just did (a secant predictor along the path of solutions), then correct
            free = ~np.array(self.pinned)
            now[free] += now[free] - self._drag["before"][free]
        for slot in self._drag["slots"]:
            now[slot] += (x - cx) if self.roles[slot] == "x" else (y - cy)
        self._drag["before"], self._drag["pointer"] = np.array(self.values), (x, y)
        self.values = now.tolist()
        return self.solve(warm=True, max_iterations=max_iterations)

    def _begin_drag(self, shape):
        if np.isnan(self.values).any():
            self.solve()
        slots = sorted({s for name, s in shape.slots.items() if self.roles[s] in ("x", "y")})
        keeps = []
        for other in self.shapes.values():
            moving = [s for n, s in other.slots.items() if self.roles[s] in ("x", "y") and not self.pinned[s]]
            if other is not shape and moving and not set(moving) <= set(slots):
                cx, cy = self.center(other)
                keeps.append(Instance(OBJECTIVES["keep"], (other,), {"x": cx, "y": cy, "weight": KEEP_WEIGHT},
                                      label=f"keep({other.name})", unit=self.canvas.scale))
        self._drag = {"shape": shape, "slots": slots, "was": [self.pinned[s] for s in slots], "keeps": keeps,
                      "before": None, "pointer": None}
        for s in slots:
            self.pinned[s] = True
        self._problem = None

    def release(self, shape=None):
        """Let go of the dragged shape: its fields are the solver's again."""
        if self._drag is None or (shape is not None and self._drag["shape"].name != str(shape)):
            return
        for s, was in zip(self._drag["slots"], self._drag["was"]):
            self.pinned[s] = was
        self._drag, self._problem = None, None
