"""The one parser of arithmetic text, shared by the graph scene's language (scenes/parts/
expression.py) and layout's expressions and conditions (layout/expressions.py); user text is
parsed here, never handed to eval.

    expression := prefix (OPERATOR expression)*     by binding power: + - below * / below unary - below **
    prefix     := ("-" | "+") expression | atom ("." NAME [arguments])*
    atom       := NUMBER | NAME | NAME arguments | "(" expression ")"
    arguments  := "(" [expression ("," expression)*] ")"

The grammar is fixed here; what each form builds is the room's. A subclass of Parser defines
the hooks number, name, call, field, method, negate and binary (each given its token's offset);
they are called children first, so layout returns nested tuples and the graph scene appends
postfix code. A chain of operators is a loop, so a 10,000-term sum costs no recursion; only
nesting (parentheses, unary minus, `**`, arguments) recurses, and it is capped at `max_depth`
and refused with its column rather than a RecursionError.
"""

import re

from .errors import UsageError

UNARY = 30   # binding power of unary minus: -a*b is (-a)*b, and -a**2 is -(a**2), as in Python

_TOKEN = re.compile(r"""
    (?P<space>[^\S\n]+)
  | (?P<comment>\#[^\n]*)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[^\W\d]\w*)
  | (?P<op>\*\*|[+\-*/]=|[=!]=|[-+*/()=.,;<\n])
""", re.VERBOSE)


class ExpressionError(UsageError):
    """A mistake in the text, with the line and column (1-based) where it is."""

    def __init__(self, message, text, offset, where="expression"):
        self.line = text.count("\n", 0, offset) + 1
        start = text.rfind("\n", 0, offset) + 1
        self.column = offset - start + 1
        end = text.find("\n", offset)
        line = text[start:end if end >= 0 else len(text)]
        left = max(0, self.column - 1 - 40)   # a window, so a 100,000-character line stays readable
        place = f"line {self.line}, column {self.column}" if "\n" in text else f"column {self.column}"
        super().__init__(f"{place}: {message}\n  {line[left:left + 80]}\n  {' ' * (self.column - 1 - left)}^", where=where)


def tokenize(text, where="expression", lines=False):
    """[(kind, text, offset)]; with `lines`, a new line is a token and `#` starts a comment,
    without, a new line is a space (an expression is one line) and `#` is a mistake."""
    tokens, offset = [], 0
    while offset < len(text):
        match = _TOKEN.match(text, offset)
        if not match or (match.lastgroup == "comment" and not lines):
            raise ExpressionError(f"unexpected character {text[offset]!r}", text, offset, where)
        if match.lastgroup not in ("space", "comment") and (lines or match.group() != "\n"):
            tokens.append((match.lastgroup, match.group(), offset))
        offset = match.end()
    return tokens


def describe(token):
    """A token as an error message names it."""
    kind, text, _ = token
    return "the end" if kind == "end" else "a new line" if text == "\n" else repr(text)


class Parser:
    """Pratt parser over the tokens of `text`; a subclass says what each form builds."""

    binding = {"+": 10, "-": 10, "*": 20, "/": 20}   # binding power of each binary operator
    max_depth = 50

    def __init__(self, text, where="expression", lines=False):
        self.text, self.where = text, where
        self.tokens = tokenize(text, where, lines) + [("end", "", len(text))]
        self.i, self.depth = 0, 0

    def error(self, message, offset=None):
        return ExpressionError(message, self.text, self.peek()[2] if offset is None else offset, self.where)

    def peek(self):
        return self.tokens[self.i]

    def take(self, expected=None):
        token = self.tokens[self.i]
        if expected is not None and token[1] != expected:
            raise self.error(f"expected {expected!r}, got {describe(token)}")
        self.i += 1
        return token

    def take_name(self):
        if self.peek()[0] != "name":
            raise self.error(f"expected a name, got {describe(self.peek())}")
        return self.take()[1]

    def finish(self, tree):
        """tree, once nothing is left after it."""
        if self.peek()[0] != "end":
            raise self.error(f"expected an operator or the end, got {describe(self.peek())}")
        return tree

    def enter(self):
        """One level deeper (the caller steps back out); past max_depth it is a mistake, and would
        exhaust Python's stack. Not a context manager: this runs once per operand."""
        self.depth += 1
        if self.depth > self.max_depth:
            raise self.error(f"nested more than {self.max_depth} levels deep")

    def expression(self, min_power=0):
        """Operators binding at least `min_power`, in a loop; only nesting recurses."""
        self.enter()
        tree = self.prefix()
        while True:
            _, op, offset = self.peek()
            power = self.binding.get(op)
            if power is None or power < min_power:
                self.depth -= 1
                return tree
            self.i += 1
            right = self.expression(power if op == "**" else power + 1)   # ** is right-associative
            tree = self.binary(op, tree, right, offset)

    def prefix(self):
        token = kind, text, offset = self.take()
        if kind == "op" and text in ("-", "+"):
            operand = self.expression(UNARY)
            return self.negate(operand, offset) if text == "-" else operand
        if kind == "number":
            tree = self.number(float(text), offset)
        elif kind == "name" and self.peek()[1] == "(":
            tree = self.call(text, self.arguments(), offset)
        elif kind == "name":
            tree = self.name(text, offset)
        elif text == "(":
            tree = self.expression()
            self.take(")")
        else:
            raise self.error(f"expected a number, a name or '(', got {describe(token)}", offset)
        return self.postfix(tree)

    def postfix(self, tree):
        """`.name` after an atom: a field (`A.x`), or, given arguments, a method (`(b - a).relu()`)."""
        while self.peek()[1] == ".":
            self.take()
            offset = self.peek()[2]
            name = self.take_name()
            if self.peek()[1] == "(":
                tree = self.method(tree, name, self.arguments(), offset)
            else:
                tree = self.field(tree, name, offset)
        return tree

    def arguments(self, item=None):
        """"(" [item ("," item)*] ")" as a tuple; an item is an expression unless `item` says."""
        self.take("(")
        items = []
        while self.peek()[1] != ")":
            if items:
                self.take(",")
            items.append(item() if item else self.expression())
        self.take(")")
        return tuple(items)
