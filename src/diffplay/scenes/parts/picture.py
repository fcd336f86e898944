"""Pictures for headless runs: PNG in and out (Pillow), SVG out, and a few SVG helpers.

Files are written whole or not at all (files.write_atomic); a failed write is a UsageError
naming --out, the flag that chose the path."""

import warnings
from io import BytesIO

import numpy as np

from ...errors import UsageError
from ...files import write_atomic
from ...text import xml_text

MAX_PIXELS = 50_000_000   # an image read from a file: a 7,000 x 7,000 photo, 600 MB as floats


def save_png(path, pixels):
    """Write uint8 pixels, (h, w) grey or (h, w, 3|4) colour, as a PNG file (a UsageError if it cannot)."""
    from PIL import Image

    png = BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8)).save(png, format="PNG")
    write_atomic(path, png.getvalue(), "--out")


def write_svg(path, text):
    """Write an SVG document (a UsageError naming --out if it cannot)."""
    write_atomic(path, text, "--out")


def load_png(path, size=None):
    """An image file as float RGB in [0, 1], shape (h, w, 3), resized to (size, size) if given;
    one of more than MAX_PIXELS is refused from its header, before it is decoded."""
    from PIL import Image, UnidentifiedImageError

    too_big = UsageError(f"{path}: the image has more than {MAX_PIXELS:,} pixels; scale it down first")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
        with image:
            if image.width * image.height > MAX_PIXELS:
                raise too_big
            image = Image.fromarray(on_white(np.asarray(image.convert("RGBA"))))
            if size is not None:
                image = image.resize((size, size), Image.Resampling.LANCZOS)
            return np.asarray(image, dtype=np.float64) / 255.0
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_big from None
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (UnidentifiedImageError, OSError) as error:
        raise UsageError(f"{path}: not a readable image ({error})") from None


def on_white(pixels):
    """8-bit RGB(A) pixels as RGB, the transparent ones laid on white paper (a picture's
    transparent background is white, as a browser shows it, not the black its RGB holds)."""
    if pixels.shape[-1] == 3:
        return pixels
    alpha = pixels[..., 3:].astype(np.float64) / 255
    return np.round(pixels[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)


def svg_document(width, height, body, background="#ffffff"):
    """A standalone SVG with a background rectangle and `body` (a list of element strings)."""
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace">',
        f'<rect width="100%" height="100%" fill="{background}"/>',
        *body,
        "</svg>\n",
    ])


def svg_text(x, y, text, size=12, anchor="start", fill="#222"):
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}">{xml_text(text)}</text>'


def svg_polyline(points, stroke="#1f77b4", width=1.5):
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return f'<polyline points="{coords}" fill="none" stroke="{stroke}" stroke-width="{width}"/>'
