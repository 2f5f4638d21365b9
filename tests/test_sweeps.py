"""Sweeps: grids over assumptions and levers, each point on the same worlds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from polmodel.analysis.comparison import compare
from polmodel.analysis.sweeps import sweep
from polmodel.analysis.worlds import sample_worlds
from polmodel.errors import PolmodelError
from polmodel.model.levers import LEVER_NAMES
from polmodel.scenario.loading import load_scenario


@pytest.fixture(scope="module")
def sc():
    return load_scenario("venezuela-2018")


def test_a_point_equals_a_comparison_on_the_same_worlds(sc):
    param = next(k for k in sc.parameters if not sc.parameters[k].fixed)
    s = sweep(sc, param, policy="targeted", outcome="window", points=3, worlds=200, seed=4)
    w = sample_worlds(sc, 200, seed=4)
    for value, share in zip(s.grids[0], s.values):
        col = w.values.copy()
        col[:, w.names.index(param)] = value
        from dataclasses import replace

        c = compare(sc, ["targeted"], worlds=replace(w, values=col))
        assert share == pytest.approx(c.per_policy["targeted"]["window_share"])


def test_lever_intensity_grid_matches_policy_edit(sc):
    lever = LEVER_NAMES[0]
    s = sweep(sc, f"lever.{lever}", policy="targeted", outcome="peak_index", points=3, worlds=100)
    assert np.allclose(s.grids[0], [0, 0.5, 1])
    assert s.band is not None and np.all(s.band[:, 0] <= s.values) and np.all(s.values <= s.band[:, 1])


def test_two_axes_make_a_heatmap(sc):
    params = [k for k in sc.parameters if not sc.parameters[k].fixed][:2]
    s = sweep(sc, params[0], f"{params[1]}", policy="targeted", versus="broad", outcome="peak_index",
              points=3, worlds=80)
    assert s.values.shape == (3, 3) and s.statistic == "share"
    assert np.all((0 <= s.values) & (s.values <= 1))
    import matplotlib

    matplotlib.use("Agg")
    assert s.plot() is not None
    json.dumps(s.to_dict())
    assert len(s.to_frame()) == 9
    assert s.to_csv().startswith("polmodel_version,")
    assert "Sweep(" in repr(s) and "<table>" in s._repr_html_()


def test_start_month_axis(sc):
    pol = next(p for p in sc.policies.values() if p.levers)
    lever = next(iter(pol.levers))
    s = sweep(sc, f"start.{lever}", policy=pol.name, points=4, worlds=50)
    assert s.grids[0][0] == 0 and s.grids[0][-1] == sc.horizon - 1
    assert s.grids[0].dtype.kind == "i"


@pytest.mark.parametrize("axis,match", [("lever.nothing", "unknown lever"),
                                        ("nothing", "unknown name"),
                                        (f"lever.{LEVER_NAMES[0]}=0.5:1.5", "allowed: 0 to 1"),
                                        ("initial.crisis=0.2", "give a range"),
                                        ("rally=0.05:0.05", "both 0.05, so every point"),
                                        (f"lever.{LEVER_NAMES[0]}=0.5:0.5", "set it in the policy"),
                                        ("nosuch=1:1", "nosuch: unknown name")])
def test_bad_axes_are_one_line(sc, axis, match):
    with pytest.raises(PolmodelError, match=match):
        sweep(sc, axis, worlds=10, points=2)


def test_start_needs_the_lever_in_the_policy(sc):
    unused = next(lv for lv in LEVER_NAMES if lv not in sc.policy(sc.baseline).levers)
    with pytest.raises(PolmodelError, match="does not use"):
        sweep(sc, f"start.{unused}", worlds=10, points=2)


# ---- Two policies: higher, lower and tied shares, and where the verdict crosses over (issue 16) ----


def _at(w, name, value):
    """The same worlds with one number set to ``value`` in every world."""
    from dataclasses import replace

    col = w.values.copy()
    col[:, w.names.index(name)] = value
    return replace(w, values=col)


def test_two_policies_give_the_paired_comparisons_shares_at_every_point(sc):
    param = "rally"
    s = sweep(sc, param, policy="targeted", versus="broad", points=3, worlds=200, seed=4)
    assert s.question.outcome == "peak_index" and s.is_contrast
    w = sample_worlds(sc, 200, seed=4)
    for k, value in enumerate(s.grids[0]):
        pw = compare(sc, ["targeted", "broad"], worlds=_at(w, param, value)).pairwise("targeted", "broad")
        assert s.values[k] == pytest.approx(pw["share_higher"])
        assert s.lower[k] == pytest.approx(pw["share_lower"])
        assert s.tied[k] == pytest.approx(pw["share_tied"])


def test_swapping_the_policies_swaps_the_higher_and_lower_shares(sc):
    ab = sweep(sc, "rally", policy="targeted", versus="broad", points=5, worlds=150)
    ba = sweep(sc, "rally", policy="broad", versus="targeted", points=5, worlds=150)
    assert np.array_equal(ab.values, ba.lower) and np.array_equal(ab.lower, ba.values)
    assert np.allclose(ab.tied, ba.tied)
    assert [c["near"] for c in ab.crossovers()] == pytest.approx([c["near"] for c in ba.crossovers()])


def test_one_policy_asks_for_its_window_and_none_for_the_scenarios_contrast(sc):
    one = sweep(sc, "rally", policy="targeted", points=2, worlds=20)
    assert one.question.outcome == "window" and one.question.versus is None and not one.is_contrast
    none = sweep(sc, "rally", points=2, worlds=20)
    assert (none.question.policy, none.question.versus) == tuple(sc.contrast)
    assert none.question.outcome == "peak_index" and none.is_contrast


def test_where_the_two_policies_are_the_same_every_world_is_a_tie(sc):
    """Sweeping a lever of A through B's setting of it: there A is B, so every world ties."""
    a, b = "targeted", sc.baseline
    la, lb = sc.policy(a).levers, sc.policy(b).levers
    differ = [k for k in la if la[k] != lb.get(k)]
    assert len(differ) == 1, "the test needs two policies that differ in one lever"
    lever = differ[0]
    s = sweep(sc, f"lever.{lever}", policy=a, versus=b, points=11, worlds=200)
    k = int(np.flatnonzero(np.isclose(s.grids[0], lb[lever].intensity))[0])
    assert s.tied[k] == 1.0 and s.verdicts()[k] == "even"
    # The crossovers are exactly the changes of verdict from one point to the next.
    verdicts = list(s.verdicts())
    changes = [(verdicts[i], verdicts[i + 1]) for i in range(len(verdicts) - 1)
               if verdicts[i] != verdicts[i + 1]]
    assert [(c["from"], c["to"]) for c in s.crossovers()] == changes


def _hand_made(values, lower, grid, n_worlds=10):
    from polmodel.analysis.questions import Question
    from polmodel.analysis.sweeps import Sweep

    values, lower = np.asarray(values, float), np.asarray(lower, float)
    return Sweep(scenario="x", title="X", question=Question("a", "b"), axes=("rally",),
                 grids=(np.asarray(grid, float),), values=values, band=None, statistic="share",
                 n_worlds=n_worlds, seed=0, aggregator="min", horizon=12, settings={},
                 lower=lower, tied=1 - values - lower)


def test_the_crossover_lies_where_the_two_shares_meet_between_the_points():
    # a leads by 5 worlds, then 2, then b by 4: the shares meet 2/6 of the way from 0.2 to 0.5.
    s = _hand_made([0.6, 0.4, 0.1], [0.1, 0.2, 0.5], [0.0, 0.2, 0.5])
    (c,) = s.crossovers()
    assert c["between"] == [0.2, 0.5] and (c["from"], c["to"]) == ("a", "b")
    assert c["near"] == pytest.approx(0.2 + 0.3 * 2 / 6)
    assert "near 0.3 (between 0.2 and 0.5: from a to b)" in s.headline()
    level = _hand_made([0.3, 0.3], [0.3, 0.3], [0.0, 1.0])
    assert list(level.verdicts()) == ["even", "even"] and level.crossovers() == []


def test_text_json_and_csv_say_the_same(sc):
    import csv
    import io

    from polmodel.views.text import pcts

    s = sweep(sc, "rally", policy="targeted", versus="broad", points=6, worlds=300)
    data = s.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["crossovers"] == s.crossovers() and data["worlds_per_point"] == 300
    table = list(csv.DictReader(io.StringIO(s.to_csv())))
    text = s.summary()
    for row, point in zip(table, data["points"]):
        assert float(row["share_higher"]) == pytest.approx(point["share_higher"], rel=1e-5)
        assert int(row["worlds_lower"]) == point["worlds_lower"] == round(point["share_lower"] * 300)
        assert row["verdict"] == point["verdict"] and int(row["worlds"]) == 300
        # The three shares print together, adding up to 100% (pct one by one gave 101%).
        cells = " ".join(pcts(point["share_higher"], point["share_lower"], point["share_tied"]))
        assert any(" ".join(line.split()[1:4]) == cells for line in text.splitlines()), cells
    for c in s.crossovers():
        assert f"{c['near']:.3g}" in text
    assert "1,000" not in text and "same 300 plausible worlds" in text


def test_the_figure_never_magnifies_a_handful_of_worlds(sc):
    """A share resting on a few worlds is drawn on 0-100%, along the plausible range."""
    import matplotlib

    matplotlib.use("Agg")
    s = sweep(sc, "rally", policy="targeted", versus="broad", outcome="window", points=4, worlds=300)
    assert s.values.max() < 0.05  # a handful of worlds at most, at every point
    ax = s.plot()
    assert ax.get_ylim()[0] == 0 and ax.get_ylim()[1] >= 1
    u = sc.parameters["rally"]
    lo, hi = ax.get_xlim()
    assert lo <= u.low and hi >= u.high and (hi - lo) < 1.1 * (u.high - u.low)
    heat = sweep(sc, "rally", "lockin", policy="targeted", versus="broad", outcome="window",
                 points=3, worlds=100).plot()
    bar = heat.images or heat.collections
    assert tuple(bar[0].get_clim()) == (-1, 1)


@pytest.mark.parametrize("two_axes", [False, True])
def test_no_label_runs_off_the_figure(sc, two_axes):
    from conftest import texts_outside

    s = sweep(sc, "rally", "lockin" if two_axes else None, policy="targeted", versus="broad",
              points=3, worlds=60)
    assert texts_outside(s.plot) == []


def test_the_figure_draws_the_same_shares_and_marks_each_crossover(sc):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    s = sweep(sc, "lever.targeted_sanctions", policy="targeted", versus=sc.baseline, points=11,
              worlds=120)
    ax = s.plot(ax=Figure().add_subplot())
    drawn = [np.asarray(ln.get_ydata(), float) for ln in ax.get_lines()
             if len(ln.get_xdata()) == len(s.grids[0])]
    for share in (s.values, s.lower, s.tied):
        assert any(np.allclose(d, share) for d in drawn)
    verticals = sorted(float(ln.get_xdata()[0]) for ln in ax.get_lines()
                       if len(set(np.atleast_1d(ln.get_xdata()))) == 1 and len(ln.get_xdata()) == 2)
    assert verticals == pytest.approx(sorted(c["near"] for c in s.crossovers()))
    assert s.crossovers(), "the grid passes through the baseline's setting: the verdict changes"


# ---- The structure: the scenario's key, or structure= / --structure ----------------------------


@pytest.mark.parametrize("structure", ["defection-route", "elite-split"])
@pytest.mark.parametrize("how", ["scenario key", "keyword"])
def test_every_point_reads_the_structure_the_scenario_or_the_call_chooses(sc, structure, how):
    """A sweep once read the memo's structure whatever the scenario said: at every point its
    shares must be those of a comparison under the chosen structure on the same worlds."""
    from dataclasses import replace

    param, w = "rally", sample_worlds(sc, 300, seed=5)
    chosen = replace(sc, structure=structure)
    s = (sweep(chosen, param, points=3, worlds=300, seed=5) if how == "scenario key" else
         sweep(sc, param, points=3, worlds=300, seed=5, structure=structure))
    assert s.structure == structure
    assert f"structure {structure}" in s.provenance() and s.to_dict()["structure"] == structure
    differs = False
    for k, value in enumerate(s.grids[0]):
        at = _at(w, param, value)
        pw = compare(chosen, ["targeted", "broad"], worlds=at).pairwise("targeted", "broad")
        assert s.values[k] == pytest.approx(pw["share_higher"])
        assert s.lower[k] == pytest.approx(pw["share_lower"])
        memo = compare(sc, ["targeted", "broad"], worlds=at).pairwise("targeted", "broad")
        differs |= memo["share_higher"] != pw["share_higher"]
    assert differs, "the check needs worlds where the structures disagree"


def test_an_unknown_structure_is_one_line(sc):
    with pytest.raises(PolmodelError, match="structure: unknown 'nope'; allowed: memo"):
        sweep(sc, "rally", points=2, worlds=10, structure="nope")
