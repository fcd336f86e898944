"""One page's connection: a process that runs its scene, and the WebSocket it talks through.

The scene runs in a process of its own (worker.py), so a busy scene neither blocks the
server's event loop nor holds the other sessions' interpreter lock, and a runaway one can be
stopped for certain. The event loop talks to it over a socket pair (channel.py) and never
waits on it. Messages and frames go to the page in the order the process made them,
none dropped: a frame may leave out the fields the frame before it had (messages.py), and the
process is never more than `window` frames ahead of what the page has drawn, so at most that
many wait here. Closing the tab ends the process.

What a page cannot do to the others: hold more than its share of sessions (one address,
`max_sessions_per_client`), hold one for ever without a word (`idle_s`; sooner, when a new page
finds the studio full: `idle_when_full_s`), or make the server hold its replies in memory by
not reading them. Frames never pile up: the process paces itself by the frames that have left
for the page, not by the acknowledgements the page claims. Replies to events are never
dropped: once `outbox_bytes` wait to go out, the server stops reading from that page (and
from its process) until the page takes them, so a page that sends without reading is slowed
by its own TCP window, not buffered without end. A flood of messages past the rate limit is
refused with one error per flood, not one per message.
"""

import asyncio
import gc
import multiprocessing
import socket
import time
from collections import deque

from starlette.websockets import WebSocketDisconnect

from ..errors import UsageError
from ..scenes import registry
from . import channel, worker
from .limits import RateLimiter
from .messages import error, parse

PENDING_BYTES = 8 << 20   # events waiting for a busy scene, past the socket's own buffer; beyond, refused
REAP_GRACE_S = 5.0        # a reaped page that does not take its last message is cut off after this


class Sessions:
    """Every live session, and the process context new ones fork from."""

    def __init__(self, limits):
        self.limits = limits
        self.live = set()
        self.context = self.reaper = None

    def start(self):
        """Start the fork server with numpy and every scene imported, so a session starts in
        milliseconds, and the task that closes idle sessions."""
        self.context = multiprocessing.get_context("forkserver")
        self.context.set_forkserver_preload(["numpy", "diffplay.studio.worker", *registry.modules()])
        gc.freeze()   # the server's modules stay: full collections need not walk them (ms every few seconds)
        self.reaper = asyncio.get_running_loop().create_task(self._close_idle())

    async def close_all(self):
        if self.reaper is not None:
            self.reaper.cancel()
        await asyncio.gather(*(s.stop() for s in list(self.live)))

    def count(self):
        return len(self.live)

    def admit(self, client):
        """Make room for a new page from `client` (an address), or raise a UsageError saying why
        there is none: its share is used, or the studio is full of pages that are not idle."""
        limits = self.limits
        if sum(s.client == client for s in self.live) >= limits.max_sessions_per_client:
            raise UsageError(f"this address already runs {limits.max_sessions_per_client} scenes, its share of the "
                             "studio; close one of its tabs and reload")
        if len(self.live) < limits.max_sessions:
            return
        idlest = max(self.live, key=Session.idle_for)
        if idlest.idle_for() < limits.idle_when_full_s:
            raise UsageError(f"the studio already runs {limits.max_sessions} scenes, its limit, and none has been "
                             f"idle for {limits.idle_when_full_s:g} s; close a tab and reload")
        idlest.reap(f"closed after {idlest.idle_for():.0f} s without a message from this page, to make room for "
                    "another in a full studio; reload to start it again")

    async def _close_idle(self):
        idle = self.limits.idle_s
        while True:
            await asyncio.sleep(min(1.0, idle / 4))
            for session in [s for s in self.live if s.idle_for() > idle]:
                session.reap(f"closed after {idle:g} s without a message from this page; reload to start it again")

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
        self.client = websocket.client.host if websocket.client else ""
        self.limits = sessions.limits
        self.rate = RateLimiter(self.limits.messages_per_s, self.limits.message_burst)
        self.refusing = False               # in a flood past the rate limit, already told so
        self.early = []                     # to the process, said before it started
        self.outbox = deque()               # to the page, in order: (text, frame id or 0)
        self.waiting = 0                    # bytes in the outbox
        self.room = asyncio.Event()         # set while the outbox is under its bound: read on
        self.room.set()
        self.delivered = 0                  # the last frame handed to the page's socket
        self.wake = asyncio.Event()
        self.heard = time.monotonic()       # the last message from the page
        self.closed = False     # the process has ended (or is ending), or the session was reaped: flush, then close
        self.close_code = None  # the code to close with, if not the process's own (1000, or 1011 after a crash)
        self.stopped = False
        self.process = self.writer = self.task = None

    # ---- life ----

    async def run(self):
        """Serve the page until it closes the socket, the scene's process ends or the session is reaped."""
        self.sessions.joined(self)   # counted from now, so two pages at once cannot pass the limit
        self.task = asyncio.current_task()
        try:
            await self._start()
            await self._serve()
        except asyncio.CancelledError:   # reaped, and the page did not take its last message in time
            pass
        finally:
            await self.stop()

    def idle_for(self):
        return time.monotonic() - self.heard

    def reap(self, reason):
        """Close this session for `reason`, told to the page: it stops counting at once."""
        if self.closed or self.stopped:
            return
        self.sessions.left(self)
        self._push(error(reason))
        self.closed, self.close_code = True, 1008   # 1008: the page does not reconnect by itself
        asyncio.get_running_loop().call_later(REAP_GRACE_S, self.task.cancel)

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
            await self.room.wait()   # a page that does not take its replies is not read from
            try:
                raw = await self.socket.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if raw["type"] == "websocket.disconnect":
                return
            self.heard = time.monotonic()
            self._take(raw.get("text") if raw.get("text") is not None else raw.get("bytes") or b"")

    def _take(self, text):
        """Check one message from the page and pass it on, or answer with an error."""
        event_id = None
        try:
            if not self._allowed():
                return
            message = parse(text, self.limits)
            if message["type"] == "drawn":   # never more than has left for the page: the pace is real
                return self.tell(["drawn", min(message["frame"], self.delivered)], must=False)
            event_id = message["id"]
            if not self.tell(["event", event_id, message["event"]]):
                raise UsageError("event: the scene is still busy with earlier ones; this one was dropped")
        except UsageError as e:
            self._push(error(e, event_id))

    def _allowed(self):
        """Whether the rate limit lets this message through; the first refused of a flood says so."""
        if self.rate.allow():
            self.refusing = False
            return True
        if not self.refusing:
            self.refusing = True
            self._push(error(f"message: more than {self.limits.messages_per_s:g} messages a second; "
                             "dropping them until they slow down"))
        return False

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
        """Bytes from the process, until it ends (none while the outbox is full)."""
        while True:
            await self.room.wait()
            if (data := await channel.receive(self.reader)) is None:
                break
            self._arrive(data)
        self._arrive(None)

    def _arrive(self, data):
        if data is None or data[:1] == b"X":
            self.closed = True
        if data is None:
            self.wake.set()
        elif data[:1] == b"F":
            frame_id, text = worker.read_frame(data)
            self._push(text, frame_id)
        else:
            self._push(data[1:].decode())

    def _push(self, text, frame_id=0):
        """Queue `text` for the page; past the outbox's bound, stop reading until it drains."""
        self.outbox.append((text, frame_id))
        self.waiting += len(text)
        if self.waiting > self.limits.outbox_bytes:
            self.room.clear()
        self.wake.set()

    async def _send(self):
        """Messages and frames in order; close the socket when the process has ended."""
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                while self.outbox:
                    text, frame_id = self.outbox[0]
                    await self.socket.send_text(text)
                    self.outbox.popleft()
                    self.waiting -= len(text)
                    self.delivered = max(self.delivered, frame_id)
                    if self.waiting <= self.limits.outbox_bytes:
                        self.room.set()
                if self.closed and not self.outbox:
                    await self.socket.close(self.close_code or (1011 if self.process.exitcode else 1000))
                    return
        except (WebSocketDisconnect, RuntimeError, OSError):
            return
