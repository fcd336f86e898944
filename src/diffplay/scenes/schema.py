"""A small declarative validator for the JSON that crosses a scene's edge: events and settings.

A schema checks a decoded JSON value and returns it cleaned (ints made floats where a float
is wanted, nothing else changed), or raises `SchemaError` naming the path of the bad field:

    event.points[3].x: expected a number, got "a"

The same schema parses a `--set key=value` string from the command line, and describes itself
as plain JSON so the studio can build its controls from it. Nothing here ever evaluates text.
"""

import math

from ..checks import did_you_mean, interval, is_number
from ..checks import shown as _show
from ..errors import UsageError
from ..parsing import parse_integer, parse_number


class SchemaError(UsageError):
    """A value that does not fit its schema; the message starts with the field's path."""


class Schema:
    """The interface: check a JSON value, parse a command-line string, describe for the studio."""

    def check(self, value, path):
        raise NotImplementedError

    def parse(self, text, path):
        return self.check(text, path)

    def describe(self):
        raise NotImplementedError


class Number(Schema):
    """A finite number in [lo, hi]; `integer=True` also refuses fractions."""

    def __init__(self, lo=None, hi=None, integer=False):
        self.lo, self.hi, self.integer = lo, hi, integer

    def check(self, value, path):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SchemaError(f"{path}: expected {'an integer' if self.integer else 'a number'}, got {_show(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise SchemaError(f"{path}: expected a finite number, got {value!r}")
        if (self.lo is not None and value < self.lo) or (self.hi is not None and value > self.hi):
            raise SchemaError(f"{path}: must be in {interval(self.lo, self.hi)}, got {_show(value)}")
        if not is_number(value):
            raise SchemaError(f"{path}: expected a number a float can hold, got {_show(value)}")
        if self.integer and value != int(value):
            raise SchemaError(f"{path}: expected an integer, got {_show(value)}")
        return int(value) if self.integer else float(value)

    def parse(self, text, path):
        """A command-line value, read by the parsing layer (so a 400-digit one is refused as such)."""
        try:
            value = parse_integer(text, path) if self.integer else parse_number(text, path)
        except UsageError as error:
            raise SchemaError(str(error)) from None
        return self.check(value, path)

    def describe(self):
        return {"type": "integer" if self.integer else "number", "min": self.lo, "max": self.hi}


class Boolean(Schema):
    WORDS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}

    def check(self, value, path):
        if not isinstance(value, bool):
            raise SchemaError(f"{path}: expected true or false, got {_show(value)}")
        return value

    def parse(self, text, path):
        if text.lower() not in self.WORDS:
            raise SchemaError(f"{path}: expected true or false, got {_show(text)}")
        return self.WORDS[text.lower()]

    def describe(self):
        return {"type": "boolean"}


class Text(Schema):
    """A string of at most `max_length` characters."""

    def __init__(self, max_length=200, min_length=0):
        self.max_length, self.min_length = max_length, min_length

    def check(self, value, path):
        if not isinstance(value, str):
            raise SchemaError(f"{path}: expected a string, got {_show(value)}")
        if len(value) > self.max_length:
            raise SchemaError(f"{path}: at most {self.max_length} characters, got {len(value)}")
        if len(value) < self.min_length:
            raise SchemaError(f"{path}: at least {self.min_length} characters, got {len(value)}")
        return value

    def describe(self):
        return {"type": "string", "max_length": self.max_length}


class Choice(Schema):
    """One of a fixed list of strings."""

    def __init__(self, *options):
        self.options = options

    def check(self, value, path):
        if value not in self.options:
            raise SchemaError(
                f"{path}: expected one of {', '.join(self.options)}; got {_show(value)}{did_you_mean(value, self.options)}"
            )
        return value

    def describe(self):
        return {"type": "choice", "options": list(self.options)}


class ListOf(Schema):
    """A list of `item`s, between min_length and max_length long, or when `lengths` is given of
    one of those lengths only (a point or none: (0, 2)); `a,b,c` on the command line."""

    def __init__(self, item, max_length, min_length=0, lengths=None):
        self.item, self.max_length, self.min_length, self.lengths = item, max_length, min_length, lengths

    def check(self, value, path):
        if not isinstance(value, (list, tuple)):
            raise SchemaError(f"{path}: expected a list, got {_show(value)}")
        self._check_length(len(value), path, "items")
        return [self.item.check(x, f"{path}[{i}]") for i, x in enumerate(value)]

    def parse(self, text, path):
        parts = [p.strip() for p in text.split(",")] if text.strip() else []
        self._check_length(len(parts), path, "comma-separated items")
        return [self.item.parse(p, f"{path}[{i}]") for i, p in enumerate(parts)]

    def _check_length(self, n, path, what):
        if not (n in self.lengths if self.lengths else self.min_length <= n <= self.max_length):
            allowed = " or ".join(map(str, self.lengths)) if self.lengths else f"{self.min_length} to {self.max_length}"
            raise SchemaError(f"{path}: expected {allowed} {what}, got {n}")

    def describe(self):
        return {"type": "list", "item": self.item.describe(), "min_length": self.min_length,
                "max_length": self.max_length, "lengths": None if self.lengths is None else list(self.lengths)}


class Record(Schema):
    """An object with named fields; `optional` fields may be missing, unknown fields are refused."""

    def __init__(self, fields, optional=()):
        self.fields, self.optional = dict(fields), set(optional)

    def check(self, value, path):
        if not isinstance(value, dict):
            raise SchemaError(f"{path}: expected an object, got {_show(value)}")
        for key in value:
            if key not in self.fields:
                raise SchemaError(f"{path}.{key}: unknown field{did_you_mean(key, self.fields)}")
        clean = {}
        for key, schema in self.fields.items():
            if key in value:
                clean[key] = schema.check(value[key], f"{path}.{key}")
            elif key not in self.optional:
                raise SchemaError(f"{path}.{key}: missing")
        return clean

    def describe(self):
        return {
            "type": "object",
            "fields": {k: s.describe() for k, s in self.fields.items()},
            "optional": sorted(self.optional),
        }


class Tagged(Schema):
    """An object whose `tag` field picks which Record checks the rest (events: tag "type")."""

    def __init__(self, variants, tag="type"):
        self.variants, self.tag = dict(variants), tag

    def check(self, value, path):
        if not isinstance(value, dict):
            raise SchemaError(f"{path}: expected an object, got {_show(value)}")
        if self.tag not in value:
            raise SchemaError(f"{path}.{self.tag}: missing (one of {', '.join(self.variants)})")
        kind = value[self.tag]
        if not isinstance(kind, str) or kind not in self.variants:
            raise SchemaError(
                f"{path}.{self.tag}: unknown {_show(kind)}; expected one of {', '.join(self.variants)}"
                f"{did_you_mean(kind, self.variants)}"
            )
        rest = {k: v for k, v in value.items() if k != self.tag}
        return {self.tag: kind, **self.variants[kind].check(rest, path)}

    def describe(self):
        return {"type": "tagged", "tag": self.tag, "variants": {k: r.describe() for k, r in self.variants.items()}}


class Maybe(Schema):
    """null, or a value of `schema` (an accuracy with no points to measure it on)."""

    def __init__(self, schema):
        self.schema = schema

    def check(self, value, path):
        return None if value is None else self.schema.check(value, path)

    def describe(self):
        return {**self.schema.describe(), "nullable": True}


class Object(Schema):
    """Any JSON object, its fields left to another schema (an event in its envelope: the scene
    checks the rest)."""

    def check(self, value, path):
        if not isinstance(value, dict):
            raise SchemaError(f"{path}: expected an object, got {_show(value)}")
        return value

    def describe(self):
        return {"type": "object", "fields": {}, "optional": []}


class Anything(Schema):
    """Any JSON value (used only to describe frames whose parts another schema checks)."""

    def check(self, value, path):
        return value

    def describe(self):
        return {"type": "any"}
