"""Which requests the studio answers: the names it is reached by, and the pages it talks to.

DNS rebinding: a web page at evil.example can point its own name at 127.0.0.1 once it has
loaded, then talk to the studio as "evil.example" — same origin as far as the browser knows,
so an Origin check alone (Origin against the Host the page itself sent) lets it through. The
studio therefore answers only requests whose Host names it:

- an IP address (a page whose origin is an address is served by that address: this server);
- `localhost`;
- the `--host` it listens on, when that is a name;
- a name added with `--allow-host NAME` (a machine's name on the local network, a proxy's).

Any other Host gets 421 on HTTP and a refused handshake on a WebSocket. A WebSocket must also
come from one of the studio's own pages: an Origin, when sent (browsers always send one), must
name the same host and port as the Host.
"""

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("localhost",)


class TrustedHosts:
    def __init__(self, listen_host="127.0.0.1", allowed=()):
        names = [*LOOPBACK_NAMES, listen_host, *allowed]
        self.names = {name.lower().strip("[]") for name in names if not _is_address(name)}

    def allows(self, host_header):
        """Whether a request with this Host header (name or address, with or without a port) is for us."""
        name = _name_of(host_header)
        return bool(name) and (_is_address(name) or name in self.names)


class Gate:
    """ASGI middleware: refuse requests for other hosts, and WebSockets from other sites' pages."""

    def __init__(self, app, trusted):
        self.app, self.trusted = app, trusted

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {key: value.decode("latin-1") for key, value in scope["headers"] if key in (b"host", b"origin")}
        host = headers.get(b"host", "")
        if not self.trusted.allows(host):
            return await _refuse(scope, send, f"this studio does not answer to host {host[:100]!r}; "
                                              "start it with --allow-host NAME to reach it by that name")
        origin = headers.get(b"origin")
        if scope["type"] == "websocket" and origin is not None and urlsplit(origin).netloc != host:
            return await _refuse(scope, send, "a page from another site may not open a scene here")
        await self.app(scope, receive, send)


async def _refuse(scope, send, reason):
    if scope["type"] == "websocket":   # before the handshake: the client sees 403
        return await send({"type": "websocket.close", "code": 1008})
    body = f"diffplay studio: {reason}\n".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 421, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _name_of(host_header):
    """The host part of a Host header: 'a.example:80' -> 'a.example', '[::1]:80' -> '::1'."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else ""
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _is_address(name):
    try:
        ipaddress.ip_address(name.strip("[]"))
        return True
    except ValueError:
        return False
