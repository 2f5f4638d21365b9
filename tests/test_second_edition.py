"""The model's second edition: each mechanism's sign, its conditional behaviour, the baseline.

Signs are checked two ways: every term of :func:`polmodel.model.equations.terms` against the sign the
mechanism table declares (so the table, the diagram and ``polmodel levers`` cannot drift from
the code), and each conditional claim by running one world with one thing changed.
"""

import re

import numpy as np
import pytest

from polmodel.analysis.decomposition import mechanism_of
from polmodel.model.equations import coefficients, contributions, rates, terms
from polmodel.model.integrator import simulate
from polmodel.model.levers import LEVER_NAMES, LeverSetting, Policy
from polmodel.model.parameters import (
    CONTEXT_PARAMETERS,
    MECHANISMS,
    MECHANISMS_BY_NAME,
    PARAMETERS,
    default_parameters,
)
from polmodel.model.states import CONDITIONS, STATES
from polmodel.scenario.loading import list_scenarios, load_scenario

VENEZUELA = load_scenario("venezuela-2018")
INITIAL = VENEZUELA.central_initial()
CONTEXT = {p.name: VENEZUELA.parameters[p.name].value for p in CONTEXT_PARAMETERS}
HORIZON = 36


def trajectory(levers=None, params=None, initial=None, horizon=HORIZON):
    settings = {name: LeverSetting(v) for name, v in (levers or {}).items()}
    p = default_parameters() | CONTEXT | (params or {})
    traj, _ = simulate(INITIAL | (initial or {}), p, Policy("t", settings).schedule(horizon))
    return traj[0]


def path(state, **kwargs):
    return trajectory(**kwargs)[:, STATES.index(state)]


def higher(a, b):
    """``a`` is at least ``b`` every month and above it at the horizon."""
    return bool(np.all(a - b >= -1e-12) and a[-1] - b[-1] > 1e-9)


def term(name, state=None, *, params=None, levers=None, **states):
    """Signed contribution of one mechanism to ``dx/dt`` of its state (or ``state``)."""
    u = tuple((levers or {}).get(n, 0.0) for n in LEVER_NAMES)
    x = [states.get(s, INITIAL[s]) for s in STATES]
    c = coefficients(default_parameters() | CONTEXT | (params or {}), u)
    return sum(part for term_, i, part in contributions(x, c)
               if mechanism_of(term_) == name and (state is None or STATES[i] == state))


# ---- the table and the code agree ---------------------------------------------------------------


def test_every_term_has_the_sign_its_mechanism_declares():
    rng = np.random.default_rng(3)
    seen = set()
    for _ in range(200):
        p = {k: rng.uniform(v.low, v.high) for k, v in PARAMETERS.items()}
        x = list(rng.uniform(0.0, 1.0, len(STATES)))
        u = tuple(rng.uniform(0.0, 1.0, len(LEVER_NAMES)))
        for name, i, v in contributions(x, coefficients(p, u)):
            m = mechanism_of(name)
            declared = {sign for s, sign in MECHANISMS_BY_NAME[m].moves if s == STATES[i]}
            assert declared, f"{m} moves {STATES[i]} but the table does not say so"
            if abs(v) < 1e-15:
                continue
            sign = 1 if v > 0 else -1
            assert sign in declared, f"{m} on {STATES[i]}: sign {sign}, table says {declared}"
            seen.add((m, STATES[i]))
    listed = {(m.name, s) for m in MECHANISMS for s, _ in m.moves}
    # Declared effects no term carries, exactly these. Five act only inside effective
    # coordination (``coord`` in coefficients(), damped by regional dependence and by the
    # backlash of a threat of force), so they reach pressure, the challenger and exposure
    # through the terms of the coordination, interlocutor and referral mechanisms, and only
    # when coordination is on:
    # test_effects_through_coordination_are_real holds their signs. Three more (third edition)
    # act only inside another mechanism's coefficient: relief restores linkage, which weakens
    # the siege rally (engagement_linkage); relief tied to talks raises the offer the dialogue
    # terms read (relief_for_talks); personalism weights rent loyalty (personalist_patronage).
    # tests/test_third_edition.py holds their signs. A new gap must be added here on purpose
    # (and given a test), not slip through a whitelist.
    assert listed - seen == {("regional_dependence", "pressure"),
                             ("regional_dependence", "challenger"),
                             ("regional_dependence", "exposure"),
                             ("force_threat", "challenger"),
                             ("force_threat", "exposure"),
                             ("engagement_linkage", "fracture"),
                             ("relief_for_talks", "challenger"),
                             ("personalist_patronage", "fracture")}


@pytest.mark.parametrize("state", ["pressure", "challenger", "exposure"])
def test_effects_through_coordination_are_real(state):
    """The declared effects of regional dependence and of force's backlash, which no term of
    their own carries, have their declared sign once coordination is on."""
    on = {"multilateral_coordination": 0.8}
    assert higher(path(state, levers=on, params={"regional_dependence": 0.2}),
                  path(state, levers=on, params={"regional_dependence": 0.8}))
    if state == "challenger":
        assert higher(path(state, levers=on), path(state, levers=on | {"force_threat": 1.0}))
        # Term by term: the threat lowers the challengers' recognition only through coordination.
        threat = {"force_threat": 1.0}
        assert term("interlocutor_recognition", levers=on | threat) < term(
            "interlocutor_recognition", levers=on)
        assert term("interlocutor_recognition", levers=threat) == term("interlocutor_recognition") == 0.0


def test_states_never_leave_the_unit_interval_under_any_levers():
    rng = np.random.default_rng(5)
    n = 500
    p = {k: rng.uniform(v.low, v.high, n) for k, v in PARAMETERS.items()}
    x0 = {s: rng.uniform(0, 1, n) for s in STATES}
    levers = rng.uniform(0, 1, (n, 24, len(LEVER_NAMES)))
    traj, _ = simulate(x0, p, levers)
    assert np.isfinite(traj).all() and traj.min() >= 0.0 and traj.max() <= 1.0


# ---- first-edition claims that were right still hold; normalization is fixed -----------------


def test_coordination_alone_does_not_move_the_crisis():
    np.testing.assert_array_equal(path("crisis", levers={"multilateral_coordination": 1.0}),
                                  path("crisis"))


def test_normalization_lets_pressure_fade_and_not_the_crisis():
    fast = {"pressure_normalization": PARAMETERS["pressure_normalization"].high}
    slow = {"pressure_normalization": PARAMETERS["pressure_normalization"].low}
    assert higher(path("pressure", params=slow), path("pressure", params=fast))
    np.testing.assert_array_equal(path("crisis", params=slow), path("crisis", params=fast))


# ---- conditional sanctions -------------------------------------------------------------------


def test_the_sanctions_rally_is_weaker_with_weak_legitimation_claims():
    strong = term("siege_rally", levers={"broad_sanctions": 1.0}, params={"legitimation": 0.9})
    weak = term("siege_rally", levers={"broad_sanctions": 1.0}, params={"legitimation": 0.1})
    assert strong < weak < 0
    assert term("siege_rally", levers={"broad_sanctions": 1.0}, params={"legitimation": 0.0}) == 0
    broad = {"broad_sanctions": 0.8}
    assert higher(path("fracture", levers=broad, params={"legitimation": 0.1}),
                  path("fracture", levers=broad, params={"legitimation": 0.9}))


def test_the_sanctions_rally_is_weaker_with_close_ties_to_the_senders():
    loose = term("siege_rally", levers={"broad_sanctions": 1.0}, params={"linkage": 0.1})
    close = term("siege_rally", levers={"broad_sanctions": 1.0}, params={"linkage": 0.9})
    assert loose < close < 0
    assert term("siege_rally", levers={"broad_sanctions": 1.0}, params={"linkage": 1.0}) == 0


def test_threats_of_force_have_their_own_rally_coefficient():
    threat = {"force_threat": 1.0}
    assert term("siege_rally", levers=threat) == 0.0
    assert term("threat_rally", levers=threat, params={"rally": 0.0}) < 0
    assert term("threat_rally", levers=threat, params={"threat_rally": 0.0}) == 0.0


def test_personalist_rulers_are_unsettled_more_by_sanctions():
    def added(personalism):
        on = path("fracture", levers={"targeted_sanctions": 0.7, "broad_sanctions": 0.7},
                  params={"personalism": personalism})
        return on - path("fracture", params={"personalism": personalism})

    assert higher(added(0.9), added(0.1))


def test_targeted_measures_raise_officials_exposure_over_time():
    assert higher(path("exposure", levers={"targeted_sanctions": 1.0}), path("exposure"))


# ---- security forces -----------------------------------------------------------------------


def test_cohesive_security_forces_hold_back_a_split():
    assert term("security_holds_coalition", security=0.9) < term("security_holds_coalition",
                                                                    security=0.3) < 0
    assert higher(path("fracture", initial={"security": 0.3}), path("fracture", initial={"security": 0.95}))


def test_full_cohesion_at_a_full_gate_stops_every_split():
    x = dict(INITIAL, security=1.0)
    p = default_parameters() | CONTEXT | {"security_gate": 1.0}
    c = coefficients(p, tuple(0.5 for _ in LEVER_NAMES))
    gains, _ = rates([x[s] for s in STATES], c)
    assert gains[STATES.index("fracture")] == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("what, kwargs", [
    ("enforcement against illicit revenue", {"levers": {"illicit_enforcement": 1.0}}),
    ("guarantees in a negotiation", {"levers": {"negotiation": 1.0},
                                     "params": {"guarantee_credibility": 0.9}}),
])
def test_what_erodes_the_security_forces(what, kwargs):
    assert higher(path("security"), path("security", **kwargs)), what


def test_a_crisis_without_rents_squeezes_the_security_forces():
    assert term("pay_squeeze", crisis=0.9, rents=0.1) < term("pay_squeeze", crisis=0.9, rents=0.8) < 0
    assert higher(path("security", initial={"rents": 0.8}), path("security", initial={"rents": 0.1}))


def test_rents_exposure_and_patrons_hold_the_security_forces():
    assert term("security_rents", rents=0.9) > term("security_rents", rents=0.1) > 0
    assert term("security_exposure", exposure=0.9) > term("security_exposure", exposure=0.1) > 0
    assert term("security_patrons", params={"patron_support": 0.9}) > term(
        "security_patrons", params={"patron_support": 0.1}) > 0


def test_loyal_security_forces_repress_harder():
    assert term("repression", security=0.9) < term("repression", security=0.3) < 0
    assert higher(path("challenger", initial={"security": 0.3}),
                  path("challenger", initial={"security": 0.95}))


# ---- challengers -----------------------------------------------------------------------------


def test_repression_backfires_only_above_the_mobilization_threshold():
    threshold = PARAMETERS["backfire_threshold"].default
    assert term("repression_backfire", challenger=threshold - 0.1) == 0.0
    assert term("repression_backfire", challenger=threshold) == 0.0
    above = [term("repression_backfire", challenger=threshold + d) for d in (0.05, 0.15, 0.3)]
    # Positive just above the threshold, and rising with the distance above it.
    assert 0 < above[0] < above[1] < above[2]
    # Above the threshold more loyal forces mean more backfire, not only more repression.
    assert term("repression_backfire", challenger=0.9, security=0.9) > term(
        "repression_backfire", challenger=0.9, security=0.3)


@pytest.mark.parametrize("lever, params", [
    ("opposition_support", {}),
    ("multilateral_coordination", {}),
    ("negotiation", {"dialogue_offer": 0.9}),
])
def test_levers_that_raise_the_challenger(lever, params):
    assert higher(path("challenger", levers={lever: 1.0}, params=params),
                  path("challenger", params=params))


def test_the_challenger_responds_to_the_governing_coalition():
    assert term("coalition_split_space", fracture=0.8) > term("coalition_split_space", fracture=0.1) > 0
    assert higher(path("challenger", initial={"fracture": 0.7}), path("challenger", initial={"fracture": 0.1}))


def test_the_challenger_draws_strength_from_its_own_unity():
    assert term("unification", challenger=0.6) > term("unification", challenger=0.2) > 0


def test_the_diaspora_drain_is_bounded():
    bound = PARAMETERS["exit_drain"].default
    for exodus in np.linspace(0, 1, 21):
        rate = -term("exit_drains_voice", exodus=exodus, challenger=1.0)
        assert 0 <= rate <= bound + 1e-15
    assert -term("exit_drains_voice", exodus=0.6, challenger=1.0) < bound


# ---- a baseline that holds, explained ---------------------------------------------------------

BUILT_IN = [n for n in list_scenarios() if n != "template"]
KNOWN_MOVERS = {("venezuela-2017", "challenger")}
"""Readings the model does not hold for 12 months at central values (see the README: the
2017 reading is of a mobilized opposition, which repression wore down that year)."""


@pytest.mark.parametrize("name", BUILT_IN)
def test_each_scenario_reading_holds_twelve_months_under_its_status_quo(name):
    from polmodel.analysis.runs import run

    r = run(name)
    drift = np.abs(r.states[:13, : len(CONDITIONS)] - r.states[0, : len(CONDITIONS)]).max(axis=0)
    for c, d in zip(CONDITIONS, drift):
        if (name, c) in KNOWN_MOVERS:
            assert d > 0.05, f"{name} {c} now holds: drop it from KNOWN_MOVERS"
        else:
            assert d <= 0.05, f"{name}: {c} moves {d:.3f} in 12 months"


@pytest.mark.parametrize("case", ["serbia-2000", "sudan-2019", "belarus-2020"])
def test_the_same_dynamics_move_a_case_whose_context_differs(case):
    # The hold comes from sourced readings, not a fitting knob: the same global rates move
    # historical cases whose context and levers differ.
    from polmodel.analysis.runs import run

    r = run(f"cases/{case}", "as-happened")
    drift = np.abs(r.states[:13, : len(CONDITIONS)] - r.states[0, : len(CONDITIONS)]).max()
    assert drift > 0.05


def test_the_template_names_every_parameter_and_sets_every_key(tmp_path, monkeypatch):
    """What `polmodel new` writes lists every mechanism parameter, from the table itself."""
    from click.testing import CliRunner

    from polmodel.cli import main
    from polmodel.model.parameters import MECHANISM_PARAMETERS
    from polmodel.scenario.loading import PARAMETER_LIST_LINE, template_text

    text = template_text()
    assert PARAMETER_LIST_LINE not in text
    block = text[text.index("state their mechanism moves:"):text.index("# Example")]
    listed = set(re.findall(r"[a-z_]+(?=,|\n)", block))
    assert {p.name for p in MECHANISM_PARAMETERS} <= listed
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["new", "my-country"]).exit_code == 0
    assert (tmp_path / "my-country.toml").read_text(encoding="utf-8") == text
    assert load_scenario(str(tmp_path / "my-country.toml")).defaults_used == ()
    assert load_scenario("template").defaults_used == ()


def test_the_rates_are_the_terms_summed_by_state():
    """Each state's dx/dt from rates() equals the sum of every term's part, gates included."""
    rng = np.random.default_rng(11)
    for n in (1, 7):
        for _ in range(50):
            p = {k: rng.uniform(0.0, v.limit, n) for k, v in PARAMETERS.items()}
            p["backfire_threshold"] = rng.uniform(0.0, 0.95, n)
            x = list(rng.uniform(0.0, 1.0, (len(STATES), n)))
            c = coefficients(p, tuple(rng.uniform(0.0, 1.0, (len(LEVER_NAMES), n))))
            gains, losses = rates(x, c)
            for i in range(len(STATES)):
                assert np.all(np.asarray(gains[i]) >= 0) and np.all(np.asarray(losses[i]) >= 0)
                dxdt = sum(part for _, j, part in contributions(x, c) if j == i)
                np.testing.assert_allclose(gains[i] * (1.0 - x[i]) - losses[i] * x[i], dxdt,
                                           rtol=1e-12, atol=1e-15)


def test_the_terms_keep_their_names_states_and_kinds_from_call_to_call():
    """rates() lays out its sums once from the first call: terms() must not change its layout."""
    rng = np.random.default_rng(12)
    first = None
    for _ in range(20):
        p = {k: rng.uniform(0.0, v.limit) for k, v in PARAMETERS.items()}
        x = list(rng.uniform(0.0, 1.0, len(STATES)))
        layout = [(name, i, kind) for name, i, kind, _ in
                  terms(x, coefficients(p, tuple(rng.uniform(0.0, 1.0, len(LEVER_NAMES)))))]
        first = first or layout
        assert layout == first
    assert len({name for name, _, _ in first}) == len(first), "one term per parameter"
    assert {name for name, _, _ in first} <= set(PARAMETERS)
