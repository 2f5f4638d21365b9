"""Scenario discovery: the few assumption ranges that box the worlds where an answer holds.

"What you would have to believe": PRIM (the Patient Rule Induction Method, Friedman & Fisher
1999, as used for scenario discovery by Bryant & Lempert 2010) over the sampled worlds of a
scenario, for a yes/no answer (a window opens under a policy; one policy gives a higher opening
index than another). Each box is read out as a sentence with its *density* (share of the
worlds in the box where the answer holds), *coverage* (share of all worlds where it holds that
the box contains) and *mass* (share of all worlds inside the box).

The implementation is ours, about 150 lines of numpy: the standalone ``prim`` package is
GPL-3 (polmodel is MIT) and the EMA Workbench's needs the whole workbench and pandas frames;
ours is tested on data with a planted box.

Steps (each documented where it is coded):

1. *Peeling*: repeatedly cut the ``peel_alpha`` share of the remaining worlds from the low or
   high end of one assumption, whichever cut leaves the highest density, until the box holds
   less than ``min_mass`` of the worlds. Every box on the way is kept: the peeling trajectory,
   the coverage-density trade-off.
2. *Choosing* (the documented rule): the box on the trajectory with the highest coverage
   times normalised lift, ``coverage * (density - share) / (1 - share)`` where ``share`` is the
   share of all worlds where the answer holds, among boxes with coverage at least
   ``min_coverage``. It is 0 for the whole space and 1 for a perfect box, and accepts less
   coverage for density the rarer the answer is.
3. *Pasting*: widen one limit of the chosen box by ``paste_alpha`` of its worlds while that
   raises the density.
4. *Pruning*: release the restriction whose release costs the least density, while that cost
   is at most ``prune_tolerance``, or while more than ``max_restrictions`` assumptions are
   restricted: a facilitator reads out two or three ranges, not twelve.
5. *Refining*: peel, choose, paste and prune again on the assumptions that survived pruning
   alone, and keep that box if it scores at least as well (their first limits were set among
   many other restrictions).

References
----------
Friedman, J. H., Fisher, N. I. (1999). Bump hunting in high-dimensional data. Statistics and
Computing 9, 123-143. Bryant, B. P., Lempert, R. J. (2010). Thinking inside the box: a
participatory, computer-assisted approach to scenario discovery. Technological Forecasting and
Social Change 77, 34-49.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from polmodel.analysis.questions import Question, contrast_questions, margin
from polmodel.analysis.worlds import (
    DEFAULT_CHUNK,
    Worlds,
    evaluate,
    sample_worlds,
    uncertain_dimensions,
)
from polmodel.errors import PolmodelError
from polmodel.scenario.loading import Scenario, load_scenario
from polmodel.views.text import CAVEAT, provenance, result_html, result_text


@dataclass(frozen=True)
class Box:
    """Limits on a few assumptions, and how well they single out the answer.

    Attributes
    ----------
    names : tuple of str
        The restricted assumptions.
    low, high : ndarray[n_restricted]
        Their limits (inclusive); the others keep their full plausible range.
    coverage, density, mass : float
        Share of the worlds where the answer holds that lie in the box; share of the worlds
        in the box where it holds; share of all worlds in the box.
    """

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    coverage: float
    density: float
    mass: float

    def contains(self, x: np.ndarray, names: Sequence[str]) -> np.ndarray:
        """ndarray[n_rows] of bool: rows of ``x`` (columns ``names``) inside the box."""
        inside = np.ones(len(x), bool)
        for name, lo, hi in zip(self.names, self.low, self.high):
            col = x[:, list(names).index(name)]
            inside &= (col >= lo) & (col <= hi)
        return inside


@dataclass(frozen=True)
class PrimResult:
    """The peeling trajectory and the chosen, pasted and pruned box.

    Attributes
    ----------
    names : tuple of str
    bounds : ndarray[n_inputs, 2]
        Full range of each input.
    limits : ndarray[n_steps, n_inputs, 2]
        The box after each peel (step 0 is the full range).
    coverage, density, mass : ndarray[n_steps]
    chosen : int
        Step picked by the rule, before pasting and pruning.
    box : Box
    """

    names: tuple[str, ...]
    bounds: np.ndarray
    limits: np.ndarray
    coverage: np.ndarray
    density: np.ndarray
    mass: np.ndarray
    chosen: int
    box: Box

    @property
    def restricted(self) -> np.ndarray:
        """ndarray[n_steps] of int: assumptions restricted at each step."""
        return (self.limits != self.bounds[None]).any(axis=2).sum(axis=1)


def _stats(inside: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    k = int(inside.sum())
    hits = int(y[inside].sum())
    total = int(y.sum())
    return (hits / total if total else 0.0, hits / k if k else 0.0, k / len(y))


def _score(coverage, density, share: float, min_coverage: float = 0.0) -> np.ndarray:
    """Coverage times normalised lift, (density - share) / (1 - share); -inf below min_coverage.

    It is 0 for the whole space, 1 for a box holding exactly the worlds where the answer holds,
    and trades coverage for density in proportion to how rare the answer is.
    """
    coverage, density = np.asarray(coverage, float), np.asarray(density, float)
    lift = (density - share) / (1 - share) if share < 1 else np.zeros_like(density)
    return np.where(coverage >= min_coverage, coverage * lift, -np.inf)


def _inside(x: np.ndarray, lim: np.ndarray) -> np.ndarray:
    return ((x >= lim[:, 0]) & (x <= lim[:, 1])).all(axis=1)


def prim(x: np.ndarray, y: np.ndarray, names: Sequence[str], *,
         bounds: np.ndarray | None = None, peel_alpha: float = 0.05, paste_alpha: float = 0.05,
         min_mass: float = 0.05, min_coverage: float = 0.2, prune_tolerance: float = 0.01,
         max_restrictions: int = 3) -> PrimResult:
    """Find a box of inputs where ``y`` holds densely: peel, choose, paste, prune.

    Parameters
    ----------
    x : ndarray[n_rows, n_inputs]
    y : ndarray[n_rows] of bool
    names : sequence of str
    bounds : ndarray[n_inputs, 2], optional
        Full range of each input (the columns' min and max by default).
    peel_alpha, paste_alpha : float
        Share of the box's rows removed per peel / added per paste.
    min_mass : float
        Peeling stops before a box holds less than this share of the rows.
    min_coverage : float
        The choosing rule (module docstring, step 2) ignores boxes covering less.
    prune_tolerance : float
        Density a restriction must be worth to stay.
    max_restrictions : int
        At most this many restricted inputs in the final box.

    Returns
    -------
    PrimResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((2000, 4))
    >>> r = prim(x, (x[:, 0] < 0.3) & (x[:, 2] > 0.6), ["a", "b", "c", "d"])
    >>> r.box.names, r.box.density > 0.9, r.box.coverage > 0.9
    (('a', 'c'), True, True)
    """
    _check_settings(peel_alpha=peel_alpha, paste_alpha=paste_alpha, min_mass=min_mass,
                    min_coverage=min_coverage, max_restrictions=max_restrictions,
                    prune_tolerance=prune_tolerance)
    x = np.asarray(x, float)
    y = np.asarray(y, bool)
    n, d = x.shape
    if y.shape != (n,):
        raise PolmodelError(f"prim: y has shape {y.shape}; expected ({n},)")
    full = (np.column_stack([x.min(0), x.max(0)]) if bounds is None
            else np.asarray(bounds, float).reshape(d, 2).copy())
    share = float(y.mean())

    def search(cols):
        limits, coverage, density, mass = _peel(x, y, full, cols, peel_alpha, min_mass)
        chosen = int(np.argmax(_score(coverage, density, share, min_coverage)))
        lim = _paste(x, y, limits[chosen], full, paste_alpha)
        lim = _prune(x, y, lim, full, prune_tolerance, max_restrictions)
        return limits, coverage, density, mass, chosen, lim

    limits, coverage, density, mass, chosen, lim = search(range(d))
    keep = [j for j in range(d) if (lim[j] != full[j]).any()]
    if keep and (len(keep) < d):
        # 5. Refining: peel again on the few inputs that survived pruning. Their first limits
        #    were set among many other restrictions; alone they usually box the answer better.
        again = search(keep)
        if _score(*_stats(_inside(x, again[-1]), y)[:2], share) >= \
                _score(*_stats(_inside(x, lim), y)[:2], share):
            limits, coverage, density, mass, chosen, lim = again
    cov, dens, mass_ = _stats(_inside(x, lim), y)
    keep = [j for j in range(d) if (lim[j] != full[j]).any()]
    box = Box(tuple(names[j] for j in keep), lim[keep, 0], lim[keep, 1], cov, dens, mass_)
    return PrimResult(tuple(names), full, np.array(limits), coverage, density, mass, chosen, box)


def _check_settings(**settings) -> None:
    """PRIM's settings: numbers in their ranges (strings, bools and nonsense refused)."""
    from polmodel.limits import check_number, check_whole

    for name, value in settings.items():
        if name == "max_restrictions":
            check_whole(value, name, 1, 1000)
            continue
        check_number(value, name, 0.0, 0.5 if name.endswith("alpha") else 1.0)
        if name.endswith("alpha") and not 0 < value < 0.5:
            raise PolmodelError(f"{name} = {value!r} is not allowed; allowed: more than 0 and "
                                "less than 0.5 (a share of the box's worlds)")


def _peel(x, y, full, cols, alpha, min_mass):
    """Peeling: cut alpha of the box from one end of one input of ``cols``, again and again.

    Each cut is the one leaving the highest density (ties: the cut removing fewer rows).
    """
    n = len(y)
    cols = np.asarray(list(cols), dtype=int)  # empty when nothing is uncertain: no peel
    k = len(cols)
    lim = full.copy()
    inside = np.ones(n, bool)
    limits, stats = [lim.copy()], [_stats(inside, y)]
    while True:
        idx = np.flatnonzero(inside)
        xi, yi = x[np.ix_(idx, cols)], y[idx]
        lo_q = np.quantile(xi, alpha, axis=0)
        hi_q = np.quantile(xi, 1 - alpha, axis=0)
        keeps = np.concatenate([xi > lo_q, xi < hi_q], axis=1)  # (m, 2k): peel low | peel high
        count = keeps.sum(axis=0)
        hits = (keeps & yi[:, None]).sum(axis=0)
        ok = (count < len(idx)) & (count >= max(min_mass * n, 1))
        if not ok.any():
            break
        score = np.where(ok, hits / np.maximum(count, 1), -np.inf)
        best = int(np.lexsort((-count, -score))[0])
        j, high = best % k, best >= k
        kept = keeps[:, best]
        inside[idx[~kept]] = False
        col = xi[kept, j]
        lim[cols[j], 1 if high else 0] = col.max() if high else col.min()
        limits.append(lim.copy())
        stats.append(_stats(inside, y))
    coverage, density, mass = (np.array(v) for v in zip(*stats))
    return limits, coverage, density, mass


def _paste(x, y, lim, full, alpha):
    """Pasting: widen one limit by alpha of the box's rows while that raises the density."""
    d = x.shape[1]
    lim = lim.copy()
    while True:
        inside = _inside(x, lim)
        _, dens, _ = _stats(inside, y)
        step = max(int(alpha * inside.sum()), 1)
        best_lim, best_dens = None, dens
        for j in range(d):
            if (lim[j] == full[j]).all():
                continue
            others = np.delete(np.arange(d), j)
            rest = ((x[:, others] >= lim[others, 0]) & (x[:, others] <= lim[others, 1])).all(axis=1)
            for side in (0, 1):
                if lim[j, side] == full[j, side]:
                    continue
                beyond = x[rest & ((x[:, j] < lim[j, 0]) if side == 0 else (x[:, j] > lim[j, 1])), j]
                if beyond.size == 0:
                    continue
                beyond = np.sort(beyond)
                new = beyond[-min(step, beyond.size)] if side == 0 else beyond[min(step, beyond.size) - 1]
                trial = lim.copy()
                trial[j, side] = full[j, side] if beyond.size <= step else new
                _, td, _ = _stats(_inside(x, trial), y)
                if td > best_dens:
                    best_lim, best_dens = trial, td
        if best_lim is None:
            return lim
        lim = best_lim


def _prune(x, y, lim, full, tolerance, max_restrictions):
    """Pruning: release the restriction costing the least density, while that is cheap.

    Cheap: the density lost is at most ``tolerance``, or more than ``max_restrictions`` inputs
    are restricted.
    """
    lim = lim.copy()
    while True:
        restricted = [j for j in range(x.shape[1]) if (lim[j] != full[j]).any()]
        if not restricted:
            return lim
        _, dens, _ = _stats(_inside(x, lim), y)
        trials = []
        for j in restricted:
            trial = lim.copy()
            trial[j] = full[j]
            trials.append((_stats(_inside(x, trial), y)[1], -j, trial))
        released, _, trial = max(trials, key=lambda t: (t[0], t[1]))
        if dens - released <= tolerance or len(restricted) > max_restrictions:
            lim = trial
        else:
            return lim


# ---------------------------------------------------------------------------------------------


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
    worlds : int or Worlds
        Worlds to sample, or worlds already sampled.
    seed, sampler, horizon, aggregator : optional
        As for :func:`polmodel.compare`.
    parameters, initial : mapping, optional
        What-ifs (:func:`polmodel.scenario.whatif.apply_settings`).
    peel_alpha, paste_alpha, min_mass, min_coverage, max_restrictions :
        PRIM settings (:func:`prim`).
    executor, chunk_size, progress :
        As for :func:`polmodel.compare`.

    Returns
    -------
    Discovery

    Examples
    --------
    >>> d = discover("venezuela-2018", "targeted", "broad", worlds=500)
    >>> 0 <= d.box.density <= 1
    True
    """
    from polmodel.scenario.whatif import apply_settings

    _check_settings(peel_alpha=peel_alpha, paste_alpha=paste_alpha, min_mass=min_mass,
                    min_coverage=min_coverage, max_restrictions=max_restrictions)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if horizon is not None:
        sc = sc.with_horizon(horizon)
    settings = dict(parameters or {}) | {f"initial.{k}": v for k, v in (initial or {}).items()}
    if isinstance(worlds, Worlds) and settings:
        raise PolmodelError("parameters/initial apply when worlds are sampled; give a number of worlds")
    sc = apply_settings(sc, parameters=parameters, initial=initial)
    # No contrast in a one-policy scenario: the baseline's own outcome, then.
    question = (contrast_questions(sc, outcome) or [Question(sc.baseline, None, outcome)])[0] \
        if policy is None and versus is None \
        else Question(policy or sc.baseline, versus, outcome, margin(sc, outcome))
    question.check(sc)
    w = worlds if isinstance(worlds, Worlds) else sample_worlds(sc, worlds, seed=seed, sampler=sampler)
    if w.scenario != sc.name:
        raise PolmodelError(f"worlds were sampled for {w.scenario!r}, not {sc.name!r}")
    agg = aggregator or sc.aggregator
    outs = evaluate(w, [sc.schedule(p) for p in question.policies], aggregator=agg,
                    executor=executor, chunk_size=chunk_size, progress=progress)
    holds = question.holds(dict(zip(question.policies, outs)))
    dims = uncertain_dimensions(sc)
    bounds = np.array([[dims[k][1], dims[k][2]] for k in w.names])
    result = prim(w.values, holds, w.names, bounds=bounds, peel_alpha=peel_alpha,
                  paste_alpha=paste_alpha, min_mass=min_mass, min_coverage=min_coverage,
                  max_restrictions=max_restrictions)
    return Discovery(scenario=sc.label, title=sc.title, question=question, aggregator=agg,
                     horizon=sc.horizon, worlds=w, holds=holds, prim=result, settings=settings)
