"""`diffplay.optim`: SGD, Adam, AdamW, L-BFGS and LR schedules (they live in engine/optim.py)."""

from .engine.optim import *  # noqa: F401,F403
from .engine.optim import __all__  # noqa: F401
