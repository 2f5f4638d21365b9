"""The opening index, the window and the bottleneck (model/states.py).

The memo's claim is conjunctural: all four conditions are necessary. The fuzzy ANDs that keep
that claim ("min", "product") must keep the index shut while any one condition is absent; the
geometric mean is the compensatory contrast and must not.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from polmodel.errors import PolmodelError
from polmodel.model.states import (
    AGGREGATOR_DESCRIPTIONS,
    AGGREGATORS,
    CONDITIONS,
    CROSSOVER,
    bottleneck,
    opening_index,
    resolve_aggregator,
    window_open,
)

membership = st.floats(0.0, 1.0)
near_zero = st.floats(0.0, 0.01)
four_conditions = arrays(np.float64, 4, elements=membership)
# Several worlds and months at once: leading axes are kept.
condition_grids = arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5), st.just(4)),
                         elements=membership)


def with_one_replaced(others: list[float], position: int, value: float) -> np.ndarray:
    return np.array(others[:position] + [value] + others[position:])


# ---- Necessity -------------------------------------------------------------------------------


@pytest.mark.parametrize("aggregator", ["min", "product"])
@given(weak=near_zero, others=st.lists(membership, min_size=3, max_size=3),
       position=st.integers(0, 3))
def test_one_absent_condition_keeps_the_index_shut(aggregator, weak, others, position):
    conditions = with_one_replaced(others, position, weak)
    assert opening_index(conditions, aggregator) <= 0.01


def test_geometric_mean_lets_a_strong_condition_make_up_for_an_absent_one():
    conditions = np.array([0.01, 1.0, 1.0, 1.0])
    assert opening_index(conditions, "geometric") > 0.01
    # Even past the crossover with one condition nearly absent: not a window.
    conditions = np.array([0.1, 1.0, 1.0, 1.0])
    assert opening_index(conditions, "geometric") > CROSSOVER
    assert not window_open(conditions)


def test_only_the_geometric_mean_is_described_as_compensatory():
    assert set(AGGREGATOR_DESCRIPTIONS) == set(AGGREGATORS)
    assert "compensatory" in AGGREGATOR_DESCRIPTIONS["geometric"]
    assert "compensatory" not in AGGREGATOR_DESCRIPTIONS["min"]
    assert "compensatory" not in AGGREGATOR_DESCRIPTIONS["product"]


@given(four_conditions)
def test_aggregators_are_ordered_product_min_geometric(conditions):
    # A product of numbers in [0, 1] is at most its smallest factor; a geometric mean at least.
    product = opening_index(conditions, "product")
    low = opening_index(conditions, "min")
    geometric = opening_index(conditions, "geometric")
    assert 0.0 <= product <= low + 1e-12
    assert low <= geometric + 1e-12
    assert geometric <= 1.0


@pytest.mark.parametrize("aggregator", list(AGGREGATORS))
@given(level=membership)
def test_aggregators_agree_when_all_four_are_equal(aggregator, level):
    expected = level**4 if aggregator == "product" else level
    assert opening_index(np.full(4, level), aggregator) == pytest.approx(expected, abs=1e-12)


@given(condition_grids)
def test_opening_index_keeps_leading_axes(conditions):
    index = opening_index(conditions)  # "min" by default
    assert index.shape == conditions.shape[:-1]
    np.testing.assert_array_equal(index, conditions.min(axis=-1))


def test_a_callable_aggregator_is_used_as_given():
    def weakest_pair_mean(c, f, h, p):
        return (np.minimum(c, f) + np.minimum(h, p)) / 2

    assert resolve_aggregator(weakest_pair_mean) is weakest_pair_mean
    assert opening_index(np.array([0.2, 0.6, 0.8, 1.0]), weakest_pair_mean) == pytest.approx(0.5)


@pytest.mark.parametrize("aggregator", ["max", "Min", "", None, 3])
def test_unknown_aggregator_raises_with_the_choices(aggregator):
    with pytest.raises(PolmodelError, match="aggregator: unknown .*; allowed: min, product, geometric"):
        resolve_aggregator(aggregator)
    with pytest.raises(PolmodelError, match="aggregator"):
        opening_index(np.full(4, 0.5), aggregator)


# ---- Window ----------------------------------------------------------------------------------


@given(condition_grids)
def test_window_is_open_exactly_when_all_four_are_above_the_crossover(conditions):
    np.testing.assert_array_equal(window_open(conditions), (conditions > CROSSOVER).all(axis=-1))


@given(condition_grids)
def test_under_min_the_window_is_an_index_above_the_crossover(conditions):
    np.testing.assert_array_equal(window_open(conditions),
                                  opening_index(conditions, "min") > CROSSOVER)


@pytest.mark.parametrize("position", range(4))
def test_a_condition_at_the_crossover_is_not_present(position):
    conditions = with_one_replaced([0.9, 0.9, 0.9], position, CROSSOVER)
    assert not window_open(conditions)
    assert window_open(with_one_replaced([0.9, 0.9, 0.9], position, np.nextafter(CROSSOVER, 1)))


def test_the_crossover_is_the_fsqca_half_in_the_window_and_in_a_run():
    """Ragin's crossover is 0.5 by definition of a fuzzy set, not a setting: written here as the
    number, not as the constant, so moving the constant fails."""
    assert not window_open(np.array([0.5, 0.9, 0.9, 0.9]))
    assert not window_open(np.full(4, 0.49))
    assert window_open(np.full(4, 0.501))
    # In a run: all four conditions start at 0.485 or at 0.54; after the first month at the
    # default rates they are all between 0.45 and 0.5 (no window), or all above 0.5 (a window).
    from polmodel.model.integrator import simulate
    from polmodel.model.parameters import default_parameters
    from polmodel.model.states import STATES

    for level, opens, low, high in ((0.485, 0, 0.45, 0.5), (0.54, 1, 0.5, 1.0)):
        initial = {s: (level if s in CONDITIONS else 0.5) for s in STATES}
        traj, out = simulate(initial, default_parameters(), np.zeros((1, 9)))
        assert np.all((traj[0, 1, :4] > low) & (traj[0, 1, :4] < high))
        assert out.months_open[0] == opens, level


# ---- Bottleneck ------------------------------------------------------------------------------


@given(condition_grids)
def test_bottleneck_points_at_the_lowest_condition(conditions):
    binds = bottleneck(conditions)
    assert binds.shape == conditions.shape[:-1]
    lowest = np.take_along_axis(conditions, binds[..., None], axis=-1)[..., 0]
    np.testing.assert_array_equal(lowest, conditions.min(axis=-1))


@pytest.mark.parametrize("position", range(4))
def test_bottleneck_names_the_one_absent_condition(position):
    conditions = with_one_replaced([0.8, 0.7, 0.9], position, 0.2)
    assert CONDITIONS[int(bottleneck(conditions))] == CONDITIONS[position]


@given(others=st.lists(st.floats(0.02, 1.0), min_size=3, max_size=3), position=st.integers(0, 3),
       weak=near_zero)
def test_under_min_the_index_is_the_bottleneck_condition(others, position, weak):
    conditions = with_one_replaced(others, position, weak)
    assert int(bottleneck(conditions)) == position
    assert opening_index(conditions, "min") == conditions[position]
