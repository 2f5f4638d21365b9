"""The room's session in SQLite: settings, rounds and every participant's submission.

One file, ``room.sqlite3``, in the session folder, in WAL mode with ``synchronous=FULL``: a
submission is acknowledged only after its transaction is committed and synced, so an
acknowledged estimate survives the server being killed (or the machine losing power). Every
submission is kept (a participant's revision is a new row, never an update), with the request id
the participant's page sends: a request retried after a lost answer is stored once.

The settings the facilitator changes (levers, what-ifs, the open assumptions, the round, whether
the pooled result is shown) live in the ``meta`` table as JSON, so a room restarted on the same
folder resumes where it was. Nothing here imports the web framework.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from polmodel.errors import PolmodelError
from polmodel.room.estimates_file import EstimateRow

DATABASE = "room.sqlite3"
"""The session's database, in the session folder."""

SCHEMA_VERSION = 1

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""Join-code letters: no 0/O, 1/I/L, so a code read off a projector is typed right."""

CODE_LENGTH = 6

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    id INTEGER PRIMARY KEY,
    request TEXT NOT NULL UNIQUE,
    round INTEGER NOT NULL,
    participant TEXT NOT NULL,
    received REAL NOT NULL,
    device TEXT
);
CREATE TABLE IF NOT EXISTS estimates (
    submission INTEGER NOT NULL REFERENCES submissions(id),
    parameter TEXT NOT NULL,
    low REAL NOT NULL,
    best REAL NOT NULL,
    high REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS estimates_by_submission ON estimates(submission);
"""


@dataclass(frozen=True)
class Receipt:
    """What a participant's page is told: the submission's number, and whether it was a retry."""

    submission: int
    repeated: bool
    round: int | None = None
    """The round it was stored in (a retry's may be an earlier round than the current one)."""
    participant: str = ""
    """Who sent it (a request id is answered as a retry only for the same participant)."""


class RoomStore:
    """A session folder's database; safe to share between the server's threads.

    Parameters
    ----------
    folder : str or Path
        The session folder (created if missing). ``room.sqlite3`` in it is opened, or created with
        a new facilitator key and join code.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        try:
            # The folder holds the facilitator key and every name: readable by its owner only.
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as err:
            raise PolmodelError(f"--folder {folder}: cannot create it: {err.strerror or err}; "
                                "allowed: a folder you can write to") from None
        if not self.folder.is_dir():
            raise PolmodelError(f"--folder {folder}: is not a folder; allowed: a folder for the "
                                "session (created if missing)")
        self.path = self.folder / DATABASE
        if not self.path.exists():
            try:
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            except OSError as err:
                raise PolmodelError(f"--folder {folder}: cannot create {DATABASE} there: "
                                    f"{err.strerror or err}; allowed: a folder you can write to") from None
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                       timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as err:
            raise PolmodelError(f"{self.path}: not a room database ({err}); allowed: a folder "
                                "polmodel room created, or a new one") from None
        self._changes = 0
        version = self.get("schema", None)
        if version is None:
            self._create()
        elif version != SCHEMA_VERSION:
            raise PolmodelError(f"{self.path}: a room database of schema {version}; allowed: "
                                f"schema {SCHEMA_VERSION} (start a new session in another folder)")
        self._changes = 0

    def _create(self) -> None:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        self.update(schema=SCHEMA_VERSION, key=secrets.token_urlsafe(24), code=code,
                    created=time.time(), round=1, round_open=True, reveal=False,
                    hide_names=False)

    def close(self) -> None:
        """Close the database (the session stays in the folder)."""
        with self._lock:
            self._db.close()

    # -- settings --------------------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        """A setting, decoded from JSON; ``default`` when unset."""
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def update(self, **values: Any) -> None:
        """Set several settings in one committed transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO meta(key, value) VALUES(?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [(k, json.dumps(v)) for k, v in values.items()])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._changes += 1

    @property
    def changes(self) -> int:
        """A counter that moves whenever anything is written (the projector polls it)."""
        return self._changes

    # -- submissions -----------------------------------------------------------------------

    def submit(self, request: str, round_: int, participant: str,
               estimates: Sequence[tuple[str, float, float, float]],
               device: str | None = None) -> Receipt:
        """Store one submission (already checked), committed and synced before returning.

        A ``request`` id seen before is not stored again: its first receipt is returned with
        ``repeated=True``.
        """
        with self._lock:
            old = self._db.execute("SELECT id, round, participant FROM submissions "
                                   "WHERE request = ?", (request,)).fetchone()
            if old is not None:
                return Receipt(int(old[0]), True, int(old[1]), old[2])
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute(
                    "INSERT INTO submissions(request, round, participant, received, device) "
                    "VALUES(?, ?, ?, ?, ?)", (request, int(round_), participant, time.time(),
                                              device))
                sid = int(cur.lastrowid)
                self._db.executemany(
                    "INSERT INTO estimates(submission, parameter, low, best, high) "
                    "VALUES(?, ?, ?, ?, ?)", [(sid, *e) for e in estimates])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._changes += 1
            return Receipt(sid, False, int(round_), participant)

    def receipt(self, request: str) -> Receipt | None:
        """The receipt of a request id already stored (``repeated=True``), else None."""
        with self._lock:
            old = self._db.execute("SELECT id, round, participant FROM submissions "
                                   "WHERE request = ?", (request,)).fetchone()
        return None if old is None else Receipt(int(old[0]), True, int(old[1]), old[2])

    def devices(self, round_: int, participant: str) -> set[str]:
        """The page ids a name was sent from in a round (scripts that send none are not counted)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT DISTINCT device FROM submissions WHERE round = ? AND participant = ? "
                "AND device IS NOT NULL", (int(round_), participant)).fetchall()
        return {r[0] for r in rows}

    def current(self, round_: int | None = None) -> list[EstimateRow]:
        """Each participant's latest estimate of each number, per round (all rounds by default).

        Rows carry their round; ordered by round, then by when the participant first submitted.
        """
        where, args = ("WHERE s.round = ?", (int(round_),)) if round_ is not None else ("", ())
        with self._lock:
            rows = self._db.execute(
                "SELECT s.round, s.participant, e.parameter, e.low, e.best, e.high, s.id "
                "FROM estimates e JOIN submissions s ON s.id = e.submission "
                f"{where} ORDER BY s.id", args).fetchall()
        latest: dict[tuple[int, str, str], tuple] = {}
        first: dict[tuple[int, str], int] = {}
        for r in rows:
            latest[(r[0], r[1], r[2])] = r
            first.setdefault((r[0], r[1]), r[6])
        order = sorted(latest, key=lambda k: (k[0], first[(k[0], k[1])], k[2]))
        return [EstimateRow(r[1], r[2], r[3], r[4], r[5], round=r[0])
                for r in (latest[k] for k in order)]

    def submissions(self) -> list[dict[str, Any]]:
        """Every submission as stored: id, request, round, participant, the estimates."""
        with self._lock:
            subs = self._db.execute(
                "SELECT id, request, round, participant, received FROM submissions "
                "ORDER BY id").fetchall()
            ests = self._db.execute(
                "SELECT submission, parameter, low, best, high FROM estimates").fetchall()
        by: dict[int, list] = {}
        for e in ests:
            by.setdefault(e[0], []).append({"parameter": e[1], "low": e[2], "best": e[3],
                                            "high": e[4]})
        return [{"id": s[0], "request": s[1], "round": s[2], "participant": s[3],
                 "received": s[4], "estimates": by.get(s[0], [])} for s in subs]

    def participants(self, round_: int) -> list[str]:
        """Who submitted in a round, in the order they first did."""
        with self._lock:
            rows = self._db.execute(
                "SELECT participant, MIN(id) FROM submissions WHERE round = ? "
                "GROUP BY participant ORDER BY MIN(id)", (int(round_),)).fetchall()
        return [r[0] for r in rows]


def new_request_id() -> str:
    """A request id for a submission made without one (scripts, the CSV import)."""
    return secrets.token_hex(16)


def rounds_of(rows: Iterable[EstimateRow]) -> list[int]:
    """The rounds present in some rows, in order."""
    return sorted({r.round for r in rows if r.round is not None})
