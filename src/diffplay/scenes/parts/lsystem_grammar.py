"""Bracketed L-systems: rules parsed and checked, words rewritten under a size limit, and the
turtle's reading of a word as a tree of segments.

Symbols: F and G draw a segment forward; + and - turn left and right by the angle, | turns
around; [ and ] save and restore the turtle; other capital letters are placeholders that only
rewriting sees. A word becomes, per segment, its parent segment (-1 for one that starts at
the root) and its turn relative to that parent, in radians: the tree as arrays.
"""

import math
from dataclasses import dataclass

import numpy as np

from ...errors import UsageError

DRAW = "FG"
TURNS = {"+": 1, "-": -1}
SYMBOLS = set(DRAW) | set(TURNS) | set("|[]") | {chr(c) for c in range(ord("A"), ord("Z") + 1)}
MAX_SYMBOLS = 200_000   # a word longer than this is refused before it is built
ARROWS = ("->", "→", "=")


def check_word(word, where):
    """A UsageError naming the first unknown symbol or unbalanced bracket in `word`."""
    where = f"{where} {word!r}" if len(word) <= 60 else where
    opened = []
    for column, symbol in enumerate(word, 1):
        if symbol not in SYMBOLS:
            raise UsageError(f"{where}: unknown symbol {symbol!r} at column {column} "
                             "(known: F G draw, + - turn, | turns around, [ ] branch, other A-Z are placeholders)")
        if symbol == "[":
            opened.append(column)
        elif symbol == "]":
            if not opened:
                raise UsageError(f"{where}: unbalanced brackets: ']' at column {column} closes nothing")
            opened.pop()
    if opened:
        raise UsageError(f"{where}: unbalanced brackets: '[' at column {opened[-1]} is never closed")
    return word


def parse_rules(text, where="rules"):
    """"F=F[+F]F[-F]F; X->F-[[X]+X]" (separated by ; or new lines; = -> or →) as {symbol: word}."""
    rules = {}
    for part in text.replace("\n", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        arrow = next((a for a in ARROWS if a in part), None)
        if arrow is None:
            raise UsageError(f"{where}: {part!r} is not a rule; write it as SYMBOL=REPLACEMENT, e.g. F=F[+F]F")
        head, body = (s.strip() for s in part.split(arrow, 1))
        if len(head) != 1 or head not in SYMBOLS - set("[]"):
            raise UsageError(f"{where}: {part!r}: the left side must be one symbol (a capital letter, + - or |), got {head!r}")
        if head in rules:
            raise UsageError(f"{where}: two rules for {head!r}")
        rules[head] = check_word(body.replace(" ", ""), f"{where}: rule {head}")
    return rules


def rewrite(axiom, rules, iterations, limit=MAX_SYMBOLS):
    """The word after `iterations` rewrites; a UsageError, before any work, if it would pass `limit`."""
    check_word(axiom, "axiom")
    lengths = {s: 1 for s in SYMBOLS}   # how long each symbol's word is after k rewrites
    for k in range(1, iterations + 1):
        lengths = {s: sum(lengths[c] for c in rules.get(s, s)) for s in SYMBOLS}
        size = sum(lengths[c] for c in axiom)
        if size > limit:
            raise UsageError(f"lsystem: after {k} of {iterations} rewrites the word would have {size:,} symbols "
                             f"(limit {limit:,}); use fewer iterations")
    word = axiom
    for _ in range(iterations):
        word = "".join(rules.get(c, c) for c in word)
    return word


@dataclass
class Tree:
    """Segments of a turtle drawing: parent index (-1 at the root) and turn from the parent (radians)."""

    parent: np.ndarray
    turn: np.ndarray

    def __len__(self):
        return len(self.parent)

    def tips(self):
        """Indices of the segments nothing grows from."""
        has_child = np.zeros(len(self), bool)
        has_child[self.parent[self.parent >= 0]] = True
        return np.flatnonzero(~has_child)


def turtle(word, angle_degrees):
    """Read a word as a tree; turns between two segments add up into the later one's turn."""
    angle = math.radians(angle_degrees)
    parent, turn = [], []
    current, turned, stack = -1, 0.0, []
    for symbol in word:
        if symbol in DRAW:
            parent.append(current)
            turn.append(turned)
            current, turned = len(parent) - 1, 0.0
        elif symbol in TURNS:
            turned += TURNS[symbol] * angle
        elif symbol == "|":
            turned += math.pi
        elif symbol == "[":
            stack.append((current, turned))
        elif symbol == "]":
            current, turned = stack.pop()
    if not parent:
        raise UsageError(f"lsystem: the word {word[:40]!r} draws nothing (it has no F or G)")
    return Tree(np.array(parent, np.intp), np.array(turn))
