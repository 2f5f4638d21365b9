"""Figures read away from their text: scenario title, caveat and provenance, nothing off the image,
the box drawn, no axis that magnifies a tiny span, "<1%" where the table says "<1%" (issue 16)."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
from conftest import texts_outside  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from polmodel.analysis.comparison import compare  # noqa: E402
from polmodel.analysis.discovery import discover  # noqa: E402
from polmodel.analysis.sensitivity_analysis import sensitivity  # noqa: E402
from polmodel.analysis.sweeps import sweep  # noqa: E402
from polmodel.scenario.loading import load_scenario  # noqa: E402
from polmodel.views import plots  # noqa: E402
from polmodel.views.text import CAVEAT, approx  # noqa: E402


@pytest.fixture(scope="module")
def sc():
    return load_scenario("venezuela-2018")


@pytest.fixture(scope="module")
def sens(sc):
    return sensitivity(sc, "targeted", "broad", n=32, n_resamples=10, trajectories=4,
                       aggregators=("min",), seed=1)


@pytest.fixture(scope="module")
def disc(sc):
    return discover(sc, "targeted", "broad", worlds=600)


def _words(fig) -> str:
    return " ".join(" ".join(t.get_text().split()) for t in fig.findobj(Text))


def _drawers(sens, disc, sc):
    sw = sweep(sc, "rally", policy="targeted", versus="broad", points=3, worlds=60)
    return {"sobol": (sens, lambda ax: sens.plot(ax=ax, kind="sobol")),
            "tornado": (sens, lambda ax: sens.plot(ax=ax, kind="tornado")),
            "morris": (sens, lambda ax: sens.plot(ax=ax, kind="morris")),
            "discover": (disc, disc.plot), "sweep": (sw, sw.plot)}


@pytest.mark.parametrize("kind", ["sobol", "tornado", "morris", "discover", "sweep"])
def test_every_analysis_figure_carries_title_caveat_and_provenance(sens, disc, sc, kind):
    result, draw = _drawers(sens, disc, sc)[kind]
    fig = Figure(figsize=(9, 6))
    draw(fig.add_subplot())
    words = _words(fig)
    assert sc.title in words
    assert CAVEAT in words and result.provenance() in words


@pytest.mark.parametrize("kind", ["sobol", "tornado", "morris", "discover", "sweep"])
def test_no_text_of_an_analysis_figure_runs_off_it(sens, disc, sc, kind):
    _, draw = _drawers(sens, disc, sc)[kind]
    assert texts_outside(draw, figsize=(10, 6.5)) == []


def test_the_discover_figure_draws_the_box_on_each_plausible_range(disc):
    """Each restricted assumption: a bar over its plausible range and the box's part of it."""
    from matplotlib.patches import Rectangle

    # With reruns the figure draws what the sentence states: the restrictions that recur.
    b = disc.recurrence.box
    assert b is not None and b.names, "the test needs a stable box that restricts something"
    fig = Figure(figsize=(10, 5.5))
    ax = disc.plot(ax=fig.add_subplot())
    full = dict(zip(disc.prim.names, map(tuple, disc.prim.bounds)))
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    spans = sorted((round(p.get_x(), 9), round(p.get_x() + p.get_width(), 9)) for p in bars)
    for name, lo, hi in zip(b.names, b.low, b.high):
        f0, f1 = full[name]
        expected = (round((lo - f0) / (f1 - f0), 9), round((hi - f0) / (f1 - f0), 9))
        assert expected in spans, name
        label = next(t.get_text() for t in ax.get_yticklabels() if name in t.get_text())
        assert f"{approx(f0)} to {approx(f1)}" in label
        count = int(disc.recurrence.counts[disc.recurrence.names.index(name)])
        assert f"in {count} of {disc.recurrence.resamples} reruns" in label
    assert spans.count((0.0, 1.0)) >= len(b.names)  # the plausible ranges behind the box
    words = _words(fig)
    for share in (b.density, b.coverage, b.mass):
        assert f"{100 * share:.0f}%" in words
    assert any("trade-off" in other.get_title() for other in fig.axes)  # beside the box


def test_the_tradeoff_axis_starts_at_zero_and_names_the_span(sc):
    c = compare(sc, worlds=64, seed=2)
    fig = Figure(figsize=(7, 5))
    ax = plots.plot_tradeoff(c, ax=fig.add_subplot())
    xs = [c.per_policy[n]["crisis_months_median"] for n in c.policies]
    assert ax.get_xlim()[0] == 0 and ax.get_xlim()[1] >= max(xs)
    assert f"from {min(xs):.3g} to {max(xs):.3g} crisis-months" in ax.get_xlabel()


class _Tiny:
    """A comparison whose first policy has a window in a share of worlds that rounds to 0%."""

    def __init__(self, c, share):
        self._c, self.share = c, share
        first = c.policies[0]
        self.per_policy = {n: dict(v, window_share=share if n == first else v["window_share"])
                           for n, v in c.per_policy.items()}

    def __getattr__(self, name):
        return getattr(self._c, name)


def test_a_figure_says_under_one_percent_where_the_table_does(sc):
    from polmodel.views.text import pct

    c = compare(sc, worlds=64, seed=2)
    tiny = _Tiny(c, 0.003)  # 0.3%: the tables print pct(0.003)
    fig = Figure(figsize=(8, 4.5))
    plots.plot_peak_distributions(tiny, ax=fig.add_subplot())
    words = _words(fig)
    assert pct(0.003) == "<1%" and "window in <1% of plausible worlds" in words
    for n in c.policies:  # every policy's share as the tables print it, and no other
        assert f"window in {pct(tiny.per_policy[n]['window_share'])} of plausible worlds" in words
