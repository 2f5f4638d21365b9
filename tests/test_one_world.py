"""The one-world path: plain numbers in, the same numbers out as the vectorised path.

``simulate`` runs one world given as plain numbers on Python floats (a central run, a slider,
a workbench calling one world at a time) with :func:`math.exp`; arrays of worlds run on numpy's
``exp``. The two ``exp`` may differ by one unit in the last place (numpy's SIMD ``exp`` on
AVX-512 CPUs does on about 5% of inputs), so what must hold is agreement within 1e-12 on every
state and index, and equal discrete outcomes except where an index lies within 1e-12 of a
threshold. Every test runs twice: as the CPU gives it, and with the float path's ``exp`` moved
by one ulp on about one input in ten, so the suite holds on a CPU whose ``exp`` differs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polmodel.analysis.worlds import sample_worlds
from polmodel.model.integrator import Outcomes, simulate
from polmodel.model.levers import LEVER_NAMES
from polmodel.model.parameters import PARAMETERS
from polmodel.model.states import AGGREGATORS, STATES
from polmodel.scenario.loading import list_scenarios, load_scenario

N = 24
TOL = 1e-12
DISCRETE = ("months_open", "first_window", "binding_months")


@pytest.fixture(autouse=True, params=["exp as given", "exp one ulp off"])
def other_exp(request, monkeypatch):
    """Run each test as the CPU gives it, and with the float path's exp one ulp off at times."""
    if request.param == "exp one ulp off":
        exact = math.exp

        def off(v):
            y = exact(v)
            return math.nextafter(y, math.inf) if int(abs(v) * 1e6) % 10 == 3 else y

        monkeypatch.setattr(math, "exp", off)
    return request.param


def near_threshold(out, i):
    """World ``i``'s indices within the tolerance of the window's threshold (0.5)."""
    return any(abs(float(np.ravel(getattr(out, f))[i]) - 0.5) <= TOL
               for f in ("peak_index", "peak_strict"))


def assert_agree(vector_traj, vector_out, i, one_traj, one_out):
    """World ``i`` of a vectorised run and a one-world run agree within :data:`TOL`."""
    if one_traj is not None:
        assert one_traj.shape == (1, *vector_traj.shape[1:])
        np.testing.assert_allclose(one_traj[0], vector_traj[i], rtol=0, atol=TOL)
    for field in Outcomes.__dataclass_fields__:
        a, b = getattr(one_out, field), getattr(vector_out, field)
        assert a.shape == (1, *b.shape[1:]), field
        assert a.dtype == b.dtype, field
        if field in DISCRETE:
            if not near_threshold(vector_out, i):
                np.testing.assert_array_equal(a[0], b[i], err_msg=field)
        else:
            np.testing.assert_allclose(a[0], b[i], rtol=0, atol=TOL, err_msg=field)


def rows_as_numbers(worlds, i):
    """World ``i`` as plain Python floats, the way a user or a workbench passes one world."""
    initial, params = worlds.inputs(slice(i, i + 1))
    as_float = lambda v: float(np.ravel(v)[0])  # noqa: E731
    return ({k: as_float(v) for k, v in initial.items()}, {k: as_float(v) for k, v in params.items()})


@pytest.mark.parametrize("scenario_name", list_scenarios())
@pytest.mark.parametrize("aggregator", [*AGGREGATORS, "callable"])
def test_plain_numbers_give_the_vectorised_numbers(scenario_name, aggregator):
    sc = load_scenario(scenario_name)
    agg = (lambda c, f, h, p: np.sqrt(np.minimum(c, f) * np.maximum(h, p))) if aggregator == "callable" \
        else aggregator
    worlds = sample_worlds(sc, N, seed=3)
    initial, params = worlds.inputs()
    for name in sc.policies:
        levers = sc.schedule(name)
        traj, out = simulate(initial, params, levers, aggregator=agg)
        for i in range(N):
            one_init, one_params = rows_as_numbers(worlds, i)
            one_traj, one = simulate(one_init, one_params, levers, aggregator=agg)
            assert_agree(traj, out, i, one_traj, one)


def test_a_central_run_is_row_zero_of_a_one_element_array_run():
    sc = load_scenario("venezuela-2018")
    init, params = sc.central_initial(), sc.central_parameters()
    as_arrays = ({k: np.array([v]) for k, v in init.items()}, {k: np.array([v]) for k, v in params.items()})
    for name in sc.policies:
        levers = sc.schedule(name)
        for record in (True, False):
            traj, out = simulate(*as_arrays, levers, record=record)
            one_traj, one = simulate(init, params, levers, record=record)
            assert (one_traj is None) == (not record)
            assert_agree(traj, out, 0, one_traj, one)


unit = st.floats(0.0, 1.0)


def parameter_value(name):
    """Anywhere in the parameter's plausible range, ends included."""
    p = PARAMETERS[name]
    return st.floats(p.low, p.high)


@settings(max_examples=40, deadline=None)
@given(data=st.data(), months=st.integers(1, 30), dt=st.floats(0.1, 3.0),
       aggregator=st.sampled_from(sorted(AGGREGATORS)))
def test_any_world_and_lever_schedule_agree_within_the_tolerance(data, months, dt, aggregator):
    params = {k: data.draw(parameter_value(k), label=k) for k in PARAMETERS}
    initial = {s: data.draw(unit, label=s) for s in STATES}
    levers = np.array(data.draw(st.lists(st.lists(unit, min_size=len(LEVER_NAMES),
                                                  max_size=len(LEVER_NAMES)),
                                         min_size=months, max_size=months)))
    # Two worlds: the drawn one and, beside it, the same world with its initial states swapped
    # around, so the vectorised run really has more than one distinct row.
    other = dict(zip(STATES, reversed(initial.values())))
    traj, out = simulate({s: np.array([initial[s], other[s]]) for s in STATES},
                         {k: np.array([v, v]) for k, v in params.items()}, levers,
                         aggregator=aggregator, dt=dt)
    for i, init in enumerate((initial, other)):
        one_traj, one = simulate(init, params, levers, aggregator=aggregator, dt=dt)
        assert_agree(traj, out, i, one_traj, one)


def test_numpy_scalars_are_plain_numbers_too():
    sc = load_scenario("venezuela-2018")
    init, params = sc.central_initial(), sc.central_parameters()
    levers = sc.schedule(sc.baseline)
    traj, out = simulate(init, params, levers)
    np_traj, np_out = simulate({k: np.float64(v) for k, v in init.items()},
                               {k: np.array(v) for k, v in params.items()}, levers)
    assert_agree(traj, out, 0, np_traj, np_out)


def test_a_run_computes_its_decomposition_when_read_with_the_same_numbers():
    import pickle

    from polmodel.analysis.runs import decompose, run

    sc = load_scenario("venezuela-2018")
    for name in sc.policies:
        r = run(sc, name)
        expected = decompose(r.states, sc.central_parameters(), sc.schedule(name))
        assert dict(r.decomposition) == expected
        again = pickle.loads(pickle.dumps(run(sc, name)))  # pickled before it was read
        assert again.decomposition == expected
        assert r.to_dict()["decomposition"] == {k: dict(v) for k, v in expected.items()}
