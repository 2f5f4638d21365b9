"""What a streamed comparison keeps of each block of worlds: counts, sums and histograms.

:func:`tally_block` reduces one block's per-world outcomes (every policy on the same worlds) to
everything :class:`~polmodel.analysis.streamed_comparison.StreamedComparison` reports; the
blocks' tallies are folded in block order (:func:`polmodel.analysis.streaming.fold`). Shares are
integer counts, so they equal the exact path's on the same worlds; means are sums of whole
blocks; quantiles come from histograms (:mod:`polmodel.analysis.streaming`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from polmodel.analysis.outcomes import PolicyOutcomes
from polmodel.analysis.streaming import BINS, PAIR_BINS, bin_counts
from polmodel.analysis.worlds import _evaluate
from polmodel.model.readings import MARKS
from polmodel.model.states import CONDITIONS, SCALES
from polmodel.model.structures import STRUCTURES

TIE = 1e-9  # as polmodel.analysis.verdicts.TIE (not imported: verdicts reads this module's user)


@dataclass(frozen=True)
class TallyPlan:
    """What to evaluate on each block and how to reduce it (sent to every worker).

    ``margin`` is the tie margin plus :data:`TIE`, as the exact path compares.
    """

    schedules: tuple
    aggregator: object
    structure: str
    chunk_size: int
    baseline: int
    leaves: int
    horizon: int
    margin: float
    engine: str = "numpy"

    @property
    def marks(self) -> list[int]:
        """Indices into :data:`MARKS` of the marks read before the horizon."""
        return [m for m, month in enumerate(MARKS) if month < self.horizon]

    def readings(self) -> list[str]:
        """Names of the readings whose pairs are counted, in order."""
        return (["own", *SCALES] + [f"{s}/{k}" for s in STRUCTURES for k in SCALES]
                + [f"{MARKS[m]}/{k}" for m in self.marks for k in SCALES])


def evaluate_and_tally(block, plan: TallyPlan) -> dict[str, np.ndarray]:
    """Run every policy on one block of worlds and tally it (top level, for processes)."""
    outs = _evaluate(block, plan.schedules, plan.aggregator, plan.chunk_size, None, None,
                     plan.structure, plan.engine)
    return tally_block(outs, plan)


def _peaks_of(outs: Sequence[PolicyOutcomes], plan: TallyPlan):
    """Each reading's peaks, ndarray[n_policies, n_worlds], in :meth:`TallyPlan.readings` order."""
    yield np.stack([o.peak_index for o in outs]).astype(float)
    yield np.stack([o.peak_strict for o in outs]).astype(float)
    yield np.stack([o.peak_graded for o in outs]).astype(float)
    for s in range(len(STRUCTURES)):
        for k in range(len(SCALES)):
            yield np.stack([o.readings[:, s, k] for o in outs]).astype(float)
    for m in plan.marks:
        for k in range(len(SCALES)):
            yield np.stack([o.marks[:, m, k] for o in outs]).astype(float)


def tally_block(outs: Sequence[PolicyOutcomes], plan: TallyPlan) -> dict[str, np.ndarray]:
    """One block's reductions: every key folds by addition (``*_min``/``*_max`` by min/max).

    Per policy: worlds with a window, months open, first-window months (counts by month),
    bottlenecks, histograms of the peak index, crisis-months, exodus and the shortfall from
    the highest policy (with their extremes), condition changes against the baseline (sums and
    counts), necessity sums. Per reading and ordered pair: worlds higher, lower and tied. Per
    unordered pair: a histogram of the paired difference of the index.
    """
    k = len(outs)
    n = len(outs[0].peak_index)
    h = plan.horizon
    t: dict[str, np.ndarray] = {"n": np.array(n)}
    t["window"] = np.array([int(np.count_nonzero(o.window)) for o in outs])
    t["months_open"] = np.array([int(o.months_open.sum(dtype=np.int64)) for o in outs])
    t["first"] = np.stack([np.bincount(o.first_window[o.window].astype(np.int64), minlength=h + 1)
                           [: h + 1] for o in outs])
    t["bottleneck"] = np.stack([np.bincount(o.bottleneck.astype(np.int64), minlength=plan.leaves)
                                for o in outs])
    peaks = np.stack([o.peak_index for o in outs]).astype(float)
    crisis = np.stack([o.crisis_months for o in outs]).astype(float)
    exodus = np.stack([o.exodus for o in outs]).astype(float)
    gap = peaks.max(axis=0) - peaks
    for name, x, high in (("peak", peaks, 1.0), ("crisis", crisis, h + 1.0),
                          ("exodus", exodus, 1.0), ("gap", gap, 1.0)):
        t[f"{name}_hist"] = bin_counts(x, 0.0, high, BINS)
        t[f"{name}_min"], t[f"{name}_max"] = x.min(axis=1), x.max(axis=1)
    t["gap_sum"] = gap.sum(axis=1)
    t["highest"] = np.count_nonzero(gap <= TIE, axis=1)
    base = outs[plan.baseline].condition_mean.astype(float)
    change = np.zeros((k, len(CONDITIONS)))
    raised = np.zeros((k, len(CONDITIONS)), dtype=np.int64)
    for p, o in enumerate(outs):
        d = o.condition_mean.astype(float) - base
        change[p] = d.sum(axis=0)
        raised[p] = np.count_nonzero(d > TIE, axis=0)
    t["change_sum"], t["raised"] = change, raised
    y = np.stack([o.readings[:, :, 0] for o in outs]).astype(float)  # [k, n, structures]
    t["outcome_sum"] = y.sum(axis=1)
    x = np.stack([o.condition_peak for o in outs]).astype(float)  # [k, n, conditions]
    t["overlap_sum"] = np.stack([np.minimum(x[:, :, c, None], y).sum(axis=1)
                                 for c in range(len(CONDITIONS))], axis=-1)  # [k, s, c]
    readings = plan.readings()
    higher = np.zeros((len(readings), k, k), dtype=np.int64)
    lower, tied = np.zeros_like(higher), np.zeros_like(higher)
    for r, p in enumerate(_peaks_of(outs, plan)):
        for i in range(k - 1):
            d = p[i] - p[i + 1:]
            higher[r, i, i + 1:] = np.count_nonzero(d > plan.margin, axis=1)
            lower[r, i, i + 1:] = np.count_nonzero(d < -plan.margin, axis=1)
            tied[r, i, i + 1:] = np.count_nonzero(np.abs(d) <= plan.margin, axis=1)
    t["higher"], t["lower"], t["tied"] = higher, lower, tied
    if k > 1:  # pairs (i, j), i < j, in order; one row of policies at a time bounds the scratch
        parts = [(bin_counts(d, -1.0, 1.0, PAIR_BINS), d.min(axis=1), d.max(axis=1))
                 for d in (peaks[i] - peaks[i + 1:] for i in range(k - 1))]
        t["diff_hist"], t["diff_min"], t["diff_max"] = (np.concatenate(z) for z in zip(*parts))
    return t
