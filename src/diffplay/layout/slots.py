"""The state vector: one slot per field, in canvas units.

A slot holds the field's value (NaN until it is placed), the value a solve starts from, whether
it is pinned, and its role, which says how it starts and scales: "x" and "y" (coordinates),
"size", "angle", or "const" (a number a relation compares with). A shape only remembers the
indices of its slots (shapes.py); the solver sees the values divided by `scales`.
"""

import numpy as np


class Slots:
    """Every slot's value, start, pin and role, kept in step by `add`."""

    def __init__(self):
        self.values, self.starts, self.pinned, self.roles = [], [], [], []

    def add(self, value, pinned, role):
        """A new slot holding `value` (None: not yet placed); its index."""
        self.values.append(np.nan if value is None else float(value))
        self.starts.append(self.values[-1])
        self.pinned.append(bool(pinned))
        self.roles.append(role)
        return len(self.values) - 1

    def __len__(self):
        return len(self.values)

    def free(self):
        """Whether each slot is the solver's to move, as a NumPy mask."""
        return ~np.array(self.pinned, bool)

    def unit(self, slot, scale):
        """Canvas units per solver unit of a slot: 1 for an angle, the canvas scale for the rest."""
        return 1.0 if self.roles[slot] == "angle" else scale

    def scales(self, scale):
        """Every slot's unit, as a NumPy array."""
        return np.array([self.unit(slot, scale) for slot in range(len(self))])
