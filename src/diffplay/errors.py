"""The one exception type for mistakes in what a user gave us (flags, files, messages)."""


class UsageError(Exception):
    """Bad input from a user: the CLI prints it without a traceback and exits with status 2."""

    def __init__(self, message, *, where=None):
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)
