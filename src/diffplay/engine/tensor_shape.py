"""Tensor ops that arrange entries without arithmetic, with PyTorch's names and meanings:
reshape / view, permute, transpose (two dims), flatten, unsqueeze, squeeze, expand, split,
chunk, flip, pad, cat and stack. Their gradients route each entry back to its source.

Dims may be negative (counting from the end), as everywhere in torch.
"""

import math

import numpy as np

from .tensor_core import axes, node, one_axis, only_tensors, operand, unbroadcast


def reshape(x, shape):
    """The same entries in another shape (one length may be -1: whatever fits)."""
    a = x.data
    try:
        out = a.reshape(shape)
    except (ValueError, TypeError):
        wanted = tuple(shape) if isinstance(shape, tuple | list) else (shape,)
        raise ValueError(f"reshape: cannot reshape shape {a.shape} into {wanted}") from None
    return node(out, (x,), lambda g: (g.reshape(a.shape),), "reshape")


def permute(x, dims):
    """The axes in the order `dims` (a permutation of them, negative ones allowed)."""
    a = x.data
    order = axes(dims, a.ndim, "permute") if len(dims) == a.ndim else None
    if order is None or sorted(order) != list(range(a.ndim)):
        raise ValueError(f"permute: dims {tuple(dims)} do not permute the {a.ndim} axes of shape {a.shape}")
    undo = tuple(np.argsort(order))
    return node(a.transpose(order), (x,), lambda g: (g.transpose(undo),), "permute")


def transpose(x, dim0, dim1):
    """Axes dim0 and dim1 swapped (torch's transpose; for a whole permutation, permute)."""
    a = x.data
    d0, d1 = one_axis(dim0, a.ndim, "transpose"), one_axis(dim1, a.ndim, "transpose")
    if not a.ndim:
        return node(a, (x,), lambda g: (g,), "transpose")
    return node(a.swapaxes(d0, d1), (x,), lambda g: (g.swapaxes(d0, d1),), "transpose")


def reversed_axes(x):
    """All axes in reverse order (.T)."""
    return permute(x, tuple(range(x.ndim))[::-1])


def flatten(x, start_dim=0, end_dim=-1):
    """Axes start_dim..end_dim merged into one (a 0-d Tensor becomes 1-d)."""
    shape = x.shape
    if not shape:
        return reshape(x, (1,))
    start, end = one_axis(start_dim, len(shape), "flatten"), one_axis(end_dim, len(shape), "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    return reshape(x, shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])


def unsqueeze(x, dim):
    """A new axis of length 1 at `dim` (from -ndim-1 to ndim)."""
    a = x.data
    if not -a.ndim - 1 <= dim <= a.ndim:
        raise IndexError(f"unsqueeze: dim {dim} is out of range for a Tensor of {a.ndim} dimensions")
    return reshape(x, np.expand_dims(a, dim).shape)


def squeeze(x, dim=None):
    """Axes of length 1 removed: all of them, or those among `dim` (others are left alone, as torch)."""
    shape = x.shape
    dims = range(len(shape)) if dim is None else axes(dim, len(shape), "squeeze")
    drop = {d for d in dims if shape[d] == 1}
    return reshape(x, tuple(n for d, n in enumerate(shape) if d not in drop))


def expand(x, sizes):
    """x broadcast to `sizes` (-1 keeps an axis; new axes go in front); gradients are summed back."""
    a = x.data
    extra = len(sizes) - a.ndim
    if extra < 0:
        raise ValueError(f"expand: {tuple(sizes)} has fewer dims than shape {a.shape}")
    shape = tuple(a.shape[i - extra] if n == -1 and i >= extra else n for i, n in enumerate(sizes))
    try:
        out = np.broadcast_to(a, shape)
    except ValueError:
        raise ValueError(f"expand: shape {a.shape} does not expand to {tuple(sizes)} (only length-1 axes "
                         "stretch)") from None
    return node(out, (x,), lambda g: (unbroadcast(g, a.shape),), "expand")


def split(x, split_size_or_sections, dim=0):
    """Pieces along `dim`: each of length split_size (the last one shorter), or of the given lengths."""
    axis = one_axis(dim, x.ndim, "split")
    n = x.shape[axis]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: split_size must be > 0, got {split_size_or_sections}")
        starts = list(range(0, n, split_size_or_sections)) or [0]
        stops = starts[1:] + [n]
    else:
        lengths = list(split_size_or_sections)
        if sum(lengths) != n:
            raise ValueError(f"split: lengths {lengths} do not add up to the {n} entries along dim {dim}")
        stops = np.cumsum(lengths).tolist()
        starts = [0] + stops[:-1]
    lead = (slice(None),) * axis
    return tuple(x[lead + (slice(start, stop),)] for start, stop in zip(starts, stops))


def chunk(x, chunks, dim=0):
    """At most `chunks` pieces of equal length (the last one shorter) along `dim`."""
    n = x.shape[one_axis(dim, x.ndim, "chunk")]
    return split(x, max(-(-n // chunks), 1), dim)


def flip(x, dims):
    """The entries in reverse order along `dims`."""
    a = x.data
    order = axes(dims, a.ndim, "flip")
    return node(np.flip(a, order), (x,), lambda g: (np.flip(g, order),), "flip")


def pad(x, pad, mode="constant", value=0.0):
    """torch.nn.functional.pad, constant mode: `pad` gives (before, after) widths for the last
    axis, then the one before it, and so on."""
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not implemented in diffplay (only 'constant')")
    a = x.data
    if len(pad) % 2 or len(pad) // 2 > a.ndim:
        raise ValueError(f"pad: {tuple(pad)} is not pairs of widths for at most the {a.ndim} axes of {a.shape}")
    widths = [(0, 0)] * a.ndim
    for i in range(len(pad) // 2):
        widths[a.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if any(w < 0 for pair in widths for w in pair):
        raise NotImplementedError(f"pad: negative widths (cropping) are not implemented, got {tuple(pad)}")
    out = np.pad(a, widths, constant_values=value)
    inside = tuple(slice(before, before + n) for (before, _), n in zip(widths, a.shape))
    return node(out, (x,), lambda g: (g[inside],), "pad")


def cat(tensors, dim=0):
    """Tensors (or arrays) joined along an existing axis (torch.cat, also called concat)."""
    tensors, arrays = _operands(tensors, "cat")
    try:
        out = np.concatenate(arrays, dim)
    except ValueError:   # AxisError is one
        raise ValueError(f"cat: shapes {_shapes(arrays)} do not fit together along dim {dim}") from None
    cuts = np.cumsum([np.shape(a)[dim] for a in arrays])[:-1]

    def backward(g):
        return only_tensors(np.split(g, cuts, dim), tensors)

    return node(out, only_tensors(tensors, tensors), backward, "cat")


concat = cat


def stack(tensors, dim=0):
    """Tensors (or arrays) of one shape, stacked along a new axis."""
    tensors, arrays = _operands(tensors, "stack")
    try:
        out = np.stack(arrays, dim)
    except ValueError:
        raise ValueError(f"stack: shapes {_shapes(arrays)} differ; stack needs equal shapes") from None

    def backward(g):
        return only_tensors(list(np.moveaxis(g, dim, 0)), tensors)

    return node(out, only_tensors(tensors, tensors), backward, "stack")


def _operands(tensors, op):
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: needs at least one input, got none")
    return tensors, [operand(t, op) for t in tensors]


def _shapes(arrays):
    return ", ".join(str(np.shape(a)) for a in arrays)
