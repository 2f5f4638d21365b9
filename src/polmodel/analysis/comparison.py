"""Policy comparison across plausible worlds: paired statistics, trade-offs, not one score.

Every policy runs on the same sampled worlds, so each difference between two policies is a
per-world, paired difference. Reported per policy: the share of worlds in which a window opens,
the spread of the peak opening index, months open, time to the first window, which condition
binds, humanitarian cost (crisis-months, exodus). Between policies: the share of worlds in which
one gives a higher opening index than the other (beyond a tie margin, under both the strict and
the graded AND) and the distribution of the difference; the shortfall from the highest. Per
condition: what each policy did relative to the baseline, so a lever that raises a condition
that does not bind is seen to work even when the opening index does not move. Across worlds:
fsQCA necessity consistency of each condition for the window outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from polmodel.analysis._stats import median, quantiles
from polmodel.analysis.worlds import DEFAULT_CHUNK, PolicyOutcomes, Worlds, evaluate, sample_worlds
from polmodel.errors import PolmodelError
from polmodel.limits import (
    MAX_CHUNK,
    MAX_HORIZON,
    MAX_POLICIES,
    MAX_WORLDS,
    check_callable,
    check_choice,
    check_memory,
    check_names,
    check_seed,
    check_whole,
)
from polmodel.model.states import AGGREGATORS, CONDITIONS, SCALES
from polmodel.scenario.loading import Scenario, check_scenario_argument, load_scenario

if TYPE_CHECKING:  # concurrent.futures costs start-up time; only annotations use it here
    from concurrent.futures import Executor
from polmodel.views.comparison_text import (
    comparison_html,
    comparison_rows,
    comparison_sections,
    comparison_summary,
)
from polmodel.views.text import CAVEAT, Section, csv_text, provenance, short_repr, write_text

TIE = 1e-9  # differences smaller than this are exact ties (shortfall from the highest)
_PAIRWISE_BLOCK = 2**22  # differences held at once by the pairwise statistics (32 MiB)


def _quantiles(x: np.ndarray) -> tuple[float, float, float]:
    if x.size == 0:
        return (float("nan"),) * 3
    q10, q50, q90 = quantiles(x, [0.1, 0.5, 0.9])
    return float(q10), float(q50), float(q90)


def necessity_consistency(x: np.ndarray, y: np.ndarray) -> float:
    """FsQCA necessity consistency of condition X for outcome Y: sum(min(X, Y)) / sum(Y).

    Parameters
    ----------
    x, y : ndarray[n_cases]
        Memberships in [0, 1].

    Returns
    -------
    float
        In [0, 1]; NaN when the outcome is absent in every case.

    References
    ----------
    Ragin, C. C. (2006). Set relations in social research: evaluating their consistency and
    coverage. Political Analysis 14(3), 291-310.

    Examples
    --------
    >>> necessity_consistency(np.array([0.9, 0.2]), np.array([1.0, 0.0]))
    0.9
    """
    total = float(np.sum(y))
    return float(np.sum(np.minimum(x, y)) / total) if total > 0 else float("nan")


@dataclass(frozen=True)
class Comparison:
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
                          worlds=self.n_worlds, horizon=f"{self.horizon} months",
                          aggregator=self.aggregator)

    # -- statistics -------------------------------------------------------------------------

    @cached_property
    def per_policy(self) -> dict[str, dict[str, Any]]:
        """Headline figures per policy (shares are shares of plausible worlds)."""
        out = {}
        for name, o in self.outcomes.items():
            opened = o.window
            p10, p50, p90 = _quantiles(o.peak_index)
            first = o.first_window[opened]
            shares = np.bincount(o.bottleneck, minlength=len(CONDITIONS)) / self.n_worlds
            out[name] = {
                "window_share": float(opened.mean()),
                "peak_index_median": p50, "peak_index_p10": p10, "peak_index_p90": p90,
                "months_open_mean": float(o.months_open.mean()),
                "first_window_median": median(first) if first.size else None,
                "bottleneck_shares": dict(zip(CONDITIONS, shares.tolist())),
                "crisis_months_median": median(o.crisis_months),
                "exodus_median": median(o.exodus),
            }
        return out

    @property
    def margin(self) -> float:
        """Differences of the opening index up to this size count as practical ties."""
        return self.tie_margin

    def _peaks(self, name: str, scale: str | None) -> np.ndarray:
        if name not in self.outcomes:
            raise PolmodelError(f"unknown policy {name!r}; allowed: {', '.join(self.outcomes)}")
        o = self.outcomes[name]
        if scale is None:
            return o.peak_index
        if scale not in SCALES:
            raise PolmodelError(f"scale: unknown {scale!r}; allowed: {', '.join(SCALES)}")
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
        self._peaks(a, scale), self._peaks(b, scale)  # checks the names and the scale
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
            out[scale] = {"reading": "higher" if hi > lo else "lower" if lo > hi else "even",
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
    def necessity(self) -> dict[str, dict[str, float]]:
        """FsQCA necessity consistency of each condition for the opening, per policy.

        Cases are worlds. The outcome is membership in "an opening": the peak opening index;
        each condition's membership is its value in the month of that peak. Under ``min`` and
        ``product`` the index never exceeds a condition, so every condition is necessary by
        construction (consistency 1); under ``geometric`` consistency falls below 1 where a
        strong condition made up for a weak one: the contrast the memo's claim rests on.
        """
        out = {}
        for name, o in self.outcomes.items():
            # Conditions at the peak are stored in single precision; round the outcome the same
            # way so that x >= y survives the rounding (it is monotone) and ties stay ties.
            y = o.peak_index.astype(o.at_peak.dtype).astype(float)
            out[name] = {c: necessity_consistency(o.at_peak[:, i].astype(float), y)
                         for i, c in enumerate(CONDITIONS)}
        return out

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
            "shortfall": self.shortfall, "condition_effects": self.condition_effects,
            "necessity": {n: {c: (None if np.isnan(v) else v) for c, v in d.items()}
                          for n, d in self.necessity.items()},
        }

    def to_frame(self):
        """A pandas DataFrame, one row a policy (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise PolmodelError("to_frame needs pandas: pip install pandas") from None
        rows = {}
        for n, s in self.per_policy.items():
            flat = {k: v for k, v in s.items() if k != "bottleneck_shares"}
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


def pairwise_statistics(peaks: np.ndarray, margin: float) -> dict[str, np.ndarray]:
    """The statistics of :meth:`Comparison.pairwise` for every ordered pair of policies at once.

    Vectorised over blocks of pairs, each unordered pair computed once: the difference of b and
    a is exactly minus that of a and b, so (b, a) mirrors (a, b) (higher and lower swap, the 10%
    and 90% points swap and change sign). Memory stays bounded whatever the number of policies
    and worlds, and the work is one pass per pair, so the limit on policies keeps it fast.

    Parameters
    ----------
    peaks : ndarray[n_policies, n_worlds]
        Peak opening index of each policy in each world.
    margin : float
        Differences up to this size count as ties.

    Returns
    -------
    dict of str to ndarray[n_policies, n_policies]
        Row policy against column policy.
    """
    k, n = peaks.shape
    higher, lower, tied = np.zeros((k, k)), np.zeros((k, k)), np.ones((k, k))
    p10, p50, p90 = np.zeros((k, k)), np.zeros((k, k)), np.zeros((k, k))
    block = max(1, _PAIRWISE_BLOCK // max(n, 1))
    for i in range(k - 1):
        for j0 in range(i + 1, k, block):
            d = peaks[i] - peaks[j0 : j0 + block]  # [block, worlds]
            js = slice(j0, j0 + len(d))
            higher[i, js] = lower[js, i] = (d > margin).mean(axis=1)
            lower[i, js] = higher[js, i] = (d < -margin).mean(axis=1)
            tied[i, js] = tied[js, i] = (np.abs(d) <= margin).mean(axis=1)
            q10, q50, q90 = quantiles(d, [0.1, 0.5, 0.9])
            p10[i, js], p50[i, js], p90[i, js] = q10, q50, q90
            p10[js, i], p50[js, i], p90[js, i] = -q90, -q50, -q10
    return {"share_higher": higher, "share_lower": lower, "share_tied": tied,
            "difference_median": p50 + 0.0, "difference_p10": p10 + 0.0,
            "difference_p90": p90 + 0.0}  # + 0.0: no negative zeros


def compare(
    scenario: Scenario | str = "venezuela-2018",
    policies: Sequence[str] | None = None,
    *,
    worlds: int | Worlds = 1000,
    seed: int | np.random.Generator | None = 0,
    sampler: str = "lhs",
    horizon: int | None = None,
    aggregator: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
    parameters: Mapping[str, float | tuple[float, float]] | None = None,
    initial: Mapping[str, float | tuple[float, float]] | None = None,
) -> Comparison:
    """Run policies on the same plausible worlds and compare them, paired world by world.

    Parameters
    ----------
    scenario : Scenario or str
        A scenario, a built-in name or a path to a ``.toml`` file.
    policies : sequence of str, optional
        Names to compare; all of the scenario's by default. The baseline is always included.
    worlds : int or Worlds
        Number of worlds to sample, or worlds already sampled.
    seed : int or numpy.random.Generator, optional
        Same seed, same worlds, same numbers.
    sampler : {"lhs", "sobol"}
        Latin hypercube (default) or scrambled Sobol' (a power-of-2 number of worlds).
    horizon, aggregator : optional
        Override the scenario's.
    chunk_size : int
        Worlds per task: bounds memory, never changes results.
    executor : concurrent.futures.Executor, optional
        Runs the chunks (a ProcessPoolExecutor, a Dask client's executor); here when None.
    progress : callable, optional
        Called with the number of worlds finished after each chunk.
    parameters, initial : mapping of str to float or (low, high), optional
        What-ifs applied before sampling: a value fixes a parameter (or initial state) in every
        world, a range replaces its plausible range (:func:`polmodel.scenario.whatif.apply_settings`).

    Returns
    -------
    Comparison

    Examples
    --------
    >>> c = compare("venezuela-2018", ["status-quo", "targeted"], worlds=200, seed=1)
    >>> d = c.difference("targeted", "status-quo")  # paired: the same world under each policy
    >>> bool(np.all(d == c.outcomes["targeted"].peak_index - c.outcomes["status-quo"].peak_index))
    True
    >>> ab, ba = c.pairwise("targeted", "status-quo"), c.pairwise("status-quo", "targeted")
    >>> ab["share_higher"] == float(np.mean(d > c.margin + 1e-9)) == ba["share_lower"]
    True
    """
    check_scenario_argument(scenario)
    policies = check_names(policies, "policies")
    if not isinstance(worlds, Worlds):
        worlds = check_whole(worlds, "worlds", 1, MAX_WORLDS)
    check_seed(seed)
    check_choice(sampler, "sampler", ("lhs", "sobol"))
    if horizon is not None:
        check_whole(horizon, "horizon", 1, MAX_HORIZON, what="months")
    if aggregator is not None and not callable(aggregator):
        check_choice(aggregator, "aggregator", AGGREGATORS)
    check_whole(chunk_size, "chunk_size", 1, MAX_CHUNK)
    check_callable(progress, "progress")
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if horizon is not None:
        sc = sc.with_horizon(horizon)
    if parameters or initial:
        if isinstance(worlds, Worlds):
            raise PolmodelError("parameters/initial apply when worlds are sampled; pass them to "
                                "sample_worlds, or give a number of worlds")
        from polmodel.scenario.whatif import apply_settings

        sc = apply_settings(sc, parameters=parameters, initial=initial)
    names = list(dict.fromkeys([sc.baseline, *(policies or sc.policies)]))
    if len(names) > MAX_POLICIES:
        raise PolmodelError(f"policies: {len(names)} with the baseline; allowed: at most {MAX_POLICIES}")
    if isinstance(worlds, Worlds) and worlds.scenario != sc.name:
        raise PolmodelError(f"worlds were sampled for {worlds.scenario!r}, not {sc.name!r}; "
                            "sample them from this scenario")
    schedules = [sc.schedule(n) for n in names]  # unknown policies stop here, before any work
    if not isinstance(worlds, Worlds):
        dims = sum(u.high > u.low for u in (*sc.initial.values(), *sc.parameters.values()))
        check_memory(worlds, dims, len(names))
    w = worlds if isinstance(worlds, Worlds) else sample_worlds(sc, worlds, seed=seed, sampler=sampler)
    agg = aggregator or sc.aggregator
    results = evaluate(w, schedules, aggregator=agg,
                       chunk_size=chunk_size, executor=executor, progress=progress)
    return Comparison(scenario=sc.label, title=sc.title, baseline=sc.baseline, horizon=sc.horizon,
                      aggregator=agg, worlds=w, outcomes=dict(zip(names, results)),
                      tie_margin=sc.tie_margin, note=sc.defaults_note())
