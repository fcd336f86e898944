"""Layout's expressions and conditions as trees, read by the one parser (diffplay/expressions.py),
which owns the expression grammar; this room adds conditions and the tree form.

    condition  := clause ("or" clause)*;  clause := factor ("and" factor)*
    factor     := "not" factor | "(" condition ")" | NAME "(" names ")" | NAME ("<" | "==" | "!=") NAME

A tree is nested tuples, so it can key a dict: ("num", 2.0), ("name", "A"), ("call", "distance",
(a, b)), ("field", a, "x"), ("neg", a), ("op", "+", a, b); a condition's are ("fact", "IsSubset",
("x", "y")), ("compare", "<", "x", "y"), ("not", c), ("and", c, d), ("or", c, d).
"""

import re
from contextlib import contextmanager

from ..errors import UsageError
from ..expressions import ExpressionError, Parser, tokenize

MAX_LENGTH = 2000   # characters: an expression is a line, not a program
MAX_DEPTH = Parser.max_depth   # nesting: deeper is a mistake, and would exhaust Python's stack


def parse(text, what="expression"):
    """The tree of an expression such as "distance(A, B) / 2"; an ExpressionError names the column of a mistake."""
    return _read(text, what, _Tree.expression)


def parse_condition(text, what="where"):
    """The tree of a condition such as "IsSubset(x, y) and not Disjoint(x, y)"."""
    return _read(text, what, _Tree.condition)


def _read(text, what, form):
    with _named_not_placed():
        parser = _Tree(_bounded(text, what), what)
        return parser.finish(form(parser))


def tokens(text, what):
    """[(kind, text, offset)] of a short text such as a rule's "Set x, Set y"."""
    with _named_not_placed():
        return tokenize(_bounded(text, what), what)


def is_plain(text):
    """Whether text names a shape or a field ("A", "A.r") rather than computing something."""
    return isinstance(text, str) and re.fullmatch(r"[^.\s()+*/,-]+(\.[^.\s()+*/,-]+)?", text) is not None


@contextmanager
def _named_not_placed():
    """Here `what` ("fact") names the text but is no place in a file: a layout caller puts the
    file's line in front (replacing an error's `where`), so the name stays in the message."""
    try:
        yield
    except ExpressionError as error:
        error.where = None
        raise


def _bounded(text, what):
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        raise UsageError(f"{what} must be a string of at most {MAX_LENGTH} characters, got {str(text)[:40]!r}")
    return text


class _Tree(Parser):
    """Builds each form as a tuple, and reads conditions."""

    def number(self, value, offset):
        return ("num", value)

    def name(self, name, offset):
        return ("name", name)

    def call(self, name, args, offset):
        return ("call", name, args)

    def field(self, tree, name, offset):
        return ("field", tree, name)

    def method(self, tree, name, args, offset):
        raise self.error(f"{name!r} is a field; it cannot be called", offset)

    def negate(self, tree, offset):
        return ("neg", tree)

    def binary(self, op, a, b, offset):
        return ("op", op, a, b)

    def condition(self):
        self.enter()
        tree = self.clause()
        while self.peek()[1] == "or":
            self.take()
            tree = ("or", tree, self.clause())
        self.depth -= 1
        return tree

    def clause(self):
        tree = self.factor()
        while self.peek()[1] == "and":
            self.take()
            tree = ("and", tree, self.factor())
        return tree

    def factor(self):
        if self.peek()[1] == "not":
            self.take()
            self.enter()
            tree = ("not", self.factor())
            self.depth -= 1
            return tree
        if self.peek()[1] == "(":
            self.take()
            tree = self.condition()
            self.take(")")
            return tree
        name = self.take_name()
        if self.peek()[1] in ("<", "==", "!="):
            return ("compare", self.take()[1], name, self.take_name())
        return ("fact", name, self.arguments(self.take_name))
