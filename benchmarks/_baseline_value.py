"""The microgpt-style scalar Value that benchmarks compare against (written here, not imported).

It is microgpt's design as published: children and local gradients as tuples, a recursive
topological sort in backward(). Kept minimal on purpose: it is the yardstick, not a library.
"""

import math


class BaselineValue:
    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, BaselineValue) else BaselineValue(other)
        return BaselineValue(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, BaselineValue) else BaselineValue(other)
        return BaselineValue(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, other):
        return BaselineValue(self.data**other, (self,), (other * self.data ** (other - 1),))

    def log(self):
        return BaselineValue(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        return BaselineValue(math.exp(self.data), (self,), (math.exp(self.data),))

    def tanh(self):
        t = math.tanh(self.data)
        return BaselineValue(t, (self,), (1 - t * t,))

    def relu(self):
        return BaselineValue(max(0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * v.grad
