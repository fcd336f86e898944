"""The studio over a real WebSocket: frames per second and event -> frame latency, per scene.

    .venv/bin/python benchmarks/studio.py            every scene, one at a time
    .venv/bin/python benchmarks/studio.py --load     20 clients on mixed scenes at once, 30 s

Each client plays like a person (tests/studio_helpers.poke): a click, a stroke or a key every
50 ms (--rate), and in the scenes played by dragging (ik, layout) a pointer move every 1/60 s,
as a browser sends them; gpt and synth are set to long runs, so that they learn all along.
The client draws every frame the moment it arrives, so the numbers are the server's: how
often a scene can send a frame, and how long an input takes to show.

A frame interval is counted from a frame of a moving scene to the next frame. A scene at rest
(an arm on its target, a diagram that has settled) sends nothing until the next input, and
the frame after that input is timed as event -> frame latency instead. Goals: >= 30 frames/s
on every scene, event -> frame p95 <= 50 ms; under load, frame interval p95 <= 50 ms, no
errors, no session process left behind, and each scene that can run lighter says what it
does less of (its share of frames). Seconds from a monotonic clock; medians of the
per-scene repeats.
"""

import argparse
import asyncio
import collections
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))   # the tests' server runner and client

from diffplay.scenes import registry  # noqa: E402
from diffplay.studio.limits import usable_cores  # noqa: E402
from studio_helpers import (crowd, get_json, input_rate, percentile, play, serve,  # noqa: E402
                            session_processes, wait_until)

RATE = 20   # inputs a second per client (--rate), as a throttled pointer drag sends them or a held key repeats


def ms(seconds):
    return "  -  " if seconds is None else f"{seconds * 1000:5.1f}"


def scene_line(name, runs, rate):
    fps = statistics.median(r["frames"] / r["seconds"] for r in runs)
    moving = [r for r in runs if r["intervals"]]
    interval = statistics.median(percentile(r["intervals"], 95) for r in moving) if moving else None
    p50 = statistics.median(percentile(r["latencies"], 50) or 0 for r in runs)
    p95 = statistics.median(percentile(r["latencies"], 95) or 0 for r in runs)
    errors = sum(len(r["errors"]) for r in runs)
    ok = fps >= 30 and p95 <= 0.050 and (interval or 0) <= 0.050
    follows = statistics.median(len(r["intervals"]) / max(r["frames"], 1) for r in runs) < 0.5
    return (f"studio  {name:10s} frames/s {fps:5.1f}  frame interval p95 {ms(interval)} ms  "
            f"event->frame p50 {ms(p50)} ms  p95 {ms(p95)} ms  errors {errors}  {'goal met' if ok else 'goal MISSED'}"
            + (f"  (at rest between inputs: frames follow the {rate:g} inputs/s)" if follows else ""))


def per_scene(url, seconds, repeats, rate):
    for name in registry.names("scenes"):
        asyncio.run(play(url, name, 1.0, input_rate(name, rate)))   # warm-up: first imports, first solve
        runs = [asyncio.run(play(url, name, seconds, input_rate(name, rate))) for _ in range(repeats)]
        print(scene_line(name, runs, input_rate(name, rate)), flush=True)
        for r in runs:
            for message in r["errors"][:3]:
                print(f"        error: {message}")


def load(url, process, clients, seconds, rate):
    began, cpu = time.monotonic(), time.process_time()
    runs = asyncio.run(crowd(url, clients, seconds, rate))
    took, cpu = time.monotonic() - began, time.process_time() - cpu
    intervals = [i for r in runs for i in r["intervals"]]
    latencies = [x for r in runs for x in r["latencies"]]
    errors = [e for r in runs for e in r["errors"]]
    wait_until(lambda: get_json(url + "api/status")["sessions"] == 0, 20, "every session to end")
    time.sleep(1.0)
    leaked = session_processes(process.pid)
    print(f"load    {clients} clients x {seconds:.0f} s on {usable_cores()} cores (took {took:.1f} s; "
          f"the clients used {cpu / took:.0%} of a core)  "
          f"frames {sum(r['frames'] for r in runs)}  frame interval p50 {ms(percentile(intervals, 50))} ms  "
          f"p95 {ms(percentile(intervals, 95))} ms  event->frame p95 {ms(percentile(latencies, 95))} ms  "
          f"errors {len(errors)}  leaked session processes {len(leaked)}  "
          f"{'goal met' if percentile(intervals, 95) <= 0.050 and not errors and not leaked else 'goal MISSED'}")
    for name in registry.names("scenes"):
        mine = [r for r in runs if r["scene"] == name]
        gaps = [i for r in mine for i in r["intervals"]]
        fps = statistics.median(r["frames"] / r["seconds"] for r in mine)
        said = sum((r["lighter"] for r in mine), collections.Counter())
        lighter = [f"{text} ({said[text] / sum(said.values()):.0%} of frames)" for text in said if text]
        print(f"load      {name:10s} clients {len(mine)}  frames/s each {fps:5.1f}  frame interval p95 {ms(percentile(gaps, 95))} ms"
              f"  {'lighter: ' + ', '.join(lighter) if lighter else 'as alone'}")
    for message in errors[:5]:
        print(f"        error: {message}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", action="store_true", help="many clients at once instead of one scene at a time")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=None, help="per run (default: 5, or 30 with --load)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rate", type=float, default=RATE, help=f"inputs a second per client (default {RATE})")
    args = parser.parse_args()
    with serve() as (url, process):
        if args.load:
            load(url, process, args.clients, args.seconds or 30.0, args.rate)
        else:
            per_scene(url, args.seconds or 5.0, args.repeats, args.rate)


if __name__ == "__main__":
    main()
