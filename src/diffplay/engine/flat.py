"""`Flat`: arrays of fixed shapes seen end to end as one vector, and the two ways across.

The one flat view in the engine: a run of small Tensors that SGD or Adam steps as one array
(slots.TensorGroup), the vector L-BFGS searches over (lbfgs.LBFGS), and an optimizer's state
cut back into one piece per parameter (optim_state.py) all go through it.
"""

import math

import numpy as np


class Flat:
    """Where each of several arrays lies in one vector: array i fills spans[i] = (start, end)."""

    def __init__(self, shapes):
        self.shapes = [tuple(shape) for shape in shapes]
        ends = np.cumsum([math.prod(shape) for shape in self.shapes]).tolist()
        self.spans = list(zip([0, *ends[:-1]], ends))
        self.size = ends[-1] if ends else 0

    def join(self, arrays):
        """The arrays end to end as one new vector; a None stands for zeros of its shape (a
        gradient that was never computed)."""
        if any(a is None for a in arrays):
            arrays = [np.zeros(shape) if a is None else a for a, shape in zip(arrays, self.shapes, strict=True)]
        return np.concatenate([a.ravel() for a in arrays])   # the method: np.ravel(a) takes twice as long

    def split(self, vector):
        """join's inverse: for each array, a view of vector in that array's shape."""
        return [vector[start:end].reshape(shape) for (start, end), shape in zip(self.spans, self.shapes)]


def all_finite(vector):
    """Every entry is finite: the sum of squares is (an inf or a nan anywhere shows in it; one BLAS
    dot, a quarter of a sum's instructions), or else each entry is looked at (finite numbers'
    squares may add up past the largest float)."""
    return math.isfinite(np.vdot(vector, vector)) or bool(np.isfinite(vector).all())
