"""What the projector shows, computed from the model: the answer under the room's settings.

:class:`RoomSettings` holds what the facilitator's sliders set: the policy whose levers they
move and those levers' intensities and start months, the assumptions fixed at one value across
the worlds (what-ifs, as ``--set NAME=VALUE``), the assumption sliders offered and the pair of
policies the question is about. :func:`picture` turns a scenario and settings into the pieces
of the page, numbers and server-drawn SVG: the question, the answer in shares of plausible
worlds (the handout's words), each policy's range, the four conditions and the opening index
over time, and which condition binds. Every piece is a pure function of its inputs, so the
server caches pictures by their settings.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from polmodel.errors import PolmodelError
from polmodel.mappings import ReadOnlyMapping
from polmodel.model.labels import label
from polmodel.model.levers import LEVER_NAMES, LEVERS_BY_NAME, LeverSetting, Policy
from polmodel.scenario.definition import Scenario
from polmodel.scenario.whatif import INITIAL, apply_settings, hard_limits

DEFAULT_WORLDS = 1000
"""Plausible worlds the projector's answer is computed on with numpy (about 60 ms, 6 policies)."""

COMPILED_WORLDS = 10_000
"""... and with the compiled engine (about 40 ms for 6 policies)."""


def default_engine() -> str:
    """The compiled engine where a C compiler builds it, else numpy."""
    from polmodel.model.compiled import unavailable

    return "numpy" if unavailable() else "compiled"

N_SLIDERS = 6
"""Assumption sliders offered at the start: those that swing the question's first policy most."""


@dataclass(frozen=True)
class RoomSettings:
    """What the projector's sliders set (JSON-friendly: :meth:`to_dict`, :meth:`from_dict`)."""

    pair: tuple[str, str]
    policy: str
    levers: Mapping[str, Mapping[str, tuple[float, int]]] = field(default_factory=dict)
    """Policy -> lever -> (intensity, start month), where the room moved them (kept per policy,
    so choosing another policy for the sliders keeps the first one's moves)."""
    fixed: Mapping[str, float] = field(default_factory=dict)
    """Assumption -> the one value every world takes (a what-if)."""
    sliders: tuple[str, ...] = ()
    """The assumptions offered as sliders (and that can be opened to participants)."""

    def to_dict(self) -> dict[str, Any]:  # noqa: D102
        return {"pair": list(self.pair), "policy": self.policy,
                "levers": {p: {k: list(v) for k, v in moved.items()}
                           for p, moved in self.levers.items()},
                "fixed": dict(self.fixed), "sliders": list(self.sliders)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RoomSettings:  # noqa: D102
        return cls(pair=tuple(d["pair"]), policy=d["policy"],
                   levers={p: {k: (float(v[0]), int(v[1])) for k, v in moved.items()}
                           for p, moved in d.get("levers", {}).items()},
                   fixed={k: float(v) for k, v in d.get("fixed", {}).items()},
                   sliders=tuple(d.get("sliders", ())))

    def key(self) -> str:
        """A stable text of the settings (the cache key of a picture)."""
        import json

        return json.dumps(self.to_dict(), sort_keys=True)


def first_settings(sc: Scenario, *, aggregator: str | None = None) -> RoomSettings:
    """The room's settings before anyone moves a slider.

    The question is the scenario's contrast (else the policy furthest from the baseline on the
    central run, against the baseline); the sliders move its first policy's levers; the
    assumption sliders are the :data:`N_SLIDERS` that swing that policy's central run most.
    """
    from polmodel.room.explorer_assumptions import influential_assumptions

    pair = tuple(sc.contrast) if sc.contrast else _central_pair(sc)
    return RoomSettings(pair=pair, policy=pair[0],
                        sliders=tuple(influential_assumptions(sc, pair[0], N_SLIDERS,
                                                              aggregator=aggregator)))


def _central_pair(sc: Scenario) -> tuple[str, str]:
    from polmodel.analysis.runs import run

    base = run(sc, sc.baseline).peak_index
    others = [p for p in sc.policies if p != sc.baseline]
    if not others:
        return (sc.baseline, sc.baseline)
    return (max(others, key=lambda p: abs(run(sc, p).peak_index - base)), sc.baseline)


def assumption_range(sc: Scenario, name: str) -> tuple[float, float, float]:
    """(central value, low, high) of an assumption, as the scenario gives it."""
    u = sc.initial[name.removeprefix(INITIAL)] if name.startswith(INITIAL) else sc.parameters[name]
    return (u.value, u.low, u.high)


def check_settings(sc: Scenario, s: RoomSettings) -> None:
    """One line naming the first setting the scenario does not allow."""
    from polmodel.scenario.whatif import check

    for name in s.pair:
        sc.policy(name)
    sc.policy(s.policy)
    for policy, moved in s.levers.items():
        sc.policy(policy)
        _check_levers(sc, moved)
    check(sc, dict(s.fixed), option="fixed")


def _check_levers(sc: Scenario, moved: Mapping[str, tuple[float, int]]) -> None:
    for lever, (intensity, start) in moved.items():
        if lever not in LEVER_NAMES:
            raise PolmodelError(f"lever {lever!r:.60}: unknown; allowed: {', '.join(LEVER_NAMES)}")
        if not 0.0 <= intensity <= 1.0:
            raise PolmodelError(f"lever {lever}: intensity {intensity:g}; allowed: 0 to 1")
        if not 0 <= start < sc.horizon:
            raise PolmodelError(f"lever {lever}: start month {start}; allowed: 0 to {sc.horizon - 1}")


def edited_scenario(sc: Scenario, s: RoomSettings) -> Scenario:
    """The scenario with the room's lever settings and what-ifs applied."""
    policies = dict(sc.policies)
    for name, moved in s.levers.items():
        pol = sc.policy(name)
        levers = dict(pol.levers)
        for lever, (intensity, start) in moved.items():
            old = levers.get(lever, LeverSetting(0.0))
            end = None if old.end is None else start + (old.end - old.start)
            levers[lever] = LeverSetting(intensity, start, None if end is None or end >= sc.horizon
                                         else end)
        levers = {k: v for k, v in levers.items() if v.intensity > 0}
        if levers != {k: v for k, v in pol.levers.items() if v.intensity > 0}:
            words = pol.description.strip().rstrip(".")
            policies[name] = Policy(name, levers, f"{words}; levers as set in the room"
                                    if words else "levers as set in the room")
    if policies != dict(sc.policies):
        sc = replace(sc, policies=ReadOnlyMapping(policies))
    return apply_settings(sc, dict(s.fixed)) if s.fixed else sc


def lever_controls(sc: Scenario, s: RoomSettings) -> list[dict[str, Any]]:
    """Each lever of the edited policy: label, description, intensity and start month now."""
    given = sc.policy(s.policy).levers
    moved = s.levers.get(s.policy, {})
    out = []
    for name in LEVER_NAMES:
        now = given.get(name, LeverSetting(0.0))
        intensity, start = moved.get(name, (now.intensity, now.start))
        lever = LEVERS_BY_NAME[name]
        out.append({"name": name, "label": lever.label, "description": lever.description,
                    "intensity": intensity, "start": start, "moved": name in moved})
    return out


def assumption_controls(sc: Scenario, s: RoomSettings) -> list[dict[str, Any]]:
    """Each assumption slider: plain-word label, meaning, range, central value, what-if if set."""
    from polmodel.model.parameters import PARAMETERS

    out = []
    for name in s.sliders:
        value, low, high = assumption_range(sc, name)
        meaning = (PARAMETERS[name].meaning if name in PARAMETERS
                   else "where this stands when the scenario begins, from 0 (none) to 1 (full)")
        out.append({"name": name, "label": label(name), "meaning": meaning, "low": low,
                    "high": high, "value": value, "fixed": s.fixed.get(name),
                    "limit": list(hard_limits(name))})
    return out


def picture(sc: Scenario, s: RoomSettings, *, worlds: int = DEFAULT_WORLDS, seed: int = 0,
            aggregator: str | None = None, ensemble: Ensemble | None = None) -> dict[str, Any]:
    """The projector's picture for some settings: HTML and SVG pieces, and the numbers behind them.

    ``ensemble`` keeps the worlds and each policy's outcomes between calls (the server passes
    one): a lever slider then re-runs only the policy it moves.

    Returns
    -------
    dict
        ``question``, ``answer`` (HTML), ``ranges`` and ``over_time`` (SVG), ``binds`` (HTML),
        ``what_ifs`` (plain words), ``shares`` (the pair's shares of worlds: higher, tied,
        lower) and ``provenance``.
    """
    from polmodel.analysis.runs import run
    from polmodel.room.handout_answer import question_html
    from polmodel.views.svg_charts import conditions_over_time, peak_ranges
    from polmodel.views.text import provenance

    check_settings(sc, s)
    edited = edited_scenario(sc, s)
    c = (ensemble or Ensemble(worlds, seed, aggregator)).comparison(edited)
    a, b = s.pair
    runs = [run(edited, p, aggregator=c.aggregator) for p in dict.fromkeys(s.pair)]
    pw = c.pairwise(a, b)
    return {
        "question": question_html(edited, c, s.pair),
        "answer": answer_html(c, s.pair),
        "ranges": peak_ranges(c.per_policy, highlight=s.pair),
        "over_time": conditions_over_time(runs),
        "binds": binds_html(runs),
        "what_ifs": what_if_words(sc, s),
        "shares": [pw["share_higher"], pw["share_tied"], pw["share_lower"]],
        "provenance": provenance(scenario=edited.label, worlds=c.n_worlds, seed=seed,
                                 structure=c.structure, aggregator=c.aggregator),
    }


class Ensemble:
    """Worlds and outcomes kept between pictures: what :func:`polmodel.compare` would compute.

    The worlds are drawn once per set of what-ifs, and each policy's outcomes once per lever
    schedule, so moving one policy's lever re-runs that policy alone. The comparison is the one
    :func:`polmodel.compare` returns for the same scenario, worlds and seed, number for number
    (each policy's outcomes depend only on its schedule and the worlds).
    """

    KEEP = 64
    """Outcomes kept (policy x schedule x what-ifs), oldest dropped first."""

    def __init__(self, worlds: int = DEFAULT_WORLDS, seed: int = 0,
                 aggregator: str | None = None, engine: str = "numpy") -> None:
        from polmodel.analysis.options import RunOptions

        self.run = RunOptions(worlds=worlds, seed=seed, aggregator=aggregator, engine=engine)
        self._worlds: dict[tuple, Any] = {}
        self._outcomes: dict[tuple, Any] = {}

    def comparison(self, sc: Scenario):
        """Every policy of ``sc`` compared on its worlds, re-running only what changed."""
        from polmodel.analysis.comparison import Comparison

        ranges = tuple((k, u.value, u.low, u.high, u.quantiles)
                       for part in (sc.initial, sc.parameters) for k, u in part.items())
        wkey = (hash(ranges), sc.horizon)
        if wkey not in self._worlds:
            self.run.check_memory(sc, len(sc.policies))
            if len(self._worlds) >= 8:
                self._worlds.pop(next(iter(self._worlds)))
            self._worlds[wkey] = self.run.sample(sc)
        w = self._worlds[wkey]
        agg = self.run.aggregator or sc.aggregator
        names = list(dict.fromkeys([sc.baseline, *sc.policies]))
        outcomes = {}
        for name in names:
            schedule = sc.schedule(name)
            key = (wkey, schedule.tobytes(), schedule.shape, agg, sc.structure)
            if key not in self._outcomes:
                while len(self._outcomes) >= self.KEEP:
                    self._outcomes.pop(next(iter(self._outcomes)))
                self._outcomes[key] = self.run.evaluate(w, [schedule], agg, sc.structure)[0]
            outcomes[name] = self._outcomes[key]
        return Comparison(scenario=sc.label, title=sc.title, baseline=sc.baseline,
                          horizon=sc.horizon, aggregator=agg, worlds=w, outcomes=outcomes,
                          tie_margin=sc.tie_margin, structure=sc.structure,
                          note=sc.defaults_note())


def answer_html(c, pair: tuple[str, str]) -> str:
    """The verdict in shares of plausible worlds, for a room: no appendix, no jargon.

    The handout's answer (:func:`polmodel.room.handout_answer.answer_html`) names the structure
    and the AND and points to its appendix; the projector says the same in plain words.
    """
    from polmodel.views.svg_charts import verdict_bar
    from polmodel.views.text import verdict_pcts

    a, b = pair
    pw = c.pairwise(a, b)
    hi, lo, tie = pw["share_higher"], pw["share_lower"], pw["share_tied"]
    first, second = (a, b) if hi >= lo else (b, a)
    big, small, tied = verdict_pcts(hi, lo, tie)  # they add up to 100%, as the handout's
    e = html.escape
    lead = (f"<b>{e(first)}</b> gives the higher opening index in <b>{e(big)}</b> of "
            f"plausible worlds, <b>{e(second)}</b> in <b>{e(small)}</b>; they differ by less "
            f"than {c.margin:g} (a tie) in <b>{e(tied)}</b>." if hi != lo else
            f"Neither gives the higher opening index in more worlds: each does in "
            f"<b>{e(big)}</b>, and they tie in <b>{e(tied)}</b>.")
    held, n = c.holds(a, b)
    holds = (f"Read the model {n} ways ({n // 2} theories of how openings happen, each with the "
             "four conditions combined strictly or gradually), the same reading of this comparison "
             f"comes out {held} {'time' if held == 1 else 'times'}.")
    return (f"<p class='answer'><span class='tag'>The answer</span> {lead} "
            f"({c.n_worlds:,} plausible worlds; the opening index runs from 0 to 1.)</p>"
            + verdict_bar(a, b, hi, tie, lo) + f"<p class='holds'>{holds}</p>")


def binds_html(runs: Sequence) -> str:
    """Which condition binds most months of each central run, in words."""
    from polmodel.model.states import STATES

    parts = []
    for r in runs:
        counts = Counter(r.bottleneck[1:])
        if not counts:
            continue
        leaf, months = counts.most_common(1)[0]
        words = label(leaf) if leaf in STATES else leaf
        parts.append(f"under <b>{html.escape(r.policy)}</b>, the <b>{html.escape(words)}</b> "
                     f"holds the opening index down in {months} of {len(r.bottleneck) - 1} months")
    return ("<p class='binds'>On the central values, " + "; ".join(parts) + ".</p>") if parts else ""


def what_if_words(sc: Scenario, s: RoomSettings) -> list[str]:
    """The room's changes from the scenario, one plain sentence each."""
    out = []
    for policy, moved in s.levers.items():
        given = sc.policy(policy).levers
        for lever, (intensity, start) in moved.items():
            old = given.get(lever, LeverSetting(0.0))
            if (intensity, start) != (old.intensity, old.start):
                out.append(f"{policy}: {LEVERS_BY_NAME[lever].label} at {intensity:g} from month "
                           f"{start} (the scenario: {old.intensity:g} from month {old.start})")
    for name, value in s.fixed.items():
        _, low, high = assumption_range(sc, name)
        out.append(f"What-if: {label(name)} fixed at {value:g} in every world (its range: "
                   f"{low:g} to {high:g})")
    return out
