"""microgpt's model on Tensors: every position of every document in the batch at once.

A causal mask over the whole sequence is the same computation as microgpt's KV cache (query i
sees keys 0..i), so the math — and, to rounding, the numbers — are the scalar model's. Each
step of the forward pass is one fused node (linear, rms_norm, attention, cross_entropy).

Each weight is a Tensor of its own; Adam sees them end to end as one array all the same (they
are small: see engine/slots.py's TensorGroup), so its step is a dozen NumPy calls, not a dozen
per weight matrix.
"""

import numpy as np

from ..engine.tensor import Tensor, no_grad
from ..engine.tensor_ops import attention, attention_weights, cross_entropy, embedding, linear, rms_norm
from .config import parameter_shapes


class TensorGPT:
    """The batched GPT: weights as Tensors named as in microgpt."""

    def __init__(self, config, vocab_size, weights):
        self.config, self.vocab_size = config, vocab_size
        self.w = {name: Tensor(weights[name], requires_grad=True) for name in parameter_shapes(config, vocab_size)}

    def parameters(self):
        return list(self.w.values())

    def weights(self):
        return {name: t.data.tolist() for name, t in self.w.items()}

    def logits(self, idx, on_attention=None):
        """(B, T, vocab) logits for token ids idx (B, T); position t sees tokens 0..t.

        on_attention(layer, weights), when given, hears each layer's attention weights: a
        plain (B, n_head, T, T) array, row t the softmax over keys 0..t that query t mixes
        values with (computed apart from the fused op, so only when asked for).
        """
        w, c = self.w, self.config
        x = embedding(idx, w["wte"]) + w["wpe"][: idx.shape[1]]
        x = _rms_norm(x)
        for i in range(c.n_layer):
            h = _rms_norm(x)
            q, k, v = (linear(h, w[f"layer{i}.attn_w{name}"]) for name in "qkv")
            if on_attention is not None:
                on_attention(i, attention_weights(q, k, n_head=c.n_head, causal=True))
            x = x + linear(attention(q, k, v, n_head=c.n_head, causal=True), w[f"layer{i}.attn_wo"])
            h = linear(_rms_norm(x), w[f"layer{i}.mlp_fc1"]).relu()
            x = x + linear(h, w[f"layer{i}.mlp_fc2"])
        return linear(x, w["lm_head"])

    def loss(self, batch):
        """Mean cross-entropy over every predicted position of the token lists in `batch`;
        shorter documents are padded and their padding masked out of the mean."""
        idx, targets, mask = pad(batch, self.config.block_size)
        return cross_entropy(self.logits(idx).view(-1, self.vocab_size), targets.reshape(-1), mask=mask.reshape(-1))

    def new_cache(self):
        return []

    def next_logits(self, token_id, pos_id, cache):
        """The logits (floats) after feeding one token; the cache is the tokens so far."""
        cache.append(token_id)
        with no_grad(), np.errstate(all="ignore"):   # the sampler refuses non-finite logits, saying why
            return self.logits(np.array([cache])).data[0, -1].tolist()


def _rms_norm(x):
    """microgpt's rmsnorm: x / √(mean(x²) + 1e-5) over the embedding, no learned scale."""
    return rms_norm(x, x.data.shape[-1], eps=1e-5)


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
