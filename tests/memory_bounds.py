"""Bounds on the memory a hostile-input test can make a process take: an input that slips past
a check then fails the test with a MemoryError, instead of filling the machine (a checkpoint
claiming 2**53 layers once took a suite run to 22 GB)."""

import resource
from contextlib import contextmanager

GB = 1 << 30


def limit_memory(gb=2):
    """A subprocess's preexec_fn: at most `gb` of address space (diffplay needs under 1)."""
    resource.setrlimit(resource.RLIMIT_AS, (gb * GB, resource.getrlimit(resource.RLIMIT_AS)[1]))


@contextmanager
def bounded_memory(gb=2):
    """This process may take at most `gb` more address space while the block runs."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (_address_space() + gb * GB, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _address_space():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
