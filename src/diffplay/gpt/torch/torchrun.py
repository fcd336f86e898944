"""`python -m torch.distributed.run` (torchrun), saying a failure once: the ranks print diffplay's
own message (rank 0's), and this exits with the status that rank exited with (2 for a usage
error, 1 for a failed run, 130 for Ctrl-C) instead of raising ChildFailedError's report.
launch.py runs it; any torchrun option works as with torchrun itself."""

import logging
import os
import sys

from torch.distributed.elastic.multiprocessing.api import SignalException
from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
from torch.distributed.run import parse_args, run


def main(argv):
    level = os.environ.get("LOGLEVEL", "WARNING").upper()
    if level in ("ERROR", "CRITICAL"):   # launch.py's choice unless --debug; torch's loggers set their own levels
        logging.disable(logging.ERROR if level == "CRITICAL" else logging.WARNING)
    try:
        run(parse_args(argv))
    except ChildFailedError as error:
        return exit_status(error)
    except SignalException as error:   # after torchrun stopped the ranks (they saved)
        return 128 + int(error.sigval)
    return 0


def exit_status(error):
    """Rank 0's exit status if it failed, else the first failure's; a signal's as a shell gives it."""
    failures = error.failures
    failure = failures.get(0) or failures[min(failures)]
    return failure.exitcode if failure.exitcode >= 0 else 128 - failure.exitcode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
