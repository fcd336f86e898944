"""microgpt's model on scalar Values, as Karpathy wrote it: one token at a time, with a KV cache.

The math is microgpt's, step for step. Only the bookkeeping is cheaper: each row of a linear
layer and each attention score is one n-ary `dot` node instead of a chain of `+` and `*`, and
cross-entropy is logsumexp(logits) − logit[target] (one node for the softmax's denominator).
The numbers agree with microgpt's to rounding (about 1e-16).
"""

import numpy as np

from ..engine import functional as F
from ..engine.value import Value
from .config import parameter_shapes


def linear(x, w):
    return [F.dot(row, x) for row in w]


def rmsnorm(x):
    ms = F.dot(x, x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


class ValueGPT:
    """The scalar GPT: state_dict holds rows of Values, named as in microgpt."""

    def __init__(self, config, vocab_size, weights):
        self.config, self.vocab_size = config, vocab_size
        self.state_dict = {name: [[Value(x) for x in row] for row in np.asarray(weights[name], dtype=np.float64).tolist()]
                           for name in parameter_shapes(config, vocab_size)}

    def parameters(self):
        return [p for matrix in self.state_dict.values() for row in matrix for p in row]

    def weights(self):
        return {name: [[p.data for p in row] for row in matrix] for name, matrix in self.state_dict.items()}

    def weight_arrays(self):
        """{name: the weight as a new float64 array}, in microgpt's order."""
        return {name: np.array(rows) for name, rows in self.weights().items()}

    def gpt(self, token_id, pos_id, keys, values):
        """Logits for the next token, given this token, its position and the cache so far."""
        sd, head_dim = self.state_dict, self.config.head_dim
        x = [t + p for t, p in zip(sd["wte"][token_id], sd["wpe"][pos_id])]
        x = rmsnorm(x)
        for li in range(self.config.n_layer):
            # 1) multi-head attention block
            x_residual = x
            x = rmsnorm(x)
            q = linear(x, sd[f"layer{li}.attn_wq"])
            keys[li].append(linear(x, sd[f"layer{li}.attn_wk"]))
            values[li].append(linear(x, sd[f"layer{li}.attn_wv"]))
            x_attn = []
            for hs in range(0, self.config.n_embd, head_dim):
                q_h = q[hs:hs + head_dim]
                k_h = [k[hs:hs + head_dim] for k in keys[li]]
                v_h = [v[hs:hs + head_dim] for v in values[li]]
                attn_logits = [F.dot(q_h, k_t) / head_dim**0.5 for k_t in k_h]
                attn_weights = F.softmax(attn_logits)
                x_attn.extend(F.dot(attn_weights, [v_t[j] for v_t in v_h]) for j in range(head_dim))
            x = linear(x_attn, sd[f"layer{li}.attn_wo"])
            x = [a + b for a, b in zip(x, x_residual)]
            # 2) MLP block
            x_residual = x
            x = rmsnorm(x)
            x = linear(x, sd[f"layer{li}.mlp_fc1"])
            x = [xi.relu() for xi in x]
            x = linear(x, sd[f"layer{li}.mlp_fc2"])
            x = [a + b for a, b in zip(x, x_residual)]
        return linear(x, sd["lm_head"])

    def new_cache(self):
        return [[] for _ in range(self.config.n_layer)], [[] for _ in range(self.config.n_layer)]

    def loss(self, batch):
        """Mean cross-entropy over every predicted position of the token lists in `batch`."""
        losses = []
        for tokens in batch:
            n = min(self.config.block_size, len(tokens) - 1)
            keys, values = self.new_cache()
            for pos_id in range(n):
                logits = self.gpt(tokens[pos_id], pos_id, keys, values)
                losses.append(F.logsumexp(logits) - logits[tokens[pos_id + 1]])   # −log softmax[target]
        return F.sum(losses) * (1 / len(losses))

    def next_logits(self, token_id, pos_id, cache):
        """The logits (floats) after feeding one token; cache comes from new_cache()."""
        return [logit.data for logit in self.gpt(token_id, pos_id, *cache)]
