"""Participants' estimates: read, pooled by an equal-weight linear opinion pool, compared.

A facilitator collects a CSV with one row per participant and uncertain number: ``participant,
parameter, low, best, high`` (``polmodel elicit --template`` prints a blank one). Each row is
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

Disagreement is reported per number as the spread of the participants' medians over the width
of the pooled range, and its consequence by re-running the comparison with each participant's
own estimates on the same sampled design: the spread across participants of the share of
worlds in which one policy gives a higher peak opening index than another.

The works cited are listed in :mod:`polmodel.room.opinion_pool`, where the pool is computed.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from polmodel.errors import PolmodelError
from polmodel.room.estimates_file import (  # noqa: F401  (the estimates file's names, here too)
    COLUMNS,
    EstimateRow,
    estimable,
    parse_estimates,
    read_estimates,
    template,
)
from polmodel.room.opinion_pool import (  # noqa: F401  (the pool's names, here too)
    QUANTILE_POINTS,
    pert_cdf,
    pooled_cdf,
    pooled_median,
    pooled_quantiles,
)
from polmodel.scenario.definition import Scenario
from polmodel.scenario.loading import load_scenario
from polmodel.views.text import CAVEAT, provenance, sections_html, sections_text

VERDICT_COLUMNS: tuple[str, ...] = ("policy_a", "policy_b", "estimates", "share_a_higher")
"""Columns of :meth:`Elicitation.to_csv`: a pair of policies, whose estimates (``pooled`` or a
participant), and the share of worlds in which ``policy_a`` gives a higher peak opening index."""

# ---------------------------------------------------------------------------------------------
# Scenarios from estimates


def _raw_scenario(sc: Scenario) -> dict:
    """The parsed TOML of a scenario's file."""
    import tomllib

    from polmodel.scenario.loading import scenario_dir

    path = Path(sc.path) if sc.path else None
    if path is None or not path.is_file():
        path = scenario_dir() / f"{sc.name}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _section(name: str) -> tuple[str, str]:
    from polmodel.scenario.schema import CONTEXT_NAMES

    if name.startswith("initial."):
        return "initial", name.removeprefix("initial.")
    return ("context" if name in CONTEXT_NAMES else "mechanisms"), name


def _with_estimates(raw: dict, by_name: Mapping[str, Sequence[EstimateRow]], label: str) -> dict:
    """A copy of a parsed scenario whose estimated numbers sample the pooled distributions."""
    import copy

    data = copy.deepcopy(raw)
    for name, rows in by_name.items():
        # Six significant digits: rounding is monotone, so the table stays ordered, and the
        # numbers compared are exactly those written.
        q = [float(f"{v:.6g}") for v in pooled_quantiles(rows)]
        who = ", ".join(r.participant for r in rows)
        rule = ("equal-weight linear opinion pool of PERT distributions" if len(rows) > 1
                else "PERT distribution")
        section, key = _section(name)
        data.setdefault(section, {})[key] = {
            "value": float(f"{pooled_median(rows):.6g}"), "range": [q[0], q[-1]],
            "source": f"{label}: estimated by {who} ({rule}; polmodel elicit)",
            "quantiles": q,
        }
    return data


def _group(rows: Sequence[EstimateRow]) -> dict[str, list[EstimateRow]]:
    out: dict[str, list[EstimateRow]] = {}
    for r in rows:
        out.setdefault(r.parameter, []).append(r)
    return out


@dataclass(frozen=True)
class Elicitation:
    """Participants' estimates pooled into a scenario, and what their disagreement changes.

    Build one with :func:`elicit`. ``comparisons`` holds the comparison under the pooled
    estimates (key ``"pooled"``) and under each participant's own estimates, all on the same
    sampled design (same seed, same number of worlds). A participant's view replaces only the
    numbers that participant estimated; every other number keeps the scenario's range.
    """

    scenario: str
    title: str
    estimates: tuple[EstimateRow, ...]
    pooled_toml: str
    comparisons: Mapping[str, Any]
    source: str = ""

    @property
    def participants(self) -> list[str]:
        """Participants, in the order they first appear in the file."""
        return list(dict.fromkeys(r.participant for r in self.estimates))

    @property
    def parameters(self) -> list[str]:
        """Estimated numbers, in the order they first appear."""
        return list(dict.fromkeys(r.parameter for r in self.estimates))

    @cached_property
    def disagreement(self) -> list[dict[str, Any]]:
        """Per estimated number: participants' medians against the pooled range, widest first.

        ``spread`` is (highest median - lowest median) / (pooled high - pooled low): 0 when all
        participants put their middle at the same place, near 1 when their middles sit at the
        opposite ends of what anyone considered plausible.
        """
        out = []
        for name, rows in _group(self.estimates).items():
            medians = {r.participant: pooled_median([r]) for r in rows}
            q = pooled_quantiles(rows, [0.0, 0.5, 1.0])
            width = float(q[2] - q[0])
            spread = (max(medians.values()) - min(medians.values())) / width if width > 0 else 0.0
            out.append({"parameter": name, "participants": len(rows), "pooled_low": float(q[0]),
                        "pooled_median": float(q[1]), "pooled_high": float(q[2]),
                        "medians": medians, "spread": spread})
        return sorted(out, key=lambda d: -d["spread"])

    @cached_property
    def verdicts(self) -> list[dict[str, Any]]:
        """Per pair of policies: the share of worlds with a higher index, pooled and per participant.

        Shares are those of :meth:`polmodel.analysis.comparison.Comparison.pairwise` (differences within
        its tie margin count as ties). ``split`` is True when participants' own estimates put
        the pair on opposite sides: for some, A gives the higher peak index in more worlds than
        B does; for others, B in more than A.
        """
        pooled = self.comparisons["pooled"]
        own = {p: self.comparisons[p] for p in self.participants}
        out = []
        for a, b in combinations(pooled.policies, 2):
            both = {p: c.pairwise(a, b) for p, c in own.items()}
            shares = {p: pw["share_higher"] for p, pw in both.items()}
            sides = {np.sign(pw["share_higher"] - pw["share_lower"]) for pw in both.values()}
            pw = pooled.pairwise(a, b)
            out.append({"a": a, "b": b, "pooled": pw["share_higher"], "pooled_lower": pw["share_lower"],
                        "participants": shares, "lowest": min(shares.values()),
                        "highest": max(shares.values()), "split": {-1.0, 1.0} <= sides})
        return sorted(out, key=lambda d: -(d["highest"] - d["lowest"]))

    def provenance(self) -> str:
        """Version, scenario, estimates file, participants, worlds, seed."""
        c = self.comparisons["pooled"]
        return provenance(scenario=self.scenario, estimates=Path(self.source).name or None,
                          participants=len(self.participants), worlds=c.n_worlds,
                          seed=c.worlds.seed, aggregator=c.aggregator)

    def _tables(self):
        dis = [[d["parameter"], d["participants"], f"{d['pooled_low']:.3g}-{d['pooled_high']:.3g}",
                f"{d['pooled_median']:.3g}", f"{min(d['medians'].values()):.3g}-"
                f"{max(d['medians'].values()):.3g}", f"{d['spread']:.2f}"] for d in self.disagreement]
        ver = [[f"{v['a']} vs {v['b']}", _pct(v["pooled"]), f"{_pct(v['lowest'])}-{_pct(v['highest'])}",
                "split" if v["split"] else "same side"] for v in self.verdicts]
        return [
            ("Where participants disagree most", ("parameter", "n", "pooled range", "pooled median",
                                                  "their medians", "spread"), dis,
             "spread: distance between the lowest and highest participant's median over the width "
             "of the pooled range (0: same middle, 1: opposite ends)."),
            ("Does it change the comparison? Share of worlds in which the first policy gives a "
             "higher peak opening index", ("pair", "pooled", "participants' range", "verdicts"), ver,
             "Each participant's own estimates re-run on the same sampled design. 'split': for some "
             "participants the first policy gives the higher index in more worlds, for others in "
             "fewer."),
        ]

    def summary(self) -> str:
        """Text tables for the terminal, with the pooling rule, caveat and provenance."""
        from polmodel.views.text import wrap

        return "\n".join([
            wrap(f"{self.title}: estimates of {len(self.parameters)} numbers by "
                 f"{len(self.participants)} participants ({', '.join(self.participants)})"),
            wrap("Pooled by an equal-weight linear opinion pool of PERT distributions (Stone 1961; "
                 "Clemen & Winkler 1999)."), "", sections_text(self._tables()), wrap(CAVEAT),
            wrap(self.provenance())])

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"Elicitation({self.scenario!r}: {len(self.participants)} participants, "
                f"{len(self.parameters)} numbers, {len(self.verdicts)} pairs of policies)")

    def _repr_html_(self) -> str:
        return (f"<h4>{html.escape(self.title)}: estimates of {len(self.parameters)} numbers by "
                f"{len(self.participants)} participants</h4>{sections_html(self._tables())}"
                f"<p><small>{html.escape(CAVEAT)}<br>{html.escape(self.provenance())}</small></p>")

    def to_dict(self) -> dict[str, Any]:
        """Plain data: provenance, caveat, estimates, disagreement and verdicts."""
        return {"provenance": self.provenance(), "caveat": CAVEAT, "scenario": self.scenario,
                "pooling": "equal-weight linear opinion pool of PERT distributions",
                "participants": self.participants,
                "estimates": [{f: getattr(r, f) for f in COLUMNS} for r in self.estimates],
                "disagreement": self.disagreement, "verdicts": self.verdicts}

    def to_frame(self):
        """A pandas DataFrame, one row per pair of policies and participant (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise PolmodelError("to_frame needs pandas: pip install pandas") from None
        return pd.read_csv(io.StringIO(self.to_csv()))

    def to_csv(self, path: str | Path | None = None) -> str:
        """Verdicts as CSV (one row per pair and participant, ``pooled`` too); also to ``path``."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(VERDICT_COLUMNS)
        for v in self.verdicts:
            for who, share in [("pooled", v["pooled"]), *v["participants"].items()]:
                w.writerow([v["a"], v["b"], who, f"{share:.6g}"])
        if path is not None:
            from polmodel.views.text import write_text

            write_text(path, buf.getvalue())
        return buf.getvalue()

    def plot(self, ax=None, parameter: str | None = None):
        """Each participant's distribution and the pooled one (CDFs) for one number.

        The number where participants disagree most by default.
        """
        from polmodel.views.plots import _axes

        name = parameter or self.disagreement[0]["parameter"]
        rows = _group(self.estimates).get(name)
        if rows is None:
            raise PolmodelError(f"{name!r} was not estimated; allowed: {', '.join(self.parameters)}")
        ax = _axes(ax, figsize=(7, 4))
        x = np.linspace(min(r.low for r in rows), max(r.high for r in rows), 400)
        styles = ["-", "--", ":", "-."]
        for i, r in enumerate(rows):
            ax.plot(x, pert_cdf(x, r.low, r.best, r.high), color="0.55", lw=1,
                    ls=styles[i % len(styles)], label=r.participant)
        ax.plot(x, pooled_cdf(x, rows), color="0.05", lw=2.4, label="pooled")
        ax.set(xlabel=name, ylabel="share of the distribution below", ylim=(0, 1),
               title=f"{self.title}: estimates of {name}")
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=8)
        return ax


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%"


def elicit(
    estimates: str | Path | Sequence[EstimateRow],
    scenario: Scenario | str = "venezuela-2018",
    *,
    worlds: int = 1000,
    seed: int = 0,
    policies: Sequence[str] | None = None,
    aggregator: str | None = None,
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
        _check_rows(rows)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    raw = _raw_scenario(sc)
    label = Path(source).name if source else "participants' estimates"
    pooled_data = _with_estimates(raw, _group(rows), label)
    pooled_data["title"] = f"{raw['title']} (participants' estimates)"
    header = _header(sc, rows, source)
    toml = header + dumps(pooled_data)
    views = {"pooled": scenario_from_dict(pooled_data, name=f"{sc.name}-estimates")}
    for who in dict.fromkeys(r.participant for r in rows):
        mine = _group([r for r in rows if r.participant == who])
        views[who] = scenario_from_dict(_with_estimates(raw, mine, f"{label} ({who})"),
                                        name=f"{sc.name}-{who}")
    comparisons = {who: compare(v, policies, worlds=worlds, seed=seed, aggregator=aggregator)
                   for who, v in views.items()}
    return Elicitation(scenario=sc.label, title=sc.title, estimates=rows, pooled_toml=toml,
                       comparisons=comparisons, source=source)


def _check_rows(rows: Sequence[EstimateRow]) -> None:
    """Rows given in code, checked as a file's rows are: names, numbers, order, hard limits."""
    import numbers

    from polmodel.names import check_name
    from polmodel.room.estimates_file import check_range

    allowed = estimable()
    seen: dict[tuple[str, str], int] = {}
    for i, r in enumerate(rows):
        check_name(r.participant, "participant")
        at = f"estimates: item {i} ({r.participant}, {r.parameter!r:.60})"
        if not isinstance(r.parameter, str) or r.parameter not in allowed:
            raise PolmodelError(f"{at}: unknown parameter; allowed: {', '.join(allowed)}")
        for column in COLUMNS[2:]:
            v = getattr(r, column)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
                raise PolmodelError(f"{at}: {column} {v!r:.40} is not a number; allowed: a finite "
                                    "number such as 0.25")
        check_range(at, r.parameter, r.low, r.best, r.high, allowed[r.parameter])
        if (r.participant, r.parameter) in seen:
            raise PolmodelError(f"{at}: {r.participant} estimated {r.parameter} already in item "
                                f"{seen[r.participant, r.parameter]}; allowed: one row per "
                                "participant and parameter")
        seen[r.participant, r.parameter] = i


def _header(sc: Scenario, rows: Sequence[EstimateRow], source: str) -> str:
    """TOML comment lines; every text from outside (title, file name) with controls escaped.

    A newline or a control character would end the comment or make the TOML unreadable.
    """
    from polmodel import __version__
    from polmodel.errors import escape_controls

    lines = [f"# {escape_controls(sc.title)}, with participants' estimates pooled by polmodel "
             f"elicit (polmodel {__version__}).",
             f"# Base scenario: {escape_controls(sc.name)}. Estimates: "
             f"{escape_controls(source) or 'given in code'}.",
             "# Pooling: equal-weight linear opinion pool of PERT distributions (Stone 1961; "
             "Clemen & Winkler 1999);",
             "# worlds are drawn through each pooled quantile table (shares 0, 0.01, ..., 1).",
             "# The estimates, as given (participant, parameter, low, best, high):"]
    lines += [f"#   {escape_controls(r.participant)}, {r.parameter}, {r.low:g}, {r.best:g}, "
              f"{r.high:g}" for r in rows]
    return "\n".join(lines) + "\n\n"
