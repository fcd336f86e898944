"""PyTorch's layers on diffplay's Tensor: Linear, Embedding, LayerNorm, BatchNorm1d, Dropout,
Flatten, Identity, and one Module per activation of the elementwise table (Tanh, ReLU, GELU…).

Each starts from PyTorch's initial values in distribution (drawn from diffplay's generator,
so not torch's numbers: load_state_dict a torch model's state to start from those).
"""

import math

import numpy as np

from ..engine.elementwise import ELEMENTWISE
from ..engine.tensor_create import dtype_or_default, ones, zeros
from ..engine.tensor_index import embedding
from ..engine.tensor_norms import batch_norm, layer_norm
from ..engine.tensor_ops import linear
from ..engine.tensor_random import default_generator, dropout
from .module import Module, Parameter


def _uniform(shape, bound, dtype):
    return Parameter(default_generator.rng.uniform(-bound, bound, shape).astype(dtype_or_default(dtype)))


class Linear(Module):
    """x @ weightᵀ + bias; weight (out, in) and bias uniform in ±1/√in, as torch starts them."""

    def __init__(self, in_features, out_features, bias=True, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / math.sqrt(in_features) if in_features else 0.0
        self.weight = _uniform((out_features, in_features), bound, dtype)
        self.bias = _uniform(out_features, bound, dtype) if bias else None

    def forward(self, x):
        return linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Embedding(Module):
    """A table of num_embeddings rows of embedding_dim, looked up by integer ids; starts N(0, 1)."""

    def __init__(self, num_embeddings, embedding_dim, dtype=None):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        rows = default_generator.rng.standard_normal((num_embeddings, embedding_dim))
        self.weight = Parameter(rows.astype(dtype_or_default(dtype)))

    def forward(self, ids):
        return embedding(ids, self.weight)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"


class LayerNorm(Module):
    """layer_norm over the trailing normalized_shape, with a learned weight (1) and bias (0)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=None):
        super().__init__()
        self.normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.eps = eps
        affine = self.normalized_shape if elementwise_affine else None
        self.weight = ones(affine, dtype=dtype, requires_grad=True) if affine else None
        self.bias = zeros(affine, dtype=dtype, requires_grad=True) if affine and bias else None

    def forward(self, x):
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.weight is not None}"


class BatchNorm1d(Module):
    """batch_norm over (N, C) or (N, C, L): the batch's statistics when training, the running
    ones (moved by `momentum` each training step) when evaluating."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = ones(num_features, dtype=dtype, requires_grad=True) if affine else None
        self.bias = zeros(num_features, dtype=dtype, requires_grad=True) if affine else None
        tracked = track_running_stats
        self.register_buffer("running_mean", zeros(num_features, dtype=dtype) if tracked else None)
        self.register_buffer("running_var", ones(num_features, dtype=dtype) if tracked else None)
        self.register_buffer("num_batches_tracked", zeros((), dtype=np.int64) if tracked else None)

    def forward(self, x):
        if self.training and self.num_batches_tracked is not None:
            self.num_batches_tracked.data += 1
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          self.training or self.running_mean is None, self.momentum, self.eps)

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.weight is not None}"


class Dropout(Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, x):
        return dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)


class Identity(Module):
    def forward(self, x):
        return x


def _activation(name, class_name):
    """The Module that applies elementwise function `name`, its settings given as torch's are."""
    params = ELEMENTWISE[name].params

    def __init__(self, *args, **settings):
        Module.__init__(self)
        self.settings = {**dict(zip(params, args)), **settings}

    def forward(self, x):
        return getattr(x, name)(**self.settings)

    def extra_repr(self):
        return ", ".join(f"{k}={v!r}" for k, v in self.settings.items())

    doc = f"{ELEMENTWISE[name].doc[:1].upper()}{ELEMENTWISE[name].doc[1:]}, elementwise, as a Module."
    return type(class_name, (Module,), {"__init__": __init__, "forward": forward, "extra_repr": extra_repr,
                                        "__doc__": doc, "__module__": __name__})


ACTIVATIONS = {"tanh": "Tanh", "relu": "ReLU", "sigmoid": "Sigmoid", "softplus": "Softplus", "gelu": "GELU",
               "silu": "SiLU", "elu": "ELU", "leaky_relu": "LeakyReLU"}
Tanh, ReLU, Sigmoid, Softplus, GELU, SiLU, ELU, LeakyReLU = (_activation(n, c) for n, c in ACTIVATIONS.items())
