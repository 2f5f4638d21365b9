"""The Sobol' and Morris paths against functions whose answers are known analytically."""

from __future__ import annotations

import numpy as np
import pytest

from polmodel.analysis.sensitivity_methods import morris, sobol
from polmodel.errors import PolmodelError

PI = np.pi


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[0]) + a * np.sin(x[1]) ** 2 + b * x[2] ** 4 * np.sin(x[0])


def ishigami_indices(a=7.0, b=0.1):
    """Analytic first-order and total indices (Ishigami & Homma 1990; Sobol' 1999)."""
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * PI**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    first = np.array([v1, v2, 0.0]) / var
    total = np.array([v1 + v13, v2, v13]) / var
    return first, total


@pytest.fixture(scope="module", params=["bca", "percentile"])
def ishigami_result(request):
    return sobol(ishigami, [(-PI, PI)] * 3, ["x1", "x2", "x3"], n=4096, n_resamples=199, seed=1,
                 interval=request.param)


def _within(value, interval):
    return interval[0] <= value <= interval[1]


def test_ishigami_within_the_bootstrap_interval(ishigami_result):
    first, total = ishigami_indices()
    s = ishigami_result
    for i in range(3):
        assert _within(first[i], s.first_interval[i]), (i, first[i], s.first_interval[i])
        assert _within(total[i], s.total_interval[i]), (i, total[i], s.total_interval[i])


def test_ishigami_point_estimates_match_the_analytic_indices(ishigami_result):
    # The estimates themselves, first order and total apart: Ishigami's x1 and x3 interact
    # (total exceeds first by v13 / V = 0.24 for each), so reporting one order as the other
    # is off by 0.24. The QMC error at n = 4096 is about 1e-3; 0.01 leaves room for seeds.
    first, total = ishigami_indices()
    s = ishigami_result
    np.testing.assert_allclose(s.first, first, rtol=0, atol=0.01)
    np.testing.assert_allclose(s.total, total, rtol=0, atol=0.01)
    assert np.all(s.first_interval[:, 0] <= s.first) and np.all(s.first <= s.first_interval[:, 1])
    assert np.all(s.total_interval[:, 0] <= s.total) and np.all(s.total <= s.total_interval[:, 1])


def test_ishigami_intervals_bracket_the_estimates(ishigami_result):
    s = ishigami_result
    assert np.all(s.first_interval[:, 0] <= s.first + 1e-12)
    assert np.all(s.total_interval[:, 1] >= s.total - 1e-12)


def test_linear_additive_model_has_analytic_indices():
    # y = sum c_i x_i with x_i uniform on [0, 1]: S_i = T_i = c_i^2 / sum c_j^2.
    c = np.array([1.0, 2.0, 3.0, 0.5])
    expected = c**2 / (c**2).sum()
    s = sobol(lambda x: c @ x, [(0, 1)] * 4, list("abcd"), n=2048, n_resamples=199, seed=3)
    assert s.interval == "percentile"  # "auto" above n = 1024
    for i in range(4):
        assert _within(expected[i], s.first_interval[i])
        assert _within(expected[i], s.total_interval[i])
    assert list(s.order()) == list(np.argsort(-expected))


def test_func_gets_whole_sample_matrices_in_few_calls():
    calls = []

    def f(x):
        calls.append(x.shape)
        return x[0] + x[1]

    sobol(f, [(0, 1), (0, 1)], ["a", "b"], n=256, n_resamples=0, seed=0)
    assert calls == [(2, 256 * (2 + 2))]  # A, B and every AB page in one vectorised call


def test_constant_answer_has_zero_indices_and_no_nan():
    s = sobol(lambda x: np.zeros(x.shape[1]), [(0, 1)] * 3, list("abc"), n=128, n_resamples=50)
    assert s.variance == 0
    assert np.all(s.total == 0) and np.all(np.isfinite(s.total_interval))


def test_same_seed_same_numbers_and_global_state_untouched():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    a = sobol(ishigami, [(-PI, PI)] * 3, ["x1", "x2", "x3"], n=256, n_resamples=50, seed=7)
    assert np.array_equal(np.random.get_state()[1], before)
    b = sobol(ishigami, [(-PI, PI)] * 3, ["x1", "x2", "x3"], n=256, n_resamples=50, seed=7)
    assert np.array_equal(a.total_interval, b.total_interval)
    assert np.array_equal(a.first, b.first)


@pytest.mark.parametrize("n", [100, 1000, 1])
def test_sobol_needs_a_power_of_two(n):
    with pytest.raises(PolmodelError, match="power of 2"):
        sobol(ishigami, [(-PI, PI)] * 3, ["x1", "x2", "x3"], n=n)


def test_morris_ranks_a_function_of_known_order():
    # Effects of known size: mu* is proportional to |c_i| for a linear function, plus one
    # non-linear interaction pair whose sigma must stand out.
    c = np.array([5.0, 3.0, 1.0, 0.2, 0.0])

    def f(x):
        return c @ x

    m = morris(f, [(0, 1)] * 5, list("abcde"), trajectories=20, seed=0)
    assert [m.names[i] for i in m.order()] == list("abcde")
    assert np.allclose(m.mu_star, np.abs(c))
    assert np.allclose(m.sigma, 0, atol=1e-9)  # linear: every elementary effect is the same

    g = morris(lambda x: x[0] * x[1] + 0.1 * x[2], [(0, 1)] * 3, list("xyz"), trajectories=20, seed=0)
    assert g.sigma[0] > g.sigma[2] and g.sigma[1] > g.sigma[2]


def test_morris_groups():
    m = morris(lambda x: 4 * x[0] + 4 * x[1] + 0.5 * x[2], [(0, 1)] * 3, list("abc"),
               trajectories=20, groups={"a": "big", "b": "big", "c": "small"}, seed=0)
    assert m.grouped and set(m.names) == {"big", "small"}
    assert m.mu_star[m.names.index("big")] > m.mu_star[m.names.index("small")]


def test_morris_reports_mu_star_the_mean_of_absolute_effects_when_effects_change_sign():
    # f = (a - 1/2)^2 - b on [0, 1]^2 with 4 levels: the grid is {0, 1/3, 2/3, 1} and the step
    # 2/3, so every elementary effect of a is (f(2/3) - f(0)) / (2/3) = -1/3 or
    # (f(1) - f(1/3)) / (2/3) = +1/3: mu* = 1/3 exactly, while mu (their signed mean) lies strictly
    # between -1/3 and 1/3 whenever both occur. Every effect of b is -1: mu* = 1, mu = -1.
    m = morris(lambda x: (x[0] - 0.5) ** 2 - x[1], [(0, 1)] * 2, ["a", "b"], trajectories=20,
               levels=4, seed=0)
    assert np.allclose(m.mu_star, [1 / 3, 1.0], rtol=1e-12)
    assert m.sigma[0] > 0.1  # both signs occurred, so mu != mu* for a: the test can tell them apart
    assert np.allclose(m.sigma[1], 0.0, atol=1e-12)
    lo, hi = m.mu_star_interval.T
    assert np.all(lo <= m.mu_star) and np.all(m.mu_star <= hi)


def test_the_batched_bootstrap_statistic_is_scipys_estimator_on_each_resample():
    """Counts and matrix products give what sobol_indices gives on the resampled rows."""
    from scipy.stats import sobol_indices

    from polmodel.analysis.sensitivity_methods import resampled_indices

    rng = np.random.default_rng(4)
    n, d = 256, 5
    f_a, f_b = rng.normal(3.0, 1.0, n), rng.normal(3.0, 1.0, n)
    f_ab = f_a + rng.normal(0, 0.3, (d, n)) * np.arange(1, d + 1)[:, None]
    idx = rng.integers(0, n, (7, n))
    got = resampled_indices(f_a, f_b, f_ab)(idx)
    assert got.shape == (2 * d, 7)
    for k in range(7):
        i = idx[k]
        r = sobol_indices(func={"f_A": f_a[None, i], "f_B": f_b[None, i], "f_AB": f_ab[:, None, i]},
                          n=n)
        np.testing.assert_allclose(got[:d, k], r.first_order, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(got[d:, k], r.total_order, rtol=1e-9, atol=1e-12)
