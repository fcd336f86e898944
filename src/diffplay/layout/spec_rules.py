"""A spec's content and style (the TOML front-end of rules.py), and shape fields given as
expressions.

    [objects]
    Set = ["A", "B", "C"]                    # or { A = "label", B = { label = "B", size = 20 } }

    facts = ["IsSubset(B, A)", "IsSubset(C, A)"]

    [[rules]]
    for = "Set x"
    shapes = { "{x}" = { kind = "circle" }, "L{x}" = { kind = "text", text = "{x.label}" } }
    constraints = [{ contains = ["{x}", "L{x}"], pad = 4 }]

Each rule's body is filled in per binding and read as the flat form is (the same functions
read its shapes and relations), so a mistake in it names the line in the rule, the rule and
the objects it was applied to.
"""

from contextlib import contextmanager

from ..errors import UsageError
from ..checks import did_you_mean
from .expressions import parse_condition
from .rules import Rule, fill, message_of

RULE_KEYS = ("for", "where", "shapes", "constraints", "objectives")


def rule_shapes(diagram, data, src, shape, pending):
    """Declare the objects and facts, then make each rule's shapes for each of its bindings
    (`shape` reads one shape of the flat form); returns what the rules' relations need."""
    _objects(diagram, data.get("objects", {}), src)
    _facts(diagram, data.get("facts", []), src)
    rules = data.get("rules", [])
    if not isinstance(rules, list):
        raise UsageError("rules must be a list of [[rules]] tables", where=src.at("rules"))
    applied = [(head, binding, filled, rsrc) for r, rule in enumerate(rules)
               for head, binding, filled, rsrc in _bindings(diagram, r, rule, src)]
    for head, binding, filled, rsrc in applied:
        shapes = filled.get("shapes", {})
        with _naming(head, binding, rsrc):
            if not isinstance(shapes, dict):
                raise UsageError("a rule's shapes must be a table of name = { kind = … }", where=rsrc.at("shapes"))
            for name, spec in shapes.items():
                shape(diagram, name, split_expressions(name, spec, rsrc, pending, ("shapes", name)), rsrc)
    return applied


def rule_relations(diagram, applied, relations):
    """Each rule's constraints and objectives, for each of its bindings (once every shape exists)."""
    for head, binding, filled, rsrc in applied:
        with _naming(head, binding, rsrc):
            relations(diagram, filled, rsrc)


def split_expressions(name, spec, src, pending, path):
    """A shape's table without its expression fields (a string where a number goes, or `at`),
    which go to `pending` as (target, expression, where) to be defined once every shape exists."""
    if not isinstance(spec, dict):
        return spec
    plain = {}
    for key, value in spec.items():
        if key == "at" or (isinstance(value, str) and key in ("x", "y", "r", "rx", "ry", "w", "h", "angle")):
            pending.append((name if key == "at" else f"{name}.{key}", value, src.at(*path, key),
                            ".".join(map(str, (*path, key)))))   # left out of the table: free
        else:
            plain[key] = value
    return plain


def define_fields(diagram, pending):
    """Hold each pending field (or center, for `at`) to its expression."""
    for target, expression, where, path in pending:
        wanted = "a point such as \"midpoint(P, Q)\"" if path.endswith(".at") else "a number or an expression"
        try:
            if not isinstance(expression, str):
                raise UsageError(f"not an expression: {expression!r}")
            diagram.define(target, expression, where=where)
        except UsageError as e:
            raise UsageError(f"{path} must be {wanted}, got {expression!r} ({message_of(e)})", where=where) from None
    pending.clear()


def _objects(diagram, table, src):
    if not isinstance(table, dict):
        raise UsageError('objects must be a table of types, e.g. Set = ["A", "B"]', where=src.at("objects"))
    for type, names in table.items():
        if isinstance(names, list):
            names = [(name, {}) for name in names]   # a list, not a table: a name given twice is an error
        elif isinstance(names, dict):
            names = list(names.items())
        else:
            raise UsageError(f'objects.{type} must list names, or map each name to its label or attributes',
                             where=src.at("objects", type))
        for name, attrs in names:
            attrs = {"label": attrs} if isinstance(attrs, str) else attrs
            if not isinstance(attrs, dict):
                raise UsageError(f"object {name}: give a label (a string) or a table of attributes, got {attrs!r}",
                                 where=src.at("objects", type, name))
            diagram.substance.declare(type, name, attrs, src.at("objects", type, name))


def _facts(diagram, facts, src):
    if not isinstance(facts, list):
        raise UsageError('facts must be a list such as ["IsSubset(B, A)"]', where=src.at("facts"))
    for i, text in enumerate(facts):
        where = src.at("facts", i)
        try:
            tree = parse_condition(text, "fact")
        except UsageError as e:
            raise UsageError(message_of(e), where=where) from None
        if tree[0] != "fact":
            raise UsageError(f'a fact is a predicate of objects such as "IsSubset(B, A)", got "{text}"', where=where)
        diagram.substance.fact(tree[1], tree[2], where)


def _bindings(diagram, r, rule, src):
    """(rule head, binding, filled-in body, its source) for each binding of rule r."""
    where = src.at("rules", r)
    if not isinstance(rule, dict) or "for" not in rule:
        raise UsageError('a rule needs for = "Type x, …" naming what it is for', where=where)
    for key in rule:
        if key not in RULE_KEYS:
            raise UsageError(f'rule: unknown key "{key}"{did_you_mean(key, RULE_KEYS)} (a rule has: '
                             f'{", ".join(RULE_KEYS)})', where=src.at("rules", r, key))
    what = f'rule "for {rule["for"]}"'
    with _at(src.at("rules", r, "for")):
        head = Rule(rule["for"], None, diagram.substance, what)
    with _at(src.at("rules", r, "where")):
        head.where(rule.get("where"), diagram.substance)
    body = {k: rule[k] for k in ("shapes", "constraints", "objectives") if k in rule}
    for binding in head.bindings(diagram.substance):
        filled = {}
        for key, value in body.items():
            with _naming(head, binding, _RuleSource(src, r, body, {}), key):
                filled[key] = fill(value, binding, diagram.substance, what)
        yield head, binding, filled, _RuleSource(src, r, body, filled)


@contextmanager
def _at(where):
    """Errors inside name `where`."""
    try:
        yield
    except UsageError as e:
        raise UsageError(message_of(e), where=where) from None


@contextmanager
def _naming(head, binding, rsrc, *path):
    """Errors inside name the rule and the objects it was applied to (and the line of `path`)."""
    try:
        yield
    except UsageError as e:
        raise UsageError(f"{head.describe(binding)}: {message_of(e)}", where=e.where or rsrc.at(*path)) from None


class _RuleSource:
    """Lines inside rule r: a filled-in shape name is found by the template it came from."""

    def __init__(self, src, r, body, filled):
        self.src, self.r = src, r
        self.templates = dict(zip(filled.get("shapes", {}), body.get("shapes", {})))

    def at(self, *path):
        if len(path) > 1 and path[0] == "shapes":
            path = (path[0], self.templates.get(path[1], path[1]), *path[2:])
        return self.src.at("rules", self.r, *path)
