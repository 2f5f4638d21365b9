"""Historical cases as a check of the model (not a fit): transitions against survivals.

Each file in ``scenarios/cases/`` codes a past situation twelve months before its reference event
(the trigger of a transition, the peak of a challenge that failed), with the levers outsiders
actually used, written without looking at the model's output. The check: over the following
months, the cases that ended in a transition open a window in more plausible worlds than those that
ended in survival. The ranking and the misses are reported in the README.
"""

import numpy as np
import pytest

from polmodel.analysis.comparison import compare
from polmodel.scenario.loading import list_cases, load_scenario

CASES = list_cases()


def test_there_are_at_least_ten_cases_about_half_of_each_outcome():
    outcomes = [load_scenario(c).case["outcome"] for c in CASES]
    assert len(CASES) >= 10
    assert 0.35 <= outcomes.count("transition") / len(CASES) <= 0.65


@pytest.mark.parametrize("name", CASES)
def test_each_case_names_its_outcome_sources_and_the_levers_used(name):
    sc = load_scenario(name)
    assert sc.case["outcome"] in ("transition", "survival")
    assert sc.case["sources"] and all(s.strip() for s in sc.case["sources"])
    assert "as-happened" in sc.policies and sc.defaults_used == ()
    assert 12 <= sc.horizon <= 24
    for u in list(sc.initial.values()) + list(sc.parameters.values()):
        assert u.source.strip()


@pytest.fixture(scope="module")
def window_shares():
    shares = {}
    for name in CASES:
        sc = load_scenario(name)
        c = compare(sc, ["as-happened"], worlds=400, seed=11)
        shares[name] = (sc.case["outcome"], c.per_policy["as-happened"]["window_share"])
    return shares


def test_transitions_open_windows_in_more_worlds_than_survivals(window_shares):
    t = [s for o, s in window_shares.values() if o == "transition"]
    s = [s for o, s in window_shares.values() if o == "survival"]
    assert np.mean(t) > np.mean(s)
