"""The exceptions the CLI prints without a traceback: mistakes in what a user gave us, runs
that could not go on, and runs stopped with Ctrl-C after saving their work."""


class UsageError(Exception):
    """Bad input from a user: the CLI prints it without a traceback and exits with status 2."""

    def __init__(self, message, *, where=None):
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class RunFailed(Exception):
    """A run that could not go on (training diverged): the CLI prints it and exits with status 1."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, after the run saved its work: the message says where, and how to go on."""
