"""`diffplay gpt train` and `diffplay gpt sample`: microgpt from the command line."""

import json
import sys
import time

from tqdm import tqdm

from ..checks import check_integer
from ..errors import UsageError
from ..parsing import argument, parse_integer, parse_number
from ..text import printable
from .config import DTYPES
from .data import load_docs
from .model import ENGINES, GPT
from .size import MAX_MEMORY_GB
from .torch import DEVICES
from .train import DEFAULTS, check_memory, checked_settings, train

INTEGER, NUMBER = argument(parse_integer), argument(parse_number)   # ranges: train's own checks, which name them


class ProgressBar:
    """A tqdm bar on stderr (step, steps/s, ETA) with a smoothed loss, redrawn ≤ 10 times a second."""

    def __init__(self):
        self.bar = None
        self.smoothed, self.weight, self.shown_at = 0.0, 0.0, 0.0

    def __call__(self, step, steps, loss):
        if self.bar is None:
            self.bar = tqdm(total=steps, initial=step - 1, desc="gpt train", unit="step", file=sys.stderr)
        self.smoothed = 0.95 * self.smoothed + 0.05 * loss   # an EMA, bias-corrected below
        self.weight = 0.95 * self.weight + 0.05
        now = time.perf_counter()
        if now - self.shown_at > 0.1 or step == steps:
            self.bar.set_postfix_str(f"loss {self.smoothed / self.weight:.4f}", refresh=False)
            self.shown_at = now
        self.bar.update()

    def close(self):
        if self.bar is not None:
            self.bar.close()


def run_train(args):
    from .torch.launch import in_torchrun, quiet_other_ranks

    check_integer(args.nproc, "--nproc", low=1)
    if in_torchrun():
        quiet_other_ranks(args.debug)
    elif args.nproc > 1:
        return launch_ranks(args)
    bar = ProgressBar()   # --json has none: nothing is called each step
    try:
        result = train(
            args.data, steps=args.steps, seed=args.seed, lr=args.lr, n_embd=args.n_embd,
            n_head=args.n_head, n_layer=args.n_layer, block_size=args.block_size, batch=args.batch,
            dtype=args.dtype, engine=args.engine, device=args.device, out=args.out,
            checkpoint_every=args.checkpoint_every,
            resume=args.resume, samples=args.samples, temperature=args.temperature,
            on_step=None if args.json else bar,
            max_memory_gb=args.max_memory,
            on_warning=lambda message: print(f"diffplay: warning: {printable(message)}", file=sys.stderr))
    finally:
        bar.close()
    summary = result.summary()
    if args.json:
        print(json.dumps(summary))
        return
    gpt = result.gpt
    print(f"data: {result.data}")
    print(f"model: {summary['params']:,} parameters ({_describe(gpt.config)}), "
          f"vocabulary {gpt.tokenizer.vocab_size} tokens, {gpt.engine} engine")
    tokens_per_s = f"{summary['tokens_per_s']:,.0f} tokens/s" if summary["tokens_per_s"] else "nothing left to train"
    print(f"trained {summary['steps']} steps in {summary['seconds']:.2f} s ({tokens_per_s}): loss "
          f"{summary['loss_first']:.4f} at step 1, {summary['loss_last100']:.4f} over the last "
          f"{min(100, summary['steps'])} steps")
    for i, name in enumerate(result.samples, 1):
        print(f"sample {i:2d}: {printable(name)}")   # a name is made of the data's characters, whatever they are
    if result.out is not None:
        print(f"saved {printable(result.out)}")


def launch_ranks(args):
    """`--nproc N`: this same command in N processes under torchrun; their exit status. A mistake
    in the command is said here, at once, not by every rank once torch has started."""
    from .torch import require_torch
    from .torch.launch import check_share, launch

    if args.engine != "torch":
        raise UsageError("training in many processes is the torch engine's; add --engine torch",
                         where=f"--nproc {args.nproc}")
    require_torch(f"--nproc {args.nproc}")
    given = {name: getattr(args, name) for name in DEFAULTS}
    settings, _, source = checked_settings(args.data, given, args.engine, args.device, args.out, args.resume,
                                           args.checkpoint_every, args.samples, args.temperature)
    check_share(settings["batch"], args.nproc)
    docs, _ = load_docs(source)   # an unreadable --data, before the ranks start
    check_memory(docs, settings, args.engine, args.max_memory, processes=args.nproc)
    return launch(args.argv, args.nproc, args.debug)


def _describe(config):
    return ", ".join(f"{name} {value}" for name, value in config.to_dict().items())


def run_sample(args):
    names = GPT.load(args.model, engine=args.engine).sample(
        args.n, temperature=args.temperature, prompt=args.prompt, seed=args.seed)
    if args.json:
        print(json.dumps({"samples": names}))
    else:
        print("\n".join(map(printable, names)))


def run_export(args):
    from .torch.export import export_file

    gpt = export_file(args.model, args.out)
    print(f"wrote {args.out}: MicroGPT ({_describe(gpt.config)}, vocab_size {gpt.tokenizer.vocab_size}, "
          f"{gpt.dtype}); load it with torch.load({str(args.out)!r}, weights_only=True)")


def run_import(args):
    from .torch.export import import_file

    gpt = import_file(args.model, args.out)
    print(f"wrote {args.out}: {gpt.num_params:,} parameters ({_describe(gpt.config)}), {gpt.dtype}; "
          f"sample it with: diffplay gpt sample --model {args.out}")


def add_gpt_command(commands):
    gpt = commands.add_parser("gpt", help="microgpt: train a GPT on names, sample new ones")
    verbs = gpt.add_subparsers(dest="verb", metavar="VERB", required=True)
    add_train_command(verbs)
    export = verbs.add_parser("export", help="a trained model as a PyTorch file: MicroGPT's config and state_dict")
    export.add_argument("model", help="checkpoint written by `gpt train` (e.g. model.npz)")
    export.add_argument("--to", choices=("torch",), default="torch", help="the format (torch)")
    export.add_argument("-o", "--out", default="model.pt", help="the file to write (model.pt)")
    export.set_defaults(run=run_export)
    imported = verbs.add_parser("import", help="a PyTorch file of `gpt export`'s as a model to sample from")
    imported.add_argument("model", help="the .pt file")
    imported.add_argument("--from", dest="source", choices=("torch",), default="torch", help="the format (torch)")
    imported.add_argument("-o", "--out", default="model.npz", help="the model file to write (model.npz)")
    imported.set_defaults(run=run_import)
    sample = verbs.add_parser("sample", help="draw documents from a trained model")
    sample.add_argument("--model", default="model.npz", help="checkpoint written by `gpt train` (model.npz)")
    sample.add_argument("-n", type=INTEGER, default=20, help="how many (20)")
    sample.add_argument("--temperature", type=NUMBER, default=0.5, help="below 1 is safer, above 1 wilder (0.5)")
    sample.add_argument("--prompt", default="", help="every sample starts with these characters")
    sample.add_argument("--seed", type=INTEGER, help="draw reproducibly from this seed (default: fresh names each run)")
    sample.add_argument("--engine", choices=ENGINES, default="tensor")
    sample.add_argument("--json", action="store_true", help="print {\"samples\": [...]} as the last line")
    sample.set_defaults(run=run_sample)


def add_train_command(verbs):
    train_parser = verbs.add_parser("train", help="train microgpt (default data: the `names` package)")
    option = train_parser.add_argument
    option("--data", help="UTF-8 text file, one document per line (default: first names from `names`)")
    for name, kind, text in (("steps", INTEGER, "optimizer steps"), ("seed", INTEGER, "random seed"),
                             ("lr", NUMBER, "Adam learning rate, decayed linearly to 0"),
                             ("n-embd", INTEGER, "embedding width"), ("n-head", INTEGER, "attention heads"),
                             ("n-layer", INTEGER, "transformer blocks"), ("block-size", INTEGER, "context length"),
                             ("batch", INTEGER, "documents per step")):
        option(f"--{name}", type=kind, help=f"{text} ({DEFAULTS[name.replace('-', '_')]})")
    option("--dtype", choices=DTYPES, help="the numbers the tensor engine computes in (float64)")
    option("--engine", choices=ENGINES, default="tensor",
           help="tensor (fast), value (scalar, readable) or torch (PyTorch: pip install 'diffplay[torch]')")
    option("--device", choices=DEVICES, default="cpu", help="where the torch engine computes (cpu)")
    option("--nproc", type=INTEGER, default=1, metavar="N",
           help="train in N processes under torchrun, each on its share of every batch (torch engine; 1)")
    option("--out", default="model.npz", help="checkpoint file (model.npz: NumPy arrays and JSON in a zip)")
    option("--max-memory", type=argument(parse_number, lo=0.001), default=MAX_MEMORY_GB, metavar="GB",
           help=f"refuse a model and batch that would need more memory than this, roughly ({MAX_MEMORY_GB:g}; "
                "all --nproc processes together)")
    option("--checkpoint-every", type=INTEGER, default=100, metavar="N",
           help="write the checkpoint every N steps (100; 0: not periodically), and always at the end, "
                "on Ctrl-C (after the step in progress) and when training diverges (the last good step)")
    option("--resume", action="store_true", help="go on from the checkpoint in --out")
    option("--samples", type=INTEGER, default=20, help="names to draw after training (20)")
    option("--temperature", type=NUMBER, default=0.5, help="sampling temperature (0.5)")
    option("--json", action="store_true", help="print a JSON summary as the last line")
    train_parser.set_defaults(run=run_train)
