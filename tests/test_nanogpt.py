"""nanoGPT's model (karpathy/nanoGPT, model.py), one text run on PyTorch and on `diffplay.torch`:
from PyTorch's initial weights, AdamW steps at float64 give PyTorch's losses to 1e-9, on both
of its attention paths (scaled_dot_product_attention, and the masked softmax written out), and
its sampling loop (top-k, multinomial, cat) runs.

The text is nanoGPT's, shortened (no from_pretrained, no optimizer groups, no MFU) and without
`device=` arguments (diffplay runs on the CPU and takes none).
"""

import math
from dataclasses import dataclass

import numpy as np
import pytest
import torch

import diffplay.torch as ours


@dataclass
class GPTConfig:
    block_size: int = 8
    vocab_size: int = 13
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 16
    dropout: float = 0.0
    bias: bool = True
    flash: bool = True


def gpt(torch, config):
    """nanoGPT's GPT, built with the `torch` given."""
    nn, F = torch.nn, torch.nn.functional

    class LayerNorm(nn.Module):
        def __init__(self, ndim, bias):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(ndim))
            self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

        def forward(self, input):
            return F.layer_norm(input, self.weight.shape, self.weight, self.bias, 1e-5)

    class CausalSelfAttention(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
            self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
            self.attn_dropout, self.resid_dropout = nn.Dropout(config.dropout), nn.Dropout(config.dropout)
            self.n_head, self.n_embd, self.dropout = config.n_head, config.n_embd, config.dropout
            self.flash = config.flash and hasattr(torch.nn.functional, "scaled_dot_product_attention")
            if not self.flash:
                mask = torch.tril(torch.ones(config.block_size, config.block_size))
                self.register_buffer("bias", mask.view(1, 1, config.block_size, config.block_size))

        def forward(self, x):
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            if self.flash:
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=None,
                                                   dropout_p=self.dropout if self.training else 0, is_causal=True)
            else:
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
                att = self.attn_dropout(F.softmax(att, dim=-1))
                y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            return self.resid_dropout(self.c_proj(y))

    class MLP(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
            self.dropout = nn.Dropout(config.dropout)

        def forward(self, x):
            return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))

    class Block(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.ln_1, self.attn = LayerNorm(config.n_embd, bias=config.bias), CausalSelfAttention(config)
            self.ln_2, self.mlp = LayerNorm(config.n_embd, bias=config.bias), MLP(config)

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
                ln_f=LayerNorm(config.n_embd, bias=config.bias),
            ))
            self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
            self.transformer.wte.weight = self.lm_head.weight   # weight tying
            self.apply(self._init_weights)
            for pn, p in self.named_parameters():
                if pn.endswith("c_proj.weight"):
                    torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if module.bias is not None:
                    torch.nn.init.zeros_(module.bias)
            elif isinstance(module, nn.Embedding):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

        def forward(self, idx, targets=None):
            b, t = idx.size()
            assert t <= self.config.block_size
            pos = torch.arange(0, t, dtype=torch.long)
            x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
            for block in self.transformer.h:
                x = block(x)
            x = self.transformer.ln_f(x)
            if targets is not None:
                logits = self.lm_head(x)
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1), ignore_index=-1)
            else:
                logits, loss = self.lm_head(x[:, [-1], :]), None
            return logits, loss

        @torch.no_grad()
        def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None):
            for _ in range(max_new_tokens):
                idx_cond = idx if idx.size(1) <= self.config.block_size else idx[:, -self.config.block_size:]
                logits, _ = self(idx_cond)
                logits = logits[:, -1, :] / temperature
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = -float("Inf")
                probs = F.softmax(logits, dim=-1)
                idx_next = torch.multinomial(probs, num_samples=1)
                idx = torch.cat((idx, idx_next), dim=1)
            return idx

    return GPT(config)


def twins(config):
    torch.manual_seed(0)
    theirs = gpt(torch, config).double()
    mine = gpt(ours, config)
    mine.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return theirs, mine


def train(torch, model, batches, steps):
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.1, betas=(0.9, 0.95))
    losses = []
    for X, Y in batches[:steps]:
        _, loss = model(torch.tensor(X), torch.tensor(Y))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@pytest.mark.parametrize("flash", [True, False])
def test_nanogpt_trains_to_pytorchs_losses(flash):
    config = GPTConfig(flash=flash)
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, config.vocab_size, (20, 4, config.block_size + 1))
    batches = [(t[:, :-1], t[:, 1:]) for t in tokens]
    theirs, mine = twins(config)
    assert mine.transformer.wte.weight is mine.lm_head.weight
    assert sum(p.numel() for p in mine.parameters()) == sum(p.numel() for p in theirs.parameters())
    np.testing.assert_allclose(train(ours, mine, batches, 20), train(torch, theirs, batches, 20), rtol=0, atol=1e-9)
    ours.manual_seed(1)
    out = mine.generate(ours.tensor([[1, 2], [3, 4]]), 10, top_k=3)
    assert out.shape == (2, 12) and out[:, :2].tolist() == [[1, 2], [3, 4]]
    assert 0 <= out.min().item() and out.max().item() < config.vocab_size


def test_nn_init_fills_in_place_from_diffplays_generator():
    w = ours.nn.Parameter(np.zeros((200, 300)))
    data = w.data
    ours.nn.init.normal_(w, mean=1.0, std=0.5, generator=ours.Generator().manual_seed(0))
    assert w.data is data and w.data.mean() == pytest.approx(1.0, abs=0.01) and w.data.std() == pytest.approx(0.5, 0.01)
    assert ours.nn.init.uniform_(w, -2.0, -1.0).max().item() < -1.0 and ours.nn.init.zeros_(w).abs().max().item() == 0
    assert ours.nn.init.constant_(w, 3.0).data.min() == 3.0 and ours.nn.init.ones_(w).sum().item() == 60000


def test_zero_grad_keeps_zeros_when_asked_not_to_drop_them():
    model = ours.nn.Linear(3, 2)
    optimizer = ours.optim.AdamW(model.parameters())
    model(ours.ones(4, 3)).sum().backward()
    optimizer.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())
    optimizer.zero_grad()
    assert all(p.grad is None for p in model.parameters())
