"""Bytes in a frame: pictures, arrays of numbers and sounds, each a small dict with base64 `data`.

    raster(pixels)   {"width", "height", "channels", "data"}   uint8 pixels, row-major
    array(values)    {"dtype", "shape", "data"}                 float32 numbers, row-major
    sound(wav)       {"format", "data"}                         a sound file ("wav")

A frame stays JSON, so the studio's WebSocket carries these as base64 text; a notebook widget
lifts each one out of the text and sends its bytes as a binary buffer (`is_blob` finds them:
a dict with exactly one of these sets of keys and text `data`). JavaScript reads either with
draw.js's `bytes()`, `pixels()` and `floats()`.
"""

import base64
import math

import numpy as np

from .schema import ListOf, Number, Record, SchemaError, Text

MAX_DATA = 1 << 24   # characters of base64 in one blob

RASTER = Record({"width": Number(1, integer=True), "height": Number(1, integer=True),
                 "channels": Number(1, 4, integer=True), "data": Text(max_length=MAX_DATA)})
ARRAY = Record({"dtype": Text(16), "shape": ListOf(Number(0, integer=True), max_length=8),
                "data": Text(max_length=MAX_DATA)})
SOUND = Record({"format": Text(16), "data": Text(max_length=MAX_DATA)})
KINDS = tuple(frozenset(kind.fields) for kind in (RASTER, ARRAY, SOUND))


def raster(pixels):
    """An image for a frame: uint8 pixels (h, w) or (h, w, c), row-major, base64 in "data"."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = pixels.shape[:2]
    channels = 1 if pixels.ndim == 2 else pixels.shape[2]
    return {"width": width, "height": height, "channels": channels, "data": _text(pixels.tobytes())}


def unraster(image, path="raster"):
    """The uint8 array back from a raster() dict, or a SchemaError at `path` if its data does not fit."""
    try:
        pixels = np.frombuffer(base64.b64decode(image["data"], validate=True), dtype=np.uint8)
    except ValueError:
        raise SchemaError(f"{path}.data: not base64") from None
    shape = (image["height"], image["width"]) + ((image["channels"],) if image["channels"] > 1 else ())
    if pixels.size != math.prod(shape):
        raise SchemaError(f"{path}.data: expected {math.prod(shape)} bytes, got {pixels.size}")
    return pixels.reshape(shape)


def array(values):
    """Numbers for a frame (a field, a matrix): float32, row-major, base64 in "data"."""
    values = np.ascontiguousarray(values, dtype="<f4")
    return {"dtype": "float32", "shape": list(values.shape), "data": _text(values.tobytes())}


def unarray(blob):
    """The float32 array back from an array() dict."""
    return np.frombuffer(base64.b64decode(blob["data"]), dtype="<f4").reshape(blob["shape"])


def sound(data, format="wav"):
    """A sound file's bytes for a frame, base64 in "data"."""
    return {"format": format, "data": _text(data)}


def is_blob(value):
    """Whether a frame's value is one of these (so a notebook may send its bytes as a buffer)."""
    return isinstance(value, dict) and isinstance(value.get("data"), str) and value.keys() in KINDS


def _text(data):
    return base64.b64encode(data).decode()
