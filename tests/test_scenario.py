"""Scenario files (scenario/loading.py, scenario/definition.py): every file in scenarios/ loads and runs; bad files say why.

A bad file gives one PolmodelError whose single-line message names the file, the key and what
is allowed. Bad files are edited copies of venezuela-2018.toml (``write_scenario``).
"""

import dataclasses
import html
import re
import tomllib

import numpy as np
import pytest
from conftest import DEFAULT_FILE, SCENARIO_FILES

from polmodel.analysis.runs import run
from polmodel.errors import PolmodelError
from polmodel.model.levers import LEVER_NAMES
from polmodel.model.parameters import PARAMETERS
from polmodel.model.states import STATES
from polmodel.scenario.definition import Scenario
from polmodel.scenario.loading import DEFAULT_SCENARIO, list_scenarios, load_scenario

# ---- Every scenario file ---------------------------------------------------------------------


def test_every_scenario_file_loads_and_every_policy_runs(scenario_file):
    sc = load_scenario(scenario_file)
    assert isinstance(sc, Scenario)
    assert sc.name == scenario_file.stem
    assert set(sc.initial) == set(STATES)
    assert set(sc.parameters) == set(PARAMETERS)
    assert sc.baseline in sc.policies
    for name in sc.policies:
        result = run(sc, name)
        assert result.states.shape == (sc.horizon + 1, len(STATES))
        assert np.all(np.isfinite(result.states))
        assert np.all((result.states >= 0.0) & (result.states <= 1.0))


def test_every_value_lies_in_its_range(scenario_file):
    sc = load_scenario(scenario_file)
    for name, u in {**sc.initial, **sc.parameters}.items():
        assert u.low <= u.value <= u.high, name
        assert u.source, f"{name} has no source"


def test_built_in_names_are_the_files_in_scenarios():
    assert list_scenarios() == sorted(p.stem for p in SCENARIO_FILES)


@pytest.mark.parametrize("name", list_scenarios())
def test_built_in_names_resolve(name):
    by_name = load_scenario(name)
    by_path = load_scenario(next(p for p in SCENARIO_FILES if p.stem == name))
    assert by_name.name == name
    assert by_name.title == by_path.title
    assert by_name.central_parameters() == by_path.central_parameters()
    assert by_name.central_initial() == by_path.central_initial()
    assert dict(by_name.policies) == dict(by_path.policies)


def test_venezuela_2018_is_the_default():
    assert DEFAULT_SCENARIO == "venezuela-2018"
    assert load_scenario().name == "venezuela-2018"
    assert run().scenario == "venezuela-2018"


def test_a_scenario_is_frozen():
    sc = load_scenario()
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.horizon = 12
    with pytest.raises(TypeError):
        sc.policies["new"] = sc.policies[sc.baseline]


# ---- What a file says ------------------------------------------------------------------------


def test_a_rewritten_copy_loads_the_same(write_scenario):
    # Checks the test's own TOML writer, which the bad-input tests rely on.
    original, copy = load_scenario(DEFAULT_FILE), load_scenario(write_scenario())
    for field in ("title", "date", "description", "horizon", "aggregator", "baseline",
                  "initial", "parameters", "policies"):
        assert getattr(copy, field) == getattr(original, field), field


def test_extends_copies_levers_then_overrides_them():
    sc = load_scenario("venezuela-2018")
    data = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
    for name, spec in data["policies"].items():
        parent = spec.get("extends")
        own = spec.get("levers", {})
        levers = sc.policy(name).levers
        if parent is not None:
            for lever, setting in sc.policy(parent).levers.items():
                if lever not in own:
                    assert levers[lever] == setting, f"{name}.{lever}"
        for lever, value in own.items():
            intensity = value if isinstance(value, (int, float)) else value["intensity"]
            assert levers[lever].intensity == intensity


def test_a_range_left_out_fixes_an_initial_state(write_scenario):
    sc = load_scenario(write_scenario(delete=["initial.crisis.range"]))
    crisis = sc.initial["crisis"]
    assert crisis.low == crisis.value == crisis.high
    assert crisis.fixed


def test_a_mechanism_override_replaces_the_default(write_scenario):
    sc = load_scenario(write_scenario(
        {"mechanisms.drift": {"value": 0.1, "range": [0.05, 0.11], "source": "assumption: test"}}
    ))
    drift = sc.parameters["drift"]
    assert (drift.value, drift.low, drift.high, drift.source) == (0.1, 0.05, 0.11, "assumption: test")


def test_lever_timing_is_kept(write_scenario):
    sc = load_scenario(write_scenario(
        {"policies.targeted.levers.negotiation": {"intensity": 0.6, "start": 6, "end": 24}}
    ))
    column = sc.policy("targeted").schedule(sc.horizon)[:, LEVER_NAMES.index("negotiation")]
    np.testing.assert_array_equal(column[:6], 0.0)
    np.testing.assert_array_equal(column[6:24], 0.6)
    np.testing.assert_array_equal(column[24:], 0.0)


# ---- Bad files -------------------------------------------------------------------------------

# (edits, keys to delete, key the message names, what it says is allowed)
BAD_FILES = {
    "wrong type": ({"horizon": "long"}, [], "horizon", "valid integer"),
    "wrong type of a number": ({"initial.crisis.value": "high"}, [], "initial.crisis.value",
                               "valid number"),
    "unknown top-level key": ({"horizn": 36}, [], "horizn", "allowed: title, date, description"),
    "unknown key in initial.crisis": ({"initial.crisis.vaule": 0.8}, [], "initial.crisis.vaule",
                                      "allowed: value, range, source"),
    "unknown initial state": ({"initial.morale": {"value": 0.5, "source": "x"}}, [],
                              "initial.morale", "allowed: crisis, fracture"),
    "missing initial state": ({}, ["initial.rents"], "initial.rents", "required"),
    "unknown lever": ({"policies.targeted.levers.blockade": 0.5}, [],
                      "policies.targeted.levers.blockade", "allowed: targeted_sanctions"),
    "unknown mechanism": ({"mechanisms.drfit": {"value": 0.1, "source": "x"}}, [],
                          "mechanisms.drfit", "allowed: drift"),
    "unknown aggregator": ({"aggregator": "max"}, [], "aggregator", "'min', 'product' or 'geometric'"),
    "initial value above 1": ({"initial.crisis.value": 1.4}, ["initial.crisis.range"],
                              "initial.crisis", "allowed: 0 <= low <= value <= high <= 1"),
    "range above 1": ({"context.patron_support.range": [0.3, 1.2]}, [], "context.patron_support",
                      "allowed: 0 <= low <= value <= high <= 1"),
    "lever intensity 2": ({"policies.targeted.levers.targeted_sanctions": 2}, [],
                          "policies.targeted.levers.targeted_sanctions", "less than or equal to 1"),
    "negative lever intensity": ({"policies.targeted.levers.targeted_sanctions": -0.1}, [],
                                 "policies.targeted.levers.targeted_sanctions",
                                 "greater than or equal to 0"),
    "range reversed": ({"initial.crisis.range": [0.95, 0.75]}, [], "initial.crisis", "[low, high]"),
    "mechanism range reversed": ({"mechanisms.drift": {"range": [0.2, 0.1], "source": "x"}}, [],
                                 "mechanisms.drift.range", "allowed: 0 <= low <= high"),
    "value outside its range": ({"initial.crisis.value": 0.5}, [], "initial.crisis",
                                "outside its range [0.75, 0.95]"),
    "mechanism value outside its range": ({"mechanisms.drift": {"value": 0.5, "source": "x"}}, [],
                                          "mechanisms.drift.value", "outside its range"),
    "mechanism with a source alone": ({"mechanisms.drift": {"source": "x"}}, [],
                                      "mechanisms.drift", "neither a value nor a range"),
    "mechanism range above its limit": (
        {"mechanisms.dependence_damping": {"value": 1.5, "range": [0.0, 2.0], "source": "x"}}, [],
        "mechanisms.dependence_damping.range", "allowed: 0 <= low <= high <= 1"),
    "start past the horizon": ({"policies.targeted.levers.negotiation": {"intensity": 0.5,
                                                                         "start": 36}}, [],
                               "policies.targeted.levers.negotiation.start", "allowed: 0 to 35"),
    "end not after start": ({"policies.targeted.levers.negotiation": {"intensity": 0.5, "start": 6,
                                                                      "end": 6}}, [],
                            "policies.targeted.levers.negotiation", "must be after start"),
    "extends an unknown policy": ({"policies.targeted.extends": "nope"}, [],
                                  "policies.targeted.extends", "allowed: status-quo"),
    "extends a policy defined below": ({"policies.targeted.extends": "engagement"}, [],
                                       "policies.targeted.extends", "allowed: status-quo"),
    "unknown baseline": ({"baseline": "nope"}, [], "baseline", "allowed: status-quo, targeted"),
    "empty source": ({"initial.crisis.source": ""}, [], "initial.crisis.source", "at least 1 character"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_names_the_file_the_key_and_what_is_allowed(write_scenario, case):
    edits, delete, key, allowed = BAD_FILES[case]
    path = write_scenario(edits, delete=delete)
    with pytest.raises(PolmodelError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert key in message
    assert allowed in message


@pytest.mark.parametrize("edits", [
    {"horizon": True},
    {"horizon": 12.0},
    {"initial.crisis.value": "0.8"},
    {"policies.targeted.levers.targeted_sanctions": True},
    {"policies.targeted.levers.targeted_sanctions": "0.8"},
], ids=["boolean horizon", "fractional horizon", "quoted number", "boolean intensity",
        "quoted intensity"])
def test_a_value_of_the_wrong_type_is_not_coerced(write_scenario, edits):
    # A slip is an error, not a silent reading (STYLE 5): `true` is not a number of months, and
    # the message must name the key that was wrong, not a consequence elsewhere in the file.
    (key,) = edits
    path = write_scenario(edits)
    with pytest.raises(PolmodelError, match=rf"^{re.escape(str(path))}: {re.escape(key)}\b"):
        load_scenario(path)


def test_a_missing_file_names_the_file_and_the_choices(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(PolmodelError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: file not found")
    assert DEFAULT_SCENARIO in message


def test_an_unknown_name_lists_the_built_in_scenarios():
    with pytest.raises(PolmodelError) as caught:
        load_scenario("atlantis-2030")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("atlantis-2030: no such scenario")
    for name in list_scenarios():
        assert (name in message) == (name != "template")  # the template is for copying
    assert "cases/NAME" in message


def test_a_name_that_is_a_file_without_its_suffix_is_pointed_at(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mycase.toml").write_text("")
    with pytest.raises(PolmodelError, match="did you mean the file mycase.toml"):
        load_scenario("mycase")


@pytest.mark.parametrize("breakage", [
    ("horizon = 36", "horizon = "),
    ("[initial.crisis]", "[initial.crisis"),
    ('title = "', 'title = "unterminated\n'),
], ids=["missing value", "unclosed table", "unterminated string"])
def test_invalid_toml_names_the_file_and_the_line(tmp_path, breakage):
    old, new = breakage
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "broken.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(PolmodelError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: not valid TOML")
    assert "line" in message


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(DEFAULT_FILE.read_text(encoding="utf-8").replace("2018", "2018 \xe9")
                     .encode("latin-1", errors="replace"))
    with pytest.raises(PolmodelError, match=rf"^{re.escape(str(path))}: not valid TOML"):
        load_scenario(path)


def test_a_shorter_horizon_checks_the_starts_of_the_policies_scheduled():
    sc = load_scenario("venezuela-2018")
    assert sc.with_horizon(12).horizon == 12
    short = sc.with_horizon(6)
    # status-quo acts from month 0: it fits six months.
    assert short.schedule("status-quo").shape == (6, len(LEVER_NAMES))
    # coordinated-offramps starts negotiation in month 6.
    with pytest.raises(PolmodelError, match=r"coordinated-offramps\.levers\.negotiation\.start = 6 "
                                            r"is past the horizon of 6 months; allowed: 0 to 5"):
        short.schedule("coordinated-offramps")
    with pytest.raises(PolmodelError, match="horizon 0"):
        sc.with_horizon(0)


def test_a_scenario_displays_its_assumptions_with_their_sources():
    sc = load_scenario("venezuela-2018")
    text, page = sc.summary(), sc._repr_html_()
    assert max(len(line) for line in text.splitlines()) <= 100
    text = " ".join(text.split())
    assert sc.title in text and html.escape(sc.title) in page
    for state, estimate in sc.initial.items():
        assert state in text and estimate.source in text
        assert state in page
    for name in sc.policies:
        assert name in text and name in page
    assert "<table>" in page


@pytest.mark.parametrize("date", ["Jan 2024", "2024-13", "24-01", "2024/01", "2024-1"])
def test_a_date_that_is_not_a_month_is_named(tmp_path, date):
    from polmodel.scenario.loading import scenario_dir

    text = (scenario_dir() / "venezuela-2018.toml").read_text().replace('date = "2018-09"',
                                                                        f'date = "{date}"')
    path = tmp_path / "bad-date.toml"
    path.write_text(text)
    with pytest.raises(PolmodelError, match=r"date: .* is not a month; allowed: \"YYYY-MM\""):
        load_scenario(str(path))


def test_central_values_and_schedules_are_computed_once_and_handed_out_as_copies():
    sc = load_scenario("venezuela-2018")
    params, init, sched = sc.central_parameters(), sc.central_initial(), sc.schedule(sc.baseline)
    params["rally"], init["crisis"] = -1.0, -1.0
    sched[:] = 7.0
    assert sc.central_parameters()["rally"] == sc.parameters["rally"].value
    assert sc.central_initial()["crisis"] == sc.initial["crisis"].value
    np.testing.assert_array_equal(sc.schedule(sc.baseline),
                                  sc.policies[sc.baseline].schedule(sc.horizon))
    longer = sc.with_horizon(sc.horizon + 12)
    assert longer.schedule(sc.baseline).shape[0] == sc.horizon + 12
    with pytest.raises(PolmodelError, match="unknown policy"):
        sc.schedule(["not", "a", "name"])


def test_what_a_scenario_has_computed_does_not_change_its_digest_or_equality():
    from polmodel.views.manifests import scenario_digest

    fresh, used = load_scenario("venezuela-2018"), load_scenario("venezuela-2018")
    before = scenario_digest(used)
    used.central_parameters(), used.central_initial(), used.schedule(used.baseline)
    assert scenario_digest(used) == before == scenario_digest(fresh)
    assert used == fresh
