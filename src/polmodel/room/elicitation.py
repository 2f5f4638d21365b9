"""Participants' estimates: read, pooled by an equal-weight linear opinion pool, compared.

A facilitator collects a CSV with one row per participant and uncertain number: ``participant,
parameter, low, best, high`` (``polmodel elicit --template`` prints a blank one), and optionally
the ``round`` of a workshop that estimates, discusses and estimates again (the IDEA protocol):
then one round is pooled, the latest by default (:func:`elicit`'s ``round``). Each row is
read as a PERT distribution on [low, high] with mode ``best`` (a Beta distribution with shape
parameters ``1 + 4 (best - low) / (high - low)`` and ``1 + 4 (high - best) / (high - low)``,
Malcolm et al. 1959; Vose 2008). The estimates of one number are pooled by the **equal-weight
linear opinion pool**: the pooled distribution is the average of the participants' distributions,
``F(x) = (1/k) sum_i F_i(x)`` (Stone 1961; Clemen & Winkler 1999; O'Hagan et al. 2006, ch. 9).
Unlike a min-max envelope it keeps where participants put their weight, and unlike averaging
the numbers it keeps their disagreement as spread.

The pooled distribution reaches the ensemble as a quantile table: its values at
:data:`QUANTILE_POINTS` equally spaced shares 0, 0.01, ..., 1, written into the scenario file
(``quantiles = [...]``); worlds are drawn by mapping the unit sample through the piecewise-linear
interpolation of that table (inverse-CDF sampling). Between the tabulated shares the pooled
distribution is approximated as uniform, an error below 1% of the share of worlds.

What the disagreement changes is found by re-running the comparison on the same sampled design
(common random numbers): under each participant's own estimates, which says which participants
land on which side of each verdict (the policy that gives the higher peak opening index in more
worlds); and with one number at a time set to each participant's estimate, the others pooled,
which ranks the numbers by how far their disagreement moves a verdict (and whether it puts a
pair on opposite sides), not by how far apart the estimates sit. The words, tables, CSV and the
figure are in :mod:`polmodel.room.elicitation_report`.

The works cited are listed in :mod:`polmodel.room.opinion_pool`, where the pool is computed.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import combinations
from pathlib import Path
from typing import Any

from polmodel.errors import PolmodelError
from polmodel.room.elicitation_report import EVEN, VERDICT_COLUMNS  # noqa: F401 (here too)
from polmodel.room.estimates_file import (  # noqa: F401  (the estimates file's names, here too)
    COLUMNS,
    ROUND,
    EstimateRow,
    check_rows,
    estimable,
    parse_estimates,
    read_estimates,
    round_words,
    rounds,
    select_round,
    template,
)
from polmodel.room.opinion_pool import (  # noqa: F401  (the pool's names, here too)
    QUANTILE_POINTS,
    pert_cdf,
    pooled_cdf,
    pooled_median,
    pooled_quantiles,
)
from polmodel.room.pooled_scenario import pooled_title, raw_scenario, with_estimates
from polmodel.scenario.definition import Scenario
from polmodel.scenario.loading import load_scenario
from polmodel.views.text import CAVEAT, counted, provenance, sections_html

Pair = tuple[str, str]

# ---------------------------------------------------------------------------------------------
# Scenarios from estimates


def _group(rows: Sequence[EstimateRow]) -> dict[str, list[EstimateRow]]:
    out: dict[str, list[EstimateRow]] = {}
    for r in rows:
        out.setdefault(r.parameter, []).append(r)
    return out


def _side(higher: float, lower: float, a: str, b: str, n_worlds: int) -> str:
    """The policy that gives the higher index in more worlds (by at least one world), or "even"."""
    tolerance = 0.5 / n_worlds if n_worlds else 1e-12
    return a if higher - lower > tolerance else b if lower - higher > tolerance else EVEN


@dataclass(frozen=True)
class Elicitation:
    """Participants' estimates pooled into a scenario, and what their disagreement changes.

    Build one with :func:`elicit`. ``comparisons`` holds the comparison under the pooled
    estimates (key ``"pooled"``) and under each participant's own estimates, all on the same
    sampled design (same seed, same number of worlds). A participant's view replaces only the
    numbers that participant estimated; every other number keeps the scenario's range.
    ``by_number[name][participant][(a, b)]`` holds the shares of worlds where ``a`` and where
    ``b`` give the higher peak opening index with only ``name`` at that participant's estimate,
    every other number pooled (numbers estimated by two participants or more). For estimates
    given in rounds, ``estimates`` holds the round pooled, ``round``, of ``rounds_present``.
    """

    scenario: str
    title: str
    estimates: tuple[EstimateRow, ...]
    pooled_toml: str
    comparisons: Mapping[str, Any]
    source: str = ""
    by_number: Mapping[str, Mapping[str, Mapping[Pair, tuple[float, float]]]] = field(
        default_factory=dict)
    round: int | None = None
    rounds_present: tuple[int, ...] = ()

    def _of_rounds(self) -> str | None:
        return round_words(self.round, self.rounds_present or [self.round or 1])

    def round_text(self) -> str | None:
        """``"round 2 of 2"``: the round pooled, of the rounds the estimates carry; or None."""
        words = self._of_rounds()
        return None if words is None else f"round {words}"

    @property
    def participants(self) -> list[str]:
        """Participants, in the order they first appear in the file."""
        return list(dict.fromkeys(r.participant for r in self.estimates))

    @property
    def parameters(self) -> list[str]:
        """Estimated numbers, in the order they first appear."""
        return list(dict.fromkeys(r.parameter for r in self.estimates))

    def _n_worlds(self) -> int:
        pooled = self.comparisons.get("pooled")
        return int(pooled.n_worlds) if pooled is not None else 0

    def verdict_change(self, name: str) -> dict[str, Any] | None:
        """How far participants' estimates of ``name`` alone move a verdict; None if not run.

        For each pair of policies, the verdict under a view is the share of worlds where the
        first gives the higher peak opening index minus the share where the second does; its
        change is the largest minus the smallest across participants. Returns the pair it
        changes most (a pair put on opposite sides first), that change, every pair put on
        opposite sides (``flips``) and each participant's side for the pair.
        """
        views = self.by_number.get(name)
        if not views:
            return None
        n = self._n_worlds()
        best = None
        flips = []
        for pair in next(iter(views.values())):
            nets = {p: v[pair][0] - v[pair][1] for p, v in views.items()}
            sides = {p: _side(*v[pair], *pair, n) for p, v in views.items()}
            flipped = {pair[0], pair[1]} <= set(sides.values())
            if flipped:
                flips.append(list(pair))
            key = (flipped, max(nets.values()) - min(nets.values()))
            if best is None or key > best[0]:
                best = (key, pair, sides)
        (_, change), pair, sides = best
        return {"verdict_change": float(change), "pair": list(pair), "flips": flips,
                "sides": sides}

    @cached_property
    def disagreement(self) -> list[dict[str, Any]]:
        """Per estimated number, ranked by how far its disagreement moves a verdict.

        Numbers whose estimates put a pair of policies on opposite sides come first, then by
        ``verdict_change`` (:meth:`verdict_change`); numbers not re-run (one participant, or an
        Elicitation built by hand) last, by ``spread``: (highest median - lowest median) /
        (pooled high - pooled low), 0 when all participants put their middle at the same place,
        near 1 when their middles sit at the opposite ends of what anyone considered plausible.
        """
        out = []
        for name, rows in _group(self.estimates).items():
            medians = {r.participant: pooled_median([r]) for r in rows}
            q = pooled_quantiles(rows, [0.0, 0.5, 1.0])
            width = float(q[2] - q[0])
            spread = (max(medians.values()) - min(medians.values())) / width if width > 0 else 0.0
            entry = {"parameter": name, "participants": len(rows), "pooled_low": float(q[0]),
                     "pooled_median": float(q[1]), "pooled_high": float(q[2]),
                     "medians": medians, "spread": spread, "verdict_change": None, "pair": None,
                     "flips": [], "sides": {}}
            entry.update(self.verdict_change(name) or {})
            out.append(entry)
        return sorted(out, key=lambda d: (d["verdict_change"] is None, -len(d["flips"]),
                                          -(d["verdict_change"] or 0.0), -d["spread"]))

    @cached_property
    def verdicts(self) -> list[dict[str, Any]]:
        """Per pair of policies: the shares of worlds, pooled and per participant, and the sides.

        Shares are those of :meth:`polmodel.analysis.comparison.Comparison.pairwise` (differences
        within its tie margin count as ties). ``sides`` maps each participant to the policy that
        gives the higher peak index in more worlds under their own estimates (or "even");
        ``on_a``, ``on_b`` and ``even`` list them. ``split`` is True when participants land on
        both sides. Split pairs first, then by how far apart the participants' verdicts are.
        """
        pooled = self.comparisons["pooled"]
        own = {p: self.comparisons[p] for p in self.participants}
        out = []
        for a, b in combinations(pooled.policies, 2):
            both = {p: c.pairwise(a, b) for p, c in own.items()}
            sides = {p: _side(pw["share_higher"], pw["share_lower"], a, b, own[p].n_worlds)
                     for p, pw in both.items()}
            shares = {p: pw["share_higher"] for p, pw in both.items()}
            nets = [pw["share_higher"] - pw["share_lower"] for pw in both.values()]
            pw = pooled.pairwise(a, b)
            out.append({"a": a, "b": b, "pooled": pw["share_higher"], "pooled_lower": pw["share_lower"],
                        "pooled_side": _side(pw["share_higher"], pw["share_lower"], a, b,
                                             pooled.n_worlds),
                        "participants": shares,
                        "participants_lower": {p: pw["share_lower"] for p, pw in both.items()},
                        "sides": sides, "on_a": [p for p, s in sides.items() if s == a],
                        "on_b": [p for p, s in sides.items() if s == b],
                        "even": [p for p, s in sides.items() if s == EVEN],
                        "lowest": min(shares.values()), "highest": max(shares.values()),
                        "split": a in sides.values() and b in sides.values(),
                        "_apart": max(nets) - min(nets)})
        out.sort(key=lambda d: (not d["split"], -d["_apart"]))
        for d in out:
            del d["_apart"]
        return out

    def provenance(self) -> str:
        """Version, scenario, estimates file, round pooled, participants, worlds, seed."""
        c = self.comparisons["pooled"]
        return provenance(scenario=self.scenario, estimates=Path(self.source).name or None,
                          round=self._of_rounds(),
                          participants=len(self.participants), worlds=c.n_worlds,
                          seed=c.worlds.seed, aggregator=c.aggregator)

    def summary(self) -> str:
        """Text tables for the terminal, with the pooling rule, caveat and provenance."""
        from polmodel.room.elicitation_report import summary

        return summary(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"Elicitation({self.scenario!r}: {counted(len(self.participants), 'participant')}, "
                f"{counted(len(self.parameters), 'number')}, "
                f"{counted(len(self.verdicts), 'pair')} of policies)")

    def _repr_html_(self) -> str:
        from polmodel.room.elicitation_report import tables

        return (f"<h4>{html.escape(self.title)}: estimates of "
                f"{counted(len(self.parameters), 'number')} by "
                f"{counted(len(self.participants), 'participant')}</h4>{sections_html(tables(self))}"
                f"<p><small>{html.escape(CAVEAT)}<br>{html.escape(self.provenance())}</small></p>")

    def to_dict(self) -> dict[str, Any]:
        """Plain data: provenance, caveat, the round pooled, estimates, disagreement, verdicts."""
        in_rounds = self.round is not None
        columns = COLUMNS + ((ROUND,) if in_rounds else ())
        return {"provenance": self.provenance(), "caveat": CAVEAT, "scenario": self.scenario,
                "pooling": "equal-weight linear opinion pool of PERT distributions",
                "participants": self.participants,
                **({"round": self.round, "rounds": list(self.rounds_present)} if in_rounds else {}),
                "estimates": [{f: getattr(r, f) for f in columns} for r in self.estimates],
                "disagreement": self.disagreement, "verdicts": self.verdicts}

    def to_frame(self):
        """A pandas DataFrame, one row per pair of policies and view (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise PolmodelError("to_frame needs pandas: pip install pandas") from None
        # the verdict columns; the provenance columns of the CSV are the same in every row
        return pd.read_csv(io.StringIO(self.to_csv()))[list(VERDICT_COLUMNS)]

    def to_csv(self, path: str | Path | None = None) -> str:
        """Verdicts as CSV: a row per pair and view (pooled, each participant), with its side.

        Also written to ``path``.
        """
        from polmodel.room.elicitation_report import verdicts_csv

        text = verdicts_csv(self)
        if path is not None:
            from polmodel.views.text import write_text

            write_text(path, text)
        return text

    def plot(self, ax=None, parameter: str | None = None):
        """Each participant's range of one number as a line, coloured by the side it lands on.

        The number whose disagreement changes a verdict most by default
        (:func:`polmodel.room.elicitation_report.plot_ranges`).
        """
        from polmodel.room.elicitation_report import plot_ranges

        return plot_ranges(self, ax=ax, parameter=parameter)


def elicit(
    estimates: str | Path | Sequence[EstimateRow],
    scenario: Scenario | str = "venezuela-2018",
    *,
    worlds: int = 1000,
    seed: int = 0,
    policies: Sequence[str] | None = None,
    aggregator: str | None = None,
    round: int | None = None,
    per_number: bool = True,
    edit: Callable[[Scenario], Scenario] | None = None,
    engine: str = "numpy",
) -> Elicitation:
    """Pool participants' estimates into a scenario and compare policies under each view.

    Parameters
    ----------
    estimates : path or sequence of EstimateRow
        An estimates CSV (see :func:`read_estimates`) or rows already read.
    scenario : Scenario or str
        The scenario whose numbers the participants estimated.
    worlds, seed : int
        Plausible worlds per comparison, and their seed (the same design for every view).
    policies : sequence of str, optional
        Policies to compare; all of the scenario's by default.
    aggregator : str, optional
        Fuzzy AND; the scenario's by default.
    round : int, optional
        For estimates given in rounds (a ``round`` column): the round to pool, the latest
        present by default. Estimates without rounds are all pooled.
    per_number : bool
        Also re-run each number at each participant's estimate, the others pooled (what ranks
        :attr:`Elicitation.disagreement`): one comparison per participant and number. The live
        room leaves it out, to show the pooled result and who lands where in under a second.
    edit : callable, optional
        Applied to each view (pooled, each participant's) before it is compared: the live room
        passes its lever moves and what-ifs, so the pooled answer is read on the projector's
        settings. ``engine``: as for :func:`polmodel.compare`.

    Returns
    -------
    Elicitation

    Examples
    --------
    >>> rows = [EstimateRow("A", "initial.fracture", 0.1, 0.2, 0.4),
    ...         EstimateRow("B", "initial.fracture", 0.2, 0.4, 0.6)]
    >>> e = elicit(rows, "venezuela-2018", worlds=64, policies=["targeted"])
    >>> e.participants
    ['A', 'B']
    """
    import os

    from polmodel.analysis.comparison import compare
    from polmodel.limits import with_article
    from polmodel.room.elicitation_report import pooled_header as _header
    from polmodel.scenario.definition import scenario_from_dict
    from polmodel.scenario.toml_writer import dumps

    source = "" if not isinstance(estimates, (str, os.PathLike)) else str(estimates)
    if not source and (isinstance(estimates, (bytes, Mapping)) or not isinstance(estimates, Sequence)):
        raise PolmodelError(f"estimates {estimates!r:.60} is {with_article(type(estimates).__name__)}; allowed: "
                            "the path of an estimates CSV, or a list of EstimateRow")
    rows = tuple(read_estimates(estimates) if source else estimates)
    for i, r in enumerate(rows):
        if not isinstance(r, EstimateRow):
            raise PolmodelError(f"estimates: item {i} {r!r:.60} is {with_article(type(r).__name__)}; allowed: "
                                "EstimateRow(participant, parameter, low, best, high)")
    if not rows:
        raise PolmodelError("estimates: none given; allowed: one row per participant and parameter")
    if not source:  # rows given in code: the rules the estimates file applies
        check_rows(rows)
    present = tuple(rounds(rows))
    rows, chosen = select_round(rows, round)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    raw = raw_scenario(sc)
    label = Path(source).name if source else "participants' estimates"
    label += "" if chosen is None else f", round {chosen}"
    pooled_data = with_estimates(raw, _group(rows), label)
    pooled_data["title"] = pooled_title(str(raw["title"]))
    header = _header(sc, rows, source, round_words(chosen, present))
    toml = header + dumps(pooled_data)
    views = {"pooled": scenario_from_dict(pooled_data, name=f"{sc.name}-estimates")}
    for who in dict.fromkeys(r.participant for r in rows):
        mine = _group([r for r in rows if r.participant == who])
        views[who] = scenario_from_dict(with_estimates(raw, mine, f"{label} ({who})"),
                                        name=f"{sc.name}-{who}")
    def run(view: Scenario):
        if edit is not None:
            view = edit(view)
        return compare(view, policies, worlds=worlds, seed=seed, aggregator=aggregator,
                       engine=engine)

    comparisons = {who: run(v) for who, v in views.items()}
    # One number at a time at each participant's estimate, the others pooled: what that
    # number's disagreement alone does to each verdict.
    by_number: dict[str, dict[str, dict[Pair, tuple[float, float]]]] = {}
    for name, estimated in _group(rows).items():
        if len(estimated) < 2 or not per_number:
            continue
        by_number[name] = {}
        for r in estimated:
            data = with_estimates(pooled_data, {name: [r]}, f"{label} ({r.participant}, {name})")
            c = run(scenario_from_dict(data, name=f"{sc.name}-{r.participant}-{name}"))
            by_number[name][r.participant] = {
                (a, b): (pw["share_higher"], pw["share_lower"])
                for a, b in combinations(c.policies, 2) for pw in [c.pairwise(a, b)]}
    return Elicitation(scenario=sc.label, title=sc.title, estimates=rows, pooled_toml=toml,
                       comparisons=comparisons, source=source, by_number=by_number,
                       round=chosen, rounds_present=present)

