"""microgpt in PyTorch: the model as a torch.nn.Module (model.py, which needs torch alone), moving
weights to and from it (export.py), the torch engine that trains it (engine.py), and training in
many processes under torchrun (distributed.py, launch.py, torchrun.py).

Imported only when asked for (`--engine torch`, `gpt export`): diffplay's own engines need NumPy
alone, and PyTorch is the optional extra `diffplay[torch]`.
"""

from ...errors import UsageError


def require_torch(where):
    """Import torch, or raise a UsageError at `where` saying how to install it."""
    try:
        import torch
    except ImportError:
        raise UsageError("needs PyTorch, which is not installed here; install it with: "
                         "pip install 'diffplay[torch]'", where=where) from None
    return torch


DEVICES = ("cpu", "cuda")


def check_device(device, engine):
    """Refuse a device this process cannot train on, saying what to do instead."""
    if device not in DEVICES:
        raise UsageError(f"unknown choice {device!r} (choose from {', '.join(DEVICES)})", where="--device")
    if device == "cuda" and engine != "torch":
        raise UsageError("only the torch engine runs on a GPU; add --engine torch", where="--device cuda")
    if device == "cuda" and not require_torch("--device cuda").cuda.is_available():
        raise UsageError("this PyTorch sees no CUDA GPU (torch.cuda.is_available() is False); "
                         "use --device cpu, or a CUDA build of torch on a machine with a GPU", where="--device cuda")
