"""Edges found by reading the restructured code: a built-in name, plain-number inputs, names
that print as others, and terms() that break the layout rates() relies on."""

from __future__ import annotations

import numpy as np
import pytest

import polmodel
from polmodel.errors import PolmodelError
from polmodel.model import equations
from polmodel.model.integrator import simulate
from polmodel.model.states import CHALLENGER, FRACTURE, STATES


def test_a_file_named_like_a_builtin_never_stands_in_for_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "venezuela-2018").write_text("not a scenario", encoding="utf-8")
    sc = polmodel.load_scenario("venezuela-2018")
    assert sc.title.startswith("Venezuela, September 2018")


@pytest.mark.parametrize("bad", [None, 1j, np.array("x"), True])
def test_a_parameter_that_is_not_a_number_is_one_line(bad):
    sc = polmodel.load_scenario("venezuela-2018")
    params = sc.central_parameters() | {"drift": bad}
    with pytest.raises(PolmodelError):
        simulate(sc.central_initial(), params, sc.schedule(sc.baseline))


@pytest.mark.parametrize("returned", [None, "high", np.array([0.2, 0.3])])
def test_an_aggregator_that_returns_no_number_is_one_line(returned):
    sc = polmodel.load_scenario("venezuela-2018")
    with pytest.raises(PolmodelError, match="aggregator"):
        simulate(sc.central_initial(), sc.central_parameters(), sc.schedule(sc.baseline),
                 aggregator=lambda c, f, h, p: returned)


@pytest.mark.parametrize("name", ["status\u200b-quo", "bad\u202ename", "a\ufeffb", "soft\u00adhyphen"])
def test_a_policy_name_that_prints_as_another_is_refused_in_the_library_too(name):
    with pytest.raises(PolmodelError, match="policy name"):
        polmodel.Policy(name, {})


@pytest.mark.parametrize("name", ["José Pérez", "a/b", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"])
def test_names_in_any_script_stay_allowed(name):
    assert polmodel.Policy(name, {}).name == name


def _with_terms(monkeypatch, change):
    original = equations.terms

    def changed(state, c):
        return change(original(state, c))

    monkeypatch.setattr(equations, "terms", changed)
    equations._LAYOUTS.pop(changed, None)


def test_a_second_gate_on_one_state_is_refused(monkeypatch):
    _with_terms(monkeypatch, lambda listed: listed + (("split_space", FRACTURE, equations.GATE, 0.1),))
    sc = polmodel.load_scenario("venezuela-2018")
    with pytest.raises(PolmodelError, match="second gate on fracture"):
        polmodel.run(sc)


def test_terms_that_leave_one_out_at_some_calls_are_refused(monkeypatch):
    calls = []

    def sometimes_shorter(listed):
        calls.append(1)
        return listed if len(calls) == 1 else listed[:-1]

    _with_terms(monkeypatch, sometimes_shorter)
    x = [0.5] * len(STATES)
    c = equations.coefficients(polmodel.load_scenario("venezuela-2018").central_parameters(),
                               (0.0,) * 9)
    equations.rates(x, c)
    with pytest.raises(PolmodelError, match="same terms at every call"):
        equations.rates(x, c)


def test_a_gate_holds_back_its_share_of_the_gains_in_rates_and_in_the_parts():
    """One gate q: rates give G (1 - q); the parts add up to the same dx/dt."""
    rng = np.random.default_rng(5)
    p = {k: rng.uniform(v.low, v.high) for k, v in polmodel.PARAMETERS.items()}
    x = list(rng.uniform(0.0, 1.0, len(STATES)))
    c = equations.coefficients(p, tuple(rng.uniform(0.0, 1.0, 9)))
    gains, losses = equations.rates(x, c)
    listed = equations.terms(x, c)
    ungated = sum(v for _, i, kind, v in listed if i == FRACTURE and kind == equations.GAIN)
    q = next(v for _, i, kind, v in listed if i == FRACTURE and kind == equations.GATE)
    assert gains[FRACTURE] == pytest.approx(ungated * (1.0 - q), rel=1e-12)
    parts = sum(part for _, i, part in equations.contributions(x, c) if i == FRACTURE)
    assert parts == pytest.approx(gains[FRACTURE] * (1 - x[FRACTURE]) - losses[FRACTURE] * x[FRACTURE],
                                  rel=1e-12)
    assert not any(kind == equations.GATE for _, i, kind, _ in listed if i == CHALLENGER)


def test_policy_names_that_differ_only_in_case_are_refused_at_load(tmp_path):
    import tomllib

    from polmodel.scenario.toml_writer import dumps

    data = tomllib.loads((polmodel.scenario_dir() / "venezuela-2018.toml").read_text("utf-8"))
    data["policies"]["Targeted"] = {"description": "the same name, capitalised",
                                    "levers": {"targeted_sanctions": 0.5}}
    path = tmp_path / "twice.toml"
    path.write_text(dumps(data), encoding="utf-8")
    with pytest.raises(PolmodelError, match="'targeted' and 'Targeted' differ only in case"):
        polmodel.load_scenario(path)


def test_a_term_of_an_unknown_kind_is_named_for_the_modeller(monkeypatch):
    _with_terms(monkeypatch, lambda listed: listed[:-1] + (("exposure_decay", 7, "los", 0.1),))
    with pytest.raises(PolmodelError, match="exposure_decay has kind 'los'"):
        polmodel.run(polmodel.load_scenario("venezuela-2018"))
