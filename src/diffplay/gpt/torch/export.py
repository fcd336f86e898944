"""diffplay's GPT to PyTorch and back: a MicroGPT module (model.py) holding the same weights, and
the .pt file `gpt export --to torch` writes and `gpt import` reads.

The file is a plain dict that `torch.load(path, weights_only=True)` reads safely (no pickled
code): {"format", "version", "config" (MicroGPTConfig's fields), "vocabulary" (the characters;
the last id, vocab_size - 1, is BOS), "dtype", "state_dict"}. With model.py alone, no diffplay:

    saved = torch.load("model.pt", weights_only=True)
    model = MicroGPT(MicroGPTConfig(**saved["config"])).to(getattr(torch, saved["dtype"]))
    model.load_state_dict(saved["state_dict"])
"""

import io

import numpy as np

from ...checks import check_choice, shown
from ...errors import UsageError
from ...files import check_writable, write_atomic
from ..checkpoint import write_checkpoint
from ..config import DTYPES, GPTConfig, check_config, parameter_count, parameter_shapes
from . import require_torch

FORMAT, VERSION = "diffplay-gpt-torch", 1


def torch_name(name):
    """diffplay's name of a weight as the MicroGPT state_dict's key: layer0.attn_wq ->
    blocks.0.attn.wq.weight, layer0.mlp_fc1 -> blocks.0.mlp.fc1.weight, wte -> wte.weight."""
    layer, dot, rest = name.partition(".")
    if not dot:
        return f"{name}.weight"
    part, _, which = rest.partition("_")
    return f"blocks.{layer.removeprefix('layer')}.{part}.{which}.weight"


def build_module(config, vocab_size, weights, dtype="float64", device="cpu"):
    """A MicroGPT holding `weights` ({diffplay name: rows or array}) in dtype on device."""
    torch = require_torch("--engine torch")
    from .model import MicroGPT, MicroGPTConfig

    module = MicroGPT(MicroGPTConfig(vocab_size=vocab_size, **config.to_dict())).to(getattr(torch, dtype))
    state = {torch_name(name): torch.from_numpy(np.asarray(weights[name], dtype=dtype))
             for name in parameter_shapes(config, vocab_size)}
    module.load_state_dict(state)   # into parameters of the dtype already: a copy, never a rounding
    return module.to(device)


def module_weights(module, config, vocab_size):
    """{diffplay name: a NumPy copy of the weight} of a MicroGPT, in microgpt's order."""
    state = module.state_dict()
    return {name: state[torch_name(name)].detach().cpu().numpy().copy() for name in parameter_shapes(config, vocab_size)}


def to_torch(gpt):
    """A MicroGPT with gpt's weights, in gpt's dtype (gpt.GPT.to_torch)."""
    return build_module(gpt.config, gpt.tokenizer.vocab_size, gpt.weight_arrays(), gpt.dtype)


def from_torch(module, vocabulary, engine="tensor"):
    """A diffplay GPT with the weights of a MicroGPT whose vocabulary is these characters."""
    from ..data import Tokenizer
    from ..model import GPT

    config, vocab_size = _config_of(module.config.__dict__, "the module's config")
    if vocab_size != len(vocabulary) + 1:
        raise UsageError(f"the module has {vocab_size} tokens; {len(vocabulary)} characters and BOS make "
                         f"{len(vocabulary) + 1}", where="vocabulary")
    dtype = str(next(module.parameters()).dtype).removeprefix("torch.")
    check_choice(dtype, DTYPES, "the module's dtype")
    return GPT(config, Tokenizer(vocabulary), module_weights(module, config, vocab_size), engine,
               dtype="float64" if engine == "value" else dtype)


def export_file(source, out):
    """`gpt export --to torch SOURCE -o OUT`: a diffplay checkpoint as a .pt file; returns the GPT."""
    from ..model import GPT

    torch = require_torch("gpt export --to torch")
    check_writable(out, "-o", inputs=[source])
    gpt = GPT.load(source)
    module = to_torch(gpt)
    config = {"vocab_size": gpt.tokenizer.vocab_size, **gpt.config.to_dict()}
    buffer = io.BytesIO()
    torch.save({"format": FORMAT, "version": VERSION, "config": config, "vocabulary": gpt.tokenizer.chars,
                "dtype": gpt.dtype, "state_dict": module.state_dict()}, buffer)
    write_atomic(out, buffer.getvalue(), "-o")
    return gpt


def import_file(source, out):
    """`gpt import SOURCE -o OUT`: a .pt file of export_file's as a diffplay model file (weights,
    no training state: it samples, it does not resume); returns the GPT."""
    check_writable(out, "-o", inputs=[source])
    saved = _read(source)
    config, vocab_size = _config_of(saved["config"], f"{source}: field 'config'")
    state = saved["state_dict"]
    held = sum(t.numel() for t in state.values() if hasattr(t, "numel")) if isinstance(state, dict) else 0
    if parameter_count(config, vocab_size) > held:   # before a shape is made (a hostile file may claim 2**53 layers)
        raise UsageError(f"describes {shown(parameter_count(config, vocab_size))} parameters; its state_dict holds "
                         f"{held:,}", where=f"{source}: field 'config'")
    weights = {}
    for name, shape in parameter_shapes(config, vocab_size).items():
        tensor = state.get(torch_name(name)) if isinstance(state, dict) else None
        if tensor is None or tuple(tensor.shape) != shape or str(tensor.dtype).removeprefix("torch.") not in DTYPES:
            raise UsageError(f"must be a float64 or float32 tensor of shape {shape}",
                             where=f"{source}: state_dict['{torch_name(name)}']")
        weights[name] = tensor.detach().cpu().numpy()
    if not all(np.isfinite(w).all() for w in weights.values()):
        raise UsageError("a weight is not finite", where=f"{source}: state_dict")
    kinds = sorted({w.dtype.name for w in weights.values()})
    if len(kinds) > 1:
        raise UsageError(f"its tensors mix {' and '.join(kinds)}; a model is of one dtype", where=f"{source}: state_dict")
    write_checkpoint(out, {"config": config.to_dict(), "vocabulary": saved["vocabulary"], "weights": weights}, "-o")
    from ..model import GPT

    return GPT.load(out)


def _read(source):
    """A .pt file's dict, with its format, version and vocabulary checked."""
    torch = require_torch("gpt import")
    try:
        saved = torch.load(source, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise UsageError("no such file", where=str(source)) from None
    except Exception as error:   # torch raises many kinds for a file it cannot read
        raise UsageError(f"not a PyTorch file that torch.load(weights_only=True) reads ({error})",
                         where=str(source)) from None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise UsageError(f"not an export of diffplay's GPT (its 'format' is not {FORMAT!r})", where=str(source))
    if saved.get("version") != VERSION:
        raise UsageError(f"version {saved.get('version')!r}; this diffplay reads version {VERSION}", where=str(source))
    chars = saved.get("vocabulary")
    if not (isinstance(chars, str) and chars and len(set(chars)) == len(chars)):
        raise UsageError("must be a non-empty string of distinct characters", where=f"{source}: field 'vocabulary'")
    return saved


def _config_of(table, where):
    """(GPTConfig, vocab_size) from MicroGPTConfig's fields, checked."""
    if not isinstance(table, dict):
        raise UsageError("must be MicroGPTConfig's fields", where=where)
    fields = dict(table)
    vocab_size = fields.pop("vocab_size", None)
    if not (isinstance(vocab_size, int) and vocab_size >= 2):
        raise UsageError(f"vocab_size must be an integer >= 2, got {vocab_size!r}", where=where)
    check_config(fields, where=lambda name: f"{where}.{name}")
    return GPTConfig(**fields), vocab_size
