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
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_keep_alive=5, server_header=False,
                            limit_concurrency=MAX_CONNECTIONS)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shuts down, then raises Ctrl-C again: the way to stop
        say("room stopped; the same command resumes it")
    finally:
        sock.close()
        room.store.close()
