"""The documents and the character tokenizer (microgpt's dataset), from a file or offline.

A document is one stripped, non-empty line. With no file, the documents are the first names
shipped by the `names` package (US census lists), so the main job needs no network.
"""

import hashlib

from ..errors import UsageError
from ..files import read_text

DEFAULT_SOURCE = "the names package (first names)"


def read_docs(path):
    """The documents of a UTF-8 file, one per line, as microgpt reads them."""
    text = read_text(path, f"--data {path}")
    docs = [line.strip() for line in text.strip().split("\n") if line.strip()]
    if not docs:
        raise UsageError("has no documents (every line is empty)", where=f"--data {path}")
    return docs


def default_docs():
    """The `names` package's first names, lower-cased: male list then female list, each in
    its own order (most common first), a name kept where it first appears."""
    import names

    docs, seen = [], set()
    for key in ("first:male", "first:female"):
        with open(names.FILES[key], encoding="ascii") as lines:
            for line in lines:
                fields = line.split()
                name = fields[0].lower() if fields else ""
                if name and name not in seen:
                    seen.add(name)
                    docs.append(name)
    return docs


def load_docs(path=None):
    """(documents, source): from `path`, or the default names when path is None."""
    if path is None:
        return default_docs(), DEFAULT_SOURCE
    return read_docs(path), str(path)


def fingerprint(docs):
    """A short digest of the documents, so a resumed run can tell it got the same data."""
    return hashlib.sha256("\n".join(docs).encode("utf-8")).hexdigest()[:16]


def count_truncated(docs, block_size):
    """How many documents do not fit: [BOS] + doc + [BOS] gives len(doc) + 1 predictions."""
    return sum(1 for doc in docs if len(doc) + 1 > block_size)


class Tokenizer:
    """Characters to ids: the sorted unique characters, then one extra id, BOS, that both
    starts and ends every document."""

    def __init__(self, chars):
        self.chars = "".join(chars)
        self.ids = {ch: i for i, ch in enumerate(self.chars)}
        self.bos = len(self.chars)
        self.vocab_size = len(self.chars) + 1

    @classmethod
    def from_docs(cls, docs):
        return cls(sorted(set("".join(docs))))

    def encode(self, doc):
        """[BOS] + the ids of doc's characters + [BOS]."""
        return [self.bos, *map(self.ids.__getitem__, doc), self.bos]   # map: half a generator's time, each step

    def prompt_ids(self, prompt):
        """The ids of a prompt's characters; an unknown character is a UsageError naming it."""
        for column, ch in enumerate(prompt, 1):
            if ch not in self.ids:
                raise UsageError(
                    f"character {ch!r} (column {column}) is not in the model's vocabulary "
                    f"({self.chars!r})", where=f"--prompt {prompt}")
        return [self.ids[ch] for ch in prompt]

    def decode(self, ids):
        return "".join(self.chars[i] for i in ids if i != self.bos)
