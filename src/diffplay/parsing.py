"""Text from outside to values, bounded before anything is built from it: the one parsing layer.

Every flag, `--set` value, checkpoint, layout spec and studio message is text someone else
wrote, so each is read here first, and each reader bounds what it hands on:

- a number's text is at most MAX_NUMBER_CHARS characters, so `int()` and `float()` never
  chew on (or refuse with Python's own words) a 5,000-digit literal;
- an integer has at most MAX_INTEGER_DIGITS digits, so it fits NumPy's int64, a float and
  a JavaScript number's exact range alike;
- a document (JSON, TOML) nests at most MAX_DEPTH deep, so no later walk over it recurses
  past Python's limit.

Anything else is a UsageError saying what and where (`--seed: must be an integer in [0, 2147483647],
got -1`; `model.json: step: an integer of 5,000 digits; at most 18 are read`). Ranges and
meanings stay with the callers (checks.py, the scenes' schemas): this layer only makes sure
that what reaches them is of a size they can think about.
"""

import argparse
import json
import tomllib

from .checks import check_integer, check_number, digits, shown
from .errors import UsageError

MAX_INTEGER_DIGITS = 18   # |n| < 10**18 < 2**63
MAX_NUMBER_CHARS = 100    # repr() of any float needs 24
MAX_DEPTH = 32            # a checkpoint nests 5 deep, a studio message 5, a layout spec 4


# ---- one value from a flag or a `--set key=value` ----

def parse_integer(text, where, lo=None, hi=None):
    """The integer a text spells (in [lo, hi] when given), or a UsageError at `where`."""
    digits = text.strip().lstrip("+-")
    if len(digits) > MAX_INTEGER_DIGITS and digits.isdigit():
        raise UsageError(f"an integer of {len(digits):,} digits; at most {MAX_INTEGER_DIGITS} are read", where=where)
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"expected an integer, got {shown(text)}", where=where) from None
    return check_integer(value, where, lo, hi)


def parse_number(text, where, lo=None, hi=None):
    """The finite number a text spells (in [lo, hi] when given), or a UsageError at `where`."""
    if len(text) > MAX_NUMBER_CHARS:
        raise UsageError(f"a number of {len(text):,} characters; at most {MAX_NUMBER_CHARS} are read", where=where)
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"expected a number, got {shown(text)}", where=where) from None
    return check_number(value, where, low=lo, high=hi)


def argument(parse, **bounds):
    """An argparse `type=` that reads a flag with `parse` (parse_integer, parse_number), so a
    bad flag gets argparse's usage line and exit status 2: `argument --seed: must be ...`."""
    def read(text):
        try:
            return parse(text, None, **bounds)
        except UsageError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    read.__name__ = "an integer" if parse is parse_integer else "a number"   # argparse names the type by it
    return read


# ---- whole documents ----

def load_json(text, where):
    """The value of a JSON document, bounded (NaN and Infinity, which Python writes, are left to
    the checks after, which name the field)."""
    return _loaded("JSON", lambda: json.loads(text, parse_int=_bounded_int), where)


def load_toml(text, where):
    """The table of a TOML document, bounded (TOML's inf and nan are left to the checks after)."""
    return _loaded("TOML", lambda: tomllib.loads(text, parse_float=_bounded_float), where)


def _loaded(kind, parse, where):
    """parse()'s value, bounded; the parser's own complaints as UsageErrors at `where`."""
    try:
        value = parse()
    except RecursionError:
        raise UsageError(f"not {kind} we read: nested more than {MAX_DEPTH} deep", where=where) from None
    except json.JSONDecodeError as error:
        raise UsageError(f"not JSON: {error.msg} at line {error.lineno} column {error.colno}", where=where) from None
    except tomllib.TOMLDecodeError as error:   # "Invalid statement (at line 3, column 1)", "… (at end of document)"
        message, _, at = str(error).partition(" (at line ")
        raise UsageError(f"not valid TOML: {message}", where=f"{where}:{at.split(',')[0]}" if at else where) from None
    except _TooLong as error:
        raise UsageError(f"not {kind} we read: {error}", where=where) from None
    except ValueError:   # int() past Python's own 4,300 digits, inside the parser
        raise UsageError(f"not {kind} we read: an integer of more than {MAX_INTEGER_DIGITS} digits",
                         where=where) from None
    return bounded(value, where)


def bounded(value, where):
    """`value` itself, once it is known to nest at most MAX_DEPTH deep and to hold no integer
    of more than MAX_INTEGER_DIGITS digits; else a UsageError naming the place (`step`,
    `weights.wte[3]`). Iterative, so a deep document cannot make it recurse."""
    stack = [(value, "", 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, (_LongInteger, int)) and not isinstance(item, bool) and _too_long(item):
            raise UsageError(f"an integer of {_digits(item):,} digits; at most {MAX_INTEGER_DIGITS} are read",
                             where=f"{where}: {path or 'the document'}")
        if isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                raise UsageError(f"nested more than {MAX_DEPTH} deep", where=where)
            children = item.items() if isinstance(item, dict) else enumerate(item)
            stack.extend((child, _join(path, key), depth + 1) for key, child in children
                         if isinstance(child, (dict, list, int, _LongInteger)))
    return value


class _LongInteger:
    """An integer literal too long to convert, kept as its digit count until bounded() names where it stood."""

    def __init__(self, digits):
        self.digits = digits


class _TooLong(ValueError):
    pass


def _bounded_int(text):
    digits = len(text.lstrip("-"))
    return _LongInteger(digits) if digits > MAX_INTEGER_DIGITS else int(text)


def _bounded_float(text):
    if len(text) > MAX_NUMBER_CHARS:
        raise _TooLong(f"a number of {len(text):,} characters; at most {MAX_NUMBER_CHARS} are read")
    return float(text)


def _too_long(n):
    return isinstance(n, _LongInteger) or abs(n) >= 10**MAX_INTEGER_DIGITS


def _digits(n):
    return n.digits if isinstance(n, _LongInteger) else digits(n)


def _join(path, key):
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else str(key)
