"""Scene name -> Scene class, for every live unit diffplay has: the scenes (scenes/NAME.py) and
the learn chapters (learn/NAME.py). Scene NAME is the Scene subclass with name = NAME in a module
called NAME of one of those packages; adding one adds that file only. The machinery beside them
(base, schema, registry, command, a chapter's base, trace) and sub-packages are simply not scenes.

Scenes list by name; chapters by their number (`section` and `number` are class attributes).
"""

import importlib
import pkgutil

from ..checks import did_you_mean
from ..errors import UsageError
from .base import Scene

PACKAGES = ("diffplay.scenes", "diffplay.learn")
SECTIONS = ("scenes", "learn")


def _modules():
    """{module name: its package} for every module that may hold a scene."""
    found = {}
    for package in PACKAGES:
        for m in pkgutil.iter_modules(importlib.import_module(package).__path__):
            if not m.name.startswith("_") and not m.ispkg:
                found.setdefault(m.name, package)
    return found


def _scene_in(package, module_name):
    """The Scene subclass that module_name defines under its own name, or None."""
    module = importlib.import_module(f"{package}.{module_name}")
    for thing in vars(module).values():
        if isinstance(thing, type) and issubclass(thing, Scene) and thing.name == module_name:
            return thing
    return None


def _found():
    scenes = [s for s in (_scene_in(package, name) for name, package in _modules().items()) if s is not None]
    return sorted(scenes, key=lambda s: (SECTIONS.index(s.section), s.number, s.name))


def names(section=None):
    """The names of all scenes (or of one section's): scenes by name, then chapters in order."""
    return [s.name for s in _found() if section in (None, s.section)]


def load(name):
    """The Scene class called `name`; a UsageError listing the scenes if there is none."""
    package = _modules().get(name)
    scene = _scene_in(package, name) if package else None
    if scene is None:
        known = names()
        raise UsageError(f"unknown scene {name!r}; scenes: {', '.join(known)}{did_you_mean(name, known)}")
    return scene


def all_scenes(section=None):
    return [load(name) for name in names(section)]


def describe_all():
    return [scene.describe() for scene in all_scenes()]


def modules():
    """The modules of every scene, for a process to import once before it builds any."""
    return [f"{_modules()[name]}.{name}" for name in names()]
