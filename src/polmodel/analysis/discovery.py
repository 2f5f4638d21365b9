"""Scenario discovery: the few assumption ranges that box the worlds where an answer holds.

"What you would have to believe": PRIM (:mod:`polmodel.analysis.prim`) over the sampled worlds
of a scenario, for a yes/no answer (a window opens under a policy; one policy gives a higher
opening index than another). Each box is read out as a sentence with its *density* (share of the
worlds in the box where the answer holds), *coverage* (share of all worlds where it holds that
the box contains) and *mass* (share of all worlds inside the box).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from polmodel.analysis.options import RunOptions, documents_run_keywords
from polmodel.analysis.prim import PRUNE_TOLERANCE, Box, PrimResult, _prim, check_settings
from polmodel.analysis.questions import Question, question_for
from polmodel.analysis.worlds import DEFAULT_CHUNK, Worlds, uncertain_dimensions
from polmodel.errors import PolmodelError
from polmodel.scenario.definition import Scenario
from polmodel.views.text import CAVEAT, provenance, result_html, result_text


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _limit_words(name: str, lo: float, hi: float, full: tuple[float, float]) -> str:
    if lo > full[0] and hi < full[1]:
        return f"{name} is between {lo:.3g} and {hi:.3g}"
    return f"{name} is above {lo:.3g}" if lo > full[0] else f"{name} is below {hi:.3g}"


@dataclass(frozen=True)
class Discovery:
    """The worlds where an answer holds, boxed by a few assumption ranges (PRIM).

    Build one with :func:`discover`. Shares are shares of plausible worlds under the
    scenario's assumed ranges.
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
                          horizon=f"{self.horizon} months", aggregator=self.aggregator,
                          what_ifs=describe_settings(self.settings))

    def sentence(self) -> str:
        """The box read out: 'A ... in 81% of the worlds where ...; those worlds are 35% ...'."""
        q, b = self.question, self.box
        statement = q.text()
        statement = statement[0].upper() + statement[1:]
        if self.share == 0:
            return (f"{statement} in none of the {len(self.worlds)} plausible worlds sampled, under "
                    "these assumptions: there is nothing to box.")
        if self.share == 1:
            return f"{statement} in every plausible world sampled, under these assumptions."
        if not b.names or b.density - self.share < 0.05:
            return (f"{statement} in {self.share:.0%} of all plausible worlds, and no small set of "
                    f"assumption ranges singles them out (the best box found holds it in "
                    f"{b.density:.0%}).")
        full = dict(zip(self.prim.names, map(tuple, self.prim.bounds)))
        where = _join([_limit_words(n, lo, hi, full[n]) for n, lo, hi in zip(b.names, b.low, b.high)])
        return (f"{statement} in {b.density:.0%} of the worlds where {where}; those worlds are "
                f"{b.mass:.0%} of all plausible worlds and hold {b.coverage:.0%} of the worlds "
                f"where it does (it does in {self.share:.0%} of all worlds).")

    def _sections(self) -> list:
        b = self.box
        full = dict(zip(self.prim.names, map(tuple, self.prim.bounds)))
        limits = [[n, f"{lo:.3g} to {hi:.3g}", f"{full[n][0]:.3g} to {full[n][1]:.3g}"]
                  for n, lo, hi in zip(b.names, b.low, b.high)]
        p = self.prim
        steps = sorted(set(np.linspace(0, len(p.coverage) - 1, 8).astype(int)) | {p.chosen})
        traj = [[int(s), f"{p.coverage[s]:.0%}", f"{p.density[s]:.0%}", f"{p.mass[s]:.0%}",
                 int(p.restricted[s]), "chosen" if s == p.chosen else ""] for s in steps]
        return [
            ("The box", ("assumption", "in the box", "plausible range"), limits,
             f"density {b.density:.0%}, coverage {b.coverage:.0%}, mass {b.mass:.0%} "
             "(after pasting and pruning)."),
            ("Peeling trajectory (the coverage-density trade-off)",
             ("step", "coverage", "density", "mass", "restricted", ""), traj,
             "Rule: the box with the most coverage x (density - share) / (1 - share), share being "
             "the share of all worlds where it holds; among boxes covering at least 20%."),
        ]

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
        """Plain data: the sentence, the box, the trajectory."""
        q, b, p = self.question, self.box, self.prim
        return {
            "provenance": self.provenance(), "caveat": CAVEAT, "scenario": self.scenario,
            "seed": self.worlds.seed, "worlds": len(self.worlds),
            "question": {"policy": q.policy, "versus": q.versus, "outcome": q.outcome,
                         "statement": q.text()},
            "sentence": self.sentence(), "share": self.share,
            "box": {"coverage": b.coverage, "density": b.density, "mass": b.mass,
                    "limits": {n: [float(lo), float(hi)] for n, lo, hi in zip(b.names, b.low, b.high)}},
            "trajectory": {"coverage": p.coverage.tolist(), "density": p.density.tolist(),
                           "mass": p.mass.tolist(), "restricted": p.restricted.tolist(),
                           "chosen": p.chosen},
        }

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
        """The box limits as CSV, a provenance comment first; also written to ``path``."""
        import csv
        import io

        buf = io.StringIO()
        buf.write(f"# {self.provenance()} | {CAVEAT}\n")
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["statement", "assumption", "low", "high", "density", "coverage", "mass", "share"])
        b = self.box
        for n, lo, hi in zip(b.names, b.low, b.high) if b.names else [("", np.nan, np.nan)]:
            w.writerow([self.question.text(), n, f"{lo:.6g}", f"{hi:.6g}", f"{b.density:.6g}",
                        f"{b.coverage:.6g}", f"{b.mass:.6g}", f"{self.share:.6g}"])
        if path is not None:
            from pathlib import Path

            Path(path).write_text(buf.getvalue(), encoding="utf-8")
        return buf.getvalue()

    def plot(self, ax=None):
        """The peeling trajectory: coverage against density, the chosen box marked."""
        from polmodel.views.analysis_plots import plot_tradeoff_curve

        return plot_tradeoff_curve(self, ax=ax)


@documents_run_keywords("worlds", "seed", "sampler", "horizon", "aggregator", "parameters",
                        "executor", "chunk_size", "progress")
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
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    min_mass: float = 0.05,
    min_coverage: float = 0.2,
    max_restrictions: int = 3,
    executor: Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
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

    Returns
    -------
    Discovery

    Examples
    --------
    >>> d = discover("venezuela-2018", "targeted", "broad", worlds=500)
    >>> 0 <= d.box.density <= 1
    True
    """
    check_settings(peel_alpha=peel_alpha, paste_alpha=paste_alpha, min_mass=min_mass,
                   min_coverage=min_coverage, max_restrictions=max_restrictions)
    run = RunOptions(worlds=worlds, seed=seed, sampler=sampler, horizon=horizon,
                     aggregator=aggregator, executor=executor, chunk_size=chunk_size,
                     progress=progress, parameters=parameters, initial=initial)
    sc = run.scenario(scenario)
    question = question_for(sc, policy, versus, outcome)
    run.check_memory(sc, policies=0)  # the sampled worlds, as sample_worlds counts them
    w = run.sample(sc)
    agg = run.aggregator or sc.aggregator
    outs = run.evaluate(w, [sc.schedule(p) for p in question.policies], agg)
    holds = question.holds(dict(zip(question.policies, outs)))
    dims = uncertain_dimensions(sc)
    bounds = np.array([[dims[k][1], dims[k][2]] for k in w.names])
    result = _prim(w.values, holds, w.names, bounds, peel_alpha, paste_alpha, min_mass,
                   min_coverage, PRUNE_TOLERANCE, max_restrictions)
    return Discovery(scenario=sc.label, title=sc.title, question=question, aggregator=agg,
                     horizon=sc.horizon, worlds=w, holds=holds, prim=result, settings=run.settings)
