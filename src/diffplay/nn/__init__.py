"""Small neural networks over scalar Values (micrograd's shape)."""

from .mlp import MLP, Layer, Neuron

__all__ = ["MLP", "Layer", "Neuron"]
