"""What the studio offers: every registered scene, and the layout editor when the layout package is there."""

import importlib

from ..errors import UsageError
from ..scenes import registry
from ..scenes.schema import did_you_mean

# Scene-like adapters, by name: (their module, the package they adapt).
EDITORS = {"layout": ("diffplay.studio.layout_session", "diffplay.layout")}


def _editors():
    """The editors whose module (and what it needs) imports."""
    found = {}
    for name, (module, needs) in EDITORS.items():
        try:
            found[name] = importlib.import_module(module).EDITOR
        except ModuleNotFoundError as e:
            if not (e.name or "").startswith(needs):
                raise
            continue   # the package it adapts is not there (yet)
    return found


def names():
    return registry.names() + sorted(_editors())


def load(name):
    """The Scene class (or editor) called `name`; a UsageError listing the others if none is."""
    editors = _editors()
    if name in editors:
        return editors[name]
    if name in registry.names():
        return registry.load(name)
    known = names()
    raise UsageError(f"unknown scene {name!r}; the studio has {', '.join(known)}{did_you_mean(name, known)}")


def describe_all():
    return [load(name).describe() for name in names()]


def modules():
    """The modules a session process imports, to load them once, before any page connects."""
    return [f"diffplay.scenes.{name}" for name in registry.names()] + [EDITORS[n][0] for n in _editors()]

