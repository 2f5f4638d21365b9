"""Verdicts read every way the model allows: under every structure, both ANDs, and several horizons.

A verdict says which of two policies gives the higher peak opening index in more plausible
worlds (beyond the tie margin). Each run keeps every structure's peaks under the strict and the
graded AND (:attr:`polmodel.model.integrator.Outcomes.readings`) and the run's own peaks at 24,
36 and 60 months (``marks``), so these readings cost no further simulation. A verdict that holds
under every reading depends on none of these assumptions; one that flips depends on them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from polmodel.analysis.paired import necessity_consistency, pairwise_statistics
from polmodel.model.readings import MARKS
from polmodel.model.states import CONDITIONS, SCALES
from polmodel.model.structures import STRUCTURES

LATE = 12
"""A first window in the last this-many months of the horizon counts as late."""


def reading_name(structure: str, scale: str) -> str:
    """How a reading is named in tables and JSON: ``memo/strict``."""
    return f"{structure}/{scale}"


def reading_at(stats: Mapping[str, np.ndarray], i: int, j: int) -> dict:
    hi, lo = float(stats["share_higher"][i, j]), float(stats["share_lower"][i, j])
    return {"reading": "higher" if hi > lo else "lower" if lo > hi else "even",
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
