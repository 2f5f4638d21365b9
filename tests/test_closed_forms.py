"""Sizes of mechanisms, derived by hand: closed forms a state follows when its rates are constant.

Every state follows ``dx/dt = g (1 - x) - l x``. Where ``g`` and ``l`` stay constant over a run,
the solution is ``x(t) = x_eq + (x0 - x_eq) exp(-(g + l) t)`` with ``x_eq = g / (g + l)``, and
the integrator's monthly step is exact, so the model's trajectory must equal it to rounding.
Each test below builds ``g`` and ``l`` from the parameter table by hand (not from
:func:`polmodel.model.equations.coefficients`) and compares: halving or multiplying any rate
here by 1.5 moves the trajectory far beyond ``rtol=1e-9``.

Emigration draws from a bounded pool, ``e c (K - x)``, written as a gain ``e c K`` and a loss
``e c (1 - K)`` whose rates do not depend on exodus: its step is exact too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from polmodel.model.integrator import simulate
from polmodel.model.levers import LEVER_NAMES
from polmodel.model.parameters import default_parameters
from polmodel.model.states import STATES

RTOL = 1e-9
MONTHS = 240
CRISIS, SECURITY, EXODUS, EXPOSURE = (STATES.index(s) for s in ("crisis", "security", "exodus",
                                                                  "exposure"))
INITIAL = dict(crisis=0.6, fracture=0.2, challenger=0.3, pressure=0.3, security=0.7, rents=0.5,
               exodus=0.1, exposure=0.4)


def levers(months=MONTHS, **on):
    """A constant lever schedule: ``on`` maps lever names to intensities, the rest are 0."""
    u = np.zeros(len(LEVER_NAMES))
    for name, value in on.items():
        u[LEVER_NAMES.index(name)] = value
    return np.tile(u, (months, 1))


def closed_form(x0, gain, loss, months=MONTHS):
    """x(t) at t = 0..months for constant gain and loss."""
    k = gain + loss
    eq = gain / k
    return eq + (x0 - eq) * np.exp(-k * np.arange(months + 1))


def run(params=None, initial=None, schedule=None):
    p = default_parameters() | (params or {})
    traj, _ = simulate(INITIAL | (initial or {}), p, levers() if schedule is None else schedule)
    return traj[0]


# ---- crisis: drift (and recovery) alone -----------------------------------------------------

# With no exodus to drain brains and no levers, crisis has drift as its only gain and recovery
# as its only loss.
QUIET_CRISIS = {"brain_drain": 0.0}


def test_crisis_drift_alone_follows_its_closed_form():
    """No recovery: 1 - x decays at exactly the drift rate, x(t) = 1 - (1 - x0) exp(-drift t)."""
    p = default_parameters()
    d = p["drift"]
    got = run(QUIET_CRISIS | {"recovery": 0.0})[:, CRISIS]
    expected = 1.0 - (1.0 - INITIAL["crisis"]) * np.exp(-d * np.arange(MONTHS + 1))
    np.testing.assert_allclose(got, expected, rtol=RTOL)
    # Its half-life, in months, for the gap to a full crisis: ln 2 / drift (69.3 at 0.01).
    half_life = math.log(2) / d
    gap = 1.0 - run(QUIET_CRISIS | {"recovery": 0.0}, schedule=levers(round(half_life) + 1))[:, CRISIS]
    assert gap[0] * 2 ** (-round(half_life) / half_life) == pytest.approx(gap[round(half_life)],
                                                                         rel=RTOL)


def test_crisis_settles_at_drift_over_drift_plus_recovery():
    p = default_parameters()
    d, r = p["drift"], p["recovery"]
    got = run(QUIET_CRISIS)[:, CRISIS]
    np.testing.assert_allclose(got, closed_form(INITIAL["crisis"], d, r), rtol=RTOL)
    # Started at its steady state, the crisis stays there.
    eq = d / (d + r)
    np.testing.assert_allclose(run(QUIET_CRISIS, {"crisis": eq})[:, CRISIS], eq, rtol=RTOL)


# ---- exodus: emigration and return under a constant crisis ----------------------------------


def _constant_crisis():
    """Parameters and the crisis level c that stays constant: crisis at its steady state."""
    p = default_parameters() | QUIET_CRISIS
    c = p["drift"] / (p["drift"] + p["recovery"])
    return p, c


def exodus_rates(p, c):
    """Rate ``k`` and steady state ``x*`` of exodus below its ceiling under a constant crisis ``c``.

    Below the ceiling K, ``dx/dt = e c (K - x) - r (1 - c) x = k (x* - x)`` with
    ``k = e c + r (1 - c)`` and ``x* = e c K / k`` (below K whenever anyone returns; K itself
    when nobody does).
    """
    e, r, ceiling = p["emigration_rate"], p["return_rate"], p["exodus_ceiling"]
    k = e * c + r * (1.0 - c)
    return k, e * c * ceiling / k


def fine_run(p, initial, dt, months=MONTHS):
    """States at every step of ``dt`` over ``months`` with no lever, as runs of at most 600
    steps (a run's limit) chained state to state; the model keeps no state but the states."""
    steps, out = round(months / dt), [np.array([initial[s] for s in STATES])]
    while len(out) <= steps:
        n = min(600, steps + 1 - len(out))
        traj, _ = simulate(dict(zip(STATES, out[-1])), p, levers(n), dt=dt)
        out.extend(traj[0, 1:])
    return np.array(out)


@pytest.mark.parametrize("returns", ["default return", "no return"])
@pytest.mark.parametrize("dt", [1.0, 0.25, 1.0 / 16])
def test_exodus_under_a_constant_crisis_follows_its_closed_form(returns, dt):
    """Exodus follows ``x* + (x0 - x*) exp(-k t)`` with ``k = e c + r (1 - c)`` and
    ``x* = e c K / k``; with no return, ``x* = K``: the pool empties at the rate ``e c`` and
    exodus never passes the ceiling. The pool is written as a gain ``e c K`` and a loss
    ``e c (1 - K)`` whose rates do not depend on exodus, so the step is exact at any dt."""
    p, c = _constant_crisis()
    if returns == "no return":
        p = p | {"return_rate": 0.0}
    k, eq = exodus_rates(p, c)
    if returns == "no return":
        assert eq == pytest.approx(p["exodus_ceiling"], rel=1e-15)
    traj = fine_run(p, INITIAL | {"crisis": c}, dt)
    np.testing.assert_allclose(traj[:, CRISIS], c, rtol=RTOL)  # the premise: crisis holds
    t = np.arange(len(traj)) * dt
    expected = eq + (INITIAL["exodus"] - eq) * np.exp(-k * t)
    np.testing.assert_allclose(traj[:, EXODUS], expected, rtol=RTOL)  # crisis holds to RTOL
    assert np.all(traj[:, EXODUS] <= eq * (1 + RTOL)) and eq <= p["exodus_ceiling"]


def test_exodus_steady_state_and_half_life():
    p, c = _constant_crisis()
    k, eq = exodus_rates(p, c)
    # At its steady state, exodus stays put (so neither rate alone can be off by a factor):
    # there the held gain balances the loss, G (1 - x*) = l x*, whatever the step.
    np.testing.assert_allclose(run(p, {"crisis": c, "exodus": eq})[:, EXODUS], eq, rtol=RTOL)
    # From no exodus, half the way to the steady state in ln 2 / (e c + r (1 - c)) months.
    dt = 1.0 / 16
    gap = 1.0 - fine_run(p, INITIAL | {"crisis": c, "exodus": 0.0}, dt, months=120)[:, EXODUS] / eq
    half = np.argmax(gap <= 0.5) * dt
    half_life = math.log(2) / k
    assert half_life <= half <= half_life + dt


def test_exodus_returns_at_the_return_rate_when_the_crisis_is_over():
    """No crisis: nobody leaves, and exodus decays as exp(-return_rate t)."""
    p = default_parameters() | {"drift": 0.0, "brain_drain": 0.0}
    traj = run(p, {"crisis": 0.0, "exodus": 0.5})
    np.testing.assert_allclose(traj[:, EXODUS], 0.5 * np.exp(-p["return_rate"] * np.arange(MONTHS + 1)),
                               rtol=RTOL)


# ---- exposure: indictments against decay ----------------------------------------------------


@pytest.mark.parametrize("targeted", [0.0, 0.3, 1.0])
def test_exposure_follows_its_closed_form_under_constant_targeted_sanctions(targeted):
    """Gain indictment_rate * targeted, loss exposure_decay; nothing else moves exposure."""
    p = default_parameters()
    gain, loss = p["indictment_rate"] * targeted, p["exposure_decay"]
    got = run(schedule=levers(targeted_sanctions=targeted))[:, EXPOSURE]
    np.testing.assert_allclose(got, closed_form(INITIAL["exposure"], gain, loss), rtol=RTOL)
    if targeted:
        eq = gain / (gain + loss)
        np.testing.assert_allclose(
            run(initial={"exposure": eq}, schedule=levers(targeted_sanctions=targeted))[:, EXPOSURE],
            eq, rtol=RTOL)


# ---- security: officer exits under guarantees, ties against corporate distance ---------------

# Every other gain and loss of the security forces switched off: what is left is the exit of
# officers offered credible guarantees in a negotiation.
NO_TIES = {"ties_loyalty": 0.0, "corporate_distance": 0.0}
ONLY_EXITS_AND_TIES = {"security_rents": 0.0, "security_lockin": 0.0, "security_patrons": 0.0,
                       "pay_squeeze": 0.0, "enforcement_cohesion": 0.0, "campaign_defection": 0.0}
ONLY_EXITS = ONLY_EXITS_AND_TIES | NO_TIES


@pytest.mark.parametrize("negotiation, guarantee", [(1.0, 0.4), (0.6, 0.9)])
def test_officer_exits_drain_security_at_their_rate(negotiation, guarantee):
    """dx/dt = -officer_exit * negotiation * guarantee * x: a half-life of ln 2 over that rate."""
    p = default_parameters() | ONLY_EXITS | {"guarantee_credibility": guarantee,
                                             "dialogue_offer": 1.0 - guarantee}
    loss = p["officer_exit"] * negotiation * guarantee
    got = run(p, schedule=levers(negotiation=negotiation))[:, SECURITY]
    np.testing.assert_allclose(got, INITIAL["security"] * np.exp(-loss * np.arange(MONTHS + 1)),
                               rtol=RTOL)
    half_life = math.log(2) / loss
    t = np.arange(MONTHS + 1)
    np.testing.assert_allclose(got / INITIAL["security"], 2.0 ** (-t / half_life), rtol=RTOL)


def test_without_a_negotiation_no_officer_leaves():
    p = default_parameters() | ONLY_EXITS
    np.testing.assert_allclose(run(p)[:, SECURITY], INITIAL["security"], rtol=RTOL)


@pytest.mark.parametrize("ties", [0.2, 0.8])
@pytest.mark.parametrize("negotiation", [0.0, 0.6])
def test_security_settles_between_its_ties_and_officer_exits(ties, negotiation):
    """Gain ties_loyalty * T, loss corporate_distance * (1 - T) + officer_exit * n * guarantee:
    constant, so security follows the closed form; with equal ties and distance rates and no
    negotiation it settles at the coded ties T themselves."""
    p = default_parameters() | ONLY_EXITS_AND_TIES | {"security_ties": ties}
    gain = p["ties_loyalty"] * ties
    loss = (p["corporate_distance"] * (1.0 - ties)
            + p["officer_exit"] * negotiation * p["guarantee_credibility"])
    got = run(p, schedule=levers(negotiation=negotiation))[:, SECURITY]
    np.testing.assert_allclose(got, closed_form(INITIAL["security"], gain, loss), rtol=RTOL)
    if negotiation == 0.0 and p["ties_loyalty"] == p["corporate_distance"]:
        assert gain / (gain + loss) == pytest.approx(ties, rel=1e-12)
