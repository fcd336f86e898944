"""What the checkpoint tests do to checkpoint files: a version 3 archive's contents as version
2's JSON (still read), and an archive with members replaced, removed, or its checkpoint.json
given a raw hostile literal."""

import io
import json
import zipfile

import numpy as np

META = "checkpoint.json"


def as_version_2(raw):
    """A version 3 archive's contents (its bytes) as version 2's JSON object: its arrays as
    nested lists in their places."""
    with np.load(io.BytesIO(raw)) as archive:
        payload = json.loads(archive[META])
        payload["weights"] = {name: archive[f"weights/{name}"].tolist() for name in payload["weights"]}
        for i, entry in payload["optimizer"]["state"].items():
            entry.update({key: archive[f"optimizer/state/{i}/{key}"].tolist() for key in ("exp_avg", "exp_avg_sq")})
        payload["losses"] = archive["losses"].tolist()
    return {**payload, "version": 2}


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
