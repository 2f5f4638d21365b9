"""One room's session: the scenario, the store, the projector's settings and what they show.

:class:`Room` is what the web routes call; it knows nothing of HTTP. It opens (or resumes) a
session folder: the scenario is copied into the folder when the session starts and read from
that copy afterwards, so a resumed session runs the model it started with even if the original
file changed. The settings the facilitator's sliders set are stored on every change.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from polmodel.errors import PolmodelError
from polmodel.room.estimates_file import EstimateRow, estimable
from polmodel.room.live.guard import Refused, Submission
from polmodel.room.live.picture import (
    DEFAULT_WORLDS,
    Ensemble,
    RoomSettings,
    assumption_controls,
    check_settings,
    first_settings,
    lever_controls,
    picture,
)
from polmodel.room.live.store import RoomStore, new_request_id
from polmodel.scenario.definition import Scenario

ROUNDS = 2
"""Rounds of estimates (the IDEA protocol: estimate, discuss, re-estimate)."""

POOLED_RETRY_SECONDS = 10.0
"""After an unexpected failure, the pooled result is tried again on a poll this much later."""

log = logging.getLogger("polmodel.room")
"""Where a failure's traceback goes: the terminal that runs ``polmodel room``, not the room."""


def _name_of(scenario: str) -> str:
    """The name a scenario argument loads as (the file's name without .toml)."""
    return Path(str(scenario)).stem


class Room:
    """A session folder opened for the live room.

    Parameters
    ----------
    folder : str or Path
        The session folder; created if missing, resumed if it holds a session.
    scenario : str, optional
        A built-in name or a ``.toml`` path, for a new session; a resumed session keeps its own
        (giving another one is an error, so nobody mixes two scenarios' estimates).
    worlds, seed : int
        Plausible worlds of the projector's answer, and their seed.
    engine : {"numpy", "compiled"}
        How the worlds are run (``polmodel room`` picks the compiled engine where it builds).
    """

    def __init__(self, folder: str | Path, scenario: str | None = None, *,
                 worlds: int = DEFAULT_WORLDS, seed: int = 0, engine: str = "numpy") -> None:
        from polmodel.room.live.store import DATABASE
        from polmodel.scenario.loading import load_scenario

        # A new session's scenario is read before anything is created: bad input leaves no folder.
        fresh = None
        if not (Path(folder) / DATABASE).is_file():
            fresh = load_scenario(scenario or "venezuela-2018")
        self.store = RoomStore(folder)
        self.folder = self.store.folder
        self.worlds, self.seed, self.engine = worlds, seed, engine
        try:
            self._open(scenario, fresh)
        except BaseException:
            self.store.close()
            raise

    def _open(self, scenario: str | None, fresh: Scenario | None) -> None:
        from polmodel.scenario.loading import load_scenario

        folder, worlds, seed = self.folder, self.worlds, self.seed
        stored = self.store.get("scenario")
        if stored is None:
            self._snapshot(fresh or load_scenario(scenario or "venezuela-2018"))
        elif scenario is not None and _name_of(scenario) != stored:
            raise PolmodelError(f"--folder {folder}: holds a session on {stored}, not "
                                f"{_name_of(scenario)}; allowed: {stored}, or another folder for "
                                "a new session")
        self.scenario: Scenario = load_scenario(self.folder / self.store.get("scenario_file"))
        self._lock = threading.Lock()
        self._pooled_lock = threading.Lock()
        self.ensemble = Ensemble(worlds, seed, engine=self.engine)
        saved = self.store.get("settings")
        self.settings = (RoomSettings.from_dict(saved) if saved is not None
                         else first_settings(self.scenario))
        if saved is None:
            self.store.update(settings=self.settings.to_dict(),
                              open=list(self.settings.sliders[:3]))
        self._picture: tuple[str, dict] | None = None
        self._pooled: tuple[tuple, dict, float | None] | None = None
        """(key, result, when it failed unexpectedly or None): the last pooled result."""
        self._pooling: threading.Thread | None = None
        self.clock = time.monotonic
        """The clock of the pooled result's retries (a test may replace it)."""

    def _snapshot(self, sc: Scenario) -> None:
        """Copy the scenario's file into the folder (written whole, then renamed)."""
        import os

        from polmodel.names import slug
        from polmodel.scenario.loading import scenario_source

        source, _ = scenario_source(sc.path)  # the file load_scenario read, by the one rule
        text = source.read_text(encoding="utf-8")
        target = self.folder / f"{slug(sc.name)}.toml"
        partial = target.with_suffix(".toml.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
        self.store.update(scenario=sc.name, scenario_file=target.name)

    # -- keys ------------------------------------------------------------------------------

    @property
    def key(self) -> str:
        """The facilitator key."""
        return self.store.get("key")

    @property
    def code(self) -> str:
        """The participants' join code."""
        return self.store.get("code")

    # -- the projector ---------------------------------------------------------------------

    def picture(self) -> dict[str, Any]:
        """The picture for the current settings (computed once per settings)."""
        with self._lock:
            key = self.settings.key()
            if self._picture is None or self._picture[0] != key:
                self._picture = (key, picture(self.scenario, self.settings, worlds=self.worlds,
                                              seed=self.seed, ensemble=self.ensemble))
            return self._picture[1]

    def controls(self) -> dict[str, Any]:
        """The sliders: levers of the edited policy and the assumptions, with what is open."""
        return {"policy": self.settings.policy, "pair": list(self.settings.pair),
                "policies": list(self.scenario.policies), "horizon": self.scenario.horizon,
                "levers": lever_controls(self.scenario, self.settings),
                "assumptions": assumption_controls(self.scenario, self.settings),
                "open": self.open, "addable": self.addable()}

    def addable(self) -> list[dict[str, str]]:
        """Assumptions not yet offered as sliders, with their labels (to add one)."""
        from polmodel.model.labels import label

        return [{"name": n, "label": label(n)} for n in estimable()
                if n not in self.settings.sliders and not self._fixed_range(n)]

    def _fixed_range(self, name: str) -> bool:
        from polmodel.room.live.picture import assumption_range

        _, low, high = assumption_range(self.scenario, name)
        return low == high

    def change(self, data: Mapping[str, Any]) -> None:
        """Apply a facilitator's change of settings (checked whole before anything is kept).

        Keys: ``policy`` (the policy the lever sliders move; each policy keeps its moves),
        ``reset`` (true: that policy's levers back to the scenario's), ``lever``
        (``{"name", "intensity", "start"}``), ``fixed`` (``{"name", "value"}``, value None for
        back to its range), ``add`` (an assumption to offer as a slider), ``open`` (the list of
        assumptions open to participants), ``pair`` (the question's two policies).
        """
        from polmodel.room.live.guard import number

        s = self.settings.to_dict()
        open_ = list(self.open)
        allowed = {"policy", "reset", "lever", "fixed", "add", "open", "pair"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise Refused(400, f"unknown setting {unknown[0][:40]!r}; allowed: {', '.join(sorted(allowed))}")
        if "pair" in data:
            pair = data["pair"]
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
                    and pair[0] != pair[1]):
                raise Refused(400, "pair: allowed: two different policies of the scenario")
            s["pair"] = pair
        if "policy" in data:
            s["policy"] = data["policy"]
        if data.get("reset") is True:
            s["levers"].pop(s["policy"], None)
        elif "reset" in data:
            raise Refused(400, "reset: allowed: true (the policy's levers back to the scenario's)")
        if "lever" in data:
            lv = data["lever"]
            if not isinstance(lv, dict) or not isinstance(lv.get("name"), str):
                raise Refused(400, "lever: allowed: {name, intensity, start}")
            start = lv.get("start", 0)
            if isinstance(start, bool) or not isinstance(start, int):
                raise Refused(400, f"lever {lv['name'][:40]}: start {str(start)[:20]!r}; allowed: a "
                                   "whole month from 0")
            s["levers"].setdefault(s["policy"], {})[lv["name"]] = [number(lv.get("intensity"), f"lever {lv['name'][:40]}: intensity"),
                                       start]
        if "add" in data:
            name = data["add"]
            if not isinstance(name, str) or name not in estimable():
                raise Refused(400, f"add: {str(name)[:60]!r} is not an assumption of the model")
            if name not in s["sliders"]:
                s["sliders"].append(name)
        if "fixed" in data:
            fx = data["fixed"]
            if not isinstance(fx, dict) or fx.get("name") not in s["sliders"]:
                raise Refused(400, "fixed: allowed: {name, value} for an assumption slider")
            if fx.get("value") is None:
                s["fixed"].pop(fx["name"], None)
            else:
                s["fixed"][fx["name"]] = number(fx["value"], f"{fx['name']}")
        if "open" in data:
            names = data["open"]
            if not isinstance(names, list) or any(n not in s["sliders"] for n in names):
                raise Refused(400, "open: allowed: a list of the assumption sliders' names")
            open_ = list(dict.fromkeys(names))
        new = RoomSettings.from_dict(s)
        try:
            check_settings(self.scenario, new)
        except PolmodelError as err:
            raise Refused(400, str(err)) from None
        self.settings = new
        self.store.update(settings=new.to_dict(), open=open_)

    # -- rounds ----------------------------------------------------------------------------

    @property
    def open(self) -> list[str]:
        """The assumptions participants may estimate now."""
        return list(self.store.get("open", []))

    @property
    def round(self) -> int:  # noqa: D102
        return int(self.store.get("round", 1))

    @property
    def round_open(self) -> bool:  # noqa: D102
        return bool(self.store.get("round_open", True))

    def set_round(self, action: str) -> None:
        """``close`` the round, ``reopen`` it, or start the ``next`` one (round 2 is the last)."""
        if action == "close":
            self.store.update(round_open=False)
        elif action == "reopen":
            self.store.update(round_open=True)
        elif action == "next":
            if self.round_open:
                raise Refused(409, f"round {self.round} is still open; allowed: close it first, "
                                   "then start the next")
            if self.round >= ROUNDS:
                raise Refused(409, f"round {self.round} is the last; allowed: {ROUNDS} rounds "
                                   "(estimate, discuss, re-estimate)")
            self.store.update(round=self.round + 1, round_open=True, reveal=False)
        else:
            raise Refused(400, f"round: {str(action)[:20]!r}; allowed: close, reopen, next")

    def show(self, *, reveal: bool | None = None, hide_names: bool | None = None) -> None:
        """Reveal (or hide) the pooled result; hide (or show) names on the projector."""
        values = {}
        if reveal is not None:
            values["reveal"] = bool(reveal)
        if hide_names is not None:
            values["hide_names"] = bool(hide_names)
        self.store.update(**values)

    # -- participants ----------------------------------------------------------------------

    def participant_view(self) -> dict[str, Any]:
        """What a participant's page needs: the round and the open assumptions in plain words."""
        from polmodel.room.live.picture import assumption_controls

        s = self.settings
        shown = RoomSettings(pair=s.pair, policy=s.policy, sliders=tuple(self.open))
        return {"title": self.scenario.title, "round": self.round, "rounds": ROUNDS,
                "round_open": self.round_open,
                "assumptions": [{k: a[k] for k in ("name", "label", "meaning", "low", "high",
                                                   "value", "limit")}
                                for a in assumption_controls(self.scenario, shown)]}

    def submit(self, sub: Submission) -> dict[str, Any]:
        """Store a checked submission in the current round, if the round is open.

        A request id already stored is answered with its first receipt (and its round) even
        once the round is closed: the retry of a submission whose answer was lost is told it
        was kept, not refused.
        """
        receipt = self.store.receipt(sub.request) if sub.request else None
        if receipt is not None and receipt.participant != sub.participant:
            raise Refused(409, "this request id was already used by another participant; "
                               "allowed: a new id for each new submission")
        if receipt is None:
            if not self.round_open:
                raise Refused(409, f"round {self.round} is closed: the estimates you sent before "
                                   "it closed are kept; wait for the facilitator to open the next")
            if sub.device is not None:
                others = self.store.devices(self.round, sub.participant) - {sub.device}
                if others:
                    raise Refused(409, f"the name {sub.participant!r} is already used by someone "
                                       "else in this round; allowed: another name (add an "
                                       "initial)")
            receipt = self.store.submit(sub.request or new_request_id(), self.round,
                                        sub.participant, sub.estimates, sub.device)
        return {"stored": len(sub.estimates), "submission": receipt.submission,
                "round": receipt.round, "repeated": receipt.repeated}

    def estimates(self, round_: int | None = None) -> list[EstimateRow]:
        """Each participant's latest estimates (of one round, or of every round)."""
        return self.store.current(round_)

    # -- what the room sees of its estimates -----------------------------------------------

    def panel(self) -> dict[str, Any]:
        """Who answered this round; once revealed, the pooled result (computed once per data)."""
        from polmodel.room.live.pooled import answered_html, shown_names

        hide = bool(self.store.get("hide_names", False))
        reveal = bool(self.store.get("reveal", False))
        rows = self.estimates(self.round)
        numbered = shown_names(self.estimates(), hide)  # one number per person across rounds
        names = [numbered[p] for p in dict.fromkeys(r.participant for r in rows)]
        missing = {numbered[p]: len(set(self.open) - {r.parameter for r in rows
                                                       if r.participant == p})
                   for p in dict.fromkeys(r.participant for r in rows)}
        out = {"round": self.round, "rounds": ROUNDS, "round_open": self.round_open,
               "reveal": reveal, "hide_names": hide, "count": len(names),
               "answered": answered_html(names, self.round, hide, missing), "open": self.open,
               "changes": self.store.changes}
        if reveal and rows:
            pooled, current = self._pooled_result((tuple(rows), hide, self.settings.key()))
            if pooled is not None:
                out["pooled"] = {**pooled, "current": current}
        return out

    def _pooled_result(self, key: tuple) -> tuple[dict | None, bool]:
        """The pooled result for ``key`` if ready, else the last one and a recomputation started.

        The pooled view re-runs the question once per participant (about a second for a room
        of thirty): it runs in a thread of its own, so the projector's poll answers at once and
        keeps showing who answered while it computes. Returns (result or None, up to date).

        Whatever the computation raises ends it with a result that says so in one line (a
        :class:`PolmodelError` in its own words; anything else as an internal error, its
        traceback logged for the facilitator's terminal), so the projector never waits forever.
        An unexpected failure is tried again on a poll :data:`POOLED_RETRY_SECONDS` later; a
        :class:`PolmodelError` is kept until the estimates or the settings change.
        """
        with self._pooled_lock:
            if self._pooled is not None and self._pooled[0] == key:
                failed = self._pooled[2]
                if failed is None or self.clock() - failed < POOLED_RETRY_SECONDS:
                    return self._pooled[1], True
            if self._pooling is None or not self._pooling.is_alive():
                self._pooling = threading.Thread(target=self._pool, args=(key,), name="pooled",
                                                 daemon=True)
                self._pooling.start()
            return (self._pooled[1] if self._pooled is not None else None), False

    def _pool(self, key: tuple) -> None:
        """Compute the pooled result for ``key`` and keep it, or keep the failure in one line."""
        from polmodel.room.live import pooled

        rows, hide, _ = key
        failed = None
        try:
            result = pooled.pooled_view(self, rows, hide)
        except PolmodelError as err:
            result = _pooled_error(str(err))
        except BaseException as err:  # noqa: BLE001 - any failure must reach the projector
            failed = self.clock()
            result = _pooled_error(
                f"The pooled result could not be computed (an internal error: "
                f"{type(err).__name__}); the estimates are kept, the room tries again in "
                f"{POOLED_RETRY_SECONDS:.0f} s, and the details are in the terminal that runs "
                "polmodel room.")
            log.error("the pooled result could not be computed", exc_info=True)  # after: kept anyway
            if not isinstance(err, Exception):  # SystemExit, KeyboardInterrupt: shown, then on
                raise
        finally:
            with self._pooled_lock:
                self._pooled = (key, result, failed)

    def wait_for_pooled(self, timeout: float = 60.0) -> None:
        """Wait until the pooled result in progress is ready (scripts and tests)."""
        thread = self._pooling
        if thread is not None:
            thread.join(timeout)


def _pooled_error(message: str) -> dict[str, Any]:
    """A pooled result that is only its failure, in one line."""
    return {"answer": "", "figures": [], "split": False, "provenance": "",
            "error": " ".join(message.split())}
