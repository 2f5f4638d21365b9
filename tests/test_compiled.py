"""The compiled engine against the numpy path: within 1e-12, and bit-reproducible with itself.

The two paths use different ``exp`` implementations (numpy's, and the C library's vector one),
so they are compared within a tolerance, never bit for bit (DESIGN section 7); the compiled
path is compared with itself bit for bit across chunk sizes and worker processes. Skipped only
where no C compiler exists; with one, a kernel that fails to build fails these tests.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from polmodel.analysis.worlds import evaluate, sample_worlds
from polmodel.errors import PolmodelError
from polmodel.model import c_source, compiled
from polmodel.model.integrator import simulate
from polmodel.model.states import CROSSOVER, STATES
from polmodel.model.structures import STRUCTURES
from polmodel.scenario.loading import load_scenario

pytestmark = pytest.mark.skipif(compiled.compiler() is None,
                                reason="no C compiler (the compiled engine is optional)")

TOL = 1e-12
CONTINUOUS = ("peak_index", "peak_strict", "peak_graded", "condition_mean", "condition_peak",
              "crisis_months", "final", "readings", "marks")


@pytest.fixture(scope="module", autouse=True)
def kernel_cache(tmp_path_factory):
    """Kernels built into a fresh folder: the build itself is under test, not a cached one."""
    mp = pytest.MonkeyPatch()
    mp.setenv("POLMODEL_CACHE", str(tmp_path_factory.mktemp("kernels")))
    mp.setattr(compiled, "_LIBRARIES", {})
    mp.setattr(compiled, "_FAILED", {})
    yield
    mp.undo()


def inputs(scenario: str, n: int, seed: int):
    sc = load_scenario(scenario)
    return sc, sample_worlds(sc, n, seed=seed).inputs()


def run_both(initial, params, levers, aggregator, structure):
    _, a = simulate(initial, params, levers, aggregator=aggregator, structure=structure,
                    record=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no silent fallback to numpy
        _, b = simulate(initial, params, levers, aggregator=aggregator, structure=structure,
                        record=False, engine="compiled")
    return a, b


def near_threshold(initial, params, levers, structure, aggregator, worlds) -> np.ndarray:
    """Per world of ``worlds``: some month's index lies within TOL of a threshold or a tie.

    The thresholds a discrete outcome reads: the crossover (window, first window), the
    structure's leaves against its strict index (bottleneck), and the month's index against
    the peak so far (the conditions at the peak).
    """
    pick = {k: (v[worlds] if np.ndim(v) else v) for k, v in params.items()}
    init = {k: (v[worlds] if np.ndim(v) else v) for k, v in initial.items()}
    traj, _ = simulate(init, pick, levers, record=True)
    s = STRUCTURES[structure]
    x = np.moveaxis(traj[:, 1:], -1, 0)
    strict = s.evaluate(x, "min")
    index = s.evaluate(x, aggregator)
    leaves = [1.0 - x[i] if neg else x[i] for term in s.terms for i, neg in term]
    close_leaf = np.zeros(strict.shape, bool)
    for a in range(len(leaves)):
        for b in range(a):
            close_leaf |= (np.abs(leaves[a] - leaves[b]) < TOL) & (leaves[a] - strict < TOL)
    running = np.maximum.accumulate(index, axis=1)
    close_peak = np.abs(index[:, 1:] - running[:, :-1]) < TOL
    return ((np.abs(strict - CROSSOVER) < TOL).any(axis=1) | close_leaf.any(axis=1)
            | close_peak.any(axis=1))


def assert_agree(a, b, initial, params, levers, structure, aggregator):
    for f in CONTINUOUS:
        x, y = np.asarray(getattr(a, f), float), np.asarray(getattr(b, f), float)
        assert x.shape == y.shape, f
        np.testing.assert_allclose(y, x, rtol=0, atol=TOL, equal_nan=True, err_msg=f)
    differ = np.zeros(len(a.peak_index), bool)
    for f in ("months_open", "first_window", "binding_months", "at_peak"):
        x, y = np.asarray(getattr(a, f), float), np.asarray(getattr(b, f), float)
        assert x.shape == y.shape, f
        same = np.isclose(x, y, rtol=0, atol=TOL, equal_nan=True)
        differ |= ~same.reshape(len(x), -1).all(axis=1)
    if differ.any():  # allowed only where an index lies within TOL of a threshold
        rows = np.flatnonzero(differ)
        near = near_threshold(initial, params, levers, structure, aggregator, rows)
        assert near.all(), f"worlds {rows[~near][:5]} differ away from every threshold"


@pytest.mark.parametrize("scenario, policy", [("venezuela-2018", "targeted"),
                                              ("venezuela-2018", "coordinated-offramps"),
                                              ("nicaragua-2018", None)])
def test_every_structure_agrees_with_numpy_within_1e_12(scenario, policy):
    sc, (initial, params) = inputs(scenario, 700, seed=3)
    levers = sc.schedule(policy or list(sc.policies)[-1])
    for structure in STRUCTURES:
        a, b = run_both(initial, params, levers, "min", structure)
        assert_agree(a, b, initial, params, levers, structure, "min")
        assert np.ptp(a.final[:, STATES.index("exodus")]) > 0.01  # worlds that really differ


@pytest.mark.parametrize("aggregator, structure", [("product", "memo"), ("geometric", "memo"),
                                                   ("geometric", "elite-split"),
                                                   ("product", "defection-route")])
def test_both_ands_agree_with_numpy(aggregator, structure):
    sc, (initial, params) = inputs("venezuela-2018", 700, seed=5)
    levers = sc.schedule("broad")
    a, b = run_both(initial, params, levers, aggregator, structure)
    assert_agree(a, b, initial, params, levers, structure, aggregator)


def test_a_long_horizon_with_changing_levers_and_fixed_numbers():
    """60 months (every mark read), a schedule that changes, one parameter fixed for all."""
    sc, (initial, params) = inputs("venezuela-2018", 300, seed=7)
    levers = np.tile(sc.schedule("coordinated-offramps")[:1], (60, 1))
    levers[20:, 6] = 0.8   # relief from month 21
    levers[40:, 1] = 0.5   # broad sanctions from month 41
    params = dict(params, drift=0.05)
    a, b = run_both(initial, params, levers, "min", "memo")
    assert_agree(a, b, initial, params, levers, "memo", "min")
    assert not np.isnan(b.marks).any()


def test_one_world_on_plain_numbers_agrees():
    sc = load_scenario("venezuela-2018")
    initial = {k: u.value for k, u in sc.initial.items()}
    params = {k: u.value for k, u in sc.parameters.items()}
    a, b = run_both(initial, params, sc.schedule("targeted"), "min", "memo")
    assert_agree(a, b, initial, params, sc.schedule("targeted"), "memo", "min")


def test_bit_for_bit_with_itself_across_chunk_sizes_and_workers():
    sc = load_scenario("venezuela-2018")
    w = sample_worlds(sc, 203, seed=11)
    schedules = [sc.schedule(p) for p in ("status-quo", "broad", "engagement")]
    runs = [evaluate(w, schedules, engine="compiled", chunk_size=c) for c in (203, 64, 13, 1)]
    with ProcessPoolExecutor(2) as ex:
        runs.append(evaluate(w, schedules, engine="compiled", chunk_size=50, executor=ex))
    first = runs[0]  # written by the kernel straight into the ensemble's arrays
    for other in runs[1:]:  # the last through Outcomes and policy_outcomes, in workers
        for a, b in zip(first, other):
            for f in a.__dataclass_fields__:
                x, y = getattr(a, f), getattr(b, f)
                assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), f


def test_an_ensemble_agrees_with_numpy_in_its_compact_dtypes():
    """What a comparison keeps (float32 summaries, int8 bottleneck), compiled against numpy."""
    sc = load_scenario("venezuela-2018")
    w = sample_worlds(sc, 500, seed=4)
    schedules = [sc.schedule(p) for p in ("targeted", "coordinated-offramps")]
    for a, b in zip(evaluate(w, schedules), evaluate(w, schedules, engine="compiled")):
        for f in a.__dataclass_fields__:
            x, y = getattr(a, f), getattr(b, f)
            assert x.dtype == y.dtype, f
            # float32 fields: the same float64 within 1e-12 rounds to the same float32 but
            # within one of its units (about 6e-8) at a rounding boundary
            tol = TOL if x.dtype != np.float32 else 1e-7
            np.testing.assert_allclose(y.astype(float), x.astype(float), rtol=0, atol=tol,
                                       equal_nan=True, err_msg=f)


def test_a_changed_equation_is_caught(monkeypatch):
    """The comparison has teeth: halve one rate in the generated code and the runs part."""
    real = c_source.rates

    def halved(state, c):
        gains, losses = real(state, c)
        return [gains[0] * 0.5, *gains[1:]], losses

    monkeypatch.setattr(c_source, "rates", halved)
    monkeypatch.setattr(compiled, "_LIBRARIES", {})
    sc, (initial, params) = inputs("venezuela-2018", 100, seed=1)
    a, b = run_both(initial, params, sc.schedule("targeted"), "min", "memo")
    assert np.max(np.abs(a.final - b.final)) > 1e-3


def test_what_it_does_not_run_is_refused():
    sc, (initial, params) = inputs("venezuela-2018", 10, seed=1)
    levers = sc.schedule("targeted")
    with pytest.raises(PolmodelError, match="record=False"):
        simulate(initial, params, levers, engine="compiled")
    with pytest.raises(PolmodelError, match="per-world levers"):
        simulate(initial, params, np.broadcast_to(levers, (10, *levers.shape)), record=False,
                 engine="compiled")
    with pytest.raises(PolmodelError, match="named aggregators"):
        evaluate(sample_worlds(sc, 10), [levers], aggregator=min, engine="compiled")
    with pytest.raises(PolmodelError, match="engine: unknown 'fast'"):
        evaluate(sample_worlds(sc, 10), [levers], engine="fast")


def test_without_a_compiler_numpy_runs_and_says_so(monkeypatch):
    monkeypatch.setattr(compiled, "compiler", lambda: None)
    monkeypatch.setattr(compiled, "_LIBRARIES", {})
    monkeypatch.setattr(compiled, "_FAILED", {})
    sc, (initial, params) = inputs("venezuela-2018", 50, seed=2)
    levers = sc.schedule("broad")
    assert "no C compiler" in compiled.unavailable()
    with pytest.warns(RuntimeWarning, match="running on numpy"):
        _, b = simulate(initial, params, levers, record=False, engine="compiled")
    _, a = simulate(initial, params, levers, record=False)
    assert np.array_equal(a.final, b.final)


def test_discover_runs_its_worlds_and_its_reruns_on_the_compiled_engine(monkeypatch):
    """discover(engine="compiled"): the same answers, box and rerun counts as numpy (the peaks
    agree within 1e-12, far inside the tie margin), and every evaluation, reruns included,
    goes through the compiled kernel."""
    from polmodel.analysis import options, recurrence
    from polmodel.analysis.discovery import discover

    engines = []  # the engine of every evaluation: the analysis's own worlds, then the reruns'
    for module in (options, recurrence):
        def spy(*args, _real=module._evaluate):
            engines.append(args[7])
            return _real(*args)
        monkeypatch.setattr(module, "_evaluate", spy)

    kw = dict(worlds=300, seed=3, resamples=4)
    fast = discover("venezuela-2018", "targeted", "broad", engine="compiled", **kw)
    assert engines and set(engines) == {"compiled"}, engines
    slow = discover("venezuela-2018", "targeted", "broad", **kw)
    np.testing.assert_array_equal(fast.holds, slow.holds)
    assert fast.box.names == slow.box.names
    np.testing.assert_allclose(fast.box.low, slow.box.low, atol=TOL)
    assert fast.recurrence.names == slow.recurrence.names
    np.testing.assert_array_equal(fast.recurrence.counts, slow.recurrence.counts)
