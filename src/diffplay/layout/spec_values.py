"""A spec's [variables] and [let] tables: free numbers and named computed values (lifted.py).

    [variables]
    gap = { lo = 10, hi = 40 }          # free, kept in range; `value` sets where it starts
    k = 1.5                             # free, starting at 1.5

    [let]
    M = "midpoint(P, Q)"                # a point other entries may name
    half = "length(QR) / 2"             # a number
"""

from ..checks import did_you_mean, is_number
from ..errors import UsageError

VARIABLE_KEYS = ("value", "lo", "hi")


def variables(diagram, table, src):
    for name, spec in table.items():
        where = src.at("variables", name)
        spec = {"value": spec} if is_number(spec) else spec
        if not isinstance(spec, dict):
            raise UsageError(f'variable "{name}" must be a number or a table such as {{ lo = 0, hi = 10 }}', where=where)
        for key, value in spec.items():
            if key not in VARIABLE_KEYS:
                raise UsageError(f'variable "{name}": unknown key "{key}"{did_you_mean(key, VARIABLE_KEYS)}',
                                 where=src.at("variables", name, key))
            if isinstance(value, bool) or not is_number(value):
                raise UsageError(f'variable "{name}": {key} must be a number, got {value!r}',
                                 where=src.at("variables", name, key))
        diagram.variable(name, spec.get("value"), lo=spec.get("lo"), hi=spec.get("hi"), where=where)


def let(diagram, table, src):
    for name, expression in table.items():
        where = src.at("let", name)
        if not isinstance(expression, str) and not is_number(expression):
            raise UsageError(f'let "{name}" must be an expression such as "midpoint(P, Q)", got {expression!r}',
                             where=where)
        diagram.let(name, expression, where=where)
