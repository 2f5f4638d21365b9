"""The numpy Latin hypercube behind the default sampler.

What must hold: in every column each of the n strata holds exactly one point; inside its
stratum a point is uniform; the columns are matched by independent permutations; the one
generator is the only source of randomness (same state, same points; other seed, other points);
and drawing the default worlds does not import scipy.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polmodel.analysis.worlds import latin_hypercube, unit_sample


def strata(u: np.ndarray) -> np.ndarray:
    return np.floor(u * u.shape[0]).astype(int)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), d=st.integers(1, 12), seed=st.integers(0, 2**32 - 1))
def test_each_stratum_of_each_column_is_hit_exactly_once(n, d, seed):
    u = latin_hypercube(n, d, np.random.default_rng(seed))
    assert u.shape == (n, d)
    assert np.all((u >= 0) & (u <= 1))
    for j in range(d):
        assert np.array_equal(np.sort(strata(u[:, j])), np.arange(n)), j


def test_unit_sample_lhs_is_the_latin_hypercube():
    a = unit_sample(40, 5, sampler="lhs", rng=np.random.default_rng(3))
    b = latin_hypercube(40, 5, np.random.default_rng(3))
    assert np.array_equal(a, b)


def test_same_generator_state_same_points_other_seed_other_points():
    a = latin_hypercube(100, 7, np.random.default_rng(12))
    b = latin_hypercube(100, 7, np.random.default_rng(12))
    c = latin_hypercube(100, 7, np.random.default_rng(13))
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    # Different jitter as well as a different matching of strata.
    assert not np.array_equal(np.sort(a, axis=0), np.sort(c, axis=0))


def test_the_generator_is_advanced_so_successive_draws_differ():
    rng = np.random.default_rng(0)
    first, second = latin_hypercube(50, 3, rng), latin_hypercube(50, 3, rng)
    assert not np.array_equal(first, second)


def test_position_inside_the_stratum_is_uniform():
    n, d = 2000, 10
    u = latin_hypercube(n, d, np.random.default_rng(1))
    jitter = (u * n - strata(u)).ravel()
    # Kolmogorov-Smirnov distance to U(0, 1) of 20,000 independent uniforms: its 0.999
    # quantile is about 1.95 / sqrt(m) (the Kolmogorov distribution).
    m = jitter.size
    ecdf = np.arange(1, m + 1) / m
    distance = np.max(np.abs(np.sort(jitter) - ecdf + 0.5 / m)) + 0.5 / m
    assert distance < 1.95 / np.sqrt(m)


def test_columns_are_matched_by_independent_permutations():
    n, d = 500, 8
    s = strata(latin_hypercube(n, d, np.random.default_rng(4)))
    # No two columns share the permutation, and the rank correlation between columns is that
    # of independent permutations: standard deviation 1 / sqrt(n - 1), so |rho| < 4.5 / sqrt(n)
    # for all 28 pairs except with negligible odds.
    rho = np.corrcoef(s.T)
    off = rho[~np.eye(d, dtype=bool)]
    assert np.all(np.abs(off) < 4.5 / np.sqrt(n))
    for i in range(d):
        for j in range(i + 1, d):
            assert not np.array_equal(s[:, i], s[:, j])


def test_one_point_is_one_uniform_draw():
    u = latin_hypercube(1, 4, np.random.default_rng(9))
    assert u.shape == (1, 4)
    assert np.all((u >= 0) & (u < 1))


@pytest.mark.parametrize("sampler, expect_scipy", [("lhs", False), ("sobol", True)])
def test_only_sobol_imports_scipy(sampler, expect_scipy):
    n = 64
    code = ("import sys; from polmodel.analysis.worlds import sample_worlds; "
            f"sample_worlds('venezuela-2018', {n}, seed=0, sampler={sampler!r}); "
            "print('scipy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(expect_scipy)
