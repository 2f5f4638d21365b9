"""Scenario discovery: the few assumption ranges that box the worlds where an answer holds.

"What you would have to believe": PRIM (:mod:`polmodel.analysis.prim`) over the sampled worlds
of a scenario, for a yes/no answer (a window opens under a policy; one policy gives a higher
opening index than another). Each box is read out as a sentence with its *density* (share of the
worlds in the box where the answer holds), *coverage* (share of all worlds where it holds that
the box contains) and *mass* (share of all worlds inside the box).

One sample's box is one sample's answer: the sentence states only the restrictions that recur
when the search is rerun on fresh samples of as many worlds (:mod:`polmodel.analysis.recurrence`),
with how often they recur, or says that none does; the sample's own box is shown after it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from polmodel.analysis.options import RunOptions, documents_run_keywords
from polmodel.analysis.prim import PRUNE_TOLERANCE, Box, PrimResult, _prim, check_settings
from polmodel.analysis.questions import (
    STRUCTURE_OUTCOMES,
    Question,
    question_for,
    under_structures,
)
from polmodel.analysis.recurrence import RESAMPLES, Recurrence, rerun_boxes
from polmodel.analysis.worlds import (
    DEFAULT_CHUNK,
    STRUCTURE_FACTOR,
    Worlds,
    uncertain_dimensions,
    varied_count,
)
from polmodel.errors import PolmodelError
from polmodel.limits import check_whole
from polmodel.scenario.definition import Scenario
from polmodel.views.text import counted, provenance, result_html, result_text


@dataclass(frozen=True)
class Discovery:
    """The worlds where an answer holds, boxed by a few assumption ranges (PRIM).

    Build one with :func:`discover`. Shares are shares of plausible worlds under the
    scenario's assumed ranges. ``recurrence`` counts the restrictions of the boxes found on
    fresh samples (None when no rerun was asked for).
    """

    scenario: str
    title: str
    question: Question
    aggregator: str
    horizon: int
    worlds: Worlds
    holds: np.ndarray
    prim: PrimResult
    settings: Mapping[str, Any]
    recurrence: Recurrence | None = None
    structure: str = ""
    """The structure every world is read under, or "sampled" when each world draws one."""

    @property
    def share(self) -> float:
        """Share of all worlds in which the answer holds."""
        return float(self.holds.mean())

    @property
    def box(self) -> Box:
        """The chosen box."""
        return self.prim.box

    def provenance(self) -> str:
        """Version, scenario, question, seed, worlds, horizon, aggregator, what-ifs."""
        from polmodel.scenario.whatif import describe_settings

        return provenance(scenario=self.scenario, question=self.question.text(),
                          seed=self.worlds.seed, sampler=self.worlds.sampler, worlds=len(self.worlds),
                          horizon=counted(self.horizon, "month"), structure=self.structure or None,
                          aggregator=self.aggregator, what_ifs=describe_settings(self.settings))

    def sentence(self) -> str:
        """What you would have to believe: the restrictions that recur across reruns, or none."""
        from polmodel.views.discovery_text import sentence

        return sentence(self)

    def box_sentence(self) -> str:
        """The box found on this sample, read out (one sample's answer)."""
        from polmodel.views.discovery_text import box_sentence

        return box_sentence(self)

    def stable(self) -> list[str]:
        """The assumptions restricted in more than half of the reruns (empty without reruns)."""
        return [] if self.recurrence is None else self.recurrence.stable()

    def _sections(self) -> list:
        from polmodel.views.discovery_text import sections

        return sections(self)

    def summary(self) -> str:
        """The sentence, the box and the trade-off, the caveat and the provenance."""
        return result_text(f"{self.title}: where {self.question.text()}", self.sentence(), self._sections(), self.provenance())

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (f"Discovery({self.scenario!r}, {self.question.text()!r}, share {self.share:.0%}, "
                f"box on {', '.join(self.box.names) or 'nothing'}: density {self.box.density:.0%}, "
                f"coverage {self.box.coverage:.0%})")

    def _repr_html_(self) -> str:
        return result_html(f"{self.title}: where {self.question.text()}", self.sentence(), self._sections(), self.provenance())

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the sentence, the stable restrictions, this sample's box, the trajectory."""
        from polmodel.views.discovery_text import to_dict

        return to_dict(self)

    def to_frame(self):
        """The peeling trajectory as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise PolmodelError("to_frame needs pandas: pip install pandas") from None
        p = self.prim
        return pd.DataFrame({"coverage": p.coverage, "density": p.density, "mass": p.mass,
                             "restricted": p.restricted,
                             "chosen": np.arange(len(p.coverage)) == p.chosen}).rename_axis("step")

    def to_csv(self, path=None) -> str:
        """The box and the stable restrictions as CSV (provenance in columns); also to ``path``."""
        from polmodel.views.discovery_text import to_csv

        text = to_csv([self])
        if path is not None:
            from polmodel.views.text import write_text

            write_text(path, text)
        return text

    def plot(self, ax=None):
        """The peeling trajectory: coverage against density, the chosen box marked."""
        from polmodel.views.analysis_plots import plot_tradeoff_curve

        return plot_tradeoff_curve(self, ax=ax)


@documents_run_keywords("worlds", "seed", "sampler", "horizon", "aggregator", "parameters",
                        "executor", "chunk_size", "progress", "engine")
def discover(
    scenario: Scenario | str = "venezuela-2018",
    policy: str | None = None,
    versus: str | None = None,
    *,
    outcome: str = "peak_index",
    worlds: int | Worlds = 2000,
    seed: int | np.random.Generator | None = 0,
    sampler: str = "lhs",
    horizon: int | None = None,
    aggregator: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    initial: Mapping[str, Any] | None = None,
    structure: str | None = None,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    min_mass: float = 0.05,
    min_coverage: float = 0.2,
    max_restrictions: int = 3,
    executor: Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
    resamples: int = RESAMPLES,
    keep_reruns: bool = False,
    engine: str = "numpy",
) -> Discovery:
    """Box the plausible worlds where an answer holds (PRIM), and say it in a sentence.

    Parameters
    ----------
    scenario : Scenario or str
    policy, versus : str, optional
        The answer: "``policy`` gives a higher ``outcome`` than ``versus``" (paired, world by
        world), or "a window opens under ``policy``" with ``outcome="window"`` and no
        ``versus``. By default the scenario's contrast (else its first policy against the
        baseline).
    outcome : str
        See :data:`polmodel.analysis.questions.OUTCOMES`.
    peel_alpha, paste_alpha, min_mass, min_coverage, max_restrictions :
        PRIM settings (:func:`polmodel.analysis.prim.prim`).
    <run keywords>
    resamples : int
        Reruns of the search on fresh samples of as many worlds, seeds spawned from ``seed``
        (from the worlds' seed when worlds are given): the sentence states only the
        restrictions found in more than half of them (:mod:`polmodel.analysis.recurrence`).
        0 for none: the sentence then reads out this sample's box.
    keep_reruns : bool
        Keep every rerun's worlds and answers (``recurrence.pooled``), for readings of many
        worlds at no further cost (:mod:`polmodel.analysis.verdict_flips`).

    Returns
    -------
    Discovery

    Examples
    --------
    >>> d = discover("venezuela-2018", "targeted", "broad", worlds=500, resamples=5)
    >>> 0 <= d.box.density <= 1, d.recurrence.resamples
    (True, 5)
    """
    check_settings(peel_alpha=peel_alpha, paste_alpha=paste_alpha, min_mass=min_mass,
                   min_coverage=min_coverage, max_restrictions=max_restrictions)
    resamples = check_whole(resamples, "resamples", 0, 10_000)
    run = RunOptions(worlds=worlds, seed=seed, sampler=sampler, horizon=horizon,
                     aggregator=aggregator, structure=structure, executor=executor,
                     chunk_size=chunk_size, progress=progress, parameters=parameters,
                     initial=initial, engine=engine)
    sc = run.scenario(scenario)
    question = question_for(sc, policy, versus, outcome)
    # Unless fixed, the structure is one more assumption a box can restrict (worlds given
    # carry it as a column when they were sampled with it).
    given = isinstance(worlds, Worlds)
    if given and structure is not None and STRUCTURE_FACTOR in worlds.names:
        raise PolmodelError(f"structure={structure!r}: these worlds sample the structure as an "
                            "assumption; allowed: structure=None with them, or worlds sampled "
                            "without it")
    sc = replace(sc, structure_factor=structure is None and (
        STRUCTURE_FACTOR in worlds.names if given
        else question.outcome in STRUCTURE_OUTCOMES and varied_count(sc) > 0))
    # PRIM needs every world: the sampled worlds and the question's policies' outcomes are
    # estimated, and a request that cannot fit refused, before anything is sampled.
    run.check_memory(sc, policies=len(question.policies))
    w = run.sample(sc)
    agg = run.aggregator or sc.aggregator
    outs = run.evaluate(w, [sc.schedule(p) for p in question.policies], agg, sc.structure)
    holds = question.holds(under_structures(dict(zip(question.policies, outs)), w, agg,
                                            question.outcome))
    dims = uncertain_dimensions(sc)
    bounds = np.array([[dims[k][1], dims[k][2]] for k in w.names])
    result = _prim(w.values, holds, w.names, bounds, peel_alpha, paste_alpha, min_mass,
                   min_coverage, PRUNE_TOLERANCE, max_restrictions)
    recurrence = None
    if resamples:
        given = isinstance(worlds, Worlds)
        recurrence = rerun_boxes(
            sc, question, len(w), seed=w.seed if given and w.seed is not None else run.seed,
            sampler=w.sampler if w.sampler in ("lhs", "sobol") else run.sampler, aggregator=agg,
            resamples=resamples, names=w.names, bounds=bounds, worlds=w, holds=holds,
            executor=run.executor, progress=run.progress, peel_alpha=peel_alpha,
            paste_alpha=paste_alpha, min_mass=min_mass, min_coverage=min_coverage,
            max_restrictions=max_restrictions, keep=keep_reruns, engine=run.engine)
    return Discovery(scenario=sc.label, title=sc.title, question=question, aggregator=agg,
                     horizon=sc.horizon, worlds=w, holds=holds, prim=result, settings=run.settings,
                     recurrence=recurrence,
                     structure="sampled" if STRUCTURE_FACTOR in w.names else sc.structure)
