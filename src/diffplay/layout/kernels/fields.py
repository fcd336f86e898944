"""equal, less_than, greater_than, in_range, minimize and maximize: relations of fields,
each linear in them."""

import numpy as np

from ..registry import kernel


@kernel("equal", "field", "field", signs=(1, -1))
def equal_fields(a, b):
    return a.value - b.value, lambda w: (w, w)


@kernel("less_than", "field", "field", signs=(1, -1))
def less_than_fields(a, b, pad):
    return a.value + pad - b.value, lambda w: (w, w)


@kernel("greater_than", "field", "field", signs=(-1, 1))
def greater_than_fields(a, b, pad):
    return b.value + pad - a.value, lambda w: (w, w)


@kernel("in_range", "field")
def in_range_field(a, lo, hi):
    values = np.empty((a.value.size, 2))   # filled in place: np.stack took four times as long
    np.subtract(lo, a.value, out=values[:, 0])
    np.subtract(a.value, hi, out=values[:, 1])
    return values, lambda w: (w.dot(_HIGH_LESS_LOW),)


_HIGH_LESS_LOW = np.array([-1.0, 1.0])   # w[:, 1] − w[:, 0] as one product, not two column views and a subtraction


@kernel("minimize", "field")
def minimize_field(a):
    return a.value, lambda w: (w,)


@kernel("maximize", "field", signs=(-1,))
def maximize_field(a):
    return -a.value, lambda w: (w,)
