"""A small, safe expression language that builds a graph of Values; parsed, never eval'd.

    a = -4.0; b = 2.0
    c = a + b
    d = a * b + b**3
    d += 3 * d + (b - a).relu()
    g = log(d * d) / 2

Numbers, names, `+ - * / **` (`**` binds tighter than unary minus and is right-associative,
as in Python), parentheses, the elementwise functions of both engines (`exp log sqrt tanh
sigmoid relu softplus sin cos abs gelu silu elu leaky_relu`: engine/elementwise.py, with their
default settings) called as `f(x)` or `x.f()`, and statements `name = expr` or `name op= expr` separated by `;`, `,` or new
lines; `#` starts a comment. A name assigned a constant is a variable: a leaf of the graph.
The last statement is the output.

Parsing is a Pratt parser that emits postfix code; evaluating that code is a loop, so a
10,000-term chain costs no recursion. Only nesting (parentheses, unary minus, `**` chains)
recurses, and it is capped at MAX_DEPTH with a clear error.
"""

import math
import re

from ...engine.elementwise import NAMES as FUNCTIONS
from ...engine.value import Value
from ...errors import UsageError

MAX_DEPTH = 100
MAX_NODES = 100_000

_TOKEN = re.compile(r"""
    (?P<space>[ \t\r]+|\#[^\n]*)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>\*\*|[+\-*/]=|[+\-*/()=.,;\n])
""", re.VERBOSE)

_BINARY = {"+": 10, "-": 10, "*": 20, "/": 20, "**": 40}   # binding power
_UNARY = 30                                               # -a**2 is -(a**2), as in Python


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


def tokenize(text, where="expression"):
    """[(kind, text, offset)], ending with ("end", "", len(text))."""
    tokens, offset = [], 0
    while offset < len(text):
        match = _TOKEN.match(text, offset)
        if not match:
            raise ExpressionError(f"unexpected character {text[offset]!r}", text, offset, where)
        if match.lastgroup != "space":
            tokens.append((match.lastgroup, match.group(), offset))
        offset = match.end()
    tokens.append(("end", "", len(text)))
    return tokens


class Parser:
    """Pratt parser: text -> postfix code [(instruction, argument, offset)]."""

    def __init__(self, text, where="expression", allow_empty=False):
        self.text, self.where, self.allow_empty = text, where, allow_empty
        self.tokens = tokenize(text, where)
        self.i, self.depth, self.code = 0, 0, []

    def error(self, message, offset=None):
        return ExpressionError(message, self.text, self.peek()[2] if offset is None else offset, self.where)

    def peek(self):
        return self.tokens[self.i]

    def take(self, expected=None):
        token = self.tokens[self.i]
        if expected is not None and token[1] != expected:
            raise self.error(f"expected {expected!r}, got {_describe(token)}")
        self.i += 1
        return token

    def program(self):
        while self.peek()[0] != "end":
            if self.peek()[1] in (";", ",", "\n"):
                self.take()
                continue
            self.statement()
            if self.peek()[0] != "end" and self.peek()[1] not in (";", ",", "\n"):
                raise self.error(f"expected an operator or the end of the statement, got {_describe(self.peek())}")
        if not self.code and not self.allow_empty:
            raise self.error("empty expression: type something like  a = 2; a * a")
        return self.code

    def statement(self):
        kind, name, offset = self.peek()
        after = self.tokens[self.i + 1][1]
        if kind == "name" and after in ("=", "+=", "-=", "*=", "/="):
            if name in FUNCTIONS:
                raise self.error(f"{name!r} is a function; it cannot be assigned")
            self.i += 2
            if after != "=":
                self.code.append(("load", name, offset))
            self.expression(0)
            if after != "=":
                self.code.append(("binary", after[0], offset))
            self.code.append(("store", name, offset))
        else:
            self.expression(0)
            self.code.append(("result", None, offset))

    def expression(self, min_power):
        """Parse operators binding at least `min_power`; recursion only for nesting."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels deep")
        self.prefix()
        while True:
            _, op, offset = self.peek()
            power = _BINARY.get(op)
            if power is None or power < min_power:
                break
            self.take()
            self.expression(power if op == "**" else power + 1)   # ** is right-associative
            self.code.append(("binary", op, offset))
        self.depth -= 1

    def prefix(self):
        kind, text, offset = self.take()
        if text in ("-", "+"):
            self.expression(_UNARY)
            if text == "-":
                self.code.append(("neg", None, offset))
        elif kind == "number":
            self.code.append(("number", float(text), offset))
        elif kind == "name" and text in FUNCTIONS:
            self.take("(")
            self.expression(0)
            self.take(")")
            self.code.append(("call", text, offset))
        elif kind == "name" and self.peek()[1] == "(":
            raise self.error(f"unknown function {text!r}; functions: {', '.join(FUNCTIONS)}", offset)
        elif kind == "name":
            self.code.append(("load", text, offset))
        elif text == "(":
            self.expression(0)
            self.take(")")
        else:
            raise self.error(f"expected a number, a name or '(', got {_describe((kind, text, offset))}", offset)
        self.methods()

    def methods(self):
        """Postfix `.f()` calls, as in micrograd's `(b + a).relu()`."""
        while self.peek()[1] == ".":
            self.take()
            kind, name, offset = self.take()
            if name not in FUNCTIONS:
                raise self.error(f"unknown method {name!r}; methods: {', '.join(FUNCTIONS)}", offset)
            self.take("(")
            self.take(")")
            self.code.append(("call", name, offset))


def _describe(token):
    kind, text, _ = token
    return "the end" if kind == "end" else "a new line" if text == "\n" else repr(text)


class Program:
    """Parsed text: postfix code plus the text, so evaluation errors can point at a column too."""

    def __init__(self, text, where="expression", allow_empty=False):
        self.text, self.where = text, where
        self.code = Parser(text, where, allow_empty).program()

    def error(self, message, offset):
        return ExpressionError(message, self.text, offset, self.where)


class Evaluation:
    """Runs programs in turn over one set of names, building Values.

    Constants fold (2 * 3 is 6, not a node); a constant meeting a Value becomes a leaf node
    labelled by its number, except as the exponent of `**`, which stays a number (so `x**2`
    works for negative x). `inputs` (name -> Value) replace the leaves of those variables,
    which is how a finite-difference check nudges them.
    """

    def __init__(self, inputs=None):
        self.inputs = dict(inputs or {})
        self.names = {}       # name -> Value
        self.variables = {}   # name -> leaf Value, in order of definition
        self.labels = {}      # Value -> the name it was last assigned to, or a constant's number
        self.output = None
        self.nodes = 0

    def run(self, program):
        stack = []
        for instruction, argument, offset in program.code:
            try:
                self._execute(program, stack, instruction, argument, offset)
            except (ValueError, OverflowError, ZeroDivisionError) as error:
                raise program.error(str(error), offset) from None
        return self

    def _execute(self, program, stack, instruction, argument, offset):
        if instruction == "number":
            stack.append(argument)
        elif instruction == "load":
            if argument not in self.names:
                raise program.error(f"unknown name {argument!r} (give it a value first: {argument} = 1.0)", offset)
            stack.append(self.names[argument])
        elif instruction == "neg":
            stack.append(self._checked(program, -stack.pop(), offset))
        elif instruction == "call":
            x = stack.pop()
            y = _call(argument, Value(x) if type(x) is float else x)
            stack.append(self._checked(program, y.data if type(x) is float else y, offset))
        elif instruction == "binary":
            b, a = stack.pop(), stack.pop()
            stack.append(self._binary(program, argument, a, b, offset))
        elif instruction == "store":
            self._store(argument, stack.pop())
        else:   # "result": a bare expression is the output so far
            value = stack.pop()
            self.output = value if type(value) is Value else self._node(value)

    def _binary(self, program, op, a, b, offset):
        if type(a) is float and type(b) is float:   # fold through Value, so domain errors read the same
            return self._checked(program, _OPERATORS[op](Value(a), b).data, offset)
        if op == "**" and type(b) is float:
            return self._checked(program, a**b, offset)
        return self._checked(program, _OPERATORS[op](self._node(a), self._node(b)), offset)

    def _node(self, x):
        """A Value for x; a constant becomes a leaf labelled with its number."""
        if type(x) is Value:
            return x
        leaf = Value(x)
        self.labels[leaf] = f"{x:g}"
        return leaf

    def _store(self, name, value):
        if type(value) is float:   # a variable: a leaf the user can nudge
            value = self.inputs[name] if name in self.inputs else Value(value)
            self.variables[name] = value
        self.names[name] = value
        self.labels[value] = name
        self.output = value

    def _checked(self, program, value, offset):
        """value, once it is known to be finite and within the node budget."""
        data = value
        if type(value) is Value:
            data = value.data
            self.nodes += 1
            if self.nodes > MAX_NODES:
                raise program.error(f"more than {MAX_NODES} nodes", offset)
        if not math.isfinite(data):
            raise program.error(f"the result is {data} (not a finite number)", offset)
        return value


def _call(name, x):
    return getattr(x, name)()


_OPERATORS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


def parse(text, where="expression", allow_empty=False):
    """A Program for `text`; an ExpressionError pointing at the column if it is not valid."""
    return Program(text, where, allow_empty)


def evaluate(*programs, inputs=None):
    """Run programs in order over shared names; the last output is the graph's root."""
    evaluation = Evaluation(inputs)
    for program in programs:
        evaluation.run(program)
    return evaluation
