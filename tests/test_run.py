"""One central run (analysis/runs.py): the 2018 baseline as the memo reads it, and RunResult's faces."""

import dataclasses
import html
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import numpy as np
import pytest
from conftest import flat

import polmodel
from polmodel.analysis.runs import run, runs_summary
from polmodel.errors import PolmodelError
from polmodel.model.integrator import simulate
from polmodel.model.states import CONDITIONS, CROSSOVER, STATES
from polmodel.scenario.loading import load_scenario
from polmodel.views.text import CAVEAT, WIDTH

VENEZUELA = load_scenario("venezuela-2018")
POLICIES = list(VENEZUELA.policies)
# All four conditions well above the crossover at month 0: a run that starts with a window.
OPEN = {c: 0.95 for c in CONDITIONS}


def assert_no_forecast_words(text: str) -> None:
    """Outputs speak of shares of plausible worlds, never of probability or what will happen."""
    lowered = text.lower()
    assert not re.search(r"probabilit", lowered), text
    assert not re.search(r"\bwill\b", lowered), text


# ---- The memo's 2018 baseline ----------------------------------------------------------------


def test_at_month_zero_only_the_crisis_is_present():
    start = dict(zip(CONDITIONS, run("venezuela-2018").conditions[0]))
    assert start["crisis"] > CROSSOVER
    for absent in ("fracture", "challenger", "pressure"):
        assert start[absent] < CROSSOVER, absent


def test_under_the_status_quo_the_crisis_stays_present_every_month():
    result = run("venezuela-2018")
    assert result.policy == VENEZUELA.baseline == "status-quo"
    assert np.all(result.conditions[:, CONDITIONS.index("crisis")] > CROSSOVER)


def test_under_the_status_quo_no_window_opens_in_36_months():
    result = run("venezuela-2018")
    assert result.months[-1] == 36
    assert not result.window.any()
    assert result.first_window is None
    assert result.months_open == 0
    assert "No window opens" in result.verdict()


def test_under_the_status_quo_the_crisis_is_never_the_bottleneck():
    assert "crisis" not in run("venezuela-2018").bottleneck


# ---- What a run is ---------------------------------------------------------------------------


@pytest.mark.parametrize("policy", POLICIES)
def test_a_run_is_the_model_at_the_scenario_central_values(policy):
    result = run(VENEZUELA, policy)
    traj, _ = simulate(VENEZUELA.central_initial(), VENEZUELA.central_parameters(),
                       VENEZUELA.policy(policy).schedule(VENEZUELA.horizon))
    np.testing.assert_array_equal(result.states, traj[0])
    np.testing.assert_array_equal(result.months, np.arange(VENEZUELA.horizon + 1))
    assert (result.scenario, result.policy, result.title) == ("venezuela-2018", policy,
                                                              VENEZUELA.title)


def test_a_run_takes_a_name_a_path_or_a_scenario():
    by_name = run("venezuela-2018", "targeted")
    for scenario in (VENEZUELA, VENEZUELA.path, "venezuela-2018"):
        np.testing.assert_array_equal(run(scenario, "targeted").states, by_name.states)


@pytest.mark.parametrize("initial", [{}, OPEN], ids=["baseline", "window"])
def test_headline_figures_follow_from_the_states(initial):
    result = run(initial=initial)
    conditions = result.states[:, : len(CONDITIONS)]
    np.testing.assert_array_equal(result.conditions, conditions)
    np.testing.assert_array_equal(result.index, conditions.min(axis=1))
    np.testing.assert_array_equal(result.window, (conditions > CROSSOVER).all(axis=1))
    assert result.bottleneck == [CONDITIONS[i] for i in conditions.argmin(axis=1)]
    open_months = np.flatnonzero(result.window[1:]) + 1
    assert result.months_open == len(open_months)
    assert result.first_window == (int(open_months[0]) if len(open_months) else None)
    assert result.peak_index == result.index[1:].max()


def test_a_run_with_a_window_says_when_it_opens():
    result = run(initial=OPEN)
    assert result.first_window is not None
    assert f"opens at month {result.first_window}" in result.verdict()
    assert f"open {result.months_open} of 36 months" in result.verdict()


def test_overrides_replace_central_values():
    parameters, initial = {"guarantee_credibility": 0.2, "drift": 0.1}, {"crisis": 0.6}
    result = run(parameters=parameters, initial=initial)
    traj, _ = simulate(VENEZUELA.central_initial() | initial,
                       VENEZUELA.central_parameters() | parameters,
                       VENEZUELA.policy(VENEZUELA.baseline).schedule(VENEZUELA.horizon))
    np.testing.assert_array_equal(result.states, traj[0])
    assert result.states[0, STATES.index("crisis")] == 0.6
    assert dict(result.overrides) == parameters | initial


@pytest.mark.parametrize("aggregator", ["product", "geometric"])
def test_the_aggregator_can_be_chosen(aggregator):
    result = run(aggregator=aggregator)
    product = np.prod(result.conditions, axis=1)
    expected = product if aggregator == "product" else product**0.25
    np.testing.assert_allclose(result.index, expected, rtol=1e-12)
    # The window does not depend on the aggregator.
    np.testing.assert_array_equal(result.window, run().window)


def test_a_shorter_horizon_is_the_start_of_the_longer_run():
    short, full = run(horizon=12), run()
    np.testing.assert_array_equal(short.months, np.arange(13))
    assert short.states.shape == (13, len(STATES))
    np.testing.assert_array_equal(short.states, full.states[:13])
    assert short.to_frame().shape[0] == 13


def test_a_lever_start_past_a_shorter_horizon_is_refused():
    # coordinated-offramps starts negotiation in month 6.
    assert VENEZUELA.policy("coordinated-offramps").levers["negotiation"].start == 6
    run(VENEZUELA, "coordinated-offramps", horizon=7)
    with pytest.raises(PolmodelError, match=r"negotiation\.start = 6 is past the horizon of 6 "
                                            r"months; allowed: 0 to 5"):
        run(VENEZUELA, "coordinated-offramps", horizon=6)


def test_a_shorter_horizon_only_needs_the_policy_that_runs_to_fit():
    # status-quo acts from month 0; that another policy starts later does not matter here.
    assert run(VENEZUELA, "status-quo", horizon=6).states.shape == (7, len(STATES))


def test_a_run_result_is_frozen():
    result = run()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.policy = "broad"


# ---- Bad requests ----------------------------------------------------------------------------


def test_an_unknown_policy_lists_the_policies():
    with pytest.raises(PolmodelError, match=r"unknown policy 'nope'; allowed: ") as caught:
        run("venezuela-2018", "nope")
    for name in POLICIES:
        assert name in str(caught.value)


@pytest.mark.parametrize("kwargs, message", [
    ({"parameters": {"drfit": 0.1}}, "unknown parameter 'drfit'; allowed: drift"),
    ({"initial": {"morale": 0.5}}, "unknown initial state 'morale'; allowed: crisis"),
    ({"initial": {"crisis": 1.4}}, "initial state crisis = 1.4 is not allowed; allowed: 0 to 1"),
    ({"parameters": {"guarantee_credibility": 1.2}}, "guarantee_credibility = 1.2 is not allowed"),
    ({"parameters": {"drift": -0.1}}, "drift = -0.1 is not allowed"),
    ({"aggregator": "max"}, "aggregator: unknown 'max'"),
    ({"horizon": 0}, "horizon 0"),
], ids=["unknown parameter", "unknown state", "state above 1", "context above 1",
        "negative rate", "unknown aggregator", "zero horizon"])
def test_a_bad_request_says_what_is_allowed(kwargs, message):
    with pytest.raises(PolmodelError, match=re.escape(message)) as caught:
        run("venezuela-2018", **kwargs)
    assert "\n" not in str(caught.value)


def test_an_unknown_scenario_is_refused():
    with pytest.raises(PolmodelError, match="atlantis-2030: no such scenario"):
        run("atlantis-2030")


# ---- Faces of a result -----------------------------------------------------------------------


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("initial", [{}, OPEN], ids=["baseline", "window"])
def test_summary_carries_caveat_and_provenance_and_no_forecast_words(policy, initial):
    result = run(VENEZUELA, policy, initial=initial)
    text = flat(result.summary())
    assert CAVEAT in text
    assert f"polmodel {polmodel.__version__}" in text
    assert "venezuela-2018" in text
    assert policy in text
    assert result.verdict() in text
    assert_no_forecast_words(text)
    assert str(result) == result.summary()
    assert all(len(line) <= WIDTH for line in result.summary().splitlines())


def test_summary_names_the_overrides():
    provenance_line = run(parameters={"drift": 0.1}).summary().splitlines()[-1]
    assert "drift" in provenance_line


def test_every_scenario_report_carries_caveat_and_provenance(scenario_file):
    sc = load_scenario(scenario_file)
    text = flat(runs_summary(sc, [run(sc, name) for name in sc.policies]))
    assert CAVEAT in text
    assert f"polmodel {polmodel.__version__}" in text
    assert sc.name in text
    assert_no_forecast_words(text)


@pytest.mark.parametrize("initial", [{}, OPEN], ids=["baseline", "window"])
def test_to_dict_is_plain_json(initial):
    result = run(initial=initial)
    data = result.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["caveat"] == CAVEAT
    assert polmodel.__version__ in data["provenance"]
    assert "venezuela-2018" in data["provenance"]
    assert data["months"] == list(range(37))
    for i, state in enumerate(STATES):
        assert data[state] == result.states[:, i].tolist()
    assert data["first_window"] == result.first_window


def test_to_frame_has_one_row_per_month():
    result = run()
    frame = result.to_frame()
    assert len(frame) == len(result.months)
    assert frame.index.name == "month"
    assert list(frame.index) == result.months.tolist()
    for i, state in enumerate(STATES):
        np.testing.assert_array_equal(frame[state].to_numpy(), result.states[:, i])
    np.testing.assert_array_equal(frame["opening_index"].to_numpy(), result.index)
    assert list(frame["bottleneck"]) == result.bottleneck


def test_plot_draws_on_the_given_axes_and_returns_them():
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    assert run().plot(ax=ax) is ax
    labels = {line.get_label() for line in ax.get_lines()}
    assert set(CONDITIONS) | {"opening index"} <= labels


def test_plot_without_axes_makes_its_own():
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    ax = run(initial=OPEN).plot()
    try:
        assert isinstance(ax, Axes)
    finally:
        plt.close(ax.figure)


class _TagBalance(HTMLParser):
    VOID = {"br", "hr", "img", "meta", "link", "input"}

    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.seen: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.seen.append(tag)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open.pop() == tag, f"unbalanced </{tag}>"


def test_repr_html_is_a_table_with_caveat_and_provenance():
    result = run()
    markup = result._repr_html_()
    parser = _TagBalance()
    parser.feed(markup)
    parser.close()
    assert parser.open == []
    assert "table" in parser.seen
    for condition in CONDITIONS:
        assert f"<th>{condition}</th>" in markup
    assert html.escape(CAVEAT) in markup
    assert html.escape(result.title) in markup
    assert f"polmodel {polmodel.__version__}" in markup


# ---- Reproducibility -------------------------------------------------------------------------

_TIED_VERDICT = """
import numpy as np
from polmodel.analysis.runs import RunResult
# Fracture binds in months 1 and 2, the challenger in months 3 and 4: a tie.
states = np.array([[0.9, 0.2, 0.3, 0.4, 0.5, 0.1]] * 3 + [[0.9, 0.3, 0.2, 0.4, 0.5, 0.1]] * 2)
print(RunResult("s", "p", "min", np.arange(5), states).verdict())
"""


def test_the_verdict_does_not_depend_on_the_hash_seed():
    # The same result must read the same in every process (string hashing is salted per process).
    procs = [subprocess.Popen([sys.executable, "-c", _TIED_VERDICT], stdout=subprocess.PIPE,
                              text=True, env=os.environ | {"PYTHONHASHSEED": str(seed)})
             for seed in range(6)]
    outputs = [p.communicate(timeout=60)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert len(set(outputs)) == 1, set(outputs)


# ---- the decomposition: which mechanisms move each condition -------------------------------


@pytest.mark.parametrize("policy", ["status-quo", "coordinated-offramps", "engagement"])
def test_the_parts_of_each_change_add_up_to_the_change(policy):
    from polmodel.model.states import STATES as ALL_STATES

    r = run("venezuela-2018", policy)
    for i, s in enumerate(ALL_STATES):
        change = r.states[-1, i] - r.states[0, i]
        assert sum(r.decomposition[s].values()) == pytest.approx(change, abs=1e-8)


def test_a_mechanism_that_is_switched_off_has_no_part():
    r = run("venezuela-2018", "status-quo", parameters={"offramp": 0.0})
    assert r.decomposition["fracture"].get("offramps", 0.0) == 0.0
    assert "What moved each condition" in r.summary()
    assert r.movers("fracture")[0][0].replace("_", " ") in r.summary()


def test_a_first_edition_file_loads_with_defaults_and_the_run_says_so(tmp_path):
    from polmodel.scenario.loading import scenario_dir

    text = (scenario_dir() / "venezuela-2018.toml").read_text()
    # The first edition had no security forces, exposure was a context value, and four context
    # values did not exist.
    import re

    for table in ("initial.security", "context.legitimation", "context.linkage",
                  "context.personalism", "context.dialogue_offer"):
        text = re.sub(rf"\[{re.escape(table)}\]\nvalue = [^\n]*\nrange = [^\n]*\nsource = [^\n]*\n",
                      "", text)
    text = text.replace("[initial.exposure]", "[context.indictment_exposure]")
    path = tmp_path / "first-edition.toml"
    path.write_text(text)
    r = run(str(path))
    assert "initial.security" in r.note and "context.indictment_exposure" in r.note
    assert r.note in flat(r.summary())  # wrapped to 100 columns on the terminal
    from polmodel.analysis.comparison import compare

    c = compare(str(path), worlds=20, seed=0)
    assert c.note == r.note and c.note in flat(c.summary())
    assert c.to_dict()["note"] == c.note
    both = text.replace("[context.indictment_exposure]", "[initial.exposure]\nvalue = 0.5\n"
                        "range = [0.3, 0.7]\nsource = \"x\"\n\n[context.indictment_exposure]")
    path.write_text(both)
    with pytest.raises(PolmodelError, match="not both"):
        run(str(path))




def test_a_change_that_rounds_to_zero_carries_no_minus_sign():
    import re

    from polmodel.analysis.runs import run
    from polmodel.views.text import signed

    assert [signed(v) for v in (-0.001, -0.006, 0.0, 0.004)] == ["+0.00", "-0.01", "+0.00", "+0.00"]
    assert signed(-0.0004, 3) == "+0.000" and signed(-0.0006, 3) == "-0.001"
    for policy in ("status-quo", "targeted", "broad"):
        text = "\n".join(run("venezuela-2018", policy).explanation())
        assert not re.search(r"-0\.00(?!\d*[1-9])", text), text
