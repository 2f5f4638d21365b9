"""Sizes of mechanisms, derived by hand: closed forms a state follows when its rates are constant.

Every state follows ``dx/dt = g (1 - x) - l x``. Where ``g`` and ``l`` stay constant over a run,
the solution is ``x(t) = x_eq + (x0 - x_eq) exp(-(g + l) t)`` with ``x_eq = g / (g + l)``, and
the integrator's monthly step is exact, so the model's trajectory must equal it to rounding.
Each test below builds ``g`` and ``l`` from the parameter table by hand (not from
:func:`polmodel.model.equations.coefficients`) and compares: halving or multiplying any rate
here by 1.5 moves the trajectory far beyond ``rtol=1e-9``.
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


def test_exodus_under_a_constant_crisis_follows_its_closed_form():
    """dx/dt = e c (1 - x) - r (1 - c) x: x_eq = e c / (e c + r (1 - c)), rate e c + r (1 - c)."""
    p, c = _constant_crisis()
    e, r = p["emigration_rate"], p["return_rate"]
    gain, loss = e * c, r * (1.0 - c)
    traj = run(p, {"crisis": c})
    np.testing.assert_allclose(traj[:, CRISIS], c, rtol=RTOL)  # the premise: crisis holds
    np.testing.assert_allclose(traj[:, EXODUS], closed_form(INITIAL["exodus"], gain, loss),
                               rtol=RTOL)


def test_exodus_steady_state_and_half_life():
    p, c = _constant_crisis()
    e, r = p["emigration_rate"], p["return_rate"]
    eq = e * c / (e * c + r * (1.0 - c))
    # At its steady state, exodus stays put (so neither rate alone can be off by a factor).
    np.testing.assert_allclose(run(p, {"crisis": c, "exodus": eq})[:, EXODUS], eq, rtol=RTOL)
    # From no exodus, half the way to the steady state in ln 2 / (e c + r (1 - c)) months.
    half_life = math.log(2) / (e * c + r * (1.0 - c))
    t = np.arange(MONTHS + 1)
    got = run(p, {"crisis": c, "exodus": 0.0})[:, EXODUS]
    np.testing.assert_allclose(1.0 - got / eq, 2.0 ** (-t / half_life), rtol=RTOL)


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


# ---- security: officer exits under guarantees -----------------------------------------------

# Every other gain and loss of the security forces switched off: what is left is the exit of
# officers offered credible guarantees in a negotiation.
ONLY_EXITS = {"security_rents": 0.0, "security_lockin": 0.0, "security_patrons": 0.0,
              "pay_squeeze": 0.0, "enforcement_cohesion": 0.0, "campaign_defection": 0.0}


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
