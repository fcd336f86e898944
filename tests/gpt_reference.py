"""Two independent peers of diffplay's GPT, for tests and benchmarks/gpt.py:

- `MicrogptReference`: microgpt.py's own design — its plain scalar Value (benchmarks/
  _baseline_value.py), where every +, *, ** is a node and backward sorts the graph recursively.
- `TorchGPT`: the same model written idiomatically in PyTorch (float64), batched, with a mask.

Both take weights as {name: rows} (from diffplay.gpt.config.init_weights), so all three start equal.
"""

import sys
from pathlib import Path

import numpy as np

# microgpt's scalar Value as published: the yardstick the engine benchmark uses too
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from _baseline_value import BaselineValue as Scalar  # noqa: E402


class MicrogptReference:
    """microgpt.py's model and Adam step on Scalars (n_layer/n_embd/n_head as configured)."""

    def __init__(self, config, weights):
        self.config = config
        self.sd = {name: [[Scalar(x) for x in row] for row in rows] for name, rows in weights.items()}
        self.params = [p for rows in self.sd.values() for row in rows for p in row]
        self.m, self.v = [0.0] * len(self.params), [0.0] * len(self.params)

    def _linear(self, x, w):
        return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]

    @staticmethod
    def _softmax(logits):
        top = max(v.data for v in logits)
        exps = [(v - top).exp() for v in logits]
        total = sum(exps)
        return [e / total for e in exps]

    @staticmethod
    def _rmsnorm(x):
        scale = (sum(xi * xi for xi in x) / len(x) + 1e-5) ** -0.5
        return [xi * scale for xi in x]

    def _gpt(self, token_id, pos_id, keys, values):
        sd, hd = self.sd, self.config.head_dim
        x = self._rmsnorm([t + p for t, p in zip(sd["wte"][token_id], sd["wpe"][pos_id])])
        for li in range(self.config.n_layer):
            x_res, x = x, self._rmsnorm(x)
            q = self._linear(x, sd[f"layer{li}.attn_wq"])
            keys[li].append(self._linear(x, sd[f"layer{li}.attn_wk"]))
            values[li].append(self._linear(x, sd[f"layer{li}.attn_wv"]))
            heads = []
            for hs in range(0, self.config.n_embd, hd):
                scores = [sum(q[hs + j] * k[hs + j] for j in range(hd)) / hd**0.5 for k in keys[li]]
                w = self._softmax(scores)
                heads += [sum(w[t] * values[li][t][hs + j] for t in range(len(w))) for j in range(hd)]
            x = [a + b for a, b in zip(self._linear(heads, sd[f"layer{li}.attn_wo"]), x_res)]
            x_res, x = x, self._rmsnorm(x)
            x = [xi.relu() for xi in self._linear(x, sd[f"layer{li}.mlp_fc1"])]
            x = [a + b for a, b in zip(self._linear(x, sd[f"layer{li}.mlp_fc2"]), x_res)]
        return self._linear(x, sd["lm_head"])

    def loss(self, tokens):
        """microgpt's loss on one document's tokens: a graph of Scalars, ready for backward()."""
        n = min(self.config.block_size, len(tokens) - 1)
        keys, values = [[] for _ in range(self.config.n_layer)], [[] for _ in range(self.config.n_layer)]
        losses = []
        for pos_id in range(n):
            probs = self._softmax(self._gpt(tokens[pos_id], pos_id, keys, values))
            losses.append(-probs[tokens[pos_id + 1]].log())
        return (1 / n) * sum(losses)

    def step(self, tokens, step, num_steps, lr=0.01, beta1=0.85, beta2=0.99, eps=1e-8):
        """One microgpt training step on one document's tokens; returns the loss."""
        loss = self.loss(tokens)
        loss.backward()
        lr_t = lr * (1 - step / num_steps)
        for i, p in enumerate(self.params):
            self.m[i] = beta1 * self.m[i] + (1 - beta1) * p.grad
            self.v[i] = beta2 * self.v[i] + (1 - beta2) * p.grad**2
            m_hat = self.m[i] / (1 - beta1 ** (step + 1))
            v_hat = self.v[i] / (1 - beta2 ** (step + 1))
            p.data -= lr_t * m_hat / (v_hat**0.5 + eps)
            p.grad = 0
        return loss.data


def torch_gpt(config, weights):
    """The GPT as a torch.nn.Module (float64), built lazily so importing this file needs no torch."""
    import torch
    from torch import nn

    def rmsnorm(x):
        return x * (x.pow(2).mean(-1, keepdim=True) + 1e-5).rsqrt()

    class Block(nn.Module):
        def __init__(self, i):
            super().__init__()
            self.attn = nn.ModuleDict({k: nn.Linear(config.n_embd, config.n_embd, bias=False)
                                       for k in ("wq", "wk", "wv", "wo")})
            self.fc1 = nn.Linear(config.n_embd, 4 * config.n_embd, bias=False)
            self.fc2 = nn.Linear(4 * config.n_embd, config.n_embd, bias=False)

        def forward(self, x):
            B, T, C = x.shape
            h = rmsnorm(x)
            q, k, v = (self.attn[w](h).view(B, T, config.n_head, -1).transpose(1, 2) for w in ("wq", "wk", "wv"))
            y = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.attn["wo"](y.transpose(1, 2).reshape(B, T, C))
            return x + self.fc2(torch.relu(self.fc1(rmsnorm(x))))

    class TorchGPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(*np.shape(weights["wte"]))
            self.wpe = nn.Embedding(*np.shape(weights["wpe"]))
            self.lm_head = nn.Linear(config.n_embd, len(weights["lm_head"]), bias=False)
            self.blocks = nn.ModuleList(Block(i) for i in range(config.n_layer))
            self.double()
            with torch.no_grad():
                for name, param in self.named_parameters():
                    param.copy_(torch.tensor(weights[_diffplay_name(name)], dtype=torch.float64))

        def forward(self, idx, targets, mask):
            x = rmsnorm(self.wte(idx) + self.wpe.weight[: idx.shape[1]])
            for block in self.blocks:
                x = block(x)
            losses = nn.functional.cross_entropy(self.lm_head(x).transpose(1, 2), targets, reduction="none")
            return (losses * mask).sum() / mask.sum()

    return TorchGPT()


def torch_loss_and_grads(config, weights, batch):
    """PyTorch's loss on a batch of token lists, and {diffplay name: gradient}."""
    model = torch_gpt(config, weights)
    loss = model(*torch_batch(batch, config.block_size))
    loss.backward()
    return loss.item(), {_diffplay_name(name): p.grad.numpy() for name, p in model.named_parameters()}


def _diffplay_name(torch_name):
    """'blocks.0.attn.wq.weight' -> 'layer0.attn_wq'; 'wte.weight' -> 'wte'."""
    parts = torch_name.removesuffix(".weight").split(".")
    if parts[0] != "blocks":
        return parts[0]
    return f"layer{parts[1]}." + ("attn_" + parts[3] if parts[2] == "attn" else "mlp_" + parts[2])


def torch_batch(batch, block_size):
    """Token lists -> (inputs, targets, mask) tensors, padded to the longest, cut to block_size."""
    import torch

    n = [min(block_size, len(t) - 1) for t in batch]
    T = max(n)
    idx, tgt, mask = (np.zeros((len(batch), T), dtype=np.int64) for _ in range(3))
    for b, (tokens, length) in enumerate(zip(batch, n)):
        idx[b, :length], tgt[b, :length], mask[b, :length] = tokens[:length], tokens[1:length + 1], 1
    return torch.from_numpy(idx), torch.from_numpy(tgt), torch.from_numpy(mask).double()


NAMES_TXT = Path(__file__).resolve().parents[2] / "shared" / "data" / "names.txt"
MICROGPT = {"loss_first": 3.3659669475848504, "loss_last100": 2.276123372450603, "samples": ["kamon", "ann"]}


def names_txt():
    """The path of microgpt's names.txt beside the repo; skips the calling test when it is absent."""
    import pytest

    if not NAMES_TXT.is_file():
        pytest.skip(f"{NAMES_TXT} is absent (microgpt's data lives beside the repo, never in it)")
    return NAMES_TXT
