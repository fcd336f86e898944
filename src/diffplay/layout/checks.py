"""Small checks shared by the Python API and the spec parser."""

import difflib

import numpy as np


def is_number(x):
    """A finite real number (and not a bool)."""
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool) and bool(np.isfinite(x))


def suggest(name, known):
    """' (did you mean "x"?)' for the closest known name, or ''."""
    close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""
