"""Starting and being one of many processes: launch() runs torchrun from `gpt train --nproc N`;
in each process it starts, in_torchrun() is true and gpt.train() trains one rank (distributed.py).
This module needs no torch, so the launcher checks and starts without importing it.
"""

import os
import signal
import subprocess
import sys

from ...errors import UsageError
from ...process import die_with_parent


def in_torchrun():
    """This process is one of several that torchrun started."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


def rank():
    return int(os.environ.get("RANK", "0"))


def check_share(batch, world):
    """Every one of `world` processes needs at least one document of each batch."""
    if batch < world:
        raise UsageError(f"each of the {world} processes takes a share of every batch, so --batch must "
                         f"be at least {world}", where=f"--batch {batch}")


def launch(argv, nproc, debug=False):
    """Run `diffplay ARGV` in nproc processes under torchrun, and wait; returns their exit status
    (rank 0's, or the first failure's). The ranks print through this process's terminal."""
    command = [sys.executable, "-m", "diffplay.gpt.torch.torchrun", "--standalone", "--nnodes=1",
               f"--nproc-per-node={nproc}", "-m", "diffplay.cli", "--",   # "--": its options are not torchrun's
               *(["--debug"] if debug else []), *argv]
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),   # torchrun's choice, said quietly
           "LOGLEVEL": os.environ.get("LOGLEVEL", "INFO" if debug else "CRITICAL")}   # torchrun's own logging
    proc = subprocess.Popen(command, env=env, preexec_fn=lambda: die_with_parent(signal.SIGTERM))
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:   # torchrun heard the Ctrl-C too: its ranks finish the step, save, and stop
            continue


def quiet_other_ranks(debug):
    """Ranks other than 0 print nothing (rank 0 speaks for all), unless --debug."""
    if rank() != 0 and not debug:
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            os.dup2(devnull, fd)
