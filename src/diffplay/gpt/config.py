"""The model's shape and its parameters: names, shapes and microgpt's initialization order."""

from dataclasses import asdict, dataclass, fields

from ..checks import check_integer, flag
from ..errors import UsageError

DTYPES = ("float64", "float32")   # what the Tensor and torch engines compute in; Value is float64

@dataclass(frozen=True)
class GPTConfig:
    n_embd: int = 16       # width of the residual stream
    n_head: int = 4        # attention heads; each sees n_embd // n_head numbers
    n_layer: int = 1       # transformer blocks
    block_size: int = 16   # most positions a document is trained on (and a sample runs to)

    def __post_init__(self):
        check_config(asdict(self), where=flag)

    @property
    def head_dim(self):
        return self.n_embd // self.n_head

    def to_dict(self):
        return asdict(self)


def check_config(values, where):
    """Refuse anything but GPTConfig's settings, each a positive integer, with n_head dividing
    n_embd; where(name) says where a setting came from (a flag, a checkpoint's field)."""
    names = [field.name for field in fields(GPTConfig)]
    for name in values:
        if name not in names:
            raise UsageError(f"is not a model setting (those are {', '.join(names)})", where=where(name))
    for name in names:
        if name not in values:
            raise UsageError("is missing", where=where(name))
        check_integer(values[name], where(name), low=1)
    if values["n_embd"] % values["n_head"]:
        raise UsageError(f"must divide n_embd ({values['n_embd']}), got {values['n_head']}", where=where("n_head"))


def parameter_shapes(config, vocab_size):
    """{name: (rows, cols)} in microgpt's order; rows are outputs (y = W x)."""
    d = config.n_embd
    shapes = {"wte": (vocab_size, d), "wpe": (config.block_size, d), "lm_head": (vocab_size, d)}
    for i in range(config.n_layer):
        for name, shape in (("attn_wq", (d, d)), ("attn_wk", (d, d)), ("attn_wv", (d, d)),
                            ("attn_wo", (d, d)), ("mlp_fc1", (4 * d, d)), ("mlp_fc2", (d, 4 * d))):
            shapes[f"layer{i}.{name}"] = shape
    return shapes


def parameter_count(config, vocab_size):
    """How many numbers parameter_shapes() holds, worked out without building it (a hostile
    checkpoint may claim 2**53 layers)."""
    d = config.n_embd
    return 2 * vocab_size * d + config.block_size * d + 12 * config.n_layer * d * d


def init_weights(config, vocab_size, rng, std=0.08):
    """{name: rows of floats}, every entry rng.gauss(0, std), matrix by matrix, row by row."""
    return {name: [[rng.gauss(0, std) for _ in range(cols)] for _ in range(rows)]
            for name, (rows, cols) in parameter_shapes(config, vocab_size).items()}

