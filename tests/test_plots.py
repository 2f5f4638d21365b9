"""Figures people can read: styles that survive grey, the binding condition, titles, thresholds."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from polmodel.analysis.comparison import compare  # noqa: E402
from polmodel.analysis.runs import run  # noqa: E402
from polmodel.model.states import (
    CONDITIONS,  # noqa: E402
    STATES,  # noqa: E402
)
from polmodel.scenario.loading import load_scenario  # noqa: E402
from polmodel.views import plots  # noqa: E402


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("venezuela-2018")


@pytest.fixture(scope="module")
def comp(scenario):
    return compare(scenario, worlds=64, seed=2)


def _texts(fig) -> str:
    from matplotlib.text import Text

    return "\n".join(t.get_text() for t in fig.findobj(Text))


def test_every_state_has_its_own_colour_line_style_marker_and_hatch():
    styles = [plots.style(s) for s in STATES]
    for attr in ("color", "marker", "hatch"):
        values = [getattr(st, attr) for st in styles]
        assert len(set(values)) == len(values), attr
    dashes = [str(st.linestyle) for st in styles]
    assert len(set(dashes)) == len(dashes)


def test_condition_colours_are_from_the_colour_blind_safe_palette():
    assert {plots.style(c).color for c in CONDITIONS} <= set(plots.OKABE_ITO)


def test_grey_alone_tells_the_conditions_apart_by_line_style_or_lightness():
    def grey(colour):
        r, g, b = to_rgb(colour)
        return 0.299 * r + 0.587 * g + 0.114 * b

    for i, a in enumerate(CONDITIONS):
        for b in CONDITIONS[i + 1:]:
            sa, sb = plots.style(a), plots.style(b)
            assert sa.linestyle != sb.linestyle or abs(grey(sa.color) - grey(sb.color)) > 0.15


def test_trajectory_shows_the_binding_condition_under_the_index(scenario):
    r = run(scenario, list(scenario.policies)[-1])
    fig = Figure()
    ax = r.plot(ax=fig.add_subplot())
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    index = lines["opening index"]
    thick = [ln for ln in ax.get_lines() if ln.get_label() == "_nolegend_"]
    assert len(thick) == len(CONDITIONS)
    # The index is thin and dashed and drawn on top; the binding segments are thick beneath it.
    assert index.get_linestyle() != "-" and index.get_linewidth() < min(
        lines[c].get_linewidth() for c in CONDITIONS)
    assert index.get_zorder() > max(lines[c].get_zorder() for c in CONDITIONS)
    assert all(t.get_linewidth() > 2 * lines[CONDITIONS[0]].get_linewidth() for t in thick)
    binding = np.array(r.bottleneck)
    for cond, seg in zip(CONDITIONS, thick):
        y = np.asarray(seg.get_ydata(), dtype=float)
        assert np.array_equal(~np.isnan(y), binding == cond), cond
    assert r.title in ax.get_title() and "0.5 crossover" in _texts(fig)


@pytest.mark.parametrize("kind", ["peak", "tradeoff", "pair"])
def test_comparison_figures_label_the_crossover_and_use_the_title(comp, kind):
    fig = Figure()
    ax = comp.plot(ax=fig.add_subplot(), kind=kind)
    assert comp.title in ax.get_title() and comp.scenario not in ax.get_title()
    text = _texts(fig)
    assert "0.5 crossover" in text or kind == "pair" and max(
        comp.outcomes[p].peak_index.max() for p in comp.policies) < 0.5


def test_tradeoff_points_never_sit_on_each_other(comp):
    fig = Figure(figsize=(7, 5))
    ax = plots.plot_tradeoff(comp, ax=fig.add_subplot())
    fig.canvas.draw()
    centres = [ax.transData.transform(c.lines[0].get_xydata()[0]) for c in ax.containers]
    assert len(centres) == len(comp.policies)
    for i, a in enumerate(centres):
        for b in centres[i + 1:]:
            assert np.hypot(*(a - b)) > 4  # display pixels: markers are 7 points wide


def test_dodge_separates_equal_costs():
    offsets = plots._dodge([1.0, 1.0, 1.0, 5.0], [0.3, 0.3, 0.6, 0.3], span=4.0)
    assert len({round(o, 9) for o in offsets[:3]}) == 3 and offsets[3] == 0.0
