"""Checkpoint files: one JSON document, written atomically, read back with every field checked.

A checkpoint holds all a run needs to go on exactly: the config and vocabulary, the weights,
Adam's and its schedule's state_dict(), the random generator's state, the step reached and the
losses so far. Adam's is PyTorch's layout with one parameter per weight matrix, parameter i the
i-th of `weights` (whichever engine trained it); its arrays are nested lists. Floats are
written with repr, so every number reads back bit for bit.

Version 1, written before optimizers had a state_dict, kept Adam's moments by weight name and
its step count instead ("adam": {"steps", "m", "v"}); it is still read (train.py turns it into
today's state), and GPT.load reads either.
"""

import json

import numpy as np

from ..checks import check_integer, check_number, is_number
from ..errors import UsageError
from ..files import read_text, write_atomic
from ..parsing import load_json
from .config import GPTConfig, check_config, parameter_count, parameter_shapes

FORMAT, VERSION = "diffplay-gpt-checkpoint", 2


def write_checkpoint(path, payload):
    """Write payload as JSON to path atomically (diffplay.files.write_atomic): a reader, or a
    run killed mid-write, only ever sees the old file or the new one."""
    write_atomic(path, checkpoint_text(payload), "--out")


def checkpoint_text(payload):
    """The JSON text of a checkpoint of `payload` (Run.checkpoint()'s)."""
    try:
        return json.dumps({"format": FORMAT, "version": VERSION, **payload}, separators=(",", ":"), allow_nan=False,
                          default=_as_lists)
    except ValueError:   # NaN or ±inf: JSON has no such numbers, and read_checkpoint refuses them
        raise FloatingPointError("checkpoint: a number is not finite; nothing written") from None


def _as_lists(value):
    """What json cannot write itself: an array of optimizer state, as nested lists."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"checkpoint: cannot write a {type(value).__name__}")


def read_checkpoint(path):
    """The checked contents of a checkpoint, its config as a GPTConfig; any problem is a
    UsageError naming file and field."""
    return parse_checkpoint(read_text(path, str(path)), path)


def parse_checkpoint(text, path):
    """The checked contents of a checkpoint's text (read from `path`, which errors name)."""
    payload = load_json(text, str(path))
    check = _Checker(path, payload)
    check.equal("format", FORMAT)
    version = check.integer("version")
    if version not in (1, VERSION):
        raise check.error("version", f"is {version}; this diffplay reads versions 1 and {VERSION} (a newer one wrote it?)")
    config = check.config()
    vocabulary = check.vocabulary()
    count = parameter_count(config, len(vocabulary) + 1)
    if 2 * count > len(text):   # each weight is written as a digit and a comma at the least
        raise check.error("config", f"describes {count:,} parameters, more than a file of {len(text):,} characters "
                                    "holds")
    shapes = parameter_shapes(config, len(vocabulary) + 1)
    step = check.integer("step", low=0)
    steps = check.integer("settings.steps", low=1)
    if step > steps:
        raise check.error("step", f"is {step}, past settings.steps ({steps})")
    check.integer("settings.seed")
    check.integer("settings.batch", low=1)
    check.number("settings.lr")
    check.field("settings.data_fingerprint", str)
    if not isinstance(payload["settings"].get("data", ""), (str, type(None))):
        raise check.error("settings.data", "must be a file path or null (the default names)")
    check.matrices("weights", shapes)
    optimizer = check.optimizer(shapes, step) if version > 1 else check.version_1_adam(shapes, step)
    check.random_state()
    losses = check.field("losses", list)
    if len(losses) != step or not all(is_number(x) for x in losses):
        raise check.error("losses", f"must be {step} numbers, one per step done")
    return {**payload, "config": config, **optimizer}


class _Checker:
    """Looks up dotted fields ('config.n_embd') and raises UsageErrors that name them."""

    def __init__(self, path, payload):
        self.path, self.payload = path, payload
        if not isinstance(payload, dict):
            raise UsageError("not a checkpoint (the JSON is not an object)", where=str(path))

    def where(self, field):
        return f"{self.path}: field '{field}'"

    def error(self, field, message):
        return UsageError(message, where=self.where(field))

    def value(self, field):
        value = self.payload
        for key in field.split("."):
            if not isinstance(value, dict) or key not in value:
                raise self.error(field, "is missing")
            value = value[key]
        return value

    def field(self, field, kind):
        value = self.value(field)
        if not isinstance(value, kind):
            raise self.error(field, f"must be {_KIND_NAMES[kind]}, got {json.dumps(value)[:40]}")
        return value

    def equal(self, field, expected):
        if self.field(field, type(expected)) != expected:
            raise self.error(field, f"must be {expected!r}, got {self.payload[field]!r}")

    def integer(self, field, low=None):
        return check_integer(self.value(field), self.where(field), low)

    def number(self, field):
        return check_number(self.value(field), self.where(field))

    def config(self):
        table = self.field("config", dict)
        check_config(table, where=lambda name: self.where(f"config.{name}"))
        return GPTConfig(**table)

    def vocabulary(self):
        chars = self.field("vocabulary", str)
        if not chars or len(set(chars)) != len(chars):
            raise self.error("vocabulary", "must be a non-empty string of distinct characters")
        return chars

    def matrices(self, field, shapes):
        table = self.field(field, dict)
        for name, shape in shapes.items():
            self.matrix(f"{field}.{name}", table.get(name), shape)   # names hold dots: no self.value
        extra = sorted(set(table) - set(shapes))
        if extra:
            raise self.error(f"{field}.{extra[0]}", "is not a parameter of this config")

    def matrix(self, field, matrix, shape):
        rows, cols = shape
        if not (isinstance(matrix, list) and len(matrix) == rows and all(
                isinstance(row, list) and len(row) == cols and all(is_number(x) for x in row) for row in matrix)):
            raise self.error(field, f"must be {rows} rows of {cols} finite numbers")

    def optimizer(self, shapes, step):
        """{"optimizer": Adam's state_dict, arrays and int keys again, "schedule": its schedule's};
        the settings in them are checked as they are loaded."""
        groups = self.field("optimizer.param_groups", list)
        if not (len(groups) == 1 and isinstance(groups[0], dict) and groups[0].get("params") == list(range(len(shapes)))):
            raise self.error("optimizer.param_groups", f"must be one group whose params are 0 to {len(shapes) - 1}, "
                                                       "one a weight matrix")
        table = self.field("optimizer.state", dict)
        extra = sorted(set(table) - {str(i) for i in range(len(shapes))})
        if extra:
            raise self.error(f"optimizer.state.{extra[0]}", "is not the index of a weight matrix")
        state = {}
        for i, shape in enumerate(shapes.values()):
            entry = self.field(f"optimizer.state.{i}", dict)
            self.steps_taken(f"optimizer.state.{i}.step", step, "Adam")
            for key in ("exp_avg", "exp_avg_sq"):
                self.matrix(f"optimizer.state.{i}.{key}", entry.get(key), shape)
            state[i] = {key: np.array(value) if isinstance(value, list) else value for key, value in entry.items()}
        schedule = self.field("schedule", dict)
        self.steps_taken("schedule.k", step, "the schedule")
        return {"optimizer": {"state": state, "param_groups": groups}, "schedule": schedule}

    def version_1_adam(self, shapes, step):
        """Version 1's Adam: its moments by weight name, and one step count."""
        for field in ("adam.m", "adam.v"):
            self.matrices(field, shapes)
        self.steps_taken("adam.steps", step, "Adam")
        return {}

    def steps_taken(self, field, step, who):
        taken = self.integer(field, low=0)
        if taken != step:   # Adam's bias correction and the schedule both count from it
            raise self.error(field, f"is {taken}, but step is {step}: {who} takes one step per training step")

    def random_state(self):
        state = self.field("random_state", list)
        if not (len(state) == 3 and isinstance(state[0], int) and isinstance(state[1], list)
                and len(state[1]) == 625 and all(isinstance(x, int) and 0 <= x < 2**32 for x in state[1])
                and (state[2] is None or is_number(state[2]))):
            raise self.error("random_state", "must be [version, 625 integers, gauss_next] as random.getstate() gives")


_KIND_NAMES = {str: "a string", list: "a list", dict: "an object"}
