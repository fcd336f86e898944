"""The math of the fused ops, on plain arrays: each kernel returns (out, vjp), vjp(g) a tuple of
gradients, one per array input (None where `need` says it is not wanted).

tensor_ops.py makes each kernel a one-node Tensor op. Bigger fused ops compose kernels directly
(gpt/blocks.py: a transformer sub-layer is rms_norm, linear, attention and linear, one node in
all), so the math of each piece lives here once. Kernels check nothing: their callers do.
They keep their inputs' dtype (Python floats are weak under NEP 50), so float32 stays float32.
Sums and maxima call the ufunc's reduce: `ndarray.sum` goes through a Python wrapper that
costs as much as the sum itself at these sizes.
"""

import functools
import math

import numpy as np

from .tensor_core import rows

BOTH = (True, True)


def linear(a, w, need=BOTH):
    """a @ wᵀ, w being (out, in) as in torch.nn.functional.linear; vjp gives (da, dw), dw
    written into `out` when the caller gives one (a part of a flat gradient). An `a` that is
    not a matrix of rows has its leading axes folded into one first (every leading axis is a
    batch that shares the weight): one BLAS call instead of NumPy's call per leading index (3x
    quicker for a batch of 32 sequences), and the same numbers."""
    if a.ndim != 2:
        out, vjp_rows = linear(rows(a), w, need)

        def vjp_folded(g, out=None):
            da, dw = vjp_rows(rows(g), out)
            return (None if da is None else da.reshape(a.shape)), dw

        return out.reshape(*a.shape[:-1], len(w)), vjp_folded

    def vjp(g, out=None):
        return (g @ w if need[0] else None), (np.matmul(g.T, a, out=out) if need[1] else None)

    return a @ w.T, vjp


def rms_norm(a, eps=1e-5, axis=-1, n=None):
    """a / √(mean(a²) + eps) along `axis` (or a tuple of axes holding n entries)."""
    n = a.shape[axis] if n is None else n
    inv = inverse_rms(a, axis, n, eps)
    y = a * inv
    return y, lambda g: (normalized_grad(g, y, inv, axis, n),)


def inverse_rms(d, axis, n, eps):
    """1 / √(mean(d²) + eps) along `axis` (n entries), kept as an axis of length 1. Sums / n:
    ndarray.mean costs twice as much at these sizes."""
    return 1.0 / np.sqrt(np.add.reduce(d * d, axis, keepdims=True) / n + eps)


def normalized_grad(gy, y, inv, axis, n, centred=False):
    """The gradient back to x of y = x̂ · inv, x̂ being x (or x − mean(x), centred) and inv its
    inverse_rms along `axis`: inv · (gy − y · mean(gy · y) [− mean(gy)]), the component along y
    (and the mean) being what normalizing removes."""
    dx = gy - y * (np.add.reduce(gy * y, axis, keepdims=True) / n)
    if centred:
        dx -= np.add.reduce(gy, axis, keepdims=True) / n
    dx *= inv
    return dx


def softmax(a, axis=-1):
    """exp(a) / Σ exp(a) along `axis`, shifted so the largest term is e^0 = 1."""
    e = np.exp(a - np.maximum.reduce(a, axis, keepdims=True))
    p = e / np.add.reduce(e, axis, keepdims=True)
    return p, lambda g: (p * (g - np.add.reduce(g * p, axis, keepdims=True)),)


def attention(q, k, v, n_head, causal=True, on_weights=None):
    """softmax(q kᵀ / √d) v for each of n_head heads; q is (..., Tq, C), k and v (..., Tk, C).
    on_weights(p), when given, hears the (..., n_head, Tq, Tk) weights."""
    out, vjp = head_attention(*(split_heads(a, n_head) for a in (q, k, v)), causal, on_weights)
    return out, lambda g: tuple(map(merge_heads, vjp(g)))


def qkv_attention(qkv, n_head, on_weights=None):
    """Causal attention of q, k and v lying side by side in qkv (..., T, 3C), as nanoGPT's c_attn
    makes them: (..., T, C), and a vjp giving their gradient as one (..., T, 3C) array, each
    head's part written where it lies (no merge and join of three)."""
    *lead, T, width = qkv.shape
    n, d = len(lead), width // (3 * n_head)
    # (..., T, 3, H, d) -> (3, ..., H, T, d): q, k and v split into heads, views as split_heads makes
    order = (n + 1, *range(n), n + 2, n, n + 3)
    Q, K, V = qkv.reshape(*lead, T, 3, n_head, d).transpose(order)
    out, d_heads = head_attention(Q, K, V, True, on_weights)

    def vjp(g):
        dqkv = np.empty(qkv.shape, out.dtype)
        d_heads(g, dqkv.reshape(*lead, T, 3, n_head, d).transpose(order))
        return dqkv

    return out, vjp


def head_attention(Q, K, V, causal=True, on_weights=None):
    """attention() on heads already split, (..., n_head, T, d) each; the result comes with its
    heads merged, (..., Tq, n_head · d), and vjp(g, into=None) takes g so and gives (dQ, dK, dV)
    split, written into into[0], into[1] and into[2] when given."""
    p, scale = weights(Q, K, causal), 1.0 / math.sqrt(Q.shape[-1])
    if on_weights is not None:
        on_weights(p)
    *lead, n_head, _, d = V.shape
    Tq = Q.shape[-2]
    out = np.empty((*lead, Tq, n_head, d), np.promote_types(p.dtype, V.dtype))
    np.matmul(p, V, out=out.swapaxes(-2, -3))   # each head's rows written where merging puts them

    def vjp(g, into=(None, None, None)):
        G = split_heads(g, n_head)
        dP = G @ V.swapaxes(-1, -2)
        dS = p * (dP - np.add.reduce(dP * p, -1, keepdims=True)) * scale   # softmax's VJP, then the scale
        return (np.matmul(dS, K, out=into[0]), np.matmul(dS.swapaxes(-1, -2), Q, out=into[1]),
                np.matmul(p.swapaxes(-1, -2), G, out=into[2]))

    return out.reshape(*lead, Tq, n_head * d), vjp


def weights(Q, K, causal):
    """softmax(Q Kᵀ / √d) of heads already split, a future key weighing exactly 0 when causal."""
    scores = (Q @ K.swapaxes(-1, -2)) * (1.0 / math.sqrt(Q.shape[-1]))
    if causal:
        scores += causal_bias(Q.shape[-2], K.shape[-2], scores.dtype)
    return softmax(scores)[0]


def split_heads(a, n_head):
    """(..., T, C) -> (..., n_head, T, C / n_head), a view."""
    return a.reshape(*a.shape[:-1], n_head, a.shape[-1] // n_head).swapaxes(-2, -3)


def merge_heads(a):
    """(..., n_head, T, d) -> (..., T, n_head · d)."""
    a = a.swapaxes(-2, -3)
    return a.reshape(*a.shape[:-2], a.shape[-2] * a.shape[-1])


@functools.lru_cache(maxsize=64)
def causal_bias(tq, tk, dtype):
    """0 where query i may look at key j, −inf where j lies in its future."""
    bias = np.triu(np.full((tq, tk), -np.inf, dtype), k=1 + tk - tq)
    bias.flags.writeable = False   # shared by every call with these sizes
    return bias


def cross_entropy(z, targets, keep, scale, smoothing=0.0, reduce=True):
    """−log softmax(z)[target] for each row of z (rows, classes), 0 where keep (bools, or 1s and
    0s) does not hold: their sum times scale (the mean over the targets that count with scale
    1/count, summed first as microgpt does), or with reduce False each row's own. With
    `smoothing` ε the target is (1 − ε) on its class and ε spread over all of them, as torch's
    label_smoothing."""
    at = np.arange(len(targets))
    shifted = z - np.maximum.reduce(z, 1, keepdims=True)   # so the largest term is e^0 = 1: nothing overflows
    e = np.exp(shifted)
    total = np.add.reduce(e, 1, keepdims=True)
    log_total = np.log(total[:, 0])
    nll = log_total - shifted[at, targets]
    if smoothing:   # −Σ_c (ε/C) log p_c = ε (log Σ e − mean shifted)
        nll = (1.0 - smoothing) * nll + smoothing * (log_total - shifted.mean(1))

    def vjp(g):
        d = e / total   # d nll/d z = softmax − one_hot(target), the one-hot smoothed
        d[at, targets] -= 1.0 - smoothing
        if smoothing:
            d -= smoothing / z.shape[1]
        d *= (keep * (g * scale if reduce else g.reshape(-1)))[:, None]
        return (d,)

    if not reduce:
        return (nll * keep).astype(z.dtype, copy=False), vjp
    return np.asarray((nll @ keep) * scale, z.dtype), vjp


def embedding(table, idx):
    """table[idx] (the rows of an embedding); its gradient adds up the rows picked more than
    once, written into `out` when the caller gives one."""
    def vjp(g, out=None):
        return (rows_added(table.shape, idx, g, out),)

    return table[idx], vjp


def rows_added(shape, idx, g, out=None):
    """An array of `shape` (`out`, when given) whose row i is the sum of g's rows where idx is i
    (np.add.at's result)."""
    g = g.reshape(idx.size, *shape[1:])   # the count written out: -1 has no answer when g is empty
    if len(g) > ADD_AT_ROWS:
        one_hot = np.zeros((len(g), shape[0]), g.dtype)
        one_hot[np.arange(len(g)), idx.ravel()] = 1.0
        full = np.empty(shape, g.dtype) if out is None else out
        width = math.prod(shape[1:])
        np.matmul(one_hot.T, g.reshape(len(g), width), out=full.reshape(shape[0], width))
        return full
    if out is None:
        out = np.zeros(shape, g.dtype)
    else:
        out.fill(0)
    np.add.at(out, idx.ravel(), g)
    return out


ADD_AT_ROWS = 64   # np.add.at is the quicker up to here; a one-hot product past it (5x at 512 rows)
