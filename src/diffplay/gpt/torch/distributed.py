"""microgpt in many processes: torchrun starts them, each trains on its share of every global
batch under DistributedDataParallel (gloo on CPU, nccl on GPUs), and rank 0 writes the checkpoints.

`gpt train --engine torch --nproc N` calls launch.launch(), which runs torchrun (torchrun.py) with the
same command line; in each process it starts, `gpt train` finds RANK and WORLD_SIZE in its
environment (launch.in_torchrun) and gpt.train() makes a DistributedRun instead of a Run.

Every rank reads all the documents and makes the same model from the same seed. A global batch
of B documents is dealt out, rank r taking documents r, r + N, …; each rank's loss is the sum
over its share divided by the global batch's positions, times N, so that DDP's average of the
gradients is the gradient of the one-process loss, and the run's numbers are one process's. The
loss and any stop request (a Ctrl-C reaches each rank through torchrun as SIGINT, a kill as
SIGTERM) are all-reduced every step, so all ranks record the same loss and stop after the same
step, and rank 0 saves it. Each rank dies with torchrun, and torchrun with the launcher.
"""

import atexit
import os
import signal

import torch
from torch import distributed as dist
from torch.nn.parallel import DistributedDataParallel

from ...process import die_with_parent
from ..size import MAX_MEMORY_GB
from ..train import Run
from .launch import check_share, rank


class DistributedRun(Run):
    """A Run that is one of WORLD_SIZE ranks (see the module's docstring)."""

    stop_signals = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, data, settings, engine, saved=None, device="cpu", max_memory_gb=MAX_MEMORY_GB):
        die_with_parent(signal.SIGKILL)   # torchrun gone (killed): nobody would stop this rank
        self.rank, self.world, local = rank(), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", "0"))
        check_share(settings["batch"], self.world)   # under a torchrun started by hand, too
        if device == "cuda":
            torch.cuda.set_device(local)
            device = f"cuda:{local}"
        dist.init_process_group("nccl" if device != "cpu" else "gloo")
        atexit.register(dist.destroy_process_group)
        super().__init__(data, settings, engine, saved, device, max_memory_gb)   # its memory check counts every rank
        self.writes = self.rank == 0
        model = self.gpt.model
        model.net = DistributedDataParallel(model.module, device_ids=[local] if device != "cpu" else None)
        self.measured = (None, None)

    def batch_loss(self, batch):
        """This rank's share of the loss: its documents' sum over the batch's positions / N."""
        positions = sum(min(self.config.block_size, len(t) - 1) for t in batch)
        return self.gpt.model.loss(batch[self.rank::self.world], total=positions / self.world)

    def loss_value(self, loss):
        """The whole batch's loss: the ranks' shares all-reduced (once per step)."""
        if loss is not self.measured[0]:
            total = loss.detach().clone()
            dist.all_reduce(total)
            self.measured = (loss, total.item() / self.world)
        return self.measured[1]

    def agreed(self, requested):
        """Whether any rank was asked to stop: then all stop after this step."""
        flag = torch.tensor([float(requested)], device=self.gpt.model.device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag.item())
