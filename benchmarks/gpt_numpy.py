"""microgpt by hand in NumPy: the same model and Adam, forward and backward written out, no graph.

The yardstick for diffplay's Tensor engine in benchmarks/gpt.py: what the model costs when
nothing is spent on autodiff. All weights live in one flat vector (so Adam is a handful of
calls), q, k and v are one matrix product, and every gradient is derived by hand.
"""

import math

import numpy as np


class NumpyGPT:
    """Weights ({name: rows}, microgpt's order and names) in one flat vector; step() trains."""

    def __init__(self, config, weights, lr=0.01, betas=(0.85, 0.99), eps=1e-8, steps=1000):
        self.c, self.lr, self.betas, self.eps, self.steps = config, lr, betas, eps, steps
        arrays = [np.asarray(rows, dtype=np.float64) for rows in weights.values()]
        self.flat = np.concatenate([a.ravel() for a in arrays])
        self.grad = np.zeros_like(self.flat)
        self.m, self.v = np.zeros_like(self.flat), np.zeros_like(self.flat)
        self.w, self.g = self._views(self.flat, weights), self._views(self.grad, weights)
        self.t = 0
        d = config.n_embd
        self.causal = np.triu(np.full((config.block_size, config.block_size), -np.inf), 1)
        self.scale = 1.0 / math.sqrt(d // config.n_head)

    @staticmethod
    def _views(vector, weights):
        """{name: view of vector}; each layer's wq, wk, wv also as one (3d, d) view 'qkv'."""
        views, start = {}, 0
        for name, rows in weights.items():
            shape = np.shape(rows)
            views[name] = vector[start:start + shape[0] * shape[1]].reshape(shape)
            start += shape[0] * shape[1]
            if name.endswith("attn_wv"):
                layer = name.split(".")[0]
                first = start - 3 * shape[0] * shape[1]
                views[f"{layer}.qkv"] = vector[first:start].reshape(3 * shape[0], shape[1])
        return views

    def step(self, tokens):
        """One Adam step on one document's tokens ([BOS] + ids + [BOS]); returns the loss."""
        n = min(self.c.block_size, len(tokens) - 1)
        idx, targets = np.array(tokens[:n]), np.array(tokens[1:n + 1])
        loss, tape = self.forward(idx, targets)
        self.backward(idx, targets, tape)
        self.adam()
        return loss

    def forward(self, idx, targets):
        w, T = self.w, len(idx)
        x0 = w["wte"][idx] + w["wpe"][:T]
        x, r0 = _rms(x0)
        layers = []
        for i in range(self.c.n_layer):
            h, r1 = _rms(x)
            q, k, v = self._heads(h @ w[f"layer{i}.qkv"].T)
            p = _softmax((q @ k.transpose(0, 2, 1)) * self.scale + self.causal[:T, :T])
            att = (p @ v).transpose(1, 0, 2).reshape(T, -1)
            x1 = x + att @ w[f"layer{i}.attn_wo"].T
            h2, r2 = _rms(x1)
            a = h2 @ w[f"layer{i}.mlp_fc1"].T
            relu = np.maximum(a, 0.0)
            layers.append((x, h, r1, q, k, v, p, att, x1, h2, r2, a, relu))
            x = x1 + relu @ w[f"layer{i}.mlp_fc2"].T
        logits = x @ w["lm_head"].T
        probs = _softmax(logits)
        loss = -np.log(probs[np.arange(T), targets]).mean()
        return loss, (x0, r0, layers, x, probs)

    def _heads(self, qkv):
        """(T, 3d) -> q, k, v each (n_head, T, head_dim)."""
        T, H = len(qkv), self.c.n_head
        return qkv.reshape(T, 3, H, -1).transpose(1, 2, 0, 3)

    def backward(self, idx, targets, tape):
        w, g, T = self.w, self.g, len(idx)
        x0, r0, layers, x, probs = tape
        dlogits = probs
        dlogits[np.arange(T), targets] -= 1.0
        dlogits /= T
        g["lm_head"][...] = dlogits.T @ x
        dx = dlogits @ w["lm_head"]
        for i in reversed(range(self.c.n_layer)):
            xin, h, r1, q, k, v, p, att, x1, h2, r2, a, relu = layers[i]
            g[f"layer{i}.mlp_fc2"][...] = dx.T @ relu
            da = (dx @ w[f"layer{i}.mlp_fc2"]) * (a > 0)
            g[f"layer{i}.mlp_fc1"][...] = da.T @ h2
            dx = dx + _rms_back(da @ w[f"layer{i}.mlp_fc1"], h2, r2)
            g[f"layer{i}.attn_wo"][...] = dx.T @ att
            datt = (dx @ w[f"layer{i}.attn_wo"]).reshape(T, self.c.n_head, -1).transpose(1, 0, 2)
            dp = datt @ v.transpose(0, 2, 1)
            ds = p * (dp - (dp * p).sum(-1, keepdims=True)) * self.scale
            dqkv = np.stack([ds @ k, ds.transpose(0, 2, 1) @ q, p.transpose(0, 2, 1) @ datt])   # (3, H, T, hd)
            dqkv = dqkv.transpose(2, 0, 1, 3).reshape(T, -1)
            g[f"layer{i}.qkv"][...] = dqkv.T @ h
            dx = dx + _rms_back(dqkv @ w[f"layer{i}.qkv"], h, r1)
        dx0 = _rms_back(dx, x0 * r0, r0)
        g["wpe"][...] = 0.0
        g["wpe"][:T] = dx0
        g["wte"][...] = 0.0
        np.add.at(g["wte"], idx, dx0)

    def adam(self):
        """microgpt's Adam with its linearly decaying rate, on the flat vector."""
        self.t += 1
        b1, b2 = self.betas
        lr = self.lr * (1 - (self.t - 1) / self.steps)
        self.m *= b1
        self.m += (1 - b1) * self.grad
        self.v *= b2
        self.v += (1 - b2) * self.grad**2
        m_hat = self.m / (1 - b1**self.t)
        v_hat = self.v / (1 - b2**self.t)
        self.flat -= lr * m_hat / (np.sqrt(v_hat) + self.eps)


def _rms(x):
    """(x / √(mean(x²) + 1e-5), the scale 1/√(…))."""
    r = 1.0 / np.sqrt((x * x).sum(-1, keepdims=True) / x.shape[-1] + 1e-5)
    return x * r, r


def _rms_back(dy, y, r):
    return r * (dy - y * ((dy * y).sum(-1, keepdims=True) / y.shape[-1]))


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)
