"""Scene name -> Scene class. Scene NAME is the Scene subclass with name = NAME in scenes/NAME.py;
adding a scene adds that file only. The machinery beside them (base, schema, registry, command)
and the parts/ package are simply not scenes."""

import importlib
import pkgutil

from ..checks import did_you_mean
from ..errors import UsageError
from . import __path__ as _package_path
from .base import Scene


def _modules():
    return sorted(m.name for m in pkgutil.iter_modules(_package_path) if not m.name.startswith("_") and not m.ispkg)


def _scene_in(module_name):
    """The Scene subclass that module_name defines under its own name, or None."""
    module = importlib.import_module(f"{__package__}.{module_name}")
    for thing in vars(module).values():
        if isinstance(thing, type) and issubclass(thing, Scene) and thing.name == module_name:
            return thing
    return None


def names():
    """The names of all scenes, sorted."""
    return [name for name in _modules() if _scene_in(name) is not None]


def load(name):
    """The Scene class called `name`; a UsageError listing the scenes if there is none."""
    scene = _scene_in(name) if name in _modules() else None
    if scene is None:
        known = names()
        raise UsageError(f"unknown scene {name!r}; scenes: {', '.join(known)}{did_you_mean(name, known)}")
    return scene


def all_scenes():
    return [load(name) for name in names()]


def describe_all():
    return [scene.describe() for scene in all_scenes()]


def modules():
    """The modules of every scene, for a process to import once before it builds any."""
    return [f"{__package__}.{name}" for name in names()]
