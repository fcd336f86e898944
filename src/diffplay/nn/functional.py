"""torch.nn.functional's shape over diffplay's Tensor ops: `import diffplay.nn.functional as F`.

Every name here is the engine's own function (tensor_ops and the modules beside it), or,
for an elementwise function, a call of the Tensor method its table makes. A name of torch's
that is not here raises an AttributeError naming it.
"""

from ..engine.elementwise import ELEMENTWISE
from ..engine.tensor_ops import (avg_pool1d, avg_pool2d, batch_norm, binary_cross_entropy,
                                 binary_cross_entropy_with_logits, conv1d, conv2d, cross_entropy, embedding,
                                 l1_loss, layer_norm, linear, log_softmax, max_pool1d, max_pool2d, mse_loss,
                                 nll_loss, one_hot, pad, rms_norm, scaled_dot_product_attention, softmax)
from ..engine.tensor_random import dropout
from ..errors import missing_from


def _elementwise_function(name):
    def function(input, *args, **settings):
        return getattr(input, name)(*args, **settings)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{ELEMENTWISE[name].doc[:1].upper()}{ELEMENTWISE[name].doc[1:]}, elementwise."
    return function


globals().update({name: _elementwise_function(name) for name in ELEMENTWISE})

__all__ = [
    "avg_pool1d", "avg_pool2d", "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv1d",
    "conv2d", "cross_entropy", "dropout", "embedding", "l1_loss", "layer_norm", "linear", "log_softmax",
    "max_pool1d", "max_pool2d", "mse_loss", "nll_loss", "one_hot", "pad", "rms_norm", "scaled_dot_product_attention",
    "softmax",
]
__all__ += list(ELEMENTWISE)

__getattr__ = missing_from("diffplay.nn.functional", "torch.nn.functional")
