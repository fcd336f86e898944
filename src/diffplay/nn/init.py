"""torch.nn.init's in-place fills for a model's weights (nanoGPT's `_init_weights`): normal_,
uniform_, zeros_, ones_, constant_.

Each writes into the Tensor's data, outside any graph (as torch's run under no_grad), and
returns the Tensor. Random ones draw from diffplay's generator (`manual_seed`), not torch's.
"""

from ..engine.tensor_random import numpy_rng
from ..errors import missing_from


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    return _fill(tensor, numpy_rng(generator).normal(mean, std, tensor.shape))


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    return _fill(tensor, numpy_rng(generator).uniform(a, b, tensor.shape))


def zeros_(tensor):
    return _fill(tensor, 0.0)


def ones_(tensor):
    return _fill(tensor, 1.0)


def constant_(tensor, val):
    return _fill(tensor, val)


def _fill(tensor, values):
    tensor.data[...] = values   # in its own dtype, in place: optimizers and views keep seeing it
    return tensor


__getattr__ = missing_from("diffplay.nn.init", "torch.nn.init")
