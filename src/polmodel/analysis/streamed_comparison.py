"""A comparison over more worlds than are kept: :class:`StreamedComparison`.

Above :data:`~polmodel.analysis.streaming.EXACT_WORLDS` worlds, :func:`polmodel.compare`
streams the worlds in fixed blocks (:mod:`polmodel.analysis.streaming`) and keeps only their
reductions (:mod:`polmodel.analysis.comparison_tally`). The result answers what a
:class:`~polmodel.analysis.comparison.Comparison` prints (``summary()``, ``to_dict()``,
``to_csv()``, ``to_frame()``, the HTML) with the same words: shares and counts as the exact
path counts them on the same worlds, means as sums of whole blocks, quantiles within half a
histogram bin. What needs every world (``outcomes``, ``difference()``, the peak and
paired-difference figures, ``plot_pair()``) raises one :class:`PolmodelError` saying to use
fewer worlds.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from polmodel.analysis import streaming
from polmodel.analysis.comparison_result import Comparison
from polmodel.analysis.comparison_tally import TallyPlan, evaluate_and_tally
from polmodel.analysis.streaming import (
    BINS,
    PAIR_BINS,
    StreamedWorlds,
    fold,
    histogram_quantiles,
    integer_quantiles,
    not_kept,
    quantile_error,
    stream_blocks,
    stream_bytes,
    stream_entropy,
)
from polmodel.analysis.verdicts import LATE, TIE
from polmodel.model.readings import MARKS
from polmodel.model.states import CONDITIONS, SCALES
from polmodel.model.structures import STRUCTURES

if TYPE_CHECKING:
    from polmodel.analysis.options import RunOptions
    from polmodel.scenario.definition import Scenario


class NotKept(Mapping):
    """The policies of a streamed run, by name, without their per-world outcomes."""

    def __init__(self, names, n: int) -> None:
        self._names, self._n = list(names), n

    def __getitem__(self, name: str):
        raise not_kept(f"outcomes[{name!r}] (per-world outcomes)", self._n)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass(frozen=True)
class StreamedComparison(Comparison):
    """Policies compared on more plausible worlds than are kept (streamed in blocks).

    A :class:`~polmodel.analysis.comparison.Comparison` whose per-world outcomes were
    reduced block by block: every statistic it prints is here; quantiles (medians, 10-90%
    ranges, the shortfall's 90%) are read from histograms, within :meth:`quantile_errors` of
    the exact ones; shares and counts are exact. ``worlds`` is a
    :class:`~polmodel.analysis.streaming.StreamedWorlds`. Paired differences are kept as
    histograms under the comparison's own AND only: ``pairwise(a, b, scale="strict")`` (or
    "graded") has its shares, and NaN for the difference's quantiles.
    """

    tally: Mapping[str, np.ndarray] = field(default_factory=dict)

    def quantile_errors(self) -> dict[str, float]:
        """The most each streamed quantile can differ from the exact one on the same worlds."""
        index = quantile_error(0.0, 1.0, BINS)
        return {"peak_index": index, "exodus": index, "shortfall": index,
                "crisis_months": quantile_error(0.0, self.horizon + 1.0, BINS),
                "difference": quantile_error(-1.0, 1.0, PAIR_BINS), "first_window": 0.0}

    def _quantiles(self, name: str, p: int, qs, high: float) -> np.ndarray:
        t = self.tally
        return histogram_quantiles(t[f"{name}_hist"][p], 0.0, high, qs, t[f"{name}_min"][p],
                                   t[f"{name}_max"][p])

    @cached_property
    def per_policy(self) -> dict[str, dict[str, Any]]:
        """Headline figures per policy, as :attr:`Comparison.per_policy` (quantiles streamed)."""
        t, n, h = self.tally, self.n_worlds, self.horizon
        out = {}
        for p, name in enumerate(self.policies):
            p10, p50, p90 = self._quantiles("peak", p, [0.1, 0.5, 0.9], 1.0)
            first = t["first"][p]
            opened = int(first.sum())
            out[name] = {
                "window_share": int(t["window"][p]) / n,
                "peak_index_median": float(p50), "peak_index_p10": float(p10),
                "peak_index_p90": float(p90),
                "months_open_mean": int(t["months_open"][p]) / n,
                "first_window_median": float(integer_quantiles(first, [0.5])[0]) if opened else None,
                "bottleneck_shares": dict(zip(self.leaves, (t["bottleneck"][p] / n).tolist())),
                "first_window_timing": {
                    "worlds_with_window": opened,
                    "share_late": int(first[max(h - LATE + 1, 0):].sum()) / opened if opened else None,
                    "late_months": LATE},
                "crisis_months_median": float(self._quantiles("crisis", p, [0.5], h + 1.0)[0]),
                "exodus_median": float(self._quantiles("exodus", p, [0.5], 1.0)[0]),
            }
        return out

    def _shares(self, r: int) -> dict[str, np.ndarray]:
        """Reading ``r``'s shares for every ordered pair, as :func:`pairwise_statistics` gives."""
        t, n = self.tally, self.n_worlds
        hi, lo, tie = (t[k][r] / n for k in ("higher", "lower", "tied"))
        np.fill_diagonal(tie, 1.0)
        return {"share_higher": hi + lo.T, "share_lower": lo + hi.T, "share_tied": tie + np.triu(tie, 1).T}

    def _pairwise_matrix(self, scale: str | None) -> dict[str, np.ndarray]:
        if scale not in self._pairwise_cache:
            stats = self._shares(0 if scale is None else 1 + list(SCALES).index(scale))
            k = len(self.policies)
            q = np.full((3, k, k), np.nan if scale is not None else 0.0)
            if scale is None:
                for i in range(k):
                    for j in range(i + 1, k):
                        q[:, i, j] = self._pair_quantiles(i, j, [0.1, 0.5, 0.9])
                        q[:, j, i] = -q[::-1, i, j]
            np.fill_diagonal(q[0], 0.0), np.fill_diagonal(q[1], 0.0), np.fill_diagonal(q[2], 0.0)
            stats.update({"difference_median": q[1] + 0.0, "difference_p10": q[0] + 0.0,
                          "difference_p90": q[2] + 0.0})  # pairwise_statistics' order
            self._pairwise_cache[scale] = stats
        return self._pairwise_cache[scale]

    @cached_property
    def _grid(self) -> dict:
        return {f"{s}/{k}": self._shares(3 + i * len(SCALES) + j)
                for i, s in enumerate(STRUCTURES) for j, k in enumerate(SCALES)}

    @cached_property
    def _horizon_grid(self) -> dict:
        first = 3 + len(STRUCTURES) * len(SCALES)
        marks = [month for month in MARKS if month < self.horizon]
        return {f"{month}/{k}": self._shares(first + m * len(SCALES) + j)
                for m, month in enumerate(marks) for j, k in enumerate(SCALES)}

    @cached_property
    def shortfall(self) -> dict[str, dict[str, float]]:
        """As :attr:`Comparison.shortfall`; its 90% point streamed."""
        t, n = self.tally, self.n_worlds
        return {name: {"mean": float(t["gap_sum"][p]) / n,
                       "p90": float(self._quantiles("gap", p, [0.9], 1.0)[0]),
                       "max": float(t["gap_max"][p]), "share_highest": int(t["highest"][p]) / n}
                for p, name in enumerate(self.policies)}

    @cached_property
    def condition_effects(self) -> dict[str, dict[str, dict[str, float]]]:
        """As :attr:`Comparison.condition_effects`, means from sums of whole blocks."""
        t, n = self.tally, self.n_worlds
        return {name: {c: {"mean_change": float(t["change_sum"][p, i]) / n,
                           "share_raised": int(t["raised"][p, i]) / n}
                       for i, c in enumerate(CONDITIONS)}
                for p, name in enumerate(self.policies)}

    @cached_property
    def necessity(self) -> dict[str, dict[str, dict[str, float | None]]]:
        """As :attr:`Comparison.necessity`, from sums of whole blocks."""
        t = self.tally
        out = {}
        for p, name in enumerate(self.policies):
            out[name] = {}
            for s, (sname, st) in enumerate(STRUCTURES.items()):
                total = float(t["outcome_sum"][p, s])
                out[name][sname] = {c: (None if c in st.leaves else
                                        float(t["overlap_sum"][p, s, i]) / total if total > 0
                                        else float("nan"))
                                    for i, c in enumerate(CONDITIONS)}
        return out

    def _pair_quantiles(self, i: int, j: int, qs) -> np.ndarray:
        """Quantiles of policy ``i``'s peak index minus policy ``j``'s, across worlds."""
        if i > j:
            return -self._pair_quantiles(j, i, [1.0 - q for q in qs])
        k, t = len(self.policies), self.tally
        row = i * (k - 1) - i * (i - 1) // 2 + (j - i - 1)  # pairs (i, j), i < j, in order
        return histogram_quantiles(t["diff_hist"][row], -1.0, 1.0, qs, t["diff_min"][row],
                                   t["diff_max"][row])

    def box_stats(self, kind: str) -> list[dict[str, float]]:
        """Boxes (25-75%, median, whiskers 5-95%) for the figures, from the histograms.

        ``kind`` "peak": the peak index of each policy; "differences": each policy's paired
        difference against the baseline. As :meth:`matplotlib.axes.Axes.bxp` reads them.
        """
        qs = [0.05, 0.25, 0.5, 0.75, 0.95]
        names = self.policies
        if kind == "peak":
            values = [self._quantiles("peak", p, qs, 1.0) for p in range(len(names))]
        else:
            b = names.index(self.baseline)
            values = [self._pair_quantiles(p, b, qs) for p, n in enumerate(names) if p != b]
        return [dict(zip(("whislo", "q1", "med", "q3", "whishi"), map(float, v))) for v in values]

    def plot(self, ax=None, kind: str = "peak", pair: tuple[str, str] | None = None):
        """As :meth:`Comparison.plot`, boxes from histograms; a pair's figure needs every world."""
        if pair is not None or kind == "pair":
            raise not_kept("plot(kind='pair')", self.n_worlds)
        return super().plot(ax=ax, kind=kind)

    def plot_pair(self, a: str, b: str, ax=None):
        """Needs every world: raises :class:`PolmodelError`."""
        raise not_kept("plot_pair()", self.n_worlds)


def compare_streamed(run: RunOptions, sc: Scenario, names: list[str], schedules: list,
                     aggregator) -> StreamedComparison:
    """:func:`polmodel.compare` above :data:`EXACT_WORLDS` worlds: blocks drawn, tallied, folded."""
    worlds = StreamedWorlds(sc.name, int(run.worlds), run.seed if isinstance(run.seed, int) else None,
                            run.sampler, stream_entropy(run.seed), streaming.BLOCK)
    structure = sc.structure
    plan = TallyPlan(schedules=tuple(schedules), aggregator=aggregator, structure=structure,
                     chunk_size=run.chunk_size, baseline=names.index(sc.baseline),
                     leaves=len(STRUCTURES[structure].leaves), horizon=sc.horizon,
                     margin=sc.tie_margin + TIE, engine=run.engine)
    total = None
    for part in stream_blocks(sc, worlds, evaluate_and_tally, plan, executor=run.executor,
                              progress=run.progress):
        total = fold(total, part)
    errors = quantile_error(0.0, 1.0, BINS)
    note = (f"{worlds.n:,} worlds, streamed in blocks of {worlds.block:,}: medians and 10-90% ranges are "
            f"read from histograms, within {errors:.1g} of the exact ones on the index "
            f"({quantile_error(-1.0, 1.0, PAIR_BINS):.1g} on paired differences); shares are "
            "exact.")
    return StreamedComparison(
        scenario=sc.label, title=sc.title, baseline=sc.baseline, horizon=sc.horizon,
        aggregator=aggregator, worlds=worlds, outcomes=NotKept(names, worlds.n),
        tie_margin=sc.tie_margin, structure=structure,
        note=" ".join(x for x in (sc.defaults_note(), note) if x), tally=total)


def streamed_comparison_bytes(dimensions: int, policies: int, horizon: int, chunk: int,
                              window: int = 1) -> int:
    """Estimated peak memory of :func:`compare_streamed`, whatever the number of worlds."""
    pairs = policies * (policies - 1) // 2
    readings = 3 + 2 * len(STRUCTURES) + 2 * len(MARKS)
    hist = 8 * (policies * (4 * BINS + horizon + 16) + pairs * PAIR_BINS
                + 3 * readings * policies * policies)
    return stream_bytes(dimensions, policies, hist, chunk=chunk, window=window)
