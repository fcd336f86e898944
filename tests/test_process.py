"""Process tuning is scoped: importing diffplay changes nothing; tune_process() and diffplay's
own loops get one BLAS thread whatever was imported first; the user's environment wins."""

import json
import os
import platform
import subprocess
import sys

import pytest

from diffplay.process import blas_threads, one_blas_thread

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt thresholds are glibc's")


def run(code, **env):
    """Run `code` in a fresh interpreter (the environment without BLAS or malloc settings, plus
    `env`) and return what it printed last, as JSON."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MALLOC_", "OPENBLAS_", "OMP_", "MKL_"))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env={**environ, **env})
    return json.loads(out.stdout.splitlines()[-1])


HOST_TWO_THREADS = """
import json{first}
from threadpoolctl import threadpool_limits
threadpool_limits(2, user_api="blas")   # the host program's own choice
import diffplay
from diffplay import Tensor   # the engine, and NumPy with it (diffplay's names load on first use)
from diffplay.process import blas_threads
imported = blas_threads()
with diffplay.process.one_blas_thread():
    inside = blas_threads()
after = blas_threads()
changed = diffplay.tune_process()
print(json.dumps([imported, inside, after, blas_threads(), changed]))
"""


@pytest.mark.parametrize("first", ["\nimport numpy", "\nimport torch", ""], ids=["numpy first", "torch first", "diffplay first"])
def test_blas_threads_are_the_hosts_until_diffplay_is_asked_whatever_the_import_order(first):
    imported, inside, after, tuned, changed = run(HOST_TWO_THREADS.format(first=first))
    assert set(imported.values()) == {2} and set(after.values()) == {2}   # importing, and leaving a scope, keep the host's
    assert set(inside.values()) == {1} and set(tuned.values()) == {1} and changed["blas_threads"] == 1


def test_tune_process_called_before_numpy_was_imported_still_gives_numpy_one_thread():
    # `import diffplay` loads no NumPy (its names load on first use): tuning must load the BLAS it tunes
    threads = run("import json, diffplay\ndiffplay.tune_process()\nimport numpy\n"
                  "from diffplay.process import blas_threads\nprint(json.dumps(blas_threads()))")
    assert threads and set(threads.values()) == {1}


def test_a_thread_count_in_the_environment_wins():
    imported, inside, after, tuned, changed = run(HOST_TWO_THREADS.format(first=""), OPENBLAS_NUM_THREADS="2")
    assert set(inside.values()) == {2} and set(tuned.values()) == {2} and "blas_threads" not in changed


def test_gpt_training_and_scene_steps_run_on_one_blas_thread_and_give_the_thread_back():
    from threadpoolctl import threadpool_limits

    import diffplay.gpt as gpt
    from diffplay.scenes.boundary import Boundary

    seen = []
    with threadpool_limits(2, user_api="blas"):
        gpt.train(steps=2, samples=0, on_step=lambda *_: seen.append(blas_threads()))
        scene = Boundary(seed=0)
        advance = scene.advance
        scene.advance = lambda: (seen.append(blas_threads()), advance())[1]
        scene.step(0.0)
        scene.run(steps=1)
        assert set(blas_threads().values()) == {2}
    assert seen and all(set(threads.values()) == {1} for threads in seen)


def test_a_tuned_process_stays_on_one_blas_thread_and_its_scopes_are_left_out():
    inside, after, scoped = run("import json, diffplay.process as p\nfrom threadpoolctl import threadpool_limits\n"
                                "threadpool_limits(2, user_api='blas')\np.tune_process()\n"
                                "with p.one_blas_thread() as scope:\n    inside = p.blas_threads()\n"
                                "print(json.dumps([inside, p.blas_threads(), scope is not None]))")
    assert set(inside.values()) == {1} and set(after.values()) == {1} and not scoped   # a null scope gives None


def test_one_blas_thread_nests():
    with one_blas_thread():
        with one_blas_thread():
            assert set(blas_threads().values()) == {1}
        assert set(blas_threads().values()) == {1}


PAGE_FAULTS = """
import json, resource, sys
import diffplay
changed = diffplay.tune_process()
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
print(json.dumps([changed, (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20]))
"""


@glibc
def test_a_tuned_process_reuses_freed_memory_instead_of_faulting_it_in_again():
    changed, faults = run(PAGE_FAULTS)
    assert changed["malloc"] and faults < 50   # measured 0.05


@glibc
def test_a_malloc_setting_in_the_environment_wins():
    changed, faults = run(PAGE_FAULTS, MALLOC_TRIM_THRESHOLD_="131072")
    assert "malloc" not in changed and faults > 200   # glibc's fixed thresholds: ~1,800


def test_a_layout_solve_runs_on_one_blas_thread_and_gives_the_thread_back(monkeypatch):
    from threadpoolctl import threadpool_limits

    import diffplay.layout.diagram as diagram
    from diffplay.layout import Diagram

    seen, solve = [], diagram.solve_problem
    monkeypatch.setattr(diagram, "solve_problem", lambda *a, **k: (seen.append(blas_threads()), solve(*a, **k))[1])
    d = Diagram(200, 200)
    a, b = d.circle("A", r=30), d.circle("B", r=30)
    d.disjoint(a, b)
    with threadpool_limits(2, user_api="blas"):
        d.solve(seed=0)
        assert set(blas_threads().values()) == {2}
    assert seen and all(set(threads.values()) == {1} for threads in seen)
