"""What a solve measured approximately: the notes of its Result, each also warned once a process."""

import warnings

from .geometry import APPROXIMATIONS, is_convex

_SAID = set()   # notes already warned in this process


def notes(problem, z):
    """The approximations made measuring this problem's families at z, sorted; a note not
    said before in this process is warned too."""
    found = set()
    for family in problem.families:
        if family.relation.measured:
            found |= {APPROXIMATIONS[kind] for kind in family.shape_kinds & APPROXIMATIONS.keys() - {"polygon"}}
            if _has_a_concave_polygon(family, z):
                found.add(APPROXIMATIONS["polygon"])
        if family.kinds in family.relation.approximations:
            found.add(family.relation.approximations[family.kinds])
    for note in sorted(found - _SAID):
        warnings.warn(f"diffplay.layout: {note}", stacklevel=3)
        _SAID.add(note)
    return sorted(found)


def _has_a_concave_polygon(family, z):
    for kind, arrays in zip(family.kinds, family.arrays):
        if kind == "polygon":
            (_, vx), (_, vy) = arrays
            if not is_convex(z[vx], z[vy]).all():
                return True
    return False
