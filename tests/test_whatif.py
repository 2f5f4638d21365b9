"""What-ifs: parsing NAME=VALUE and NAME=LOW:HIGH, hard limits, applying them."""

from __future__ import annotations

import math

import pytest

from polmodel.analysis.worlds import sample_worlds
from polmodel.errors import PolmodelError
from polmodel.model.parameters import PARAMETERS
from polmodel.scenario.loading import load_scenario
from polmodel.scenario.whatif import (
    apply_settings,
    hard_limits,
    names,
    parse_setting,
    parse_settings,
)


@pytest.fixture(scope="module")
def sc():
    return load_scenario("venezuela-2018")


def test_names_come_from_the_scenario(sc):
    n = names(sc)
    assert {f"initial.{s}" for s in sc.initial} <= set(n)
    assert set(sc.parameters) <= set(n)


@pytest.mark.parametrize("text,expected", [("a=0.5", ("a", 0.5)), (" a = 1e-2 ", ("a", 0.01)),
                                           ("a=0.1:0.2", ("a", (0.1, 0.2)))])
def test_parse(text, expected):
    assert parse_setting(text) == expected


@pytest.mark.parametrize("text,match", [("a", "malformed"), ("=1", "malformed"), ("a=", "malformed"),
                                        ("a=x", "not a number"), ("a=1:2:3", "malformed range"),
                                        ("a=0.3:0.1", "reversed"), ("a=:1", "malformed range"),
                                        ("a=nan", "not a number"), ("a=inf", "not a number"),
                                        ("a=0.0_5", "not a number"),
                                        ("a=\u0660.\u0660\u0665", "not a number"),
                                        ("a=1e999", "finite")])
def test_malformed_is_one_line(text, match):
    with pytest.raises(PolmodelError, match=match) as err:
        parse_setting(text)
    assert "\n" not in str(err.value) and text.split("=")[0] in str(err.value)


def test_unknown_name_suggests_and_lists_the_kinds(sc):
    some = next(iter(sc.parameters))
    with pytest.raises(PolmodelError, match=f"did you mean.*{some}"):
        parse_settings([f"{some}x=0.1"], sc)
    with pytest.raises(PolmodelError, match="initial.<state>"):
        parse_settings(["nonsense=0.1"], sc)


def test_values_outside_hard_limits_are_refused(sc):
    state = next(iter(sc.initial))
    with pytest.raises(PolmodelError, match="allowed: 0 to 1"):
        parse_settings([f"initial.{state}=1.2"], sc)
    bounded = next(k for k in sc.parameters if k in PARAMETERS and math.isfinite(PARAMETERS[k].limit))
    limit = PARAMETERS[bounded].limit
    with pytest.raises(PolmodelError, match=f"{bounded}.*allowed: 0 to {limit:g}"):
        parse_settings([f"{bounded}=0:{limit + 0.5}"], sc)
    with pytest.raises(PolmodelError, match="outside the hard limits"):
        parse_settings([f"{bounded}=-0.1"], sc)
    assert parse_settings([f"{bounded}={limit:g}"], sc) == {bounded: limit}  # limits are inclusive
    unbounded = [k for k in sc.parameters if k in PARAMETERS and math.isinf(PARAMETERS[k].limit)]
    for rate in unbounded[:1]:  # rates without an upper limit, if the model has any
        assert parse_settings([f"{rate}=5"], sc) == {rate: 5.0}
    assert hard_limits(f"initial.{state}") == (0.0, 1.0)


def test_a_range_is_refused_where_only_values_make_sense(sc):
    state = next(iter(sc.initial))
    with pytest.raises(PolmodelError, match="needs an ensemble"):
        parse_settings([f"initial.{state}=0.1:0.2"], sc, ranges=False)


def test_apply_value_fixes_and_range_replaces(sc):
    state = next(iter(sc.initial))
    param = next(k for k in sc.parameters if not sc.parameters[k].fixed)
    u = sc.parameters[param]
    mid_low, mid_high = u.low, (u.low + u.high) / 2
    new = apply_settings(sc, {f"initial.{state}": 0.33, param: (mid_low, mid_high)})
    assert new.initial[state].fixed and new.initial[state].value == 0.33
    p = new.parameters[param]
    assert (p.low, p.high) == (mid_low, mid_high) and mid_low <= p.value <= mid_high
    assert sc.initial[state].value != 0.33 or not sc.initial[state].fixed  # original untouched
    w = sample_worlds(new, 200, seed=0)
    assert f"initial.{state}" not in w.names and w.fixed[f"initial.{state}"] == 0.33
    col = w.values[:, w.names.index(param)]
    assert col.min() >= mid_low and col.max() <= mid_high


def test_library_keywords_match_the_option(sc):
    state = next(iter(sc.initial))
    a = sample_worlds(sc, 64, seed=1, initial={state: 0.4})
    b = sample_worlds(apply_settings(sc, {f"initial.{state}": 0.4}), 64, seed=1)
    assert a.names == b.names and (a.values == b.values).all()


def test_compare_takes_what_ifs(sc):
    from polmodel.analysis.comparison import compare

    state = next(iter(sc.initial))
    c = compare(sc, ["targeted"], worlds=50, initial={state: 0.5})
    assert c.worlds.fixed[f"initial.{state}"] == 0.5
    with pytest.raises(PolmodelError, match="parameters/initial"):
        compare(sc, worlds=c.worlds, initial={state: 0.5})
