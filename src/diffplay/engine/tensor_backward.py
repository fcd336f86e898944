"""The reverse pass over a Tensor graph: Value.backward's two passes, over arrays.

Pass 1 counts, for every node that needs a gradient, how many ops consume it; pass 2 hands
each node's gradient down once all its consumers have handed theirs to it (Kahn's order, no
recursion). Interior gradients are per call; leaves add this call's to what they had.
"""

import math

import numpy as np

from .value import topological_order


def reverse_pass(root, grad):
    """Add d(root)/d(leaf) to the .grad of every leaf below root that requires it."""
    seed = _seed(root, grad)
    if not (math.isfinite(root.data.item()) if root.data.size == 1 else np.isfinite(root.data).all()):
        raise _nonfinite_error(root, "the output is not finite")
    consumers, leaves = _count_consumers(root)
    old_leaf_grads = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = None
    root.grad = seed
    _propagate(root, consumers)
    _settle_leaf_grads(root, leaves, old_leaf_grads)


def _seed(root, grad):
    if grad is None:
        if root.data.size != 1:
            raise ValueError(f"backward: the output has shape {root.data.shape}; pass grad= of that "
                             "shape (only a single-element output has an implied gradient of 1)")
        return np.ones_like(root.data)
    grad = np.asarray(grad, dtype=root.data.dtype)
    if grad.shape != root.data.shape:
        raise ValueError(f"backward: grad has shape {grad.shape}, the output has shape {root.data.shape}")
    return grad


def _count_consumers(root):
    """Pass 1: how many ops consume each node that needs a gradient; and the leaves among them."""
    consumers, leaves = {}, []
    stack = [root]
    if root._backward is None:
        leaves.append(root)
    while stack:
        v = stack.pop()
        for c in v._children:
            if not c.requires_grad:
                continue
            if c in consumers:
                consumers[c] += 1
                continue
            consumers[c] = 1
            if c._backward is None:
                leaves.append(c)
            else:
                c.grad = None   # interior gradients are per call; only leaves accumulate
                stack.append(c)
    return consumers, leaves


def _propagate(root, consumers):
    """Pass 2: a node passes its gradient on once every consumer has passed theirs to it."""
    ready = [root] if root._backward is not None else []
    while ready:
        v = ready.pop()
        for c, g in zip(v._children, v._backward(v.grad)):
            if not c.requires_grad:
                continue
            if g is not None:
                old = c.grad
                c.grad = g if old is None else old + g   # never in place: g may be shared
            left = consumers[c] - 1
            if left:
                consumers[c] = left
            elif c._backward is not None:
                ready.append(c)


def _settle_leaf_grads(root, leaves, old_grads):
    """Leaves own their gradient arrays (in their dtype) and add this call's to the last."""
    bad, fresh = False, []
    for leaf, old in zip(leaves, old_grads):
        g = leaf.grad
        if g is None:
            leaf.grad = old
        elif old is None and g.dtype == leaf.data.dtype:
            fresh.append(leaf)   # the usual case: copied below, all in one go
        else:
            dtype = leaf.data.dtype
            leaf.grad = np.array(g, dtype=dtype) if old is None else (old + g).astype(dtype, copy=False)
            bad = bad or not math.isfinite(np.add.reduce(g, None))   # inf or nan anywhere shows in the sum
    bad = _copied_end_to_end(fresh) or bad
    if bad and not all(np.isfinite(leaf.grad).all() for leaf in leaves if leaf.grad is not None):
        raise _nonfinite_error(root, "a gradient is not finite")


def _copied_end_to_end(leaves):
    """Give each leaf its own copy of its gradient: the copies of one dtype lie end to end in
    one new array (one call, and one sum finds an inf or nan); True if the sum is not finite."""
    bad, by_dtype = False, {}
    for leaf in leaves:
        by_dtype.setdefault(leaf.grad.dtype, []).append(leaf)
    for group in by_dtype.values():
        flat = np.concatenate([leaf.grad.ravel() for leaf in group])
        bad = bad or not math.isfinite(np.add.reduce(flat))
        start = 0
        for leaf in group:
            end = start + leaf.grad.size
            leaf.grad = flat[start:end].reshape(leaf.grad.shape)
            start = end
    return bad


def _nonfinite_error(root, what):
    """Name the op where a non-finite number first appears: forward in evaluation order, else
    backward from the output down."""
    order = topological_order(root)
    for v in order:
        if v._children and not np.isfinite(v.data).all():
            return FloatingPointError(f"backward: {what}; it first appears in the output of op "
                                      f"{v.op!r} ({_describe(v)})")
    for v in reversed(order):
        if v._backward is None or v.grad is None or not np.isfinite(v.grad).all():
            continue
        for c, g in zip(v._children, v._backward(v.grad)):
            if c.requires_grad and g is not None and not np.isfinite(g).all():
                return FloatingPointError(f"backward: {what}; it first appears in the gradient of "
                                          f"op {v.op!r} ({_describe(v)})")
    return FloatingPointError(f"backward: {what}")


def _describe(v):
    shapes = ", ".join(str(c.data.shape) for c in v._children)
    return f"inputs of shapes {shapes} -> output of shape {v.data.shape}"
