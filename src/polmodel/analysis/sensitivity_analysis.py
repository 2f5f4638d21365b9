"""Which assumptions decide an answer: Sobol' indices, Morris screening and a tornado.

Three views of one question (:class:`polmodel.analysis.questions.Question`: an outcome under a policy,
or the paired difference between two policies), over every uncertain number a scenario
samples (initial states, context values, mechanism parameters):

- **Sobol' first-order and total indices** (share of the answer's variance an assumption
  explains alone, and with all its interactions), computed by :func:`scipy.stats.sobol_indices`
  (Saltelli et al. 2010) with bootstrap confidence intervals; the whole design goes to the
  ensemble in one vectorised call (:func:`polmodel.analysis.sensitivity_methods.sobol`).
- **Morris elementary effects** (mu*, sigma) through SALib, optionally by groups of
  parameters (derived from the mechanism table: the state each mechanism moves)
  (:func:`polmodel.analysis.sensitivity_methods.morris`).
- **A one-at-a-time tornado** around the central run: each assumption moved to the ends of its
  range, the others held at their central values, sorted by swing, for the room
  (:mod:`polmodel.analysis.one_at_a_time`).

The fuzzy AND is an assumption too: indices are computed under each aggregator asked for
(``min`` and ``product`` by default) when the answer can depend on it, and the tornado shows
the swing from switching it.

Assumptions that cannot affect the answer by construction are found before any index is
computed, by running the question's policies with each assumption at both ends of its range
in a few worlds: if no state of the model moves, the assumption is reported as inert (with the
mechanism table's reason when its levers are all off) and left out, instead of showing an
index of zero with an undefined interval (:func:`polmodel.analysis.one_at_a_time.inert_assumptions`).
An answer that does not vary at all (no window in any world) is reported as such.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from numbers import Integral
from typing import Any

import numpy as np

from polmodel.analysis.one_at_a_time import Tornado, design_worlds, inert_assumptions, tornado
from polmodel.analysis.options import RunOptions, documents_run_keywords
from polmodel.analysis.questions import STRUCTURE_OUTCOMES, TIE, Question, ask, question_for
from polmodel.analysis.sensitivity_methods import MorrisScreen, SobolIndices, morris, sobol
from polmodel.analysis.worlds import DEFAULT_CHUNK, uncertain_dimensions, varied_count
from polmodel.errors import PolmodelError
from polmodel.limits import (
    check_choice,
    check_memory,
    check_names,
    check_number,
    check_whole,
    comparison_bytes,
)
from polmodel.model.parameters import MECHANISMS_BY_NAME, PARAMETERS
from polmodel.scenario.definition import Scenario
from polmodel.views.text import counted, provenance

METHODS = ("sobol", "morris", "tornado")
DECIDING = 0.05  # a total Sobol' index below this leaves an assumption out of the sentence

NOISY_WIDTH = 0.25
"""Widest bootstrap interval of a leading total index (on its 0-to-1 scale) read as firm.

Wider than a quarter of the scale, the interval cannot tell a leading assumption from a
minor one: the ranking the sentence reads may change with the seed. On the Venezuela scenario
the leaders' 95% intervals are about 0.1 wide at the default N = 1024, 0.2 at 256, 0.5 at 64
and up to 2 at 16 (the minimum)."""

NOISY_N = 256
"""Without bootstrap intervals to measure, a base sample N below this is called noisy."""


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Sensitivity:
    """What decides one answer of a scenario, by Sobol' indices, Morris screening and a tornado.

    Build one with :func:`sensitivity`. Indices are shares of the answer's variance across the
    plausible worlds of the scenario's assumed ranges, not statements about the world.
    """

    scenario: str
    title: str
    question: Question
    horizon: int
    seed: int | None
    bounds: Mapping[str, tuple[float, float]]
    sobol: tuple[SobolIndices, ...]
    morris: tuple[MorrisScreen, ...]
    tornado: Tornado | None
    inert: Mapping[str, str]
    confidence_level: float
    n_resamples: int
    settings: Mapping[str, Any]
    structure: str = ""
    """The structure every world is read under, or "sampled" when it is one of the factors."""

    @property
    def constant(self) -> bool:
        """True when the answer is the same in every sampled world (nothing to apportion)."""
        return bool(self.sobol) and all(s.variance == 0 for s in self.sobol)

    def deciding(self, k: int = 4) -> list[str]:
        """The assumptions that decide the answer, largest first.

        Those with a total Sobol' index of at least 0.05 under the first aggregator, at most
        ``k`` of them (Morris' mu* order when Sobol' was not computed).
        """
        if self.sobol and not self.constant:
            s = self.sobol[0]
            return [s.names[i] for i in s.order()[:k] if s.total[i] >= DECIDING]
        if self.morris:
            m = self.morris[0]
            return [m.names[i] for i in m.order()[:k] if m.mu_star[i] > 0]
        return []

    def noisy(self) -> str | None:
        """A warning in plain words when the Sobol' indices are too noisy to rank, else None.

        Noisy means: a bootstrap interval of the total index of a leading assumption (the
        first four by total index, under any aggregator) is wider than :data:`NOISY_WIDTH`;
        without intervals (``n_resamples=0``), a base sample below :data:`NOISY_N`.
        """
        if not self.sobol or self.constant:
            return None
        n = self.sobol[0].n
        widest = 0.0
        for sob in self.sobol:
            if sob.variance == 0 or sob.total_interval is None:
                continue
            lead = sob.order()[:4]
            widths = sob.total_interval[lead, 1] - sob.total_interval[lead, 0]
            widest = max(widest, float(np.nanmax(widths, initial=0.0)))
        measured = any(sob.total_interval is not None for sob in self.sobol)
        if measured and widest <= NOISY_WIDTH or not measured and n >= NOISY_N:
            return None
        why = (f"the {self.confidence_level:.0%} interval of a leading total index is "
               f"{widest:.2g} wide on a scale of 0 to 1" if measured else
               "no intervals were computed to show how much they move (--resamples)")
        return (f"Noisy: with N = {n:,} worlds the Sobol' indices are too uncertain to rank the "
                f"assumptions ({why}); another seed may name others. Use more worlds (--worlds "
                f"{max(4 * n, 1024)} or more) before reading who decides it.")

    def provenance(self) -> str:
        """Version, scenario, question, seed, sample sizes, what-ifs."""
        from polmodel.scenario.whatif import describe_settings

        n = self.sobol[0].n if self.sobol else None
        return provenance(scenario=self.scenario, question=self.question.label(), seed=self.seed,
                          horizon=counted(self.horizon, "month"), structure=self.structure or None,
                          sobol_n=n,
                          morris_trajectories=self.morris[0].trajectories if self.morris else None,
                          bootstrap=f"{self.n_resamples} resamples, {self.confidence_level:.0%}"
                          if self.n_resamples else None,
                          what_ifs=describe_settings(self.settings))

    def headline(self) -> str:
        """The plain sentence first: which assumptions decide the answer, with intervals."""
        from polmodel.views.sensitivity_text import headline

        return headline(self)

    def summary(self) -> str:
        """The sentence, then the tables, the caveat and the provenance."""
        from polmodel.views.sensitivity_text import summary

        return summary(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        top = ", ".join(self.deciding()) or "none"
        return (f"Sensitivity({self.scenario!r}, {self.question.label()!r}, "
                f"{counted(len(self.bounds), 'assumption')}, deciding: {top})")

    def _repr_html_(self) -> str:
        from polmodel.views.sensitivity_text import to_html

        return to_html(self)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the sentence, every index with its interval, the tornado, the inert."""
        from polmodel.views.sensitivity_text import to_dict

        return to_dict(self)

    def rows(self) -> list[dict[str, Any]]:
        """Long form: one row per method, aggregator, assumption and statistic."""
        from polmodel.views.sensitivity_text import rows

        return rows(self)

    def to_frame(self):
        """A pandas DataFrame of :meth:`rows` (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise PolmodelError("to_frame needs pandas: pip install pandas") from None
        return pd.DataFrame(self.rows())

    def to_csv(self, path=None) -> str:
        """The rows as CSV, provenance in leading columns; also written to ``path`` if given."""
        from polmodel.views.sensitivity_text import to_csv

        text = to_csv([self])
        if path is not None:
            from polmodel.views.text import write_text

            write_text(path, text)
        return text

    def plot(self, ax=None, kind: str = "sobol"):
        """Draw the indices (``kind="sobol"``), the tornado or Morris mu* against sigma.

        Returns the axes.
        """
        from polmodel.views import analysis_plots

        draw = {"sobol": analysis_plots.plot_sobol, "tornado": analysis_plots.plot_tornado,
                "morris": analysis_plots.plot_morris}
        if kind not in draw:
            raise PolmodelError(f"kind {kind!r}: unknown; allowed: {', '.join(draw)}")
        return draw[kind](self, ax=ax)


# ---------------------------------------------------------------------------------------------
# Building blocks


def parameter_groups(names: Sequence[str]) -> dict[str, str]:
    """A group for each assumption, from the mechanism table: the state its mechanism moves.

    Initial states form one group, context values another.

    Returns
    -------
    dict of str to str
    """
    out = {}
    for name in names:
        if name.startswith("initial."):
            out[name] = "initial states"
            continue
        mech = MECHANISMS_BY_NAME.get(PARAMETERS[name].mechanism) if name in PARAMETERS else None
        out[name] = f"mechanisms moving {mech.moves[0][0]}" if mech and mech.moves else "context"
    return out


# ---------------------------------------------------------------------------------------------
# The analysis


@documents_run_keywords("seed", "horizon", "parameters", "executor", "chunk_size", "engine")
def sensitivity(
    scenario: Scenario | str = "venezuela-2018",
    policy: str | None = None,
    versus: str | None = None,
    *,
    outcome: str = "peak_index",
    methods: Sequence[str] = METHODS,
    n: int = 1024,
    n_resamples: int = 199,
    confidence_level: float = 0.95,
    interval: str = "auto",
    trajectories: int = 20,
    groups: bool | Mapping[str, str] = False,
    aggregators: Sequence[str] = ("min", "product"),
    seed: int | np.random.Generator | None = 0,
    horizon: int | None = None,
    parameters: Mapping[str, Any] | None = None,
    initial: Mapping[str, Any] | None = None,
    structure: str | None = None,
    executor: Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
    engine: str = "numpy",
) -> Sensitivity:
    """Which assumptions decide an answer: Sobol' indices, Morris screening, a tornado.

    Parameters
    ----------
    scenario : Scenario or str
    policy, versus : str, optional
        The answer is ``outcome`` under ``policy``, or the paired difference ``policy`` minus
        ``versus``. By default the scenario's question: its ``contrast``, else its first
        non-baseline policy against the baseline.
    outcome : {"peak_index", "window", "months_open", "crisis_months", "exodus"}
    methods : sequence of {"sobol", "morris", "tornado"}
    n : int
        Sobol' base sample (a power of 2); the model runs ``n * (d + 2)`` times per policy and
        aggregator for ``d`` assumptions.
    n_resamples : int
        Bootstrap resamples for the Sobol' intervals (0: none).
    confidence_level : float
    interval : {"auto", "bca", "percentile"}
        Bootstrap interval (:func:`sobol`).
    trajectories : int
        Morris trajectories.
    groups : bool or mapping of str to str
        Morris by groups: True for :func:`parameter_groups`, or a mapping name -> group.
    aggregators : sequence of str
        Fuzzy ANDs to compute the indices under (the structural assumption); the first is the
        main one. Answers that do not depend on the AND are computed once.
    structure : str, optional
        Read every world under this structure. By default the structure is one more uncertain
        factor (``"structure"``: each world reads its peak index and window under one of
        :data:`polmodel.model.structures.STRUCTURES`, in equal parts), so the indices say how
        much the choice of structure decides the answer, beside every other assumption; for
        an outcome no structure changes (months open, crisis-months, exodus) it is fixed.
    <run keywords>
    progress : callable, optional
        Called with 1 after each step (a method under an aggregator).

    Returns
    -------
    Sensitivity

    Examples
    --------
    >>> s = sensitivity("venezuela-2018", "targeted", "broad", n=64, n_resamples=0,
    ...                 methods=("sobol",), aggregators=("min",))
    >>> len(s.deciding()) >= 1
    True
    """
    methods = check_names(methods, "methods")
    aggregators = check_names(aggregators, "aggregators")
    if methods is None:
        methods = list(METHODS)
    for given, what, allowed in ((methods, "methods", METHODS),
                                 (aggregators, "aggregators", ("min", "product", "geometric"))):
        if given is not None and not given:  # an empty list would compute nothing, silently
            raise PolmodelError(f"{what}: none given; allowed: one or more of {', '.join(allowed)}"
                                + (" (or None for the scenario's)" if what == "aggregators" else ""))
    n = check_whole(n, "n", 16, 2**20)
    n_resamples = check_whole(n_resamples, "n_resamples", 0, 100_000)
    confidence_level = check_number(confidence_level, "confidence_level", 0.5, 0.999)
    interval = check_choice(interval, "interval", ("auto", "bca", "percentile"))
    trajectories = check_whole(trajectories, "trajectories", 2, 10_000)
    if not isinstance(groups, (bool, Mapping)) or (
            isinstance(groups, Mapping) and not all(isinstance(v, str) for v in groups.values())):
        raise PolmodelError(f"groups: a {type(groups).__name__}; allowed: True, False, or a mapping "
                            "of assumption names to group names")
    run = RunOptions(seed=seed, horizon=horizon, executor=executor, chunk_size=chunk_size,
                     progress=progress, parameters=parameters, initial=initial,
                     structure=structure, engine=engine)
    seed = int(run.seed) if isinstance(run.seed, Integral) else run.seed  # as check_seed gives it
    sc = run.scenario(scenario)
    # Indices apportion the difference itself; the practical-tie margin is for yes/no answers.
    question = replace(question_for(sc, policy, versus, outcome), margin=TIE)
    # The structure is one more assumption, unless fixed or nothing else is uncertain.
    sc = replace(sc, structure_factor=(structure is None and question.outcome in STRUCTURE_OUTCOMES
                                       and varied_count(sc) > 0))
    for m in methods:
        if m not in METHODS:
            raise PolmodelError(f"method {m!r}: unknown; allowed: {', '.join(METHODS)}")
    from polmodel.model.states import AGGREGATORS

    for a in aggregators:
        if a not in AGGREGATORS:
            raise PolmodelError(f"aggregator {a!r}: unknown; allowed: {', '.join(AGGREGATORS)}")
    aggs = tuple(dict.fromkeys(aggregators or (sc.aggregator,)))
    if not question.uses_aggregator:
        aggs = aggs[:1]
    rng = np.random.default_rng(seed)
    streams = rng.spawn(3)
    dims = uncertain_dimensions(sc)
    varied = [k for k, (_, lo, hi) in dims.items() if hi > lo]
    bounds = {k: (dims[k][1], dims[k][2]) for k in varied}
    inert = inert_assumptions(sc, question, varied, rng=streams[0])
    active = [k for k in varied if k not in inert]
    box = [bounds[k] for k in active]
    step = run.progress or (lambda k: None)
    if "sobol" in methods:  # the Saltelli design: (d + 2) n rows, two policies each
        check_memory(n, len(varied), 2,
                     need=lambda k: comparison_bytes((len(active) + 2) * k, len(varied), 2),
                     request=f"Sobol' indices on {n:,} worlds (--worlds) x {len(active) + 2} "
                             f"({len(active)} assumptions varied, plus 2)",
                     fewer="fewer worlds (--worlds) or fewer assumptions varied (--set NAME=VALUE "
                           "fixes one)")
    if isinstance(groups, Mapping):
        unknown = sorted(set(groups) - set(varied))
        if unknown:
            raise PolmodelError(f"groups: {unknown[0]!r} is not an uncertain assumption of "
                                f"{sc.name}; allowed: names as `polmodel show` lists them")

    def answer(agg):
        def f(x):
            return ask(question, sc, design_worlds(sc, active, np.asarray(x).T), aggregator=agg,
                       executor=run.executor, chunk_size=run.chunk_size, engine=run.engine)
        return f

    sobols, screens = [], []
    if active:
        for agg in aggs:
            if "sobol" in methods:
                sobols.append(sobol(answer(agg), box, active, n=n, n_resamples=n_resamples,
                                    confidence_level=confidence_level, interval=interval,
                                    seed=streams[1], aggregator=agg))
                step(1)
            if "morris" in methods:
                grouping = None
                if groups:
                    grouping = (parameter_groups(active) if groups is True else
                                {k: groups.get(k, k) for k in active})  # the rest: one each
                screens.append(morris(answer(agg), box, active, trajectories=trajectories,
                                      groups=grouping, confidence_level=confidence_level,
                                      seed=streams[2], aggregator=agg))
                step(1)
    torn = None
    if "tornado" in methods and active:
        torn = tornado(sc, question, active, aggregator=aggs[0], aggregators=aggs,
                       executor=run.executor)
        step(1)
    return Sensitivity(
        scenario=sc.label, title=sc.title, question=question, horizon=sc.horizon,
        seed=seed if isinstance(seed, int) else None, bounds=bounds, sobol=tuple(sobols),
        morris=tuple(screens), tornado=torn, inert=inert, confidence_level=confidence_level,
        n_resamples=n_resamples if "sobol" in methods else 0, settings=run.settings,
        structure="sampled" if sc.structure_factor else sc.structure,
    )


def n_steps(question: Question, methods: Sequence[str] = METHODS,
            aggregators: Sequence[str] = ("min", "product")) -> int:
    """How many times :func:`sensitivity` calls ``progress`` for a question (for a bar)."""
    k = len(dict.fromkeys(aggregators)) if question.uses_aggregator else 1
    return k * sum(m in methods for m in ("sobol", "morris")) + ("tornado" in methods)
