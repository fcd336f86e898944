"""The one vocabulary for checking what a user gave (flags, spec fields, checkpoint fields,
settings): predicates (`is_number`, `is_integer`), the checks that raise a UsageError saying what
was expected, what came, and where (`--steps: must be a positive integer, got 0`), and the
"did you mean" that follows an unknown name. Every layer uses these, the engine included."""

import difflib
import math
import numbers

from .errors import UsageError


def flag(name):
    """The command-line flag of a setting: n_embd -> --n-embd."""
    return "--" + name.replace("_", "-")


def is_integer(x):
    """An int (NumPy's integers too), not a bool."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def is_number(x):
    """A finite real number: an int or a float (NumPy's too), not a bool, not NaN or ±inf."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(x)


def did_you_mean(word, options):
    """' (did you mean "x"?)' for the closest of options, or ''."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def check_integer(value, where, low=None):
    """value, which must be an integer, at least `low` when given."""
    if not (is_integer(value) and (low is None or value >= low)):
        kind = {None: "an integer", 1: "a positive integer"}.get(low, f"an integer >= {low}")
        raise UsageError(f"must be {kind}, got {value!r}", where=where)
    return value


def check_number(value, where, above=None):
    """value, which must be a finite number, more than `above` when given."""
    if not (is_number(value) and (above is None or value > above)):
        kind = "a finite number" if above is None else f"a number > {above}"
        raise UsageError(f"must be {kind}, got {value!r}", where=where)
    return value


def check_choice(value, choices, where):
    """value, which must be one of choices."""
    if value not in choices:
        raise UsageError(f"unknown choice {value!r} (choose from {', '.join(map(str, choices))})", where=where)
    return value
