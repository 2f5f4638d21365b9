"""One assumption at a time, at the ends of its range: inert assumptions and the tornado.

Two designs around a scenario's assumed ranges, for
:func:`polmodel.analysis.sensitivity_analysis.sensitivity`:

- :func:`inert_assumptions`: each assumption at both ends of its range in a few random worlds;
  one that moves no state of the model cannot affect the answer by construction, and is left
  out of the indices (with the mechanism table's reason when its levers are all off).
- :func:`tornado`: each assumption at either end of its range, the others at their central
  values, sorted by swing, for the room; and the swing from switching the fuzzy AND.

:func:`design_worlds` turns a design matrix over some assumptions into worlds (the others at
their central values); the Sobol' and Morris designs go through it too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from polmodel.analysis.questions import Question, ask, under_structures
from polmodel.analysis.worlds import DEFAULT_CHUNK, Worlds, _evaluate, uncertain_dimensions
from polmodel.model.parameters import MECHANISMS_BY_NAME, PARAMETERS
from polmodel.scenario.definition import Scenario

TORNADO_OUTCOME = {"window": "months_open"}  # a yes/no answer swings in months instead


@dataclass(frozen=True)
class Tornado:
    """One-at-a-time swings around the central run.

    Attributes
    ----------
    outcome : str
        What the bars measure (the question's outcome; months open for a yes/no window).
    central : float
        The answer at the central value of every assumption.
    names : tuple of str
    low, high : ndarray[n_names]
        Each assumption's range ends.
    at_low, at_high : ndarray[n_names]
        The answer with that one assumption at its low / high end.
    aggregators : mapping of str to float
        The answer at central values under each aggregator (a structural swing).
    """

    aggregator: str
    outcome: str
    central: float
    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    at_low: np.ndarray
    at_high: np.ndarray
    aggregators: Mapping[str, float]

    @property
    def swing(self) -> np.ndarray:
        """ndarray[n_names]: |answer at high end - answer at low end|."""
        return np.abs(self.at_high - self.at_low)

    def order(self) -> np.ndarray:
        """Indices of ``names`` by swing, largest first."""
        return np.array(sorted(range(len(self.names)), key=lambda i: (-self.swing[i], self.names[i])), int)


def design_worlds(scenario: Scenario, names: Sequence[str], x: np.ndarray) -> Worlds:
    """Worlds with columns ``names`` from ``x`` (n_rows, len(names)), the rest at central values."""
    dims = uncertain_dimensions(scenario)
    varied = tuple(k for k, (_, lo, hi) in dims.items() if hi > lo)
    fixed = {k: v for k, (v, lo, hi) in dims.items() if hi == lo}
    cols = [varied.index(name) for name in names]
    if cols == list(range(len(varied))):
        values = np.asarray(x, dtype=float)  # every column given: no copy to make
    else:
        values = np.empty((x.shape[0], len(varied)))
        values[:] = [dims[k][0] for k in varied]
        values[:, cols] = x
    return Worlds(scenario.name, varied, values, fixed, None, "analysis")


def inert_assumptions(scenario: Scenario, question: Question, names: Sequence[str], *,
                      rng: np.random.Generator, worlds: int = 8) -> dict[str, str]:
    """Assumptions that cannot move the question's answer by construction, with the reason.

    Each assumption is set to both ends of its range in ``worlds`` random worlds; if no
    condition, the exodus or the answer moves in any of them under any of the question's
    policies, the model does not reach it (a term multiplied by a lever that is off is exactly
    zero, so the test is exact, not statistical).
    """
    if not names:  # nothing uncertain: nothing to test
        return {}
    bounds = {k: (lo, hi) for k, (_, lo, hi) in uncertain_dimensions(scenario).items()}
    d = len(names)
    lo = np.array([bounds[k][0] for k in names])
    hi = np.array([bounds[k][1] for k in names])
    base = lo + rng.random((worlds, d)) * (hi - lo)
    x = np.repeat(base[None], 2 * d, axis=0)  # (2d, worlds, d)
    for j in range(d):
        x[2 * j, :, j] = lo[j]
        x[2 * j + 1, :, j] = hi[j]
    w = design_worlds(scenario, names, x.reshape(-1, d))
    moved = np.zeros(d, bool)
    outs = _evaluate(w, [scenario.schedule(p) for p in question.policies], "min", DEFAULT_CHUNK,
                     None, None, scenario.structure)  # nothing a caller gave, so nothing to check
    for o in under_structures(dict(enumerate(outs)), w, "min", question.outcome).values():
        for field in ("condition_mean", "exodus", "peak_index", "months_open"):
            v = np.asarray(getattr(o, field)).reshape(d, 2, worlds, -1)
            moved |= (v[:, 0] != v[:, 1]).reshape(d, -1).any(axis=1)
    used = {lv for p in question.policies for lv, s in scenario.policy(p).levers.items() if s.intensity > 0}
    who = (f"neither {' nor '.join(question.policies)} uses" if len(question.policies) > 1
           else f"{question.policies[0]} does not use")
    out = {}
    for name, m in zip(names, moved):
        if m:
            continue
        mech = MECHANISMS_BY_NAME.get(PARAMETERS[name].mechanism) if name in PARAMETERS else None
        if mech is not None and mech.levers and not set(mech.levers) & used:
            out[name] = (f"its mechanism ({mech.name}) acts only through {' or '.join(mech.levers)}, "
                         f"which {who}")
        else:
            out[name] = f"moves no state of the model under {' or '.join(question.policies)}"
    return out


def tornado(scenario: Scenario, question: Question, names: Sequence[str], *,
            aggregator: str, aggregators: Sequence[str] = (), executor: Executor | None = None) -> Tornado:
    """Swings of the answer with one assumption at a time at either end of its range.

    The answer is the question's outcome at central values (months open for a yes/no window).
    """
    q = Question(question.policy, question.versus, TORNADO_OUTCOME.get(question.outcome, question.outcome))
    dims = uncertain_dimensions(scenario)
    d = len(names)
    central = np.array([dims[k][0] for k in names])
    lo = np.array([dims[k][1] for k in names])
    hi = np.array([dims[k][2] for k in names])
    x = np.repeat(central[None], 2 * d + 1, axis=0)
    x[1::2][np.arange(d), np.arange(d)] = lo
    x[2::2][np.arange(d), np.arange(d)] = hi
    y = ask(q, scenario, design_worlds(scenario, names, x), aggregator=aggregator, executor=executor)
    structural = {aggregator: float(y[0])}
    for agg in aggregators:
        if agg != aggregator:
            structural[agg] = float(ask(q, scenario, design_worlds(scenario, names, x[:1]), aggregator=agg)[0])
    return Tornado(aggregator, q.outcome, float(y[0]), tuple(names), lo, hi, y[1::2], y[2::2], structural)
