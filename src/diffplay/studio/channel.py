"""The line between the server and a session process: length-prefixed messages on a socket pair.

A message is its length (4 bytes, big-endian) and that many bytes. The server's end is an
asyncio stream, so its event loop never waits on a session and no thread hands bytes over
(a reader and a writer thread per session took the interpreter lock twice a frame, and under
load waited for it). The session's end blocks, with a poll for its loop's timeouts. To the
session go JSON lists (["event", id, {...}], ["drawn", frame], ["load", sessions], ["stop"]);
from it come bytes the server passes on (worker.py says which).
"""

import asyncio
import json
import select
import struct

HEADER = struct.Struct("!I")


def pack(data):
    return HEADER.pack(len(data)) + data


def pack_json(message):
    return pack(json.dumps(message, separators=(",", ":")).encode())


async def receive(reader):
    """The next message from an asyncio StreamReader, or None once the other end has closed."""
    try:
        (size,) = HEADER.unpack(await reader.readexactly(HEADER.size))
        return await reader.readexactly(size)
    except (asyncio.IncompleteReadError, ConnectionError):
        return None


class Channel:
    """The session process's end of the pair: blocking sends and receives."""

    def __init__(self, sock):
        self.sock = sock

    def poll(self, timeout):
        """Whether a message (or the end) is waiting, after waiting up to `timeout` s (None: for ever)."""
        return bool(select.select([self.sock], [], [], timeout)[0])

    def recv(self):
        """The next JSON message; EOFError once the server has closed its end."""
        (size,) = HEADER.unpack(self._exactly(HEADER.size))
        return json.loads(self._exactly(size))

    def send(self, kind, text, blobs=()):
        """A message to pass on to the page: its kind (one byte, worker.py) and its text. The
        studio's frames carry their blobs in the text (messages.FrameWriter without buffers)."""
        assert not blobs, "the studio's socket pair carries text only"
        self.sock.sendall(pack(kind.encode() + text.encode()))

    def _exactly(self, size):
        data = bytearray()
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise EOFError("the server closed the session's socket")
            data += chunk
        return bytes(data)
