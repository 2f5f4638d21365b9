"""The result of a policy comparison: :class:`Comparison`, every statistic from per-world outcomes.

Built by :func:`polmodel.compare` (:mod:`polmodel.analysis.comparison`, whose docstring says what
is compared); a run over more worlds than are kept gives its streamed form,
:class:`polmodel.analysis.streamed_comparison.StreamedComparison`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from polmodel.analysis._stats import median, quantiles
from polmodel.analysis.paired import pairwise_statistics
from polmodel.analysis.verdicts import (
    TIE,
    EveryReading,
    first_window_timing,
    reading_of,
    structure_necessity,
)
from polmodel.analysis.worlds import PolicyOutcomes, Worlds
from polmodel.errors import PolmodelError
from polmodel.model.states import CONDITIONS, SCALES
from polmodel.model.structures import DEFAULT_STRUCTURE, STRUCTURES

if TYPE_CHECKING:  # concurrent.futures costs start-up time; only annotations use it here
    pass
from polmodel.views.comparison_text import (
    comparison_html,
    comparison_rows,
    comparison_sections,
    comparison_summary,
)
from polmodel.views.csv_table import csv_text
from polmodel.views.text import CAVEAT, Section, counted, provenance, short_repr, write_text


def _quantiles(x: np.ndarray) -> tuple[float, float, float]:
    if x.size == 0:
        return (float("nan"),) * 3
    q10, q50, q90 = quantiles(x, [0.1, 0.5, 0.9])
    return float(q10), float(q50), float(q90)


@dataclass(frozen=True)
class Comparison(EveryReading):
    """Policies compared on the same plausible worlds of a scenario.

    Build one with :func:`compare`. Figures are shares of plausible worlds under the
    scenario's assumptions, never chances of real events.
    """

    scenario: str
    title: str
    baseline: str
    horizon: int
    aggregator: str
    worlds: Worlds
    outcomes: Mapping[str, PolicyOutcomes]
    tie_margin: float = 0.02
    structure: str = DEFAULT_STRUCTURE
    note: str = ""
    """Anything the reader must know about the inputs (defaults a first-edition file left)."""

    @property
    def policies(self) -> list[str]:
        """Policy names, in the order compared."""
        return list(self.outcomes)

    @property
    def n_worlds(self) -> int:
        """Number of plausible worlds."""
        return len(self.worlds)

    def provenance(self) -> str:
        """Version, scenario, seed, sampler, number of worlds, horizon."""
        return provenance(scenario=self.scenario, seed=self.worlds.seed, sampler=self.worlds.sampler,
                          worlds=self.n_worlds, horizon=counted(self.horizon, "month"),
                          structure=self.structure, aggregator=self.aggregator)

    @property
    def leaves(self) -> tuple[str, ...]:
        """What can bind under the comparison's structure (for the memo's, the four conditions)."""
        return STRUCTURES[self.structure].leaves

    # -- statistics -------------------------------------------------------------------------

    @cached_property
    def per_policy(self) -> dict[str, dict[str, Any]]:
        """Headline figures per policy (shares are shares of plausible worlds)."""
        out = {}
        for name, o in self.outcomes.items():
            opened = o.window
            p10, p50, p90 = _quantiles(o.peak_index)
            first = o.first_window[opened]
            shares = np.bincount(o.bottleneck, minlength=len(self.leaves)) / self.n_worlds
            out[name] = {
                "window_share": float(opened.mean()),
                "peak_index_median": p50, "peak_index_p10": p10, "peak_index_p90": p90,
                "months_open_mean": float(o.months_open.mean()),
                "first_window_median": median(first) if first.size else None,
                "bottleneck_shares": dict(zip(self.leaves, shares.tolist())),
                "first_window_timing": first_window_timing(o, self.horizon),
                "crisis_months_median": median(o.crisis_months),
                "exodus_median": median(o.exodus),
            }
        return out

    @property
    def margin(self) -> float:
        """Differences of the opening index up to this size count as practical ties."""
        return self.tie_margin

    def _check(self, name: str, scale: str | None = None) -> None:
        """Raise a one-line error for a policy not compared or an unknown scale."""
        if name not in self.policies:
            raise PolmodelError(f"unknown policy {name!r}; allowed: {', '.join(self.policies)}")
        if scale is not None and scale not in SCALES:
            raise PolmodelError(f"scale: unknown {scale!r}; allowed: {', '.join(SCALES)}")

    def _peaks(self, name: str, scale: str | None) -> np.ndarray:
        self._check(name, scale)
        o = self.outcomes[name]
        if scale is None:
            return o.peak_index
        return o.peak_strict if scale == "strict" else o.peak_graded

    def difference(self, a: str, b: str, scale: str | None = None) -> np.ndarray:
        """Per-world peak opening index of ``a`` minus that of ``b`` (paired).

        ``scale`` None uses the comparison's aggregator; "strict" or "graded" pick the
        strict (``min``) or graded (``product``, geometric-mean scale) AND.
        """
        return self._peaks(a, scale) - self._peaks(b, scale)

    def pairwise(self, a: str, b: str, scale: str | None = None) -> dict[str, float]:
        """In what share of worlds ``a`` gives a higher, lower or practically tied index than ``b``.

        A difference counts only beyond :attr:`margin`; smaller ones are practical ties.
        """
        self._check(a, scale), self._check(b, scale)
        i, j = self.policies.index(a), self.policies.index(b)
        return {key: float(values[i, j]) for key, values in self._pairwise_matrix(scale).items()}

    @cached_property
    def _pairwise_cache(self) -> dict:
        return {}

    def _pairwise_matrix(self, scale: str | None) -> dict[str, np.ndarray]:
        """Every statistic of :meth:`pairwise` for every ordered pair: arrays[n_policies, n_policies]."""
        if scale not in self._pairwise_cache:
            peaks = np.stack([self._peaks(n, scale) for n in self.policies])
            self._pairwise_cache[scale] = pairwise_statistics(peaks, self.margin + TIE)
        return self._pairwise_cache[scale]

    def verdict(self, a: str, b: str) -> dict[str, Any]:
        """Which of ``a`` and ``b`` gives the higher index in more worlds, under both ANDs.

        Returns
        -------
        dict
            Per scale ("strict", "graded"): "higher", "lower" or "even" (from ``a``'s side)
            and the shares; ``flips`` is True when the two ANDs disagree; ``mostly_tied`` when
            most worlds are practical ties under both.
        """
        out: dict[str, Any] = {}
        for scale in SCALES:
            pw = self.pairwise(a, b, scale)
            hi, lo = pw["share_higher"], pw["share_lower"]
            out[scale] = {"reading": reading_of(hi, lo),
                          "share_higher": hi, "share_lower": lo, "share_tied": pw["share_tied"]}
        out["flips"] = out["strict"]["reading"] != out["graded"]["reading"]
        out["mostly_tied"] = all(out[s]["share_tied"] > 0.5 for s in SCALES)
        return out

    @cached_property
    def flips(self) -> list[tuple[str, str]]:
        """Pairs whose verdict differs between the strict and the graded AND."""
        names = self.policies
        return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
                if self.verdict(a, b)["flips"]]

    @cached_property
    def shortfall(self) -> dict[str, dict[str, float]]:
        """How far each policy's peak index falls short of the highest policy's in each world.

        A description, not a loss: a higher opening index is not a better outcome.
        """
        peaks = np.stack([o.peak_index for o in self.outcomes.values()])
        gap = peaks.max(axis=0) - peaks
        return {name: {"mean": float(r.mean()), "p90": float(quantiles(r, [0.9])[0]),
                       "max": float(r.max()), "share_highest": float((r <= TIE).mean())}
                for name, r in zip(self.outcomes, gap)}

    @cached_property
    def condition_effects(self) -> dict[str, dict[str, dict[str, float]]]:
        """Per policy and condition: paired change in mean membership against the baseline."""
        base = self.outcomes[self.baseline].condition_mean.astype(float)
        out = {}
        for name, o in self.outcomes.items():
            d = o.condition_mean.astype(float) - base
            out[name] = {c: {"mean_change": float(d[:, i].mean()),
                             "share_raised": float((d[:, i] > TIE).mean())}
                         for i, c in enumerate(CONDITIONS)}
        return out

    @cached_property
    def necessity(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """Necessity of each condition for the openings of the structures that do not need it.

        Per policy and structure: fsQCA necessity consistency of each condition (its highest
        membership over the horizon) for the structure's strict peak index, across worlds. A
        condition inside a structure is necessary to it by construction and is None; the rest
        can fall below 1: an opening by another route in worlds where the condition stayed low
        (see :func:`polmodel.analysis.verdicts.structure_necessity`).
        """
        return {name: structure_necessity(o) for name, o in self.outcomes.items()}

    # -- presentation (the words and tables live in polmodel.views.text) ---------------------------

    def _tables(self) -> list[Section]:
        return comparison_sections(self)

    def summary(self) -> str:
        """Text tables for the terminal, with the caveat and the provenance."""
        return comparison_summary(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return short_repr(self, scenario=self.scenario, policies=self.policies,
                          worlds=self.n_worlds, seed=self.worlds.seed, aggregator=self.aggregator)

    def _repr_html_(self) -> str:
        return comparison_html(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: provenance, caveat and every statistic (no per-world arrays)."""
        return {
            "provenance": self.provenance(), "caveat": CAVEAT, "note": self.note,
            "scenario": self.scenario,
            "seed": self.worlds.seed, "sampler": self.worlds.sampler, "worlds": self.n_worlds,
            "horizon": self.horizon, "aggregator": self.aggregator, "baseline": self.baseline,
            "policies": self.per_policy,
            "against_baseline": {n: self.pairwise(n, self.baseline) for n in self.policies},
            "pairwise": {a: {b: self.pairwise(a, b) for b in self.policies if b != a}
                         for a in self.policies},
            "tie_margin": self.margin,
            "verdicts": {a: {b: self.verdict(a, b) for b in self.policies if b != a}
                         for a in self.policies},
            "flips": [list(pair) for pair in self.flips],
            "structure": self.structure,
            "structures": {n: {"formula": s.text, "label": s.label} for n, s in STRUCTURES.items()},
            "readings": {a: {b: self.readings(a, b) for b in self.policies if b != a}
                         for a in self.policies},
            "holds": {a: {b: list(self.holds(a, b)) for b in self.policies if b != a}
                      for a in self.policies},
            "structure_flips": [list(pair) for pair in self.structure_flips],
            "at_months": {a: {b: self.at_months(a, b) for b in self.policies if b != a}
                          for a in self.policies},
            "horizon_flips": [list(pair) for pair in self.horizon_flips],
            "shortfall": self.shortfall, "condition_effects": self.condition_effects,
            "necessity": {n: {s: {c: (None if v is None or np.isnan(v) else v)
                                  for c, v in d.items()} for s, d in by.items()}
                          for n, by in self.necessity.items()},
        }

    def to_frame(self):
        """A pandas DataFrame, one row a policy (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise PolmodelError("to_frame needs pandas: pip install pandas") from None
        rows = {}
        for n, s in self.per_policy.items():
            flat = {k: v for k, v in s.items()
                    if k not in ("bottleneck_shares", "first_window_timing")}
            flat["worlds_with_window"] = s["first_window_timing"]["worlds_with_window"]
            flat["first_window_share_late"] = s["first_window_timing"]["share_late"]
            flat.update({f"binds_{c}": v for c, v in s["bottleneck_shares"].items()})
            flat.update({f"shortfall_{k}": v for k, v in self.shortfall[n].items()})
            rows[n] = flat
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("policy")

    def to_csv(self, path=None) -> str | None:
        """Every statistic as long CSV, pairs included; the text, or written to ``path``.

        One header line and no comments, so ``pandas.read_csv`` reads it as it is; the
        provenance is in columns (see :func:`polmodel.views.text.comparison_rows`).

        Parameters
        ----------
        path : str or Path, optional
            File to write; when None the CSV text is returned.

        Returns
        -------
        str or None
        """
        text = csv_text(*comparison_rows(self))
        if path is None:
            return text
        write_text(path, text)
        return None

    def plot(self, ax=None, kind: str = "peak", pair: tuple[str, str] | None = None):
        """A figure of the comparison; returns the axes.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
        kind : {"peak", "differences", "bottlenecks", "tradeoff", "pair"}
            Peak opening index per policy (box plots over worlds), paired differences against
            the baseline, which condition binds, index against humanitarian cost, or two
            policies world by world (``kind="pair"``, or any kind when ``pair`` is given).
        pair : (str, str), optional
            The two policies of a pair figure.
        """
        from polmodel.views import plots

        if pair is not None or kind == "pair":
            a, b = pair if pair is not None else (self.baseline, self.policies[-1])
            return plots.plot_pair(self, a, b, ax=ax)
        draw = {"peak": plots.plot_peak_distributions, "differences": plots.plot_paired_differences,
                "bottlenecks": plots.plot_bottleneck_shares, "tradeoff": plots.plot_tradeoff}
        if kind not in draw:
            raise PolmodelError(f"unknown kind {kind!r}; allowed: {', '.join([*draw, 'pair'])}")
        return draw[kind](self, ax=ax)

    def plot_pair(self, a: str, b: str, ax=None):
        """Policy ``a`` against policy ``b`` world by world (peak opening index); returns the axes."""
        from polmodel.views.plots import plot_pair

        return plot_pair(self, a, b, ax=ax)


