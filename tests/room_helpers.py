"""A live room served in a thread of the test process, and a raw HTTP client for it.

Raw ``http.client`` rather than a test client: the hostile tests need to send exactly the
headers a browser or an attacker would (or leave them out), and the server is the real uvicorn.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
from dataclasses import dataclass, field

import pytest

uvicorn = pytest.importorskip("uvicorn")
pytest.importorskip("starlette")

from polmodel.room.live.app import create_app  # noqa: E402
from polmodel.room.live.guard import COOKIE  # noqa: E402
from polmodel.room.live.server import bind  # noqa: E402
from polmodel.room.live.session import Room  # noqa: E402


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)


@dataclass
class Live:
    room: Room
    port: int
    server: object
    thread: threading.Thread
    cookie: str = ""
    token: str = ""
    extra: dict = field(default_factory=dict)

    def call(self, method: str, path: str, body=None, *, headers=None, facilitator=False,
             raw: bytes | None = None, host: str | None = None, source: str | None = None) -> Reply:
        """One request on its own connection; ``source`` is the client's address (127.0.0.x)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                          source_address=(source, 0) if source else None)
        h = {"Host": host or f"127.0.0.1:{self.port}"}
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if facilitator:
            h["Cookie"] = f"{COOKIE}={self.room.key}"
            if method == "POST":
                h["X-Room-Token"] = self.token
        h.update(headers or {})
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in h.items():
            conn.putheader(k, v)
        if data is not None and "Content-Length" not in h:
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders()
        if data is not None:
            conn.send(data)
        r = conn.getresponse()
        reply = Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        conn.close()
        return reply

    def submit(self, participant: str, estimates: list, *, source: str | None = None,
               **extra) -> Reply:
        return self.call("POST", "/api/estimates", {"code": self.room.code,
                                                     "participant": participant,
                                                     "estimates": estimates, **extra},
                         source=source)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.room.store.close()


def serve_in_thread(folder, scenario: str = "venezuela-2018", *, worlds: int = 200,
                    clock=None, config=None) -> Live:
    """Serve a room in a thread; ``clock`` for the app's rate limits, ``config(app)`` for the
    server's uvicorn.Config (default: uvicorn's own, at log level warning)."""
    room = Room(folder, scenario, worlds=worlds)
    sock = bind(0, False)
    port = sock.getsockname()[1]
    app = create_app(room, join_url=f"http://127.0.0.1:{port}/join?code={room.code}",
                     **({"clock": clock} if clock else {}))
    server = uvicorn.Server(config(app) if config else
                            uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the room did not start")
        time.sleep(0.02)
    live = Live(room, port, server, thread)
    page = live.call("GET", "/projector", facilitator=True)
    live.token = re.search(r"data-token='([0-9a-f]+)'", page.text).group(1)
    return live


def estimate_for(live: Live, name: str, shift: float = 0.0) -> dict:
    """A valid estimate of an open assumption: its scenario range, shifted inward by ``shift``."""
    a = next(a for a in live.room.participant_view()["assumptions"] if a["name"] == name)
    width = a["high"] - a["low"]
    return {"parameter": name, "low": a["low"] + shift * width, "best": a["value"],
            "high": a["high"] - shift * width}
