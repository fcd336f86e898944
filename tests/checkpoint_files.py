"""What the checkpoint tests do to checkpoint files: a version 4 archive's contents as version
2's JSON or as version 3's archive (both still read), and an archive with members replaced,
removed, or its checkpoint.json given a raw hostile literal."""

import io
import json
import zipfile

import numpy as np

from diffplay.gpt.config import GPTConfig, parameter_shapes

META = "checkpoint.json"


def matrices(raw):
    """A version 4 archive's (checkpoint.json, {"weights": {name: matrix}, "state": {i: {moment:
    matrix}}, "losses": vector}): its vectors cut by the config's shapes with np.load alone."""
    with np.load(io.BytesIO(raw)) as archive:
        payload = json.loads(archive[META])
        table = parameter_shapes(GPTConfig(**payload["config"]), len(payload["vocabulary"]) + 1)
        shapes = [table[name] for name in payload["weights"]]
        cut = {member: np.split(archive[member], np.cumsum([rows * cols for rows, cols in shapes])[:-1])
               for member in ("weights", "optimizer/exp_avg", "optimizer/exp_avg_sq")}
        weights = {name: piece.reshape(shape) for name, piece, shape in zip(payload["weights"], cut["weights"], shapes)}
        state = {i: {key: cut[f"optimizer/{key}"][i].reshape(shapes[i]) for key in ("exp_avg", "exp_avg_sq")}
                 for i in range(len(shapes))}
        return payload, {"weights": weights, "state": state, "losses": archive["losses"]}


def as_version_2(raw):
    """A version 4 archive's contents (its bytes) as version 2's JSON object: its arrays as
    nested lists in their places."""
    payload, arrays = matrices(raw)
    payload["weights"] = {name: matrix.tolist() for name, matrix in arrays["weights"].items()}
    for i, entry in payload["optimizer"]["state"].items():
        entry.update({key: matrix.tolist() for key, matrix in arrays["state"][int(i)].items()})
    payload["losses"] = arrays["losses"].tolist()
    return {**payload, "version": 2}


def as_version_3(raw):
    """A version 4 archive as version 3 wrote it: a member per matrix."""
    payload, arrays = matrices(raw)
    members = {META: json.dumps({**payload, "version": 3}), "losses.npy": npy(arrays["losses"])}
    members.update({f"weights/{name}.npy": npy(matrix) for name, matrix in arrays["weights"].items()})
    members.update({f"optimizer/state/{i}/{key}.npy": npy(matrix)
                    for i, entry in arrays["state"].items() for key, matrix in entry.items()})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def meta(raw):
    """An archive's checkpoint.json, as an object."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        return json.loads(archive.read(META))


def with_literal(text, put, literal):
    """JSON text with `literal` (any text) where put(payload, marker) puts a marker."""
    payload = json.loads(text)
    put(payload, "MARKER")
    return json.dumps(payload).replace('"MARKER"', literal)


def put_literal(path, put, literal):
    """Rewrite the checkpoint at path, JSON or archive (then its checkpoint.json), with `literal`
    where put(payload, marker) puts a marker."""
    raw = path.read_bytes()
    if zipfile.is_zipfile(path):
        path.write_bytes(rewritten(raw, {META: with_literal(json.dumps(meta(raw)), put, literal)}))
    else:
        path.write_text(with_literal(raw.decode(), put, literal))


def npy(array):
    """An array as the bytes of an .npy file."""
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def without_member(raw, name):
    return rewritten(raw, {name: None})


def with_member(raw, name, value):
    return rewritten(raw, {name: npy(value) if isinstance(value, np.ndarray) else value})


def rewritten(raw, changes, compression=zipfile.ZIP_STORED):
    """The archive's bytes with some members replaced (None: removed), written with `compression`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as old, zipfile.ZipFile(out, "w", compression) as new:
        for info in old.infolist():
            data = changes.get(info.filename, old.read(info))
            if data is not None:
                new.writestr(info.filename, data)
    return out.getvalue()
