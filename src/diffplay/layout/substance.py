"""What a diagram is about, apart from how it looks (Penrose's Substance): typed objects and
the facts between them.

    Set A, B, C            d.objects("Set", "A", "B", "C")
    IsSubset(B, A)         d.fact("IsSubset", "B", "A")

An object may carry attributes a rule can read ({x.label}, {x.size}); its label is its name
unless given. Objects keep the order they were declared in (a rule's `x < y` compares it).
"""

from dataclasses import dataclass, field

from ..checks import did_you_mean
from ..errors import UsageError
from .expressions import is_plain


@dataclass
class Object:
    name: str
    type: str
    attrs: dict = field(default_factory=dict)
    order: int = 0


class Substance:
    """Objects by name and by type, and facts by predicate."""

    def __init__(self):
        self.objects, self.types, self.facts = {}, {}, {}   # facts: predicate -> {argument tuple: where}

    def declare(self, type, name, attrs=None, where=""):
        for what, word in (("type", type), ("object", name)):
            if not isinstance(word, str) or not word.isidentifier():
                raise UsageError(f"an {what} name must be a word (letters, digits, _), got {word!r}", where=where)
        if name in self.objects:
            raise UsageError(f'there is already an object called "{name}" (a {self.objects[name].type})', where=where)
        attrs = dict(attrs or {})
        attrs.setdefault("label", name)
        self.objects[name] = Object(name, type, attrs, len(self.objects))
        self.types.setdefault(type, []).append(name)

    def fact(self, predicate, args, where=""):
        if not isinstance(predicate, str) or not is_plain(predicate) or not predicate.isidentifier():
            raise UsageError(f"a fact's predicate must be a word, got {predicate!r}", where=where)
        for arg in args:
            if arg not in self.objects:
                raise UsageError(f'{predicate}: unknown object "{arg}"{did_you_mean(arg, self.objects)}', where=where)
        known = next(iter(self.facts.get(predicate, {})), None)
        if known is not None and len(known) != len(args):
            raise UsageError(f"{predicate} takes {len(known)} objects (as stated before), got {len(args)}",
                             where=where)
        self.facts.setdefault(predicate, {})[tuple(args)] = where

    def holds(self, predicate, args):
        return tuple(args) in self.facts.get(predicate, {})

    def of_type(self, type):
        return self.types.get(type, [])
