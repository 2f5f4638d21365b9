"""Sweeps: one or two assumptions or lever settings over a grid, each point an ensemble.

An axis is an uncertain number (``rally``, ``initial.crisis``: its plausible range by
default), a lever's intensity (``lever.targeted_sanctions``: 0 to 1) or a lever's start month
(``start.negotiation``: 0 to the horizon). Lever axes change the question's first policy. Every
grid point runs on the *same* sampled worlds, with only the swept numbers changed, so
differences between points are paired, as between policies in :func:`polmodel.compare`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from itertools import product
from typing import Any

import numpy as np

from polmodel.analysis.options import RunOptions, documents_run_keywords
from polmodel.analysis.questions import OUTCOMES, Question, margin, question_for
from polmodel.analysis.worlds import DEFAULT_CHUNK, Worlds, uncertain_dimensions
from polmodel.errors import PolmodelError
from polmodel.model.levers import LEVER_NAMES, LeverSetting, Policy
from polmodel.scenario.definition import Scenario
from polmodel.views.text import CAVEAT, provenance, result_html, result_text

ROWS_PER_CALL = 65536  # worlds evaluated per call: bounds memory, never changes results


@dataclass(frozen=True)
class Axis:
    """One swept dimension: ``kind`` is "parameter", "lever" (intensity) or "start" (month)."""

    name: str
    kind: str
    target: str
    grid: np.ndarray


def parse_axis(text: str, scenario: Scenario, policy: str, points: int,
               span: tuple[float, float] | None = None) -> Axis:
    """An axis from ``NAME`` or ``NAME=LOW:HIGH`` (``lever.X``, ``start.X`` or a what-if name).

    ``points`` is trusted: :func:`sweep` checked it.

    Raises
    ------
    PolmodelError
        One line naming the axis and what is allowed.
    """
    from polmodel.scenario.whatif import check, hard_limits, names, parse_setting

    name = text
    if "=" in text:
        name, setting = parse_setting(text, option="sweep axis")
        if not isinstance(setting, tuple):
            raise PolmodelError(f"sweep axis {text}: give a range NAME=LOW:HIGH, or the name alone")
        span = setting
    kind, _, target = name.partition(".")
    if kind in ("lever", "start"):
        if target not in LEVER_NAMES:
            raise PolmodelError(f"sweep axis {name}: unknown lever {target!r}; allowed: "
                                f"{', '.join(LEVER_NAMES)}")
        if kind == "start":
            if target not in scenario.policy(policy).levers:
                raise PolmodelError(f"sweep axis {name}: policy {policy!r} does not use {target}; "
                                    f"sweep lever.{target} or choose a policy that uses it")
            lo, hi = span or (0, scenario.horizon - 1)
            if not 0 <= lo <= hi <= scenario.horizon - 1 or lo != int(lo) or hi != int(hi):
                raise PolmodelError(f"sweep axis {name}: months {lo:g}:{hi:g}; allowed: whole "
                                    f"months from 0 to {scenario.horizon - 1}")
            return Axis(name, kind, target, np.unique(np.linspace(lo, hi, points).round()).astype(int))
        lo, hi = span or (0.0, 1.0)
        if not 0 <= lo <= hi <= 1:
            raise PolmodelError(f"sweep axis {name}: intensities {lo:g}:{hi:g}; allowed: 0 to 1")
        return Axis(name, kind, target, np.linspace(lo, hi, points))
    if name not in names(scenario):
        check(scenario, {name: 0.0}, option="sweep axis")  # raises the what-if message
    if span is None:
        u = scenario.initial[name[8:]] if name.startswith("initial.") else scenario.parameters[name]
        span = (u.low, u.high)
        if u.low == u.high:
            # Fixed by the scenario (range [v, v], or no range): it has no plausible range, and
            # sweeping its hard limits instead is not what anyone asked for (as with --set).
            lo, hi = hard_limits(name)
            where = scenario.path or scenario.label
            raise PolmodelError(f"sweep axis {name}: {where} fixes it at {u.value:g} (range "
                                f"[{u.low:g}, {u.high:g}]), so it has no range to sweep; give one, "
                                f"{name}=LOW:HIGH with LOW and HIGH from {lo:g} to {hi:g}, or give "
                                "it a range in the file")
    check(scenario, {name: tuple(span)}, option="sweep axis")
    return Axis(name, "parameter", name, np.linspace(span[0], span[1], points))


@dataclass(frozen=True)
class Sweep:
    """An answer over a grid of one or two axes, each point on the same plausible worlds.

    Attributes
    ----------
    axes : tuple of str
    grids : tuple of ndarray
    values : ndarray[n_x] or ndarray[n_x, n_y]
        The statistic at each point: the share of worlds where the question holds (a window
        opens; the first policy gives a higher outcome), or the median of the outcome.
    band : ndarray[n_x, 2] or None
        10-90% of worlds, for a median along one axis.
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

    def statistic_label(self) -> str:
        """What the numbers are, in words."""
        if self.statistic == "share":
            return f"share of plausible worlds where {self.question.text()}"
        return f"median {OUTCOMES[self.question.outcome][0].removeprefix('the ')}" + (
            f" ({self.question.policy} minus {self.question.versus})" if self.question.versus else
            f" under {self.question.policy}")

    def _fmt(self, v: float) -> str:
        return f"{v:.0%}" if self.statistic == "share" else f"{v:.3g}"

    def headline(self) -> str:
        """One sentence: where the statistic is highest and lowest on the grid."""
        v = self.values
        hi, lo = np.unravel_index(np.argmax(v), v.shape), np.unravel_index(np.argmin(v), v.shape)

        def at(ix):
            return " and ".join(f"{a} = {g[i]:.3g}" for a, g, i in zip(self.axes, self.grids, ix))

        if np.ptp(v) == 0:
            return (f"The {self.statistic_label()} is {self._fmt(v.flat[0])} everywhere on the grid, "
                    "under these assumptions.")
        return (f"The {self.statistic_label()} is highest, {self._fmt(v[hi])}, at {at(hi)}, and "
                f"lowest, {self._fmt(v[lo])}, at {at(lo)}, on the same {self.n_worlds} plausible "
                "worlds at every point, under these assumptions.")

    def provenance(self) -> str:
        """Version, scenario, question, seed, worlds per point, what-ifs."""
        from polmodel.scenario.whatif import describe_settings

        return provenance(scenario=self.scenario, question=self.question.label(), seed=self.seed,
                          worlds=f"{self.n_worlds} per point", horizon=f"{self.horizon} months",
                          aggregator=self.aggregator, what_ifs=describe_settings(self.settings))

    def _sections(self) -> list:
        if len(self.axes) == 1:
            rows = [[f"{x:.3g}", self._fmt(v)] + ([f"{b[0]:.3g} to {b[1]:.3g}"] if self.band is not None else [])
                    for x, v, b in zip(self.grids[0], self.values,
                                       self.band if self.band is not None else [None] * len(self.values))]
            header = [self.axes[0], self.statistic_label()] + (["10-90% of worlds"] if self.band is not None else [])
            return [(f"Sweep of {self.axes[0]}", header, rows, "")]
        header = [f"{self.axes[1]} \\ {self.axes[0]}", *(f"{x:.3g}" for x in self.grids[0])]
        rows = [[f"{y:.3g}", *(self._fmt(self.values[i, j]) for i in range(len(self.grids[0])))]
                for j, y in enumerate(self.grids[1])]
        return [(f"{self.statistic_label()}: {self.axes[0]} across, {self.axes[1]} down", header, rows, "")]

    def summary(self) -> str:
        """The sentence, the grid as a table, the caveat and the provenance."""
        return result_text(f"{self.title}: sweep of {' and '.join(self.axes)}", self.headline(), self._sections(), self.provenance())

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        shape = "x".join(str(len(g)) for g in self.grids)
        return (f"Sweep({self.scenario!r}, {' x '.join(self.axes)}, {shape} points x "
                f"{self.n_worlds} worlds, {self.statistic_label()!r})")

    def _repr_html_(self) -> str:
        return result_html(f"{self.title}: sweep of {' and '.join(self.axes)}", self.headline(), self._sections(), self.provenance())

    def rows(self) -> list[dict[str, Any]]:
        """One row per grid point."""
        out = []
        for ix in product(*(range(len(g)) for g in self.grids)):
            row = {a: float(g[i]) for a, g, i in zip(self.axes, self.grids, ix)}
            row[self.statistic] = float(self.values[ix])
            if self.band is not None:
                row["p10"], row["p90"] = (float(b) for b in self.band[ix[0]])
            out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the sentence and every grid point."""
        q = self.question
        return {"provenance": self.provenance(), "caveat": CAVEAT, "scenario": self.scenario,
                "seed": self.seed, "worlds_per_point": self.n_worlds,
                "question": {"policy": q.policy, "versus": q.versus, "outcome": q.outcome,
                             "label": q.label()},
                "statistic": self.statistic_label(), "headline": self.headline(),
                "axes": list(self.axes), "grids": [g.tolist() for g in self.grids],
                "points": self.rows()}

    def to_frame(self):
        """A pandas DataFrame, one row a grid point (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise PolmodelError("to_frame needs pandas: pip install pandas") from None
        return pd.DataFrame(self.rows())

    def to_csv(self, path=None) -> str:
        """The grid points as CSV, a provenance comment first; also written to ``path``."""
        import csv
        import io

        buf = io.StringIO()
        buf.write(f"# {self.provenance()} | {CAVEAT}\n")
        rows = self.rows()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow({k: f"{v:.6g}" for k, v in r.items()})
        if path is not None:
            from pathlib import Path

            Path(path).write_text(buf.getvalue(), encoding="utf-8")
        return buf.getvalue()

    def plot(self, ax=None):
        """A line for one axis, a heatmap for two. Returns the axes."""
        from polmodel.views.analysis_plots import plot_sweep

        return plot_sweep(self, ax=ax)


def _schedule(scenario: Scenario, policy: str, axes: Sequence[Axis], point: Sequence[float]):
    pol = scenario.policy(policy)
    levers = dict(pol.levers)
    for axis, v in zip(axes, point):
        old = levers.get(axis.target)
        if axis.kind == "lever":
            levers[axis.target] = LeverSetting(float(v), old.start if old else 0, old.end if old else None)
        elif axis.kind == "start":
            end = old.end if old.end is not None and old.end > v else None
            levers[axis.target] = LeverSetting(old.intensity, int(v), end)
    return Policy(pol.name, levers, pol.description).schedule(scenario.horizon)


@documents_run_keywords("seed", "sampler", "horizon", "aggregator", "parameters", "executor",
                        "chunk_size", "progress")
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
    parameters: Mapping[str, Any] | None = None,
    initial: Mapping[str, Any] | None = None,
    executor: Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
) -> Sweep:
    """Sweep one or two axes over a grid; each point an ensemble on the same worlds.

    Parameters
    ----------
    scenario : Scenario or str
    x, y : str
        Axes: ``NAME`` or ``NAME=LOW:HIGH`` with NAME an uncertain number (``rally``,
        ``initial.crisis``), ``lever.<lever>`` (intensity) or ``start.<lever>`` (start month).
    policy, versus : str, optional
        The question (lever axes change ``policy``). By default the scenario's contrast for a
        contrast outcome, else its baseline.
    outcome : str, optional
        ``"window"`` (share of worlds with a window; with ``versus``: where ``policy`` opens
        one and ``versus`` does not), ``"peak_index"`` and the other outcomes (median; with
        ``versus``: share of worlds where ``policy`` gives more). By default the scenario's
        question: with no policy given, its contrast on the peak opening index (as
        ``sensitivity`` and ``discover`` ask it); with one policy, whether a window opens.
    points : int
        Grid points per axis (start months are whole, so fewer may result).
    worlds : int or Worlds
        Worlds per point, the same at every point: a number to sample, or worlds already
        sampled from this scenario (:func:`polmodel.sample_worlds`).
    <run keywords>

    Returns
    -------
    Sweep

    Examples
    --------
    >>> s = sweep("venezuela-2018", "lever.targeted_sanctions", policy="targeted", points=3,
    ...           worlds=100)
    >>> s.values.shape
    (3,)
    """
    from polmodel.limits import check_memory, check_text, check_whole, sweep_bytes

    run = RunOptions(worlds=worlds, seed=seed, sampler=sampler, horizon=horizon,
                     aggregator=aggregator, executor=executor, chunk_size=chunk_size,
                     progress=progress, parameters=parameters, initial=initial)
    check_text(x, "x")
    check_text(y, "y", optional=True)
    points = check_whole(points, "points", 2, 1_000)
    sc = run.scenario(scenario)
    if outcome is None:
        outcome = "peak_index" if policy is None and versus is None else "window"
    if outcome == "window":  # never the scenario's contrast: the policy given, else the baseline
        question = Question(policy or sc.baseline, versus, outcome, margin(sc, outcome))
        question.check(sc)
    else:
        question = question_for(sc, policy, versus, outcome)
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
    check_memory(n_worlds, n_dims, len(question.policies),
                 need=lambda k: sweep_bytes(k, n_dims, n_points, len(question.policies), ROWS_PER_CALL),
                 request=f"a sweep of {n_points:,} points (--points {points}"
                         f"{'' if len(axes) == 1 else ', ' + per_axis + ' grid'}) x "
                         f"{n_worlds:,} worlds (--worlds) each",
                 fewer="fewer --points or --worlds")
    w = run.sample(sc)
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
    shape = tuple(len(a.grid) for a in axes)
    n = len(w)
    answers = np.empty((len(grid_points), n))
    holds = np.empty((len(grid_points), n), bool)
    # Points that share a lever schedule are stacked and evaluated in as few calls as possible.
    groups: dict[tuple, list[int]] = {}
    for k, pt in enumerate(grid_points):
        key = tuple(v for a, v in zip(axes, pt) if a.kind != "parameter")
        groups.setdefault(key, []).append(k)
    per_call = max(1, ROWS_PER_CALL // n)
    for ks in groups.values():
        schedules = [_schedule(sc, question.policy, axes, grid_points[ks[0]])]
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
            outs = dict(zip(question.policies, run.evaluate(stacked, schedules, agg)))
            answers[part] = question.values(outs).reshape(len(part), n)
            holds[part] = question.holds(outs).reshape(len(part), n) if question.versus is not None \
                or outcome == "window" else False
    share = question.versus is not None or outcome == "window"
    if share:
        stat, band = holds.mean(axis=1), None
    else:
        stat = np.median(answers, axis=1)
        band = np.quantile(answers, [0.1, 0.9], axis=1).T if len(axes) == 1 else None
    return Sweep(scenario=sc.label, title=sc.title, question=question, axes=tuple(a.name for a in axes),
                 grids=tuple(a.grid for a in axes), values=stat.reshape(shape), band=band,
                 statistic="share" if share else "median", n_worlds=n,
                 seed=w.seed, aggregator=agg, horizon=sc.horizon, settings=run.settings)
