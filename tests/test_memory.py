"""Importing diffplay keeps the memory a step frees (glibc), so the next step does not fault
it in again; an explicit MALLOC_TRIM_THRESHOLD_ still wins."""

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt thresholds are glibc's")

STEPS = """
import resource
import diffplay
from diffplay.scenes.canvas import Canvas
scene = Canvas(seed=0)
stroke = {"type": "stroke", "points": [{"x": 40, "y": 30}], "color": [200, 60, 60], "radius": 2}
for _ in range(5):
    scene.handle(stroke)
    scene.advance()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    scene.handle(stroke)   # a stroke makes the step gather its pixels anew: a 1 MB array freed and made again
    scene.advance()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
"""


def page_faults_per_step(**env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", STEPS], capture_output=True, text=True, check=True,
                         env={**environ, **env})
    return float(out.stdout)


def test_steps_reuse_freed_memory_instead_of_faulting_it_in_again():
    assert page_faults_per_step() < 50   # measured 0.05; without the thresholds, ~1,800


def test_an_explicit_malloc_setting_wins():
    assert page_faults_per_step(MALLOC_TRIM_THRESHOLD_="131072") > 200
