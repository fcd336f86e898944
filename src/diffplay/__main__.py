"""`python -m diffplay`: the `diffplay` command, for a shell where the script is not on PATH."""

import sys

from .cli import main

if __name__ == "__main__":   # not on an import (pydoc, say)
    sys.exit(main())
