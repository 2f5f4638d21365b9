"""The room's web routes, on Starlette (the ``room`` extra).

Starlette is a small, well-kept ASGI toolkit: routing, requests and responses, and nothing else
the room does not use (no template engine, no ORM, no assets from a CDN); uvicorn serves it.
Each route is thin: it checks who is asking (:mod:`.guard`), then calls :class:`.session.Room`.

Routes (``F``: facilitator cookie; ``P``: join code; the JSON API is documented in the README):

==========================  ====  ==============================================================
``GET /?key=KEY``           --    swaps the key for the facilitator cookie, redirects to /projector
``GET /projector``          F     the projector page
``GET /join?code=CODE``     P     the participants' page
``GET /api/room?code=``     P     the round and the open assumptions (the participants' page)
``POST /api/estimates``     P     a participant's estimates: ``{code, participant, estimates}``
``GET /api/projector``      F     the room's state (polled every second by the projector)
``POST /api/settings``      F     move a lever or an assumption, open assumptions to the room
``POST /api/round``         F     close, reopen, or start the next round
``POST /api/show``          F     reveal the pooled result, hide names
``GET /export/NAME``        F     estimates.csv, scenario.toml, handout.html
``GET /static/NAME``        --    the app's own script and style sheet (a fixed list)
==========================  ====  ==============================================================
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from importlib import resources

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from polmodel.errors import PolmodelError
from polmodel.room.live import pages
from polmodel.room.live.guard import (
    COOKIE,
    MAX_BODY,
    TOKEN_HEADER,
    Refused,
    Window,
    check_cross_site,
    check_length,
    check_submission,
    parse_json,
    same,
    token_of,
    too_many,
)

STATIC = {"room.css": "text/css; charset=utf-8",
          "projector.js": "text/javascript; charset=utf-8",
          "participant.js": "text/javascript; charset=utf-8"}
"""The only files the app serves besides its pages: read from the package, never from a path."""

HEADERS = {
    "content-security-policy": ("default-src 'none'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                                "base-uri 'none'; frame-ancestors 'none'"),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}

BODY_SECONDS = 10
"""A request body must arrive within this many seconds (a slow sender holds no worker longer)."""

WRONG_CODES_PER_MINUTE = 30
"""Wrong join codes one address may try in a minute before it has to wait."""

SUBMISSIONS_PER_MINUTE = 30
"""Submissions one device (the id a participant's page keeps) may send in a minute.

A participant revising answers sends one submission per press of "Send", a few a minute at
most (each needs a low, best and high typed for every open number); thirty is ten times a fast
reviser's pace, and stops a page or script in a loop from filling the session's database.
"""

SUBMISSIONS_PER_MINUTE_PER_ADDRESS = 600
"""Submissions one network address may send in a minute, whatever device ids it sends.

Device ids are the sender's own choice, so this is the limit a script cannot step round. It
is twenty devices' worth: a venue whose guest Wi-Fi puts every phone behind one address still
lets a room of fifty revise at twelve a minute each; one address sending at the limit adds ten
synced submissions a second, which the room absorbs (see benchmarks/room.py).
"""

OWN_ADDRESSES = frozenset({"127.0.0.1", "::1"})
"""The laptop's own address, exempt from the per-address limit (not the per-device one): without
``--lan`` every participant is on it, and its scripts, tests and benchmarks send hundreds a
minute. Wrong join codes are counted for it too."""


def create_app(room, *, hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
               join_url: str = "", clock: Callable[[], float] = time.monotonic) -> Starlette:
    """The Starlette app of a room.

    Parameters
    ----------
    room : polmodel.room.live.session.Room
    hosts : tuple of str
        Host names requests may carry (others are refused: a page on another site cannot
        reach the room through a name that points here).
    join_url : str
        The participants' address, shown on the projector with its QR code.
    clock : callable
        The rate limits' clock (seconds; a test gives one it moves by hand).
    """
    token = token_of(room.key)
    static = {name: (resources.files("polmodel.room.live") / "static" / name).read_bytes()
              for name in STATIC}
    wrong = Window(WRONG_CODES_PER_MINUTE, clock=clock)
    per_device = Window(SUBMISSIONS_PER_MINUTE, clock=clock)
    per_address = Window(SUBMISSIONS_PER_MINUTE_PER_ADDRESS, clock=clock)
    qr = _qr_svg(join_url) if join_url else ""
    codes = {room.code}

    def respond(request: Request, status: int, message: str,
                headers: dict[str, str] | None = None) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": message}, status_code=status, headers=headers)
        return HTMLResponse(pages.message_page("polmodel room", message), status_code=status,
                            headers=headers)

    def facilitator(request: Request) -> None:
        if not same(request.cookies.get(COOKIE), room.key):
            raise Refused(403, "this is the facilitator's page; open the projector link that "
                               "`polmodel room` printed")
        if request.method == "POST" and not same(request.headers.get(TOKEN_HEADER), token):
            raise Refused(403, "missing or wrong page token; allowed: actions from the projector "
                               "page")

    def participant(request: Request, code: object) -> None:
        client = request.client.host if request.client else "?"
        wait = wrong.wait(client)
        if wait:
            raise Refused(429, "too many wrong join codes; wait a minute and check the code on "
                               "the projector", {"retry-after": str(math.ceil(wait))})
        if not isinstance(code, str) or not any(same(code.strip().upper(), c) for c in codes):
            wrong.add(client)
            raise Refused(403, "wrong or missing join code; allowed: the code on the projector")

    def submission_allowed(request: Request, device: str | None) -> None:
        """Count a submission against its device and its address, or refuse it (429)."""
        client = request.client.host if request.client else "?"
        limits = [(per_device, device, "this device")] if device else []
        if client not in OWN_ADDRESSES:
            limits.append((per_address, client, "this network address"))
        for window, key, who in limits:  # every limit checked before any counts this one
            wait = window.wait(key)
            if wait:
                raise too_many(f"too many submissions from {who} ({window.limit} a minute); "
                               "the estimates already sent are kept", wait)
        for window, key, _ in limits:
            window.add(key)

    async def body(request: Request) -> dict:
        check_length(request.headers)
        chunks, size = [], 0
        try:
            async with asyncio.timeout(BODY_SECONDS):
                async for chunk in request.stream():
                    size += len(chunk)
                    if size > MAX_BODY:
                        raise Refused(413, f"a body over {MAX_BODY:,} bytes; allowed: up to "
                                           f"{MAX_BODY:,}")
                    chunks.append(chunk)
        except TimeoutError:
            raise Refused(408, f"the request took over {BODY_SECONDS} s to arrive; allowed: a "
                               "whole request at once") from None
        return parse_json(b"".join(chunks))

    # -- pages -----------------------------------------------------------------------------

    async def home(request: Request) -> Response:
        key = request.query_params.get("key")
        if key is None:
            return HTMLResponse(pages.landing_page())
        if not same(key, room.key):
            raise Refused(403, "wrong facilitator key; open the projector link that "
                               "`polmodel room` printed")
        r = RedirectResponse("/projector", status_code=303)
        r.set_cookie(COOKIE, room.key, httponly=True, samesite="strict", path="/")
        return r

    async def projector(request: Request) -> Response:
        facilitator(request)
        text = await run_in_threadpool(pages.projector_page, room, token=token,
                                       join_url=join_url, qr_svg=qr)
        return HTMLResponse(text)

    async def join(request: Request) -> Response:
        code = request.query_params.get("code", "")
        participant(request, code)
        return HTMLResponse(pages.participant_page(room, code.strip().upper()))

    async def static_file(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in static:
            raise Refused(404, "no such file")
        return Response(static[name], media_type=STATIC[name])

    # -- participants ----------------------------------------------------------------------

    async def room_state(request: Request) -> Response:
        participant(request, request.query_params.get("code"))
        return JSONResponse(await run_in_threadpool(room.participant_view))

    async def estimates(request: Request) -> Response:
        data = await body(request)
        participant(request, data.get("code"))
        sub = check_submission(data, room.open, _limits())
        submission_allowed(request, sub.device)
        return JSONResponse(await run_in_threadpool(room.submit, sub))

    # -- the facilitator -------------------------------------------------------------------

    async def projector_state(request: Request) -> Response:
        facilitator(request)
        return JSONResponse(await run_in_threadpool(room.panel))

    async def settings(request: Request) -> Response:
        facilitator(request)
        data = await body(request)

        def change() -> dict:
            room.change(data)
            c = room.controls()
            return {**pages.picture_parts(room.picture()),
                    "levers": pages.lever_rows(c), "assumptions": pages.assumption_rows(c),
                    "addable": pages.addable_options(c),
                    "policy": c["policy"]}

        return JSONResponse(await run_in_threadpool(change))

    async def round_action(request: Request) -> Response:
        facilitator(request)
        data = await body(request)
        if set(data) != {"action"}:
            raise Refused(400, "round: allowed: {action: close | reopen | next}")
        await run_in_threadpool(room.set_round, data["action"])
        return JSONResponse(await run_in_threadpool(room.panel))

    async def show(request: Request) -> Response:
        facilitator(request)
        data = await body(request)
        unknown = sorted(set(data) - {"reveal", "hide_names"})
        if unknown or not all(isinstance(v, bool) for v in data.values()):
            raise Refused(400, "show: allowed: {reveal: true|false, hide_names: true|false}")
        await run_in_threadpool(room.show, **data)
        return JSONResponse(await run_in_threadpool(room.panel))

    async def export(request: Request) -> Response:
        facilitator(request)
        from polmodel.room.live import export as ex

        name = request.path_params["name"]
        makers = {"estimates.csv": (ex.estimates_csv, "text/csv; charset=utf-8", "estimates"),
                  "scenario.toml": (ex.pooled_toml, "application/toml; charset=utf-8", "scenario"),
                  "handout.html": (ex.handout_html, "text/html; charset=utf-8", "handout")}
        if name not in makers:
            raise Refused(404, f"no export {name[:40]!r}; allowed: {', '.join(makers)}")
        make, kind, which = makers[name]
        text = await run_in_threadpool(make, room)
        filename = ex.file_names(room)[which]
        return Response(text, media_type=kind, headers={
            "content-disposition": f"attachment; filename=\"{filename}\""})

    async def no_icon(request: Request) -> Response:
        return Response(status_code=204)

    routes = [Route("/", home), Route("/favicon.ico", no_icon), Route("/projector", projector), Route("/join", join),
              Route("/static/{name}", static_file),
              Route("/api/room", room_state), Route("/api/estimates", estimates, methods=["POST"]),
              Route("/api/projector", projector_state),
              Route("/api/settings", settings, methods=["POST"]),
              Route("/api/round", round_action, methods=["POST"]),
              Route("/api/show", show, methods=["POST"]),
              Route("/export/{name}", export)]
    async def refused(request: Request, err: Exception) -> Response:
        if isinstance(err, Refused):
            return respond(request, err.status, err.message, err.headers)
        if isinstance(err, HTTPException):  # the router's 404 and 405, in the room's words
            words = {404: "no such page", 405: f"{request.method} is not allowed here"}
            return respond(request, err.status_code, words.get(err.status_code, str(err.detail)))
        return respond(request, 400, str(err))

    inner = Starlette(routes=routes, exception_handlers={
        Refused: refused, PolmodelError: refused, HTTPException: refused})
    allowed = frozenset(h.lower() for h in hosts)
    extra = [(k.encode(), v.encode()) for k, v in HEADERS.items()]

    async def app(scope, receive, send):
        """Every request: host and cross-site checks first; the safety headers on every answer."""
        if scope["type"] != "http":
            return await inner(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        request = Request(scope, receive)
        host = request.headers.get("host", "")
        try:
            if host.rsplit(":", 1)[0].strip("[]").lower() not in allowed:
                raise Refused(400, "unknown host name; allowed: the address `polmodel room` "
                                   "printed")
            check_cross_site(request.method, request.headers, (f"http://{host}",))
        except Refused as err:
            return await respond(request, err.status, err.message, err.headers)(
                scope, receive, with_headers)
        await inner(scope, receive, with_headers)

    return app


def _limits() -> dict[str, float]:
    from polmodel.room.estimates_file import estimable

    return estimable()


def _qr_svg(url: str) -> str:
    """The participants' address as a QR code (SVG made here, by segno); '' without segno.

    A viewBox, not a width and height, so the style sheet scales the whole code to its box
    (with a fixed size, the box cut it to its top-left corner, which no phone can read).
    """
    try:
        import segno
    except ImportError:
        return ""
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=6, dark="#111111", title="join link", omitsize=True)
