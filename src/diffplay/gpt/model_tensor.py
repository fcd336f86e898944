"""microgpt's model on Tensors: every position of every document in the batch at once.

A causal mask over the whole sequence is the same computation as microgpt's KV cache (query i
sees keys 0..i), so the math — and, to rounding, the numbers — are the scalar model's. Each
layer is one fused node (blocks.py: embed, attention_block, mlp_block, next_token_loss).

The weights lie end to end in one flat array of the model's dtype, each weight's Tensor a view
of its part: Adam steps that array in place (engine/slots.py's TensorGroup), one update for all.
"""

import functools

import numpy as np

from ..engine.flat import Flat
from ..engine.tensor import Tensor, no_grad
from ..engine.tensor_ops import linear
from .blocks import attention_block, embed, mlp_block, next_token_loss
from .config import parameter_shapes


class TensorGPT:
    """The batched GPT: weights as Tensors named as in microgpt, views of one flat array."""

    def __init__(self, config, vocab_size, weights, dtype="float64"):
        self.config, self.vocab_size = config, vocab_size
        shapes = parameter_shapes(config, vocab_size)
        self.flat = np.concatenate([np.asarray(weights[name], dtype=dtype).ravel() for name in shapes])
        self.layout = Flat(shapes.values())   # where each weight lies in flat
        self.w = {name: Tensor.wrap(view, requires_grad=True) for name, view in zip(shapes, self.layout.split(self.flat))}
        self.layers = [([self.w[f"layer{i}.attn_w{name}"] for name in "qkvo"],
                        [self.w[f"layer{i}.mlp_fc{k}"] for k in (1, 2)]) for i in range(config.n_layer)]
        self._cut_arrays()

    def _cut_arrays(self):
        """For step.py's step without a graph: each layer's weights as arrays, and its wq, wk and
        wv as one array too (they lie end to end: nanoGPT's c_attn, a view of the flat weights);
        and the flat gradient it writes each weight's part of, cut the same way."""
        self.layer_arrays = [[t.data for t in attention + mlp] for attention, mlp in self.layers]
        self.qkv_arrays = self._qkv(self.flat)
        self.grad_flat = np.empty_like(self.flat)
        self.grad_views = self.layout.split(self.grad_flat)   # in the order of parameters()
        grads = dict(zip(self.w, self.grad_views))
        self.layer_grads = [((qkv, grads[f"layer{i}.attn_wo"]), (grads[f"layer{i}.mlp_fc1"], grads[f"layer{i}.mlp_fc2"]))
                            for i, qkv in enumerate(self._qkv(self.grad_flat))]

    def _qkv(self, flat):
        """Each layer's wq, wk and wv stacked (3 n_embd, n_embd): a view of `flat` (the weights or their gradient)."""
        spans = dict(zip(self.w, self.layout.spans))
        return [flat[spans[f"layer{i}.attn_wq"][0]:spans[f"layer{i}.attn_wv"][1]].reshape(-1, self.config.n_embd)
                for i in range(self.config.n_layer)]

    def __getstate__(self):
        """Leave out what _cut_arrays() makes again from the weights (a copy need not copy it first)."""
        cut = ("layer_arrays", "qkv_arrays", "grad_flat", "grad_views", "layer_grads")
        return {key: value for key, value in self.__dict__.items() if key not in cut}

    def __setstate__(self, state):
        """A copy (a scene's snapshot, a page's loaded run) cuts its weights again from its own
        flat array: copied one by one they would lie apart, and the step would read a stale
        copy of wq, wk and wv."""
        self.__dict__.update(state)
        for tensor, view in zip(self.w.values(), self.layout.split(self.flat)):
            view[...] = tensor.data
            tensor.data = view
        self._cut_arrays()

    @property
    def dtype(self):
        return self.flat.dtype.name

    def parameters(self):
        return list(self.w.values())

    def weights(self):
        return {name: t.data.tolist() for name, t in self.w.items()}

    def weight_arrays(self):
        """{name: a copy of the weight}, in microgpt's order."""
        return {name: t.data.copy() for name, t in self.w.items()}

    def hidden(self, idx, on_attention=None):
        """The residual stream (B, T, n_embd) after the last layer, for token ids idx (B, T)."""
        x = embed(self.w["wte"], self.w["wpe"], idx)
        for i, (attention, mlp) in enumerate(self.layers):
            hear = None if on_attention is None else lambda p, i=i: on_attention(i, p)
            x = attention_block(x, *attention, n_head=self.config.n_head, on_weights=hear)
            x = mlp_block(x, *mlp)
        return x

    def logits(self, idx, on_attention=None):
        """(B, T, vocab) logits for token ids idx (B, T); position t sees tokens 0..t.

        on_attention(layer, weights), when given, hears each layer's attention weights: a
        plain (B, n_head, T, T) array, row t the softmax over keys 0..t that query t mixes
        values with.
        """
        return linear(self.hidden(idx, on_attention), self.w["lm_head"])

    def loss(self, batch):
        """Mean cross-entropy over every predicted position of the token lists in `batch`;
        shorter documents are padded and their padding masked out of the mean."""
        idx, targets, mask, count = self.inputs(batch)
        return next_token_loss(self.hidden(idx), self.w["lm_head"], targets, mask, count)

    def inputs(self, batch):
        """(token ids, targets, mask of the positions that count, their count) of the token lists in batch."""
        if len(batch) == 1:   # one document: a plain sequence, no padding (2-d products cost less)
            tokens = batch[0][:self.config.block_size + 1]
            idx, targets = np.array(tokens[:-1]), np.array(tokens[1:])
            return idx, targets, every_position(len(targets), self.flat.dtype), len(targets)
        idx, targets, mask = pad(batch, self.config.block_size)
        return idx, targets, mask, int(mask.sum())

    def new_cache(self):
        return []

    def next_logits(self, token_id, pos_id, cache):
        """The logits (floats) after feeding one token; the cache is the tokens so far."""
        cache.append(token_id)
        with no_grad(), np.errstate(all="ignore"):   # the sampler refuses non-finite logits, saying why
            return self.logits(np.array([cache])).data[0, -1].tolist()


@functools.lru_cache(maxsize=64)
def every_position(n, dtype):
    """The mask of a document with no padding: n ones of the model's dtype (one shared, read-only
    array; a bool mask would be cast at each of the loss's two products with it, 0.4% of a step)."""
    mask = np.ones(n, dtype)
    mask.flags.writeable = False
    return mask


def pad(batch, block_size):
    """Inputs, targets (B, T) and a mask of the real positions, T the longest document's
    predictions (at most block_size); padding repeats id 0 and is masked out."""
    lengths = [min(block_size, len(tokens) - 1) for tokens in batch]
    T = max(lengths)
    idx = np.zeros((len(batch), T), dtype=np.intp)
    targets = np.zeros((len(batch), T), dtype=np.intp)
    mask = np.zeros((len(batch), T), dtype=bool)
    for b, (tokens, n) in enumerate(zip(batch, lengths)):
        idx[b, :n], targets[b, :n], mask[b, :n] = tokens[:n], tokens[1:n + 1], True
    return idx, targets, mask
