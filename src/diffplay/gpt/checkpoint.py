"""Checkpoints: written atomically, read back with every field checked, in any version.

A checkpoint holds all a run needs to go on exactly, on any engine: the config and vocabulary,
the weights, Adam's and its schedule's state_dict(), the random generator's state, the step
reached and the losses so far. Adam's is PyTorch's layout with one parameter per weight matrix,
parameter i the i-th of `weights` (whichever engine trained it).

Version 4, written now, is a zip archive of NumPy arrays (an .npz: `np.load` opens it) with the
rest as JSON in `checkpoint.json`: the weights end to end as one vector, `weights.npy`, in the
order `checkpoint.json`'s "weights" names them (each matrix row by row, its shape the config's),
Adam's moments laid out alike as `optimizer/exp_avg.npy` and `optimizer/exp_avg_sq.npy`, the
losses as `losses.npy` (float64), the rest in the run's dtype, so every number reads back bit
for bit. Five members, not a pair per matrix: the default model's archive is made in half the
time (0.18 ms, where 28 members took 0.38); a run's checkpoints are made and written in a
writer process (CheckpointWriter), so the training loop only hands the numbers over. A file
with the weights alone (no `step`; `gpt import` writes one) is a model to sample from, not a
run to resume.

Version 3 was the same archive with a member per matrix (`weights/NAME.npy`,
`optimizer/state/I/exp_avg.npy`, …); it is still read.
Versions 1 and 2 were JSON, arrays as nested lists; both are still read. Version 1, written
before optimizers had a state_dict, kept Adam's moments by weight name and its step count instead
("adam": {"steps", "m", "v"}); train.py turns it into today's state.
"""

import functools
import io
import math
import zipfile

import numpy as np

from ..checks import check_choice, check_integer, check_number, is_number, shown
from ..engine.flat import Flat
from ..errors import UsageError
from ..files import read_bytes, utf8_text, write_atomic
from ..npz import npz_bytes
from ..parsing import load_json
from ..writer_process import WriterProcess
from .config import DTYPES, GPTConfig, check_config, parameter_count, parameter_shapes

FORMAT, VERSION = "diffplay-gpt-checkpoint", 4
META = "checkpoint.json"   # the archive's member that holds all but the arrays
MOMENTS = ("exp_avg", "exp_avg_sq")   # Adam's state, by PyTorch's names
OPTIMIZER_MEMBERS = tuple(f"optimizer/{key}" for key in MOMENTS)   # version 4's, one vector each
ZIP_MAGIC = b"PK\x03\x04"
ARRAY_TYPES = tuple(np.dtype(name) for name in DTYPES)   # native byte order; no objects, so no pickles


def write_checkpoint(path, payload, flag="--out"):
    """Write payload (Run.checkpoint()'s) to path atomically (diffplay.files.write_atomic): a
    reader, or a run killed mid-write, only ever sees the old file or the new one."""
    write_atomic(path, checkpoint_bytes(payload), flag)


def checkpoint_bytes(payload):
    """Version 4's bytes: the payload's arrays end to end as .npy members, the rest as checkpoint.json."""
    return npz_bytes(*_archive_parts(payload))


class CheckpointWriter:
    """A run's checkpoints, written to one path by a writer process (diffplay.writer_process).
    save(payload) takes the snapshot apart at once (a non-finite number is a FloatingPointError,
    there and then) and hands the arrays' bytes over; the process makes the archive and writes
    it. The newest save wins, and close() waits until it is on disk."""

    def __init__(self, path):
        self.path, self.step, self.writer = path, None, WriterProcess("--out", preload=[npz_bytes.__module__])

    def save(self, payload):
        self.writer.submit(self.path, npz_bytes, *_archive_parts(payload))
        self.step = payload["step"]

    def poll(self):
        """Called between steps: a save that waited for the process goes once it is free."""
        self.writer.poll()

    def close(self):
        self.writer.close()


def _archive_parts(payload):
    """npz_bytes's arguments for the payload: checkpoint.json's name and contents, and each array
    as (member name, its np.save header, its bytes)."""
    meta, arrays = _split_arrays(payload)
    members = [(name, _npy_header(array.shape, array.dtype), array.tobytes()) for name, array in arrays.items()]
    return META, {"format": FORMAT, "version": VERSION, **meta}, members


@functools.lru_cache(maxsize=256)
def _npy_header(shape, dtype):
    """The header np.save writes before a C-ordered array of this shape and dtype."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": np.lib.format.dtype_to_descr(dtype),
                                                  "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def _split_arrays(payload):
    """(everything JSON can hold, {member name: array}): the weights and each of Adam's moments
    end to end, in the weights' order; a non-finite number, or weights of two dtypes, is refused."""
    meta = {key: value for key, value in payload.items() if key not in ("weights", "optimizer", "losses")}
    weights = payload["weights"]
    if len({w.dtype for w in weights.values()}) > 1:
        raise ValueError("checkpoint: the weights are of more than one dtype; nothing written")
    meta["weights"] = list(weights)
    layout = Flat([w.shape for w in weights.values()])
    arrays = {"weights": layout.join(list(weights.values()))}
    if "optimizer" in payload:
        state = payload["optimizer"]["state"]
        for key, member in zip(MOMENTS, OPTIMIZER_MEMBERS) if state else ():   # none before Adam's first step
            arrays[member] = layout.join([state[i][key] for i in range(len(weights))])
        meta["optimizer"] = {"state": {str(i): {key: value for key, value in entry.items() if key not in MOMENTS}
                                       for i, entry in state.items()},
                             "param_groups": payload["optimizer"]["param_groups"]}
        arrays["losses"] = np.array(payload["losses"], dtype=np.float64)
    if not all(np.isfinite(array).all() for array in arrays.values()):
        raise FloatingPointError("checkpoint: a number is not finite; nothing written")
    return meta, arrays


def read_checkpoint(path):
    """The checked contents of a checkpoint of any version, its config as a GPTConfig and its
    arrays as NumPy arrays (nested lists from versions 1 and 2); any problem is a UsageError
    naming file and field."""
    return parse_checkpoint(read_bytes(path, str(path)), path)


def parse_checkpoint(raw, path):
    """The checked contents of a checkpoint's bytes (read from `path`, which errors name): a
    zip archive (versions 3 and 4) or JSON (1 and 2), each read through diffplay.parsing's bounds.
    Nothing is built that the file could not hold: the config's parameter count is weighed
    against the file's size before any shape is made."""
    if raw.startswith(ZIP_MAGIC):   # at least a float32's 4 bytes a number
        (payload, arrays), archived, room = _unpack(raw, path), True, len(raw) // 4
    else:   # at least a digit and a comma a number
        payload, arrays, archived, room = load_json(utf8_text(raw, str(path)), str(path)), {}, False, len(raw) // 2
    check = _Checker(path, payload)
    check.equal("format", FORMAT)
    version = check.integer("version")
    if version not in range(1, VERSION + 1):
        raise check.error("version", f"is {version}; this diffplay reads versions 1 to {VERSION} (a newer one wrote it?)")
    if (version >= 3) != archived:
        raise check.error("version", f"is {version}, but the file is {'a zip archive' if archived else 'JSON'}: "
                                     "versions 1 and 2 are JSON, versions 3 and 4 zip archives")
    config = check.config()
    vocabulary = check.vocabulary()
    count = parameter_count(config, len(vocabulary) + 1)
    if count > room:
        raise check.error("config", f"describes {count:,} parameters, more than a file of {len(raw):,} bytes holds")
    shapes = parameter_shapes(config, len(vocabulary) + 1)
    if version == 3:
        _put_arrays(payload, arrays)
    elif archived:
        _cut_arrays(payload, arrays, shapes, path)
    if "losses" in arrays:   # an archive's losses, where the JSON of versions 1 and 2 holds them
        payload["losses"] = arrays["losses"].tolist()
    check.matrices("weights", shapes)
    if version < 3 or "step" in payload:
        return {**payload, "config": config, **check.training(shapes, version)}
    return {**payload, "config": config}


def _unpack(raw, path):
    """An archive's checkpoint.json and its arrays by member name (".npy" left off). Each
    member must be stored as it is (np.savez's way; a compressed one could unpack to any
    size), and each array's header must agree with its bytes before the array is made."""
    where = str(path)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
            members = {info.filename: info for info in infos}
            if len(members) != len(infos):
                raise UsageError("not a checkpoint: the archive holds two members of one name", where=where)
            for name, info in members.items():
                if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1 or info.file_size > len(raw):
                    raise UsageError(f"member {name[:80]} is compressed or encrypted; a checkpoint's members are "
                                     "stored as they are (np.savez, not np.savez_compressed)", where=where)
            # members whose bytes overlap could make a small file unpack to any size (zipfile
            # refuses them only from Python 3.11.8 on): all of them together fit in the file
            if sum(info.file_size for info in infos) > len(raw):
                raise UsageError("not a checkpoint: its members hold more bytes than the file", where=where)
            if META not in members:
                raise UsageError(f"not a checkpoint: the archive has no {META}", where=where)
            meta_where = f"{where}: {META}"
            payload = load_json(utf8_text(archive.read(META), meta_where), meta_where)
            arrays = {name.removesuffix(".npy"): _array(archive.read(info), f"{where}: {name[:80]}")
                      for name, info in members.items() if name != META}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:   # ValueError: a bad name's UTF-8, …
        raise UsageError(f"not a checkpoint: a damaged archive ({error})", where=where) from None
    return payload, arrays


def _array(data, where):
    """A .npy member's array (np.load, allow_pickle=False), once its header has said a float32
    or float64 shape whose numbers are the bytes that follow it: a header claiming 2**60
    numbers is refused, not allocated."""
    buffer = io.BytesIO(data)
    try:
        major, _ = np.lib.format.read_magic(buffer)
        if major not in (1, 2):
            raise ValueError(f"format version {major}")
        read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, _, dtype = read_header(buffer)
    except (ValueError, SyntaxError, TypeError) as error:   # literal_eval of a header that is no Python literal
        raise UsageError(f"not a NumPy array we read ({shown(str(error), 80)})", where=where) from None
    if dtype not in ARRAY_TYPES:
        raise UsageError(f"holds {str(dtype)[:40]} numbers; a checkpoint's arrays are {' or '.join(DTYPES)}",
                         where=where)
    held = len(data) - buffer.tell()
    if any(n < 0 for n in shape) or math.prod(shape) * dtype.itemsize != held:
        raise UsageError(f"its header says shape {shown(list(shape))}, but it holds {held // dtype.itemsize:,} numbers",
                         where=where)
    return np.load(io.BytesIO(data), allow_pickle=False)


def _put_arrays(payload, arrays):
    """Version 3: each array of the archive where its name says, where the JSON has room for
    it (what is missing is then named by the checks, as for versions 1 and 2)."""
    names = payload.get("weights")
    if isinstance(names, list):
        payload["weights"] = {name: arrays[f"weights/{name}"] for name in names
                              if isinstance(name, str) and f"weights/{name}" in arrays}
    for key, entry in (_adam_state(payload) or {}).items():
        for part in MOMENTS:
            if isinstance(entry, dict) and f"optimizer/state/{key}/{part}" in arrays:
                entry[part] = arrays[f"optimizer/state/{key}/{part}"]


def _cut_arrays(payload, arrays, shapes, path):
    """Version 4: the weights' vector and each of Adam's cut into matrices, in the config's
    order (which "weights" must name them in: Adam's states go by it), each piece where
    version 3 held it, then checked alike."""
    _check_names(payload.get("weights"), list(shapes), path)
    layout = Flat(shapes.values())
    vectors = {member: _vector(arrays, member, layout, path) for member in ("weights", *OPTIMIZER_MEMBERS)}
    types = {vector.dtype.name for vector in vectors.values() if vector is not None}
    if len(types) > 1:
        raise UsageError(f"its arrays mix {' and '.join(sorted(types))}; a checkpoint's are of one dtype",
                         where=str(path))
    if vectors["weights"] is None:
        raise UsageError("is missing", where=f"{path}: weights.npy")
    payload["weights"] = dict(zip(shapes, layout.split(vectors["weights"])))
    state = _adam_state(payload)
    if "step" in payload and state:   # Adam's moments, once it has stepped
        for key, member in zip(MOMENTS, OPTIMIZER_MEMBERS):
            if vectors[member] is None:
                raise UsageError("is missing", where=f"{path}: {member}.npy")
            for i, piece in enumerate(layout.split(vectors[member])):
                if isinstance(state.get(str(i)), dict):
                    state[str(i)][key] = piece


def _check_names(names, expected, path):
    """Version 4's "weights": each weight matrix's name once, in the config's order."""
    if names == expected:
        return
    where = f"{path}: field 'weights'"
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise UsageError("must be a list of the weight matrices' names", where=where)
    missing = [name for name in expected if name not in names]
    repeated = [name for name in expected if names.count(name) > 1]
    unknown = [name for name in names if name not in expected]
    if missing:
        problem = f"lacks {missing[0]}"
    elif repeated:
        problem = f"names {shown(repeated[0], 60)} twice or more"
    elif unknown:
        problem = f"names {shown(unknown[0], 60)}, not a weight of this config"
    else:
        problem = "names them out of order"
    raise UsageError(f"{problem}; it must name the config's weight matrices in order ({expected[0]}, {expected[1]}, …)",
                     where=where)


def _vector(arrays, member, layout, path):
    """A version 4 member that holds numbers end to end for every weight matrix, or None."""
    vector = arrays.get(member)
    if vector is not None and vector.shape != (layout.size,):
        raise UsageError(f"holds {vector.size:,} numbers in shape {shown(list(vector.shape))}; the config's "
                         f"weights are {layout.size:,} numbers end to end", where=f"{path}: {member}.npy")
    return vector


def _adam_state(payload):
    """The JSON's Adam state ({index: entry}), or None where there is no such table."""
    optimizer = payload.get("optimizer")
    state = optimizer.get("state") if isinstance(optimizer, dict) else None
    return state if isinstance(state, dict) else None


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
            raise self.error(field, f"must be {_KIND_NAMES[kind]}, got {shown(value)}")
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
        if isinstance(matrix, np.ndarray):   # versions 3 and 4
            fits = matrix.shape == (rows, cols) and matrix.dtype.name in DTYPES and np.isfinite(matrix).all()
        else:
            fits = isinstance(matrix, list) and len(matrix) == rows and all(
                isinstance(row, list) and len(row) == cols and all(is_number(x) for x in row) for row in matrix)
        if not fits:
            raise self.error(field, f"must be {rows} rows of {cols} finite numbers")

    def training(self, shapes, version):
        """What a run needs to go on (step, settings, optimizer, random state, losses), checked;
        returns {"optimizer", "schedule"} as train.py loads them ({} for version 1)."""
        step = self.integer("step", low=0)
        steps = self.integer("settings.steps", low=1)
        if step > steps:
            raise self.error("step", f"is {step}, past settings.steps ({steps})")
        self.integer("settings.seed")
        self.integer("settings.batch", low=1)
        self.number("settings.lr")
        self.field("settings.data_fingerprint", str)
        if not isinstance(self.payload["settings"].get("data", ""), (str, type(None))):
            raise self.error("settings.data", "must be a file path or null (the default names)")
        self.payload["settings"].setdefault("dtype", "float64")   # versions 1 and 2 knew no other
        dtype = check_choice(self.value("settings.dtype"), DTYPES, self.where("settings.dtype"))
        held = {matrix.dtype.name for matrix in self.payload["weights"].values() if isinstance(matrix, np.ndarray)}
        if held - {dtype}:   # an archive's arrays are the run's dtype
            raise self.error("settings.dtype", f"is {dtype}, but the weights are {' and '.join(sorted(held))}")
        optimizer = self.optimizer(shapes, step) if version > 1 else self.version_1_adam(shapes, step)
        self.random_state()
        losses = self.field("losses", list)
        if len(losses) != step or not all(is_number(x) for x in losses):
            raise self.error("losses", f"must be {step} numbers, one per step done")
        return optimizer

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
        for i, shape in enumerate(shapes.values() if table or step else ()):   # none before Adam's first step
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
