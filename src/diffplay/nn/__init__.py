"""Small neural networks: over scalar Values (micrograd's shape), and their batched Tensor twin."""

from .mlp import MLP, Layer, Neuron
from .tensor_mlp import TensorMLP

__all__ = ["MLP", "Layer", "Neuron", "TensorMLP"]
