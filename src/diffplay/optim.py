"""`diffplay.optim`: SGD, Adam, AdamW, L-BFGS and LR schedules (they live in engine/optim.py);
a torch.optim name it lacks raises an AttributeError naming it."""

from .engine.optim import *  # noqa: F401,F403
from .engine.optim import __all__  # noqa: F401
from .errors import missing_from

__getattr__ = missing_from("diffplay.optim", "torch.optim")
