"""Rules (Penrose's Style): for every binding of typed variables to objects where a condition
holds, make shapes and relations. One compiler, two front-ends for a rule's body:

    [[rules]]                                   # TOML (spec_rules.py): tables, "{x}" filled in
    for = "Set x, Set y"
    where = "IsSubset(x, y)"
    constraints = [{ contains = ["{y}", "{x}"], pad = 10 }]

    d.rule("Set x, Set y", "IsSubset(x, y)",    # Python: a function of the objects' names
           then=lambda x, y: d.contains(y, x, pad=10))

A quantifier lists variables with their types ("Set x, y" gives y the type before it);
variables take distinct objects, every ordering of them, in declaration order. A condition
combines facts (IsSubset(x, y)), comparisons (x < y: x declared first, which lists each pair
once; x != y, x == y) with and, or, not and parentheses.
"""

import itertools
import re

from ..checks import did_you_mean
from ..errors import UsageError
from .expressions import parse_condition, tokens
from .substance import Substance

TEMPLATE = re.compile(r"\{(\w+)(?:\.(\w+))?\}")


class Rule:
    """A rule's head, compiled: its variables with their types, and its condition."""

    def __init__(self, quantifier, condition, substance, what):
        self.text, self.what = quantifier, what
        self.variables = _quantifier(quantifier, what)
        for name, type in self.variables:
            if type not in substance.types:
                raise UsageError(f'{what}: no object has the type "{type}"{did_you_mean(type, substance.types)}'
                                 f' (types: {", ".join(substance.types) or "none declared"})')
        self.condition = None
        self.where(condition, substance)

    def where(self, condition, substance):
        """Apply the rule only where `condition` (text, or None: everywhere) holds."""
        self.condition = parse_condition(condition, f"{self.what}: where") if condition else None
        if self.condition is not None:
            _check(self.condition, dict(self.variables), substance, self.what)

    def bindings(self, substance):
        """Every {variable: object name} the rule applies to, in declaration order."""
        names = [name for name, _ in self.variables]
        for objects in itertools.product(*(substance.of_type(type) for _, type in self.variables)):
            if len(set(objects)) == len(objects):
                binding = dict(zip(names, objects))
                if self.condition is None or _holds(self.condition, binding, substance):
                    yield binding

    def describe(self, binding):
        """How an error names the rule and the objects it was applied to."""
        return f'rule "for {self.text}" with {", ".join(f"{k} = {v}" for k, v in binding.items())}'


def fill(data, binding, substance, what):
    """data (tables, lists, strings, numbers) with every "{x}" replaced by x's object and
    "{x.attr}" by its attribute; a string that is only "{x.attr}" takes the attribute's value
    as it is (a number stays a number)."""
    if isinstance(data, dict):
        return {fill(k, binding, substance, what): fill(v, binding, substance, what) for k, v in data.items()}
    if isinstance(data, list):
        return [fill(v, binding, substance, what) for v in data]
    if not isinstance(data, str):
        return data
    whole = TEMPLATE.fullmatch(data)
    if whole and whole.group(2):
        return _lookup(whole, binding, substance, what)
    return TEMPLATE.sub(lambda m: str(_lookup(m, binding, substance, what)), data)


def _lookup(match, binding, substance, what):
    name, attr = match.groups()
    if name not in binding:
        raise UsageError(f'{what}: "{match.group(0)}" names no variable of the rule '
                         f'(its variables: {", ".join(binding)})')
    obj = binding[name]
    if attr is None:
        return obj
    attrs = substance.objects[obj].attrs
    if attr not in attrs:
        raise UsageError(f'{what}: object {obj} has no attribute "{attr}"{did_you_mean(attr, attrs)} '
                         f'(its attributes: {", ".join(attrs)})')
    return attrs[attr]


def _quantifier(text, what):
    """[(variable, type)] of "Set x, Set y" or "Set x, y"."""
    items, variables, type = tokens(text, f"{what}: for"), [], None
    words = [t for kind, t, _ in items if kind == "name" or t == ","]
    for part in " ".join(words).split(","):
        part = part.split()
        if len(part) == 2:
            type = part[0]
        if len(part) not in (1, 2) or type is None or len(items) != len(words):
            raise UsageError(f'{what}: for must list typed variables such as "Set x, Set y", got "{text}"')
        if part[-1] in dict(variables):
            raise UsageError(f'{what}: the variable "{part[-1]}" is bound twice in "{text}"')
        variables.append((part[-1], type))
    return variables


def _check(tree, variables, substance, what):
    """Every variable of a condition is the rule's, and every predicate is one some fact states."""
    tag = tree[0]
    if tag in ("not",):
        return _check(tree[1], variables, substance, what)
    if tag in ("and", "or"):
        return [_check(t, variables, substance, what) for t in tree[1:]]
    names = tree[2:] if tag == "compare" else tree[2]
    for name in names:
        if name not in variables and name not in substance.objects:
            raise UsageError(f'{what}: where names "{name}", which is neither a variable of the rule '
                             f'({", ".join(variables)}) nor an object')
    if tag == "fact" and tree[1] not in substance.facts:
        raise UsageError(f'{what}: where names the predicate "{tree[1]}", which no fact states'
                         f'{did_you_mean(tree[1], substance.facts)} (facts: {", ".join(substance.facts) or "none"})')


def _holds(tree, binding, substance):
    tag = tree[0]
    if tag == "not":
        return not _holds(tree[1], binding, substance)
    if tag == "and":
        return _holds(tree[1], binding, substance) and _holds(tree[2], binding, substance)
    if tag == "or":
        return _holds(tree[1], binding, substance) or _holds(tree[2], binding, substance)
    if tag == "fact":
        return substance.holds(tree[1], [binding.get(a, a) for a in tree[2]])
    op, a, b = tree[1], binding.get(tree[2], tree[2]), binding.get(tree[3], tree[3])
    if op == "<":
        return substance.objects[a].order < substance.objects[b].order
    return (a == b) == (op == "==")


class RuleMethods:
    """Objects, facts and rules of Diagram (the Python front-end)."""

    def objects(self, type, *names, where="", **attrs):
        """Declare objects of a type; `attrs` maps a name to its attributes ({"label": "…"})."""
        for name in names:
            self.substance.declare(type, name, attrs.get(name), where)

    def fact(self, predicate, *names, where=""):
        """State that predicate(names…) holds."""
        self.substance.fact(predicate, names, where)

    def rule(self, quantifier, condition=None, *, then, where=""):
        """Call then(*names) for every binding of the quantifier's variables where the condition
        holds; returns how many bindings there were. Errors name the rule and its objects."""
        rule = Rule(quantifier, condition, self.substance, f'rule "for {quantifier}"')
        count = 0
        for binding in rule.bindings(self.substance):
            try:
                then(*binding.values())
            except UsageError as e:
                raise UsageError(f"{rule.describe(binding)}: {message_of(e)}", where=e.where or where) from None
            count += 1
        return count


def message_of(error):
    """A UsageError's message without the place it names."""
    text = str(error)
    return text[len(error.where) + 2:] if error.where and text.startswith(f"{error.where}: ") else text


__all__ = ["Rule", "RuleMethods", "Substance", "fill", "message_of"]
