"""The one vocabulary for checking what a user gave (flags, spec fields, checkpoint fields,
settings): predicates (`is_number`, `is_integer`), the checks that raise a UsageError saying what
was expected, what came, and where (`--steps: must be a positive integer, got 0`), and the
"did you mean" that follows an unknown name. Every layer uses these, the engine included."""

import difflib
import json
import math
import numbers

from .errors import UsageError


MAX_SEED = 2**31 - 1   # a seed every random generator takes alike (NumPy's refuses negatives)


def flag(name):
    """The command-line flag of a setting: n_embd -> --n-embd."""
    return "--" + name.replace("_", "-")


def is_integer(x):
    """An int (NumPy's integers too), not a bool."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def is_number(x):
    """A finite real number: an int or a float (NumPy's too), not a bool, not NaN or ±inf,
    and not an int too large for a float (10**400: every use would overflow)."""
    if not isinstance(x, numbers.Real) or isinstance(x, bool):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def shown(value, limit=40):
    """A short rendering of a bad value for an error message; never fails, never floods a
    terminal (a 5,000-digit integer is "an integer of 5,000 digits")."""
    if is_integer(value) and abs(value) >= 10**24:
        return f"an integer of {digits(value):,} digits"
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def digits(n):
    """How many decimal digits an integer has (past Python's 4,300-digit str(), from its logarithm)."""
    try:
        return len(str(abs(int(n))))
    except ValueError:
        return math.floor(math.log10(abs(n))) + 1


def did_you_mean(word, options):
    """' (did you mean "x"?)' for the closest of options, or ''."""
    close = difflib.get_close_matches(str(word), [str(o) for o in options], n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def check_integer(value, where, low=None, high=None):
    """value, which must be an integer, at least `low` and at most `high` when given."""
    if not (is_integer(value) and (low is None or value >= low) and (high is None or value <= high)):
        if high is not None:
            kind = f"an integer in {interval(low, high)}"
        else:
            kind = {None: "an integer", 1: "a positive integer"}.get(low, f"an integer >= {low}")
        raise UsageError(f"must be {kind}, got {_repr(value)}", where=where)
    return value


def check_number(value, where, above=None, low=None, high=None):
    """value, which must be a finite number: more than `above`, at least `low` and at most `high`
    when given."""
    if not (is_number(value) and (above is None or value > above) and (low is None or value >= low)
            and (high is None or value <= high)):
        if low is not None or high is not None:
            kind = f"a number in {interval(low, high)}"
        else:
            kind = "a finite number" if above is None else f"a number > {above}"
        raise UsageError(f"must be {kind}, got {_repr(value)}", where=where)
    return value


def interval(low, high):
    """[low, high] as an error message writes it, an open end as -inf or inf."""
    return f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"


def _repr(value):
    """repr() of a value a message quotes, cut short; shown() where repr would fail or flood."""
    if is_integer(value) and abs(value) >= 10**24:
        return shown(value)
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        return shown(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_choice(value, choices, where):
    """value, which must be one of choices."""
    if value not in choices:
        raise UsageError(f"unknown choice {value!r} (choose from {', '.join(map(str, choices))})", where=where)
    return value
