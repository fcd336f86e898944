"""The exceptions the CLI prints without a traceback: mistakes in what a user gave us, runs
that could not go on, and runs stopped with Ctrl-C after saving their work; and the error a
PyTorch-shaped namespace raises for what diffplay lacks."""


class UsageError(Exception):
    """Bad input from a user: the CLI prints it without a traceback and exits with status 2."""

    def __init__(self, message, *, where=None):
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class RunFailed(Exception):
    """A run that could not go on (training diverged): the CLI prints it and exits with status 1."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, after the run saved its work: the message says where, and how to go on."""


def missing_from(ours, theirs):
    """A module `__getattr__` for namespace `ours` (e.g. "diffplay.nn"), shaped like PyTorch's
    `theirs` ("torch.nn"): lecture code that reaches for an op diffplay lacks gets an
    AttributeError naming it."""

    def __getattr__(name):
        raise AttributeError(f"{ours} has no {name!r}: {theirs}.{name} is not implemented in diffplay "
                             "(README's Tensor section lists what is)")

    return __getattr__
