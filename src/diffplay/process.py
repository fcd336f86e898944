"""Tuning a process for many small steps: one BLAS thread, and freed memory kept for the next step.

diffplay's arrays are small, so a second BLAS thread only adds hand-off cost (many times a
step's work on a busy box: benchmarks/tensor.py's import-order rows), and a training step frees and
makes the same big arrays every time, which glibc would otherwise hand back to the kernel and
fault in again (benchmarks/scenes.py's canvas row).

Importing diffplay changes nothing: a host program that uses it as a library keeps its own
settings. Two ways in, one mechanism (threadpoolctl, which works whatever was imported first):

- `tune_process()`: the whole process, for good. Where diffplay owns the process (the CLI,
  the studio's session processes, the benchmarks) it calls this itself; a script of yours
  that trains with Tensors calls it once at the top.
- `one_blas_thread()`: a scope that diffplay's own loops run in (`gpt.train`, a layout
  solve, a scene's steps), restoring the host's setting when it ends; entering it costs
  microseconds.

The user's explicit settings win: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS / MKL_NUM_THREADS
in the environment leave the BLAS threads alone, MALLOC_TRIM_THRESHOLD_ / MALLOC_MMAP_THRESHOLD_
the allocator.
"""

import contextlib
import ctypes
import os
import sys

from threadpoolctl import ThreadpoolController

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
MALLOC_VARIABLES = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3   # mallopt's parameters (malloc.h)
PR_SET_PDEATHSIG = 1   # prctl's option (linux/prctl.h)
KEEP_BYTES = 256 << 20   # freed memory up to this stays with the process
HEAP_BYTES = 32 << 20    # arrays up to this come from the heap, not mmap (glibc's largest allowed on 64 bits)

_controller = None   # the BLAS libraries loaded when it was made; tune_process() looks again


def tune_process():
    """One BLAS thread and freed memory kept, for this whole process, unless the environment
    says otherwise. Returns what it changed, e.g. {"blas_threads": 1, "malloc": True}."""
    changed = {}
    if not _user_set(THREAD_VARIABLES):
        _blas(refresh=True).limit(limits=1, user_api="blas")   # kept: the returned scope is never closed
        changed["blas_threads"] = 1
    if not _user_set(MALLOC_VARIABLES) and keep_freed_memory():
        changed["malloc"] = True
    return changed


def one_blas_thread():
    """A scope in which BLAS runs on one thread; the host's own setting returns when it ends.

    Nothing happens where the environment sets the thread count (the user's choice wins), nor
    where BLAS runs one thread already (after tune_process(), say): a limit and its undoing cost
    a 20-circle layout solve about 1 % of its time, and a studio session, its code cold after
    each wait for the next frame, 0.1-0.3 ms a frame, to change nothing; the look costs ~1 µs."""
    if _user_set(THREAD_VARIABLES) or _one_thread_already():
        return contextlib.nullcontext()
    return _blas().limit(limits=1, user_api="blas")


def _one_thread_already():
    return all(lib.get_num_threads() == 1 for lib in _blas().lib_controllers if lib.user_api == "blas")


def blas_threads():
    """The thread count of each BLAS library loaded, e.g. {"openblas": 1}."""
    return {lib["internal_api"]: lib["num_threads"] for lib in _blas(refresh=True).info() if lib["user_api"] == "blas"}


def keep_freed_memory():
    """Raise glibc's trim and mmap thresholds; True if it did (elsewhere than glibc, nothing)."""
    if not _glibc():
        return False   # mallopt's numbers mean these thresholds in glibc only (and Windows has no CDLL(None))
    try:
        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(M_TRIM_THRESHOLD, KEEP_BYTES)) and bool(libc.mallopt(M_MMAP_THRESHOLD, HEAP_BYTES))
    except (OSError, AttributeError):
        return False


def threads_set_by_user():
    """The environment says how many threads BLAS and OpenMP (PyTorch too) may use."""
    return _user_set(THREAD_VARIABLES)


def die_with_parent(signal_number):
    """Have the kernel send this process signal_number when its parent dies (Linux; elsewhere
    nothing), so a killed launcher leaves no workers behind. Returns whether it could."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        set_death_signal = ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal_number) == 0
    except (OSError, AttributeError):
        return False
    if set_death_signal and os.getppid() == 1:   # the parent died before we asked: the signal will never come
        os.kill(os.getpid(), signal_number)
    return set_death_signal


def _user_set(names):
    return any(os.environ.get(name) for name in names)


def _blas(refresh=False):
    global _controller
    if _controller is None or refresh:
        # NumPy's BLAS must be loaded for threadpoolctl to find it: `import diffplay` loads no
        # NumPy (its names load on first use), so `import diffplay; tune_process()` comes here first
        import numpy  # noqa: F401

        _controller = ThreadpoolController()
    return _controller


def _glibc():
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (AttributeError, ValueError, OSError):   # no confstr (Windows), or not this name (other libcs)
        return False
