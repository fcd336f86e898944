"""What travels between a scene and a page (over a studio WebSocket, or a notebook widget's
messages), checked with the scenes' own schemas.

A page sends JSON text messages:

    {"type": "event", "id": 7, "event": {"type": "add_point", "x": 1, "y": 2, "label": 0}}
    {"type": "drawn", "frame": 41}      # every frame up to 41 is on screen: send more
    {"type": "join"}                    # start over: the hello again, then a whole frame
    {"type": "save", "id": 9}           # the run so far as a record (scenes/record.py)
    {"type": "load", "id": 10, "record": {...}}   # replace the run by a record's (or "link": its link)

The envelope is checked here; the event inside it by the scene (`Scene.handle`). The server
answers with:

    {"type": "hello", "scene": describe(), "values": {...}, "limits": {...}}
    {"type": "frame", "id": 42, "events": 7, "stats": {...}, "same": ["points"], "frame": {...}}
    {"type": "values", "values": {"lr": 0.1}}    # settings changed by other than the page's own "set"
    {"type": "record", "id": 9, "record": {...}, "link": "eNq…"}   # the answer to a "save"
    {"type": "error", "id": 7, "message": "event.x: must be in [-6, 6], got 9"}
    {"type": "error", "id": 8, "message": "expression: column 4: ...", "at": {"line": 1, "column": 4}}

`frame` holds the fields of scene.frame() that changed since the previous frame; `same` names
the others, whose values the page keeps from that frame (the first frame has them all). Every
frame a worker makes reaches the page, in order, so a page that merges each one into the last
always holds the whole frame. `events` is the id of the last event applied before the frame
was made, so a page (or a benchmark) knows which of its events a frame already shows. In
`stats`, `moving` says whether the scene goes on by itself (false: paused, or at rest until
the next event); `replayed`, while a loaded run comes back, the share of it done; `lighter`,
while a busy studio has the scene do less a step, what it does less of. An error without an id is about a message that never became an event (not
JSON, too big, too many). An error about a place in a text a setting holds (an expression that
does not parse) says where in `at`, so the page can point at it. A notebook widget's frame
may name `buffers`: the places in `frame` of the blobs (scenes/blobs.py) whose bytes travel
beside the text, in that order, each `data` there null in the text.
"""

import base64
import json
import math

from ..parsing import load_json
from ..scenes.blobs import is_blob
from ..scenes.schema import Anything, Boolean, ListOf, Maybe, Number, Object, Record, SchemaError, Tagged, Text

MAX_ID = 2**53   # the largest integer a JavaScript number holds exactly
MAX_LINK = 1 << 20   # a run's link (scenes/record.py), as long as a message may be

CLIENT_MESSAGE = Tagged({
    "event": Record({"id": Number(0, MAX_ID, integer=True), "event": Object()}),
    "drawn": Record({"frame": Number(0, MAX_ID, integer=True)}),
    "join": Record({}),
    "save": Record({"id": Number(0, MAX_ID, integer=True)}),
    "load": Record({"id": Number(0, MAX_ID, integer=True), "record": Object(), "link": Text(MAX_LINK, 1)},
                   optional=["record", "link"]),
})

SERVER_MESSAGE = Tagged({
    "hello": Record({"scene": Anything(), "values": Anything(), "limits": Anything()}),
    "frame": Record({
        "id": Number(1, MAX_ID, integer=True), "events": Number(0, MAX_ID, integer=True),
        "stats": Record({"steps": Number(0, integer=True), "step_ms": Number(0), "frame_ms": Number(0),
                         "budget_ms": Number(0), "moving": Boolean(), "replayed": Number(0, 1),
                         "lighter": Text(300)}, optional=["replayed", "lighter"]),
        "same": ListOf(Text(64), max_length=10_000),
        "buffers": ListOf(ListOf(Anything(), max_length=64), max_length=10_000),
        "frame": Anything(),
    }, optional=["buffers"]),
    "values": Record({"values": Anything()}),
    "record": Record({"id": Number(0, MAX_ID, integer=True), "record": Anything(), "link": Text(MAX_LINK)}),
    "error": Record({"id": Maybe(Number(0, MAX_ID, integer=True)), "message": Text(10_000),
                     "at": Record({"line": Number(1, integer=True), "column": Number(1, integer=True)})}, optional=["at"]),
})


def encode(message):
    """Compact JSON text, as sent; NaN and infinities (JSON has none) become null."""
    try:
        return json.dumps(message, separators=(",", ":"), allow_nan=False)
    except ValueError:   # rare: a diverged loss; walk the message only then
        return json.dumps(_finite(message), separators=(",", ":"), allow_nan=False)


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


class FrameTooBig(Exception):
    """A frame message longer than the page may take."""

    def __init__(self, size, limit):
        super().__init__(f"frame: {size} bytes is more than the limit of {limit}")


class FrameWriter:
    """Frame messages for one page, each holding only the fields that changed since the last.

    A field is unchanged when the scene hands back the very object it gave before (a scene never
    changes what frame() returned), or when it encodes to the same text (and bytes). With
    `buffers` (a notebook) each blob's bytes leave the text and travel beside it; the studio's
    WebSocket carries them in the text, as base64.
    """

    def __init__(self, buffers=False):
        self.buffers = buffers
        self.shown = {}   # key -> (value, text, ((path, bytes), ...)) of each field the page has

    def write(self, frame, head, max_bytes):
        """(text, [bytes]) of a frame message: `head` ({"type": "frame", "id": ...}), "same",
        "buffers" and the changed fields. Past max_bytes, FrameTooBig, and nothing is kept as sent."""
        fields, same, shown, paths, blobs = [], [], {}, [], []
        for key, value in frame.items():
            before = self.shown.get(key)
            now = before if before is not None and before[0] is value else (value, *self._encoded(value))
            if before is not None and before[1:] == now[1:]:
                same.append(key)
            else:
                fields.append(f"{encode(key)}:{now[1]}")
                for path, data in now[2]:
                    paths.append([key, *path])
                    blobs.append(data)
            shown[key] = now
        envelope = encode({**head, "same": same, **({"buffers": paths} if paths else {})})
        text = envelope[:-1] + ',"frame":{' + ",".join(fields) + "}}"
        size = len(text) + sum(len(b) for b in blobs)
        if size > max_bytes:
            raise FrameTooBig(size, max_bytes)
        self.shown = shown
        return text, blobs

    def _encoded(self, value):
        if not self.buffers:
            return encode(value), ()
        rest, lifted = lift_blobs(value)
        return encode(rest), tuple(lifted)


def lift_blobs(value, path=()):
    """(value with each blob's data set to None, [(path to that data, its bytes), ...]); the
    value itself where it holds no blob. A list is looked into only if it starts with a dict
    or a list (a frame's lists hold one kind of thing: long lists of numbers cost nothing)."""
    if is_blob(value):
        return {**value, "data": None}, [((*path, "data"), base64.b64decode(value["data"]))]
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        items = enumerate(value)
    else:
        return value, []
    rest, lifted = {}, []
    for key, item in items:
        rest[key], found = lift_blobs(item, (*path, key))
        lifted += found
    if not lifted:
        return value, []
    return (rest if isinstance(value, dict) else list(rest.values())), lifted


def merge(previous, message):
    """The whole frame of a frame message: its fields, and the `same` ones from `previous`."""
    return {**{key: previous[key] for key in message["same"]}, **message["frame"]}


def error(message, event_id=None):
    """An error message; an exception that knows its line and column (ExpressionError) adds `at`."""
    reply = {"type": "error", "id": event_id, "message": str(message)}
    line, column = getattr(message, "line", None), getattr(message, "column", None)
    if line is not None and column is not None:
        reply["at"] = {"line": line, "column": column}
    return encode(reply)


def parse(text, limits):
    """The checked message dict from a page's raw text (read by the parsing layer, so its numbers
    and nesting are bounded), or a UsageError saying what is wrong."""
    size = len(text.encode()) if isinstance(text, str) else len(text)
    if size > limits.max_message_bytes:
        raise SchemaError(f"message: {size} bytes is more than the limit of {limits.max_message_bytes}")
    if not isinstance(text, str):
        raise SchemaError("message: expected a JSON text message, got binary data")
    return CLIENT_MESSAGE.check(load_json(text, "message"), "message")
