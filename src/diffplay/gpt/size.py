"""How much memory a training run needs, roughly, and the limit past which it does not start.

`--n-embd 100000` or `--batch 1000000000` would otherwise allocate until the machine swaps or
Python raises MemoryError minutes in. The estimate is measured, not derived (peak RSS of short
runs, benchmarks kept out of the suite): per parameter, the weights, their gradients and
Adam's two moments; per predicted position of a batch, the activations its backward pass
keeps. It is within a factor of two either way, which is all a refusal needs. The torch engine
is held to the Tensor engine's figures; in N processes (`--nproc N`) each holds the whole model
and they share each batch.
"""

from ..errors import UsageError
from .config import parameter_count

MAX_MEMORY_GB = 4.0   # the default limit; --max-memory (train(max_memory_gb=...)) lifts it

# Bytes, measured with peak RSS on two-step runs (names data, 1 to 2 layers, d 16 to 1,024).
TENSOR_PER_PARAMETER = 48        # float64 weight, gradient, Adam's m and v, a temporary
TENSOR_PER_ACTIVATION = 300      # per position, per layer, per embedding dimension
VALUE_PER_PARAMETER = 800        # a Value object each, with its gradient and Adam's state
VALUE_PER_NODE = 50              # each scalar Value a forward pass makes (and backward keeps)


def estimate_bytes(config, vocab_size, batch, positions, engine, processes=1):
    """Peak memory of a step: the parameters' share (in each of `processes`) and the
    activations' share, in bytes."""
    d, layers = config.n_embd, config.n_layer
    params = parameter_count(config, vocab_size)
    tokens = batch * positions
    if engine == "value":   # each position: its q, k, v, the MLP (12 d² products) and the attention
        nodes = tokens * layers * (12 * d * d + 2 * config.n_head * positions)
        return params * VALUE_PER_PARAMETER + nodes * VALUE_PER_NODE
    return processes * params * TENSOR_PER_PARAMETER + tokens * layers * d * TENSOR_PER_ACTIVATION


def check_size(config, vocab_size, batch, positions, engine, max_memory_gb=MAX_MEMORY_GB, processes=1):
    """Refuse a run whose estimate is past max_memory_gb, naming its settings, the estimate,
    the limit and the flag that lifts it."""
    need = estimate_bytes(config, vocab_size, batch, positions, engine, processes)
    if need > max_memory_gb * 2**30:
        settings = (f"--n-embd {config.n_embd} --n-layer {config.n_layer} --block-size {config.block_size} "
                    f"--batch {batch} --engine {engine}" + (f" --nproc {processes}" if processes > 1 else ""))
        raise UsageError(f"training would need about {_gigabytes(need)} of memory, more than the limit of "
                         f"{max_memory_gb:g} GB; a smaller model or batch fits, or --max-memory GB lifts the limit",
                         where=settings)


def _gigabytes(n):
    return f"{n / 2**30:,.1f} GB" if n < 2**30 * 1e6 else f"{n / 2**30:.1e} GB"
