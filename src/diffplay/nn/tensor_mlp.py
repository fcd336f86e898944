"""A multilayer perceptron over Tensors: the batched twin of mlp.MLP, for scenes that need speed.

It is a Module of Linear layers (layers.py) with the scenes' own starting weights.
"""

import numpy as np

from .layers import Linear
from .module import Module, ModuleList

ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")

# Initial weights: uniform in [-bound, bound], bound from the layer's fan-in. Biases start at
# `bias` whatever the init (Playground starts them at 0.1: the boundary scene passes bias=0.1).
INITS = {
    "playground": lambda fan_in: 0.5,                   # TensorFlow Playground's weights: U(-0.5, 0.5)
    "he": lambda fan_in: float(np.sqrt(6.0 / fan_in)),  # keeps relu activations' variance steady
}


class TensorMLP(Module):
    """sizes[0] inputs -> hidden layers with `activation` -> sizes[-1] linear outputs.

    x is (batch, sizes[0]); weights are (out, in), as torch.nn.Linear's.
    """

    def __init__(self, sizes, activation="tanh", init="playground", bias=0.0, rng=None, dtype=np.float64):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"TensorMLP: unknown activation {activation!r} (choose from {', '.join(ACTIVATIONS)})")
        if init not in INITS:
            raise ValueError(f"TensorMLP: unknown init {init!r} (choose from {', '.join(INITS)})")
        rng = rng if rng is not None else np.random.default_rng()
        self.activation = activation
        self.linears = ModuleList()
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layer = Linear(fan_in, fan_out, dtype=dtype)
            bound = INITS[init](fan_in)
            layer.weight.data[...] = rng.uniform(-bound, bound, (fan_out, fan_in))
            layer.bias.data[...] = bias
            self.linears.append(layer)

    def forward(self, x):
        for x in self.outputs(x):
            pass
        return x

    def outputs(self, x):
        """Each layer's output in turn: the hidden layers' after their activation, then the logits."""
        last = len(self.linears) - 1
        for i, layer in enumerate(self.linears):
            x = layer(x)
            if i < last and self.activation != "linear":
                x = getattr(x, self.activation)()
            yield x

    def weights(self):
        return [layer.weight for layer in self.linears]
