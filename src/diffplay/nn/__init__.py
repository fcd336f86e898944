"""Neural networks: PyTorch's Module and layers over Tensors, and micrograd's MLP over Values.

`import diffplay.nn as nn` offers Module, Sequential, ModuleList, Parameter, the layers
(Linear, Embedding, LayerNorm, BatchNorm1d, Dropout, Flatten, Identity, Tanh, ReLU, GELU…)
and `nn.functional`, shaped like torch's; MLP, Layer and Neuron are micrograd's, over Values.
A torch.nn name it lacks raises an AttributeError naming it.
"""

from ..errors import missing_from
from . import functional
from .layers import (ELU, GELU, BatchNorm1d, Dropout, Embedding, Flatten, Identity, LayerNorm, LeakyReLU, Linear,
                     ReLU, Sigmoid, SiLU, Softplus, Tanh)
from .mlp import MLP, Layer, Neuron
from .module import Module, ModuleList, Parameter, Sequential
from .tensor_mlp import TensorMLP

__all__ = [
    "ELU", "GELU", "MLP", "BatchNorm1d", "Dropout", "Embedding", "Flatten", "Identity", "Layer", "LayerNorm",
    "LeakyReLU", "Linear", "Module", "ModuleList", "Neuron", "Parameter", "ReLU", "Sequential", "SiLU", "Sigmoid",
    "Softplus", "Tanh", "TensorMLP", "functional",
]

__getattr__ = missing_from("diffplay.nn", "torch.nn")
