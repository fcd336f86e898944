"""The learn chapters through the real studio: how long a person waits for the page to answer.

Each case opens a chapter over its WebSocket, as a page does, and sends the events a person
sends while reading (a line forward, a query row, a picked weight, a typed name, a node backward),
one at a time, paced like keystrokes, and times each from the event sent to the first frame that
shows it.
Prints the median and p95 per case (goal: p95 <= 50 ms).

    .venv/bin/python benchmarks/learn.py [--events 60]
"""

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))   # the tests' server runner and client
from studio_helpers import Client, percentile, serve  # noqa: E402

GOAL = 0.050
PAUSE = 0.1   # seconds between keystrokes


def line_events(k):
    return {"type": "line", "delta": 1 if (k // 20) % 2 == 0 else -1}   # twenty lines on, twenty back


CASES = {   # label: (chapter, the k-th event)
    "transformer  a line forward or back": ("transformer", line_events),
    "transformer  backward, then forward": ("transformer", lambda k: {"type": "backward" if k % 2 == 0 else "forward"}),
    "attention    another query row": ("attention", lambda k: {"type": "query", "position": k % 5}),
    "bigram       pick a weight to check": ("bigram", lambda k: {"type": "pick", "row": k % 27, "col": (3 * k) % 27}),
    "tokens       type a name": ("tokens", lambda k: {"type": "set", "key": "name", "value": "emma"[: 1 + k % 4]}),
    "autograd     a node backward": ("autograd", lambda k: {"type": "backward_step" if k % 30 else "forward"}),
    "training     follow another weight": ("training", lambda k: {"type": "pick", "matrix": "lm_head", "row": k % 27, "col": k % 16}),
}


async def latencies(url, chapter, event_of, count):
    client = await Client.open(url, chapter)
    await client.until(lambda m: m["type"] == "frame", what="the first frame")
    waits = []
    for k in range(count):
        began = time.perf_counter()
        await client.frame_after(await client.send(event_of(k)))
        waits.append(time.perf_counter() - began)
        await asyncio.sleep(PAUSE)
    await client.close()
    return waits


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=60)
    args = parser.parse_args()
    with serve() as (url, _):
        for label, (chapter, event_of) in CASES.items():
            waits = asyncio.run(latencies(url, chapter, event_of, args.events))
            p95 = percentile(waits, 95)
            print(f"learn  {label:40s} event->frame p50 {1000 * statistics.median(waits):5.1f} ms  "
                  f"p95 {1000 * p95:5.1f} ms  (goal <= {1000 * GOAL:.0f})  {'goal met' if p95 <= GOAL else 'goal MISSED'}",
                  flush=True)


if __name__ == "__main__":
    main()
