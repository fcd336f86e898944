"""A scene's run as a record: its starting settings and seed, and every event at the piece of
work it came after. Replaying a record rebuilds the very same state, bit for bit (a scene's
pieces and events are its whole history: nothing in it depends on the clock), so a record is
what `diffplay scene NAME --save` writes and `--load` resumes.

A record is JSON: {"record": "diffplay scene", "version": 1, "scene", "seed", "settings",
"pieces", "history": [[piece, event], …]}. Loading one checks every field and bounds the work
it asks for before any of it is done.
"""

import json

from ..checks import MAX_SEED
from ..errors import UsageError
from ..files import read_text
from ..parsing import load_json
from ..process import one_blas_thread
from .base import MAX_EVENTS
from .schema import SchemaError

KIND, VERSION = "diffplay scene", 1
MAX_PIECES = 10_000_000    # the work a record may ask a replay for (a piece is a step or part of one)


def record_of(scene):
    """The scene's run so far as a JSON-able record."""
    if scene.event_log is None:
        raise UsageError(f"this run of {scene.name} had more than {MAX_EVENTS:,} events: too many to record")
    return {"record": KIND, "version": VERSION, "scene": scene.name, "seed": scene.seed,
            "settings": scene.initial, "pieces": scene.pieces, "history": scene.event_log}


def record_text(scene):
    return json.dumps(record_of(scene)) + "\n"


def read_record(path, cls):
    """The scene a record file holds, replayed: a UsageError naming the file and field if it is not one."""
    record = load_json(read_text(path, f"--load {path}"), f"--load {path}")
    try:
        return replay(record, cls)
    except SchemaError as error:
        raise UsageError(f"--load {path}: {error}") from None


def replay(record, cls):
    """A new scene of class `cls` that went through the record's run."""
    if not isinstance(record, dict) or record.get("record") != KIND:
        raise SchemaError(f'record: not a scene record (no "record": "{KIND}")')
    if record.get("version") != VERSION:
        raise SchemaError(f"record.version: this diffplay reads version {VERSION}, got {record.get('version')!r}")
    if record.get("scene") != cls.name:
        raise SchemaError(f"record.scene: the record is of scene {record.get('scene')!r}, not {cls.name}")
    seed, pieces, history, settings = (record.get(k) for k in ("seed", "pieces", "history", "settings"))
    _integer(seed, "record.seed", MAX_SEED)
    _integer(pieces, "record.pieces", MAX_PIECES)
    if not isinstance(settings, dict):
        raise SchemaError("record.settings: expected an object of settings")
    if not isinstance(history, list) or len(history) > MAX_EVENTS:
        raise SchemaError(f"record.history: expected a list of at most {MAX_EVENTS:,} [piece, event] pairs")
    scene = cls(seed=seed, **settings)
    last = 0
    with one_blas_thread():
        for k, entry in enumerate(history):
            where = f"record.history[{k}]"
            if not (isinstance(entry, list) and len(entry) == 2):
                raise SchemaError(f"{where}: expected [piece, event]")
            at = _integer(entry[0], f"{where}[0]", pieces)
            if at < last:
                raise SchemaError(f"{where}[0]: events come in order of their pieces, got {at} after {last}")
            _advance_to(scene, at)
            last = at
            try:
                scene.handle(entry[1])
            except SchemaError as error:
                raise SchemaError(f"{where}[1]: {error}") from None
        _advance_to(scene, pieces)
    return scene


def _advance_to(scene, pieces):
    while scene.pieces < pieces:
        scene.advance_piece()


def _integer(value, where, most):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise SchemaError(f"{where}: expected an integer from 0 to {most:,}, got {value!r}")
    return value
