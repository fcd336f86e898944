"""microgpt in PyTorch, in the shape of nanoGPT's model.py: one file that needs torch and nothing
else, so it can be copied into any PyTorch project (and diffplay's exports load into it).

The architecture is microgpt's, which nanoGPT's differs from in small ways: RMSNorm without a
learned scale (and one more right after the embeddings), ReLU in the MLP, separate query, key,
value and output matrices, no biases, and a head not tied to the token embedding.

    model = MicroGPT(MicroGPTConfig(vocab_size=27))
    logits, loss = model(idx, targets)             # idx, targets: (B, T) token ids; -100 is padding
"""

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

IGNORE = -100   # a target that counts for nothing (padding), as in F.cross_entropy


@dataclass
class MicroGPTConfig:
    vocab_size: int
    n_embd: int = 16       # width of the residual stream
    n_head: int = 4        # attention heads, each n_embd // n_head wide
    n_layer: int = 1       # transformer blocks
    block_size: int = 16   # the longest context


def rms_norm(x, eps=1e-5):
    """x / √(mean(x²) + eps) over the last axis; no learned scale."""
    return x * (1.0 / torch.sqrt((x * x).sum(-1, keepdim=True) / x.shape[-1] + eps))


class CausalSelfAttention(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.n_head = config.n_head
        self.wq, self.wk, self.wv, self.wo = (nn.Linear(config.n_embd, config.n_embd, bias=False) for _ in range(4))

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = (w(x).view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for w in (self.wq, self.wk, self.wv))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.wo(y.transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.fc1 = nn.Linear(config.n_embd, 4 * config.n_embd, bias=False)
        self.fc2 = nn.Linear(4 * config.n_embd, config.n_embd, bias=False)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.attn, self.mlp = CausalSelfAttention(config), MLP(config)

    def forward(self, x):
        x = x + self.attn(rms_norm(x))
        return x + self.mlp(rms_norm(x))


class MicroGPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.block_size, config.n_embd)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        for p in self.parameters():
            nn.init.normal_(p, mean=0.0, std=0.08)   # microgpt's initialization

    def forward(self, idx, targets=None, reduction="mean"):
        """(logits (B, T, vocab), the cross-entropy of targets or None); position t sees 0..t.
        reduction "sum" adds the losses of the targets that count instead of averaging them."""
        T = idx.shape[1]
        if T > self.config.block_size:
            raise ValueError(f"MicroGPT: a sequence of {T} tokens is longer than block_size {self.config.block_size}")
        x = rms_norm(self.wte(idx) + self.wpe.weight[:T])
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(x)
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=IGNORE, reduction=reduction)
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0):
        """idx (B, T) continued by max_new_tokens tokens drawn from softmax(logits / temperature)."""
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -self.config.block_size:])
            probs = F.softmax(logits[:, -1] / temperature, dim=-1)
            idx = torch.cat((idx, torch.multinomial(probs, 1)), dim=1)
        return idx
