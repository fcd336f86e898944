"""The text of expressions and conditions, parsed by a small recursive-descent parser of our own
(user text is never handed to eval).

    expression := sum
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | atom ("." NAME)*
    atom       := NUMBER | NAME | NAME "(" [expression ("," expression)*] ")" | "(" expression ")"

    condition  := clause ("or" clause)*;  clause := factor ("and" factor)*
    factor     := "not" factor | "(" condition ")" | NAME "(" names ")" | NAME ("<" | "==" | "!=") NAME

A tree is nested tuples, so it can key a dict: ("num", 2.0), ("name", "A"), ("call", "distance",
(a, b)), ("field", a, "x"), ("neg", a), ("op", "+", a, b); a condition's are ("fact", "IsSubset",
("x", "y")), ("compare", "<", "x", "y"), ("not", c), ("and", c, d), ("or", c, d).
"""

import re

from ..errors import UsageError

TOKEN = re.compile(r"\s*(?:(?P<number>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
                   r"|(?P<name>[^\W\d]\w*)|(?P<symbol>==|!=|[-+*/(),.<]))")
MAX_LENGTH = 2000   # characters: an expression is a line, not a program
MAX_DEPTH = 50      # nesting: deeper is a mistake, and would exhaust Python's stack


def tokens(text, what):
    """[(kind, text, column)] of an expression or condition; a UsageError at the first stray character."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        raise UsageError(f"{what} must be a string of at most {MAX_LENGTH} characters, got {str(text)[:40]!r}")
    out, i = [], 0
    while text[i:].strip():
        m = TOKEN.match(text, i)
        if m is None:
            raise UsageError(f'{what}: unexpected "{text[i:].lstrip()[0]}" at column {len(text) - len(text[i:].lstrip()) + 1} of "{text}"')
        kind = m.lastgroup
        out.append((kind, m.group(kind), m.start(kind) + 1))
        i = m.end()
    return out


class _Parser:
    def __init__(self, text, what):
        self.text, self.what, self.items, self.i, self.depth = text, what, tokens(text, what), 0, 0

    def fail(self, message):
        column = self.items[self.i][2] if self.i < len(self.items) else len(self.text) + 1
        raise UsageError(f'{self.what}: {message} at column {column} of "{self.text}"')

    def peek(self, value=None):
        if self.i >= len(self.items):
            return None
        text = self.items[self.i][1]
        return text if value is None or text == value else None

    def take(self, value=None, kind=None):
        if self.i >= len(self.items) or (value and self.items[self.i][1] != value) or \
                (kind and self.items[self.i][0] != kind):
            wanted = f'"{value}"' if value else {"name": "a name", "number": "a number"}.get(kind, "more")
            found = f'"{self.items[self.i][1]}"' if self.i < len(self.items) else "the end"
            self.fail(f"expected {wanted}, found {found}")
        self.i += 1
        return self.items[self.i - 1][1]

    def done(self, tree):
        if self.i < len(self.items):
            self.fail(f'unexpected "{self.items[self.i][1]}"')
        return tree

    def nested(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"nested more than {MAX_DEPTH} deep")

    # ---- expressions ----

    def sum(self):
        self.nested()
        tree = self.product()
        while self.peek() in ("+", "-"):
            tree = ("op", self.take(), tree, self.product())
        self.depth -= 1
        return tree

    def product(self):
        tree = self.unary()
        while self.peek() in ("*", "/"):
            tree = ("op", self.take(), tree, self.unary())
        return tree

    def prefixed(self, tag, inner):
        """(tag, inner()) after a prefix ("-", "not") is taken: one level deeper."""
        self.take()
        self.nested()
        tree = (tag, inner())
        self.depth -= 1
        return tree

    def unary(self):
        if self.peek("-"):
            return self.prefixed("neg", self.unary)
        tree = self.atom()
        while self.peek("."):
            self.take()
            tree = ("field", tree, self.take(kind="name"))
        return tree

    def atom(self):
        if self.i < len(self.items) and self.items[self.i][0] == "number":
            return ("num", float(self.take()))
        if self.peek("("):
            self.take()
            tree = self.sum()
            self.take(")")
            return tree
        name = self.take(kind="name")
        if not self.peek("("):
            return ("name", name)
        return ("call", name, self.arguments(self.sum))

    # ---- conditions ----

    def condition(self):
        self.nested()
        tree = self.clause()
        while self.peek("or"):
            self.take()
            tree = ("or", tree, self.clause())
        self.depth -= 1
        return tree

    def clause(self):
        tree = self.factor()
        while self.peek("and"):
            self.take()
            tree = ("and", tree, self.factor())
        return tree

    def factor(self):
        if self.peek("not"):
            return self.prefixed("not", self.factor)
        if self.peek("("):
            self.take()
            tree = self.condition()
            self.take(")")
            return tree
        name = self.take(kind="name")
        if self.peek() in ("<", "==", "!="):
            return ("compare", self.take(), name, self.take(kind="name"))
        return ("fact", name, self.arguments(lambda: self.take(kind="name")))

    def arguments(self, item):
        """"(" [item ("," item)*] ")" as a tuple."""
        self.take("(")
        args = []
        while not self.peek(")"):
            if args:
                self.take(",")
            args.append(item())
        self.take(")")
        return tuple(args)


def parse(text, what="expression"):
    """The tree of an expression such as "distance(A, B) / 2"; UsageError names the column of a mistake."""
    parser = _Parser(text, what)
    return parser.done(parser.sum())


def parse_condition(text, what="where"):
    """The tree of a condition such as "IsSubset(x, y) and not Disjoint(x, y)"."""
    parser = _Parser(text, what)
    return parser.done(parser.condition())


def is_plain(text):
    """Whether text names a shape or a field ("A", "A.r") rather than computing something."""
    return isinstance(text, str) and re.fullmatch(r"[^.\s()+*/,-]+(\.[^.\s()+*/,-]+)?", text) is not None
