"""What keeps the room safe by default: keys, codes, cross-site requests, sizes and bad numbers.

- The **facilitator key** (long, random) opens the projector and every action that changes the
  room; the projector URL carries it once, and the server swaps it for an HttpOnly, SameSite
  cookie and a redirect to a URL without it, so the projected address bar never shows it.
- The **join code** (six letters) lets a participant submit estimates and nothing else.
- **Cross-site requests** are refused: every request that changes something must be JSON
  (``Content-Type: application/json``, which a page on another site cannot send without the
  browser asking first), must not come from another origin (``Origin`` and ``Sec-Fetch-Site``),
  and facilitator actions also carry a token the projector page holds (``X-Room-Token``).
- **Sizes**: bodies over :data:`MAX_BODY` bytes are refused before they are read whole.
- **Numbers**: JSON's ``NaN`` and ``Infinity`` are refused; estimates are checked by the
  estimates file's own rules (:func:`polmodel.room.estimates_file.check_range`).
- **Rates**: :class:`Window` counts what one address (or one device) did in the last minute:
  wrong join codes, and submissions.

Every refusal is one line saying what was wrong and what is allowed. Nothing here imports the
web framework; :mod:`.app` calls these with what it read from the request.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_BODY = 64 * 1024
"""The largest request body read (bytes): a submission of every open assumption is under 4 KB."""

MAX_ESTIMATES = 40
"""The most estimates one submission may carry."""

COOKIE = "polmodel_room"
"""The facilitator's cookie (HttpOnly, SameSite=Strict)."""

TOKEN_HEADER = "x-room-token"

_REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class Refused(Exception):
    """A request refused: an HTTP status and one line for the person who sent it.

    ``headers`` are sent with the refusal (``Retry-After`` on a 429).
    """

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class Window:
    """At most ``limit`` events per key in any ``seconds`` (a sliding window), e.g. per address.

    :meth:`wait` says how long a key must wait before its next event is allowed (0: now);
    :meth:`add` counts one. The two are apart so a caller can count only some events (a wrong
    join code, not a right one) and check several windows before counting in any. Keys whose
    events have all left the window are forgotten, so made-up keys do not pile up. ``clock``
    is ``time.monotonic`` unless a test gives another.
    """

    def __init__(self, limit: int, seconds: float = 60.0, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self._events: dict[str, deque] = {}
        self._lock = threading.Lock()
        self._sweep_at = 1024

    def wait(self, key: str) -> float:
        """Seconds until ``key`` may have another event (0.0 if it may now)."""
        with self._lock:
            now = self.clock()
            events = self._drop_old(key, now)
            if len(events) < self.limit:
                return 0.0
            return max(events[len(events) - self.limit] + self.seconds - now, 0.001)

    def add(self, key: str) -> None:
        """Count one event of ``key`` now."""
        with self._lock:
            now = self.clock()
            events = self._drop_old(key, now)
            events.append(now)
            self._events[key] = events
            if len(self._events) >= self._sweep_at:
                for k in list(self._events):
                    self._drop_old(k, now)
                self._sweep_at = max(1024, 2 * len(self._events))

    def _drop_old(self, key: str, now: float) -> deque:
        """``key``'s events still in the window (the key forgotten if none are)."""
        events = self._events.get(key)
        if events is None:
            return deque(maxlen=self.limit)  # the last `limit` events say all wait() needs
        while events and now - events[0] >= self.seconds:
            events.popleft()
        if not events:
            del self._events[key]
        return events


def too_many(message: str, wait: float) -> Refused:
    """A 429 that says how long to wait, in its words and in ``Retry-After`` (whole seconds)."""
    seconds = max(1, math.ceil(wait))
    return Refused(429, f"{message}; wait {seconds} s and try again",
                   {"retry-after": str(seconds)})


def same(given: object, expected: str) -> bool:
    """Compare a secret in constant time (``given`` may be anything a request holds)."""
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())


def token_of(key: str) -> str:
    """The projector page's anti-forgery token: derived from the key, never the key itself."""
    return hmac.new(key.encode(), b"polmodel room token", hashlib.sha256).hexdigest()[:32]


def check_cross_site(method: str, headers: Mapping[str, str], own_origins: Sequence[str]) -> None:
    """Refuse a state-changing request that is not JSON or comes from another site."""
    if method in ("GET", "HEAD", "OPTIONS"):
        return
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise Refused(415, f"content type {kind or 'none'!r}; allowed: application/json")
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise Refused(403, f"a cross-site request ({site}); allowed: requests from this room's "
                           "own pages")
    origin = headers.get("origin")
    if origin is not None and origin not in own_origins:
        raise Refused(403, f"a request from another origin ({origin[:80]}); allowed: this "
                           "room's own pages")


def check_length(headers: Mapping[str, str]) -> None:
    """Refuse a declared body over :data:`MAX_BODY` before reading it."""
    length = headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise Refused(400, "content-length is not a number")
        if int(length) > MAX_BODY:
            raise Refused(413, f"a body of {int(length):,} bytes; allowed: up to {MAX_BODY:,}")


def parse_json(body: bytes) -> dict[str, Any]:
    """A JSON object, without NaN or infinities (which JSON does not define)."""
    import json

    def no_constant(name: str):
        raise Refused(400, f"{name} is not a number; allowed: finite numbers such as 0.25")

    try:
        data = json.loads(body.decode("utf-8"), parse_constant=no_constant)
    except Refused:
        raise
    except (UnicodeDecodeError, ValueError) as err:
        raise Refused(400, f"the body is not JSON ({str(err)[:80]}); allowed: a JSON object") from None
    except RecursionError:
        raise Refused(400, "the body is nested too deeply; allowed: a flat JSON object") from None
    if not isinstance(data, dict):
        raise Refused(400, f"the body is a JSON {type(data).__name__}; allowed: a JSON object")
    return data


def number(value: Any, where: str) -> float:
    """A finite number (not a bool, not text, not an integer too large for a float)."""
    allowed = "allowed: a finite number such as 0.25"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        shown = (repr(value[:40]) if isinstance(value, str) else "null" if value is None
                 else str(value).lower() if isinstance(value, bool) else f"a {type(value).__name__}")
        raise Refused(400, f"{where} {shown} is not a number; {allowed}")
    try:
        out = float(value)
    except OverflowError:  # JSON allows integers of any length
        raise Refused(400, f"{where} is too large a number; {allowed}") from None
    if not math.isfinite(out):
        raise Refused(400, f"{where} {value} is not a number; {allowed}")
    return out


@dataclass(frozen=True)
class Submission:
    """A participant's checked submission, ready to store."""

    participant: str
    request: str | None
    estimates: tuple[tuple[str, float, float, float], ...]
    device: str | None = None
    """An id the participant's page keeps (so a name taken by another phone is told, not merged)."""


def check_submission(data: Mapping[str, Any], open_: Sequence[str],
                     limits: Mapping[str, float]) -> Submission:
    """A submission's name, request id and estimates, by the estimates file's rules.

    Each estimate names an assumption the facilitator opened, once, with ``low <= best <= high``,
    ``low < high``, inside the assumption's hard limits. Every problem raises one line.
    """
    from polmodel.errors import PolmodelError
    from polmodel.names import check_name
    from polmodel.room.estimates_file import check_range

    allowed_keys = {"code", "participant", "estimates", "request", "device"}
    extra = sorted(set(data) - allowed_keys)
    if extra:
        raise Refused(400, f"unknown field {extra[0][:40]!r}; allowed: {', '.join(sorted(allowed_keys))}")
    try:
        # check_name refuses a name a spreadsheet reads as a formula (= + - @ first), as every
        # name polmodel writes to a file.
        who = unicodedata.normalize("NFC", check_name(data.get("participant"), "participant").strip())
    except PolmodelError as err:
        raise Refused(400, str(err)) from None
    request = data.get("request")
    if request is not None and not (isinstance(request, str) and _REQUEST_ID.fullmatch(request)):
        raise Refused(400, "request: allowed: 8 to 64 letters, digits, '-' or '_' (an id the page "
                           "makes, so a retried request is stored once)")
    device = data.get("device")
    if device is not None and not (isinstance(device, str) and _REQUEST_ID.fullmatch(device)):
        raise Refused(400, "device: allowed: 8 to 64 letters, digits, '-' or '_' (an id the page "
                           "keeps)")
    items = data.get("estimates")
    if not isinstance(items, list) or not items:
        raise Refused(400, "estimates: allowed: a list of objects with parameter, low, best, high")
    if len(items) > MAX_ESTIMATES:
        raise Refused(400, f"estimates: {len(items)} given; allowed: at most {MAX_ESTIMATES}")
    out = []
    seen = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise Refused(400, f"estimates[{i}]: allowed: an object with parameter, low, best, high")
        extra = sorted(set(item) - {"parameter", "low", "best", "high"})
        if extra:
            raise Refused(400, f"estimates[{i}]: unknown field {extra[0][:40]!r}; allowed: "
                               "parameter, low, best, high")
        name = item.get("parameter")
        if not isinstance(name, str) or name not in open_:
            raise Refused(400, f"{_plain(name)} is not open to the room now (the facilitator may "
                               "have closed it); open now: "
                               f"{'; '.join(_plain(n) for n in open_) or 'none yet'}")
        if name in seen:
            raise Refused(400, f"estimates[{i}]: {name} given twice; allowed: once per submission")
        seen.add(name)
        low, best, high = (number(item.get(k), f"{name}: {k}") for k in ("low", "best", "high"))
        try:
            check_range(name, name, low, best, high, limits[name])
        except PolmodelError as err:
            raise Refused(400, str(err)) from None
        out.append((name, low, best, high))
    return Submission(who, request, tuple(out), device)


def _plain(name: object) -> str:
    """An assumption's plain-word label with its id, or the value as given if unknown."""
    from polmodel.errors import PolmodelError
    from polmodel.model.labels import label

    if isinstance(name, str):
        try:
            return f"{label(name)} ({name})"
        except PolmodelError:
            pass
    return repr(str(name)[:60])
