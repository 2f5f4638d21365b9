"""What an ensemble keeps of each run: :class:`PolicyOutcomes`, per world and in compact dtypes.

Trajectories are never kept across worlds; these arrays are (one row a world), and every
statistic of a comparison, a sensitivity analysis or a sweep is computed from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from polmodel.analysis._stats import median
from polmodel.limits import MONTHS_DTYPE
from polmodel.model.integrator import Outcomes
from polmodel.model.readings import MARKS
from polmodel.model.states import CONDITIONS, STATES
from polmodel.model.structures import STRUCTURES


@dataclass(frozen=True)
class PolicyOutcomes:
    """Per-world outcomes of one policy across an ensemble (no trajectories).

    Attributes
    ----------
    peak_index : ndarray[n_worlds]
        Highest opening index over the horizon.
    peak_strict, peak_graded : ndarray[n_worlds]
        Highest opening index under the strict AND (``min``) and the graded AND (``product``,
        on the geometric-mean scale), whatever the aggregator.
    months_open : ndarray[n_worlds] of int
        Months with a window.
    first_window : ndarray[n_worlds]
        First month with a window; NaN where none opened.
    bottleneck : ndarray[n_worlds] of int
        State of the structure's formula (index into its leaves; for the memo's structure,
        into CONDITIONS) that bound for the most months.
    crisis_months : ndarray[n_worlds]
        Sum of crisis membership over the months.
    exodus : ndarray[n_worlds]
        Share of the population emigrated at the horizon.
    condition_mean : ndarray[n_worlds, 4]
        Mean membership of each condition over the horizon.
    at_peak : ndarray[n_worlds, 4]
        The conditions in the month the opening index peaked.
    condition_peak : ndarray[n_worlds, 4]
        Highest membership of each condition over the horizon.
    readings : ndarray[n_worlds, n_structures, 2]
        Peak opening index under every built-in structure, strict and graded.
    marks : ndarray[n_worlds, len(MARKS), 2]
        Peak strict and graded index of the run's structure at 24, 36 and 60 months (NaN
        beyond the horizon).
    """

    peak_index: np.ndarray
    peak_strict: np.ndarray
    peak_graded: np.ndarray
    months_open: np.ndarray
    first_window: np.ndarray
    bottleneck: np.ndarray
    crisis_months: np.ndarray
    exodus: np.ndarray
    condition_mean: np.ndarray
    at_peak: np.ndarray
    condition_peak: np.ndarray
    readings: np.ndarray
    marks: np.ndarray

    def __repr__(self) -> str:
        return (f"PolicyOutcomes(n_worlds={self.peak_index.shape[0]}, "
                f"window_share={float(self.window.mean()):.3f}, "
                f"peak_index_median={median(self.peak_index):.3f})")

    @property
    def window(self) -> np.ndarray:
        """ndarray[n_worlds] of bool: a window opened at some month."""
        return self.months_open > 0

    @classmethod
    def empty(cls, n: int) -> PolicyOutcomes:
        """Unfilled outcomes for ``n`` worlds, in the dtypes :func:`policy_outcomes` gives."""
        c, f8, f4 = len(CONDITIONS), np.float64, np.float32
        shapes = dict(peak_index=((), f8), peak_strict=((), f8), peak_graded=((), f8),
                      months_open=((), MONTHS_DTYPE), first_window=((), f4),
                      bottleneck=((), np.int8), crisis_months=((), f4), exodus=((), f4),
                      condition_mean=((c,), f4), at_peak=((c,), f4), condition_peak=((c,), f4),
                      readings=((len(STRUCTURES), 2), f8), marks=((len(MARKS), 2), f4))
        return cls(**{f: np.empty((n, *shape), dtype) for f, (shape, dtype) in shapes.items()})

    def kernel_targets(self, start: int, stop: int) -> dict:
        """Rows ``start:stop`` of every field, named as the compiled kernel's outputs.

        The kernel then writes a chunk's outcomes here, in these dtypes, with nothing between
        (:func:`polmodel.model.compiled.run_kernels`).
        """
        from polmodel.model.compiled import slot_views

        rows = {f: getattr(self, f)[start:stop] for f in self.__dataclass_fields__}
        rows[f"final[{STATES.index('exodus')}]"] = rows.pop("exodus")
        return slot_views(rows)

    @classmethod
    def empty_like(cls, part: PolicyOutcomes, n: int) -> PolicyOutcomes:
        """Unfilled outcomes for ``n`` worlds, with the dtypes and trailing shapes of ``part``."""
        return cls(**{f: np.empty((n, *getattr(part, f).shape[1:]), getattr(part, f).dtype)
                      for f in cls.__dataclass_fields__})

    def fill(self, start: int, part: PolicyOutcomes) -> None:
        """Copy a chunk's outcomes into rows ``start:start + len(part)``."""
        for f in self.__dataclass_fields__:
            src = getattr(part, f)
            getattr(self, f)[start : start + len(src)] = src


def policy_outcomes(o: Outcomes) -> PolicyOutcomes:
    """What an ensemble keeps of a run's outcomes, in compact dtypes."""
    return PolicyOutcomes(
        peak_index=o.peak_index,
        peak_strict=o.peak_strict,
        peak_graded=o.peak_graded,
        months_open=o.months_open.astype(MONTHS_DTYPE),
        first_window=o.first_window.astype(np.float32),
        bottleneck=o.bottleneck.astype(np.int8),
        crisis_months=o.crisis_months.astype(np.float32),
        exodus=o.final[:, STATES.index("exodus")].astype(np.float32),
        condition_mean=o.condition_mean.astype(np.float32),
        at_peak=o.at_peak.astype(np.float32),
        condition_peak=o.condition_peak.astype(np.float32),
        readings=o.readings,
        marks=o.marks.astype(np.float32),
    )
