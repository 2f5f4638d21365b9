"""Structures: rival formulas of the opening, read in every run (issue 15, item 1).

Each expectation is derived from the formula as written: the strict reading is a min/max
tree over the states, the graded one a product whose k-th root is on min's scale, a window the
formula holding crisply, and every peak the largest reading over the months.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import assert_one_line, cli

from polmodel import STATES, load_scenario
from polmodel.analysis.comparison import compare
from polmodel.analysis.questions import Question, ask
from polmodel.analysis.worlds import STRUCTURE_FACTOR, evaluate, sample_worlds, structure_of
from polmodel.errors import PolmodelError
from polmodel.model.integrator import simulate
from polmodel.model.readings import MARKS
from polmodel.model.structures import STRUCTURES, Structure, leaf_words, resolve_structure

SC = load_scenario("venezuela-2018")
IDX = {s: i for i, s in enumerate(STATES)}


def states(**values) -> np.ndarray:
    x = np.full(len(STATES), 0.5)
    for k, v in values.items():
        x[IDX[k]] = v
    return x


# ---- the formulas ----------------------------------------------------------------------------


def test_the_memo_is_the_default_and_reads_the_four_conditions():
    memo = resolve_structure("memo")
    assert memo.leaves == ("crisis", "fracture", "challenger", "pressure")
    x = states(crisis=0.9, fracture=0.3, challenger=0.6, pressure=0.7)
    assert memo.evaluate(x, "min") == pytest.approx(0.3)
    assert memo.evaluate(x, "product") == pytest.approx(0.9 * 0.3 * 0.6 * 0.7)
    assert memo.evaluate(x, "geometric") == pytest.approx((0.9 * 0.3 * 0.6 * 0.7) ** 0.25)


def test_the_defection_route_reads_an_or_and_a_negated_state():
    d = resolve_structure("defection-route")
    assert d.leaves == ("challenger", "fracture", "~security")
    # fracture 0.2, security 0.3 (forces not holding: 0.7): the OR takes 0.7, the AND 0.6.
    x = states(challenger=0.6, fracture=0.2, security=0.3)
    assert d.evaluate(x, "min") == pytest.approx(0.6)
    assert d.evaluate(x, "product") == pytest.approx(0.6 * 0.7)
    assert d.evaluate(x, "geometric") == pytest.approx(np.sqrt(0.6 * 0.7))
    assert d.bottleneck(x) == 0  # the challenger sets it
    y = states(challenger=0.9, fracture=0.2, security=0.3)
    assert d.leaves[d.bottleneck(y)] == "~security" and leaf_words("~security") == "forces not holding"
    # Cohesive forces and no split: the route is closed whatever the challenger.
    assert d.evaluate(states(challenger=1.0, fracture=0.1, security=0.95), "min") == pytest.approx(0.1)


def test_a_window_is_the_formula_holding_crisply():
    for st in STRUCTURES.values():
        rng = np.random.default_rng(3)
        x = rng.random((500, len(STATES)))
        crisp = np.ones(500, bool)
        for term in st.terms:
            any_ = np.zeros(500, bool)
            for i, neg in term:
                any_ |= ((1 - x[:, i]) if neg else x[:, i]) > 0.5
            crisp &= any_
        np.testing.assert_array_equal(st.window(x), crisp)


@pytest.mark.parametrize("formula", [("or", "crisis", "fracture"), ("and",), ("and", "nothing"),
                                     ("and", ("and", "crisis", "fracture")), "crisis",
                                     ("and", "~~crisis")])
def test_a_formula_outside_the_one_form_is_refused_in_one_line(formula):
    with pytest.raises(PolmodelError, match="is not allowed; allowed: ") as err:
        Structure("bad", "bad", formula, "test")
    assert "\n" not in str(err.value)


def test_an_unknown_structure_is_refused_with_the_names_allowed():
    with pytest.raises(PolmodelError, match="structure: unknown 'nope'; allowed: memo, "):
        resolve_structure("nope")


def test_every_structure_has_a_label_a_formula_in_words_and_a_source():
    for st in STRUCTURES.values():
        assert st.label and st.source and " AND " in st.text or len(st.terms) == 1


# ---- what a run keeps ------------------------------------------------------------------------


def test_each_structures_peaks_are_the_largest_readings_over_the_months():
    w = sample_worlds(SC, 40, seed=4)
    init, params = w.inputs()
    traj, out = simulate(init, params, SC.schedule("coordinated-offramps"))
    months = traj[:, 1:]  # months 1..horizon
    for s, st in enumerate(STRUCTURES.values()):
        strict = st.evaluate(months, "min")
        graded = st.evaluate(months, "geometric")
        np.testing.assert_allclose(out.readings[:, s, 0], strict.max(axis=1), rtol=0, atol=1e-15)
        np.testing.assert_allclose(out.readings[:, s, 1], graded.max(axis=1), rtol=1e-12)
    memo = STRUCTURES["memo"]
    for m, month in enumerate(MARKS):
        if month <= SC.horizon:
            np.testing.assert_allclose(out.marks[:, m, 0],
                                       memo.evaluate(months[:, :month], "min").max(axis=1))
        else:
            assert np.isnan(out.marks[:, m]).all()


def test_a_run_under_a_structure_reads_its_window_and_bottleneck_from_that_structure():
    w = sample_worlds(SC, 30, seed=2)
    init, params = w.inputs()
    for name, st in STRUCTURES.items():
        traj, out = simulate(init, params, SC.schedule("coordinated-offramps"), structure=name)
        months = traj[:, 1:]
        strict = st.evaluate(months, "min")
        np.testing.assert_array_equal(out.months_open, (strict > 0.5).sum(axis=1))
        np.testing.assert_allclose(out.peak_index, strict.max(axis=1))
        assert out.binding_months.shape == (30, len(st.leaves))
        assert np.all(out.binding_months.sum(axis=1) >= SC.horizon)  # ties count for each


# ---- compare reads every verdict every way -----------------------------------------------------


@pytest.fixture(scope="module")
def comp():
    return compare(SC, worlds=300, seed=5)


def test_each_reading_of_a_verdict_is_the_paired_share_on_that_structures_peaks(comp):
    a, b = "coordinated-targeted", "targeted"
    readings = comp.readings(a, b)
    assert len(readings) == 2 * len(STRUCTURES)
    for s, name in enumerate(STRUCTURES):
        for k, scale in enumerate(("strict", "graded")):
            d = comp.outcomes[a].readings[:, s, k] - comp.outcomes[b].readings[:, s, k]
            r = readings[f"{name}/{scale}"]
            assert r["share_higher"] == pytest.approx(np.mean(d > comp.margin + 1e-9))
            assert r["share_lower"] == pytest.approx(np.mean(d < -comp.margin - 1e-9))
    held, total = comp.holds(a, b)
    own = comp.verdict(a, b)["strict"]["reading"]
    assert total == 8 and held == sum(r["reading"] == own for r in readings.values())


def test_the_memo_reading_is_the_comparisons_own_verdict(comp):
    for a in comp.policies:
        for b in comp.policies:
            if a != b:
                v = comp.verdict(a, b)
                r = comp.readings(a, b)
                assert r["memo/strict"]["reading"] == v["strict"]["reading"]
                assert r["memo/graded"]["reading"] == v["graded"]["reading"]


def test_pairs_that_change_are_exactly_those_with_more_than_one_reading(comp):
    names = comp.policies
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            varies = len({r["reading"] for r in comp.readings(a, b).values()}) > 1
            assert ((a, b) in comp.structure_flips) == varies


def test_verdicts_at_earlier_months_read_the_peaks_kept_then(comp):
    a, b = "coordinated-offramps", "status-quo"
    at = comp.at_months(a, b)
    assert set(at) == {f"{m}/{s}" for m in MARKS if m < comp.horizon for s in ("strict", "graded")}
    d = comp.outcomes[a].marks[:, 0, 0].astype(float) - comp.outcomes[b].marks[:, 0, 0].astype(float)
    assert at["24/strict"]["share_higher"] == pytest.approx(np.mean(d > comp.margin + 1e-9))


def test_first_window_timing_counts_the_worlds_it_rests_on(comp):
    for name, o in comp.outcomes.items():
        t = comp.per_policy[name]["first_window_timing"]
        first = o.first_window[o.window]
        assert t["worlds_with_window"] == first.size
        if first.size:
            assert t["share_late"] == pytest.approx(np.mean(first > comp.horizon - 12))


def test_the_json_holds_the_full_grid(comp):
    d = json.loads(json.dumps(comp.to_dict()))
    assert d["structure"] == "memo" and set(d["structures"]) == set(STRUCTURES)
    assert set(d["readings"]["targeted"]["broad"]) == {f"{s}/{k}" for s in STRUCTURES
                                                       for k in ("strict", "graded")}


# ---- the structure as a factor of sensitivity and discovery ------------------------------------


def test_the_structure_dimension_is_cut_into_equal_parts():
    n = len(STRUCTURES)
    u = (np.arange(n) + 0.5) / n
    np.testing.assert_array_equal(structure_of(u), np.arange(n))
    assert structure_of(1.0) == n - 1 and structure_of(0.0) == 0


def test_a_world_asked_under_its_structure_reads_that_structures_peaks():
    from dataclasses import replace

    sc = replace(SC, structure_factor=True)
    w = sample_worlds(sc, 60, seed=8)
    assert STRUCTURE_FACTOR in w.names
    q = Question("coordinated-targeted", "targeted")
    got = ask(q, sc, w)
    which = structure_of(w.values[:, w.names.index(STRUCTURE_FACTOR)])
    outs = evaluate(w, [sc.schedule(p) for p in q.policies])
    rows = np.arange(len(w))
    expected = outs[0].readings[rows, which, 0] - outs[1].readings[rows, which, 0]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-15)
    assert len(set(which)) == len(STRUCTURES)  # 60 worlds cover every structure


def test_sensitivity_treats_the_structure_as_a_factor_unless_it_is_fixed():
    from polmodel.analysis.sensitivity_analysis import sensitivity

    kw = dict(n=32, n_resamples=0, methods=("sobol",), aggregators=("min",))
    free = sensitivity(SC, "targeted", "broad", **kw)
    assert "structure" in free.sobol[0].names and "structure" not in free.inert
    fixed = sensitivity(SC, "targeted", "broad", structure="defection-route", **kw)
    assert "structure" not in fixed.sobol[0].names
    months = sensitivity(SC, "targeted", "broad", outcome="months_open", **kw)
    assert "structure" not in months.sobol[0].names


# ---- the command line --------------------------------------------------------------------------


def test_structures_lists_every_formula_and_source():
    r = cli("structures")
    assert r.exit_code == 0
    for st in STRUCTURES.values():
        assert st.name in r.stdout and st.text in r.stdout
    data = json.loads(cli("structures", "--json").stdout)
    assert [d["name"] for d in data] == list(STRUCTURES)
    assert sum(d["default"] for d in data) == 1


def test_run_and_compare_take_a_structure():
    r = cli("run", "--structure", "defection-route", "--policy", "status-quo")
    assert r.exit_code == 0 and "security" in r.stdout and "structure defection-route" in r.stdout
    c = cli("compare", "--structure", "elite-split", "--worlds", "50", "--json")
    assert json.loads(c.stdout)["structure"] == "elite-split"


def test_an_unknown_structure_on_the_command_line_is_one_line():
    assert_one_line(cli("compare", "--structure", "nope"), 2, "--structure")


def test_a_scenario_file_chooses_its_structure_and_a_bad_one_is_refused(tmp_path):
    from polmodel import scenario_dir

    text = tmp_path / "x.toml"
    src = (scenario_dir() / "venezuela-2018.toml").read_text(encoding="utf-8")
    text.write_text(src.replace('horizon = 36\n', 'horizon = 36\nstructure = "defection-route"\n'))
    assert load_scenario(text).structure == "defection-route"
    text.write_text(src.replace('horizon = 36\n', 'horizon = 36\nstructure = "nope"\n'))
    r = cli("validate", str(text))
    assert r.exit_code == 2 and "structure" in r.stdout + r.stderr


def test_discover_boxes_the_structure_like_any_assumption_unless_fixed():
    from polmodel.analysis.discovery import discover
    from polmodel.views.discovery_text import limit_words, structures_within

    d = discover(SC, "coordinated-targeted", "targeted", worlds=300, resamples=0)
    assert STRUCTURE_FACTOR in d.worlds.names
    which = structure_of(d.worlds.values[:, d.worlds.names.index(STRUCTURE_FACTOR)])
    outs = evaluate(d.worlds, [SC.schedule(p) for p in ("coordinated-targeted", "targeted")])
    rows = np.arange(len(d.worlds))
    diff = outs[0].readings[rows, which, 0] - outs[1].readings[rows, which, 0]
    np.testing.assert_array_equal(d.holds, diff > SC.tie_margin)
    fixed = discover(SC, "coordinated-targeted", "targeted", worlds=300, resamples=0,
                     structure="memo")
    assert STRUCTURE_FACTOR not in fixed.worlds.names
    # A restriction of the structure reads as the structures it keeps.
    assert structures_within(0.0, 1.0) == list(STRUCTURES)
    assert structures_within(0.5, 1.0) == list(STRUCTURES)[2:]
    assert limit_words("structure", 0.0, 0.3, (0.0, 1.0)) == "the structure is 'memo'"


def test_the_structure_column_leaves_every_other_column_as_it_was():
    from dataclasses import replace

    plain = sample_worlds(SC, 200, seed=11)
    factored = sample_worlds(replace(SC, structure_factor=True), 200, seed=11)
    assert factored.names == (*plain.names, STRUCTURE_FACTOR)
    np.testing.assert_array_equal(factored.values[:, :-1], plain.values)
    # Stratified: each structure's part holds an equal share of the worlds.
    counts = np.bincount(structure_of(factored.values[:, -1]), minlength=len(STRUCTURES))
    assert counts.max() - counts.min() <= 1


def test_a_comparison_says_when_its_verdicts_are_read_and_whether_any_changes():
    from polmodel.views.comparison_text import horizon_sentence

    short = compare(SC, ["status-quo", "targeted"], worlds=50, seed=1, horizon=12)
    assert short.at_months("targeted", "status-quo") == {}
    assert "12-month horizon only" in horizon_sentence(short)
    long = compare(SC, worlds=200, seed=1, horizon=60)
    text = horizon_sentence(long)
    assert "Read at 24 and 36 months" in text
    n = len(long.horizon_flips)
    assert (f"{n} pair" in text) if n else ("every verdict is the same as at 60" in text)
    assert horizon_sentence(long) in " ".join(long.summary().split())


def test_worlds_that_sample_the_structure_cannot_be_read_under_a_fixed_one():
    from dataclasses import replace

    from polmodel.analysis.discovery import discover

    w = sample_worlds(replace(SC, structure_factor=True), 50, seed=1)
    with pytest.raises(PolmodelError, match="structure='memo': these worlds sample the structure"):
        discover(SC, "targeted", "broad", worlds=w, structure="memo", resamples=0)


@pytest.mark.parametrize("name", list(STRUCTURES))
@pytest.mark.parametrize("aggregator", ["min", "product", "geometric"])
def test_one_world_on_floats_reads_every_structure_as_the_arrays_do(name, aggregator):
    """The float path writes the plan out as straight-line Python; the array path runs it op by
    op in place: every outcome agrees within the tolerance of the two exp implementations."""
    w = sample_worlds(SC, 3, seed=6)
    init, params = w.inputs()
    levers = SC.schedule("coordinated-offramps")
    _, arrays = simulate(init, params, levers, aggregator=aggregator, structure=name)
    for i in range(3):
        one_init = {k: float(v[i]) if np.ndim(v) else float(v) for k, v in init.items()}
        one_params = {k: float(v[i]) if np.ndim(v) else float(v) for k, v in params.items()}
        _, one = simulate(one_init, one_params, levers, aggregator=aggregator, structure=name)
        for field in type(one).__dataclass_fields__:
            a, b = getattr(one, field)[0], getattr(arrays, field)[i]
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-12, err_msg=field)


def test_holds_counts_the_verdict_the_table_shows_under_any_and():
    c = compare(SC, ["status-quo", "targeted", "engagement"], worlds=200, seed=3,
                aggregator="geometric")
    for n in ("targeted", "engagement"):
        pw = c.pairwise(n, "status-quo")
        own = ("higher" if pw["share_higher"] > pw["share_lower"] else
               "lower" if pw["share_lower"] > pw["share_higher"] else "even")
        held, _ = c.holds(n, "status-quo")
        assert held == sum(r["reading"] == own for r in c.readings(n, "status-quo").values())
