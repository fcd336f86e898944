"""Neural networks: PyTorch's Module and layers over Tensors, and micrograd's MLP over Values.

`import diffplay.nn as nn` offers Module, Sequential, ModuleList, ModuleDict, Parameter, the
layers (Linear, Embedding, LayerNorm, BatchNorm1d, Dropout, Flatten, Identity, Tanh, ReLU,
GELU…), `nn.functional` and `nn.init`, shaped like torch's; MLP, Layer and Neuron are
micrograd's, over Values. A torch.nn name it lacks raises an AttributeError naming it.
"""

from ..errors import missing_from
from . import functional, init
from .layers import (ELU, GELU, BatchNorm1d, Dropout, Embedding, Flatten, Identity, LayerNorm, LeakyReLU, Linear,
                     ReLU, Sigmoid, SiLU, Softplus, Tanh)
from .mlp import MLP, Layer, Neuron
from .module import Module, ModuleDict, ModuleList, Parameter, Sequential
from .tensor_mlp import TensorMLP

__all__ = [
    "ELU", "GELU", "MLP", "BatchNorm1d", "Dropout", "Embedding", "Flatten", "Identity", "Layer", "LayerNorm",
    "LeakyReLU", "Linear", "Module", "ModuleDict", "ModuleList", "Neuron", "Parameter", "ReLU", "Sequential", "SiLU",
    "Sigmoid", "Softplus", "Tanh", "TensorMLP", "functional", "init",
]

__getattr__ = missing_from("diffplay.nn", "torch.nn")
