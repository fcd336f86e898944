"""The line between the server and a session process: length-prefixed messages on a socket pair.

A message is its length (4 bytes, big-endian) and that many bytes. The server's end is an
asyncio stream, so its event loop never waits on a session and no thread hands bytes over
(a reader and a writer thread per session took the interpreter lock twice a frame, and under
load waited for it). The session's end blocks, with a poll for its loop's timeouts. To the
session go JSON lists (["event", id, {...}], ["drawn", frame], ["load", sessions], ["join"],
["stop"]); from it come a kind ("F" a frame, "M" a message, "X" a last message), for a frame
its id (8 bytes), and the JSON text the server passes on (read_frame).
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


def read_frame(data):
    """(frame id, JSON text) of a frame as the server receives it (b"F", 8 bytes of id, the text)."""
    return int.from_bytes(data[1:9], "big"), data[9:].decode()


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

    def send(self, kind, text, blobs=(), frame_id=None):
        """A message to pass on to the page: its kind (one byte, worker.py), a frame's id, its
        text. The studio's frames carry their blobs in the text (messages.FrameWriter without buffers)."""
        assert not blobs, "the studio's socket pair carries text only"
        head = kind.encode() + (b"" if frame_id is None else frame_id.to_bytes(8, "big"))
        self.sock.sendall(pack(head + text.encode()))

    def _exactly(self, size):
        data = bytearray()
        while len(data) < size:
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise EOFError("the server closed the session's socket")
            data += chunk
        return bytes(data)
