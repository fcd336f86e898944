"""The studio's connections: uvicorn's protocols with the bounds uvicorn leaves out.

uvicorn holds a connection open for as long as a request takes to arrive, takes as many as
the operating system hands it, and logs each failed accept and each malformed request. Against
a flood of unfinished requests that meant file descriptors exhausted, every page timing out,
and a hundred megabytes of tracebacks. Here:

- at most `max_connections_per_client` connections from one address: one past it is answered
  503 and closed at once;
- at most `max_connections` in all: one past it closes the oldest connection still waiting
  for its request (a slow or unfinished one: a page's own requests arrive in milliseconds), or
  when none is waiting, is answered 503 itself;
- a request must arrive whole within `header_timeout_s` of its connection opening (or of the
  answer before it, on a kept-alive connection), else the connection is closed;
- an idle kept-alive connection closes after `keep_alive_s` (uvicorn's own timer);
- a log message that repeats is written once a minute, with a count of those left out.

A WebSocket is counted from its HTTP request on, until it closes.
"""

import collections
import logging
import time

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

BUSY = (b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n"
        b"content-length: 46\r\n\r\ndiffplay studio: too many connections; retry\r\n")
LOGGERS = ("uvicorn.error", "asyncio")


def protocols(limits):
    """(HTTP protocol, WebSocket protocol) classes for uvicorn.Config(http=..., ws=...), sharing
    one count of connections by client address."""
    by_client = collections.Counter()
    waiting = {}     # connections whose next request has not all come, oldest first (a dict keeps order)
    closing = set()  # connections closed to make room, still in uvicorn's count until their loss is seen

    class WebSocket(WebSocketsSansIOProtocol):
        def connection_lost(self, exc):
            _leave(by_client, self.client)
            super().connection_lost(exc)

    class Http(H11Protocol):
        def connection_made(self, transport):
            super().connection_made(transport)
            self.deadline, self.upgraded = None, False
            by_client[_address(self.client)] += 1
            closing.intersection_update(self.connections)
            if len(self.connections) - len(closing) > limits.max_connections and waiting:
                oldest = next(iter(waiting))   # an unfinished request makes room; it counts until it is gone
                oldest._disarm()
                oldest.transport.close()
                closing.add(oldest)
            if (len(self.connections) - len(closing) > limits.max_connections
                    or by_client[_address(self.client)] > limits.max_connections_per_client):
                transport.write(BUSY)
                transport.close()
                closing.add(self)
                return
            self._arm()

        def data_received(self, data):
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:   # the request's head has come
                waiting.pop(self, None)

        def on_response_complete(self):
            super().on_response_complete()
            self._arm()   # the next request on this connection gets the same time to arrive

        def handle_websocket_upgrade(self, event):
            self._disarm()
            self.upgraded = True   # from here the WebSocket protocol owns the connection, and its count
            super().handle_websocket_upgrade(event)

        def connection_lost(self, exc):
            self._disarm()
            if not self.upgraded:
                _leave(by_client, self.client)
            super().connection_lost(exc)

        def _arm(self):
            self._disarm()
            if not self.transport.is_closing():
                self.deadline = self.loop.call_later(limits.header_timeout_s, self._too_slow)
                waiting[self] = True

        def _disarm(self):
            waiting.pop(self, None)
            if self.deadline is not None:
                self.deadline.cancel()
                self.deadline = None

        def _too_slow(self):
            """The request has not all come (an unfinished head, a body that trickles): close."""
            self.deadline = None
            if self.conn.their_state is not h11.DONE and not self.transport.is_closing():
                self.transport.close()

    return Http, WebSocket


def _address(client):
    return client[0] if client else ""


def _leave(by_client, client):
    address = _address(client)
    by_client[address] -= 1
    if by_client[address] <= 0:
        del by_client[address]


class QuietRepeats(logging.Filter):
    """Let a message (by its format string) through once per `period` seconds; the next one
    that passes says how many were left out."""

    def __init__(self, period=60.0, clock=time.monotonic):
        super().__init__()
        self.period, self.clock = period, clock
        self.last, self.dropped = {}, collections.Counter()

    def filter(self, record):
        key, now = (record.name, str(record.msg)), self.clock()
        if now - self.last.get(key, -self.period) < self.period:
            self.dropped[key] += 1
            return False
        self.last[key] = now
        if self.dropped[key]:
            record.msg = f"{record.msg} (and {self.dropped.pop(key)} more like it in the last minute)"
            record.exc_info = record.exc_text = None   # the count says enough; no tracebacks in bulk
        return True


def quiet_repeated_logs():
    """Put QuietRepeats on the loggers a flood of bad connections writes to."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, QuietRepeats) for f in logger.filters):
            logger.addFilter(QuietRepeats())
