"""The numbers of a sweep: every grid point on the same worlds, kept or streamed in blocks.

:func:`answers` gives the question's number in every world at every grid point (the exact
path, up to :data:`~polmodel.analysis.streaming.EXACT_WORLDS` worlds). Above it,
:func:`streamed_statistics` draws the worlds in fixed blocks
(:mod:`polmodel.analysis.streaming`), answers every grid point on each block and keeps only
counts (shares: exactly the exact path's on the same worlds) or, for a median, a histogram per
point (within half a bin: ``(high - low) / 2**17`` of the outcome's range; months open, whole
numbers, exactly).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import product
from typing import Any

import numpy as np

from polmodel.analysis import streaming
from polmodel.analysis.options import RunOptions
from polmodel.analysis.questions import TIE, Question
from polmodel.analysis.streaming import (
    BINS,
    StreamedWorlds,
    bin_counts,
    fold,
    histogram_quantiles,
    integer_quantiles,
    stream_blocks,
    stream_bytes,
    stream_entropy,
)
from polmodel.analysis.sweep_axes import Axis, schedule
from polmodel.analysis.worlds import Worlds, uncertain_dimensions
from polmodel.scenario.definition import Scenario

ROWS_PER_CALL = 65536  # worlds evaluated per call: bounds memory, never changes results


def answers(run: RunOptions, sc: Scenario, w: Worlds, axes: list[Axis],
             question: Question) -> np.ndarray:
    """ndarray[n_points, n_worlds]: the question's number in every world at every grid point."""
    # Swept numbers become columns of the worlds (fixed ones too), set per point below.
    dims = uncertain_dimensions(sc)
    names = list(w.names)
    fixed = dict(w.fixed)
    values = w.values
    for a in axes:
        if a.kind == "parameter" and a.name not in names:
            names.append(a.name)
            fixed.pop(a.name, None)
            values = np.column_stack([values, np.full(len(w), dims[a.name][0])])
    agg = run.aggregator or sc.aggregator
    grid_points = list(product(*(a.grid for a in axes)))
    n = len(w)
    answers = np.empty((len(grid_points), n))
    # Points that share a lever schedule are stacked and evaluated in as few calls as possible.
    groups: dict[tuple, list[int]] = {}
    for k, pt in enumerate(grid_points):
        key = tuple(v for a, v in zip(axes, pt) if a.kind != "parameter")
        groups.setdefault(key, []).append(k)
    per_call = max(1, ROWS_PER_CALL // n)
    for ks in groups.values():
        schedules = [schedule(sc, question.policy, axes, grid_points[ks[0]])]
        if question.versus is not None:
            schedules.append(sc.schedule(question.versus))
        for start in range(0, len(ks), per_call):
            part = ks[start:start + per_call]
            block = np.tile(values, (len(part), 1))
            for i, k in enumerate(part):
                for a, v in zip(axes, grid_points[k]):
                    if a.kind == "parameter":
                        block[i * n:(i + 1) * n, names.index(a.name)] = v
            stacked = replace(w, names=tuple(names), values=block, fixed=fixed)
            outs = run.evaluate(stacked, schedules, agg, sc.structure)
            outs = dict(zip(question.policies, outs))
            answers[part] = question.values(outs).reshape(len(part), n)
    return answers


def _range(sc: Scenario, question: Question) -> tuple[float, float, bool]:
    """The known range of a one-policy outcome, and whether its values are whole numbers."""
    if question.outcome == "months_open":
        return 0.0, float(sc.horizon), True
    if question.outcome == "crisis_months":
        return 0.0, sc.horizon + 1.0, False
    return 0.0, 1.0, False  # the peak index, the exodus: shares in [0, 1]


@dataclass(frozen=True)
class SweepPlan:
    """What every block of a streamed sweep computes (sent to every worker)."""

    scenario: Scenario
    axes: tuple[Axis, ...]
    question: Question
    aggregator: Any
    chunk_size: int
    engine: str = "numpy"

    def kind(self) -> str:
        """"contrast" (counts either way), "window" (a count) or "median" (a histogram)."""
        if self.question.versus is not None:
            return "contrast"
        return "window" if self.question.outcome == "window" else "median"


def sweep_block(block: Worlds, plan: SweepPlan) -> dict[str, np.ndarray]:
    """Every grid point's answers on one block, reduced (top level, for processes)."""
    run = RunOptions(aggregator=plan.aggregator, chunk_size=plan.chunk_size, engine=plan.engine)
    a = answers(run, plan.scenario, block, list(plan.axes), plan.question)
    kind = plan.kind()
    if kind == "contrast":
        m = max(plan.question.margin, TIE)
        return {"higher": np.count_nonzero(a > m, axis=1), "lower": np.count_nonzero(a < -m, axis=1)}
    if kind == "window":
        return {"higher": np.count_nonzero(a > 0.5, axis=1)}
    low, high, whole = _range(plan.scenario, plan.question)
    if whole:
        return {"whole": bin_counts(a, low - 0.5, high + 0.5, int(high - low) + 1)}
    return {"hist": bin_counts(a, low, high, BINS), "hist_min": a.min(axis=1),
            "hist_max": a.max(axis=1)}


def streamed_statistics(run: RunOptions, sc: Scenario, axes: list[Axis], question: Question,
                        n_points: int):
    """A sweep's statistics over ``run.worlds`` worlds streamed in blocks.

    Returns
    -------
    stat, lower, band : ndarray[n_points], ndarray[n_points] or None, ndarray[n_points, 2] or None
        As :func:`polmodel.sweep` computes them from every world: shares from counts, a median
        and its 10-90% band from histograms.
    worlds : StreamedWorlds
    """
    worlds = StreamedWorlds(sc.name, int(run.worlds), run.seed if isinstance(run.seed, int) else None,
                            run.sampler, stream_entropy(run.seed), streaming.BLOCK)
    plan = SweepPlan(sc, tuple(axes), question, run.aggregator or sc.aggregator, run.chunk_size,
                     run.engine)
    progress = None if run.progress is None else (lambda k: run.progress(k * n_points))
    total = None
    for part in stream_blocks(sc, worlds, sweep_block, plan, executor=run.executor,
                              progress=progress):
        total = fold(total, part)
    n = worlds.n
    kind = plan.kind()
    if kind != "median":
        return total["higher"] / n, total["lower"] / n if kind == "contrast" else None, None, worlds
    low, high, whole = _range(sc, question)
    qs = [0.5, 0.1, 0.9] if len(axes) == 1 else [0.5]
    if whole:
        rows = [integer_quantiles(c, qs) + low for c in total["whole"]]
    else:
        rows = [histogram_quantiles(c, low, high, qs, lo, hi)
                for c, lo, hi in zip(total["hist"], total["hist_min"], total["hist_max"])]
    q = np.array(rows)
    return q[:, 0], None, (q[:, 1:] if len(axes) == 1 else None), worlds


def streamed_sweep_bytes(dimensions: int, points: int, policies: int, *, median: bool,
                         window: int = 1) -> int:
    """Estimated peak memory of a streamed sweep, whatever its number of worlds per point.

    One block's answers at every grid point (and their scratch), one call's stacked points,
    and the reductions: a histogram per point for a median, counts otherwise.
    """
    block = streaming.BLOCK
    scratch = points * block * 8 * 2 + max(block, ROWS_PER_CALL) * 8 * (dimensions + 2)
    kept = points * (BINS + 2) * 8 if median else points * 16
    return stream_bytes(dimensions, policies, kept, chunk=block, window=window) + scratch
