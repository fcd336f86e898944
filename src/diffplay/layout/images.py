"""The `image` shape's picture: a local PNG, JPEG or SVG file, read once, checked, and embedded
in the drawing as a data URI, so the SVG stands alone."""

import base64
import io
import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import UsageError

MAX_IMAGE_BYTES = 4 * 2 ** 20   # an image travels inside every SVG (and studio frame) drawn
MEDIA = {"PNG": "image/png", "JPEG": "image/jpeg"}


def data_uri(href, what, where=""):
    """`data:…;base64,…` of the image file at `href`; a UsageError naming `where` if it is not
    a readable PNG, JPEG or SVG of at most MAX_IMAGE_BYTES."""
    path = Path(str(href)).expanduser()
    if not path.is_file():
        raise UsageError(f'{what}: href "{href}" is not a file', where=where)
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise UsageError(f'{what}: href "{href}" is {size:,} bytes; an image is at most {MAX_IMAGE_BYTES:,}',
                         where=where)
    data = path.read_bytes()
    media = _raster(data) or _svg(data)
    if media is None:
        raise UsageError(f'{what}: href "{href}" is not a PNG, JPEG or SVG image', where=where)
    return f"data:{media};base64,{base64.b64encode(data).decode('ascii')}"


def _raster(data):
    """The media type of a whole PNG or JPEG file (Pillow checks it), else None."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return MEDIA.get(image.format)
    except Exception:   # Pillow raises many kinds on what is not a picture it reads
        return None


def _svg(data):
    """image/svg+xml when the file is XML whose root is an <svg> element, else None."""
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, ValueError):
        return None
    return "image/svg+xml" if root.tag in ("svg", "{http://www.w3.org/2000/svg}svg") else None
