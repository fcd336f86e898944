"""Training: microgpt's loop — a batch of documents a step, Adam with a linearly decaying rate —
with checkpoints from which a killed run goes on exactly as if it had never stopped."""

import random
import signal
import time
import warnings
from dataclasses import asdict, dataclass

import numpy as np

from ..checks import check_choice, check_integer, check_number, flag
from ..engine.optim import Adam, LinearDecay
from ..engine.optim_state import regrouped
from ..errors import Interrupted, RunFailed, UsageError
from ..files import check_writable
from ..interrupt import stop_between_steps
from .checkpoint import CheckpointWriter, read_checkpoint
from .config import DTYPES, GPTConfig, init_weights, parameter_shapes
from .data import Tokenizer, count_truncated, fingerprint, load_docs
from .model import ENGINES, GPT, engine_threads
from .sample import check_count, check_temperature
from .size import MAX_MEMORY_GB, check_size
from .step import check_loss, loss_and_grad
from .torch import check_device

DEFAULTS = {"steps": 1000, "seed": 42, "lr": 0.01, "batch": 1, "dtype": "float64", **asdict(GPTConfig())}
BETAS, EPS = (0.85, 0.99), 1e-8   # microgpt's Adam


@dataclass
class TrainResult:
    gpt: GPT
    losses: list       # the loss of every step, from step 1 (also those done before a resume)
    seconds: float     # wall time of the steps trained in this call
    tokens: int        # positions predicted in this call
    samples: list      # names drawn after training, continuing the run's random stream
    out: object        # the checkpoint written, or None
    data: str = ""     # where the documents came from, and how many

    def summary(self):
        """The JSON summary the CLI prints with --json."""
        return {
            "steps": len(self.losses), "loss_first": self.losses[0],
            "loss_last100": sum(self.losses[-100:]) / len(self.losses[-100:]),
            "seconds": self.seconds, "params": self.gpt.num_params,
            "tokens_per_s": self.tokens / self.seconds if self.seconds > 0 else None,
            "samples": self.samples, "out": None if self.out is None else str(self.out),
        }


def train(data=None, *, steps=None, seed=None, lr=None, n_embd=None, n_head=None, n_layer=None,
          block_size=None, batch=None, dtype=None, engine="tensor", device="cpu", out=None,
          checkpoint_every=None, resume=False, samples=20, temperature=0.5, on_step=None, on_warning=None,
          max_memory_gb=MAX_MEMORY_GB):
    """Train a GPT on the documents of `data` (default: the `names` package's first names).

    Settings left as None take microgpt's defaults (DEFAULTS), or with resume=True the values
    stored in the checkpoint `out`, which is written every `checkpoint_every` steps (None: only
    at the end), at the end, and before raising RunFailed (a step went non-finite; the last good
    step is saved) or Interrupted (Ctrl-C; the step in progress is finished and saved).
    on_step(step, steps, loss) is called after every step; on_warning(message) hears about
    documents truncated to the block size. A run that would need more than max_memory_gb
    (size.py's estimate) is refused before it allocates anything.
    """
    given = {"steps": steps, "seed": seed, "lr": lr, "batch": batch, "dtype": dtype, "n_embd": n_embd,
             "n_head": n_head, "n_layer": n_layer, "block_size": block_size}
    settings, saved, source = checked_settings(data, given, engine, device, out, resume, checkpoint_every, samples,
                                               temperature)
    run = run_class(engine)(source, settings, engine, saved, device, max_memory_gb)
    if run.truncated and on_warning:
        size = run.config.block_size
        on_warning(f"{run.truncated} of {len(run.docs):,} documents have {size} characters or more; "
                   f"as in microgpt, each is trained on its first {size} positions only")
    start = time.perf_counter()
    with engine_threads(engine):
        tokens = _train_steps(run, out, checkpoint_every, on_step)
    seconds = time.perf_counter() - start
    names = run.gpt.sample(samples, temperature)
    data = f"{len(run.docs):,} documents from {run.described}"
    return TrainResult(run.gpt, run.losses, seconds, tokens, names, out, data)


def checked_settings(data, given, engine, device, out, resume, checkpoint_every, samples, temperature):
    """(settings, the checkpoint to resume or None, the documents' path: `data` as given, else
    the resumed checkpoint's, else None for the default names), every argument checked before any
    work (a usage error at once, not after the last step); `given` holds train()'s settings, None
    unset. The launcher of `--nproc N` checks with it too, before torchrun starts."""
    saved = _read_resume(out) if resume else None
    source = data if data is not None or saved is None else saved["settings"]["data"]
    if out is not None:   # never over the data it reads
        check_writable(out, "--out", inputs=[] if source is None else [source])
    settings = _settings(given, saved)
    _check_run(settings, engine, device, out, checkpoint_every, samples, temperature)
    return settings, saved, source


def check_memory(docs, settings, engine, max_memory_gb, processes=1):
    """Refuse a run whose memory estimate (size.py) is past max_memory_gb: `processes` ranks,
    each holding the model, sharing every batch of `settings["batch"]` of these documents."""
    config = GPTConfig(**{name: settings[name] for name in GPTConfig.__dataclass_fields__})
    positions = min(config.block_size, max(map(len, docs)) + 1)   # a batch is padded to its longest
    check_size(config, Tokenizer.from_docs(docs).vocab_size, settings["batch"], positions, engine, max_memory_gb,
               processes)


def _train_steps(run, out, checkpoint_every, on_step):
    """Step the run to its end, saving to out every checkpoint_every steps and at the end;
    returns the positions predicted. A step that goes non-finite (RunFailed) and a Ctrl-C
    (Interrupted, after the step in progress) first save the last whole step. Checkpoints are
    written by a process of their own (checkpoint.CheckpointWriter), all on disk when it returns."""
    tokens, saver = 0, CheckpointWriter(out) if out is not None and run.writes else None
    # NumPy's overflow warnings are noise here: a non-finite loss or gradient stops the run, saying
    # so. Silenced as warnings, not by np.errstate: that makes every NumPy call of a step look up
    # a context variable (1.1% of a default step's instructions); a filter costs only when one warns.
    with stop_between_steps(run.stop_signals) as stop, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            while run.step < run.steps:
                loss, n = run.train_step()
                tokens += n
                if on_step:
                    on_step(run.step, run.steps, loss)
                stopping = run.agreed(stop.requested)
                if saver and (stopping or checkpoint_every and run.step % checkpoint_every == 0):
                    saver.save(run.checkpoint())
                elif saver:
                    saver.poll()
                if stopping:
                    _close(saver)
                    raise Interrupted(_interrupted(run, out))
            if saver and saver.step != run.step:
                saver.save(run.checkpoint())
        except FloatingPointError as error:   # raised before anything was updated
            raise RunFailed(_diverged(run, saver, out, error)) from error
        finally:
            _close(saver)
    return tokens


def _close(saver):
    """Wait for the checkpoints in flight (a second close does nothing)."""
    if saver is not None:
        saver.close()


def _interrupted(run, out):
    if out is None:
        return f"interrupted after step {run.step} of {run.steps}; nothing saved (no --out)"
    return (f"interrupted after step {run.step} of {run.steps}; saved {out}; "
            f"go on with: diffplay gpt train --resume --out {out}")


def _diverged(run, saver, out, error):
    """What went wrong, saving the last good step to out first where its numbers are finite."""
    saved = "nothing saved (no --out)"
    if saver is not None:
        try:
            saver.save(run.checkpoint())
            _close(saver)
            saved = f"the last good state (step {run.step}) is saved in {out}"
        except FloatingPointError:
            saved = f"nothing saved: the weights of step {run.step} are no longer finite"
    return (f"training diverged after step {run.step} of {run.steps} ({str(error).split(';')[0]}); "
            f"{saved}; a smaller --lr may help (it is {run.settings['lr']:g})")


class Run:
    """One run's state: shuffled documents, the GPT, Adam and its schedule, step and losses.
    (In many processes, torch/distributed.py's DistributedRun is one rank of a run.)"""

    stop_signals = (signal.SIGINT,)   # what asks the run to stop after the step in progress
    writes = True                     # it writes the checkpoints (in many processes, rank 0 alone)
    world = 1                         # the processes training it, each holding the model

    def __init__(self, data, settings, engine, saved=None, device="cpu", max_memory_gb=MAX_MEMORY_GB):
        self.source, self.settings, self.steps = data, settings, settings["steps"]
        self.docs, self.described = load_docs(data)
        rng = random.Random(settings["seed"])
        rng.shuffle(self.docs)   # microgpt: random.seed(42); random.shuffle(docs)
        self.fingerprint = fingerprint(self.docs)
        tokenizer = Tokenizer.from_docs(self.docs)
        self.config = GPTConfig(**{name: settings[name] for name in GPTConfig.__dataclass_fields__})
        self.truncated = count_truncated(self.docs, self.config.block_size)
        check_memory(self.docs, settings, engine, max_memory_gb, self.world)   # before anything is allocated
        self.shapes = parameter_shapes(self.config, tokenizer.vocab_size)
        if saved is None:
            weights = init_weights(self.config, tokenizer.vocab_size, rng)   # drawn right after the shuffle
            self.step, self.losses = 0, []
        else:   # the saved stream already went past those draws (and the steps since)
            _check_same_data(self, saved, tokenizer)
            weights, self.step, self.losses = saved["weights"], saved["step"], list(saved["losses"])
            rng.setstate(_as_random_state(saved["random_state"]))
        self.gpt = GPT(self.config, tokenizer, weights, engine, rng, settings["dtype"], device)
        self.optimizer = new_adam(self.gpt, settings["lr"])
        self.schedule = LinearDecay(self.optimizer, self.steps)   # lr · (1 − step/steps)
        if saved is not None:
            self._restore(saved)

    def batch(self, step):
        """The token lists of step's documents: docs[step·B + b] for b < B, wrapping around."""
        b = self.settings["batch"]
        encode = self.gpt.tokenizer.encode
        return [encode(self.docs[(step * b + i) % len(self.docs)]) for i in range(b)]

    def train_step(self):
        """One step of Adam on one batch; returns (loss, positions predicted). On the Tensor
        engine the step makes no graph (step.py): the numbers of forward, backward and update."""
        if self.gpt.engine != "tensor":
            loss, batch = self.forward()
            self.backward(loss)
            self.update(loss)
        else:
            batch = self.batch(self.step)
            value, grad = loss_and_grad(self.gpt.model, batch)   # refuses a gradient that is not finite
            group = self.optimizer.flat_group()
            if group is not None:   # the weights lie in one array: Adam steps it as one
                self.optimizer.step_flat(grad, finite=True, group=group)
            else:
                self.optimizer.step()
            self._done(value)
        block_size = self.config.block_size
        return self.losses[-1], sum([min(block_size, len(t) - 1) for t in batch])

    # A step's three parts, apart, for whoever wants to look between them (learn's comparison
    # of two runs): the forward pass, the gradients, then the update.

    def forward(self):
        """This step's loss (its graph, before backward) and its batch."""
        batch = self.batch(self.step)
        loss = self.batch_loss(batch)
        check_loss(self.loss_value(loss))
        return loss, batch

    def batch_loss(self, batch):
        return self.gpt.model.loss(batch)

    def loss_value(self, loss):
        """The step's loss as a float."""
        return float(loss.item())

    def agreed(self, requested):
        """Whether to stop after this step, asked `requested` (one process: as asked)."""
        return requested

    def backward(self, loss):
        self.optimizer.zero_grad()
        loss.backward()

    def update(self, loss):
        """Adam's step and the schedule's: this step is done."""
        self.optimizer.step()
        self._done(self.loss_value(loss))

    def _done(self, loss):
        """The step's bookkeeping once Adam has stepped: the schedule, the count, the loss (a float)."""
        self.schedule.step()
        self.step += 1
        self.losses.append(loss)

    def checkpoint(self):
        """Everything needed to go on exactly from here, its arrays copies: a snapshot that
        training can go on from while it is written."""
        return {
            "config": self.config.to_dict(),
            "settings": {**{k: self.settings[k] for k in ("steps", "seed", "lr", "batch", "dtype")},
                         "data": None if self.source is None else str(self.source),
                         "data_fingerprint": self.fingerprint},
            "vocabulary": self.gpt.tokenizer.chars,
            "step": self.step,
            "weights": self.gpt.model.weight_arrays(),
            "optimizer": self._by_matrix(self.optimizer.state_dict()),
            "schedule": self.schedule.state_dict(),
            "random_state": self.gpt.rng.getstate(),
            "losses": list(self.losses),
        }

    def _by_matrix(self, state_dict):
        """An optimizer state_dict with one parameter per weight matrix, as a checkpoint keeps it
        whichever engine wrote it (the Value engine's optimizer has one per entry)."""
        return regrouped(state_dict, self.shapes.values()) if self.gpt.engine == "value" else state_dict

    def _restore(self, saved):
        """Adam and its schedule as saved; a state they refuse is a UsageError."""
        optimizer, schedule = (saved["optimizer"], saved["schedule"]) if saved["version"] > 1 else self._version_1(saved)
        try:
            if self.gpt.engine == "value":   # its optimizer has a parameter per weight entry
                optimizer = regrouped(optimizer, [()] * self.optimizer.num_params)
            self.optimizer.load_state_dict(optimizer)
            self.schedule.load_state_dict(schedule)
        except ValueError as error:
            raise UsageError(f"the checkpoint's optimizer state does not fit this run ({error})",
                             where="--resume") from None

    def _version_1(self, saved):
        """A version 1 checkpoint's Adam (moments by weight name, one step count) as the optimizer
        and schedule state_dicts of today's checkpoints; the rate is the one the schedule reached."""
        adam, k = saved["adam"], saved["adam"]["steps"]
        state = {i: {"step": k, "exp_avg": np.array(adam["m"][name]), "exp_avg_sq": np.array(adam["v"][name])}
                 for i, name in enumerate(self.shapes)}
        group = {**self.optimizer.state_dict()["param_groups"][0], "params": list(range(len(self.shapes))),
                 "lr": self.schedule.base_lr * self.schedule.factor(k)}
        return {"state": state, "param_groups": [group]}, {**self.schedule.state_dict(), "k": k}


def run_class(engine):
    """Run, or DistributedRun in one of the processes torchrun started (then the torch engine's)."""
    from .torch.launch import in_torchrun

    if not in_torchrun():
        return Run
    if engine != "torch":
        raise UsageError("training in many processes is the torch engine's; add --engine torch",
                         where=f"--engine {engine}")
    from .torch.distributed import DistributedRun

    return DistributedRun


def new_adam(gpt, lr):
    """microgpt's Adam over the model's weights: diffplay's, or PyTorch's for the torch engine."""
    if gpt.engine == "torch":
        from .torch.engine import TorchAdam

        return TorchAdam(gpt.model.parameters(), lr=lr, betas=BETAS, eps=EPS)
    return Adam(gpt.model.parameters(), lr=lr, betas=BETAS, eps=EPS)


def _as_random_state(saved):
    """random.setstate's tuple from the checkpoint's JSON list."""
    version, internal, gauss_next = saved
    return version, tuple(internal), gauss_next


def _read_resume(out):
    if out is None:
        raise UsageError("needs --out: the checkpoint to resume from", where="--resume")
    saved = read_checkpoint(out)
    if "step" not in saved:
        raise UsageError("holds a model only (gpt import wrote it), no training to go on with; sample from it, "
                         "or train anew into another --out", where=str(out))
    return saved


def _settings(given, saved):
    """Each setting as given, else the checkpoint's (when resuming), else the default; a given
    setting that differs from the checkpoint's is an error, since the run could not go on exactly."""
    settings = {}
    stored_settings = {**saved["settings"], **saved["config"].to_dict()} if saved is not None else {}
    for name, default in DEFAULTS.items():
        value = given[name]
        if saved is not None:
            stored = stored_settings[name]
            if value is not None and value != stored:
                raise UsageError(f"the checkpoint was trained with {flag(name)} {stored}; resume with the same "
                                 f"value or leave it out", where=f"{flag(name)} {value}")
            value = stored
        settings[name] = default if value is None else value
    return settings


def _check_same_data(run, saved, tokenizer):
    if run.fingerprint != saved["settings"]["data_fingerprint"] or tokenizer.chars != saved["vocabulary"]:
        data = "the default names" if run.source is None else run.source
        raise UsageError(f"the checkpoint was trained on other documents than {data}; "
                         "resume with the same --data", where="--resume")


def _check_run(settings, engine, device, out, checkpoint_every, samples, temperature):
    for name in ("steps", "batch"):
        check_integer(settings[name], flag(name), low=1)
    check_integer(settings["seed"], "--seed")
    check_number(settings["lr"], "--lr", above=0)
    check_choice(engine, ENGINES, "--engine")
    check_choice(settings["dtype"], DTYPES, "--dtype")
    check_device(device, engine)
    if engine == "value" and settings["dtype"] != "float64":
        raise UsageError("the value engine computes in float64 only (Python floats); use --engine tensor",
                         where=f"--dtype {settings['dtype']}")
    if checkpoint_every is not None:
        check_integer(checkpoint_every, "--checkpoint-every", low=0)   # 0: only at the end
        if checkpoint_every and out is None:
            raise UsageError("needs --out: the file to write checkpoints to", where="--checkpoint-every")
    check_count(samples, "--samples")
    check_temperature(temperature)
