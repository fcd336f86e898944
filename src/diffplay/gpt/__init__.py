"""microgpt in diffplay: a GPT that learns names, on the Value engine (for reading) or the
Tensor engine (for speed), trained and sampled from the command line or from Python.

    result = diffplay.gpt.train(steps=1000)          # the `names` package's first names
    GPT.load("model.npz").sample(5, prompt="ka")
"""

from .config import GPTConfig
from .model import GPT
from .train import TrainResult, train

__all__ = ["GPT", "GPTConfig", "TrainResult", "train"]
