"""The words of a sensitivity analysis: Sobol' leads, Morris and the tornado check it, in labels."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import bare_ids, flat

from polmodel.analysis.one_at_a_time import Tornado
from polmodel.analysis.questions import Question
from polmodel.analysis.sensitivity_analysis import sensitivity
from polmodel.analysis.sensitivity_methods import MorrisScreen, SobolIndices
from polmodel.model.labels import label
from polmodel.views import sensitivity_text as st

NAMES = ("rally", "lockin", "squeeze", "wedge", "support", "drift")


def fake(total, mu_star, swing):
    """A result with the given Sobol' totals, Morris mu* and tornado swings over NAMES."""
    d = len(NAMES)
    total = np.array(total, float)
    sob = SobolIndices("min", NAMES, total / 2, total, None, np.column_stack([total * 0.8, total * 1.2]),
                       64, 0.0, 1.0, "percentile")
    morris = MorrisScreen("min", NAMES, np.array(mu_star, float), np.zeros((d, 2)), np.zeros(d), 4, False)
    swing = np.array(swing, float)
    tornado = Tornado("min", "peak_index", 0.0, NAMES, np.zeros(d), np.ones(d), -swing / 2, swing / 2,
                      {"min": 0.0})
    from polmodel.analysis.sensitivity_analysis import Sensitivity

    return Sensitivity("x", "X", Question("targeted", "broad"), 36, 0, {n: (0, 1) for n in NAMES},
                       (sob,), (morris,), tornado, {}, 0.95, 30, {})


def test_checks_name_agreement_misses_with_their_rank_and_what_came_instead():
    # Sobol' leaders (total >= 0.05, at most 4): rally, lockin, squeeze (wedge is below 0.05).
    s = fake(total=[0.5, 0.3, 0.2, 0.04, 0.01, 0.0], mu_star=[0.3, 0.9, 0.01, 0.5, 0.0, 0.02],
             swing=[0.0, 0.0, 0.3, 0.2, 0.1, 0.0])
    assert s.deciding() == ["rally", "lockin", "squeeze"]
    c = st.checks(s)
    # Morris order: lockin, wedge, rally, drift, squeeze (support does not move it).
    assert c["morris"] == {"agree": ["rally", "lockin"], "missed": {"squeeze": 5},
                           "instead": ["wedge"], "same_order": False}
    # Tornado order among those that move: squeeze, wedge, support; rally and lockin never.
    assert c["tornado"] == {"agree": ["squeeze"], "missed": {"rally": 0, "lockin": 0},
                            "instead": ["wedge", "support"], "same_order": False}
    words = st.headline(s)
    assert "agrees on 2 of these 3" in words and f"'{label('squeeze')}' comes 5th" in words
    assert "agrees on 1 of these 3" in words and "the other 2 do not move the answer alone" in words


def test_full_agreement_is_said_with_the_order():
    s = fake(total=[0.5, 0.3, 0.2, 0.0, 0.0, 0.0], mu_star=[0.5, 0.3, 0.2, 0, 0, 0],
             swing=[0.2, 0.3, 0.1, 0, 0, 0])
    assert st.checks(s)["morris"]["same_order"] and not st.checks(s)["tornado"]["same_order"]
    words = st.headline(s)
    assert "ranks the same 3 first, in the same order" in words
    assert "ranks the same 3 first, in another order" in words


def test_sobol_leads_with_labels_ids_and_intervals_before_the_checks():
    s = fake(total=[0.5, 0.3, 0.2, 0.04, 0.01, 0.0], mu_star=[0.3, 0.9, 0.01, 0.5, 0.0, 0.02],
             swing=[0.0, 0.0, 0.3, 0.2, 0.1, 0.0])
    words = st.headline(s)
    first = words.index("Morris screening")
    for name in s.deciding():
        i = s.sobol[0].names.index(name)
        lo, hi = s.sobol[0].total_interval[i]
        assert f"{label(name)} ({name}, " in words[:first]
        assert f"{lo:.2f} to {hi:.2f}" in words[:first]
    assert words.index("total index") < first
    assert not bare_ids(words)


@pytest.fixture(scope="module")
def scenario_result():
    return sensitivity("venezuela-2018", n=64, n_resamples=30, trajectories=4,
                       aggregators=("min",))


def test_scenario_headline_and_tables_read_in_labels(scenario_result):
    s = scenario_result
    assert not bare_ids(s.headline()), bare_ids(s.headline())
    for _heading, _header, rows, _note in st.sections(s):
        for row in rows:  # the first column: the label, the id in parentheses
            name = row[0].rsplit("(", 1)[1].rstrip(")")
            assert row[0] == label(name, with_id=True)
    data = s.to_dict()
    assert all(e["label"] == label(e["name"]) for e in data["sobol"][0]["indices"])
    assert set(data["checks"]) == {"morris", "tornado"}
    assert flat(s.headline()).startswith("What decides")


def test_tornado_numbers_are_rounded_to_two_significant_digits(scenario_result):
    t = scenario_result.tornado
    i = t.order()[0]
    words = scenario_result.headline()
    assert f"({np.format_float_positional(t.at_low[i], 2, unique=False, fractional=False, trim='-')} at" in words
    assert f"{t.at_low[i]:.3g}" not in words or f"{t.at_low[i]:.3g}" == f"{t.at_low[i]:.2g}"


@pytest.mark.parametrize("kind", ["sobol", "tornado"])
def test_figures_name_assumptions_by_label_with_the_id(scenario_result, kind):
    import matplotlib

    matplotlib.use("Agg")
    ax = scenario_result.plot(kind=kind)
    ticks = [" ".join(t.get_text().split()) for t in ax.get_yticklabels()]
    assert ticks
    for tick in ticks:
        name = tick.rsplit("(", 1)[1].rstrip(")")
        assert tick == label(name, with_id=True)
    import matplotlib.pyplot as plt

    plt.close(ax.figure)


def test_sweep_axes_are_labelled_in_words():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from polmodel.analysis.sweeps import sweep

    ax = sweep("venezuela-2018", "rally", "lever.broad_sanctions", worlds=20, points=2).plot()
    assert " ".join(ax.get_xlabel().split()) == label("rally", with_id=True)
    assert " ".join(ax.get_ylabel().split()) == label("lever.broad_sanctions", with_id=True)
    plt.close(ax.figure)


# ---- Noisy indices: the minimum N says so ---------------------------------------------------------


@pytest.fixture(scope="module")
def sixteen():
    return sensitivity("venezuela-2018", "targeted", "broad", n=16, methods=("sobol",), seed=0)


def test_sixteen_worlds_warn_that_the_indices_are_noisy_in_the_result(sixteen):
    from polmodel.analysis.sensitivity_analysis import NOISY_WIDTH

    sob = sixteen.sobol[0]
    lead = sob.order()[:4]
    assert (sob.total_interval[lead, 1] - sob.total_interval[lead, 0]).max() > NOISY_WIDTH
    warning = sixteen.noisy()
    assert warning and "N = 16 worlds" in warning and "--worlds" in warning
    assert warning in flat(sixteen.summary())
    assert sixteen.to_dict()["warning"] == warning


def test_without_intervals_a_small_n_still_warns():
    s = sensitivity("venezuela-2018", "targeted", "broad", n=16, methods=("sobol",), seed=0,
                    n_resamples=0)
    assert s.noisy() and "no intervals" in s.noisy()


def test_the_default_n_gives_no_noise_warning():
    s = sensitivity("venezuela-2018", "targeted", "broad", n=1024, methods=("sobol",), seed=0)
    assert s.noisy() is None and "Noisy" not in s.summary()
    assert s.to_dict()["warning"] is None


def test_the_cli_warns_on_stderr_at_sixteen_worlds():
    from conftest import cli

    result = cli("sensitivity", "--worlds", 16, "--method", "sobol", "--policy", "targeted",
                 "--policy", "broad", "--json")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "Noisy: with N = 16 worlds" in warnings[0]
    quiet = cli("sensitivity", "--worlds", 256, "--method", "sobol", "--policy", "targeted",
                "--policy", "broad", "--resamples", 0, "--json")
    assert quiet.exit_code == 0 and "warning:" not in quiet.stderr
