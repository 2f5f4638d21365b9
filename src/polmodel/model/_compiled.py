"""A compiled (numba) port of the model: the ceiling the vectorised ensemble is measured against.

Needs numba (the ``bench`` extra); nothing in polmodel imports this module, only
``benchmarks/run.py`` and the tests. The equations are not written here a second time: the
source of :func:`polmodel.model.equations.coefficients` and :func:`polmodel.model.equations.rates` is rewritten so
numba can compile it by :mod:`polmodel.model._straight` (``p["name"]`` becomes a constant index into
a world's row of parameters, the dict of coefficients a tuple, ``c["name"]`` a constant index
into it, the lists of rates tuples), so the port follows every change to the model by
construction. Around them, a single-core loop written the way one would write it in C: worlds
outer, months inner, one world's states in a small array that stays in cache, coefficients once
per world and distinct lever setting, outcomes accumulated as the months go, no fast-math (it
would change the numbers). It gives the numbers of :func:`polmodel.analysis.worlds.evaluate` bit for
bit (tested).
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

from polmodel.analysis.worlds import PolicyOutcomes, Worlds, policy_outcomes
from polmodel.errors import PolmodelError
from polmodel.model import _straight
from polmodel.model import integrator as model
from polmodel.model.integrator import Outcomes
from polmodel.model.parameters import PARAMETERS
from polmodel.model.states import CONDITIONS, CROSSOVER, STATES

AGGREGATOR_CODES = {"min": 0, "product": 1, "geometric": 2}


def _compile_equations():
    """Numba versions of coefficients(p_row, u_row) -> tuple and rates(x, c_row) -> tuples."""
    coef, names = _straight.coefficients_tree()
    rates = _straight.rates_tree()
    c_arg = rates.args.args[1].arg
    rates = _straight._ConstantKeys({c_arg: {k: i for i, k in enumerate(names)}}).visit(rates)
    namespace = _straight.build(coef, rates)
    return numba.njit(namespace["coefficients"]), numba.njit(namespace["rates"]), len(names)


_coefficients, _rates, N_COEFFICIENTS = _compile_equations()
N_STATES, N_CONDITIONS = len(STATES), len(CONDITIONS)
EPS = model._EPS


@numba.njit(cache=False)
def _kernel(P, X0, settings, month_setting, dt, aggregator, peak_out, strict_out, graded_out,
            open_out, first_out, binding_out, mean_out, at_peak_out, crisis_out,
            final_out):  # pragma: no cover  (compiled)
    n = P.shape[0]
    horizon = month_setting.shape[0]
    C = np.empty((settings.shape[0], N_COEFFICIENTS))
    x = np.empty(N_STATES)
    for w in range(n):
        p = P[w]
        for s in range(settings.shape[0]):
            c = _coefficients(p, settings[s])
            for k in range(N_COEFFICIENTS):
                C[s, k] = c[k]
        for i in range(N_STATES):
            x[i] = X0[w, i]
        peak = strict = graded_peak = -1.0
        months_open = 0
        first = np.nan
        binding = binding_out[w]
        cond_sum = mean_out[w]
        at_peak = at_peak_out[w]
        binding[:] = 0
        cond_sum[:] = 0.0
        at_peak[:] = 0.0
        for t in range(horizon):
            gains, losses = _rates(x, C[month_setting[t]])
            for i in range(N_STATES):
                k = (gains[i] + losses[i]) + EPS
                eq = gains[i] / k
                x[i] = (x[i] - eq) * np.exp(k * -dt) + eq
            low = min(min(x[0], x[1]), min(x[2], x[3]))
            graded = np.sqrt(np.sqrt(x[0] * x[1] * x[2] * x[3]))
            strict = max(strict, low)
            graded_peak = max(graded_peak, graded)
            if aggregator == 0:
                J = low
            elif aggregator == 1:
                J = x[0] * x[1] * x[2] * x[3]
            else:
                J = graded
            if J > peak:
                peak = J
                for i in range(N_CONDITIONS):
                    at_peak[i] = x[i]
            for i in range(N_CONDITIONS):
                binding[i] += x[i] == low
                cond_sum[i] += x[i]
            if low > CROSSOVER:
                if months_open == 0:
                    first = t + 1
                months_open += 1
        peak_out[w] = peak
        strict_out[w] = strict
        graded_out[w] = graded_peak
        open_out[w] = months_open
        first_out[w] = first
        crisis_out[w] = cond_sum[0] * dt
        for i in range(N_CONDITIONS):
            cond_sum[i] = cond_sum[i] / max(horizon, 1)
        for i in range(N_STATES):
            final_out[w, i] = x[i]


def evaluate_compiled(worlds: Worlds, schedules: Sequence[np.ndarray], *,
                      aggregator: str = "min", dt: float = 1.0) -> list[PolicyOutcomes]:
    """Run several lever schedules on the same worlds in compiled code, on one core.

    Parameters
    ----------
    worlds : Worlds
    schedules : sequence of ndarray[n_months, n_levers]
    aggregator : {"min", "product", "geometric"}
    dt : float

    Returns
    -------
    list of PolicyOutcomes
        The numbers of :func:`polmodel.analysis.worlds.evaluate`, bit for bit.
    """
    if aggregator not in AGGREGATOR_CODES:
        raise PolmodelError(f"aggregator: {aggregator!r}; allowed here: {', '.join(AGGREGATOR_CODES)}")
    n = len(worlds)
    initial, params = worlds.inputs()
    P = np.empty((n, len(PARAMETERS)))
    for j, k in enumerate(PARAMETERS):
        P[:, j] = params[k]
    X0 = np.empty((n, N_STATES))
    for j, s in enumerate(STATES):
        X0[:, j] = initial[s]
    out = []
    for levers in schedules:
        settings, month_setting = np.unique(np.asarray(levers, dtype=float), axis=0,
                                            return_inverse=True)
        o = Outcomes(peak_index=np.empty(n), peak_strict=np.empty(n), peak_graded=np.empty(n),
                     months_open=np.empty(n, np.int32), first_window=np.empty(n),
                     binding_months=np.empty((n, N_CONDITIONS), np.int32),
                     condition_mean=np.empty((n, N_CONDITIONS)),
                     at_peak=np.empty((n, N_CONDITIONS)), crisis_months=np.empty(n),
                     final=np.empty((n, N_STATES)))
        _kernel(P, X0, np.ascontiguousarray(settings), month_setting.ravel().astype(np.int64),
                float(dt), AGGREGATOR_CODES[aggregator], o.peak_index, o.peak_strict,
                o.peak_graded, o.months_open, o.first_window, o.binding_months,
                o.condition_mean, o.at_peak, o.crisis_months, o.final)
        out.append(policy_outcomes(o))
    return out
