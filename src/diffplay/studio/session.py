"""One page's connection: a process that runs its scene, and the WebSocket it talks through.

The scene runs in a process of its own (worker.py), so a busy scene neither blocks the
server's event loop nor holds the other sessions' interpreter lock, and a runaway one can be
stopped for certain. The event loop talks to it over a socket pair (channel.py) and never
waits on it. Messages and frames go to the page in the order the process made them,
none dropped: a frame may leave out the fields the frame before it had (messages.py), and the
process is never more than `window` frames ahead of what the page has drawn, so at most that
many wait here. Closing the tab ends the process.
"""

import asyncio
import gc
import multiprocessing
import socket
from collections import deque

from starlette.websockets import WebSocketDisconnect

from ..errors import UsageError
from ..scenes import registry
from . import channel, worker
from .limits import RateLimiter
from .messages import error, parse

PENDING_BYTES = 8 << 20   # events waiting for a busy scene, past the socket's own buffer; beyond, refused


class Sessions:
    """Every live session, and the process context new ones fork from."""

    def __init__(self, limits):
        self.limits = limits
        self.live = set()
        self.context = None

    def start(self):
        """Start the fork server with numpy and every scene imported, so a session starts in milliseconds."""
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["numpy", "diffplay.studio.worker", *registry.modules()])
        gc.freeze()   # the server's modules stay: full collections need not walk them (ms every few seconds)

    async def close_all(self):
        await asyncio.gather(*(s.stop() for s in list(self.live)))

    def count(self):
        return len(self.live)

    def joined(self, session):
        self.live.add(session)
        self.tell_load()

    def left(self, session):
        self.live.discard(session)
        self.tell_load()

    def tell_load(self):
        """Every session shares the CPU: tell each how many there are, to size its step budget."""
        for session in self.live:
            session.tell(("load", len(self.live)))


class Session:
    def __init__(self, sessions, websocket, name, seed):
        self.sessions, self.socket, self.name, self.seed = sessions, websocket, name, seed
        self.limits = sessions.limits
        self.rate = RateLimiter(self.limits.messages_per_s, self.limits.message_burst)
        self.early = []                     # to the process, said before it started
        self.outbox = deque()               # to the page, in order: hello, frames, errors
        self.wake = asyncio.Event()
        self.closed = False     # the process has ended (or is ending): flush, then close the socket
        self.stopped = False
        self.process = self.writer = None

    # ---- life ----

    async def run(self):
        """Serve the page until it closes the socket or the scene's process ends."""
        self.sessions.joined(self)   # counted from now, so two pages at once cannot pass the limit
        try:
            await self._start()
            await self._serve()
        finally:
            await self.stop()

    async def _start(self):
        ours, theirs = socket.socketpair()
        process = self.sessions.context.Process(
            target=worker.serve, args=(theirs, self.name, self.seed, self.limits, self.sessions.count()),
            name=f"diffplay-studio-{self.name}", daemon=True)
        try:
            await asyncio.to_thread(process.start)
        finally:
            theirs.close()   # the process holds its end now; ours must be the last, so an exit reads as end-of-file
        self.process = process
        self.reader, self.writer = await asyncio.open_unix_connection(sock=ours)
        for message in self.early:
            self.writer.write(message)

    async def _serve(self):
        tasks = [asyncio.create_task(self._send()), asyncio.create_task(self._read())]
        try:
            await self._receive()
        finally:
            for task in tasks:
                task.cancel()

    async def stop(self):
        """End the scene's process: ask, then insist. Safe to call twice."""
        if self.stopped:
            return
        self.stopped = True
        self.sessions.left(self)
        if self.process is None:
            return
        self.tell(["stop"], must=False)
        await asyncio.to_thread(self._finish)
        self.writer.close()

    def _finish(self):
        self.process.join(1.0)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(1.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()

    # ---- page -> process ----

    async def _receive(self):
        while True:
            try:
                raw = await self.socket.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if raw["type"] == "websocket.disconnect":
                return
            self._take(raw.get("text") if raw.get("text") is not None else raw.get("bytes") or b"")

    def _take(self, text):
        """Check one message from the page and pass it on, or answer with an error."""
        event_id = None
        try:
            if not self.rate.allow():
                raise UsageError(f"message: more than {self.limits.messages_per_s:g} messages a second; this one was dropped")
            message = parse(text, self.limits)
            if message["type"] == "drawn":
                return self.tell(["drawn", message["frame"]], must=False)
            if message["type"] == "join":
                return self.tell(["join"])
            event_id = message["id"]
            if not self.tell(["event", event_id, message["event"]]):
                raise UsageError("event: the scene is still busy with earlier ones; this one was dropped")
        except UsageError as e:
            self.outbox.append(error(e, event_id))
            self.wake.set()

    def tell(self, message, must=True):
        """Send a message (a JSON list) to the process; False when it must go but the process is
        too far behind to take it."""
        if self.writer is None:
            self.early.append(channel.pack_json(message))
        elif self.writer.is_closing():
            return not must
        elif must and self.writer.transport.get_write_buffer_size() > PENDING_BYTES:
            return False
        else:
            self.writer.write(channel.pack_json(message))
        return True

    # ---- process -> page ----

    async def _read(self):
        """Bytes from the process, until it ends."""
        while (data := await channel.receive(self.reader)) is not None:
            self._arrive(data)
        self._arrive(None)

    def _arrive(self, data):
        if data is None or data[:1] == b"X":
            self.closed = True
        if data is not None:
            self.outbox.append(data[1:].decode())
        self.wake.set()

    async def _send(self):
        """Messages and frames in order; close the socket when the process has ended."""
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                while self.outbox:
                    await self.socket.send_text(self.outbox.popleft())
                if self.closed and not self.outbox:
                    await self.socket.close(1011 if self.process.exitcode else 1000)
                    return
        except (WebSocketDisconnect, RuntimeError, OSError):
            return
