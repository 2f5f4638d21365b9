"""Sweeps: one or two assumptions or lever settings over a grid, each point an ensemble.

At every grid point the *same* sampled worlds run, with only the swept numbers changed, so
differences between points are paired, as between policies in :func:`polmodel.compare`. What
a point holds depends on the question:

- **two policies**, A against B (``policy=A, versus=B``; the scenario's contrast when no policy
  is given): the share of plausible worlds where A gives the higher outcome (by more than the
  scenario's tie margin for the opening index), the share where B does, and the share of ties.
  The *verdict* at a point is the policy with the higher outcome in more worlds ("even" when
  the two shares are equal), and :meth:`Sweep.crossovers` says between which grid points it
  changes;
- **one policy**: the share of worlds where a window opens under it (``outcome="window"``, the
  default), or the median of another outcome with the 10-90% band of worlds.

Axes are written as :mod:`polmodel.analysis.sweep_axes` reads them; an uncertain number is swept
over its plausible range by default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from polmodel.analysis import streaming
from polmodel.analysis.options import RunOptions, documents_run_keywords
from polmodel.analysis.questions import OUTCOMES, TIE, Question, margin, question_for
from polmodel.analysis.sweep_answers import ROWS_PER_CALL, streamed_statistics, streamed_sweep_bytes
from polmodel.analysis.sweep_answers import answers as _answers
from polmodel.analysis.sweep_axes import Axis, parse_axis
from polmodel.analysis.worlds import DEFAULT_CHUNK, Worlds, uncertain_dimensions
from polmodel.errors import PolmodelError
from polmodel.model.structures import DEFAULT_STRUCTURE
from polmodel.scenario.definition import Scenario

__all__ = ["Axis", "Sweep", "parse_axis", "sweep"]

EVEN = "even"
"""The verdict at a point where both policies give the higher outcome in as many worlds."""


@dataclass(frozen=True)
class Sweep:
    """An answer over a grid of one or two axes, each point on the same plausible worlds.

    Attributes
    ----------
    axes : tuple of str
    grids : tuple of ndarray
    values : ndarray[n_x] or ndarray[n_x, n_y]
        For two policies: the share of worlds where the first gives the higher outcome. For one
        policy: the share of worlds with a window, or the median of the outcome.
    lower, tied : ndarray[n_x] or ndarray[n_x, n_y], or None
        For two policies: the share of worlds where the second gives the higher outcome, and
        the share of ties (``values + lower + tied`` is 1 at every point). None for one policy.
    band : ndarray[n_x, 2] or None
        10-90% of worlds, for a median along one axis.
    structure : str
        The formula of the opening index every point was read under (the scenario's, or
        ``structure=``).
    n_worlds : int
        Worlds at every point (the same worlds).
    sampler : {"lhs", "sobol"}
        How those worlds were drawn.
    """

    scenario: str
    title: str
    question: Question
    axes: tuple[str, ...]
    grids: tuple[np.ndarray, ...]
    values: np.ndarray
    band: np.ndarray | None
    statistic: str
    n_worlds: int
    seed: int | None
    aggregator: str
    horizon: int
    settings: Mapping[str, Any]
    lower: np.ndarray | None = None
    tied: np.ndarray | None = None
    sampler: str = "lhs"
    structure: str = DEFAULT_STRUCTURE

    @property
    def is_contrast(self) -> bool:
        """Whether the sweep asks about two policies (higher, lower and tied shares)."""
        return self.lower is not None

    def counts(self, share: np.ndarray) -> np.ndarray:
        """Worlds behind a share at each point (``share`` x :attr:`n_worlds`, as whole numbers)."""
        return np.rint(np.asarray(share) * self.n_worlds).astype(int)

    def statistic_label(self) -> str:
        """What :attr:`values` are, in words."""
        if self.statistic == "share":
            return f"share of plausible worlds where {self.question.text()}"
        return f"median {OUTCOMES[self.question.outcome][0].removeprefix('the ')}" + (
            f" ({self.question.policy} minus {self.question.versus})" if self.question.versus else
            f" under {self.question.policy}")

    def lower_label(self) -> str:
        """What :attr:`lower` is, in words (two policies only)."""
        q = self.question
        return f"share of plausible worlds where {Question(q.versus, q.policy, q.outcome, q.margin).text()}"

    def tie_words(self) -> str:
        """What counts as a tie, in words."""
        q = self.question
        if q.outcome == "window":
            return "both open a window or neither does"
        return f"within {q.margin:g} of each other" if q.margin > TIE else "the same outcome"

    def verdicts(self) -> np.ndarray:
        """At each point the verdict: the policy with the higher outcome in more worlds, or "even".

        Counted in worlds, so two shares that differ by one world are not "even".
        """
        if not self.is_contrast:
            raise PolmodelError("verdicts: this sweep asks about one policy; give policy= and "
                                "versus= for two")
        net = self.counts(self.values) - self.counts(self.lower)
        out = np.full(net.shape, EVEN, dtype=object)
        out[net > 0] = self.question.policy
        out[net < 0] = self.question.versus
        return out

    def crossovers(self) -> list[dict[str, Any]]:
        """Where the verdict changes between neighbouring points along the first axis.

        One entry per change (for two axes, per value of the second axis): the two grid values
        it lies between, ``near`` (where the difference of the two shares, interpolated
        linearly, is zero), the verdict before and after. Empty for one policy, or where the
        verdict is the same at every point.
        """
        if not self.is_contrast:
            return []
        net = (self.counts(self.values) - self.counts(self.lower)).reshape(len(self.grids[0]), -1)
        sides = self.verdicts().reshape(net.shape)
        x = self.grids[0]
        out = []
        for j in range(net.shape[1]):
            at = {self.axes[1]: float(self.grids[1][j])} if len(self.axes) == 2 else {}
            for i in range(len(x) - 1):
                if sides[i, j] == sides[i + 1, j]:
                    continue
                a, b = float(net[i, j]), float(net[i + 1, j])
                near = float(x[i]) if a == 0 else float(x[i + 1]) if b == 0 else \
                    float(x[i] + (x[i + 1] - x[i]) * a / (a - b))
                out.append({"axis": self.axes[0], "at": at,
                            "between": [float(x[i]), float(x[i + 1])], "near": near,
                            "from": str(sides[i, j]), "to": str(sides[i + 1, j])})
        return out

    def headline(self) -> str:
        """The answer in a few sentences: shares at their extremes, crossovers, worlds per point."""
        from polmodel.views.sweep_text import headline

        return headline(self)

    def provenance(self) -> str:
        """Version, scenario, question, seed, worlds per point, what-ifs."""
        from polmodel.scenario.whatif import describe_settings
        from polmodel.views.text import counted, provenance

        return provenance(scenario=self.scenario, question=self.question.label(), seed=self.seed,
                          sampler=self.sampler, worlds=f"{self.n_worlds} per point",
                          horizon=counted(self.horizon, "month"), structure=self.structure,
                          aggregator=self.aggregator, what_ifs=describe_settings(self.settings))

    def summary(self) -> str:
        """The sentences, the grid as a table, the crossovers, the caveat and the provenance."""
        from polmodel.views.sweep_text import summary

        return summary(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        from polmodel.views.text import counted

        shape = "x".join(str(len(g)) for g in self.grids)
        return (f"Sweep({self.scenario!r}, {' x '.join(self.axes)}, {shape} points x "
                f"{counted(self.n_worlds, 'world')}, {self.statistic_label()!r})")

    def _repr_html_(self) -> str:
        from polmodel.views.sweep_text import summary_html

        return summary_html(self)

    def rows(self) -> list[dict[str, Any]]:
        """One row per grid point: the axes' values, the shares or median, the worlds behind them."""
        from polmodel.views.sweep_text import rows

        return rows(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the question, the sentences, every grid point and the crossovers."""
        from polmodel.views.sweep_text import to_dict

        return to_dict(self)

    def to_frame(self):
        """A pandas DataFrame, one row a grid point (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise PolmodelError("to_frame needs pandas: pip install pandas") from None
        return pd.DataFrame(self.rows())

    def to_csv(self, path=None) -> str:
        """The grid points as CSV, provenance in leading columns; also written to ``path``."""
        from polmodel.views.sweep_text import to_csv

        text = to_csv(self)
        if path is not None:
            from polmodel.views.text import write_text

            write_text(path, text)
        return text

    def plot(self, ax=None):
        """Lines of the shares along one axis, or a heatmap for two. Returns the axes."""
        from polmodel.views.sweep_plots import plot_sweep

        return plot_sweep(self, ax=ax)


def _question(sc: Scenario, policy: str | None, versus: str | None, outcome: str | None) -> Question:
    """Two policies: A against B (peak index by default); one: its window (by default)."""
    if outcome is None:
        outcome = "window" if policy is not None and versus is None else "peak_index"
    if outcome == "window" and versus is None:  # never the scenario's contrast here
        question = Question(policy or sc.baseline, None, outcome, margin(sc, outcome))
        question.check(sc)
        return question
    return question_for(sc, policy, versus, outcome)


@documents_run_keywords("seed", "sampler", "horizon", "aggregator", "structure", "parameters",
                        "executor", "chunk_size", "progress", "engine")
def sweep(
    scenario: Scenario | str = "venezuela-2018",
    x: str = "lever.targeted_sanctions",
    y: str | None = None,
    *,
    policy: str | None = None,
    versus: str | None = None,
    outcome: str | None = None,
    points: int = 11,
    worlds: int | Worlds = 1000,
    seed: int | np.random.Generator | None = 0,
    sampler: str = "lhs",
    horizon: int | None = None,
    aggregator: str | None = None,
    structure: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    initial: Mapping[str, Any] | None = None,
    executor: Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
    engine: str = "numpy",
) -> Sweep:
    """Sweep one or two axes over a grid; each point an ensemble on the same worlds.

    Parameters
    ----------
    scenario : Scenario or str
    x, y : str
        Axes: ``NAME`` or ``NAME=LOW:HIGH`` with NAME an uncertain number (``rally``,
        ``initial.crisis``: its plausible range by default), ``lever.<lever>`` (intensity) or
        ``start.<lever>`` (start month).
    policy, versus : str, optional
        Both: ``policy`` against ``versus``, as shares of worlds where each gives the higher
        outcome and of ties. ``policy`` alone: its own outcome. Neither: the scenario's contrast
        (else its first policy against the baseline). Lever axes change ``policy``.
    outcome : str, optional
        What is compared: ``"peak_index"`` (the default for two policies), ``"window"`` (the
        default for one: the share of worlds where a window opens under it), ``"months_open"``,
        ``"crisis_months"``, ``"exodus"`` (for one policy, their median).
    points : int
        Grid points per axis (start months are whole, so fewer may result).
    worlds : int or Worlds
        Worlds per point, the same at every point: a number to sample, or worlds already
        sampled from this scenario (:func:`polmodel.sample_worlds`).
    <run keywords>

    Returns
    -------
    Sweep

    Notes
    -----
    Above :data:`~polmodel.analysis.streaming.EXACT_WORLDS` (200,000) worlds per point, the
    worlds are streamed in fixed blocks (:mod:`polmodel.analysis.sweep_answers`): memory does
    not grow with them; shares are those of the exact path on the same worlds, a median and its
    band within half a histogram bin (``(high - low) / 2**17`` of the outcome's range).

    Examples
    --------
    >>> s = sweep("venezuela-2018", "rally", policy="targeted", versus="broad", points=3,
    ...           worlds=100)
    >>> s.values.shape, bool(np.allclose(s.values + s.lower + s.tied, 1))
    ((3,), True)
    """
    from polmodel.limits import check_memory, check_text, check_whole, sweep_bytes

    run = RunOptions(worlds=worlds, seed=seed, sampler=sampler, horizon=horizon,
                     aggregator=aggregator, structure=structure, executor=executor,
                     chunk_size=chunk_size, progress=progress, parameters=parameters,
                     initial=initial, engine=engine)
    check_text(x, "x")
    check_text(y, "y", optional=True)
    points = check_whole(points, "points", 2, 1_000)
    sc = run.scenario(scenario)
    question = _question(sc, policy, versus, outcome)
    axes = [parse_axis(x, sc, question.policy, points)]
    if y is not None:
        axes.append(parse_axis(y, sc, question.policy, points))
        if axes[1].name == axes[0].name:
            raise PolmodelError(f"sweep: the two axes are both {axes[0].name}; give two different ones")
    # The whole sweep's memory (the worlds, every point's answers, one call's block) is checked
    # before anything is sampled: a grid too large for memory stops here, not minutes later.
    n_worlds = len(run.worlds) if isinstance(run.worlds, Worlds) else run.worlds
    n_points = int(np.prod([len(a.grid) for a in axes]))
    n_dims = len(uncertain_dimensions(sc)) + len(axes)
    per_axis = " x ".join(str(len(a.grid)) for a in axes)
    streamed = streaming.streams(run.worlds)
    big = streamed_sweep_bytes(n_dims, n_points, len(question.policies), window=run.window,
                               median=question.versus is None and question.outcome != "window")

    def need(k: int) -> int:
        return big if streaming.streams(k) else sweep_bytes(
            k, n_dims, n_points, len(question.policies), ROWS_PER_CALL)

    check_memory(n_worlds, n_dims, len(question.policies), need=need,
                 request=f"a sweep of {n_points:,} points (--points {points}"
                         f"{'' if len(axes) == 1 else ', ' + per_axis + ' grid'}) x "
                         f"{n_worlds:,} worlds (--worlds) each",
                 fewer="fewer --points or --worlds")
    if streamed:  # above EXACT_WORLDS: worlds drawn in blocks, every point reduced per block
        stat, lower, band, w = streamed_statistics(run, sc, axes, question, n_points)
    else:
        w = run.sample(sc)
        stat, lower, band = _statistics(_answers(run, sc, w, axes, question), question, len(axes))
    shape = tuple(len(a.grid) for a in axes)
    tied = None
    if lower is not None:
        tied = (1.0 - stat - lower).reshape(shape)
        lower = lower.reshape(shape)
    return Sweep(scenario=sc.label, title=sc.title, question=question,
                 axes=tuple(a.name for a in axes), grids=tuple(a.grid for a in axes),
                 values=stat.reshape(shape), band=band,
                 statistic="median" if question.versus is None and question.outcome != "window"
                 else "share", n_worlds=len(w), seed=w.seed, aggregator=run.aggregator or sc.aggregator,
                 structure=sc.structure, horizon=sc.horizon, settings=run.settings, lower=lower,
                 tied=tied, sampler=w.sampler)


def _statistics(answers: np.ndarray, question: Question, n_axes: int):
    """Shares, or a median and its 10-90% band, from every world's answers at every point."""
    if question.versus is not None:
        m = max(question.margin, TIE)
        return (answers > m).mean(axis=1), (answers < -m).mean(axis=1), None
    if question.outcome == "window":
        return (answers > 0.5).mean(axis=1), None, None
    band = np.quantile(answers, [0.1, 0.9], axis=1).T if n_axes == 1 else None
    return np.median(answers, axis=1), None, band
