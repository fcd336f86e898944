"""Chapter 1, data and tokens: the documents, the vocabulary, a name turned into token ids, and
why a model that knows nothing scores ln V."""

from ..engine import functional as F
from ..engine.value import Value
from ..gpt.data import Tokenizer
from ..gpt.train import DEFAULTS, Run
from ..scenes.base import Setting, frame_record
from ..scenes.schema import ListOf, Maybe, Number, Record, Text
from .chapter import Chapter

SHOWN_DOCUMENTS = 12
TOKEN = Record({"text": Text(8), "id": Number(0, integer=True)})
PAIR = Record({"input": Text(8), "target": Text(8)})


class Tokens(Chapter):
    name = "tokens"
    number = 1
    title = "data and tokens: a name becomes numbers"
    about = "microgpt's dataset and tokenizer: docs, uchars, BOS, vocab_size, and a document's tokens [BOS] + … + [BOS]"
    code = (Tokenizer.encode,)
    text = (
        "A document is one line of the data: here a first name. microgpt shuffles them once "
        "(random.seed(42)) and trains on one document a step.",
        "The vocabulary is every character that occurs, sorted; a character's id is its place in "
        "that list. One more id, BOS, marks where a document begins and ends: it is the first "
        "input and the last target. So V, the vocabulary's size, is the number of characters + 1.",
        "A model that knows nothing gives each of the V tokens the same chance, 1/V. Its loss on "
        "any next token is then −ln(1/V) = ln V. Training is worth something once the loss falls "
        "below that line.",
        "Type a name: its token ids appear, and the (input → target) pairs the model learns from it.",
    )
    settings = (
        Setting("name", Text(max_length=15), "emma", "a name to turn into tokens", live=True),
    )
    frame_schema = frame_record({
        "documents": Number(0, integer=True), "first": ListOf(Text(64), max_length=SHOWN_DOCUMENTS),
        "vocabulary": ListOf(Text(8), max_length=1000), "bos": Number(0, integer=True),
        "vocab_size": Number(1, integer=True), "name": Text(15), "tokens": ListOf(TOKEN, max_length=17),
        "pairs": ListOf(PAIR, max_length=16), "unknown": Maybe(Text(200)), "uniform_loss": Number(0),
    })

    def build(self):
        self.job = Run(None, {**DEFAULTS, "seed": 42}, "value")
        self.tokenizer = self.job.gpt.tokenizer

    def advance(self):
        pass   # nothing learns here: the page changes only when the name does

    def converged(self):
        return True

    def uniform_loss(self):
        """The loss of a model whose logits are all equal, computed by the Value engine."""
        logits = [Value(0.0) for _ in range(self.tokenizer.vocab_size)]
        return (F.logsumexp(logits) - logits[self.tokenizer.bos]).data

    def view(self):
        t, name = self.tokenizer, self.values["name"]
        unknown = sorted({ch for ch in name if ch not in t.ids})
        ids = t.encode("".join(ch for ch in name if ch in t.ids))
        shown = [{"text": "BOS" if i == t.bos else t.chars[i], "id": i} for i in ids]
        return {
            "documents": len(self.job.docs), "first": self.job.docs[:SHOWN_DOCUMENTS],
            "vocabulary": list(t.chars), "bos": t.bos, "vocab_size": t.vocab_size, "name": name,
            "tokens": shown[: self.job.config.block_size + 1],
            "pairs": [{"input": a["text"], "target": b["text"]} for a, b in zip(shown, shown[1:])][: self.job.config.block_size],
            "unknown": f"not in the vocabulary, left out: {' '.join(map(repr, unknown))}" if unknown else None,
            "uniform_loss": self.uniform_loss(),
        }
