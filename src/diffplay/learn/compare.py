"""Chapter 7, two runs side by side: the same training run with one setting changed, stepped
together, and the first step and the first node where their numbers part."""

from ..errors import UsageError
from ..gpt.train import DEFAULTS, Run
from ..scenes.base import Setting, copies, frame_record
from ..scenes.schema import Anything, Boolean, Choice, Maybe, Number
from .chapter import Chapter
from .parting import TOLERANCE, Comparison

CHANGES = {"nothing": None, "seed": 7, "lr": 0.02, "n_embd": 20, "batch": 2}   # a setting and a first other value
INTEGER = ("seed", "n_embd", "batch")


class Compare(Chapter):
    name = "compare"
    number = 7
    title = "two runs side by side: where exactly do they part?"
    about = ("the whole of microgpt at once: `random.seed(42)`, its settings, and every number of every step, "
             "which two runs share until the one thing that differs between them")
    text = (
        "Two runs of microgpt, A and B, the same in every way but the one setting you change. "
        "They train together, step by step, and at each step diffplay compares them three times: "
        "every node of the forward pass, every gradient, and every weight after Adam's update.",
        f"The first thing that differs by more than {TOLERANCE:g} is named: the step, the stage and "
        "the node or weight, with both numbers. Change nothing, and the two runs are identical "
        "to the last bit: the same program on the same numbers gives the same result every time.",
        "Try each: a new seed parts them before the first step (the documents come in another "
        "order); a new learning rate at the first update; a wider model before anything runs.",
    )
    settings = (
        Setting("change", Choice(*CHANGES), "lr", "the setting run B changes"),
        Setting("to", Number(), CHANGES["lr"], "its value in run B"),
        Setting("speed", Number(1, 50, integer=True), 1, "steps of both runs a frame", live=True, log=True),
    )
    frame_schema = frame_record({
        "change": Choice(*CHANGES), "a": Anything(), "b": Anything(), "trained": Number(0, integer=True),
        "loss_a": Maybe(Number()), "loss_b": Maybe(Number()), "parting": Anything(), "bitwise": Boolean(),
    })

    @property
    def steps_per_frame(self):
        return self.values["speed"]

    def build(self):
        a = dict(DEFAULTS)
        b = {**a, **self.other()}
        self.a_settings, self.b_settings = a, b
        self.comparison = Comparison(Run(None, a, "tensor"), Run(None, b, "tensor"))

    def other(self):
        """Run B's setting, checked: {} when nothing changes."""
        change, to = self.values["change"], self.values["to"]
        if change == "nothing":
            return {}
        if change in INTEGER and to != int(to):
            raise UsageError(f"settings.to: {change} must be a whole number, got {to:g}")
        value = int(to) if change in INTEGER else to
        if change == "n_embd" and (value < DEFAULTS["n_head"] or value % DEFAULTS["n_head"]):
            raise UsageError(f"settings.to: n_embd must be a multiple of n_head ({DEFAULTS['n_head']}), got {value}")
        if change in ("batch", "lr") and value <= 0 or change == "batch" and value > 64:
            raise UsageError(f"settings.to: {change} must be > 0{' and at most 64' if change == 'batch' else ''}, got {value}")
        return {change: value}

    def on_set(self, key, value):
        if key == "change":   # a value for the new setting that it can take
            self.values["to"] = CHANGES[value] if CHANGES[value] is not None else self.values["to"]
        super().on_set(key, value)

    def advance(self):
        if not self.converged():
            self.comparison.step()

    def converged(self):
        return self.comparison.a.step >= self.comparison.a.steps

    def parameters(self):
        """Both runs' weights, "A.wte", "B.wte", …: equal to the last bit until the runs part."""
        runs = {"A": self.comparison.a, "B": self.comparison.b}
        return copies({f"{name}.{key}": w for name, run in runs.items() for key, w in run.gpt.model.w.items()})

    def view(self):
        c = self.comparison
        losses = c.a.losses, c.b.losses
        return {
            "change": self.values["change"], "a": self.a_settings, "b": self.b_settings, "trained": c.a.step,
            "loss_a": losses[0][-1] if losses[0] else None, "loss_b": losses[1][-1] if losses[1] else None,
            "parting": c.parting.to_dict() if c.parting else None, "bitwise": c.bitwise,
        }
