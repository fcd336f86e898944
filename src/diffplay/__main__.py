"""`python -m diffplay`: the `diffplay` command, for a shell where the script is not on PATH."""

import sys

from .cli import main

sys.exit(main())
