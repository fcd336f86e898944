"""Text measured with a font's own advance widths, where fontTools is installed (the optional
extra: pip install 'diffplay[fonts]') and a font file is at hand; estimated from the font size
otherwise (shapes.text_size, 0.6 em a character), which a result then notes.

The font is the one a text names (`font = "path/to/font.ttf"`), else the first of FONTS found
on this machine; `font = false` asks for the estimate, the same on every machine. A width is the glyphs' advances summed (no kerning); a height is the font's
line (ascender − descender + line gap). The SVG names the measured font's family first, so a
browser that has the font draws the text as wide as it was measured.
"""

import functools
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from .shapes import text_size

FONTS = (   # where common systems keep a plain sans-serif font, the first found measures unnamed text
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",   # Debian, Ubuntu
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",   # Fedora
    "/usr/share/fonts/TTF/DejaVuSans.ttf",   # Arch
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",   # macOS
    "C:/Windows/Fonts/arial.ttf",
)
EXTRA = "pip install 'diffplay[fonts]'"


@dataclass(frozen=True)
class Measured:
    """A label's box, and the font that measured it ("" for an estimate)."""

    width: float
    height: float
    font: str = ""
    family: str = ""


def measure(text, size, font=None, what="text", where=""):
    """The box of one line of `text` at `size` px: measured with `font` (a path; a UsageError
    names `where` if it cannot be), else with the first of FONTS there is, else (and when
    `font` is False) estimated."""
    if font is False:
        metrics = None
    elif font is not None:
        metrics = _named(font, what, where)
    else:
        metrics = next((m for path in FONTS if Path(path).is_file() and (m := _load(path)) is not None), None)
    if metrics is None:
        return Measured(*text_size(text, size))
    em = sum(metrics.advances.get(ord(c), metrics.missing) for c in text) / metrics.units_per_em
    return Measured(max(em, 0.5) * size, metrics.line * size, metrics.path, metrics.family)


@dataclass(frozen=True)
class _Metrics:
    path: str
    family: str
    units_per_em: int
    advances: dict   # code point -> advance, in font units
    missing: int     # the advance of a character the font lacks (its .notdef glyph's)
    line: float      # the line's height, in em


def _named(font, what, where):
    """A font the user named: read, or a UsageError saying why not."""
    path = Path(str(font)).expanduser()
    if not path.is_file():
        raise UsageError(f'{what}: font "{font}" is not a file', where=where)
    try:
        import fontTools  # noqa: F401
    except ImportError:
        raise UsageError(f'{what}: measuring with font "{font}" needs fontTools: {EXTRA}', where=where) from None
    metrics = _load(str(path))
    if metrics is None:
        raise UsageError(f'{what}: font "{font}" is not a TrueType or OpenType font fontTools can read', where=where)
    return metrics


@functools.lru_cache(maxsize=16)
def _load(path):
    """The metrics of the font at `path`, or None without fontTools or if it cannot be read."""
    try:
        from fontTools.ttLib import TTFont
    except ImportError:
        return None
    try:
        with TTFont(path, lazy=True, fontNumber=0) as font:
            advances, cmap = font["hmtx"].metrics, font.getBestCmap() or {}
            hhea, upm = font["hhea"], font["head"].unitsPerEm
            family = font["name"].getBestFamilyName() or ""
            return _Metrics(path, family, upm, {c: advances[g][0] for c, g in cmap.items() if g in advances},
                            advances[font.getGlyphOrder()[0]][0],
                            (hhea.ascent - hhea.descent + hhea.lineGap) / upm)
    except Exception:   # fontTools raises many kinds on a damaged or foreign file
        return None
