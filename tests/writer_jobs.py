"""Jobs for writer-process tests: module-level, so the writer process imports them by name."""

import os
import time


def held(data, gate, log):
    """data, once the file `gate` exists; each call noted in `log` (a line per call) first."""
    while not os.path.exists(gate):
        time.sleep(0.001)
    with open(log, "ab") as f:
        f.write(data + b"\n")
    return data


def failing(message):
    raise ValueError(message)
