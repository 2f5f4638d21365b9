"""Which PRIM restrictions recur when the search is rerun on fresh plausible worlds.

One PRIM box is one sample's answer: on the venezuela-2018 contrast, the third restriction of
the box changed with the seed and with the number of worlds (issue 16). A finding worth reading
out is one that recurs. :func:`rerun_boxes` draws ``resamples`` fresh samples of the same
number of worlds (seeds spawned from the analysis's seed, so the same seed gives the same
reruns), runs the same PRIM on each and counts, for every assumption, the reruns whose box
restricts it. A restriction is *stable* when it recurs in more than half of the reruns
(:data:`STABLE_SHARE`); it is stated with the median of its limits over those reruns, and the
box of the stable restrictions is measured on the analysis's own sample.

Why fresh samples and not a bootstrap of one sample: a bootstrap shows how PRIM varies around
the sample it resamples, so a restriction that one sample happens to favour recurs in most of
its bootstrap boxes and in few of another seed's. Fresh samples measure how often PRIM finds a
restriction at this number of worlds, which is what a different seed would show.

How many reruns (:data:`RESAMPLES`): a restriction that PRIM finds in a share ``p`` of reruns
is called stable when its count over ``K`` reruns, a binomial draw, exceeds ``K / 2``; a
restriction with ``p`` near one half is called stable at some seeds and not at others whatever
``K``, so the words flag a count within two standard deviations of a coin flip
(:meth:`Recurrence.barely`). For the venezuela-2018 contrast at 2,000 worlds (third edition),
200 reruns found rally in 93% of boxes, wedge in 92% and lockin in 73%, nothing else in more
than 6%: with 40 reruns, lockin is stable at a given seed with odds of about 998 in 1,000 (with
a restriction at 64%, as in the second edition: 30 reruns keep it stable at four seeds of five
or more with odds of 94 in 100, 40 reruns 98, 50 reruns 99). Chance still bites: the first 40
reruns of seed 4 restrict lockin 19 times (all 200: 140), so it is stable at four of seeds 0-4.
The contrast the other way has one restriction at half (broad_rent_cut, 51%), stable at a seed
or not as a coin falls whatever the number of reruns, which the words flag. A rerun costs about
0.05 s of one core (sampling 3 ms, two policies on 2,000 worlds 24 ms, PRIM 22 ms), so 40
reruns cost about 2 s a question; ``tools/stable_findings.py --measure 200`` measures both.
Without an executor the reruns' samples, each drawn from its own seed as it would be alone, are
evaluated together (:data:`BATCH_WORLDS`): the same numbers, fewer small evaluations; with
``keep=True`` their worlds and answers are kept for readings that need many worlds
(:mod:`polmodel.analysis.verdict_flips`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from polmodel.analysis.outcomes import PolicyOutcomes
from polmodel.analysis.prim import PRUNE_TOLERANCE, Box, _inside, _prim
from polmodel.analysis.questions import under_structures
from polmodel.analysis.worlds import DEFAULT_CHUNK, _draw_worlds, _evaluate

RESAMPLES = 40
"""Reruns of PRIM on fresh worlds that :func:`polmodel.discover` makes by default."""

STABLE_SHARE = 0.5
"""A restriction is stable when it recurs in more than this share of the reruns."""


@dataclass(frozen=True)
class Recurrence:
    """How often each assumption is restricted when PRIM is rerun on fresh plausible worlds.

    Attributes
    ----------
    resamples : int
        Reruns, each on a fresh sample of ``worlds`` plausible worlds.
    worlds : int
    names : tuple of str
        Every assumption some rerun restricts, most often restricted first (ties by name).
    counts : ndarray[n_names] of int
        Reruns whose box restricts it.
    raised, lowered : ndarray[n_names] of int
        Reruns whose box raises its lower limit / lowers its upper limit.
    low, high : ndarray[n_names]
        Median limit over the reruns that move it (the plausible range's end where none does).
    bounds : mapping of str to (float, float)
        The plausible range of each assumption.
    box : Box or None
        The stable restrictions (:meth:`stable`) as one box, measured on the analysis's own
        worlds; None when no restriction is stable.
    pooled : Pooled or None
        Every rerun's worlds and answers, when :func:`rerun_boxes` was asked to keep them.
    """

    resamples: int
    worlds: int
    names: tuple[str, ...]
    counts: np.ndarray
    raised: np.ndarray
    lowered: np.ndarray
    low: np.ndarray
    high: np.ndarray
    bounds: Mapping[str, tuple[float, float]]
    box: Box | None
    pooled: Pooled | None = None

    def stable(self) -> list[str]:
        """The assumptions restricted in more than half of the reruns, most often first."""
        return [n for n, c in zip(self.names, self.counts) if c > STABLE_SHARE * self.resamples]

    def barely(self, name: str) -> bool:
        """Whether a restriction's count is within two standard deviations of a coin flip.

        That is, ``resamples / 2 +- sqrt(resamples)``: stated or not, another seed may differ.
        """
        c = int(self.counts[self.names.index(name)])
        return abs(c - self.resamples / 2) <= self.resamples ** 0.5

    def limits(self, name: str) -> tuple[float, float]:
        """A stable restriction's limits: each end that most of its reruns move, at its median."""
        i = self.names.index(name)
        lo, hi = self.bounds[name]
        return (float(self.low[i]) if 2 * self.raised[i] > self.counts[i] else lo,
                float(self.high[i]) if 2 * self.lowered[i] > self.counts[i] else hi)

    def to_dict(self) -> dict[str, Any]:
        """Plain data: every restriction's count, the stable ones' limits, the stable box."""
        stable = self.stable()
        b = self.box
        return {
            "resamples": self.resamples, "worlds": self.worlds, "stable_share": STABLE_SHARE,
            "counts": {n: int(c) for n, c in zip(self.names, self.counts)},
            "stable": [{"name": n, "reruns": int(self.counts[self.names.index(n)]),
                        "low": self.limits(n)[0], "high": self.limits(n)[1]} for n in stable],
            "box": None if b is None else {"coverage": b.coverage, "density": b.density,
                                           "mass": b.mass},
        }


BATCH_WORLDS = 16 * DEFAULT_CHUNK
"""Worlds evaluated together when the reruns run in this process: the reruns' samples are
drawn one by one (each from its own seed, as before) and evaluated in one call of at most this
many worlds, which saves the per-call cost of many small evaluations; the numbers do not depend
on it, as they do not depend on the chunk size."""


@dataclass(frozen=True)
class Pooled:
    """Every rerun's worlds and answers, kept when asked for (``keep=True``).

    Attributes
    ----------
    values : ndarray[resamples * worlds, n_names]
        The reruns' worlds, rerun after rerun (rows ``r * worlds`` to ``(r + 1) * worlds``
        are rerun ``r``).
    answers : ndarray[resamples * worlds]
        The question's value in each (:meth:`Question.values`: for a contrast, the paired
        difference), read under the scenario's structure, as a comparison reads it, even
        where the worlds sample the structure (the reruns' boxes read each world under its
        own).
    """

    values: np.ndarray
    answers: np.ndarray


def rerun_boxes(scenario, question, n: int, *, seed, sampler: str, aggregator,
                resamples: int, names: Sequence[str], bounds: np.ndarray, worlds=None,
                holds: np.ndarray | None = None, executor=None, progress=None,
                keep: bool = False, engine: str = "numpy", **settings) -> Recurrence:
    """Rerun PRIM on ``resamples`` fresh samples of ``n`` worlds and count its restrictions.

    Parameters
    ----------
    scenario : Scenario
        What-ifs applied.
    question : Question
    n : int
        Worlds per rerun (the analysis's number).
    seed : int, numpy.random.Generator or None
        The analysis's seed; the reruns' seeds are spawned from it.
    sampler : {"lhs", "sobol"}
    aggregator : str or callable
    resamples : int
    names : sequence of str
        The sampled assumptions, in the worlds' column order.
    bounds : ndarray[n_names, 2]
        Their plausible ranges.
    worlds, holds : Worlds and ndarray[n_worlds] of bool, optional
        The analysis's own sample and answer, on which the stable box is measured.
    executor : concurrent.futures.Executor, optional
        Runs the reruns (each whole: sampling, policies, PRIM); the counts do not depend on it.
        Without one, the reruns' samples are evaluated together (:data:`BATCH_WORLDS`).
    progress : callable, optional
        Called with ``n`` after each rerun.
    keep : bool
        Keep every rerun's worlds and answers in :attr:`Recurrence.pooled` (memory:
        ``resamples * n`` worlds).
    engine : {"numpy", "compiled"}
        The engine the reruns' worlds run on (the analysis's).
    **settings
        PRIM's settings: peel_alpha, paste_alpha, min_mass, min_coverage, max_restrictions.

    Returns
    -------
    Recurrence
    """
    if isinstance(seed, np.random.Generator):
        seeds: list[Any] = list(seed.spawn(resamples))
    else:
        seeds = np.random.SeedSequence(seed).spawn(resamples)
    job = (scenario, question, n, sampler, aggregator, tuple(names), bounds, settings, keep,
           engine)
    results = []
    if executor is None:
        per_batch = max(1, BATCH_WORLDS // max(n, 1))
        for start in range(0, len(seeds), per_batch):
            for result in _rerun_batch(job, seeds[start:start + per_batch]):
                results.append(result)
                if progress is not None:
                    progress(n)
    else:
        for result in executor.map(_rerun, [job] * len(seeds), seeds):
            results.append(result)
            if progress is not None:
                progress(n)
    pooled = None
    if keep and results:
        pooled = Pooled(np.concatenate([r[3] for r in results]),
                        np.concatenate([r[4] for r in results]))
    return replace(_count([r[:3] for r in results], n, list(names), bounds, worlds, holds),
                   pooled=pooled)


def _rerun(job, seed):
    """One rerun: fresh worlds, the question's answer in each, PRIM's box (names, low, high)."""
    return _rerun_batch(job, [seed])[0]


def _rerun_batch(job, seeds) -> list[tuple]:
    """Reruns evaluated together: each draws its own worlds from its own seed, as alone.

    Returns, per rerun, the box's names, low and high limits, and (with ``keep``) the worlds'
    values and the question's values, else None twice.
    """
    scenario, question, n, sampler, aggregator, names, bounds, settings, keep, engine = job
    samples = [_draw_worlds(scenario, n, seed=s, sampler=sampler) for s in seeds]
    first = samples[0]
    together = replace(first, values=np.concatenate([w.values for w in samples]))
    outs = _evaluate(together, [scenario.schedule(p) for p in question.policies], aggregator,
                     DEFAULT_CHUNK, None, None, scenario.structure, engine)
    out = []
    for r, w in enumerate(samples):
        rows = slice(r * n, (r + 1) * n)
        own = {p: _rows(o, rows) for p, o in zip(question.policies, outs)}
        # The box reads each world under its own structure where the worlds sample it; the
        # kept answers are read under the scenario's structure (a comparison's reading).
        y = question.holds(under_structures(own, w, aggregator, question.outcome))
        box = _prim(w.values, y, names, bounds, settings["peel_alpha"], settings["paste_alpha"],
                    settings["min_mass"], settings["min_coverage"], PRUNE_TOLERANCE,
                    settings["max_restrictions"]).box
        out.append((box.names, box.low, box.high, w.values if keep else None,
                    question.values(own) if keep else None))
    return out


def _rows(o: PolicyOutcomes, rows: slice) -> PolicyOutcomes:
    """Some worlds' outcomes (views, no copy)."""
    return PolicyOutcomes(**{f: getattr(o, f)[rows] for f in PolicyOutcomes.__dataclass_fields__})


def _count(boxes, n, names, bounds, worlds, holds) -> Recurrence:
    full = {k: (float(lo), float(hi)) for k, (lo, hi) in zip(names, bounds)}
    seen: dict[str, list[tuple[float, float]]] = {}
    for box_names, lows, highs in boxes:
        for k, lo, hi in zip(box_names, lows, highs):
            seen.setdefault(k, []).append((float(lo), float(hi)))
    order = sorted(seen, key=lambda k: (-len(seen[k]), k))
    counts = np.array([len(seen[k]) for k in order], int)
    raised = np.array([sum(lo > full[k][0] for lo, _ in seen[k]) for k in order], int)
    lowered = np.array([sum(hi < full[k][1] for _, hi in seen[k]) for k in order], int)

    def median(k, side):
        moved = [lim[side] for lim in seen[k] if (lim[0] > full[k][0] if side == 0
                                                  else lim[1] < full[k][1])]
        return float(np.median(moved)) if moved else full[k][side]

    r = Recurrence(len(boxes), n, tuple(order), counts, raised, lowered,
                   np.array([median(k, 0) for k in order]), np.array([median(k, 1) for k in order]),
                   full, None)
    stable = r.stable()
    if not stable or worlds is None or holds is None:
        return r
    lim = np.array([full[k] for k in names], float)
    for k in stable:
        lim[names.index(k)] = r.limits(k)
    inside = _inside(worlds.values, lim)
    k_in, hits, total = int(inside.sum()), int(holds[inside].sum()), int(holds.sum())
    box = Box(tuple(stable), np.array([r.limits(k)[0] for k in stable]),
              np.array([r.limits(k)[1] for k in stable]),
              hits / total if total else 0.0, hits / k_in if k_in else 0.0, k_in / len(holds))
    return replace(r, box=box)
