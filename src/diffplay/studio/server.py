"""The studio's web app: the pages (files shipped in this package, nothing else), the scenes'
descriptions, and one WebSocket per live scene.

    GET /                  the gallery          GET /api/scenes   every scene's describe() and picture
    GET /scene.html?name=  one scene            GET /api/status   live sessions and limits
    WS  /ws/NAME?seed=N    a live scene (see messages.py for what travels on it)

Only for the hosts it trusts, and WebSockets only from its own pages (hosts.py).
"""

import contextlib
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from ..checks import MAX_SEED
from ..errors import UsageError
from ..scenes import registry
from ..scenes.schema import Number
from .connections import quiet_repeated_logs
from .hosts import Gate, TrustedHosts
from .limits import Limits
from .messages import error
from .session import Session, Sessions

STATIC = Path(__file__).parent / "static"
SEED = Number(0, MAX_SEED, integer=True)

# What the pages may load and talk to: this server, and images they make themselves.
HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
                                 b"connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class SecurityHeaders:
    """ASGI middleware adding HEADERS to every HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *HEADERS]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def thumbnail(name):
    """The URL of the picture on a scene's gallery card (thumbnails.py makes them), or None."""
    for suffix in ("png", "svg"):
        if (STATIC / "thumbs" / f"{name}.{suffix}").is_file():
            return f"/thumbs/{name}.{suffix}"
    return None


def create_app(limits=None, trusted=None):
    """The studio's ASGI app: its limits, and the hosts it answers to (by default, this machine's names)."""
    limits = limits or Limits()
    sessions = Sessions(limits)
    described = [{**scene, "thumbnail": thumbnail(scene["name"])} for scene in registry.describe_all()]

    async def scenes(request):
        return JSONResponse(described)

    async def status(request):
        return JSONResponse({"sessions": sessions.count(), "limits": limits.describe()})

    async def live(websocket):
        await websocket.accept()
        name = websocket.path_params["name"]
        try:
            if name not in registry.names():
                registry.load(name)   # raises the error that lists the scenes
            seed = SEED.parse(websocket.query_params.get("seed", "0"), "seed")
            sessions.admit(websocket.client.host if websocket.client else "")   # may close an idle session
        except UsageError as e:
            await websocket.send_text(error(e))
            return await websocket.close(code=1008)
        await Session(sessions, websocket, name, seed).run()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        quiet_repeated_logs()
        sessions.start()
        yield
        await sessions.close_all()

    app = Starlette(routes=[
        Route("/api/scenes", scenes),
        Route("/api/status", status),
        WebSocketRoute("/ws/{name}", live),
        Mount("/", StaticFiles(directory=STATIC, html=True)),
    ], lifespan=lifespan)
    app.state.sessions = sessions
    return Gate(SecurityHeaders(app), trusted or TrustedHosts())
