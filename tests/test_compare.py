"""Policy comparison: paired by construction, statistics derivable by hand, honest words.

Every figure is a share of plausible worlds under the scenario's assumptions, carried with the
caveat and the provenance (version, scenario, seed, number of worlds).
"""

from __future__ import annotations

import copy
import io
import json
import math
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from conftest import flat  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from polmodel import __version__  # noqa: E402
from polmodel.analysis.comparison import Comparison, compare  # noqa: E402
from polmodel.analysis.paired import necessity_consistency  # noqa: E402
from polmodel.analysis.worlds import PolicyOutcomes, sample_worlds  # noqa: E402
from polmodel.errors import PolmodelError  # noqa: E402
from polmodel.model.states import CONDITIONS, CROSSOVER  # noqa: E402
from polmodel.model.structures import STRUCTURES  # noqa: E402
from polmodel.scenario.definition import scenario_from_dict
from polmodel.scenario.loading import load_scenario  # noqa: E402
from polmodel.views import plots
from polmodel.views.text import CAVEAT, WIDTH  # noqa: E402

DEFAULT_TOML = Path(__file__).resolve().parents[1] / "scenarios" / "venezuela-2018.toml"
N = 128
SEED = 3


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("venezuela-2018")


@pytest.fixture(scope="module")
def comp(scenario) -> Comparison:
    """Every policy of the default scenario on the same worlds."""
    return compare(scenario, worlds=N, seed=SEED)


def _fields_equal(a: PolicyOutcomes, b: PolicyOutcomes) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f),
                              equal_nan=getattr(a, f).dtype.kind == "f")
               for f in PolicyOutcomes.__dataclass_fields__)


# -- what is compared ----------------------------------------------------------------------


def test_all_policies_baseline_first(comp, scenario):
    assert comp.baseline == scenario.baseline
    assert comp.policies[0] == scenario.baseline
    assert set(comp.policies) == set(scenario.policies)
    assert comp.n_worlds == N
    assert comp.horizon == scenario.horizon and comp.aggregator == scenario.aggregator


def test_baseline_is_always_included(scenario):
    c = compare(scenario, ["broad"], worlds=16, seed=1)
    assert c.policies == [scenario.baseline, "broad"]
    c = compare(scenario, ["broad", scenario.baseline, "broad"], worlds=16, seed=1)
    assert c.policies == [scenario.baseline, "broad"]


def test_unknown_policy_is_an_error_naming_the_choices(scenario):
    with pytest.raises(PolmodelError, match="unknown policy 'nope'.*allowed: .*status-quo"):
        compare(scenario, ["nope"], worlds=8, seed=0)


def test_horizon_and_aggregator_overrides(scenario):
    c = compare(scenario, ["targeted"], worlds=16, seed=0, horizon=12, aggregator="geometric")
    assert c.horizon == 12 and c.aggregator == "geometric"
    assert "horizon 12 months" in c.provenance() and "aggregator geometric" in c.provenance()
    assert np.all(c.outcomes["targeted"].months_open <= 12)


# -- reproducibility -----------------------------------------------------------------------


def test_same_seed_same_numbers_other_seed_other_worlds(scenario, comp):
    again = compare(scenario, worlds=N, seed=SEED)
    assert json.dumps(again.to_dict()) == json.dumps(comp.to_dict())
    other = compare(scenario, worlds=N, seed=SEED + 1)
    assert not np.array_equal(other.worlds.values, comp.worlds.values)
    assert not np.array_equal(other.outcomes["broad"].peak_index, comp.outcomes["broad"].peak_index)


@pytest.mark.parametrize("chunk_size", [1, 7, 64])
def test_chunk_size_does_not_change_the_comparison(scenario, chunk_size):
    names = ["targeted", "coordinated-offramps"]
    ref = compare(scenario, names, worlds=64, seed=5)
    got = compare(scenario, names, worlds=64, seed=5, chunk_size=chunk_size)
    for n in ref.policies:
        assert _fields_equal(got.outcomes[n], ref.outcomes[n]), n
    assert got.to_dict() == ref.to_dict()


def test_process_pool_does_not_change_the_comparison(scenario):
    ref = compare(scenario, worlds=64, seed=5)
    with ProcessPoolExecutor(max_workers=2) as ex:
        got = compare(scenario, worlds=64, seed=5, chunk_size=16, executor=ex)
    for n in ref.policies:
        assert _fields_equal(got.outcomes[n], ref.outcomes[n]), n


def test_progress_sums_to_the_worlds(scenario):
    calls: list[int] = []
    compare(scenario, ["targeted"], worlds=50, seed=0, chunk_size=8, progress=calls.append)
    assert sum(calls) == 50


def test_pre_sampled_worlds_are_used_as_given(scenario, comp):
    c = compare(scenario, ["broad"], worlds=comp.worlds)
    assert c.worlds is comp.worlds
    assert _fields_equal(c.outcomes["broad"], comp.outcomes["broad"])


# -- paired by construction ----------------------------------------------------------------


def _one_world_peak(comp, scenario, policy, w):
    """World ``w`` run alone through the model (the float path), under ``policy``."""
    from polmodel.model.integrator import simulate

    initial, params = comp.worlds.inputs(np.array([w]))
    one = lambda v: float(np.ravel(v)[0])  # noqa: E731
    _, out = simulate({k: one(v) for k, v in initial.items()}, {k: one(v) for k, v in params.items()},
                      scenario.schedule(policy), aggregator=comp.aggregator)
    return out.peak_index[0]


def test_the_difference_of_two_policies_is_each_world_run_alone_under_both(comp, scenario):
    """Common random numbers: world w under a minus the same world w under b, run one by one."""
    a, b = "coordinated-targeted", "broad"
    d = comp.difference(a, b)
    assert d.shape == (N,)
    worlds = range(0, N, 8)
    expected = [_one_world_peak(comp, scenario, a, w) - _one_world_peak(comp, scenario, b, w)
                for w in worlds]
    np.testing.assert_allclose(d[list(worlds)], expected, rtol=0, atol=1e-12)
    assert np.ptp(d) > 0.05  # different policies, different worlds: a real spread to pair


@pytest.fixture(scope="module")
def coordination_scenario():
    """The default scenario plus the baseline with coordination raised: nothing else changes."""
    data = copy.deepcopy(tomllib.loads(DEFAULT_TOML.read_text(encoding="utf-8")))
    data["policies"]["coordinated"] = {"description": "the baseline, coordinated",
                                       "extends": "status-quo",
                                       "levers": {"multilateral_coordination": 0.9}}
    return scenario_from_dict(data, name="coordinated")


def test_coordination_leaves_each_worlds_crisis_exactly_as_it_was(coordination_scenario):
    """Derivable from the equations: no term of the crisis reads coordination, pressure or the
    challenger, and exodus reads only the crisis; so, paired world by world, the crisis of the
    two policies is the same to the bit, while the opening index moves."""
    c = compare(coordination_scenario, ["coordinated"], worlds=64, seed=4, chunk_size=10)
    base, coord = c.outcomes["status-quo"], c.outcomes["coordinated"]
    np.testing.assert_array_equal(coord.crisis_months, base.crisis_months)
    np.testing.assert_array_equal(coord.condition_mean[:, 0], base.condition_mean[:, 0])
    np.testing.assert_array_equal(coord.exodus, base.exodus)
    assert np.any(c.difference("coordinated", "status-quo") != 0.0)
    assert c.condition_effects["coordinated"]["crisis"]["mean_change"] == 0.0
    assert c.condition_effects["coordinated"]["pressure"]["mean_change"] > 0.0


@pytest.fixture(scope="module")
def twin_scenario():
    """The default scenario plus a policy with exactly the baseline's levers."""
    data = copy.deepcopy(tomllib.loads(DEFAULT_TOML.read_text(encoding="utf-8")))
    data["policies"]["twin"] = {"description": "the baseline again", "extends": "status-quo"}
    return scenario_from_dict(data, name="twin")


def test_identical_levers_run_separately_differ_by_exactly_zero(twin_scenario):
    """Two separately run policies with the same levers see the same worlds: zero everywhere."""
    c = compare(twin_scenario, ["twin", "broad"], worlds=64, seed=2, chunk_size=10)
    assert c.policies == ["status-quo", "twin", "broad"]
    assert np.all(c.difference("twin", "status-quo") == 0.0)
    assert _fields_equal(c.outcomes["twin"], c.outcomes["status-quo"])
    assert c.pairwise("twin", "status-quo")["share_tied"] == 1.0
    assert all(v["mean_change"] == 0.0 and v["share_raised"] == 0.0
               for v in c.condition_effects["twin"].values())


def test_a_policy_does_not_depend_on_what_it_is_compared_with(scenario, comp):
    alone = compare(scenario, ["coordinated-targeted"], worlds=N, seed=SEED)
    assert _fields_equal(alone.outcomes["coordinated-targeted"], comp.outcomes["coordinated-targeted"])


def test_difference_is_per_world_and_antisymmetric(comp):
    a, b = "coordinated-targeted", "broad"
    d = comp.difference(a, b)
    assert np.array_equal(d, comp.outcomes[a].peak_index - comp.outcomes[b].peak_index)
    assert np.array_equal(comp.difference(b, a), -d)
    ab, ba = comp.pairwise(a, b), comp.pairwise(b, a)
    assert ab["share_higher"] == ba["share_lower"] and ab["share_lower"] == ba["share_higher"]
    assert math.isclose(ab["share_higher"] + ab["share_lower"] + ab["share_tied"], 1.0)
    assert ab["share_higher"] == np.mean(d > comp.margin + 1e-9)
    assert ab["share_tied"] == np.mean(np.abs(d) <= comp.margin + 1e-9)
    assert ab["difference_p10"] <= ab["difference_median"] <= ab["difference_p90"]


def test_the_tie_margin_comes_from_the_scenario_and_widens_the_ties(scenario):
    from dataclasses import replace

    narrow = compare(replace(scenario, tie_margin=0.0), ["targeted", "broad"], worlds=N, seed=SEED)
    wide = compare(replace(scenario, tie_margin=0.05), ["targeted", "broad"], worlds=N, seed=SEED)
    assert narrow.margin == 0.0 and wide.margin == 0.05
    a, b = narrow.pairwise("targeted", "broad"), wide.pairwise("targeted", "broad")
    assert b["share_tied"] >= a["share_tied"] and b["share_higher"] <= a["share_higher"]
    d = narrow.difference("targeted", "broad")
    assert b["share_tied"] == np.mean(np.abs(d) <= 0.05 + 1e-9)


def test_verdicts_are_read_under_the_strict_and_the_graded_and(comp):
    names = comp.policies
    for a in names:
        for b in names:
            if a == b:
                continue
            v = comp.verdict(a, b)
            for scale in ("strict", "graded"):
                pw = comp.pairwise(a, b, scale)
                expected = ("higher" if pw["share_higher"] > pw["share_lower"] else
                            "lower" if pw["share_lower"] > pw["share_higher"] else "even")
                assert v[scale]["reading"] == expected
            assert v["flips"] == (v["strict"]["reading"] != v["graded"]["reading"])
            assert v["flips"] == comp.verdict(b, a)["flips"]
    assert all(comp.verdict(a, b)["flips"] for a, b in comp.flips)


def test_the_graded_scale_orders_worlds_as_the_product_does(scenario):
    geo = compare(scenario, ["targeted", "broad"], worlds=N, seed=SEED, aggregator="geometric")
    prod = compare(scenario, ["targeted", "broad"], worlds=N, seed=SEED, aggregator="product")
    for name in ("targeted", "broad"):
        np.testing.assert_allclose(prod.outcomes[name].peak_graded ** 4,
                                   prod.outcomes[name].peak_index, rtol=1e-9)
        np.testing.assert_array_equal(geo.outcomes[name].peak_graded, geo.outcomes[name].peak_index)
    assert np.array_equal(np.sign(prod.difference("targeted", "broad")),
                          np.sign(prod.difference("targeted", "broad", "graded")))


def test_difference_of_an_unknown_policy_is_an_error(comp):
    with pytest.raises(PolmodelError, match="unknown policy 'nope'"):
        comp.difference("nope", comp.baseline)


def test_shortfall_is_non_negative_and_zero_for_the_highest(comp):
    peaks = np.stack([comp.outcomes[n].peak_index for n in comp.policies])
    best = peaks.max(axis=0)
    for n, r in comp.shortfall.items():
        shortfall = best - comp.outcomes[n].peak_index
        assert r["mean"] >= 0 and r["max"] >= 0 and r["p90"] >= 0
        assert math.isclose(r["mean"], shortfall.mean(), rel_tol=1e-12, abs_tol=1e-15)
        assert r["max"] == shortfall.max()
    # In every world some policy is the best (zero regret), so the shares cover every world.
    winners = peaks.argmax(axis=0)
    for i, n in enumerate(comp.policies):
        assert comp.shortfall[n]["share_highest"] >= np.mean(winners == i)
    assert sum(r["share_highest"] for r in comp.shortfall.values()) >= 1.0


# -- statistics you can derive by hand -----------------------------------------------------


def test_window_share_is_the_share_of_worlds_with_a_month_open(comp):
    for n, s in comp.per_policy.items():
        o = comp.outcomes[n]
        assert s["window_share"] == np.mean(o.months_open > 0)
        assert s["months_open_mean"] == pytest.approx(o.months_open.mean())
        first = o.first_window[o.months_open > 0]
        if first.size:
            assert s["first_window_median"] == pytest.approx(float(np.median(first)))
        else:
            assert s["first_window_median"] is None
        assert s["peak_index_p10"] <= s["peak_index_median"] <= s["peak_index_p90"]
        assert s["peak_index_median"] == pytest.approx(float(np.median(o.peak_index)))


def test_a_window_means_the_index_crossed_the_crossover(comp):
    """Under min, a window (all four conditions above 0.5) lifts the index above 0.5."""
    assert comp.aggregator == "min"
    for n, o in comp.outcomes.items():
        assert np.all(o.peak_index[o.window] > CROSSOVER), n
        # And the peak index is the lowest condition in the month of the peak.
        assert np.allclose(o.at_peak.min(axis=1), o.peak_index, atol=1e-6), n


def test_bottleneck_shares_count_the_worlds_from_their_trajectories(comp, scenario):
    """Recounted from the months themselves: each world's trajectory, the condition lowest in
    the most months (ties to each lowest, the first of equals), then the share of worlds."""
    from polmodel.model.integrator import simulate

    initial, params = comp.worlds.inputs()
    for n, s in comp.per_policy.items():
        shares = s["bottleneck_shares"]
        assert list(shares) == list(CONDITIONS)
        traj, _ = simulate(initial, params, scenario.schedule(n), aggregator=comp.aggregator)
        conds = traj[:, 1:, : len(CONDITIONS)]  # months 1..horizon
        lowest = conds == conds.min(axis=2, keepdims=True)
        months = lowest.sum(axis=1)  # [worlds, 4]
        bottleneck = [int(np.flatnonzero(m == m.max())[0]) for m in months]
        for i, c in enumerate(CONDITIONS):
            assert shares[c] == pytest.approx(bottleneck.count(i) / N, abs=1e-15), (n, c)
        assert sum(shares.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("x, y, expected", [
    ([0.9, 0.8, 0.7], [0.5, 0.8, 0.1], 1.0),          # x >= y everywhere: necessary
    ([1.0, 1.0], [0.3, 0.0], 1.0),
    ([0.9, 0.2], [1.0, 0.0], 0.9),
    ([0.2, 0.5], [0.4, 0.5], 0.7 / 0.9),
    ([0.0, 0.0], [0.6, 0.2], 0.0),                    # absent where the outcome is present
    ([0.1, 0.6, 0.3], [0.4, 0.4, 0.2], (0.1 + 0.4 + 0.2) / 1.0),
])
def test_necessity_consistency_on_hand_made_cases(x, y, expected):
    got = necessity_consistency(np.array(x), np.array(y))
    assert got == pytest.approx(expected, abs=1e-12)
    assert 0.0 <= got <= 1.0


def test_necessity_consistency_without_the_outcome_is_nan():
    assert math.isnan(necessity_consistency(np.array([0.3, 0.9]), np.zeros(2)))


def test_necessity_reads_condition_peaks_against_each_rival_structures_peak(comp):
    """Consistency of a condition's highest level for a structure's strict peak, across worlds;
    a condition inside the structure is necessary by construction and left out (None)."""
    for n, o in comp.outcomes.items():
        for s, (name, st) in enumerate(STRUCTURES.items()):
            for i, c in enumerate(CONDITIONS):
                got = comp.necessity[n][name][c]
                if c in st.leaves:
                    assert got is None, (n, name, c)
                else:
                    expected = necessity_consistency(o.condition_peak[:, i].astype(float),
                                                     o.readings[:, s, 0].astype(float))
                    assert got == pytest.approx(expected, abs=1e-6), (n, name, c)


@pytest.mark.parametrize("aggregator", ["min", "product"])
def test_necessity_can_say_no_under_min_and_product(scenario, aggregator):
    """The table asks what could be otherwise: values in [0, 1], and some below 1 on the
    default scenario (openings by a route that does not need a condition, without it)."""
    c = compare(scenario, worlds=N, seed=SEED, aggregator=aggregator)
    values = [v for by in c.necessity.values() for d in by.values() for v in d.values()
              if v is not None]
    assert values and all(0.0 <= v <= 1.0 for v in values)
    assert min(values) < 1.0


def test_baseline_against_itself_changes_no_condition(comp):
    for c, eff in comp.condition_effects[comp.baseline].items():
        assert eff == {"mean_change": 0.0, "share_raised": 0.0}, c


def test_condition_effects_are_paired_mean_changes(comp):
    base = comp.outcomes[comp.baseline].condition_mean.astype(float)
    for n in comp.policies:
        d = comp.outcomes[n].condition_mean.astype(float) - base
        for i, c in enumerate(CONDITIONS):
            assert comp.condition_effects[n][c]["mean_change"] == pytest.approx(d[:, i].mean())


def test_coordinated_targeted_raises_pressure(comp):
    """Multilateral coordination feeds international pressure (DESIGN: coordination lever)."""
    eff = comp.condition_effects["coordinated-targeted"]["pressure"]
    assert eff["share_raised"] > 0.5
    assert eff["mean_change"] > 0


def test_broad_sanctions_deepen_the_crisis(comp):
    eff = comp.condition_effects["broad"]["crisis"]
    assert eff["share_raised"] > 0.5
    assert eff["mean_change"] > 0


def test_engagement_eases_the_crisis(comp):
    """Relief and aid ease the crisis: the humanitarian side of the trade-off."""
    eff = comp.condition_effects["engagement"]["crisis"]
    assert eff["mean_change"] < 0
    assert comp.per_policy["engagement"]["crisis_months_median"] < \
        comp.per_policy[comp.baseline]["crisis_months_median"]


# -- presentation --------------------------------------------------------------------------


def _provenance_parts(c: Comparison) -> list[str]:
    return [f"polmodel {__version__}", f"scenario {c.scenario}", f"seed {SEED}", f"worlds {c.n_worlds}"]


def _assert_honest_words(text: str) -> None:
    lower = text.lower()
    assert "probabilit" not in lower
    assert " will " not in lower


def test_provenance_names_version_scenario_seed_and_worlds(comp):
    prov = comp.provenance()
    for part in _provenance_parts(comp):
        assert part in prov


def test_summary_has_caveat_provenance_and_every_policy(comp):
    text = flat(comp.summary())
    assert CAVEAT in text
    assert comp.provenance() in text
    for part in _provenance_parts(comp):
        assert part in text
    assert "plausible worlds" in text
    for n in comp.policies:
        assert n in text
    _assert_honest_words(text)
    assert str(comp) == comp.summary()
    assert all(len(line) <= WIDTH for line in comp.summary().splitlines())


def test_summary_under_geometric_keeps_the_caveat(scenario):
    c = compare(scenario, ["broad"], worlds=32, seed=SEED, aggregator="geometric")
    text = flat(c.summary())
    assert CAVEAT in text and c.provenance() in text
    _assert_honest_words(text)


def test_to_dict_is_json_and_carries_provenance(comp):
    d = comp.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert back["provenance"] == comp.provenance()
    assert back["caveat"] == CAVEAT
    assert back["scenario"] == comp.scenario and back["seed"] == SEED and back["worlds"] == N
    assert back["baseline"] == comp.baseline
    assert set(back["policies"]) == set(comp.policies)
    assert back["policies"]["broad"]["window_share"] == comp.per_policy["broad"]["window_share"]
    assert back["against_baseline"][comp.baseline]["share_tied"] == 1.0
    _assert_honest_words(text)


def test_to_frame_one_row_per_policy(comp):
    df = comp.to_frame()
    assert list(df.index) == comp.policies
    assert df.index.name == "policy"
    for c in CONDITIONS:
        assert f"binds_{c}" in df.columns
    assert df.loc["broad", "window_share"] == comp.per_policy["broad"]["window_share"]
    assert df.loc["broad", "shortfall_mean"] == comp.shortfall["broad"]["mean"]


def test_to_csv_is_read_by_pandas_as_it_is_with_every_pair(comp):
    import pandas as pd

    text = comp.to_csv()
    assert not text.startswith("#")
    df = pd.read_csv(io.StringIO(text), keep_default_na=False)
    assert list(df.columns[-4:]) == ["policy", "versus", "statistic", "value"]
    assert set(df["scenario"]) == {comp.scenario} and set(df["seed"]) == {SEED}
    assert set(df["worlds"]) == {N} and set(df["aggregator"]) == {comp.aggregator}
    per = df[df["versus"] == ""]
    assert list(dict.fromkeys(per["policy"])) == comp.policies
    for n in comp.policies:
        rows = per[per["policy"] == n].set_index("statistic")["value"]
        s = comp.per_policy[n]
        assert float(rows["window_share"]) == pytest.approx(s["window_share"], rel=1e-5)
        assert float(rows["peak_index_median"]) == pytest.approx(s["peak_index_median"], rel=1e-5)
        assert sum(float(rows[f"binds_{c}"]) for c in CONDITIONS) == pytest.approx(1.0, abs=1e-5)
    # Every ordered pair of distinct policies, each statistic of pairwise() once.
    pairs = df[(df["statistic"] == "share_higher")]
    assert len(pairs) == len(comp.policies) * (len(comp.policies) - 1)
    for _, r in pairs.iterrows():
        assert float(r["value"]) == pytest.approx(comp.pairwise(r["policy"], r["versus"])["share_higher"],
                                                  rel=1e-5)
    _assert_honest_words(text)


def test_to_csv_writes_a_file_when_given_a_path(comp, tmp_path):
    import os
    import stat

    path = tmp_path / "c.csv"
    old = os.umask(0o027)
    try:
        assert comp.to_csv(path) is None
    finally:
        os.umask(old)
    assert path.read_text(encoding="utf-8") == comp.to_csv()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the umask decides, not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == ["c.csv"]  # no temporary left


def test_repr_is_short_and_names_what_was_compared(comp):
    text = repr(comp)
    assert len(text) < 400 and "\n" not in text
    assert comp.scenario in text and str(N) in text
    for n in comp.policies:
        assert n in text
    for o in comp.outcomes.values():
        assert len(repr(o)) < 200
    assert len(repr(comp.worlds)) < 200


@pytest.mark.parametrize("kind", ["peak", "differences", "bottlenecks", "tradeoff", "pair"])
def test_plot_kinds_return_their_axes(comp, kind):
    fig = Figure()
    ax = fig.add_subplot()
    assert comp.plot(ax=ax, kind=kind) is ax
    assert comp.title in _figure_text(fig)


def test_plot_kind_unknown_is_one_line(comp):
    with pytest.raises(PolmodelError, match="unknown kind 'pie'; allowed: .*pair"):
        comp.plot(kind="pie")


def test_pair_figure_splits_worlds_by_which_policy_is_higher(comp):
    a, b = comp.policies[1], comp.policies[0]
    fig = Figure()
    ax = comp.plot_pair(a, b, ax=fig.add_subplot())
    assert comp.plot(ax=Figure().add_subplot(), pair=(a, b)) is not None
    points = [c for c in ax.collections if len(c.get_offsets())]
    assert sum(len(c.get_offsets()) for c in points) == comp.n_worlds
    pw = comp.pairwise(a, b)
    counts = sorted(round(pw[k] * comp.n_worlds) for k in ("share_higher", "share_lower",
                                                            "share_tied") if pw[k] > 0)
    assert sorted(len(c.get_offsets()) for c in points) == counts
    text = _figure_text(fig)
    assert f"{100 * comp.pairwise(a, b)['share_higher']:.0f}%" in text
    assert "0.5 crossover" in text or comp.outcomes[a].peak_index.max() < 0.5
    with pytest.raises(PolmodelError, match="unknown policy"):
        comp.plot_pair(a, "nope")


def test_html_has_tables_caveat_and_provenance(comp):
    import html

    page = comp._repr_html_()
    assert "<table>" in page
    assert html.escape(CAVEAT) in page
    assert html.escape(comp.provenance()) in page
    _assert_honest_words(page)


# -- figures -------------------------------------------------------------------------------

FIGURES = [plots.plot_peak_distributions, plots.plot_paired_differences,
           plots.plot_bottleneck_shares, plots.plot_tradeoff, Comparison.plot]


def _figure_text(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text))


@pytest.mark.parametrize("draw", FIGURES, ids=lambda f: f.__name__)
def test_figures_return_their_axes_and_say_what_they_show(comp, draw):
    fig = Figure()
    ax = fig.add_subplot()
    assert draw(comp, ax=ax) is ax
    text = _figure_text(fig)
    assert "plausible worlds" in text
    assert comp.provenance() in text
    for part in _provenance_parts(comp):
        assert part in text
    _assert_honest_words(text)


@pytest.mark.parametrize("draw", FIGURES, ids=lambda f: f.__name__)
def test_figures_make_their_own_axes(comp, draw):
    import matplotlib.pyplot as plt

    ax = draw(comp, ax=None)
    try:
        assert isinstance(ax, matplotlib.axes.Axes)
        assert "plausible worlds" in _figure_text(ax.figure)
    finally:
        plt.close(ax.figure)


def test_paired_differences_with_only_the_baseline(scenario):
    c = compare(scenario, [scenario.baseline], worlds=16, seed=SEED)
    fig = Figure()
    ax = fig.add_subplot()
    assert plots.plot_paired_differences(c, ax=ax) is ax
    assert c.provenance() in _figure_text(fig)


def test_same_worlds_sampled_twice_are_the_compared_worlds(scenario, comp):
    w = sample_worlds(scenario, N, seed=SEED)
    assert np.array_equal(w.values, comp.worlds.values)


def test_worlds_of_another_scenario_are_refused():
    from polmodel.analysis.worlds import sample_worlds

    worlds = sample_worlds("venezuela-2022", 16, seed=0)
    with pytest.raises(PolmodelError, match="sampled for 'venezuela-2022'"):
        compare("venezuela-2018", worlds=worlds)


def test_every_pair_is_reported_both_ways(comp):
    d = comp.to_dict()["pairwise"]
    for a in comp.policies:
        assert a not in d[a]
        for b in comp.policies:
            if a != b:
                assert d[a][b]["share_higher"] == d[b][a]["share_lower"]
                assert d[a][b]["share_higher"] + d[a][b]["share_lower"] + d[a][b]["share_tied"] == \
                    pytest.approx(1.0)
    assert "Every pair" in comp.summary()


def test_the_title_counts_in_words_that_agree_with_their_number():
    from polmodel.views.comparison_text import comparison_title

    one = compare("venezuela-2018", ["status-quo"], worlds=1, seed=0)
    assert comparison_title(one).endswith(": 1 policy on 1 plausible world")
    many = compare("venezuela-2018", ["status-quo", "targeted"], worlds=1200, seed=0)
    assert comparison_title(many).endswith(": 2 policies on 1,200 plausible worlds")
