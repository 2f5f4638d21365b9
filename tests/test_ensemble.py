"""Plausible worlds: sampling over the scenario's ranges, and evaluation in chunks.

What must hold: same seed, same numbers, whatever the chunk size or executor; another seed,
other worlds; every sampled value inside its plausible range; fixed dimensions kept fixed.
"""

from __future__ import annotations

import copy
import tomllib
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from polmodel.analysis.worlds import (
    DEFAULT_CHUNK,
    PolicyOutcomes,
    Worlds,
    evaluate,
    sample_worlds,
    uncertain_dimensions,
    unit_sample,
)
from polmodel.errors import PolmodelError
from polmodel.model.integrator import simulate
from polmodel.model.states import STATES
from polmodel.scenario.definition import scenario_from_dict
from polmodel.scenario.loading import load_scenario

DEFAULT_TOML = Path(__file__).resolve().parents[1] / "scenarios" / "venezuela-2018.toml"
N = 64


@pytest.fixture(scope="module")
def scenario():
    return load_scenario("venezuela-2018")


@pytest.fixture(scope="module")
def worlds(scenario):
    return sample_worlds(scenario, N, seed=11)


@pytest.fixture(scope="module")
def schedules(scenario):
    return [p.schedule(scenario.horizon) for p in scenario.policies.values()]


@pytest.fixture(scope="module")
def reference(worlds, schedules):
    """All of the scenario's policies on the worlds, in one chunk, in this process."""
    return evaluate(worlds, schedules, chunk_size=len(worlds))


def _bins(values: np.ndarray, low: float, high: float, n: int) -> np.ndarray:
    """Index of the equal-width bin (of n over [low, high]) holding each value."""
    return np.clip(np.floor((values - low) / (high - low) * n).astype(int), 0, n - 1)


def assert_same_outcomes(a: list[PolicyOutcomes], b: list[PolicyOutcomes]) -> None:
    assert len(a) == len(b)
    for pa, pb in zip(a, b):
        for field in PolicyOutcomes.__dataclass_fields__:
            x, y = getattr(pa, field), getattr(pb, field)
            assert x.shape == y.shape, field
            assert x.dtype == y.dtype, field
            assert np.array_equal(x, y, equal_nan=np.issubdtype(x.dtype, np.floating)), field


# -- sampling ------------------------------------------------------------------------------


def test_shape_and_names(scenario, worlds):
    dims = uncertain_dimensions(scenario)
    varied = [k for k, (_, lo, hi) in dims.items() if hi > lo]
    assert isinstance(worlds, Worlds)
    assert len(worlds) == N
    assert worlds.values.shape == (N, len(varied))
    assert set(worlds.names) == set(varied)
    assert len(set(worlds.names)) == len(worlds.names)
    assert worlds.scenario == scenario.name
    assert worlds.seed == 11 and worlds.sampler == "lhs"
    # Every initial state and every parameter is either varied or fixed, never both.
    assert set(worlds.names) | set(worlds.fixed) == set(dims)
    assert not set(worlds.names) & set(worlds.fixed)


@pytest.mark.parametrize("sampler, n", [("lhs", 100), ("sobol", 128)])
def test_every_value_inside_its_range(scenario, sampler, n):
    w = sample_worlds(scenario, n, seed=2, sampler=sampler)
    dims = uncertain_dimensions(scenario)
    for j, name in enumerate(w.names):
        _, low, high = dims[name]
        column = w.values[:, j]
        assert np.all(column >= low) and np.all(column <= high), name
        # Not collapsed onto one value: the range is actually explored.
        assert column.max() - column.min() > 0.5 * (high - low), name


def test_sample_by_scenario_name_is_the_same(scenario):
    by_name = sample_worlds("venezuela-2018", 32, seed=4)
    by_object = sample_worlds(scenario, 32, seed=4)
    assert by_name.names == by_object.names
    assert np.array_equal(by_name.values, by_object.values)


def test_inputs_split_initial_states_and_parameters(scenario, worlds):
    initial, params = worlds.inputs(slice(0, 5))
    assert set(initial) == set(STATES)
    assert set(params) == set(scenario.parameters)
    j = worlds.names.index("initial.crisis")
    assert np.array_equal(initial["crisis"], worlds.values[:5, j])


@pytest.fixture(scope="module")
def fixed_scenario():
    """The default scenario with one initial state, one context and one mechanism fixed."""
    data = copy.deepcopy(tomllib.loads(DEFAULT_TOML.read_text(encoding="utf-8")))
    data["initial"]["crisis"]["range"] = [0.85, 0.85]
    data["context"]["patron_support"]["range"] = [0.5, 0.5]
    data.setdefault("mechanisms", {})["drift"] = {"value": 0.07, "range": [0.07, 0.07],
                                                   "source": "test: fixed"}
    return scenario_from_dict(data, name="fixed")


def test_fixed_dimensions_are_not_varied_and_keep_their_value(fixed_scenario, scenario):
    w = sample_worlds(fixed_scenario, 50, seed=1)
    expected_fixed = {"initial.crisis": 0.85, "patron_support": 0.5, "drift": 0.07}
    for name, value in expected_fixed.items():
        assert name not in w.names
        assert w.fixed[name] == value
    # Three fewer varied dimensions than the original scenario.
    assert w.values.shape == (50, len(sample_worlds(scenario, 2, seed=1).names) - 3)
    initial, params = w.inputs()
    assert np.all(np.broadcast_to(initial["crisis"], (50,)) == 0.85)
    assert np.all(np.broadcast_to(params["patron_support"], (50,)) == 0.5)
    assert np.all(np.broadcast_to(params["drift"], (50,)) == 0.07)


def test_fixed_dimensions_evaluate_like_their_value(fixed_scenario):
    """A fixed dimension reaches the model: same outcomes as passing the value per world."""
    w = sample_worlds(fixed_scenario, 16, seed=3)
    sched = fixed_scenario.policies[fixed_scenario.baseline].schedule(fixed_scenario.horizon)
    (got,) = evaluate(w, [sched])
    initial, params = w.inputs()
    initial = {k: np.broadcast_to(v, (16,)).copy() for k, v in initial.items()}
    params = {k: np.broadcast_to(v, (16,)).copy() for k, v in params.items()}
    _, direct = simulate(initial, params, sched, aggregator=fixed_scenario.aggregator, record=False)
    assert np.array_equal(got.peak_index, direct.peak_index)


@pytest.mark.parametrize("n", [1, 10, 97])
def test_lhs_has_one_point_in_each_of_n_bins(scenario, n):
    w = sample_worlds(scenario, n, seed=5, sampler="lhs")
    dims = uncertain_dimensions(scenario)
    for j, name in enumerate(w.names):
        _, low, high = dims[name]
        bins = _bins(w.values[:, j], low, high, n)
        assert np.array_equal(np.sort(bins), np.arange(n)), name


def test_unit_sample_lhs_is_stratified():
    u = unit_sample(50, 6, sampler="lhs", rng=np.random.default_rng(0))
    assert u.shape == (50, 6)
    assert np.all((u >= 0) & (u < 1))
    for j in range(6):
        assert np.array_equal(np.sort(np.floor(u[:, j] * 50).astype(int)), np.arange(50))


@pytest.mark.parametrize("n", [1, 2, 64, 256])
def test_sobol_works_for_powers_of_two(scenario, n):
    w = sample_worlds(scenario, n, seed=6, sampler="sobol")
    assert w.values.shape == (n, len(w.names))
    assert w.sampler == "sobol"
    dims = uncertain_dimensions(scenario)
    # A scrambled Sobol' sequence of 2**k points is a (0, k, 1)-net in every single
    # dimension: one point in each of the 2**k equal bins.
    for j, name in enumerate(w.names):
        _, low, high = dims[name]
        assert np.array_equal(np.sort(_bins(w.values[:, j], low, high, n)), np.arange(n)), name


@pytest.mark.parametrize("n, hint", [(1000, "try 512 or 1024"), (3, "try 2 or 4"), (100, "try 64 or 128")])
def test_sobol_needs_a_power_of_two_and_says_which(scenario, n, hint):
    with pytest.raises(PolmodelError, match="power of 2") as err:
        sample_worlds(scenario, n, seed=0, sampler="sobol")
    assert hint in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("sampler", ["lhs", "sobol"])
def test_same_seed_same_worlds_other_seed_other_worlds(scenario, sampler):
    a = sample_worlds(scenario, 64, seed=7, sampler=sampler)
    b = sample_worlds(scenario, 64, seed=7, sampler=sampler)
    c = sample_worlds(scenario, 64, seed=8, sampler=sampler)
    assert np.array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)
    # Not merely a permutation of the same points: the values themselves differ.
    assert not np.array_equal(np.sort(a.values, axis=0), np.sort(c.values, axis=0))


def test_a_generator_seed_gives_the_worlds_of_its_int_seed(scenario):
    from_int = sample_worlds(scenario, 32, seed=9)
    from_gen = sample_worlds(scenario, 32, seed=np.random.default_rng(9))
    assert np.array_equal(from_int.values, from_gen.values)
    assert from_gen.seed is None  # a generator's state is not a reproducible label


def test_unknown_sampler_is_an_error(scenario):
    with pytest.raises(PolmodelError, match="sampler.*allowed: lhs, sobol"):
        sample_worlds(scenario, 16, seed=0, sampler="halton")


@pytest.mark.parametrize("n", [0, -5])
def test_worlds_must_be_positive(scenario, n):
    with pytest.raises(PolmodelError, match="worlds"):
        sample_worlds(scenario, n, seed=0)


# -- evaluation in chunks ------------------------------------------------------------------


def test_outcome_shapes_and_ranges(reference, schedules):
    assert len(reference) == len(schedules)
    for o in reference:
        assert o.peak_index.shape == (N,)
        assert o.condition_mean.shape == (N, 4) and o.at_peak.shape == (N, 4)
        assert np.all((o.peak_index >= 0) & (o.peak_index <= 1))
        assert np.all((o.bottleneck >= 0) & (o.bottleneck < 4))
        # first_window is NaN exactly where no window opened, and within the horizon otherwise.
        assert np.array_equal(np.isnan(o.first_window), o.months_open == 0)
        opened = o.window
        assert np.all(o.first_window[opened] >= 1)
        assert np.all(o.first_window[opened] + o.months_open[opened] - 1 <= schedules[0].shape[0])


@pytest.mark.parametrize("chunk_size", [1, 7, 64, DEFAULT_CHUNK])
def test_chunk_size_does_not_change_results(worlds, schedules, reference, chunk_size):
    got = evaluate(worlds, schedules, chunk_size=chunk_size)
    assert_same_outcomes(got, reference)


def test_process_pool_gives_the_single_process_results(worlds, schedules, reference):
    with ProcessPoolExecutor(max_workers=2) as ex:
        got = evaluate(worlds, schedules, chunk_size=7, executor=ex)
    assert_same_outcomes(got, reference)


def test_thread_pool_gives_the_single_process_results(worlds, schedules, reference):
    with ThreadPoolExecutor(max_workers=3) as ex:
        got = evaluate(worlds, schedules, chunk_size=5, executor=ex)
    assert_same_outcomes(got, reference)


@pytest.mark.parametrize("chunk_size", [1, 10, 64, 1000])
def test_progress_counts_every_world_once(worlds, schedules, chunk_size):
    calls: list[int] = []
    evaluate(worlds, schedules[:1], chunk_size=chunk_size, progress=calls.append)
    assert sum(calls) == N
    assert len(calls) == -(-N // chunk_size)
    assert all(c >= 1 for c in calls)


def test_progress_with_an_executor(worlds, schedules):
    calls: list[int] = []
    with ThreadPoolExecutor(max_workers=2) as ex:
        evaluate(worlds, schedules[:1], chunk_size=9, executor=ex, progress=calls.append)
    assert sum(calls) == N


def test_other_seed_other_outcomes(scenario, schedules, reference):
    other = evaluate(sample_worlds(scenario, N, seed=12), schedules)
    assert not np.array_equal(other[0].peak_index, reference[0].peak_index)


def test_rows_follow_the_worlds(worlds, schedules, reference):
    """Evaluating a subset of worlds gives those worlds' rows: nothing depends on neighbours."""
    rows = np.array([3, 40, 17])
    sub = Worlds(worlds.scenario, worlds.names, worlds.values[rows], worlds.fixed, None, "lhs")
    got = evaluate(sub, schedules)
    for full, part in zip(reference, got):
        assert np.array_equal(full.peak_index[rows], part.peak_index)
        assert np.array_equal(full.condition_mean[rows], part.condition_mean)


@pytest.mark.parametrize("chunk_size", [0, -1])
def test_chunk_size_must_be_positive(worlds, schedules, chunk_size):
    with pytest.raises(PolmodelError, match="chunk_size"):
        evaluate(worlds, schedules, chunk_size=chunk_size)
