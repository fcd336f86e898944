"""Fuzzing what reads outside input (issue 14): 10,000 hostile inputs to the command line's flags,
a checkpoint (version 2's JSON, and version 4's zip archive: its checkpoint.json, its arrays
missing, misshapen, mistyped or with headers that lie about their size, its bytes cut short or
compressed), a layout spec's TOML and a studio page's messages, and not one traceback — every
input is taken or refused with a UsageError (argparse's exit 2, for a flag), within 2 GB of
memory; a spec that is taken solves and draws valid SVG.

Deterministic: the profile in conftest.py derandomizes hypothesis (its seed is fixed by the
test itself).
"""

import contextlib
import io
import json
import math
import xml.etree.ElementTree as ElementTree
import zipfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diffplay.cli import build_parser
from diffplay.errors import UsageError
from diffplay.gpt.checkpoint import checkpoint_bytes, parse_checkpoint
from diffplay.gpt.train import DEFAULTS, Run
from diffplay.layout.spec import loads
from diffplay.scenes import registry
from diffplay.studio.limits import Limits
from diffplay.studio.messages import parse
from checkpoint_files import META, as_version_2, meta, npy, rewritten
from memory_bounds import bounded_memory

MARKER = "MARKER"
# what a hostile writer puts where a value goes, as raw text (json.dumps cannot write most of it)
RAW = ["9" * 5000, "-" + "9" * 400, "1" + "0" * 400, "[" * 100_000 + "]" * 100_000, "{" * 3000, "[" * 40 + "]" * 40,
       "NaN", "Infinity", "-Infinity", "1e999", "-0", '"\\ud800"', '"\\u0000\\u001b[2J"', "1.5e-400", "18446744073709551616"]
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
           | st.sampled_from([2**53, -1, 0, 10**18, 2**63, 1e308, 5e-324]))
NESTED = [[], {}, [[[]]], {"a": {"b": []}}, [1, [2, [3, None]]], {"type": "reset"}, {"x": "1"}, [0.5], [1, 2, 3]]
JSON = (SCALARS | st.sampled_from(NESTED) | st.lists(SCALARS, max_size=3)
        | st.dictionaries(st.sampled_from(["type", "x", "y", "id", "key", "value", ""]), SCALARS, max_size=3))
HOSTILE = JSON | st.just(MARKER)
FLAG_VALUES = (st.integers().map(str) | st.floats().map(repr) | st.text(max_size=12)
               | st.sampled_from(["", "-1", "nan", "inf", "1e999", "0x10", "1_000", " 7 ", "٣", "9" * 400, "0" * 30 + "1",
                                  "=", "a=b", "\x1b[2J", "-" + "9" * 5000]))
COMMANDS = {
    ("gpt", "train"): ["--steps", "--seed", "--lr", "--n-embd", "--n-head", "--n-layer", "--block-size", "--batch",
                       "--samples", "--temperature", "--checkpoint-every", "--max-memory", "--engine"],
    ("gpt", "sample"): ["-n", "--temperature", "--seed", "--prompt", "--engine"],
    ("scene", "lsystem"): ["--steps", "--seed", "--set"],
    ("scene", "ik"): ["--steps", "--seed", "--set"],
    ("serve",): ["--port", "--max-sessions", "--limit", "--allow-host"],
    ("demo",): ["--steps", "--seed"],
}
SCENES = {name: registry.load(name) for name in ("lsystem", "ik")}
SET_KEYS = sorted({s.name for scene in SCENES.values() for s in scene.settings}) + ["nope", ""]
LIMIT_NAMES = sorted(Limits().describe()) + ["nope"]
PARSER = build_parser()
LIMITS = Limits()
SCENE = registry.load("ik")(seed=0)
EVENT_FIELDS = {kind: list(event["fields"]) for kind, event in SCENE.describe()["events"]["variants"].items()}
EVENT_TYPES = sorted(EVENT_FIELDS) + ["", "shout"]
SPEC = {"canvas": {"width": 300, "height": 200}, "solve": {"seed": 1, "restarts": 1},
        "shapes": {"A": {"kind": "circle", "r": 40, "text": "A", "fill": "#eee"}, "B": {"kind": "rect", "free": ["x"]},
                   "L": {"kind": "text", "text": "label"}, "S": {"kind": "arrow", "from": "A", "to": [10, 20]},
                   "P": {"kind": "polygon", "points": [[0, 0], [40, 0], [0, 30]]}},
        "constraints": [{"disjoint": ["A", "B"], "pad": 5}, {"in_range": ["B.w", 10, 60]}],
        "objectives": [{"near": ["L", "A"]}]}


def _one_step_run():
    run = Run(None, {**DEFAULTS, "steps": 2, "n_embd": 2, "n_head": 1, "block_size": 2}, "tensor")
    run.train_step()   # so Adam's moments are in it
    return run


ARCHIVE = checkpoint_bytes(_one_step_run().checkpoint())   # version 4
CHECKPOINT = json.dumps(as_version_2(ARCHIVE))            # the same as version 2's JSON
with zipfile.ZipFile(io.BytesIO(ARCHIVE)) as _archive:
    MEMBERS = sorted(_archive.namelist())
SHAPES = st.lists(st.sampled_from([0, 1, 2, 3, 27, 2**31, 2**40, 2**62]), max_size=3).map(tuple)


# ---- the three kinds of input ----

@st.composite
def flags(draw):
    command = draw(st.sampled_from(sorted(COMMANDS)))
    argv = list(command)
    for _ in range(draw(st.integers(0, 4))):
        flag = draw(st.sampled_from(COMMANDS[command]))
        value = draw(FLAG_VALUES)
        if flag == "--set":
            value = f"{draw(st.sampled_from(SET_KEYS))}={value}"
        elif flag == "--limit":
            value = f"{draw(st.sampled_from(LIMIT_NAMES))}={value}"
        argv += [flag, value]
    return "flags", argv


def with_raw(draw, value, write=json.dumps):
    """write(value) (JSON text, or TOML), where a MARKER, if any, becomes a raw hostile literal."""
    return write(value).replace(json.dumps(MARKER), draw(st.sampled_from(RAW)), 1)


def hostile_field(draw, document):
    """`document` (a copy) with one field, at any depth, the whole of it included, made hostile."""
    root = {"document": json.loads(json.dumps(document))}
    parent, key = root, "document"
    for _ in range(draw(st.integers(0, 4))):
        node = parent[key]
        if not isinstance(node, (dict, list)) or not node:
            break
        parent, key = node, draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
    parent[key] = draw(HOSTILE)
    return root["document"]


def toml_text(document):
    """A spec as TOML text, each section an inline value (`shapes = { A = { kind = "circle" } }`);
    TOML has no null, so a None is written as an empty table."""
    document = document if isinstance(document, dict) else {"canvas": document}
    return "".join(f"{json.dumps(key)} = {_toml(value)}\n" for key, value in document.items())


def _toml(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):   # JSON's escapes are TOML's
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml, value)) + "]"
    if value is None:
        return "{}"
    return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"


@st.composite
def checkpoints(draw):
    """A small valid JSON checkpoint with one field made hostile; now and then its text cut short."""
    text = with_raw(draw, hostile_field(draw, json.loads(CHECKPOINT)))
    if draw(st.booleans()) and draw(st.integers(0, 9)) == 0:
        text = text[:draw(st.integers(0, len(text)))]
    return "checkpoint", text.encode()


@st.composite
def archives(draw):
    """A small valid version 4 archive with one hostile change: a field of its checkpoint.json,
    a member gone or replaced (another shape or dtype, a header that lies, junk), its members
    compressed, or its bytes cut short or changed."""
    change = draw(st.sampled_from(["meta", "gone", "array", "header", "junk", "compressed", "cut", "flipped"]))
    member = draw(st.sampled_from(MEMBERS))
    if change == "meta":
        return "checkpoint", rewritten(ARCHIVE, {META: with_raw(draw, hostile_field(draw, meta(ARCHIVE)))})
    if change == "gone":
        return "checkpoint", rewritten(ARCHIVE, {member: None})
    if change == "array":
        dtype = draw(st.sampled_from(["<f8", "<f4", ">f8", "<i8", "|b1", "<f2", "<c16"]))
        shape = tuple(draw(st.lists(st.integers(0, 9), max_size=3)))
        with np.errstate(over="ignore"):   # a float past float32's range is inf, as it would be written
            array = np.full(shape, draw(st.floats()) if "f" in dtype else 1).astype(dtype)
        return "checkpoint", rewritten(ARCHIVE, {member: npy(array)})
    if change == "header":   # a header claiming any shape, over a few real numbers
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": draw(st.sampled_from(["<f8", "<f4", "|O"])),
                                                      "fortran_order": draw(st.booleans()), "shape": draw(SHAPES)})
        return "checkpoint", rewritten(ARCHIVE, {member: header.getvalue() + bytes(8 * draw(st.integers(0, 9)))})
    if change == "junk":
        return "checkpoint", rewritten(ARCHIVE, {member: draw(st.binary(max_size=64))})
    if change == "compressed":
        return "checkpoint", rewritten(ARCHIVE, {}, zipfile.ZIP_DEFLATED)
    at = draw(st.integers(0, len(ARCHIVE) - 1))
    if change == "cut":
        return "checkpoint", ARCHIVE[:at]
    return "checkpoint", ARCHIVE[:at] + bytes([ARCHIVE[at] ^ draw(st.integers(1, 255))]) + ARCHIVE[at + 1:]


@st.composite
def specs(draw):
    """A small valid layout spec with one field made hostile; now and then its text cut short."""
    text = with_raw(draw, hostile_field(draw, SPEC), toml_text)
    if draw(st.integers(0, 19)) == 0:
        text = text[:draw(st.integers(0, len(text)))]
    return "spec", text


@st.composite
def messages(draw):
    """A page's message: an envelope around an event of the scene's own vocabulary, its fields
    hostile; or anything at all."""
    kind = draw(st.sampled_from(EVENT_TYPES))
    if kind == "set":
        event = {"type": "set", "key": draw(st.sampled_from(SET_KEYS)), "value": draw(HOSTILE)}
    else:   # each of the event's fields, or a few of them, hostile
        event = {"type": kind, **{name: draw(HOSTILE) for name in EVENT_FIELDS.get(kind, ()) if draw(st.booleans())}}
    shape = draw(st.integers(0, 3))
    envelope = ({"type": "event", "id": 1, "event": event} if shape == 0 else
                {"type": "event", "id": draw(HOSTILE), "event": draw(HOSTILE)} if shape == 1 else
                {"type": "drawn", "frame": draw(HOSTILE)} if shape == 2 else draw(JSON))
    return "message", with_raw(draw, envelope)


# ---- what each must do with it ----

def take_flags(argv):
    with contextlib.redirect_stderr(io.StringIO()):
        try:
            args = PARSER.parse_args(argv)
        except SystemExit as refused:   # argparse's usage error
            assert refused.code == 2
            return
    if args.command == "scene":
        SCENES[args.name].assigned(args.assignments)
    elif args.command == "serve":
        Limits(max_sessions=args.max_sessions).changed(args.limits)


def take_message(text):
    message = parse(text, LIMITS)
    if message["type"] == "event":
        SCENE.handle(message["event"])


def take_spec(text):
    diagram, _ = loads(text, "spec.toml")
    diagram.solve(max_iterations=20)
    ElementTree.fromstring(diagram.svg())


TAKE = {"flags": take_flags, "checkpoint": lambda raw: parse_checkpoint(raw, "model.npz"), "spec": take_spec,
        "message": take_message}


def test_ten_thousand_hostile_inputs_are_each_taken_or_refused_in_words():
    with bounded_memory(2):
        take_each()


@settings(max_examples=10_000, suppress_health_check=list(HealthCheck))
@given(flags() | checkpoints() | archives() | specs() | messages())
def take_each(case):
    kind, text = case
    try:
        TAKE[kind](text)
    except UsageError:
        pass
