"""The vectorised loop against its two references.

The vectorised loop evaluates the terms of ``rates()`` in place, with what does not move
hoisted out of the month (``polmodel.model._straight``): it must give the numbers of the plain
``rates()`` loop bit for bit. The compiled port (numba, in the ``test`` and ``bench`` extras, so
it runs in CI) is the ceiling the benchmarks measure the ensemble against: it must give the numbers of
``evaluate`` bit for bit, or the comparison would be of two different models.
"""

from __future__ import annotations

import numpy as np
import pytest

from polmodel.analysis.worlds import PolicyOutcomes, evaluate, sample_worlds
from polmodel.model import _straight
from polmodel.model.integrator import Outcomes, simulate
from polmodel.model.states import AGGREGATORS
from polmodel.scenario.loading import list_scenarios, load_scenario

N = 300


def assert_same(a, b, fields):
    for field in fields:
        x, y = getattr(a, field), getattr(b, field)
        assert x.dtype == y.dtype and x.shape == y.shape, field
        np.testing.assert_array_equal(x, y, err_msg=field)


@pytest.mark.parametrize("scenario_name", list_scenarios())
@pytest.mark.parametrize("aggregator", sorted(AGGREGATORS))
def test_the_in_place_loop_gives_the_plain_rates_numbers(scenario_name, aggregator, monkeypatch):
    assert _straight.numpy_plan() is not None  # the model's source was read
    sc = load_scenario(scenario_name)
    worlds = sample_worlds(sc, N, seed=4)
    initial, params = worlds.inputs()
    schedules = [sc.schedule(name) for name in sc.policies]
    per_world = np.stack([schedules[i % len(schedules)] for i in range(N)])  # (N, months, levers)
    fast = [simulate(initial, params, s, aggregator=aggregator) for s in [*schedules, per_world]]
    monkeypatch.setattr(_straight, "numpy_plan", lambda: None)
    plain = [simulate(initial, params, s, aggregator=aggregator) for s in [*schedules, per_world]]
    for (traj_a, out_a), (traj_b, out_b) in zip(fast, plain):
        np.testing.assert_array_equal(traj_a, traj_b)
        assert_same(out_a, out_b, Outcomes.__dataclass_fields__)


@pytest.mark.parametrize("aggregator", sorted(AGGREGATORS))
def test_the_compiled_port_gives_the_ensemble_numbers(aggregator):
    from polmodel.model._compiled import evaluate_compiled  # numba: in the test extra

    for name in list_scenarios():
        sc = load_scenario(name)
        worlds = sample_worlds(sc, N, seed=6)
        schedules = [sc.schedule(p) for p in sc.policies]
        compiled = evaluate_compiled(worlds, schedules, aggregator=aggregator)
        reference = evaluate(worlds, schedules, aggregator=aggregator, chunk_size=128)
        assert len(compiled) == len(reference)
        for a, b in zip(compiled, reference):
            assert_same(a, b, PolicyOutcomes.__dataclass_fields__)


@pytest.mark.parametrize("plan", ["numpy_plan", "float_plan"])
def test_a_replaced_rates_is_used_as_it_is(plan, monkeypatch):
    """The plans are written from the source of rates(); a replacement is honoured, by the
    vectorised loop (arrays of worlds) and the one-world path (plain numbers) alike."""
    from polmodel.model import integrator as model

    sc = load_scenario("venezuela-2018")
    if plan == "numpy_plan":
        initial, params = sample_worlds(sc, 50, seed=2).inputs()
    else:
        initial, params = sc.central_initial(), sc.central_parameters()
    levers = sc.schedule(sc.baseline)
    original = model.rates

    def doubled_losses(state, c):
        gains, losses = original(state, c)
        return gains, [2.0 * v for v in losses]

    _, before = simulate(initial, params, levers)
    monkeypatch.setattr(model, "rates", doubled_losses)
    _, after = simulate(initial, params, levers)
    monkeypatch.setattr(_straight, plan, lambda: None)
    _, plain = simulate(initial, params, levers)
    assert_same(after, plain, Outcomes.__dataclass_fields__)
    assert not np.array_equal(after.final, before.final)


# ---- The plans written ahead of time, and the one-world plan ----------------------------------


def test_the_plans_shipped_are_those_the_model_gives():
    """``polmodel/_plans.py`` spares every process the parsing; it must be current."""
    from polmodel.model import _plans

    hint = "the model changed: run `python -m polmodel.model._straight` to write polmodel/_plans.py"
    assert _plans.FINGERPRINT == _straight.fingerprint(), hint
    assert _plans.SOURCES == _straight.plan_sources(), hint


def test_stale_plans_are_written_afresh(monkeypatch):
    from polmodel.model import _plans

    fresh = _straight.plan_sources()
    monkeypatch.setattr(_plans, "FINGERPRINT", "another model")
    monkeypatch.setattr(_plans, "SOURCES", {"numpy": "", "n_buffers": 0, "floats": ""})
    for cached in (_straight._sources, _straight.numpy_plan, _straight.float_plan):
        cached.cache_clear()
    try:
        assert _straight._sources() == fresh
        assert _straight.numpy_plan()[3] == fresh["numpy"]
    finally:
        for cached in (_straight._sources, _straight.numpy_plan, _straight.float_plan):
            cached.cache_clear()


@pytest.mark.parametrize("aggregator", sorted(AGGREGATORS))
def test_the_one_world_plan_gives_the_plain_rates_numbers(aggregator, monkeypatch):
    assert _straight.float_plan() is not None
    for name in list_scenarios():
        sc = load_scenario(name)
        init, params = sc.central_initial(), sc.central_parameters()
        runs = [simulate(init, params, sc.schedule(p), aggregator=aggregator) for p in sc.policies]
        monkeypatch.setattr(_straight, "float_plan", lambda: None)
        plain = [simulate(init, params, sc.schedule(p), aggregator=aggregator) for p in sc.policies]
        monkeypatch.undo()
        for (traj_a, out_a), (traj_b, out_b) in zip(runs, plain):
            np.testing.assert_array_equal(traj_a, traj_b)
            assert_same(out_a, out_b, Outcomes.__dataclass_fields__)


@pytest.mark.parametrize("shape", ["numbers for parameters", "numbers for states"])
def test_mixed_numbers_and_arrays_give_the_plain_rates_numbers(shape, monkeypatch):
    """A lever setting's settled states are computed once: from numbers or from arrays alike."""
    sc = load_scenario("venezuela-2018")
    worlds = sample_worlds(sc, 40, seed=8)
    initial, params = worlds.inputs()
    if shape == "numbers for parameters":
        params = sc.central_parameters()
    else:
        initial = sc.central_initial()
    levers = sc.schedule("coordinated-offramps")
    runs = simulate(initial, params, levers)
    monkeypatch.setattr(_straight, "numpy_plan", lambda: None)
    plain = simulate(initial, params, levers)
    np.testing.assert_array_equal(runs[0], plain[0])
    assert_same(runs[1], plain[1], Outcomes.__dataclass_fields__)
