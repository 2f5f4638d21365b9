"""The dynamics (model/equations.py, model/integrator.py): signs of mechanisms, steady states solved by hand, and properties.

Mechanism tests run one world from the 2018 memo's initial states with the default mechanism
parameters and the scenario's context, change one thing, and hold everything else equal. They
are run twice: with no other lever pulled, and on top of the 2018 mix of levers.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from polmodel.errors import PolmodelError
from polmodel.model.equations import coefficients, rates, terms
from polmodel.model.integrator import simulate
from polmodel.model.levers import LEVER_NAMES, LeverSetting, Policy
from polmodel.model.parameters import CONTEXT_PARAMETERS, PARAMETERS, default_parameters
from polmodel.model.states import CONDITIONS, STATES, opening_index, window_open
from polmodel.scenario.loading import load_scenario

HORIZON = 36
TOL = 1e-12
VENEZUELA = load_scenario("venezuela-2018")
INITIAL = VENEZUELA.central_initial()
CONTEXT = {p.name: VENEZUELA.parameters[p.name].value for p in CONTEXT_PARAMETERS}
OTHER_LEVERS = {"no other levers": {}, "2018 mix": dict(VENEZUELA.policy("status-quo").levers)}


@pytest.fixture(params=list(OTHER_LEVERS))
def others(request):
    """Lever settings held equal while one thing changes."""
    return OTHER_LEVERS[request.param]


def one_world(levers=None, *, params=None, initial=None, others=None):
    """Trajectory (months 0..HORIZON, STATES) and outcomes of one world.

    ``levers`` maps lever names to constant intensities and overrides ``others``.
    """
    settings = dict(others or {})
    settings.update({name: LeverSetting(v) for name, v in (levers or {}).items()})
    p = default_parameters() | CONTEXT | (params or {})
    traj, outcomes = simulate(INITIAL | (initial or {}), p, Policy("test", settings).schedule(HORIZON))
    return traj[0], outcomes


def path(state, levers=None, **kwargs):
    """One state, month by month."""
    return one_world(levers, **kwargs)[0][:, STATES.index(state)]


def assert_higher(a, b):
    """``a`` is at least ``b`` in every month and above it at the horizon."""
    gap = a - b
    assert np.all(gap >= -TOL), f"lower at month {int(np.argmin(gap))} by {-gap.min():.3g}"
    assert gap[-1] > 0, f"not higher at the horizon ({a[-1]} vs {b[-1]})"


# ---- Signs of mechanisms ---------------------------------------------------------------------


@pytest.mark.parametrize("exposure", [0.9, 1.0])
def test_targeted_sanctions_without_an_exit_close_ranks(others, exposure):
    # Indictment lock-in: officials facing prosecution with no off-ramp (no negotiation), in a
    # government that is not personalist (the channel of Escriba-Folch & Wright is tested apart).
    params = {"personalism": 0.0}
    initial = {"exposure": exposure}
    without = path("fracture", {"targeted_sanctions": 0.0, "negotiation": 0.0}, params=params,
                   initial=initial, others=others)
    targeted = path("fracture", {"targeted_sanctions": 1.0, "negotiation": 0.0}, params=params,
                    initial=initial, others=others)
    assert_higher(without, targeted)


@pytest.mark.parametrize("exposure", [0.5, 0.9, 1.0])
def test_targeted_sanctions_with_credible_offramps_raise_fracture(others, exposure):
    # The wedge: the same sanctions, now with negotiation and believed guarantees.
    params = {"guarantee_credibility": 0.9}
    initial = {"exposure": exposure}
    without = path("fracture", {"targeted_sanctions": 0.0, "negotiation": 1.0}, params=params,
                   initial=initial, others=others)
    targeted = path("fracture", {"targeted_sanctions": 1.0, "negotiation": 1.0}, params=params,
                    initial=initial, others=others)
    assert_higher(targeted, without)


@pytest.mark.parametrize("intensity", [0.3, 0.8])
def test_broad_sanctions_cost_more_than_targeted_at_the_same_intensity(others, intensity):
    _, targeted = one_world({"targeted_sanctions": intensity, "broad_sanctions": 0.0}, others=others)
    _, broad = one_world({"targeted_sanctions": 0.0, "broad_sanctions": intensity}, others=others)
    assert broad.crisis_months[0] > targeted.crisis_months[0]
    assert broad.exodus[0] > targeted.exodus[0]


SANCTIONS = {
    "targeted": {"targeted_sanctions": 0.8},
    "broad": {"broad_sanctions": 0.8},
    "both": {"targeted_sanctions": 0.5, "broad_sanctions": 0.5},
}


def sanctions_pressure_rate(sanctions, coordination):
    """The gain that sanctions add to pressure (per month), at one level of coordination."""
    u = np.zeros(len(LEVER_NAMES))
    u[LEVER_NAMES.index("multilateral_coordination")] = coordination
    for name, value in sanctions.items():
        u[LEVER_NAMES.index(name)] = value
    state = [INITIAL[s] for s in STATES]
    terms_ = terms(state, coefficients(default_parameters() | CONTEXT, tuple(u)))
    return sum(v for m, i, _, v in terms_ if m == "sanction_pressure")


@pytest.mark.parametrize("sanctions", list(SANCTIONS))
def test_sanctions_add_more_pressure_under_high_coordination(sanctions):
    rates_ = [sanctions_pressure_rate(SANCTIONS[sanctions], c) for c in (0.0, 0.1, 0.5, 0.9)]
    assert all(b > a for a, b in zip(rates_, rates_[1:]))


@pytest.mark.parametrize("sanctions", list(SANCTIONS))
def test_uncoordinated_sanctions_add_a_floor_of_pressure(others, sanctions):
    # The memo: pressure increased "in a disjointed manner" -- uncoordinated sanctions add some.
    floor = sanctions_pressure_rate(SANCTIONS[sanctions], 0.0)
    assert floor > 0
    share = PARAMETERS["uncoordinated_share"].default
    at_full = sanctions_pressure_rate(SANCTIONS[sanctions], 1.0) / (
        1.0 - PARAMETERS["dependence_damping"].default * CONTEXT["regional_dependence"])
    assert floor <= share * at_full + TOL
    on = {"multilateral_coordination": 0.0} | SANCTIONS[sanctions]
    off = {"multilateral_coordination": 0.0} | {name: 0.0 for name in SANCTIONS[sanctions]}
    assert_higher(path("pressure", on, others=others), path("pressure", off, others=others))


def pressure_added_by_coordination(*, levers=None, initial=None, others=None):
    def pressure(coordination):
        return path("pressure", (levers or {}) | {"multilateral_coordination": coordination},
                    initial=initial, others=others)

    return pressure(0.8) - pressure(0.0)


def test_a_stronger_challenger_makes_coordination_raise_pressure_more(others):
    assert_higher(pressure_added_by_coordination(initial={"challenger": 0.6}, others=others),
                  pressure_added_by_coordination(initial={"challenger": 0.1}, others=others))


def test_support_for_the_challengers_makes_coordination_raise_pressure_more(others):
    assert_higher(
        pressure_added_by_coordination(levers={"opposition_support": 1.0}, others=others),
        pressure_added_by_coordination(levers={"opposition_support": 0.0}, others=others),
    )


def test_a_higher_emigration_rate_lowers_the_challenger(others):
    rate = PARAMETERS["emigration_rate"]
    assert_higher(path("challenger", params={"emigration_rate": rate.low}, others=others),
                  path("challenger", params={"emigration_rate": rate.high}, others=others))


def test_a_larger_exodus_lowers_the_challenger(others):
    assert_higher(path("challenger", initial={"exodus": 0.1}, others=others),
                  path("challenger", initial={"exodus": 0.3}, others=others))


def test_cutting_illicit_revenue_raises_fracture(others):
    enforced = {"illicit_enforcement": 1.0}
    not_enforced = {"illicit_enforcement": 0.0}
    assert_higher(path("fracture", enforced, others=others),
                  path("fracture", not_enforced, others=others))
    # ... by way of the rents that buy loyalty.
    assert_higher(path("rents", not_enforced, others=others), path("rents", enforced, others=others))


@pytest.mark.parametrize("guarantee", [None, 0.9], ids=["scenario guarantees", "credible guarantees"])
def test_negotiation_raises_fracture_and_divides_a_challenger_it_offers_little(others, guarantee):
    params = ({} if guarantee is None else {"guarantee_credibility": guarantee}) | {"dialogue_offer": 0.1}
    talks = {"negotiation": 1.0}
    no_talks = {"negotiation": 0.0}
    assert_higher(path("fracture", talks, params=params, others=others),
                  path("fracture", no_talks, params=params, others=others))
    # Directly, talks that offer little divide the challengers (the first months); later the
    # split they open in the coalition gives the challengers space, so no sign is claimed there.
    assert_higher(path("challenger", no_talks, params=params, others=others)[:7],
                  path("challenger", talks, params=params, others=others)[:7])


def test_negotiation_that_offers_credible_elections_unifies_the_challengers(others):
    params = {"dialogue_offer": 0.9}
    assert_higher(path("challenger", {"negotiation": 1.0}, params=params, others=others),
                  path("challenger", {"negotiation": 0.0}, params=params, others=others))


# ---- Steady states and the exact step --------------------------------------------------------

RENTS = STATES.index("rents")
membership = st.floats(0.0, 1.0)
parameter_sets = st.fixed_dictionaries(
    {name: st.floats(p.low, p.high) for name, p in PARAMETERS.items()}
)
initial_states = st.fixed_dictionaries({s: membership for s in STATES})
lever_vectors = arrays(np.float64, len(LEVER_NAMES), elements=membership)
lever_schedules = arrays(np.float64, st.tuples(st.integers(1, 24), st.just(len(LEVER_NAMES))),
                         elements=membership)


# Every gain and loss of the crisis switched off: it then holds its initial value, so the one
# state rents read (production loss scales with the crisis) is a constant of the run.
FROZEN_CRISIS = {"drift": 0.0, "brain_drain": 0.0, "broad_hardship": 0.0, "recovery": 0.0,
                 "aid_easing": 0.0, "relief_easing": 0.0}


def rents_rates_by_hand(p, u, crisis):
    """Gain and loss of rents at a given crisis: constant while the crisis is.

    Gain: the resource base (rent_base times the context's resource_base), patrons, relief and
    captured aid; loss: depletion, production lost to the crisis, broad sanctions, enforcement.
    """
    broad, enforcement, relief, aid = (
        u[LEVER_NAMES.index(n)] for n in ("broad_sanctions", "illicit_enforcement",
                                          "sanctions_relief", "humanitarian_aid"))
    gain = (p["rent_base"] * p["resource_base"] + p["patron_rents"] * p["patron_support"]
            + p["relief_rents"] * relief + p["aid_capture"] * aid)
    loss = (p["rent_depletion"] + p["production_loss"] * crisis + p["broad_rent_cut"] * broad
            + p["enforcement_rent_cut"] * enforcement)
    return gain, loss


def test_rents_settle_at_gain_over_gain_plus_loss():
    p = default_parameters() | CONTEXT | FROZEN_CRISIS | {"resource_base": 0.7}
    u = np.zeros(len(LEVER_NAMES))
    for name, value in [("broad_sanctions", 0.5), ("illicit_enforcement", 0.3),
                        ("sanctions_relief", 0.2), ("targeted_sanctions", 0.7), ("negotiation", 0.4),
                        ("humanitarian_aid", 0.6)]:
        u[LEVER_NAMES.index(name)] = value
    crisis = INITIAL["crisis"]
    gain, loss = rents_rates_by_hand(p, u, crisis)
    c = coefficients(p, tuple(u))
    assert (c["rent_base"] + c["patron_rents"] + c["relief_rents"] + c["aid_capture"]
            == pytest.approx(gain))
    assert (c["rent_depletion"] + c["production_loss"] * crisis + c["broad_rent_cut"]
            + c["enforcement_rent_cut"] == pytest.approx(loss))

    # From no rents and from full rents alike, after 600 months (exp(-(g+l)*600) ~ 1e-30).
    initial = INITIAL | {"rents": np.array([0.0, 1.0])}
    traj, outcomes = simulate(initial, p, np.tile(u, (600, 1)))
    np.testing.assert_allclose(traj[:, :, STATES.index("crisis")], crisis, rtol=1e-9)  # premise
    np.testing.assert_allclose(outcomes.final[:, RENTS], gain / (gain + loss), rtol=1e-9)


@given(p=parameter_sets, u=lever_vectors, rents0=membership, crisis=membership,
       dt=st.floats(0.1, 3.0), months=st.integers(1, 24))
def test_rents_follow_the_closed_form_under_constant_levers(p, u, rents0, crisis, dt, months):
    p = p | FROZEN_CRISIS
    gain, loss = rents_rates_by_hand(p, u, crisis)
    rate = gain + loss
    equilibrium = gain / rate
    expected = equilibrium + (rents0 - equilibrium) * np.exp(-rate * dt * np.arange(months + 1))
    traj, _ = simulate(INITIAL | {"rents": rents0, "crisis": crisis}, p, np.tile(u, (months, 1)),
                       dt=dt)
    np.testing.assert_allclose(traj[0, :, RENTS], expected, rtol=1e-9, atol=1e-12)


@given(p=parameter_sets, x0=initial_states, u=lever_vectors, dt=st.floats(0.1, 3.0))
def test_one_step_is_exact_with_rates_held_over_the_step(p, x0, u, dt):
    x = np.array([x0[s] for s in STATES])
    gains, losses = rates(x, coefficients(p, tuple(u)))
    g, k = np.array(gains, dtype=float), np.array(gains, dtype=float) + np.array(losses, dtype=float)
    assert np.all(g >= 0) and np.all(k >= g)
    # x' = x_eq + (x - x_eq) exp(-k dt) = x exp(-k dt) + (g / k)(1 - exp(-k dt)); x' = x when k = 0.
    decay = np.exp(-k * dt)
    pulled = np.divide(g, k, out=np.zeros_like(g), where=k > 0) * (1.0 - decay)
    traj, _ = simulate(x0, p, u[None, :], dt=dt)
    np.testing.assert_allclose(traj[0, 1], x * decay + pulled, rtol=1e-9, atol=1e-12)


# ---- Properties over the whole parameter space -----------------------------------------------


@given(p=parameter_sets, x0=initial_states, levers=lever_schedules, dt=st.floats(0.05, 12.0))
def test_states_stay_finite_and_in_the_unit_interval(p, x0, levers, dt):
    traj, outcomes = simulate(x0, p, levers, dt=dt)
    assert np.all(np.isfinite(traj))
    assert np.all((traj >= 0.0) & (traj <= 1.0))
    assert np.all((outcomes.peak_index >= 0.0) & (outcomes.peak_index <= 1.0))


@given(p=parameter_sets, x0=initial_states, levers=lever_schedules,
       aggregator=st.sampled_from(["min", "product", "geometric"]), dt=st.floats(0.5, 2.0))
def test_outcomes_summarise_the_trajectory(p, x0, levers, aggregator, dt):
    traj, out = simulate(x0, p, levers, aggregator=aggregator, dt=dt)
    months = traj[0, 1:]  # outcomes cover months 1..horizon
    conds = months[:, : len(CONDITIONS)]
    index = opening_index(conds, aggregator)
    window = window_open(conds)
    binds = conds == conds.min(axis=1, keepdims=True)

    assert out.peak_index[0] == pytest.approx(index.max(), abs=TOL)
    np.testing.assert_array_equal(out.at_peak[0], conds[np.argmax(index)])
    assert out.months_open[0] == window.sum()
    if window.any():
        assert out.first_window[0] == np.argmax(window) + 1
    else:
        assert np.isnan(out.first_window[0])
    np.testing.assert_array_equal(out.binding_months[0], binds.sum(axis=0))
    assert out.bottleneck[0] == np.argmax(binds.sum(axis=0))
    np.testing.assert_allclose(out.condition_mean[0], conds.mean(axis=0), rtol=1e-12)
    assert out.crisis_months[0] == pytest.approx(conds[:, 0].sum() * dt, rel=1e-12)
    np.testing.assert_array_equal(out.final[0], traj[0, -1])
    assert out.exodus[0] == traj[0, -1, STATES.index("exodus")]

    # Without the trajectory, the same outcomes.
    none, same = simulate(x0, p, levers, aggregator=aggregator, dt=dt, record=False)
    assert none is None
    for field in vars(out):
        np.testing.assert_array_equal(getattr(same, field), getattr(out, field))


@pytest.mark.parametrize("aggregator", ["min", "product", "geometric"])
def test_outcomes_of_many_worlds_summarise_their_trajectories(aggregator):
    """The vectorised path (arrays of worlds), recounted from each world's trajectory: the
    float path is held by the test above, this one by the same arithmetic on whole arrays."""
    rng = np.random.default_rng(21)
    n, months = 64, 18
    p = {k: rng.uniform(v.low, v.high, n) for k, v in PARAMETERS.items()}
    x0 = {s: rng.uniform(0.2, 0.9, n) for s in STATES}
    levers = rng.uniform(0.0, 1.0, (months, len(LEVER_NAMES)))
    traj, out = simulate(x0, p, levers, aggregator=aggregator)
    conds = traj[:, 1:, : len(CONDITIONS)]  # [worlds, months, 4]
    strict = conds.min(axis=2)
    graded = np.prod(conds, axis=2) ** 0.25
    index = {"min": strict, "product": np.prod(conds, axis=2), "geometric": graded}[aggregator]
    np.testing.assert_allclose(out.peak_index, index.max(axis=1), rtol=1e-12)
    np.testing.assert_allclose(out.peak_strict, strict.max(axis=1), rtol=1e-12)
    np.testing.assert_allclose(out.peak_graded, graded.max(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(out.months_open, (strict > 0.5).sum(axis=1))
    lowest = conds == conds.min(axis=2, keepdims=True)
    np.testing.assert_array_equal(out.binding_months, lowest.sum(axis=1))
    np.testing.assert_array_equal(out.at_peak, conds[np.arange(n), index.argmax(axis=1)])


@given(p=parameter_sets, x0=initial_states, levers=lever_schedules)
def test_identical_inputs_give_identical_outputs(p, x0, levers):
    inputs = (dict(p), dict(x0), levers.copy())
    first = simulate(x0, p, levers)
    second = simulate(x0, p, levers)
    np.testing.assert_array_equal(first[0], second[0])
    for field in vars(first[1]):
        np.testing.assert_array_equal(getattr(first[1], field), getattr(second[1], field))
    # ... and the inputs are left as they were.
    assert (p, x0) == inputs[:2]
    np.testing.assert_array_equal(levers, inputs[2])


@given(data=st.data(), n=st.integers(2, 4), months=st.integers(1, 18),
       per_world_levers=st.booleans())
def test_a_vector_of_worlds_matches_separate_runs(data, n, months, per_world_levers):
    params = data.draw(st.lists(parameter_sets, min_size=n, max_size=n))
    initials = data.draw(st.lists(initial_states, min_size=n, max_size=n))
    # Some parameters shared by every world, given once as a plain number.
    shared = data.draw(st.sets(st.sampled_from(sorted(PARAMETERS))))
    for world in params[1:]:
        world.update({k: params[0][k] for k in shared})
    lever_shape = (n, months, len(LEVER_NAMES)) if per_world_levers else (months, len(LEVER_NAMES))
    levers = data.draw(arrays(np.float64, lever_shape, elements=membership))

    vector_params = {k: params[0][k] if k in shared else np.array([w[k] for w in params])
                     for k in PARAMETERS}
    vector_initial = {s: np.array([w[s] for w in initials]) for s in STATES}
    traj, out = simulate(vector_initial, vector_params, levers)

    assert traj.shape == (n, months + 1, len(STATES))
    for i in range(n):
        one_traj, one = simulate(initials[i], params[i], levers[i] if per_world_levers else levers)
        np.testing.assert_allclose(traj[i], one_traj[0], rtol=1e-12, atol=1e-15)
        for field in vars(out):
            np.testing.assert_allclose(getattr(out, field)[i], getattr(one, field)[0],
                                       rtol=1e-12, atol=1e-15)


# ---- Bad input -------------------------------------------------------------------------------


def test_a_missing_input_is_named():
    with pytest.raises(PolmodelError, match="missing input 'exodus'"):
        simulate({s: 0.5 for s in STATES if s != "exodus"}, default_parameters(), np.zeros((3, 9)))
    params = default_parameters()
    del params["drift"]
    with pytest.raises(PolmodelError, match="missing input 'drift'"):
        simulate(INITIAL, params, np.zeros((3, 9)))


@pytest.mark.parametrize("shape", [(3, 8), (3,), (2, 3, 4, 9)])
def test_levers_of_the_wrong_shape_are_refused(shape):
    with pytest.raises(PolmodelError, match=r"levers: shape .*expected \(n_months, 9\)"):
        simulate(INITIAL, default_parameters(), np.zeros(shape))


def test_inputs_that_disagree_on_the_number_of_worlds_are_refused():
    initial = INITIAL | {"crisis": np.array([0.8, 0.9])}
    params = default_parameters() | {"drift": np.array([0.05, 0.06, 0.07])}
    with pytest.raises(PolmodelError, match=r"number of worlds: sizes \[2, 3\]"):
        simulate(initial, params, np.zeros((3, 9)))


def test_a_run_needs_at_least_one_month():
    from polmodel.model.parameters import default_parameters

    init = dict.fromkeys(STATES, 0.5)
    with pytest.raises(PolmodelError, match="at least one month"):
        simulate(init, default_parameters(), np.zeros((0, 9)))


@pytest.mark.parametrize("lever", LEVER_NAMES)
def test_the_mechanism_table_says_which_states_each_lever_moves(lever):
    """`polmodel levers` explains a lever by the mechanism table: the table must match the code.

    A lever changes the rates of exactly the states that its mechanisms list as moved.
    """
    from polmodel.model.parameters import MECHANISMS

    listed = {state for m in MECHANISMS if lever in m.levers for state, _ in m.moves}
    rng = np.random.default_rng(7)
    p = {k: rng.uniform(v.low, v.high) for k, v in PARAMETERS.items()}
    state = tuple(rng.uniform(0.1, 0.9, len(STATES)))
    u = rng.uniform(0.2, 0.8, len(LEVER_NAMES))
    off, on = u.copy(), u.copy()
    off[LEVER_NAMES.index(lever)], on[LEVER_NAMES.index(lever)] = 0.0, 1.0
    g0, l0 = rates(state, coefficients(p, tuple(off)))
    g1, l1 = rates(state, coefficients(p, tuple(on)))
    moved = {s for i, s in enumerate(STATES) if g0[i] != g1[i] or l0[i] != l1[i]}
    assert moved == listed


def test_every_parameter_has_a_range_a_meaning_and_a_source():
    from polmodel.model.parameters import MECHANISM_PARAMETERS, MECHANISMS_BY_NAME

    for p in PARAMETERS.values():
        assert 0.0 <= p.low <= p.default <= p.high <= p.limit, p.name
        assert p.meaning.strip() and p.source.strip(), p.name
    for p in MECHANISM_PARAMETERS:
        assert p.mechanism in MECHANISMS_BY_NAME, p.name
        # A source names a file of sources/, a published finding, or says "assumption".
        assert "assumption" in p.source or ".txt" in p.source or any(c.isdigit() for c in p.source)


# Mechanisms sized by a context parameter, as a weight on another mechanism's coefficient, with
# no parameter of their own: (context parameter, coefficient it weights, the weight's form).
# Personalist rule rides on the rent channel: rent_loyalty times (0.5 + personalism).
WEIGHTS = {"personalist_patronage": ("personalism", "rent_loyalty", lambda v: 0.5 + v)}


def test_every_mechanism_has_a_source_and_a_parameter_that_sizes_it():
    from polmodel.model.parameters import MECHANISM_PARAMETERS, MECHANISMS

    sized = {p.mechanism for p in MECHANISM_PARAMETERS}
    for m in MECHANISMS:
        assert m.source.strip() and m.effect.strip(), m.name
        assert m.name in sized or m.name in WEIGHTS, f"{m.name} has no parameter"
        for state, sign in m.moves:
            assert state in STATES and sign in (-1, +1), m.name
    # A weight is listed on purpose, and it really sizes the coefficient it names: the ratio of
    # the coefficient at two values of the context parameter is the ratio of the weights.
    assert not set(WEIGHTS) & sized, "a weighted mechanism now has a parameter: drop it from WEIGHTS"
    u = tuple(0.5 for _ in LEVER_NAMES)
    for name, (context, coefficient, weight) in WEIGHTS.items():
        assert context in {p.name for p in CONTEXT_PARAMETERS}, name
        low, high = (coefficients(default_parameters() | {context: v}, u)[coefficient]
                     for v in (0.2, 0.8))
        assert high / low == pytest.approx(weight(0.8) / weight(0.2), rel=1e-12), name


def test_the_causal_diagram_draws_every_edge_of_the_mechanism_table():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from polmodel.model.levers import LEVERS
    from polmodel.model.parameters import MECHANISMS
    from polmodel.views.diagram import causal_layout, plot_causal_diagram

    ax = plot_causal_diagram(ax=Figure().add_subplot())
    edges = sum(len(m.levers) + len(m.moves) for m in MECHANISMS)
    # Feedback: each state a mechanism reads, to each other state it moves, drawn once.
    feedback = {(r, s, sign) for m in MECHANISMS for r in m.reads if r in STATES
                for s, sign in m.moves if s != r}
    assert set(causal_layout()["feedback"]) == feedback
    arrows = [c for c in ax.get_children() if type(c).__name__ == "Annotation"]
    assert len(arrows) == edges + len(feedback)
    # Signs survive grayscale: lowering links are dashed and marked with a minus sign.
    signs = [t.get_text() for t in ax.texts if t.get_text() in ("+", "\u2212")]
    assert signs.count("+") == sum(s > 0 for m in MECHANISMS for _, s in m.moves)
    assert signs.count("\u2212") == sum(s < 0 for m in MECHANISMS for _, s in m.moves)
    import matplotlib.pyplot as plt

    own = plot_causal_diagram()  # a figure of its own is landscape
    try:
        width, height = own.figure.get_size_inches()
        assert width > height
    finally:
        plt.close(own.figure)
    labels = {t.get_text() for t in ax.texts}
    assert {lv.label for lv in LEVERS} <= labels
    assert set(STATES) <= labels
