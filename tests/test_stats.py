"""polmodel's quantiles and medians are numpy's, bit for bit (they only skip an import)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from polmodel.analysis._stats import median, quantiles

QS = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
values = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.integers(1, 60), elements=values))
def test_quantiles_of_a_vector_are_numpys(x):
    np.testing.assert_array_equal(quantiles(x, QS), np.quantile(x, QS))


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 40)), elements=values))
def test_quantiles_along_the_last_axis_are_numpys(x):
    np.testing.assert_array_equal(quantiles(x, QS), np.quantile(x, QS, axis=-1))


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.integers(1, 61), elements=values))
def test_medians_are_numpys(x):
    assert median(x) == float(np.median(x))


def test_nan_and_empty_give_nan_as_numpy_does():
    x = np.array([[0.3, np.nan, 0.1], [0.2, 0.4, 0.6]])
    np.testing.assert_array_equal(quantiles(x, QS), np.quantile(x, QS, axis=-1))
    assert np.isnan(median(np.array([1.0, np.nan])))
    with pytest.warns(RuntimeWarning):
        assert np.isnan(np.median(np.array([])))
    assert np.isnan(median(np.array([])))
    assert np.isnan(quantiles(np.array([]), [0.5])).all()
