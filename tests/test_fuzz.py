"""Fuzzing (issue 9): generated scenario files, command lines and library calls.

The only outcomes allowed are a valid result or a clean refusal: a PolmodelError from the
library, exit status 2 with one line from the CLI. Never another exception, a hang, a NaN in an
output, or a traceback. Over generated valid scenarios: states stay in [0, 1], the ``min``
opening index is never above a condition, a policy compared with itself (or with a copy of
itself) differs by exactly zero, and the same seed gives the same bytes in every data file
whatever the number of workers (manifests carry a time and are exempt).

The normal suite runs a few dozen examples per test (well under a minute). For a longer hunt::

    POLMODEL_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz.py

sets the number of examples of every test here.
"""

from __future__ import annotations

import copy
import json
import math
import os
import tomllib

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import DEFAULT_FILE, toml_dumps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polmodel import compare, load_scenario, run, sample_worlds
from polmodel.cli import main
from polmodel.errors import MAX_MESSAGE, PolmodelError
from polmodel.limits import MAX_HORIZON, MAX_SEED, MAX_WORLDS
from polmodel.model.bounds import parameter_limits
from polmodel.model.levers import LEVER_NAMES
from polmodel.model.parameters import CONTEXT_PARAMETERS, MECHANISM_PARAMETERS
from polmodel.model.states import STATES
from polmodel.scenario.definition import scenario_from_dict

FUZZ_EXAMPLES = int(os.environ.get("POLMODEL_FUZZ_EXAMPLES", "0"))


def examples(default: int):
    """Hypothesis settings: ``default`` examples, or POLMODEL_FUZZ_EXAMPLES when set."""
    return settings(max_examples=FUZZ_EXAMPLES or default, deadline=None, derandomize=not FUZZ_EXAMPLES,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


BASE = tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))
BASE_POLICIES = list(BASE["policies"])
LIMITS = parameter_limits()
FAST = {"horizon": 24}  # generated scenarios run short, to keep examples quick


def _dotted_keys(data, prefix=""):
    for key, value in data.items():
        path = f"{prefix}{key}"
        yield path
        if isinstance(value, dict):
            yield from _dotted_keys(value, path + ".")


KEYS = sorted(set(_dotted_keys(BASE)))


def _set(data: dict, dotted: str, value) -> None:
    *path, last = dotted.split(".")
    for part in path:
        if not isinstance(data.get(part), dict):
            data[part] = {}
        data = data[part]
    data[last] = value


def _delete(data: dict, dotted: str) -> None:
    *path, last = dotted.split(".")
    for part in path:
        data = data.get(part)
        if not isinstance(data, dict):
            return
    data.pop(last, None)


# ---- Strategies --------------------------------------------------------------------------------

unit = st.floats(0.0, 1.0)
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
scalars = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-(2**63), 2**63 - 1),
    st.booleans(), text, st.just(""), st.sampled_from(["0.5", "nan", "inf", "min", "status-quo"]))
anything = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)), max_leaves=6)


@st.composite
def estimates(draw, low=0.0, high=1.0):
    a, b, c = sorted(draw(st.floats(low, high)) for _ in range(3))
    return {"value": b, "range": [a, c], "source": "generated"}


@st.composite
def lever_settings(draw, horizon):
    intensity = draw(unit)
    if draw(st.booleans()):
        return intensity
    start = draw(st.integers(0, horizon - 1))
    spec = {"intensity": intensity, "start": start}
    if draw(st.booleans()):
        spec["end"] = draw(st.integers(start + 1, start + 40))
    return spec


@st.composite
def valid_scenarios(draw):
    """Scenario dicts that pass the schema: values inside their ranges and hard limits."""
    data = copy.deepcopy(BASE)
    horizon = draw(st.integers(1, FAST["horizon"]))
    data["horizon"] = horizon
    data["aggregator"] = draw(st.sampled_from(["min", "product", "geometric"]))
    for state in draw(st.lists(st.sampled_from(STATES), max_size=4, unique=True)):
        data["initial"][state] = draw(estimates())
    for p in draw(st.lists(st.sampled_from(CONTEXT_PARAMETERS), max_size=3, unique=True)):
        data["context"][p.name] = draw(estimates())
    mechanisms = {}
    for p in draw(st.lists(st.sampled_from(MECHANISM_PARAMETERS), max_size=5, unique=True)):
        mechanisms[p.name] = draw(estimates(0.0, LIMITS[p.name]))
    data["mechanisms"] = mechanisms
    policies = {}
    for i in range(draw(st.integers(1, 4))):
        levers = draw(st.lists(st.sampled_from(LEVER_NAMES), max_size=4, unique=True))
        policies[f"p{i}"] = {"levers": {lv: draw(lever_settings(horizon)) for lv in levers}}
    policies["twin"] = {"extends": "p0"}
    data["policies"] = policies
    data.pop("baseline", None)
    data.pop("contrast", None)
    return data


@st.composite
def broken_scenarios(draw):
    """The default file with keys set to anything, deleted or made up."""
    data = copy.deepcopy(BASE)
    data["horizon"] = FAST["horizon"]
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.one_of(st.sampled_from(KEYS), text.filter(lambda t: "." not in t and t)))
        if draw(st.booleans()):
            _set(data, key, draw(anything))
        else:
            _delete(data, key)
    return data


def _clean(err: PolmodelError) -> None:
    """One line per problem, each printable and short; the message is those lines."""
    assert err.problems and str(err) == "\n".join(err.problems)
    for problem in err.problems:
        assert "\n" not in problem and len(problem) <= MAX_MESSAGE + 40, problem
        assert not any(ord(ch) < 32 or 0x7f <= ord(ch) < 0xa0 for ch in problem), problem


def _finite_json(text: str):
    def refuse(constant):
        raise AssertionError(f"bare {constant} in JSON")

    return json.loads(text, parse_constant=refuse)


def _no_nan_csv(text: str) -> None:
    cells = {c.strip().lower() for line in text.splitlines() if not line.startswith("#")
             for c in line.split(",")}
    assert not cells & {"nan", "inf", "-inf", "infinity"}, cells


def _check_comparison(c) -> None:
    _finite_json(json.dumps(c.to_dict(), allow_nan=False))
    _no_nan_csv(c.to_csv())
    for name, o in c.outcomes.items():
        assert np.all((o.condition_mean >= 0) & (o.condition_mean <= 1)), name
        assert np.all((o.at_peak >= 0) & (o.at_peak <= 1)), name
        assert np.all((o.peak_index >= 0) & (o.peak_index <= 1)), name
    # Two different policies: the per-world difference is the two runs' peaks subtracted world
    # by world, the shares are counts of it beyond the margin, and (b, a) mirrors (a, b).
    names = c.policies
    for a, b in zip(names, names[1:] + names[:1]):
        if a == b:
            continue
        d = c.outcomes[a].peak_index - c.outcomes[b].peak_index
        assert np.array_equal(c.difference(a, b), d)
        assert np.array_equal(c.difference(b, a), -d)
        ab, ba = c.pairwise(a, b), c.pairwise(b, a)
        assert ab["share_higher"] == np.mean(d > c.margin + 1e-9) == ba["share_lower"]
        assert ab["share_lower"] == np.mean(d < -(c.margin + 1e-9)) == ba["share_higher"]
        assert ab["share_tied"] == np.mean(np.abs(d) <= c.margin + 1e-9) == ba["share_tied"]
    if "twin" in c.outcomes and "p0" in c.outcomes:
        assert np.all(c.difference("twin", "p0") == 0.0)  # run separately, same worlds


def _check_run(r, aggregator: str) -> None:
    assert np.all(np.isfinite(r.states)) and np.all((r.states >= 0) & (r.states <= 1))
    if aggregator in ("min", "product"):
        assert np.all(r.index <= r.conditions.min(axis=1) + 1e-12)
    _finite_json(json.dumps(r.to_dict(), allow_nan=False))


# ---- Scenario files --------------------------------------------------------------------------


@examples(25)
@given(data=valid_scenarios(), seed=st.integers(0, 2**32))
def test_generated_valid_scenarios_give_valid_results(data, seed):
    sc = scenario_from_dict(data, name="fuzz")
    for name in sc.policies:
        _check_run(run(sc, name), sc.aggregator)
    _check_comparison(compare(sc, worlds=16, seed=seed))


@examples(40)
@given(data=broken_scenarios())
def test_broken_scenario_files_are_refused_in_one_line_or_run(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "broken.toml"
    try:
        path.write_text(toml_dumps(data), encoding="utf-8")
    except (TypeError, UnicodeEncodeError):
        return  # not writable as TOML (a surrogate, a None): nothing to load
    try:
        sc = load_scenario(path)
    except PolmodelError as err:
        _clean(err)
        return
    _check_run(run(sc), sc.aggregator)
    _check_comparison(compare(sc, worlds=8, seed=0, horizon=min(sc.horizon, 12)))


@examples(40)
@given(raw=st.one_of(st.binary(max_size=400), text.map(lambda t: t.encode("utf-8", "surrogatepass")),
                     st.sampled_from([b"\xef\xbb\xbftitle = 'x'", b"a = [" * 200, b"x = 1\r\ny = 2",
                                      b"title = 'x'\ntitle = 'y'", b"[a]\n[a]"])))
def test_raw_bytes_as_a_scenario_file_are_refused_in_one_line(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("raw") / "raw.toml"
    path.write_bytes(raw)
    try:
        load_scenario(path)
    except PolmodelError as err:
        _clean(err)


# ---- Library calls ---------------------------------------------------------------------------------

bad_or_good = st.one_of(scalars, st.lists(scalars, max_size=2), st.dictionaries(text, scalars, max_size=2),
                        st.none())


def _not_many(value) -> bool:
    """False for a count of worlds that is allowed but slow (129 to MAX_WORLDS): examples stay
    small by construction, so no example needs a time limit (one of 2,896,388 worlds is allowed
    and takes minutes on two cores)."""
    try:
        n = int(value) if isinstance(value, str) else value
    except ValueError:
        return True
    return isinstance(value, bool) or not isinstance(n, (int, float)) or not 128 < n <= MAX_WORLDS


run_kwargs = st.fixed_dictionaries({}, optional={
    "policy": st.one_of(st.sampled_from(BASE_POLICIES), bad_or_good),
    "horizon": st.one_of(st.integers(-5, MAX_HORIZON + 5), bad_or_good),
    "aggregator": st.one_of(st.sampled_from(["min", "product", "geometric"]), bad_or_good),
    "parameters": st.one_of(st.dictionaries(st.sampled_from(sorted(LIMITS)), scalars, max_size=2),
                            bad_or_good),
    "initial": st.one_of(st.dictionaries(st.sampled_from(STATES), scalars, max_size=2), bad_or_good),
})
compare_kwargs = st.fixed_dictionaries({}, optional={
    "policies": st.one_of(st.lists(st.sampled_from(BASE_POLICIES), max_size=3), bad_or_good),
    "worlds": st.one_of(st.integers(-3, 40), st.sampled_from([10**12, 2**70]),
                        bad_or_good.filter(_not_many)),
    "seed": st.one_of(st.integers(-(2**65), 2**65), bad_or_good),
    "sampler": st.one_of(st.sampled_from(["lhs", "sobol"]), bad_or_good),
    "horizon": st.one_of(st.integers(-2, 30), bad_or_good),
    "aggregator": st.one_of(st.sampled_from(["min", "product", "geometric"]), bad_or_good),
    "chunk_size": st.one_of(st.integers(-1, 50), bad_or_good),
})


# Arguments the documentation allows, every one: these must give a result, never an error (so a
# function that refused everything would fail the tests below).
AGGREGATORS = ["min", "product", "geometric"]
# A horizon must reach every policy's latest start month (a shorter one is refused, rightly).
SHORTEST = 1 + max(s.start for p in load_scenario("venezuela-2018").policies.values()
                   for s in p.levers.values())
valid_run_kwargs = st.fixed_dictionaries({}, optional={
    "policy": st.sampled_from(BASE_POLICIES),
    "horizon": st.integers(SHORTEST, MAX_HORIZON),
    "aggregator": st.sampled_from(AGGREGATORS),
    "parameters": st.dictionaries(st.sampled_from(sorted(LIMITS)), unit, max_size=3).map(
        lambda d: {k: v * LIMITS[k] for k, v in d.items()}),  # anywhere within the hard limit
    "initial": st.dictionaries(st.sampled_from(STATES), unit, max_size=3),
})


@st.composite
def valid_compare_kwargs(draw):
    kwargs = draw(st.fixed_dictionaries({}, optional={
        "policies": st.lists(st.sampled_from(BASE_POLICIES), min_size=1, max_size=3, unique=True),
        "seed": st.integers(0, MAX_SEED),
        "horizon": st.integers(SHORTEST, 30),
        "aggregator": st.sampled_from(AGGREGATORS),
        "chunk_size": st.integers(1, 50),
    }))
    if draw(st.booleans()):  # Sobol' points come in powers of 2
        kwargs.update(sampler="sobol", worlds=2 ** draw(st.integers(1, 5)))
    else:
        kwargs.update(sampler=draw(st.just("lhs")), worlds=draw(st.integers(1, 40)))
    return kwargs


@examples(60)
@given(kwargs=run_kwargs, valid=valid_run_kwargs)
def test_run_gives_a_result_or_a_polmodel_error(kwargs, valid):
    r = run("venezuela-2018", **valid)  # allowed arguments are accepted
    _check_run(r, r.aggregator)
    assert r.aggregator == valid.get("aggregator", r.aggregator)
    assert len(r.months) == valid.get("horizon", len(r.months) - 1) + 1
    try:
        r = run("venezuela-2018", **kwargs)
    except PolmodelError as err:
        _clean(err)
        return
    _check_run(r, r.aggregator)


@examples(60)
@given(kwargs=compare_kwargs, valid=valid_compare_kwargs())
def test_compare_gives_a_result_or_a_polmodel_error(kwargs, valid):
    c = compare("venezuela-2018", **valid)  # allowed arguments are accepted
    _check_comparison(c)
    assert set(valid.get("policies", ())) <= set(c.outcomes)
    assert all(len(o.peak_index) == valid["worlds"] for o in c.outcomes.values())
    try:
        c = compare("venezuela-2018", **kwargs)
    except PolmodelError as err:
        _clean(err)
        return
    _check_comparison(c)


@examples(40)
@given(n=st.one_of(st.integers(-2, 64), bad_or_good), seed=st.one_of(st.integers(-2, 2**70), bad_or_good),
       sampler=st.one_of(st.sampled_from(["lhs", "sobol"]), bad_or_good))
def test_sample_worlds_gives_worlds_or_a_polmodel_error(n, seed, sampler):
    try:
        w = sample_worlds("venezuela-2018", n, seed=seed, sampler=sampler)
    except PolmodelError as err:
        _clean(err)
        return
    assert len(w) == n and np.all(np.isfinite(w.values))


# ---- Command lines ------------------------------------------------------------------------------

junk = st.one_of(text, st.integers(-(10**20), 10**20).map(str), st.sampled_from(
    ["", "-", "--", "nan", "inf", "1e3", "10**12", "\x1b[31m", "a\nb", "-1", "0", "--json"])
).filter(_not_many)  # junk is also given to --worlds
option = st.one_of(
    st.tuples(st.just("--policy"), st.one_of(st.sampled_from(BASE_POLICIES), junk)),
    st.tuples(st.just("--horizon"), st.one_of(st.integers(-3, MAX_HORIZON + 3).map(str), junk)),
    st.tuples(st.just("--worlds"), st.one_of(st.integers(-3, 128).map(str), st.just(str(10**12)), junk)),
    st.tuples(st.just("--seed"), st.one_of(st.integers(-(2**65), 2**65).map(str), junk)),
    st.tuples(st.just("--sampler"), st.one_of(st.sampled_from(["lhs", "sobol"]), junk)),
    st.tuples(st.just("--aggregator"), st.one_of(st.sampled_from(["min", "product", "geometric"]), junk)),
    st.tuples(st.just("--workers"), st.one_of(st.sampled_from(["1", "0", "300", "-2"]), junk)),
    st.tuples(st.sampled_from(["--json", "--csv", "--force", "-h"])),
    st.tuples(junk),
)
command_lines = st.tuples(
    st.sampled_from(["run", "compare", "validate", "scenarios", "levers", "nosuch"]),
    st.lists(option, max_size=4),
).map(lambda t: [t[0], *(part for opt in t[1] for part in opt)])


@examples(60)
@given(args=command_lines)
def test_command_lines_exit_0_or_2_with_one_line(args):
    if "compare" in args[:1] and "--worlds" not in args:
        args = [*args, "--worlds", "16"]  # the default thousand worlds, many times, is slow
    result = CliRunner().invoke(main, args)
    assert result.exit_code in (0, 2), (args, result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit) or result.exception is None, repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        lines = result.stderr.strip().splitlines()
        assert len(lines) >= 1 and all(line.startswith("Error: ") for line in lines), result.stderr
        return
    assert "\x1b" not in result.stdout
    if "--json" in args and "-h" not in args and result.stdout.strip().startswith(("{", "[")):
        _finite_json(result.stdout)
    if "--csv" in args and "-h" not in args:
        _no_nan_csv(result.stdout)


@examples(2)
@given(data=valid_scenarios(), seed=st.integers(0, 2**20))
def test_same_seed_same_bytes_in_every_data_file_across_workers(tmp_path_factory, data, seed):
    folder = tmp_path_factory.mktemp("workers")
    path = folder / "fuzz.toml"
    path.write_text(toml_dumps(data), encoding="utf-8")
    written = {}
    for workers in (1, 2):
        out = folder / f"w{workers}"
        # Two chunks, so two workers really split the worlds.
        result = CliRunner().invoke(main, ["compare", str(path), "--worlds", "8200", "--seed",
                                           str(seed), "--workers", str(workers), "--out", str(out)])
        assert result.exit_code == 0, result.output
        written[workers] = {p.name: p.read_bytes() for p in out.iterdir()
                            if p.suffix in (".json", ".csv")}
    assert written[1] and written[1] == written[2]
    assert not any(math.isnan(v) for v in _numbers(_finite_json(written[1]["fuzz-compare.json"].decode())))


def _numbers(data):
    if isinstance(data, dict):
        for v in data.values():
            yield from _numbers(v)
    elif isinstance(data, list):
        for v in data:
            yield from _numbers(v)
    elif isinstance(data, float):
        yield data


@pytest.mark.parametrize("aggregator", ["min", "product"])
def test_the_index_never_exceeds_a_condition_over_sampled_worlds(aggregator):
    """Across sampled worlds (not only central runs): the peak index is at most every condition."""
    c = compare("venezuela-2018", worlds=256, seed=4, aggregator=aggregator)
    for o in c.outcomes.values():
        assert np.all(o.peak_index.astype(np.float32) <= o.at_peak.min(axis=1) + 1e-6)
