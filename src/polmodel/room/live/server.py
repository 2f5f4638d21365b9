"""Serving a room: a socket bound first (so ``--port 0`` picks a free port), then uvicorn.

By default the room listens on 127.0.0.1 only (the facilitator's laptop); ``--lan`` listens on
every interface so phones on the same network can join, and names the laptop's address on that
network in the participants' URL.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass

from polmodel.errors import PolmodelError

MAX_CONNECTIONS = 256
"""Connections served at once; more are answered 503 (a room of 50 phones uses a few dozen)."""

KEEP_ALIVE_SECONDS = 5
"""A connection idle this long after an answer is closed (uvicorn's ``timeout_keep_alive``)."""

HEADER_SECONDS = 10
"""A request's head (its line and headers) must arrive within this many seconds of the
connection opening or of the previous answer, or the connection is closed.

uvicorn starts no timer before a connection's first request, and a byte that arrives stops
its keep-alive timer: a connection that opens and sends nothing, or half a request line, was
held for ever, and :data:`MAX_CONNECTIONS` of them made the room answer 503 to everyone. A
phone sends its whole request at once; ten seconds is slow Wi-Fi's worst with room to spare.
(The body has its own limit, :data:`polmodel.room.live.app.BODY_SECONDS`.)
"""


@dataclass(frozen=True)
class Addresses:
    """Where the room answers: the projector's URL (with the key) and the participants' URL."""

    projector: str
    participants: str
    hosts: tuple[str, ...]


def lan_address() -> str:
    """The machine's address on its local network (no packet is sent), or 127.0.0.1."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("10.255.255.255", 1))
        return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        s.close()


def bind(port: int, lan: bool) -> socket.socket:
    """A listening TCP socket on 127.0.0.1 (or every interface with ``lan``).

    Made with ``IPPROTO_TCP`` named: asyncio turns Nagle's algorithm off (``TCP_NODELAY``) only
    on accepted sockets whose protocol says TCP, and without it every answer on a kept-alive
    connection (headers and body written apart) waits about 40 ms for the client's delayed ACK.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("0.0.0.0" if lan else "127.0.0.1", port))
    except OSError as err:
        sock.close()
        raise PolmodelError(f"--port {port}: cannot listen there ({err.strerror or err}); allowed: "
                            "a free port, or 0 for any free port") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def addresses(room, port: int, lan: bool) -> Addresses:
    """The two URLs to print, and the host names the app accepts."""
    host = lan_address() if lan else "127.0.0.1"
    hosts = ("127.0.0.1", "localhost", host) if lan else ("127.0.0.1", "localhost")
    return Addresses(projector=f"http://127.0.0.1:{port}/?key={room.key}",
                     participants=f"http://{host}:{port}/join?code={room.code}",
                     hosts=tuple(dict.fromkeys(hosts)))


def guarded_protocol(header_seconds: float = HEADER_SECONDS) -> type:
    """The HTTP protocol uvicorn picks (``http="auto"``), with a deadline for each request.

    The deadline starts when the connection opens and again after each answer; when it passes
    with no request being answered (none arrived whole, or the connection went quiet after
    one), the connection is closed, as uvicorn's keep-alive timeout closes it. Unlike that
    timeout, bytes arriving do not stop it, so a request sent a byte at a time is cut off too.
    """
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    class Guarded(AutoHTTPProtocol):
        _deadline = None

        def connection_made(self, transport) -> None:  # noqa: D102
            super().connection_made(transport)
            self._start_deadline()

        def on_response_complete(self) -> None:  # noqa: D102
            super().on_response_complete()
            self._start_deadline()

        def connection_lost(self, exc) -> None:  # noqa: D102
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
            super().connection_lost(exc)

        def _start_deadline(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline = (None if self.transport.is_closing() else
                              self.loop.call_later(header_seconds, self._deadline_passed))

        def _deadline_passed(self) -> None:
            self._deadline = None
            if self.cycle is None or self.cycle.response_complete:  # no request in hand
                self.timeout_keep_alive_handler()

    Guarded.__name__ = Guarded.__qualname__ = f"Guarded{AutoHTTPProtocol.__name__}"
    return Guarded


def server_config(app, *, keep_alive: float = KEEP_ALIVE_SECONDS,
                  header_seconds: float = HEADER_SECONDS):
    """The room's uvicorn configuration (the tests give shorter timeouts).

    No proxy headers: the room is never behind a proxy, so ``X-Forwarded-For`` from a client on
    the laptop would only let it pass for another address in the per-address limits.
    """
    import uvicorn

    return uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                          timeout_keep_alive=keep_alive, server_header=False,
                          limit_concurrency=MAX_CONNECTIONS, proxy_headers=False,
                          http=guarded_protocol(header_seconds))


def serve(room, *, port: int = 8765, lan: bool = False,
          say: Callable[[str], None] = print) -> None:
    """Serve the room until interrupted (Ctrl-C), printing the two URLs first."""
    import logging

    import uvicorn

    from polmodel.room.live.app import create_app

    sock = bind(port, lan)
    where = addresses(room, sock.getsockname()[1], lan)
    app = create_app(room, hosts=where.hosts, join_url=where.participants)
    log = logging.getLogger("polmodel.room")  # a failure's traceback: this terminal, not the room
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("polmodel room: %(message)s"))
        log.addHandler(handler)
    say(f"projector:    {where.projector}")
    say(f"participants: {where.participants}   (join code {room.code})")
    try:
        uvicorn.Server(server_config(app)).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shuts down, then raises Ctrl-C again: the way to stop
        say("room stopped; the same command resumes it")
    finally:
        sock.close()
        room.store.close()
