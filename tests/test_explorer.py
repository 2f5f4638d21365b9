"""The live explorer: its callbacks, driven without a browser, match polmodel.run exactly."""

import html
import sys
from dataclasses import replace

import numpy as np
import pytest

import polmodel
from polmodel.errors import PolmodelError
from polmodel.model.levers import LEVER_NAMES, LEVERS_BY_NAME, LeverSetting, Policy
from polmodel.model.parameters import MECHANISMS_BY_NAME, PARAMETERS
from polmodel.model.states import AGGREGATORS, CONDITIONS
from polmodel.room.explorer import START_SUFFIX, Explorer, _spans, explore
from polmodel.room.explorer_assumptions import influential_assumptions, widest_ranges

SCENARIO = polmodel.load_scenario("venezuela-2018")


@pytest.fixture(scope="module")
def ex():
    return explore(SCENARIO)


def run_with_levers(levers: dict, **kwargs):
    """polmodel.run on the scenario with one extra policy holding exactly these levers."""
    pol = Policy("expected", {k: s for k, s in levers.items() if s.intensity > 0})
    sc = replace(SCENARIO, policies={**SCENARIO.policies, "expected": pol})
    return polmodel.run(sc, "expected", **kwargs)


def run_with_assumption(policy, name, value):
    """polmodel.run with one assumption (a parameter or ``initial.<state>``) replaced."""
    if name.startswith("initial."):
        return polmodel.run(SCENARIO, policy, initial={name.removeprefix("initial."): value})
    return polmodel.run(SCENARIO, policy, parameters={name: value})


def assert_figure_shows(ex, expected):
    """Every artist holds the numbers of ``expected``, bit for bit."""
    for i, c in enumerate(CONDITIONS):
        x, y = ex._lines[c].get_data()
        assert np.array_equal(x, expected.months)
        assert np.array_equal(y, expected.conditions[:, i]), c
        thick = ex._binding[c].get_data()[1]
        binds = np.array([b == c for b in expected.bottleneck])
        assert np.array_equal(thick[binds], expected.conditions[binds, i])
        assert np.isnan(thick[~binds]).all()
    assert np.array_equal(ex._index.get_data()[1], expected.index)
    strip = np.asarray(ex._strip.get_array())[0]
    assert [CONDITIONS[int(k)] for k in strip] == expected.bottleneck
    assert_window_matches(ex, expected)


def assert_window_matches(ex, expected):
    rects = [p.vertices for p in ex._window.get_paths()]
    covered = [any(r[:, 0].min() <= m <= r[:, 0].max() and
                   (r[:, 0].min() < m < r[:, 0].max() or m in (expected.months[0], expected.months[-1]))
                   for r in rects) for m in expected.months]
    assert covered == expected.window.tolist()


def start_settings(policy):
    return {lv: SCENARIO.policy(policy).levers.get(lv, LeverSetting(0.0)) for lv in LEVER_NAMES}


def test_the_first_figure_is_the_starting_policy_at_central_values(ex):
    ex.controls["policy"].value = SCENARIO.baseline
    ex.update(policy=SCENARIO.baseline, **{k: v for k, (v, _, _) in ex.ranges.items()})
    assert_figure_shows(ex, polmodel.run(SCENARIO, SCENARIO.baseline))


@pytest.mark.parametrize("lever", LEVER_NAMES)
def test_an_intensity_slider_reruns_the_model_with_that_intensity(ex, lever):
    ex.update(policy=SCENARIO.baseline)
    ex.controls.sync()
    before = ex._index.get_data()[1].copy()
    new = 0.85 if ex.controls[lever].value != 0.85 else 0.35
    ex.controls[lever].value = new
    levers = start_settings(SCENARIO.baseline)
    levers[lever] = LeverSetting(new, levers[lever].start, levers[lever].end)
    expected = run_with_levers(levers)
    assert_figure_shows(ex, expected)
    assert ex.result.policy.endswith("(edited)")
    assert np.array_equal(before, polmodel.run(SCENARIO, SCENARIO.baseline).index)


def test_a_start_slider_delays_the_lever(ex):
    ex.update(policy=SCENARIO.baseline)
    ex.controls.sync()
    lever = max(LEVER_NAMES, key=lambda lv: start_settings(SCENARIO.baseline)[lv].intensity)
    ex.controls[lever + START_SUFFIX].value = 7
    levers = start_settings(SCENARIO.baseline)
    levers[lever] = LeverSetting(levers[lever].intensity, 7)
    assert_figure_shows(ex, run_with_levers(levers))
    # Before the start month the lever is off, so months 0..7 match the run without it.
    without = dict(levers, **{lever: LeverSetting(0.0)})
    assert np.array_equal(ex.result.states[:8], run_with_levers(without).states[:8])


def test_an_assumption_slider_reruns_with_that_value(ex):
    ex.update(policy=SCENARIO.baseline)
    name = next(iter(ex.ranges))
    _, low, high = ex.ranges[name]
    value = low + 0.9 * (high - low)
    ex.controls[name].value = value
    value = ex.controls[name].value  # the slider rounds to its step
    assert_figure_shows(ex, run_with_assumption(SCENARIO.baseline, name, value))
    ex.controls[name].value = ex.ranges[name][0]


@pytest.mark.parametrize("policy", list(SCENARIO.policies))
def test_the_policy_dropdown_resets_every_lever_slider(ex, policy):
    ex.controls["policy"].value = policy
    assert_figure_shows(ex, polmodel.run(SCENARIO, policy))
    assert ex.result.policy == policy
    for lever, s in start_settings(policy).items():
        assert ex.controls[lever].value == pytest.approx(s.intensity)
        assert ex.controls[lever + START_SUFFIX].value == s.start


@pytest.mark.parametrize("aggregator", list(AGGREGATORS))
def test_the_aggregator_choice_changes_the_index_only(ex, aggregator):
    ex.update(policy=SCENARIO.baseline)
    ex.controls["aggregator"].value = aggregator
    expected = polmodel.run(SCENARIO, SCENARIO.baseline, aggregator=aggregator)
    assert_figure_shows(ex, expected)
    ex.controls["aggregator"].value = SCENARIO.aggregator


def test_updates_move_artists_and_never_add_new_ones(ex):
    ax, strip = ex.axes
    counts = (len(ax.lines), len(ax.collections), len(strip.images), len(ex.figure.texts))
    lines = dict(ex._lines)
    for v in (0.1, 0.5, 0.9):
        ex.update(**{LEVER_NAMES[0]: v})
    assert (len(ax.lines), len(ax.collections), len(strip.images), len(ex.figure.texts)) == counts
    assert all(ex._lines[c] is lines[c] for c in CONDITIONS)


def test_the_window_is_shaded_exactly_where_all_four_are_present(write_scenario):
    edits = {f"initial.{c}.range": [0.0, 1.0] for c in CONDITIONS}
    path = write_scenario(edits)
    ex = Explorer(str(path), assumptions=[f"initial.{c}" for c in CONDITIONS])
    result = ex.update(**{f"initial.{c}": 1.0 for c in CONDITIONS})
    assert result.window[0]  # all four at 1.0 at month 0: the window is open then at least
    expected = polmodel.run(str(path), initial=dict.fromkeys(CONDITIONS, 1.0))
    assert_figure_shows(ex, expected)


@pytest.mark.parametrize("mask", [[0, 0, 0], [1, 1, 1], [0, 1, 1, 0, 1], [1, 0, 0, 1]])
def test_window_spans_cover_the_open_months_and_nothing_else(mask):
    months = np.arange(len(mask))
    rects = _spans(months, np.array(mask, dtype=bool))
    runs = sum(1 for i, v in enumerate(mask) if v and (i == 0 or not mask[i - 1]))
    assert len(rects) == runs
    width = sum(r[:, 0].max() - r[:, 0].min() for r in rects)
    # Each open month is one unit wide, less half a unit for an open first or last month.
    assert width == pytest.approx(sum(mask) - 0.5 * mask[0] - 0.5 * mask[-1])


def test_a_bad_setting_is_one_line_and_changes_nothing(ex):
    ex.update(policy=SCENARIO.baseline)
    before = ex.result
    with pytest.raises(PolmodelError, match="unknown setting 'no_such_lever'; allowed: policy"):
        ex.update(no_such_lever=0.3)
    with pytest.raises(PolmodelError, match=f"allowed: 0 to {SCENARIO.horizon - 1}"):
        ex.update(**{LEVER_NAMES[0] + START_SUFFIX: SCENARIO.horizon})
    with pytest.raises(PolmodelError, match="outside"):
        ex.update(**{LEVER_NAMES[0]: 1.5})
    name = next(iter(ex.ranges))
    with pytest.raises(PolmodelError, match="plausible range"):
        ex.update(**{name: ex.ranges[name][2] + 1})
    assert ex.result is before


def test_a_slider_error_shows_a_message_instead_of_raising():
    ex = explore(SCENARIO)
    ex.controls.changed("no_such_setting", 1)
    assert "unknown setting" in ex.controls.message.value
    ex.controls[LEVER_NAMES[0]].value = 0.5
    assert ex.controls.message.value == ""
    assert html.escape(ex.result.verdict()) in ex.controls.verdict.value


def test_an_end_month_moves_with_the_start():
    lever = LEVER_NAMES[0]
    pol = Policy("timed", {lever: LeverSetting(0.8, 2, 10)})
    sc = replace(SCENARIO, policies={**SCENARIO.policies, "timed": pol})
    ex = Explorer(sc, "timed")
    ex.update(**{lever + START_SUFFIX: 5})
    assert ex.settings[lever] == LeverSetting(0.8, 5, 13)
    ex.update(**{lever + START_SUFFIX: SCENARIO.horizon - 2})
    assert ex.settings[lever].end is None  # past the horizon: to the end


def test_unknown_assumptions_are_refused():
    with pytest.raises(PolmodelError, match="not a parameter or initial state"):
        Explorer(SCENARIO, assumptions=["no_such_parameter"])


def test_saving_the_figure_at_another_dpi_keeps_the_explorer_drawing(tmp_path, ex):
    ex.figure.savefig(tmp_path / "small.png", dpi=40)
    ex.update(**{LEVER_NAMES[1]: 0.6})
    png = ex.png()
    assert png.startswith(b"\x89PNG")
    w, h = ex.figure.canvas.get_width_height()
    assert np.asarray(ex.figure.canvas.buffer_rgba()).shape[:2] == (h, w)


def central_run_peak(policy, name, value):
    return run_with_assumption(policy, name, value).peak_index


@pytest.mark.parametrize("policy", [SCENARIO.baseline, list(SCENARIO.policies)[-1]])
def test_default_assumptions_swing_the_central_run_most(policy):
    # The tornado, recomputed with polmodel.run: each assumption alone at either end of its range.
    names = influential_assumptions(SCENARIO, policy, n=4)
    dims = {f"initial.{k}": u for k, u in SCENARIO.initial.items()} | dict(SCENARIO.parameters)
    swing = {k: abs(central_run_peak(policy, k, u.high) - central_run_peak(policy, k, u.low))
             for k, u in dims.items() if not u.fixed}
    chosen = [swing[k] for k in names]
    assert len(names) == len(set(names)) == 4
    assert all(s > 0 for s in chosen)
    assert chosen == sorted(chosen, reverse=True) or np.allclose(chosen, sorted(chosen, reverse=True))
    left_out = max(v for k, v in swing.items() if k not in names)
    assert left_out <= min(chosen) + 1e-12


def test_an_initial_state_slider_sets_the_initial_state():
    state = CONDITIONS[1]
    ex = Explorer(SCENARIO, assumptions=[f"initial.{state}"])
    u = SCENARIO.initial[state]
    ex.update(**{f"initial.{state}": u.high})
    assert_figure_shows(ex, polmodel.run(SCENARIO, initial={state: u.high}))


@pytest.mark.parametrize("policy", list(SCENARIO.policies))
def test_the_cheap_ranking_puts_the_policy_mechanisms_widest_ranges_first(policy):
    names = widest_ranges(SCENARIO, policy, n=6)
    assert len(names) == len(set(names)) == 6
    pol = SCENARIO.policy(policy)
    mechs = {m for lv, s in pol.levers.items() if s.intensity > 0 for m in LEVERS_BY_NAME[lv].mechanisms}
    used = {p.name for p in PARAMETERS.values() if p.mechanism in mechs}
    used |= {r for m in mechs for r in MECHANISMS_BY_NAME[m].reads if r in PARAMETERS}

    def width(k):
        u = SCENARIO.parameters[k]
        return (u.high - u.low) / ((u.high + u.low) / 2)

    flags = [n in used for n in names]
    assert flags == sorted(flags, reverse=True)  # the policy's own parameters come first
    for group in (True, False):
        widths = [width(n) for n, f in zip(names, flags) if f is group]
        assert widths == sorted(widths, reverse=True)
    assert all(not SCENARIO.parameters[n].fixed for n in names)
    ranked_out = [k for k in PARAMETERS if k in used and k not in names and not SCENARIO.parameters[k].fixed]
    if ranked_out and all(flags):  # nothing left out is wider than what was kept
        assert max(width(k) for k in ranked_out) <= min(width(n) for n in names)


def test_explore_is_public_and_displays_itself():
    ex = polmodel.explore("venezuela-2018")
    bundle = ex._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Explorer('venezuela-2018'" in repr(ex)


def test_without_ipywidgets_the_explorer_shows_its_figure(monkeypatch):

    ex = Explorer(SCENARIO)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # as if ipywidgets were not installed
    with pytest.raises(PolmodelError, match="pip install 'polmodel\\[explore\\]'"):
        ex.build_controls()
    bundle = ex._repr_mimebundle_()
    import base64

    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert "ipywidgets" in bundle["text/plain"]


def test_each_assumption_slider_reads_its_label_with_its_name(ex):
    from polmodel.model.labels import label

    for name in ex.ranges:
        caption = html.unescape(ex.controls.captions[name].value)
        assert caption.replace("<code>", "").replace("</code>", "") == label(name, with_id=True)
        assert ex.controls[name].description == ""  # the caption above names it
