"""The torch engine: microgpt trained in PyTorch, behind the surface every engine's model has.

TorchGPT speaks the protocol gpt.GPT and train.Run use (parameters, weights, weight_arrays,
loss, new_cache, next_logits), its MicroGPT's parameters in microgpt's order. TorchAdam is
torch.optim.Adam with diffplay's Adam's surface: `lr` an attribute (LinearDecay sets it), a
non-finite gradient refused before the step, and state_dict() by weight matrix in NumPy, as
checkpoints keep it whichever engine wrote them; a state it loads goes through diffplay's own
Adam first, so one set of checks and messages covers every engine.

Importing this module imports torch: callers check with require_torch first (model.build_model).
"""

import contextlib

import numpy as np
import torch

from ...engine.optim import Adam
from ...engine.tensor import Tensor
from ...process import threads_set_by_user
from ..config import parameter_shapes
from ..model_tensor import pad
from .export import build_module, module_weights, torch_name
from .model import IGNORE


class TorchGPT:
    """microgpt's model as a MicroGPT on `device`; `net` is what the loss runs through (the
    module, or DistributedDataParallel's wrapper of it in many processes)."""

    def __init__(self, config, vocab_size, weights, dtype="float64", device="cpu"):
        self.config, self.vocab_size, self.device = config, vocab_size, device
        self.module = self.net = build_module(config, vocab_size, weights, dtype, device)
        self.params = [self.module.get_parameter(torch_name(name)) for name in parameter_shapes(config, vocab_size)]

    def parameters(self):
        return list(self.params)

    def weight_arrays(self):
        return module_weights(self.module, self.config, self.vocab_size)

    def weights(self):
        return {name: array.tolist() for name, array in self.weight_arrays().items()}

    def loss(self, batch, total=None):
        """The mean cross-entropy over every predicted position of the token lists in `batch`
        (a torch scalar); with `total`, their sum divided by total instead."""
        idx, targets, mask = pad(batch, self.config.block_size)
        targets[~mask] = IGNORE
        _, summed = self.net(*(torch.from_numpy(a).to(self.device) for a in (idx, targets)), reduction="sum")
        return summed / (int(mask.sum()) if total is None else total)

    def new_cache(self):
        return []

    def next_logits(self, token_id, pos_id, cache):
        """The logits (floats) after feeding one token; the cache is the tokens so far."""
        cache.append(token_id)
        with torch.no_grad():
            logits, _ = self.module(torch.tensor([cache], device=self.device))
        return logits[0, -1].tolist()


class TorchAdam:
    """torch.optim.Adam (one tensor at a time, as the reference loop) over `params`."""

    settings = ("lr", "betas", "eps", "weight_decay")

    def __init__(self, params, lr, betas, eps):
        self.params = list(params)
        self.optimizer = torch.optim.Adam(self.params, lr=lr, betas=betas, eps=eps, foreach=False)

    @property
    def lr(self):
        return self.optimizer.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value):
        self.optimizer.param_groups[0]["lr"] = value

    def zero_grad(self):
        self.optimizer.zero_grad(set_to_none=True)

    def step(self):
        if not all(bool(torch.isfinite(p.grad).all()) for p in self.params if p.grad is not None):
            raise FloatingPointError("Adam.step: a gradient is not finite; parameters left at their last good values")
        self.optimizer.step()

    def state_dict(self):
        """As diffplay's Adam gives it: {"state": {i: {"step", "exp_avg", "exp_avg_sq"}}, "param_groups":
        [{"lr", "betas", "eps", "weight_decay", "params"}]}, the arrays NumPy copies."""
        saved = self.optimizer.state_dict()
        group = saved["param_groups"][0]
        state = {i: {"step": int(entry["step"]), **{key: entry[key].detach().cpu().numpy().copy()
                                                    for key in ("exp_avg", "exp_avg_sq")}}
                 for i, entry in saved["state"].items()}
        settings = {key: tuple(group[key]) if key == "betas" else group[key] for key in self.settings}
        return {"state": state, "param_groups": [{**settings, "params": list(range(len(self.params)))}]}

    def load_state_dict(self, state_dict):
        """Go on from a state_dict of any engine's Adam, checked by diffplay's Adam (ValueError)."""
        shadow = Adam([Tensor(np.zeros(tuple(p.shape))) for p in self.params], lr=self.lr)
        shadow.load_state_dict(state_dict)
        checked = shadow.state_dict()
        group = {**self.optimizer.state_dict()["param_groups"][0], **checked["param_groups"][0]}
        state = {i: {"step": torch.tensor(float(entry["step"])),
                     **{key: torch.from_numpy(entry[key]) for key in ("exp_avg", "exp_avg_sq")}}
                 for i, entry in checked["state"].items()}
        self.optimizer.load_state_dict({"state": state, "param_groups": [group]})


@contextlib.contextmanager
def one_thread():
    """PyTorch on one intra-op thread while training, as NumPy's BLAS (process.py: at these sizes
    a second thread only adds hand-off cost); the environment's OMP_NUM_THREADS and the like win."""
    if threads_set_by_user():
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
