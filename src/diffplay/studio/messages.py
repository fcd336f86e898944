"""What travels over a studio WebSocket, checked with the scenes' own schemas.

A page sends JSON text messages:

    {"type": "event", "id": 7, "event": {"type": "add_point", "x": 1, "y": 2, "label": 0}}
    {"type": "drawn", "frame": 41}      # every frame up to 41 is on screen: send more

The envelope is checked here; the event inside it by the scene (`Scene.handle`). The server
answers with:

    {"type": "hello", "scene": describe(), "values": {...}, "limits": {...}}
    {"type": "frame", "id": 42, "events": 7, "stats": {...}, "same": ["points"], "frame": {...}}
    {"type": "error", "id": 7, "message": "event.x: must be in [-6, 6], got 9"}
    {"type": "error", "id": 8, "message": "expression: column 4: ...", "at": {"line": 1, "column": 4}}

`frame` holds the fields of scene.frame() that changed since the previous frame; `same` names
the others, whose values the page keeps from that frame (the first frame has them all). Every
frame a worker makes reaches the page, in order, so a page that merges each one into the last
always holds the whole frame. `events` is the id of the last event applied before the frame
was made, so a page (or a benchmark) knows which of its events a frame already shows. In
`stats`, `moving` says whether the scene goes on by itself (false: paused, or at rest until
the next event). An error without an id is about a message that never became an event (not
JSON, too big, too many). An error about a place in a text a setting holds (an expression that
does not parse) says where in `at`, so the page can point at it.
"""

import json
import math

from ..parsing import load_json
from ..scenes.schema import Anything, Boolean, ListOf, Maybe, Number, Object, Record, SchemaError, Tagged, Text

MAX_ID = 2**53   # the largest integer a JavaScript number holds exactly

CLIENT_MESSAGE = Tagged({
    "event": Record({"id": Number(0, MAX_ID, integer=True), "event": Object()}),
    "drawn": Record({"frame": Number(0, MAX_ID, integer=True)}),
})

SERVER_MESSAGE = Tagged({
    "hello": Record({"scene": Anything(), "values": Anything(), "limits": Anything()}),
    "frame": Record({
        "id": Number(1, MAX_ID, integer=True), "events": Number(0, MAX_ID, integer=True),
        "stats": Record({"steps": Number(0, integer=True), "step_ms": Number(0), "frame_ms": Number(0),
                         "budget_ms": Number(0), "moving": Boolean()}),
        "same": ListOf(Text(64), max_length=10_000),
        "frame": Anything(),
    }),
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
