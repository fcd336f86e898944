"""A scene's run as a record: its starting settings and seed, and every event at the piece of
work it came after. Replaying a record rebuilds the very same state, bit for bit (a scene's
pieces and events are its whole history: nothing in it depends on the clock), so a record is
what `diffplay scene NAME --save` writes and `--load` resumes, and what a studio page's "save
run" downloads, "load run" replays, and its address carries (`#run=`: the record as a link).

A record is JSON: {"record": "diffplay scene", "version": 1, "scene", "seed", "settings",
"pieces", "history": [[piece, event], …]}. Loading one checks every field and bounds the work
it asks for before any of it is done. A record that comes from a web page (a file it loaded,
a link) may not name a file on the machine: its command-line-only settings must be unset.
"""

import base64
import binascii
import json
import time
import zlib

from ..checks import MAX_SEED
from ..errors import UsageError
from ..files import read_text
from ..parsing import load_json
from ..process import one_blas_thread
from .base import MAX_EVENTS
from .schema import SchemaError

KIND, VERSION = "diffplay scene", 1
MAX_PIECES = 10_000_000    # the work a record may ask a replay for (a piece is a step or part of one)
MAX_RECORD_BYTES = 8 << 20  # a link's record, once inflated (a link is at most a message long)


def record_of(scene):
    """The scene's run so far as a JSON-able record."""
    if scene.event_log is None:
        raise UsageError(f"this run of {scene.name} had more than {MAX_EVENTS:,} events: too many to record")
    return {"record": KIND, "version": VERSION, "scene": scene.name, "seed": scene.seed,
            "settings": scene.initial, "pieces": scene.pieces, "history": scene.event_log}


def record_text(scene):
    return json.dumps(record_of(scene)) + "\n"


def link_of(record):
    """The record as a short text for an address: its JSON, deflated, in URL-safe base64."""
    packed = zlib.compress(json.dumps(record, separators=(",", ":")).encode(), 9)
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def record_of_link(text):
    """The record a link_of() text holds; a SchemaError if it is not one (inflating stops at
    MAX_RECORD_BYTES, so a small link cannot become a huge record)."""
    try:
        packed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_RECORD_BYTES)
        if inflater.unconsumed_tail:
            raise SchemaError(f"link: its record is longer than {MAX_RECORD_BYTES:,} bytes")
        if not inflater.eof:
            raise SchemaError("link: it is cut short (copy the whole address)")
    except (binascii.Error, ValueError, zlib.error):
        raise SchemaError("link: not a run's link (it does not decode)") from None
    return load_json(raw.decode("utf-8", "replace"), "link")


def read_record(path, cls):
    """The scene a record file holds, replayed: a UsageError naming the file and field if it is not one."""
    record = load_json(read_text(path, f"--load {path}"), f"--load {path}")
    try:
        return replay(record, cls)
    except SchemaError as error:
        raise UsageError(f"--load {path}: {error}") from None


def replay(record, cls, from_web=False):
    """A new scene of class `cls` that went through the record's run (`from_web`: a page sent
    it, so it may not set a command-line-only setting)."""
    run = Replay(record, cls, from_web)
    with one_blas_thread():
        run.advance()
    return run.scene


class Replay:
    """A record's run, redone: the record checked and its scene built, then advance() does the
    pieces and the events between them, all at once (a file) or a slice at a time (a studio
    page, which shows the run coming back instead of waiting on it)."""

    def __init__(self, record, cls, from_web=False):
        if not isinstance(record, dict) or record.get("record") != KIND:
            raise SchemaError(f'record: not a scene record (no "record": "{KIND}")')
        if record.get("version") != VERSION:
            raise SchemaError(f"record.version: this diffplay reads version {VERSION}, got {record.get('version')!r}")
        if record.get("scene") != cls.name:
            raise SchemaError(f"record.scene: the record is of scene {record.get('scene')!r}, not {cls.name}")
        seed, pieces, history, settings = (record.get(k) for k in ("seed", "pieces", "history", "settings"))
        _integer(seed, "record.seed", MAX_SEED)
        self.pieces = _integer(pieces, "record.pieces", MAX_PIECES)
        if not isinstance(settings, dict):
            raise SchemaError("record.settings: expected an object of settings")
        if from_web:
            _no_files(settings, cls)
        self.record = record
        self.history = _checked_history(history, pieces)
        self.next = 0   # the history's next event
        self.done = False
        self.scene = cls(seed=seed, **settings)
        for k, (_, event) in enumerate(history):   # each event's shape now, not after minutes of replay
            try:
                self.scene.event_schema.check(event, "event")
            except SchemaError as error:
                raise SchemaError(f"record.history[{k}][1]: {error}") from None

    def advance(self, deadline=None):
        """Replay up to the end, or until time.perf_counter() passes `deadline`; True once done."""
        scene, history = self.scene, self.history
        while True:
            while self.next < len(history) and history[self.next][0] == scene.pieces:
                try:
                    scene.handle(history[self.next][1])
                except SchemaError as error:
                    raise SchemaError(f"record.history[{self.next}][1]: {error}") from None
                self.next += 1
            if scene.pieces >= self.pieces:
                self.done = True
                return True
            scene.advance_piece()
            if deadline is not None and time.perf_counter() > deadline:
                return False

    def progress(self):
        """The share of the record's pieces and events replayed so far: 1 only once all are (the
        events after the last piece too: a run paused at its end is paused again by then)."""
        whole = self.pieces + len(self.history)
        return (self.scene.pieces + self.next) / whole if whole else 1.0


def _checked_history(history, pieces):
    if not isinstance(history, list) or len(history) > MAX_EVENTS:
        raise SchemaError(f"record.history: expected a list of at most {MAX_EVENTS:,} [piece, event] pairs")
    last = 0
    for k, entry in enumerate(history):
        where = f"record.history[{k}]"
        if not (isinstance(entry, list) and len(entry) == 2):
            raise SchemaError(f"{where}: expected [piece, event]")
        at = _integer(entry[0], f"{where}[0]", pieces)
        if at < last:
            raise SchemaError(f"{where}[0]: events come in order of their pieces, got {at} after {last}")
        last = at
    return history


def _no_files(settings, cls):
    for key, value in settings.items():
        setting = cls.setting(key, f"record.settings.{key}")
        if setting.cli_only and value != setting.default:
            raise SchemaError(f"record.settings.{key}: a page's record may not set it (it names a file on this "
                              f"machine); run it with `diffplay scene {cls.name} --load FILE` instead")


def _integer(value, where, most):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise SchemaError(f"{where}: expected an integer from 0 to {most:,}, got {value!r}")
    return value
