"""Verdicts read every way the model allows: under every structure, both ANDs, and several horizons.

A verdict says which of two policies gives the higher peak opening index in more plausible
worlds (beyond the tie margin). Each run keeps every structure's peaks under the strict and the
graded AND (:attr:`polmodel.model.integrator.Outcomes.readings`) and the run's own peaks at 24,
36 and 60 months (``marks``), so these readings cost no further simulation. A verdict that holds
under every reading depends on none of these assumptions; one that flips depends on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

import numpy as np

from polmodel.analysis.paired import necessity_consistency, pairwise_statistics
from polmodel.model.readings import MARKS
from polmodel.model.states import CONDITIONS, SCALES
from polmodel.model.structures import STRUCTURES

TIE = 1e-9
"""Differences smaller than this are exact ties."""

LATE = 12
"""A first window in the last this-many months of the horizon counts as late."""


def reading_name(structure: str, scale: str) -> str:
    """How a reading is named in tables and JSON: ``memo/strict``."""
    return f"{structure}/{scale}"


def reading_of(higher: float, lower: float) -> str:
    """A verdict from ``a``'s side: "higher" or "lower" in more worlds, or "even"."""
    return "higher" if higher > lower else "lower" if lower > higher else "even"


def reading_at(stats: Mapping[str, np.ndarray], i: int, j: int) -> dict:
    """The verdict of policy ``i`` against ``j`` from :func:`pairwise_statistics` arrays."""
    hi, lo = float(stats["share_higher"][i, j]), float(stats["share_lower"][i, j])
    return {"reading": reading_of(hi, lo),
            "share_higher": hi, "share_lower": lo, "share_tied": float(stats["share_tied"][i, j])}


def reading_grid(outcomes: Mapping, margin: float) -> dict[str, dict]:
    """Every pair's verdict under every structure and both ANDs.

    Returns
    -------
    dict
        ``{reading name: {"statistics": arrays[n_policies, n_policies]}}`` for every
        ``structure/scale``, in :data:`STRUCTURES` then :data:`SCALES` order.
    """
    out = {}
    for s, name in enumerate(STRUCTURES):
        for k, scale in enumerate(SCALES):
            peaks = np.stack([o.readings[:, s, k] for o in outcomes.values()]).astype(float)
            out[reading_name(name, scale)] = pairwise_statistics(peaks, margin)
    return out


def pair_readings(grid: Mapping, policies: list[str], a: str, b: str) -> dict[str, dict]:
    """One pair's verdict under each reading of :func:`reading_grid`."""
    i, j = policies.index(a), policies.index(b)
    return {name: reading_at(stats, i, j) for name, stats in grid.items()}


def horizon_grid(outcomes: Mapping, horizon: int, margin: float) -> dict[str, dict]:
    """Every pair's verdict at each mark within the horizon, under the run's structure.

    Keys are ``"<month>/<scale>"`` for each of :data:`MARKS` below the horizon; the horizon
    itself is the comparison's own verdict.
    """
    out = {}
    for m, month in enumerate(MARKS):
        if month >= horizon:
            continue
        for k, scale in enumerate(SCALES):
            peaks = np.stack([o.marks[:, m, k] for o in outcomes.values()]).astype(float)
            out[f"{month}/{scale}"] = pairwise_statistics(peaks, margin)
    return out


def first_window_timing(o, horizon: int) -> dict:
    """When first windows open, relative to the horizon, and how many worlds that rests on."""
    first = o.first_window[o.window].astype(float)
    return {"worlds_with_window": int(first.size),
            "share_late": float((first > horizon - LATE).mean()) if first.size else None,
            "late_months": LATE}


def structure_necessity(o) -> dict[str, dict[str, float | None]]:
    """Necessity of each condition for the opening under each structure that does not contain it.

    Cases are worlds; the outcome is a structure's strict peak index, the condition's
    membership its highest over the horizon (``condition_peak``): consistency is
    ``sum(min(x, y)) / sum(y)``. Within its own structure a condition is necessary by
    construction and is left out (None): only what could be otherwise is reported.
    """
    out = {}
    for s, (name, st) in enumerate(STRUCTURES.items()):
        y = o.readings[:, s, 0].astype(float)
        out[name] = {c: (None if c in st.leaves else
                         necessity_consistency(o.condition_peak[:, i].astype(float), y))
                     for i, c in enumerate(CONDITIONS)}
    return out


class EveryReading:
    """The readings of a comparison's verdicts: every structure and AND, and earlier horizons.

    A mixin of :class:`polmodel.analysis.comparison.Comparison`: it reads ``outcomes``,
    ``policies``, ``margin``, ``horizon``, :meth:`verdict` and ``_check``.
    """

    @cached_property
    def _grid(self) -> dict:
        return reading_grid(self.outcomes, self.margin + TIE)

    def readings(self, a: str, b: str) -> dict[str, dict]:
        """The verdict of ``a`` against ``b`` under every structure and both ANDs.

        Keys are ``structure/scale`` (``memo/strict``, ``defection/graded`` ...); each value
        has the reading ("higher", "lower" or "even", from ``a``'s side) and the shares.
        """
        self._check(a), self._check(b)  # checks the names
        return pair_readings(self._grid, self.policies, a, b)

    def holds(self, a: str, b: str) -> tuple[int, int]:
        """Under how many readings (structures x ANDs) the comparison's own verdict holds, of how many."""
        pw = self.pairwise(a, b)  # under the comparison's own AND, as its table shows
        own = reading_of(pw["share_higher"], pw["share_lower"])
        readings = self.readings(a, b)
        return sum(r["reading"] == own for r in readings.values()), len(readings)

    @cached_property
    def structure_flips(self) -> list[tuple[str, str]]:
        """Pairs whose verdict is not the same under every structure and both ANDs."""
        names = self.policies
        return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
                if len({r["reading"] for r in self.readings(a, b).values()}) > 1]

    @cached_property
    def _horizon_grid(self) -> dict:
        return horizon_grid(self.outcomes, self.horizon, self.margin + TIE)

    def at_months(self, a: str, b: str) -> dict[str, dict]:
        """The verdict of ``a`` against ``b`` at 24, 36 and 60 months (those before the horizon).

        Keys are ``month/scale``; the horizon's own verdict is :meth:`verdict`.
        """
        self._check(a), self._check(b)
        i, j = self.policies.index(a), self.policies.index(b)
        return {k: reading_at(v, i, j) for k, v in self._horizon_grid.items()}

    @cached_property
    def horizon_flips(self) -> list[tuple[str, str]]:
        """Pairs whose verdict at an earlier mark differs from the verdict at the horizon."""
        names = self.policies
        out = []
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                v = self.verdict(a, b)
                if any(r["reading"] != v[key.split("/")[1]]["reading"]
                       for key, r in self.at_months(a, b).items()):
                    out.append((a, b))
        return out
