"""`diffplay.functional`: the energy building blocks (they live in engine/functional.py)."""

from .engine.functional import *  # noqa: F401,F403
from .engine.functional import __all__  # noqa: F401
