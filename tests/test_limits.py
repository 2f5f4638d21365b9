"""Limits and library input checks (limits.py): every bad call is one PolmodelError (issue 9).

Every library case of issue 9 is here with the behaviour it now has: bad types and values give
a one-line PolmodelError (a ValueError), every parameter has a finite hard limit enforced on
files and calls alike, counters hold the longest horizon, memory is estimated before
allocating, and scenarios, worlds and results pickle.
"""

import json
import math
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import polmodel
from polmodel import LeverSetting, Policy, compare, load_scenario, run, sample_worlds, simulate
from polmodel.analysis.comparison import Comparison
from polmodel.analysis.worlds import evaluate
from polmodel.errors import MAX_MESSAGE, PolmodelError, escape_controls, one_line
from polmodel.limits import MAX_HORIZON, MAX_POLICIES, MAX_WORLDS, check_memory, comparison_bytes
from polmodel.model.bounds import parameter_limit, parameter_limits
from polmodel.model.levers import LEVER_NAMES
from polmodel.model.parameters import MECHANISM_PARAMETERS, PARAMETERS
from polmodel.model.states import STATES
from polmodel.scenario.loading import DEFAULT_SCENARIO

SC = load_scenario(DEFAULT_SCENARIO)
OTHER = next(p for p in SC.policies if p != SC.baseline)
RATE = MECHANISM_PARAMETERS[0].name  # any mechanism parameter, read from the table


def assert_one_line_error(call, *fragments):
    with pytest.raises(PolmodelError) as caught:
        call()
    message = str(caught.value)
    assert "\n" not in message and len(message) <= MAX_MESSAGE + 40, message
    for fragment in fragments:
        assert fragment in message, message
    return message


# ---- The library cases of issue 9 -------------------------------------------------------------


@pytest.mark.parametrize("call, fragments", [
    (lambda: run(horizon="12"), ["horizon '12'", "whole number"]),
    (lambda: run(horizon=1.5), ["horizon 1.5", "whole number"]),
    (lambda: run(parameters={RATE: "0.1"}), [RATE, "'0.1'", "a number from 0"]),
    (lambda: run(policy=[OTHER]), ["policy", "a name"]),
    (lambda: compare(worlds=1.5), ["worlds 1.5", "whole number"]),
    (lambda: compare(seed=-1), ["seed -1", "from 0"]),
    (lambda: compare(seed="x"), ["seed 'x'", "whole number"]),
    (lambda: compare(policies=OTHER), ["single string", f"[{OTHER!r}]"]),
], ids=["run horizon str", "run horizon float", "run parameter str", "run policy list",
        "compare worlds float", "compare seed negative", "compare seed str",
        "compare policies str"])
def test_every_library_case_of_the_issue_is_a_polmodel_error(call, fragments):
    assert_one_line_error(call, *fragments)


def test_polmodel_error_is_a_value_error():
    assert issubclass(PolmodelError, ValueError)
    with pytest.raises(ValueError):
        run(horizon=0)


@pytest.mark.parametrize("call, fragment", [
    (lambda: run(5), "scenario 5"),
    (lambda: run(horizon=True), "horizon True"),
    (lambda: run(horizon=MAX_HORIZON + 1), f"{MAX_HORIZON}"),
    (lambda: run(horizon=10**9), f"{MAX_HORIZON}"),
    (lambda: run(aggregator=3), "aggregator"),
    (lambda: run(parameters=[1.0]), "mapping"),
    (lambda: run(initial={"crisis": float("nan")}), "crisis"),
    (lambda: run(parameters={RATE: True}), RATE),
    (lambda: compare(worlds=0), "worlds 0"),
    (lambda: compare(worlds=10**12), f"{MAX_WORLDS:,}"),
    (lambda: compare(worlds="100"), "worlds '100'"),
    (lambda: compare(seed=2**64), "seed"),
    (lambda: compare(seed=1.0), "seed 1.0"),
    (lambda: compare(sampler="grid"), "sampler"),
    (lambda: compare(policies=[OTHER, 5]), "policies: item 5"),
    (lambda: compare(policies={OTHER: 1}), "policies"),
    (lambda: compare(chunk_size=0), "chunk_size 0"),
    (lambda: compare(progress="yes"), "progress"),
    (lambda: sample_worlds(SC, 0), "worlds 0"),
    (lambda: sample_worlds(SC, 10, seed=-3), "seed -3"),
    (lambda: sample_worlds(3.5, 10), "scenario 3.5"),
    (lambda: load_scenario(None), "scenario None"),
    (lambda: load_scenario(b"venezuela-2018"), "scenario b'venezuela-2018'"),
    (lambda: LeverSetting("0.5"), "intensity '0.5'"),
    (lambda: LeverSetting(float("nan")), "intensity"),
    (lambda: LeverSetting(0.5, start=2.0), "start 2.0"),
    (lambda: LeverSetting(0.5, start=-1), "start -1"),
    (lambda: LeverSetting(0.5, start=3, end=3), "end"),
    (lambda: Policy(5), "policy name 5"),
    (lambda: Policy("p", [LEVER_NAMES[0]]), "levers"),
    (lambda: Policy("p", {LEVER_NAMES[0]: 0.5}), "LeverSetting"),
    (lambda: Policy("p", {5: LeverSetting(0.5)}), "unknown lever 5"),
    (lambda: Policy("p").schedule(0), "horizon 0"),
])
def test_bad_library_calls_are_one_line_polmodel_errors(call, fragment):
    assert_one_line_error(call, fragment)


def _inputs():
    return SC.central_initial(), SC.central_parameters(), SC.schedule(SC.baseline)


@pytest.mark.parametrize("change, fragment", [
    (lambda i, p, u: (i, p | {RATE: float("inf")}, u), RATE),
    (lambda i, p, u: (i, p | {RATE: float("nan")}, u), RATE),
    (lambda i, p, u: (i, p | {RATE: np.array([0.1, -0.1])}, u), RATE),
    (lambda i, p, u: (i, p | {RATE: "0.1"}, u), "number"),
    (lambda i, p, u: (i | {STATES[0]: 1.5}, p, u), STATES[0]),
    (lambda i, p, u: (i, p, u + 2.0), "levers"),
    (lambda i, p, u: (i, p, np.zeros((MAX_HORIZON + 1, len(LEVER_NAMES)))), f"{MAX_HORIZON}"),
    (lambda i, p, u: ([1.0], p, u), "initial"),
    (lambda i, p, u: (i, p, "levers"), "levers"),
])
def test_simulate_refuses_inputs_outside_the_limits(change, fragment):
    initial, params, levers = change(*_inputs())
    assert_one_line_error(lambda: simulate(initial, params, levers), fragment)


def test_simulate_refuses_a_bad_step_and_an_aggregator_outside_the_unit_interval():
    initial, params, levers = _inputs()
    assert_one_line_error(lambda: simulate(initial, params, levers, dt=-1.0), "dt")
    assert_one_line_error(lambda: simulate(initial, params, levers, dt=float("nan")), "dt")
    assert_one_line_error(lambda: simulate(initial, params, levers, aggregator=lambda *c: c[0] * 2 + 1),
                          "aggregator")


# ---- Finite limits for every parameter, on files, calls and --set alike -----------------------


def test_every_parameter_has_a_finite_limit_at_or_above_its_range():
    limits = parameter_limits()
    assert set(limits) == set(PARAMETERS)
    for name, p in PARAMETERS.items():
        assert math.isfinite(limits[name]) and limits[name] >= p.high, name


def test_an_unbounded_table_limit_becomes_a_finite_multiple_of_the_high():
    class Unbounded:
        limit = float("inf")
        high = 0.2

    assert parameter_limit(Unbounded) == pytest.approx(max(10 * 0.2, 1.0))
    Unbounded.high = 3.0
    assert parameter_limit(Unbounded) == pytest.approx(30.0)


@pytest.mark.parametrize("override", [
    {"range": [0.0, float("inf")]}, {"value": float("inf")}, {"range": [0.0, float("nan")]},
    {"value": float("nan")}, {"range": [0.0, 1e308]}, {"value": -1e-9}],
    ids=["range to inf", "value inf", "range to nan", "value nan", "range huge", "value negative"])
def test_a_mechanism_beyond_its_hard_limit_is_refused_in_a_file(write_scenario, override):
    path = write_scenario({f"mechanisms.{RATE}": {**override, "source": "test"}})
    assert_one_line_error(lambda: load_scenario(path), path.name, f"mechanisms.{RATE}")


def test_a_mechanism_at_its_hard_limit_is_allowed_and_gives_finite_numbers(write_scenario):
    limit = parameter_limit(PARAMETERS[RATE])
    path = write_scenario({f"mechanisms.{RATE}": {"value": limit, "range": [0.0, limit],
                                                  "source": "test"}})
    result = run(path)
    assert np.all(np.isfinite(result.states))
    json.dumps(result.to_dict(), allow_nan=False)
    c = compare(path, worlds=64, seed=0)
    json.dumps(c.to_dict(), allow_nan=False)
    assert "nan" not in c.to_csv().lower() and "inf" not in c.to_csv().lower()


@pytest.mark.parametrize("value", [float("inf"), float("nan"), -0.1, 1e300])
def test_a_parameter_beyond_its_limit_is_refused_in_a_call(value):
    assert_one_line_error(lambda: run(parameters={RATE: value}), RATE, "allowed")


# ---- Counters that cannot overflow --------------------------------------------------------------


def test_months_open_counts_every_month_of_the_longest_horizon():
    """All conditions held above the crossover with every rate at zero: open every month."""
    from polmodel.scenario.definition import scenario_from_dict

    data = _default_dict()
    for state in STATES:
        data["initial"][state] = {"value": 0.9, "source": "test"}
    data["mechanisms"] = {p.name: {"value": 0.0, "range": [0.0, 0.0], "source": "test"}
                          for p in MECHANISM_PARAMETERS}
    data["horizon"] = MAX_HORIZON
    data["policies"] = {"none": {}}
    data.pop("baseline", None)
    data.pop("contrast", None)
    sc = scenario_from_dict(data, name="still")
    c = compare(sc, worlds=8, seed=0)
    assert c.per_policy["none"]["months_open_mean"] == MAX_HORIZON
    assert np.all(c.outcomes["none"].months_open == MAX_HORIZON)


def _default_dict():
    import copy
    import tomllib

    from conftest import DEFAULT_FILE

    return copy.deepcopy(tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8")))


# ---- Memory estimated before allocating ------------------------------------------------------


def test_the_memory_estimate_grows_with_worlds_dimensions_and_policies():
    base = comparison_bytes(1000, 40, 5)
    assert comparison_bytes(2000, 40, 5) > base
    assert comparison_bytes(1000, 80, 5) > base
    assert comparison_bytes(1000, 40, 10) > base


def test_a_comparison_beyond_memory_is_refused_saying_what_fits(monkeypatch):
    monkeypatch.setattr("polmodel.limits.available_memory", lambda: 2**30)
    message = assert_one_line_error(lambda: check_memory(MAX_WORLDS, 60, 6), "GiB", "worlds")
    fits = int(message.split("about ")[-1].split(" worlds")[0].replace(",", ""))
    assert 0 < fits < MAX_WORLDS
    check_memory(fits, 60, 6)  # what the message says fits, fits


def test_a_comparison_beyond_an_address_space_limit_is_one_line_in_a_fresh_process():
    """The issue's '30 M worlds under a 4 GiB limit', at the largest number of worlds allowed.

    Streamed, the largest comparison needs a few hundred MiB whatever its worlds: the limit is
    set just above what the process holds once it has imported what compare needs.
    """
    code = textwrap.dedent(f"""
        import resource, sys
        import polmodel.analysis.comparison
        from polmodel.limits import _virtual_size
        resource.setrlimit(resource.RLIMIT_AS, (_virtual_size() + 192 * 2**20, resource.RLIM_INFINITY))
        from polmodel.cli import main
        sys.argv = ["polmodel", "compare", "--worlds", "{MAX_WORLDS}"]
        main()
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: worlds"), done.stderr
    assert "GiB" in lines[0] and "Traceback" not in done.stderr


def test_policies_beyond_the_limit_are_refused_before_any_work(write_scenario):
    policies = {f"p{i}": {} for i in range(MAX_POLICIES + 1)}
    path = write_scenario({"policies": policies}, delete=["baseline", "contrast"])
    assert_one_line_error(lambda: load_scenario(path), "policies", str(MAX_POLICIES))
    assert_one_line_error(lambda: compare(SC, [OTHER] * (MAX_POLICIES + 1)), "policies")


# ---- Messages: one line, escaped, shortened ----------------------------------------------------


def test_messages_escape_control_characters_and_keep_start_and_end():
    err = PolmodelError("file\nname.toml: key \x1b[31m; allowed: x")
    assert str(err) == "file\\nname.toml: key \\x1b[31m; allowed: x"
    long = one_line("where: key: " + "v" * 10_000_000 + "; allowed: 0 to 1")
    assert len(long) <= MAX_MESSAGE + 40
    assert long.startswith("where: key: ") and long.endswith("; allowed: 0 to 1")
    assert escape_controls("a\nb\tc", keep="\n") == "a\nb\\tc"


def test_an_unknown_policy_with_a_newline_is_one_line():
    message = assert_one_line_error(lambda: run(policy="a\nb"), "unknown policy")
    assert "a\\nb" in message


def test_a_ten_megabyte_value_is_not_echoed_whole(write_scenario):
    path = write_scenario({"horizon": "9" * 900_000})
    message = assert_one_line_error(lambda: load_scenario(path), "horizon")
    assert "characters" in message


# ---- A public API without traps ---------------------------------------------------------------


def test_public_functions_are_not_shadowed_by_modules():
    code = textwrap.dedent("""
        import polmodel
        from polmodel.analysis.comparison import Comparison
        import polmodel.analysis.runs, polmodel.analysis.comparison, polmodel.analysis.worlds, polmodel.scenario.loading
        import polmodel.model.integrator, polmodel.model.levers, polmodel.limits, polmodel.views.outputs, polmodel.views.manifests
        for name in polmodel.__all__:
            obj = getattr(polmodel, name)
            assert not type(obj).__name__ == "module", name
        print(polmodel.compare("venezuela-2018", worlds=16).n_worlds, polmodel.run().horizon
              if hasattr(polmodel.run(), "horizon") else "ok")
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_scenarios_worlds_and_results_pickle():
    sc = load_scenario(DEFAULT_SCENARIO)
    back = pickle.loads(pickle.dumps(sc))
    assert back == sc and dict(back.parameters) == dict(sc.parameters)
    with pytest.raises(TypeError):
        back.parameters[RATE] = 0.0  # still read-only
    policy = sc.policy(OTHER)
    assert pickle.loads(pickle.dumps(policy)) == policy
    worlds = sample_worlds(sc, 32, seed=3)
    w2 = pickle.loads(pickle.dumps(worlds))
    assert np.array_equal(w2.values, worlds.values) and w2.names == worlds.names
    c = compare(sc, [OTHER], worlds=worlds)
    c2 = pickle.loads(pickle.dumps(c))
    assert isinstance(c2, Comparison) and c2.to_dict() == c.to_dict()
    r = run(sc, OTHER)
    assert pickle.loads(pickle.dumps(r)).to_dict() == r.to_dict()


def test_a_scenario_goes_to_a_process_pool():
    from concurrent.futures import ProcessPoolExecutor

    sc = load_scenario(DEFAULT_SCENARIO)
    with ProcessPoolExecutor(max_workers=1) as pool:
        result = pool.submit(run, sc, OTHER).result()
    assert result.to_dict() == run(sc, OTHER).to_dict()


def test_the_pairwise_statistics_match_their_pair_by_pair_definition():
    c = compare(SC, worlds=200, seed=5)
    for scale in (None, "strict", "graded"):
        m = c.margin + 1e-9
        for a in c.policies:
            for b in c.policies:
                d = c.difference(a, b, scale)
                pw = c.pairwise(a, b, scale)
                assert pw["share_higher"] == np.mean(d > m)
                assert pw["share_lower"] == np.mean(d < -m)
                assert pw["share_tied"] == np.mean(np.abs(d) <= m)
                q10, q50, q90 = np.quantile(d, [0.1, 0.5, 0.9])
                assert pw["difference_p10"] == pytest.approx(q10, abs=1e-12)
                assert pw["difference_median"] == pytest.approx(q50, abs=1e-12)
                assert pw["difference_p90"] == pytest.approx(q90, abs=1e-12)


def test_the_every_pair_table_is_capped_but_every_pair_is_in_the_data(write_scenario):
    from polmodel.views.comparison_text import MATRIX_SHOWN

    n = MATRIX_SHOWN + 3
    levers = {f"p{i}": {"levers": {LEVER_NAMES[i % len(LEVER_NAMES)]: 0.5}} for i in range(n)}
    c = compare(load_scenario(write_scenario({"policies": levers}, delete=["baseline", "contrast"])),
                worlds=32, seed=0)
    assert len(c.to_dict()["pairwise"]) == n
    assert all(len(v) == n - 1 for v in c.to_dict()["pairwise"].values())
    assert f"first {MATRIX_SHOWN} of {n} policies" in c.summary()


def test_evaluate_cancels_queued_chunks_when_stopped():
    """An error in the middle of an ensemble cancels the chunks not yet started."""
    from concurrent.futures import ThreadPoolExecutor

    worlds = sample_worlds(SC, 64, seed=0)
    seen = []

    def stop(n):
        seen.append(n)
        raise KeyboardInterrupt

    with ThreadPoolExecutor(max_workers=1) as pool:
        submitted = []
        original = pool.submit

        def counting(*a, **k):
            f = original(*a, **k)
            submitted.append(f)
            return f

        pool.submit = counting
        with pytest.raises(KeyboardInterrupt):
            evaluate(worlds, [SC.schedule(SC.baseline)], chunk_size=1, executor=pool, progress=stop)
    assert len(seen) == 1
    assert len(submitted) <= 2 * 1 + 1  # a bounded window, never all 64 chunks at once
    assert all(f.cancelled() or f.done() for f in submitted)


def test_polmodel_namespace_lists_callables_classes_and_read_only_tables():
    from collections.abc import Mapping

    for name in polmodel.__all__:
        value = getattr(polmodel, name)
        assert callable(value) or isinstance(value, (tuple, Mapping)), name
