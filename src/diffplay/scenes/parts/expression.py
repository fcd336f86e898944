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

Parsing is the one expression parser (diffplay/expressions.py), made to emit postfix code;
evaluating that code is a loop, so a 10,000-term chain costs no recursion. Only nesting
(parentheses, unary minus, `**` chains) recurses, and it is capped at MAX_DEPTH with a clear error.
"""

import math

from ...engine.elementwise import NAMES as FUNCTIONS
from ...engine.value import Value
from ...expressions import ExpressionError, Parser, describe

MAX_DEPTH = 100
MAX_NODES = 100_000


class _Postfix(Parser):
    """The one expression parser (diffplay/expressions.py), emitting postfix code
    [(instruction, argument, offset)], plus this language's statements."""

    binding = {**Parser.binding, "**": 40}
    max_depth = MAX_DEPTH

    def __init__(self, text, where="expression", allow_empty=False):
        super().__init__(text, where, lines=True)
        self.allow_empty, self.code = allow_empty, []

    def program(self):
        while self.peek()[0] != "end":
            if self.peek()[1] in (";", ",", "\n"):
                self.take()
                continue
            self.statement()
            if self.peek()[0] != "end" and self.peek()[1] not in (";", ",", "\n"):
                raise self.error(f"expected an operator or the end of the statement, got {describe(self.peek())}")
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
            self.expression()
            if after != "=":
                self.code.append(("binary", after[0], offset))
            self.code.append(("store", name, offset))
        else:
            self.expression()
            self.code.append(("result", None, offset))

    # ---- the parser's hooks: each form appends its instruction, after its operands' ----

    def number(self, value, offset):
        self.code.append(("number", value, offset))

    def name(self, name, offset):
        if name in FUNCTIONS:
            raise self.error(f"{name!r} is a function: call it as {name}(x) or x.{name}()", offset)
        self.code.append(("load", name, offset))

    def call(self, name, args, offset):
        self._known(name, offset, "function")
        if len(args) != 1:
            raise self.error(f"{name}() takes one argument, got {len(args)}", offset)
        self.code.append(("call", name, offset))

    def method(self, tree, name, args, offset):
        """`x.f()`, as in micrograd's `(b + a).relu()`."""
        self._known(name, offset, "method")
        if args:
            raise self.error(f".{name}() takes no arguments, got {len(args)}", offset)
        self.code.append(("call", name, offset))

    def field(self, tree, name, offset):   # this language has no fields: `x.relu` lacks its ()
        self._known(name, offset, "method")
        raise self.error(f"expected '(', got {describe(self.peek())}")

    def _known(self, name, offset, kind):
        if name not in FUNCTIONS:
            raise self.error(f"unknown {kind} {name!r}; {kind}s: {', '.join(FUNCTIONS)}", offset)

    def negate(self, tree, offset):
        self.code.append(("neg", None, offset))

    def binary(self, op, a, b, offset):
        self.code.append(("binary", op, offset))


class Program:
    """Parsed text: postfix code plus the text, so evaluation errors can point at a column too."""

    def __init__(self, text, where="expression", allow_empty=False):
        self.text, self.where = text, where
        self.code = _Postfix(text, where, allow_empty).program()

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
