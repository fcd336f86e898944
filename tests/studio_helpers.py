"""What the studio tests share: a real `diffplay serve` on a free loopback port, a real
WebSocket client that behaves like a page (it acknowledges the frames it takes), and a look
at the server's process tree to find leaked session processes."""

import asyncio
import collections
import json
import math
import os
import resource
import statistics
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import websockets

from diffplay.scenes import registry
from diffplay.scenes.blobs import unarray
from diffplay.studio.messages import SERVER_MESSAGE, merge

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "studio"


@contextmanager
def serve(*options, env=None, open_files=None):
    """Run `diffplay serve --port 0 OPTIONS` (under `ulimit -n open_files` if given) and yield
    (base URL, process)."""
    command = [sys.executable, "-c", "from diffplay.cli import main; main()", "serve", "--port", "0", *options]

    def limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})}, preexec_fn=limit if open_files else None)
    try:
        line = process.stdout.readline()
        assert "http://" in line, f"serve printed {line!r}; stderr: {process.stderr.read() if process.poll() is not None else ''}"
        url = line.split()[2]
        wait_until(lambda: _get(url + "api/status") is not None, 30, "the server to answer")
        yield url, process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read()
    except OSError:
        return None


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def wait_until(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds} s for {what}")


def session_processes(server_pid):
    """Pids of the session processes: the children of the server's children (its fork server)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    children = {pid for pid, ppid in parents.items() if ppid == server_pid}
    return sorted(pid for pid, ppid in parents.items() if ppid in children)


def ws_url(url, scene, query=""):
    return url.replace("http://", "ws://") + f"ws/{scene}" + (f"?{query}" if query else "")


async def refusal(url, scene, query=""):
    """(the message, the close code) of a WebSocket the server refuses after saying why."""
    async with websockets.connect(ws_url(url, scene, query)) as socket:
        message = json.loads(await socket.recv())
        try:
            await socket.recv()
        except websockets.ConnectionClosed as closed:
            return message, closed.rcvd.code
    raise AssertionError(f"the server said {message} and went on")


class Client:
    """A page without a screen: sends events, takes frames and acknowledges them."""

    def __init__(self, socket):
        self.socket, self.next_id = socket, 1
        self.hello, self.last, self.frames, self.errors = None, None, 0, []   # the latest frame message, and a count

    @classmethod
    async def open(cls, url, scene, query="", source=None, **kwargs):
        """A client of `scene`; from the loopback address `source` (127.0.0.2, …: another machine,
        as the studio counts clients) when given."""
        local = {} if source is None else {"local_addr": (source, 0)}
        return cls(await websockets.connect(ws_url(url, scene, query), max_size=None, **local), **kwargs)

    async def send(self, event):
        event_id, self.next_id = self.next_id, self.next_id + 1
        await self.socket.send(json.dumps({"type": "event", "id": event_id, "event": event}))
        return event_id

    async def receive(self, ack=True, timeout=10):
        return await self._handle(json.loads(await asyncio.wait_for(self.socket.recv(), timeout)), ack)

    async def _handle(self, message, ack):
        message = SERVER_MESSAGE.check(message, "server")
        if message["type"] == "hello":
            self.hello = message
        elif message["type"] == "error":
            self.errors.append(message)
        elif message["type"] == "frame":
            message["frame"] = merge(self.last["frame"] if self.last else {}, message)
            self.last, self.frames = message, self.frames + 1
            if ack:
                await self.socket.send(json.dumps({"type": "drawn", "frame": message["id"]}))
        return message

    async def until(self, condition, timeout=20, what="a message"):
        """Receive until condition(message) holds; returns that message."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = await self.receive(timeout=max(deadline - time.monotonic(), 0.01))
            if condition(message):
                return message
        raise AssertionError(f"no {what} within {timeout} s")

    async def frame_after(self, event_id, timeout=20):
        """The first frame made after event `event_id` was applied."""
        return await self.until(lambda m: m["type"] == "frame" and m["events"] >= event_id, timeout,
                                f"frame after event {event_id}")

    async def error_for(self, event_id=None, timeout=20):
        return await self.until(lambda m: m["type"] == "error" and m["id"] == event_id, timeout,
                                f"error for event {event_id}")

    async def close(self):
        await self.socket.close()


class Player(Client):
    """A client that reads a frame's envelope (id, events, stats) as it comes and its fields
    only when asked, or never (looks=False): a load test's twenty clients would otherwise
    spend a quarter of a core decoding frames nobody looks at, on the cores the studio runs on."""

    BODY = ',"frame":{'   # the worker writes the fields last, after the envelope

    def __init__(self, socket, looks=True):
        super().__init__(socket)
        self.looks = looks
        self.unread, self.whole = [], {}   # frames' field texts not yet merged; the frame they make

    async def receive(self, ack=True, timeout=10):
        text = await asyncio.wait_for(self.socket.recv(), timeout)
        cut = text.find(self.BODY) if text.startswith('{"type":"frame"') else -1
        if cut < 0:
            return await self._handle(json.loads(text), ack)
        message = SERVER_MESSAGE.check({**json.loads(text[:cut] + "}"), "frame": {}}, "server")
        if self.looks:
            self.unread.append((message["same"], text[cut + len(self.BODY) - 1:-1]))
        self.frames += 1
        if ack:
            await self.socket.send(json.dumps({"type": "drawn", "frame": message["id"]}))
        return message

    def frame(self):
        """The latest whole frame (None before the first)."""
        assert self.looks, "this player does not keep frames"
        for same, fields in self.unread:
            self.whole = merge(self.whole, {"same": same, "frame": json.loads(fields)})
        self.unread.clear()
        return self.whole or None


# ---- playing a scene as a person would, for the load test and benchmarks/studio.py ----

def poke(scene, k, frame, hello):
    """The k-th input a person gives `scene` while playing: a click, a drag, a stroke (frame: the latest)."""
    c, s = math.cos(0.3 * k), math.sin(0.3 * k)
    if scene == "boundary":
        return {"type": "add_point", "x": 4 * c, "y": 4 * s, "label": k % 2}
    if scene == "canvas":
        return {"type": "stroke", "points": [{"x": 32 + 20 * c, "y": 32 + 20 * s}], "color": [200, 60, 60], "radius": 2}
    if scene == "gpt":   # a longer run than the default 1,000 steps, to watch it train all along
        return {"type": "set", "key": "steps", "value": 100_000} if k == 0 else {"type": "sample"}
    if scene == "graph":   # autoplay steps one node a frame; start the backward pass again when it is done
        if k == 0:
            return {"type": "set", "key": "autoplay", "value": True}
        return {"type": "forward"} if frame and frame["cursor"] == frame["total"] else {"type": "backward_step"}
    if scene == "lsystem":
        return {"type": "click", "x": 0.5 * c, "y": 0.7 + 0.2 * s}
    if scene == "ik":
        return {"type": "drag", "x": 0.6 * c, "y": 0.6 * s}
    if scene == "particles":
        return {"type": "click", "x": 2.5 + 0.4 * c, "y": 1.5 + 0.4 * s}
    if scene == "synth" and k == 0:   # a long schedule, to watch it fit all along
        return {"type": "set", "key": "schedule", "value": 100_000}
    if scene == "layout" and frame:
        shape = min((s for s in frame["shapes"] if s["kind"] == "circle"), key=lambda s: s["box"][2] - s["box"][0])
        return {"type": "drag", "shape": shape["name"], "x": shape["center"][0] + 3 * c, "y": shape["center"][1] + 3 * s}
    live = [setting for setting in hello["scene"]["settings"] if setting["live"]]   # any other scene: a live knob, unchanged
    return {"type": "set", "key": live[0]["name"], "value": hello["values"][live[0]["name"]]} if live else {"type": "pause"}


def point_columns(points):
    """A boundary frame's points as lists, a column each (x, y and a regression's value come as float32 arrays)."""
    return {column: unarray(values).tolist() if isinstance(values, dict) else values for column, values in points.items()}


LOOKS_AT_FRAMES = ("graph", "layout")   # the scenes whose next input depends on what the frame shows
POINTER_RATE = 60   # inputs a second of a drag: a pointer moves at the display's rate
DRAGGED = ("ik", "layout")


def input_rate(scene, rate):
    """Inputs a second for `scene`: a drag's pointer rate, else `rate` (clicks, strokes, keys)."""
    return POINTER_RATE if scene in DRAGGED else rate


async def play(url, scene, seconds, rate, lag=0.0, source=None):
    """Play `scene` for `seconds`, `rate` inputs a second (the first `lag` seconds in), drawing
    every frame at once (a fast page).

    Returns {scene, frames, intervals, latencies, errors, lighter}: `intervals` are the seconds from a
    frame of a moving scene to the next frame (after a frame that says the scene is at rest,
    the next one waits for an input, which `latencies` measure), `latencies` the seconds from
    an event to the first frame that shows it, `lighter` what the frames said the scene did less
    of in a busy studio (frames that said so, by text).
    """
    client = await Player.open(url, scene, source=source, looks=scene in LOOKS_AT_FRAMES)
    await client.until(lambda m: m["type"] == "hello")
    loop = asyncio.get_running_loop()
    start = loop.time()
    deadline, next_event, k, last, moving, sent = start + seconds, start + lag, 0, None, False, {}
    intervals, latencies, lighter = [], [], collections.Counter()
    while (now := loop.time()) < deadline:
        if now >= next_event:
            frame = client.frame() if scene in LOOKS_AT_FRAMES else None
            sent[await client.send(poke(scene, k, frame, client.hello))] = now
            k, next_event = k + 1, next_event + 1 / rate
            continue
        try:
            message = await client.receive(timeout=min(next_event, deadline) - now)
        except asyncio.TimeoutError:
            continue
        if message["type"] == "frame":
            arrived = loop.time()
            if moving:
                intervals.append(arrived - last)
            last, moving = arrived, message["stats"]["moving"]
            lighter[message["stats"].get("lighter")] += 1
            for event_id in [i for i in sent if i <= message["events"]]:
                latencies.append(arrived - sent.pop(event_id))
    await client.close()
    return {"scene": scene, "frames": client.frames, "intervals": intervals, "latencies": latencies,
            "errors": [e["message"] for e in client.errors], "seconds": seconds, "lighter": lighter}


async def crowd(url, clients, seconds, rate):
    """`clients` pages at once, on the studio's scenes in turn, each played as play() does, each
    from a loopback address of its own (as many people would be; the studio gives one address
    a share of its sessions).

    People do not click in step: each page's inputs start at its own point of an input period,
    so that twenty of them do not all arrive in the same millisecond, every period.
    """
    names = registry.names("scenes")
    plays = []
    for i in range(clients):
        name = names[i % len(names)]
        inputs = input_rate(name, rate)
        plays.append(play(url, name, seconds, inputs, lag=i / clients / inputs, source=f"127.0.0.{10 + i}"))
    return await asyncio.gather(*plays)


def percentile(values, p):
    """The p-th percentile (0-100) of values, by linear interpolation; None for no values."""
    if not values:
        return None
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]
