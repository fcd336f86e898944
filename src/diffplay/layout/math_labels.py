"""Math labels: TeX-like math (`\\frac{a}{b}`) drawn as SVG paths by ziamath, an optional
extra (pip install 'diffplay[math]'), so the drawing needs no TeX and no font to show it. A
label's box is the size of what ziamath draws."""

import re

from ..errors import UsageError

EXTRA = "pip install 'diffplay[math]'"
_OUTER = re.compile(r"^\s*<svg\b([^>]*)>(.*)</svg>\s*$", re.S)


def typeset(tex, size, what, where=""):
    """(inner SVG, viewBox, width, height) of `tex` at `size` px; UsageErrors name `where`."""
    try:
        import ziamath
    except ImportError:
        raise UsageError(f"{what}: math labels need ziamath: {EXTRA}", where=where) from None
    before = ziamath.config.svg2
    ziamath.config.svg2 = False   # plain paths, no shared <symbol> ids to clash between labels
    try:
        drawn = ziamath.Latex(str(tex), size=float(size)).svg()
    except Exception as error:   # ziamath fails in many ways on TeX it cannot read
        raise UsageError(f"{what}: cannot typeset {tex!r} ({type(error).__name__}{': ' if str(error) else ''}"
                         f"{error})", where=where) from None
    finally:
        ziamath.config.svg2 = before
    head, inner = _OUTER.match(drawn).groups()
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', head))
    return inner, attrs["viewBox"], float(attrs["width"]), float(attrs["height"])
