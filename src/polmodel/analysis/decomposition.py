"""What moved each state over a run: its change split into the part each mechanism made.

Over one step the exact update moves ``x`` by ``f * (1 - exp(-K dt)) / K``, where ``f`` is the
rate of change at the start of the step (the terms of :func:`polmodel.model.equations.terms`,
gains times ``1 - x`` less losses times ``x``) and ``K`` the sum of all rates; each term takes
its own share of that, so the parts add up to the change. A term's part goes to its mechanism,
as the parameter table names it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from polmodel.model import equations
from polmodel.model.equations import coefficients, contributions, sum_by_state
from polmodel.model.parameters import PARAMETERS
from polmodel.model.states import STATES


def mechanism_of(term: str) -> str:
    """The mechanism a term belongs to (the parameter table's ``mechanism``; else its own name)."""
    parameter = PARAMETERS.get(term)
    return parameter.mechanism if parameter is not None and parameter.mechanism else term


def decompose(states: np.ndarray, params: Mapping[str, float], levers: np.ndarray,
              dt: float = 1.0) -> dict[str, dict[str, float]]:
    """Split each state's change over a run into the parts each mechanism made.

    Parameters
    ----------
    states : ndarray[n_months + 1, n_states]
        One world's trajectory.
    params : mapping of str to float
        Every parameter.
    levers : ndarray[n_months, n_levers]
        The lever schedule the trajectory ran under.
    dt : float
        Step length in months.

    Returns
    -------
    dict of state to dict of mechanism to float
        Parts of ``states[-1] - states[0]``.
    """
    out: dict[str, dict[str, float]] = {s: {} for s in STATES}
    buckets = [out[s] for s in STATES]
    params = {k: float(v) for k, v in params.items()}
    cache: dict = {}
    # Plain floats throughout, and math.expm1 once per state and month: this runs with every
    # central run, so it must cost little more than the run.
    for t, key in enumerate(map(tuple, levers.tolist())):
        x = states[t].tolist()
        c = cache.get(key)
        if c is None:
            c = cache[key] = coefficients(params, key)
        # once: for the parts and for each state's total rate K; looked up at call time, as
        # sum_by_state looks up its layout, so both read the same terms()
        listed = equations.terms(x, c)
        parts = contributions(x, c, listed)
        k = [g + loss for g, loss in zip(*sum_by_state(listed))]
        factors = [-math.expm1(-ki * dt) / ki if ki > 0 else dt for ki in k]
        for name, i, part in parts:
            bucket = buckets[i]
            m = mechanism_of(name)
            bucket[m] = bucket.get(m, 0.0) + part * factors[i]
    return out
