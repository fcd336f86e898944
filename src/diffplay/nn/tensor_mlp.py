"""A multilayer perceptron over Tensors: the batched twin of mlp.MLP, for scenes that need speed."""

import numpy as np

from ..engine.tensor import Tensor
from ..engine.tensor_ops import linear

ACTIVATIONS = {
    "tanh": Tensor.tanh,
    "relu": Tensor.relu,
    "sigmoid": Tensor.sigmoid,
    "linear": lambda t: t,
}

# Initial weights: uniform in [-bound, bound], bound from the layer's fan-in. Biases start at
# `bias` whatever the init (Playground starts them at 0.1: the boundary scene passes bias=0.1).
INITS = {
    "playground": lambda fan_in: 0.5,                   # TensorFlow Playground's weights: U(-0.5, 0.5)
    "he": lambda fan_in: float(np.sqrt(6.0 / fan_in)),  # keeps relu activations' variance steady
}


class TensorMLP:
    """sizes[0] inputs -> hidden layers with `activation` -> sizes[-1] linear outputs.

    x is (batch, sizes[0]); weights are (out, in), as torch.nn.Linear's.
    """

    def __init__(self, sizes, activation="tanh", init="playground", bias=0.0, rng=None, dtype=np.float64):
        if activation not in ACTIVATIONS:
            raise ValueError(f"TensorMLP: unknown activation {activation!r} (choose from {', '.join(ACTIVATIONS)})")
        if init not in INITS:
            raise ValueError(f"TensorMLP: unknown init {init!r} (choose from {', '.join(INITS)})")
        rng = rng if rng is not None else np.random.default_rng()
        self.activation = activation
        self.layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = INITS[init](fan_in)
            w = Tensor(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(dtype), requires_grad=True)
            b = Tensor(np.full(fan_out, bias, dtype), requires_grad=True)
            self.layers.append((w, b))

    def __call__(self, x):
        act = ACTIVATIONS[self.activation]
        for i, (w, b) in enumerate(self.layers):
            x = linear(x, w, b)
            if i < len(self.layers) - 1:
                x = act(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer]

    def named_parameters(self):
        """{"layer1.weight": w, "layer1.bias": b, ...}, layers counted from 1."""
        return {f"layer{i}.{part}": p for i, layer in enumerate(self.layers, 1) for part, p in zip(("weight", "bias"), layer)}

    def weights(self):
        return [w for w, _ in self.layers]
