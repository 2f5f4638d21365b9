"""One central run: a scenario's central values under one policy, month by month."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from polmodel.analysis.decomposition import decompose
from polmodel.errors import PolmodelError
from polmodel.limits import MAX_HORIZON, check_choice, check_text, check_whole
from polmodel.model.bounds import check_overrides, parameter_bounds
from polmodel.model.integrator import simulate
from polmodel.model.states import (
    AGGREGATORS,
    CONDITIONS,
    STATES,
    opening_index,
)
from polmodel.model.structures import DEFAULT_STRUCTURE, STRUCTURES, leaf_words
from polmodel.scenario.definition import Scenario, check_scenario_argument
from polmodel.scenario.loading import load_scenario
from polmodel.views.text import (
    CAVEAT,
    counted,
    html_table,
    provenance,
    short_repr,
    table,
    wrap,
    write_text,
)


class _Deferred(Mapping):
    """A mapping computed on first read, then kept (pickles as the plain dict it holds).

    The decomposition by mechanism costs about three central runs; a slider, a sweep or a tool
    calling :func:`run` in a loop may never read it, so it is only computed when read.
    """

    def __init__(self, compute):
        self._compute, self._value = compute, None

    def _data(self) -> Mapping:
        if self._value is None:
            self._value, self._compute = self._compute(), None
        return self._value

    def __getitem__(self, key):
        return self._data()[key]

    def __iter__(self):
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())

    def __repr__(self) -> str:
        return repr(self._data())

    def __reduce__(self):
        return dict, (dict(self._data()),)


@dataclass(frozen=True)
class RunResult:
    """A single trajectory with its opening index, window and bottleneck over time.

    Attributes
    ----------
    scenario, policy : str
        Names of what was run.
    aggregator : str
        Fuzzy AND used for the opening index.
    months : ndarray[n_months + 1]
        0, 1, ..., horizon.
    states : ndarray[n_months + 1, 8]
        Every state at every month, in :data:`polmodel.model.states.STATES` order.
    """

    scenario: str
    policy: str
    aggregator: str
    months: np.ndarray
    states: np.ndarray
    title: str = ""
    overrides: Mapping[str, float] = field(default_factory=dict)
    decomposition: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    """Per state, what each mechanism added to its change from month 0 to the horizon."""
    note: str = ""
    """Anything the reader must know about the inputs (e.g. defaults a file did not set)."""
    structure: str = DEFAULT_STRUCTURE
    """The formula of the opening index (:data:`polmodel.model.structures.STRUCTURES`)."""

    def movers(self, state: str, n: int = 3) -> list[tuple[str, float]]:
        """The ``n`` mechanisms that moved ``state`` most over the run, largest first."""
        parts = self.decomposition.get(state, {})
        return sorted(parts.items(), key=lambda kv: -abs(kv[1]))[:n]

    def explanation(self) -> list[str]:
        """One line per condition: its change and the mechanisms that made it."""
        from polmodel.views.text import mechanism_label, signed, wrap

        h = int(self.months[-1])
        lines = []
        for i, c in enumerate(CONDITIONS):
            change = float(self.states[-1, i] - self.states[0, i])
            top = [(m, v) for m, v in self.movers(c) if abs(v) >= 0.005]
            rest = sum(self.decomposition.get(c, {}).values()) - sum(v for _, v in top)
            parts = [f"{mechanism_label(m)} {signed(v)}" for m, v in top]
            others = len(self.decomposition.get(c, {})) - len(top)
            if others and abs(rest) >= 0.005:
                parts.append(f"{others} others {signed(rest)}")
            text = ", ".join(parts) or "no mechanism moves it"
            lines.append(wrap(f"  {c} {signed(change)} over {counted(h, 'month')}: {text}"))
        return lines

    @property
    def conditions(self) -> np.ndarray:
        """ndarray[n_months + 1, 4]: crisis, fracture, challenger, pressure."""
        return self.states[:, : len(CONDITIONS)]

    @property
    def index(self) -> np.ndarray:
        """ndarray[n_months + 1]: the opening index J under the run's structure."""
        if callable(self.aggregator):
            return opening_index(self.conditions, self.aggregator)
        return np.asarray(STRUCTURES[self.structure].evaluate(self.states, self.aggregator))

    @property
    def window(self) -> np.ndarray:
        """ndarray[n_months + 1] of bool: the structure's formula holds (for the memo's: all four present)."""
        return STRUCTURES[self.structure].window(self.states)

    @property
    def bottleneck(self) -> list[str]:
        """The binding state of the structure's formula at each month (for the memo's, the lowest condition)."""
        s = STRUCTURES[self.structure]
        return [leaf_words(s.leaves[i]) for i in s.bottleneck(self.states)]

    @property
    def first_window(self) -> int | None:
        """First month (1..horizon) with a window, or None."""
        open_months = np.flatnonzero(self.window[1:])
        return int(open_months[0]) + 1 if open_months.size else None

    @property
    def months_open(self) -> int:
        """Months (1..horizon) with a window."""
        return int(self.window[1:].sum())

    @property
    def peak_index(self) -> float:
        """Highest opening index over months 1..horizon."""
        return float(self.index[1:].max())

    def checkpoints(self) -> list[int]:
        """A few months worth a row in a table: 0, 6, 12, 24, 36, ... and the horizon."""
        h = int(self.months[-1])
        return sorted({0, h} | {m for m in (6, 12, 24, 36, 48) if m < h})

    @property
    def _shown(self) -> list[int]:
        """The states a table shows: the four conditions, then any other its structure reads."""
        extra = {leaf.lstrip("~") for leaf in STRUCTURES[self.structure].leaves} - set(CONDITIONS)
        return list(range(len(CONDITIONS))) + sorted(STATES.index(s) for s in extra)

    def _rows(self) -> list[list[object]]:
        J, bn, win = self.index, self.bottleneck, self.window
        return [
            [m, *(float(self.states[m, i]) for i in self._shown), float(J[m]),
             "open" if win[m] else "no", bn[m]]
            for m in self.checkpoints()
        ]

    @property
    def _HEADER(self) -> tuple[str, ...]:
        return ("month", *(STATES[i] for i in self._shown), "opening index", "window", "bottleneck")

    def verdict(self) -> str:
        """One sentence on the window, in the model's own terms."""
        h = int(self.months[-1])
        if self.first_window is None:
            leaves = [leaf_words(x) for x in STRUCTURES[self.structure].leaves]
            binds = max(leaves, key=self.bottleneck[1:].count)  # ties: the formula's order
            return (f"No window opens in {counted(h, 'month')} under these assumptions; the opening index peaks "
                    f"at {self.peak_index:.2f} and {binds} binds most often.")
        return (f"A window opens at month {self.first_window} and stays open {self.months_open} of "
                f"{counted(h, 'month')} under these assumptions; the opening index peaks at {self.peak_index:.2f}.")

    def summary(self) -> str:
        """A text table at a few months, the verdict, the caveat and the provenance."""
        lines = [
            f"{self.title or self.scenario}: policy {self.policy!r}",
            table(self._HEADER, self._rows()),
            wrap(self.verdict()),
            wrap("What moved each condition (sum of each mechanism's part of the change):"),
            *(wrap(line) for line in self.explanation()),
            *([wrap(self.note)] if self.note else []),
            wrap(CAVEAT),
            wrap(provenance(scenario=self.scenario, policy=self.policy, structure=self.structure,
                       aggregator=self.aggregator,
                            run="central values",
                            overrides=", ".join(f"{k}={v:g}" for k, v in self.overrides.items()) or None)),
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return short_repr(self, scenario=self.scenario, policy=self.policy,
                          aggregator=self.aggregator, months=int(self.months[-1]),
                          peak_index=round(self.peak_index, 3), first_window=self.first_window)

    def to_csv(self, path=None) -> str | None:
        """The monthly series as CSV (one header line, one row a month); text, or to ``path``.

        Parameters
        ----------
        path : str or Path, optional
            File to write; when None the CSV text is returned.

        Returns
        -------
        str or None
        """
        text = runs_csv([self])
        if path is None:
            return text
        write_text(path, text)
        return None

    def _repr_html_(self) -> str:
        return (f"<h4>{html.escape(self.title or self.scenario)}: policy "
                f"<code>{html.escape(self.policy)}</code></h4>"
                + html_table(self._HEADER, self._rows())
                + f"<p>{html.escape(self.verdict())}</p><p><small>{html.escape(CAVEAT)}<br>"
                + html.escape(provenance(scenario=self.scenario, policy=self.policy,
                                         structure=self.structure, aggregator=self.aggregator)) + "</small></p>")

    def to_dict(self) -> dict[str, Any]:
        """Plain data: provenance, the monthly series and the headline figures."""
        return {
            "provenance": provenance(scenario=self.scenario, policy=self.policy,
                                     structure=self.structure, aggregator=self.aggregator,
                                     run="central values"),
            "structure": self.structure,
            "caveat": CAVEAT,
            "overrides": dict(self.overrides),
            "decomposition": {k: dict(v) for k, v in self.decomposition.items()},
            "note": self.note,
            "scenario": self.scenario,
            "policy": self.policy,
            "aggregator": self.aggregator,
            "months": self.months.tolist(),
            **{s: self.states[:, i].tolist() for i, s in enumerate(STATES)},
            "opening_index": self.index.tolist(),
            "window": self.window.tolist(),
            "bottleneck": self.bottleneck,
            "first_window": self.first_window,
            "months_open": self.months_open,
            "peak_index": self.peak_index,
        }

    def to_frame(self):
        """A pandas DataFrame, one row a month (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise PolmodelError("to_frame needs pandas: pip install pandas") from None
        d = self.to_dict()
        cols = ["months", *STATES, "opening_index", "window", "bottleneck"]
        return pd.DataFrame({c: d[c] for c in cols}).set_index("months").rename_axis("month")

    def plot(self, ax=None):
        """Four conditions and the opening index over time, the 0.5 crossover marked."""
        from polmodel.views.plots import plot_trajectory

        return plot_trajectory(self, ax=ax)


def run(
    scenario: Scenario | str = "venezuela-2018",
    policy: str | None = None,
    *,
    horizon: int | None = None,
    aggregator: str | None = None,
    parameters: Mapping[str, float] | None = None,
    initial: Mapping[str, float] | None = None,
    structure: str | None = None,
) -> RunResult:
    """Run one policy of a scenario at the central value of every parameter.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario, a built-in name or a path to a ``.toml`` file.
    policy : str, optional
        Policy name; the scenario's baseline by default.
    horizon : int, optional
        Months to simulate; the scenario's horizon by default.
    aggregator : {"min", "product", "geometric"}, optional
        Fuzzy AND; the scenario's by default.
    parameters, initial : mapping, optional
        Values that replace central parameter values or initial states (what-ifs, sliders).
    structure : str, optional
        Formula of the opening index; the scenario's by default.

    Returns
    -------
    RunResult

    Examples
    --------
    >>> r = run("venezuela-2018")
    >>> r.first_window is None
    True
    """
    check_scenario_argument(scenario)
    check_text(policy, "policy", optional=True)
    if horizon is not None:
        check_whole(horizon, "horizon", 1, MAX_HORIZON, what="months")
    if aggregator is not None and not callable(aggregator):
        check_choice(aggregator, "aggregator", AGGREGATORS)
    if structure is not None:
        check_choice(structure, "structure", STRUCTURES)
    parameters = check_overrides(parameters, "parameter", parameter_bounds())
    initial = check_overrides(initial, "initial state", dict.fromkeys(STATES, (0.0, 1.0)))
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if horizon is not None:
        sc = sc.with_horizon(horizon)
    pol = sc.policy(policy or sc.baseline)
    params = sc.central_parameters()
    init = sc.central_initial()
    params.update(parameters)
    init.update(initial)
    agg = aggregator or sc.aggregator
    levers = sc.schedule(pol.name)
    structure = structure or sc.structure
    traj, _ = simulate(init, params, levers, aggregator=agg, structure=structure)
    return RunResult(
        scenario=sc.label, policy=pol.name, aggregator=agg, months=np.arange(sc.horizon + 1),
        states=traj[0], title=sc.title, overrides=parameters | initial,
        decomposition=_Deferred(lambda: decompose(traj[0], params, levers)),
        note=sc.defaults_note(), structure=structure,
    )


def runs_summary(scenario: Scenario, results: list[RunResult]) -> str:
    """Text report of several policies' central runs: one table each, caveat and provenance once."""
    lines = [wrap(f"{scenario.title} ({scenario.date})"), "Central values of every assumption; one run per policy.", ""]
    for r in results:
        lines += [wrap(f"Policy {r.policy!r}"), table(r._HEADER, r._rows()), wrap(r.verdict()),
                  "What moved each condition (each mechanism's part of the change):",
                  *(wrap(line) for line in r.explanation()), ""]
    if scenario.defaults_note():
        lines += [wrap(scenario.defaults_note()), ""]
    lines += [wrap(CAVEAT), wrap(provenance(scenario=scenario.label, horizon=counted(scenario.horizon, "month"),
                                            structure=results[0].structure if results else None,
                                            aggregator=results[0].aggregator if results else None,
                                            run="central values",
                                            overrides=", ".join(f"{k}={v:g}" for k, v in
                                                                (results[0].overrides if results
                                                                 else {}).items()) or None))]
    return "\n".join(lines)


def runs_csv(results: list[RunResult]) -> str:
    """Long CSV of central runs: one row per policy and month.

    One header line and no comments: the provenance is in leading columns
    (``polmodel_version``, ``scenario``, ``horizon``, ``structure``, ``aggregator``,
    ``overrides``), then ``policy``, ``month``, the states, ``opening_index``, ``window`` and
    ``bottleneck``.
    """
    from polmodel.views.csv_table import csv_text, provenance_columns

    header = [*provenance_columns(scenario=None, horizon=None, structure=None, aggregator=None,
                                  overrides=None)[0],
              "policy", "month", *STATES, "opening_index", "window", "bottleneck"]
    rows = []
    for r in results:
        _, meta = provenance_columns(
            scenario=r.scenario, horizon=int(r.months[-1]), structure=r.structure,
            aggregator=r.aggregator,
            overrides=", ".join(f"{k}={v:g}" for k, v in r.overrides.items()) or None)
        J, win, bn = r.index, r.window, r.bottleneck
        for m in r.months:
            rows.append([*meta, r.policy, int(m), *(f"{v:.6g}" for v in r.states[m]),
                         f"{J[m]:.6g}", int(win[m]), bn[m]])
    return csv_text(header, rows)
