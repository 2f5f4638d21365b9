"""Sensitivity on the scenarios: the default question, inert assumptions, determinism."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from conftest import flat

from polmodel.analysis.sensitivity_analysis import parameter_groups, sensitivity
from polmodel.analysis.worlds import uncertain_dimensions
from polmodel.errors import PolmodelError
from polmodel.model.parameters import MECHANISMS_BY_NAME, PARAMETERS
from polmodel.scenario.loading import load_scenario
from polmodel.views.text import CAVEAT

FAST = dict(n=64, n_resamples=30, trajectories=4)


@pytest.fixture(scope="module")
def sc():
    return load_scenario("venezuela-2018")


@pytest.fixture(scope="module")
def default(sc):
    return sensitivity(sc, **FAST)


def test_default_question_is_the_scenario_contrast(sc, default):
    if sc.contrast is not None:
        assert (default.question.policy, default.question.versus) == tuple(sc.contrast)
    else:
        assert default.question.versus == sc.baseline


def test_every_varied_assumption_is_analysed_or_reported_inert(sc, default):
    from dataclasses import replace

    # The structure is one more assumption of the peak index (issue 15).
    factored = replace(sc, structure_factor=True)
    varied = {k for k, (_, lo, hi) in uncertain_dimensions(factored).items() if hi > lo}
    analysed = set(default.sobol[0].names)
    assert analysed | set(default.inert) == varied
    assert not analysed & set(default.inert)
    for s in default.sobol:
        assert np.all(np.isfinite(s.total)) and np.all(np.isfinite(s.total_interval))


def _peaks(sc, name, value, policies=("targeted", "broad")):
    from polmodel.analysis.comparison import compare

    c = compare(sc, list(policies), worlds=50, seed=2, parameters={name: value})
    return np.stack([c.outcomes[p].peak_index for p in policies])


def test_inert_assumptions_really_cannot_move_the_answer(sc, default):
    assert default.inert, "some lever is unused by both policies in this scenario"
    for name, why in default.inert.items():
        u = sc.parameters[name]
        assert np.array_equal(_peaks(sc, name, u.low), _peaks(sc, name, u.high)), name
        if "acts only through" in why:  # the reason agrees with the mechanism table
            levers = MECHANISMS_BY_NAME[PARAMETERS[name].mechanism].levers
            used = {lv for p in ("targeted", "broad") for lv, st in sc.policy(p).levers.items()
                    if st.intensity > 0}
            assert not set(levers) & used
    top = default.deciding()[0]
    lo, hi = default.bounds[top]
    assert not np.array_equal(_peaks(sc, top, lo), _peaks(sc, top, hi))


def test_a_difference_of_a_policy_with_itself_is_refused(sc):
    with pytest.raises(PolmodelError, match="two different policies"):
        sensitivity(sc, "broad", "broad", **FAST)


def test_aggregator_is_a_structural_factor(default):
    aggs = [s.aggregator for s in default.sobol]
    assert aggs == ["min", "product"]
    assert set(default.tornado.aggregators) == {"min", "product"}


def test_window_answer_is_computed_once_whatever_the_and(sc):
    s = sensitivity(sc, "status-quo", outcome="window", **FAST)
    assert len(s.sobol) == 1  # a window is all four conditions above 0.5, whatever the AND


def test_constant_answer_is_said_not_nan(sc):
    # A window needs crisis above 0.5: with every initial state and the crisis pinned low and
    # nothing raising it, whatever happens the answer is the same in every world.
    lo = {k.removeprefix("initial."): 0.0 for k in uncertain_dimensions(sc) if k.startswith("initial.")}
    s = sensitivity(sc, "status-quo", outcome="window", initial=lo, horizon=1, **FAST)
    assert s.constant
    assert "in every one" in s.headline()
    assert "nan" not in s.summary().lower()


def test_same_seed_same_numbers_whatever_the_executor(sc):
    kw = dict(methods=("sobol", "morris"), aggregators=("min",), n=64, n_resamples=30,
              trajectories=4, seed=5)
    a = sensitivity(sc, "targeted", "broad", **kw)
    with ProcessPoolExecutor(max_workers=2) as ex:
        b = sensitivity(sc, "targeted", "broad", executor=ex, chunk_size=500, **kw)
    assert a.to_dict() == b.to_dict()


def test_whatif_value_removes_an_assumption(sc):
    name = next(k for k in sc.parameters if not sc.parameters[k].fixed)
    s = sensitivity(sc, "targeted", "broad", parameters={name: sc.parameters[name].low}, **FAST)
    assert name not in s.bounds and name not in s.sobol[0].names
    assert name in s.provenance()


def test_groups_come_from_the_mechanism_table(sc):
    names = [k for k in uncertain_dimensions(sc)]
    groups = parameter_groups(names)
    assert all(groups[k] == "initial states" for k in names if k.startswith("initial."))
    s = sensitivity(sc, methods=("morris",), groups=True, aggregators=("min",), trajectories=4)
    assert s.morris[0].grouped
    assert set(s.morris[0].names) <= set(groups.values())


def test_result_views(default, tmp_path):
    d = default
    text = d.summary()
    assert text.index(d.headline()[:40]) < text.index("Sobol' indices of")  # sentence first
    assert flat(CAVEAT) in flat(text) and "seed 0" in text
    assert d.deciding() and d.deciding()[0] in d.headline()
    assert "Sensitivity(" in repr(d) and len(repr(d)) < 300
    assert "<table>" in d._repr_html_()
    frame = d.to_frame()
    assert set(frame["method"]) == {"sobol", "morris", "tornado", "inert"} - (set() if d.inert else {"inert"})
    csv_text = d.to_csv(tmp_path / "s.csv")
    assert (tmp_path / "s.csv").read_text() == csv_text and csv_text.startswith("polmodel_version,")
    import json

    json.dumps(d.to_dict())
    import matplotlib

    matplotlib.use("Agg")
    for kind in ("sobol", "tornado", "morris"):
        assert d.plot(kind=kind) is not None
    with pytest.raises(PolmodelError, match="allowed"):
        d.plot(kind="pie")


def test_tornado_is_sorted_by_swing_and_centred(default):
    t = default.tornado
    swings = t.swing[t.order()]
    assert np.all(np.diff(swings) <= 0)
    assert np.all(t.low <= t.high)


def test_window_question_picks_the_policy_with_most_windows(sc):
    from polmodel.analysis.comparison import compare
    from polmodel.analysis.questions import default_questions
    from polmodel.analysis.worlds import sample_worlds

    w = sample_worlds(sc, 300, seed=0)
    c = compare(sc, worlds=w)
    shares = {p: c.per_policy[p]["window_share"] for p in c.policies}
    q = default_questions(sc, w)[-1]
    assert q.outcome == "window" and shares[q.policy] == max(shares.values())


@pytest.mark.parametrize("structure", ["defection-route", "crisis-split"])
def test_the_policy_with_most_windows_is_read_under_the_scenarios_structure(sc, structure):
    """It was read under the memo's structure whatever the scenario said."""
    from dataclasses import replace

    from polmodel.analysis.comparison import compare
    from polmodel.analysis.questions import most_windows
    from polmodel.analysis.worlds import sample_worlds

    other = replace(sc, structure=structure)
    w = sample_worlds(other, 300, seed=0)
    shares = {p: compare(other, worlds=w).per_policy[p]["window_share"] for p in sc.policies}
    memo = {p: compare(sc, worlds=w).per_policy[p]["window_share"] for p in sc.policies}
    assert shares != memo
    best, share = most_windows(other, w)
    assert share == pytest.approx(max(shares.values())) and shares[best] == pytest.approx(share)


@pytest.mark.parametrize("kwargs", [
    {"n": "1024"}, {"n": 1024.0}, {"n": 2}, {"n": 2**30}, {"n_resamples": -1}, {"n_resamples": "a"},
    {"confidence_level": "a"}, {"confidence_level": 1.5}, {"trajectories": "a"},
    {"trajectories": 1}, {"groups": 5}, {"groups": {"not_an_assumption": "g"}},
    {"methods": "sobol"}, {"aggregators": "min"}, {"interval": "wide"}, {"seed": -1},
])
def test_bad_arguments_are_one_line_errors_before_any_work(kwargs):
    with pytest.raises(PolmodelError) as err:
        sensitivity("venezuela-2018", **kwargs)
    assert "\n" not in str(err.value) and "allowed" in str(err.value)


def test_groups_may_name_some_assumptions_the_rest_stand_alone():
    dims = uncertain_dimensions(load_scenario("venezuela-2018"))
    first, second = [k for k, (_, lo, hi) in dims.items() if hi > lo][:2]
    s = sensitivity("venezuela-2018", methods=("morris",), trajectories=4, aggregators=("min",),
                    groups={first: "together", second: "together"})
    (screen,) = s.morris
    assert "together" in screen.names and first not in screen.names


def test_with_the_structure_sampled_most_windows_reads_each_worlds_own(sc):
    """Where the structure is one more assumption (discover), each world's window is read
    under its own structure, as ask() reads it."""
    from polmodel.analysis.questions import Question, ask, most_windows
    from polmodel.analysis.worlds import sample_worlds, with_structure_column

    w = with_structure_column(sample_worlds(sc, 300, seed=1), 1)
    shares = {p: float(np.mean(ask(Question(p, None, "window"), sc, w))) for p in sc.policies}
    best, share = most_windows(sc, w)
    assert share == pytest.approx(max(shares.values())) and shares[best] == pytest.approx(share)
