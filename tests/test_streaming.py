"""Constant memory above EXACT_WORLDS: compare and sweep streamed in fixed blocks (issue 18, item 3).

The threshold and the block are lowered here so that a streamed run takes a second; the
truths are the exact path's numbers on the same worlds (shares equal, quantiles within the
stated half bin, means within float rounding), the exact path's own Sobol' points, the
Latin-hypercube design of each block, and numbers that do not move with the chunk size or a
process pool.
"""

from __future__ import annotations

import json
import math
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from conftest import cli

from polmodel.analysis import streaming
from polmodel.analysis.comparison import Comparison, compare
from polmodel.analysis.streamed_comparison import StreamedComparison
from polmodel.analysis.streaming import (
    StreamedWorlds,
    bin_counts,
    histogram_quantiles,
    integer_quantiles,
    quantile_error,
    stream_entropy,
)
from polmodel.analysis.sweeps import sweep
from polmodel.analysis.worlds import sample_worlds, uncertain_dimensions
from polmodel.errors import PolmodelError
from polmodel.model import compiled as compiled_engine
from polmodel.scenario.loading import load_scenario

SC = "venezuela-2018"
N = 1300  # three blocks of 512, 512 and 276 worlds once the threshold is 1000
SEED = 3


@pytest.fixture
def small_blocks(monkeypatch):
    """Stream above 1,000 worlds, in blocks of 512."""
    monkeypatch.setattr(streaming, "EXACT_WORLDS", 1000)
    monkeypatch.setattr(streaming, "BLOCK", 512)


@pytest.fixture
def streamed_and_exact(small_blocks):
    """A streamed comparison, and the exact path's on the very worlds the streamed one drew."""
    sc = load_scenario(SC)
    c = compare(sc, worlds=N, seed=SEED)
    return c, compare(sc, worlds=c.worlds.materialize(sc))


def _leaves(d, path=()):
    """Every (path, value) of nested dicts and lists."""
    if isinstance(d, dict):
        for k, v in d.items():
            yield from _leaves(v, (*path, str(k)))
    elif isinstance(d, list):
        for i, v in enumerate(d):
            yield from _leaves(v, (*path, str(i)))
    else:
        yield path, d


# ---- The threshold --------------------------------------------------------------------------


def test_default_sizes_keep_the_exact_path():
    """1,000 worlds (compare's default) and the handout's 80,000-world reruns are kept whole."""
    assert not streaming.streams(1000) and not streaming.streams(80_000)
    assert not streaming.streams(streaming.EXACT_WORLDS) and streaming.streams(streaming.EXACT_WORLDS + 1)
    assert type(compare(SC, worlds=50, seed=1)) is Comparison


def test_above_the_threshold_the_run_is_streamed_and_says_so(small_blocks):
    c = compare(SC, worlds=N, seed=SEED)
    assert isinstance(c, StreamedComparison) and c.n_worlds == N
    assert "streamed in blocks of 512" in c.summary()
    assert type(compare(SC, worlds=1000, seed=SEED)) is Comparison


# ---- The worlds: fixed blocks from the seed and the block's index ---------------------------


def test_a_block_is_the_same_whatever_the_number_of_worlds(small_blocks):
    sc = load_scenario(SC)
    a = StreamedWorlds(sc.name, 1300, SEED, "lhs", SEED, 512).materialize(sc).values
    b = StreamedWorlds(sc.name, 1100, SEED, "lhs", SEED, 512).materialize(sc).values
    assert np.array_equal(a[:1024], b[:1024])  # the two full blocks
    assert not np.array_equal(a[:512], a[512:1024])  # blocks are drawn apart
    assert not np.array_equal(a[1024:1100], b[1024:1100])  # the last block is its own hypercube


def test_each_block_is_a_latin_hypercube_of_its_own_worlds(small_blocks):
    sc = load_scenario(SC)
    w = StreamedWorlds(sc.name, N, SEED, "lhs", SEED, 512).materialize(sc)
    dims = uncertain_dimensions(sc)
    for a, b in ((0, 512), (512, 1024), (1024, N)):
        for j, name in enumerate(w.names[:20]):
            _, low, high = dims[name]
            if sc.parameters.get(name) is not None and sc.parameters[name].quantiles is not None:
                continue
            strata = np.floor((w.values[a:b, j] - low) / (high - low) * (b - a)).astype(int)
            assert sorted(np.clip(strata, 0, b - a - 1)) == list(range(b - a)), (name, a)


def test_streamed_sobol_worlds_are_the_exact_paths_points(monkeypatch):
    monkeypatch.setattr(streaming, "BLOCK", 256)
    sc = load_scenario(SC)
    exact = sample_worlds(sc, 1024, seed=SEED, sampler="sobol")
    streamed = StreamedWorlds(sc.name, 1024, SEED, "sobol", SEED, 256).materialize(sc)
    assert streamed.names == exact.names
    assert np.array_equal(streamed.values, exact.values)


def test_a_generator_seed_gives_one_entropy_and_reproducible_blocks():
    assert stream_entropy(7) == 7
    assert stream_entropy(np.random.default_rng(1)) == stream_entropy(np.random.default_rng(1))


# ---- The numbers: the exact path's on the same worlds ---------------------------------------


def test_streamed_shares_and_counts_equal_the_exact_paths(streamed_and_exact):
    c, e = streamed_and_exact
    exact = dict(_leaves(e.to_dict()))
    checked = 0
    for path, v in _leaves(c.to_dict()):
        key = path[-1]
        if key.startswith("share") or key in ("window_share", "worlds_with_window",
                                              "months_open_mean", "first_window_median", "max",
                                              "reading", "flips", "mostly_tied") \
                or path[0] in ("holds", "structure_flips", "horizon_flips", "flips") \
                or path[0] == "policies" and path[2] == "bottleneck_shares":
            assert v == exact[path], path
            checked += 1
    assert checked > 1000


def test_streamed_means_are_the_exact_ones_within_rounding(streamed_and_exact):
    c, e = streamed_and_exact
    for name in c.policies:
        assert math.isclose(c.shortfall[name]["mean"], e.shortfall[name]["mean"], abs_tol=1e-12)
        for k, d in c.condition_effects[name].items():
            assert math.isclose(d["mean_change"], e.condition_effects[name][k]["mean_change"],
                                abs_tol=1e-12)
        for st, by in c.necessity[name].items():
            for k, v in by.items():
                w = e.necessity[name][st][k]
                assert (v is None and w is None) or math.isclose(v, w, abs_tol=1e-12)


def test_streamed_quantiles_are_within_the_stated_bound(streamed_and_exact):
    c, e = streamed_and_exact
    bound = c.quantile_errors()
    assert bound["peak_index"] == 2**-17 and bound["difference"] == 2**-14
    worst = {k: 0.0 for k in bound}
    for name in c.policies:
        s, x = c.per_policy[name], e.per_policy[name]
        for key, kind in (("peak_index_median", "peak_index"), ("peak_index_p10", "peak_index"),
                          ("peak_index_p90", "peak_index"), ("exodus_median", "exodus"),
                          ("crisis_months_median", "crisis_months"),
                          ("first_window_median", "first_window")):
            if x[key] is not None:
                worst[kind] = max(worst[kind], abs(s[key] - x[key]))
        worst["shortfall"] = max(worst["shortfall"],
                                 abs(c.shortfall[name]["p90"] - e.shortfall[name]["p90"]))
        for other in c.policies:
            for key in ("difference_median", "difference_p10", "difference_p90"):
                d = abs(c.pairwise(name, other)[key] - e.pairwise(name, other)[key])
                worst["difference"] = max(worst["difference"], d)
    for kind, error in worst.items():
        assert error <= bound[kind] * (1 + 1e-9), (kind, error, bound[kind])
    assert worst["first_window"] == 0.0  # whole months, counted exactly


def test_streamed_output_has_the_exact_outputs_words_and_columns(streamed_and_exact):
    c, e = streamed_and_exact
    assert [p for p, _ in _leaves(c.to_dict())] == [p for p, _ in _leaves(e.to_dict())]
    rows = [r.split(",")[8:11] for r in c.to_csv().splitlines()]
    assert rows == [r.split(",")[8:11] for r in e.to_csv().splitlines()]
    heads = [line for line in e.summary().splitlines() if line.startswith(("policy", "---"))]
    assert [line for line in c.summary().splitlines() if line.startswith(("policy", "---"))] == heads
    assert list(c.to_frame().columns) == list(e.to_frame().columns)


def test_streamed_results_do_not_depend_on_chunks_or_a_process_pool(small_blocks):
    base = compare(SC, worlds=N, seed=SEED).to_dict()
    assert compare(SC, worlds=N, seed=SEED, chunk_size=97).to_dict() == base
    with ProcessPoolExecutor(2) as pool:
        assert compare(SC, worlds=N, seed=SEED, executor=pool, chunk_size=300).to_dict() == base
    seen = []
    compare(SC, worlds=N, seed=SEED, progress=seen.append)
    assert seen == [512, 512, 276]


def test_what_needs_every_world_says_to_use_fewer(streamed_and_exact):
    c, _ = streamed_and_exact
    for call in (lambda: c.outcomes["targeted"], lambda: c.difference("targeted", "broad"),
                 lambda: c.plot_pair("targeted", "broad"), lambda: c.plot(kind="pair"),
                 lambda: c.worlds.values):
        with pytest.raises(PolmodelError, match="kept up to 1,000 worlds.*use at most 1,000"):
            call()
    with pytest.raises(PolmodelError, match="unknown policy"):
        c.pairwise("targeted", "nobody")


def test_streamed_figures_are_drawn_from_the_histograms(streamed_and_exact):
    c, e = streamed_and_exact
    boxes = c.box_stats("peak")
    assert len(boxes) == len(c.policies)
    for box, name in zip(boxes, c.policies):
        assert box["whislo"] <= box["q1"] <= box["med"] <= box["q3"] <= box["whishi"]
        assert abs(box["med"] - e.per_policy[name]["peak_index_median"]) <= 2**-17
    diffs = c.box_stats("differences")
    others = [n for n in c.policies if n != c.baseline]
    for box, name in zip(diffs, others):
        assert abs(box["med"] - e.pairwise(name, c.baseline)["difference_median"]) <= 2**-14
    for kind in ("peak", "differences", "bottlenecks", "tradeoff"):
        c.plot(kind=kind)


# ---- Histograms --------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 7, 1000])
def test_histogram_quantiles_are_within_half_a_bin_of_numpys(n):
    rng = np.random.default_rng(n)
    x = np.concatenate([rng.beta(2, 5, n), [0.0, 1.0]])[:n] if n > 2 else rng.random(n)
    qs = [0.0, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
    for bins in (16, 2**10):
        got = histogram_quantiles(bin_counts(x[None], 0.0, 1.0, bins)[0], 0.0, 1.0, qs,
                                  x.min(), x.max())
        assert np.all(np.abs(got - np.quantile(x, qs)) <= quantile_error(0.0, 1.0, bins) + 1e-15)


def test_a_histogram_of_one_value_gives_that_value_and_whole_numbers_are_exact():
    x = np.full(10, 0.3)
    assert np.all(histogram_quantiles(bin_counts(x[None], 0, 1, 8)[0], 0, 1, [0.1, 0.5], 0.3, 0.3)
                  == 0.3)
    months = np.array([3, 3, 5, 9, 9, 9, 12, 20])
    counts = np.bincount(months, minlength=37)
    assert np.array_equal(integer_quantiles(counts, [0.1, 0.5, 0.9]),
                          np.quantile(months.astype(float), [0.1, 0.5, 0.9]))


# ---- Sweeps ------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [
    {"policy": "targeted", "versus": "broad"},
    {"policy": "coordinated-offramps"},
    {"policy": "coordinated-offramps", "outcome": "months_open"},
    {"policy": "targeted", "outcome": "crisis_months"},
])
def test_a_streamed_sweep_is_the_exact_sweep_on_the_same_worlds(small_blocks, question):
    sc = load_scenario(SC)
    s = sweep(sc, "rally", points=3, worlds=N, seed=SEED, **question)
    e = sweep(sc, "rally", points=3, worlds=StreamedWorlds(sc.name, N, SEED, "lhs", SEED, 512)
              .materialize(sc), **question)
    assert s.n_worlds == N and s.seed == SEED
    if s.statistic == "share" or question.get("outcome") == "months_open":
        assert np.array_equal(s.values, e.values)
        for got, want in ((s.lower, e.lower), (s.tied, e.tied), (s.band, e.band)):
            assert (got is None and want is None) or np.array_equal(got, want)
    else:
        bound = quantile_error(0.0, sc.horizon + 1.0)
        assert np.all(np.abs(s.values - e.values) <= bound)
        assert np.all(np.abs(s.band - e.band) <= bound)


def test_a_streamed_sweep_does_not_depend_on_a_process_pool(small_blocks):
    kw = dict(policy="targeted", versus="broad", points=3, worlds=N, seed=SEED)
    base = sweep(SC, "rally", **kw).to_dict()
    with ProcessPoolExecutor(2) as pool:
        assert sweep(SC, "rally", executor=pool, chunk_size=200, **kw).to_dict() == base


# ---- Memory and the command line -----------------------------------------------------------


def test_a_streamed_requests_memory_is_the_same_at_any_size(monkeypatch):
    """10^7 worlds fit where the exact path would need gigabytes; the estimate is checked first."""
    from polmodel.analysis.options import RunOptions

    monkeypatch.setattr("polmodel.limits.available_memory", lambda: 2**30)
    sc = load_scenario(SC)
    needs = []
    monkeypatch.setattr("polmodel.analysis.options.check_memory",
                        lambda worlds, dims, policies, need: needs.append(need(worlds)))
    for n in (10**6, 10**7):
        RunOptions(worlds=n).check_memory(sc, 6, streamed=400 * 2**20)
    assert needs == [400 * 2**20] * 2
    from polmodel.analysis.streamed_comparison import streamed_comparison_bytes

    assert streamed_comparison_bytes(90, 6, 36, 8192) < 2**30


def test_the_command_line_streams_with_the_same_json_keys(small_blocks):
    streamed = cli("compare", "--worlds", N, "--json")
    exact = cli("compare", "--worlds", 1000, "--json")
    assert streamed.exit_code == 0 and exact.exit_code == 0, streamed.output
    a, b = json.loads(streamed.stdout), json.loads(exact.stdout)
    assert a["worlds"] == N and _keys(a) == _keys(b)


def _keys(d, path=()):
    """Every path of nested dicts (lists, whose length is data, are leaves)."""
    if not isinstance(d, dict):
        return [path]
    return [p for k, v in d.items() for p in _keys(v, (*path, k))]


def test_block_b_is_the_documented_hypercube_of_seed_sequence_seed_b(small_blocks):
    """Anyone can redraw block b alone: SeedSequence(seed, spawn_key=(b,)), as documented."""
    from polmodel.analysis.worlds import latin_hypercube

    sc = load_scenario(SC)
    w = StreamedWorlds(sc.name, N, SEED, "lhs", SEED, 512).materialize(sc)
    dims = uncertain_dimensions(sc)
    rng = np.random.default_rng(np.random.SeedSequence(SEED, spawn_key=(1,)))
    u = latin_hypercube(512, len(w.names), rng)
    for j, name in enumerate(w.names):
        _, low, high = dims[name]
        q = (sc.parameters[name].quantiles if name in sc.parameters else None)
        if q is None:
            assert np.allclose((w.values[512:1024, j] - low) / (high - low), u[:, j], atol=1e-12)


def test_discovery_needs_every_world_and_counts_its_outcomes_before_sampling(monkeypatch):
    """PRIM keeps every world: memory for the worlds *and* both policies' outcomes, checked first."""
    from polmodel.analysis.discovery import discover
    from polmodel.analysis.worlds import varied_count
    from polmodel.limits import comparison_bytes

    n = 10**6
    dims = varied_count(load_scenario(SC)) + 1  # the structure, sampled as an assumption
    free = (comparison_bytes(n, dims, 0) + comparison_bytes(n, dims, 2)) // 2
    monkeypatch.setattr("polmodel.limits.available_memory", lambda: free)
    monkeypatch.setattr("polmodel.analysis.options._draw_worlds",
                        lambda *a, **k: pytest.fail("sampled before the memory check"))
    with pytest.raises(PolmodelError, match=r"GiB of memory needed.*allowed here: about"):
        discover(SC, "targeted", "broad", worlds=n)


def test_the_command_line_gives_the_same_streamed_numbers_with_two_workers(small_blocks,
                                                                          monkeypatch):
    from polmodel.cli import workers

    made = []
    real = workers.make_executor
    monkeypatch.setattr(workers, "process_count", lambda w, n, c: w)  # a pool even for 1,300
    monkeypatch.setattr("polmodel.cli.core.make_executor",
                        lambda *a: made.append(real(*a)) or made[-1])
    one = cli("compare", "--worlds", N, "--csv")
    two = cli("compare", "--worlds", N, "--csv", "--workers", "2")
    assert one.exit_code == 0 and two.exit_code == 0, two.output
    assert one.stdout == two.stdout and ",1300," in one.stdout
    assert made[0] is None and type(made[1]).__name__ == "ProcessPoolExecutor"


@pytest.mark.skipif(compiled_engine.compiler() is None, reason="the compiled engine needs a C compiler")
def test_streamed_runs_take_the_engine_they_are_given(small_blocks, monkeypatch):
    """compare and sweep above the threshold run their blocks on the compiled engine when asked:
    the same counts as numpy's blocks (within 1e-12 a world's index could cross a tie margin, so
    shares are compared to one world), and the engine is really called."""
    compiled = compiled_engine

    calls = []
    original = compiled.run_kernels
    monkeypatch.setattr(compiled, "run_kernels", lambda *a, **k: calls.append(1) or original(*a, **k))
    sc = load_scenario(SC)
    fast = compare(sc, ["targeted", "broad"], worlds=N, seed=SEED, engine="compiled")
    assert calls, "the streamed compare never ran the compiled kernel"
    plain = compare(sc, ["targeted", "broad"], worlds=N, seed=SEED)
    a, b = fast.pairwise("targeted", "broad"), plain.pairwise("targeted", "broad")
    assert abs(a["share_higher"] - b["share_higher"]) <= 1 / N
    calls.clear()
    s = sweep(sc, "rally", policy="targeted", versus="broad", points=3, worlds=N, seed=SEED,
              engine="compiled")
    assert calls and len(s.values) == 3
