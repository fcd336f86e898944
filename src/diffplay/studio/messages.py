"""What travels over a studio WebSocket, checked with the scenes' own schemas.

A page sends JSON text messages:

    {"type": "event", "id": 7, "event": {"type": "add_point", "x": 1, "y": 2, "label": 0}}
    {"type": "drawn", "frame": 41}      # every frame up to 41 is on screen: send more

The envelope is checked here; the event inside it by the scene (`Scene.handle`). The server
answers with:

    {"type": "hello", "scene": describe(), "values": {...}, "limits": {...}, "restricted": {...}}
    {"type": "frame", "id": 42, "events": 7, "stats": {...}, "frame": scene.frame()}
    {"type": "error", "id": 7, "message": "event.x: must be in [-6, 6], got 9"}

`events` in a frame is the id of the last event applied before it was made, so a page (or a
benchmark) knows which of its events a frame already shows. An error without an id is about a
message that never became an event (not JSON, too big, too many).
"""

import json

from ..scenes.schema import Anything, Maybe, Number, Record, SchemaError, Tagged, Text

MAX_ID = 2**53   # the largest integer a JavaScript number holds exactly

CLIENT_MESSAGE = Tagged({
    "event": Record({"id": Number(0, MAX_ID, integer=True), "event": Anything()}),
    "drawn": Record({"frame": Number(0, MAX_ID, integer=True)}),
})

SERVER_MESSAGE = Tagged({
    "hello": Record({"scene": Anything(), "values": Anything(), "limits": Anything(), "restricted": Anything()}),
    "frame": Record({
        "id": Number(1, MAX_ID, integer=True), "events": Number(0, MAX_ID, integer=True),
        "stats": Record({"steps": Number(0, integer=True), "step_ms": Number(0), "frame_ms": Number(0),
                         "budget_ms": Number(0)}),
        "frame": Anything(),
    }),
    "error": Record({"id": Maybe(Number(0, MAX_ID, integer=True)), "message": Text(10_000)}),
})

# Settings that name a file on the server's disk: a page may not point them elsewhere, or any
# web page could read the files of whoever runs the studio. The command line may.
SERVER_FILES = {("canvas", "image"): ("builtin", "empty"), ("gpt", "data"): ("",), ("synth", "target"): ("builtin",)}


def encode(message):
    """Compact JSON text, as sent."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


def error(message, event_id=None):
    return encode({"type": "error", "id": event_id, "message": str(message)})


def parse(text, limits):
    """The checked message dict from a page's raw text, or a SchemaError saying what is wrong."""
    size = len(text.encode()) if isinstance(text, str) else len(text)
    if size > limits.max_message_bytes:
        raise SchemaError(f"message: {size} bytes is more than the limit of {limits.max_message_bytes}")
    if not isinstance(text, str):
        raise SchemaError("message: expected a JSON text message, got binary data")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise SchemaError(f"message: not JSON ({str(e).split(':')[0]})") from None
    return CLIENT_MESSAGE.check(value, "message")


def restricted(scene_name):
    """{setting: the values a page may give it} for this scene's SERVER_FILES settings."""
    return {key: list(values) for (scene, key), values in SERVER_FILES.items() if scene == scene_name}


def check_browser_event(scene_name, event):
    """Refuse what a page may not do even when the scene allows it: point a setting at a file."""
    if isinstance(event, dict) and event.get("type") == "set":
        allowed = SERVER_FILES.get((scene_name, event.get("key")))
        if allowed is not None and event.get("value") not in allowed:
            raise SchemaError(
                f"event.value ({event['key']}): the studio only takes {', '.join(map(json.dumps, allowed))} here; "
                f"it names a file on the server, which only the command line may read"
            )
