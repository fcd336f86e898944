"""Shared test settings: deterministic hypothesis runs sized for a 2-core box, and subprocesses
that import the diffplay under test."""

import os

from hypothesis import settings

settings.register_profile("diffplay", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("diffplay")

# A relative PYTHONPATH (PYTHONPATH=src) means another folder to a subprocess started elsewhere
# (cwd=tmp_path), which would then import whatever diffplay is installed instead of this one.
if os.environ.get("PYTHONPATH"):
    paths = os.environ["PYTHONPATH"].split(os.pathsep)
    os.environ["PYTHONPATH"] = os.pathsep.join(os.path.abspath(p) for p in paths if p)
