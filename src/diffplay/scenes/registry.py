"""Scene name -> Scene class. Scene NAME lives in scenes/NAME.py; adding a scene adds that file only."""

import importlib
import pkgutil

from ..errors import UsageError
from . import __path__ as _package_path
from .base import Scene
from .schema import did_you_mean

# Modules of this package that hold machinery or helpers, not scenes.
_NOT_SCENES = {"base", "command", "expression", "picture", "registry", "schema", "datasets"}


def names():
    """The names of all scenes, sorted."""
    return sorted(m.name for m in pkgutil.iter_modules(_package_path) if m.name not in _NOT_SCENES and not m.name.startswith("_"))


def load(name):
    """The Scene class called `name`; a UsageError listing the scenes if there is none."""
    known = names()
    if name not in known:
        raise UsageError(f"unknown scene {name!r}; scenes: {', '.join(known)}{did_you_mean(name, known)}")
    module = importlib.import_module(f"{__package__}.{name}")
    for thing in vars(module).values():
        if isinstance(thing, type) and issubclass(thing, Scene) and thing.name == name:
            return thing
    raise UsageError(f"scenes/{name}.py defines no Scene subclass with name = {name!r}")


def all_scenes():
    return [load(name) for name in names()]
