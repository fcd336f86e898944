"""`diffplay serve [--host 127.0.0.1] [--port 8000] [--open] [--allow-host NAME] [--limit NAME=VALUE]`:
the studio, on this machine; and `diffplay learn`, the same studio opened at its learn section."""

import ipaddress
import socket
import sys
import webbrowser

from ..errors import UsageError
from ..parsing import argument, parse_integer
from .limits import ACCEPT_BACKLOG, Limits


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen(host, port):
    """A listening socket on (host, port); port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise UsageError(f"--host {host} --port {port}: cannot listen there ({e.strerror})") from None
    sock.listen(ACCEPT_BACKLOG)
    sock.set_inheritable(True)
    return sock


def url_of(sock):
    host, port = sock.getsockname()[:2]
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"


def run_serve(args):
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be in [0, 65535], got {args.port}")
    if args.max_sessions < 1:
        raise UsageError(f"--max-sessions must be at least 1, got {args.max_sessions}")
    import uvicorn   # the web stack loads only for this command

    from .connections import protocols
    from .hosts import TrustedHosts
    from .server import create_app

    limits = Limits(max_sessions=args.max_sessions).changed(args.limits).within_descriptors()
    http, ws = protocols(limits)
    sock = listen(args.host, args.port)
    if not is_loopback(args.host):
        print(f"diffplay: warning: --host {args.host} lets other machines open scenes that run on this one; "
              "there is no login", file=sys.stderr)
    app = create_app(limits, TrustedHosts(args.host, args.allow_hosts))
    config = uvicorn.Config(app, http=http, ws=ws, ws_max_size=limits.socket_max_bytes, ws_per_message_deflate=False,
                            timeout_keep_alive=limits.keep_alive_s, backlog=ACCEPT_BACKLOG, log_level="warning",
                            access_log=False, timeout_graceful_shutdown=3)
    url = url_of(sock) + args.page
    print(f"diffplay studio: {url}  (Ctrl-C stops it)", flush=True)
    if args.open:
        webbrowser.open(url)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:   # uvicorn shuts down on Ctrl-C, then passes the signal on: that is a normal stop
        pass


def add_serve_command(commands):
    serve = commands.add_parser("serve", help="the studio: every scene live in the browser",
                                description="Serve the studio, a local web page where every scene runs live.")
    _add_options(serve, opens=False)
    serve.set_defaults(run=run_serve, page="")
    learn = commands.add_parser("learn", help="learn microgpt and autograd: the studio's chapters, live",
                                description="Serve the studio and open its learn section: chapters that take "
                                            "microgpt apart with the engine's own numbers.")
    _add_options(learn, opens=True)
    learn.set_defaults(run=run_serve, page="learn.html")


def _add_options(parser, opens):
    parser.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: this machine only)")
    parser.add_argument("--port", type=argument(parse_integer), default=8000,
                        help="the port (0 picks a free one; default 8000)")
    if opens:
        parser.add_argument("--no-open", dest="open", action="store_false", help="do not open a web browser")
    else:
        parser.add_argument("--open", action="store_true", help="open the page in a web browser")
    parser.add_argument("--max-sessions", type=argument(parse_integer), default=Limits.max_sessions, metavar="N",
                        help=f"live scenes at once, all pages together (default {Limits.max_sessions})")
    parser.add_argument("--allow-host", dest="allow_hosts", action="append", default=[], metavar="NAME",
                        help="answer requests for this host name too (repeatable); by default the studio answers "
                             "only to localhost, IP addresses and --host, so a web page elsewhere cannot reach it "
                             "by pointing its own name here (DNS rebinding)")
    parser.add_argument("--limit", dest="limits", action="append", default=[], metavar="NAME=VALUE",
                        help="set one of the studio's limits (repeatable), e.g. idle_s=60 or "
                             "max_sessions_per_client=4; studio/limits.py lists them")
