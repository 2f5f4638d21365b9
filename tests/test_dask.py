"""Past one machine: Dask worker processes give the numbers of one process, bit for bit.

The cluster is real: two worker processes (``processes=True``), each its own Python with its own
numpy, reached through a scheduler by its address, as a user of an existing cluster reaches
theirs (``docs/distributed.md``). Chunks of worlds are pickled, sent to the workers, evaluated
there and sent back. It is one code path on one machine, so the numbers must be identical, not
close. The command line's ``--scheduler`` takes the same road and must print the same numbers,
and says in one line, quickly, when it cannot. ``distributed`` is the optional ``dask`` extra and
part of ``test``, so this runs in CI.

One cluster serves the whole module (starting one takes about a second, several on a busy
machine). Starting it and every call to it have deadlines: a cluster that cannot start (no free
port, workers that cannot import polmodel) fails with a message instead of hanging the suite.
"""

from __future__ import annotations

import dataclasses
import os
import re
import socket
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import dask
import distributed
import numpy as np
import pytest
from conftest import assert_one_line, cli

import polmodel

STARTUP = 60  # seconds for the scheduler and both worker processes to start
CALL = 180  # seconds for one analysis on the cluster (each takes about a second)
RECIPE = Path(__file__).resolve().parents[1] / "docs" / "distributed.md"


def within(seconds: float, what: str, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, or a test failure naming ``what`` after ``seconds``, not a hang."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True, name=f"within: {what}")
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"{what}: no answer within {seconds} s (a worker process stuck or gone?)",
                    pytrace=False)
    if "error" in box:
        raise box["error"]
    return box["value"]


def start_cluster(n_workers: int = 2, **kwargs) -> distributed.LocalCluster:
    """A scheduler and single-threaded worker processes on this machine, or a clear failure."""
    def start() -> distributed.LocalCluster:
        # dashboard ":0": the scheduler serves HTTP even without a dashboard, on 8787 unless
        # told, and a second scheduler (below, or a user's own) would have to move.
        return distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=":0", death_timeout=STARTUP, **kwargs)

    what = f"a Dask cluster of {n_workers} worker processes"
    try:
        return within(STARTUP, f"starting {what}", start)
    except Exception as exc:
        pytest.fail(f"{what} could not start ({exc}); a free port on 127.0.0.1 and worker "
                    "processes that can import polmodel are needed", pytrace=False)


@pytest.fixture(scope="module")
def cluster():
    c = start_cluster()
    yield c
    within(30, "closing the Dask cluster", c.close)


@pytest.fixture(scope="module")
def client(cluster):
    """A client that knows the cluster by its address only, as a user of an existing cluster."""
    c = distributed.Client(cluster.scheduler_address, timeout=STARTUP)
    c.wait_for_workers(2, timeout=STARTUP)
    yield c
    within(30, "closing the Dask client", c.close)


def assert_identical(a, b, where: str = "result") -> None:
    """Every number in two results equal bit for bit (and of the same dtype), recursively."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_identical(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} against {b.dtype}"
        assert a.shape == b.shape, f"{where}: shape {a.shape} against {b.shape}"
        if a.dtype.kind == "f":
            # Bits, not values: -0.0 and 0.0 differ; NaNs (no window) agree by their bits.
            np.testing.assert_array_equal(a.view(f"u{a.itemsize}"), b.view(f"u{b.itemsize}"),
                                          err_msg=where)
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, Mapping):
        assert isinstance(b, Mapping) and list(a) == list(b), where
        for k in a:
            assert_identical(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert a.hex() == b.hex() or (a != a and b != b), f"{where}: {a!r} against {b!r}"
    else:
        assert a == b, f"{where}: {a!r} against {b!r}"


def on_cluster(client, fn, *args, **kwargs):
    """``fn`` with the cluster's executor, and the workers that ran its tasks."""
    with distributed.get_task_stream(client) as stream:
        result = within(CALL, fn.__name__, fn, *args, executor=client.get_executor(), **kwargs)
    return result, {t["worker"] for t in stream.data}


def test_the_workers_are_other_processes_running_this_polmodel(client):
    # Worker processes import polmodel afresh: from the same files as this process, or the
    # comparison below would hold two versions against each other.
    here = os.path.realpath(polmodel.__file__)
    seen = client.run(lambda: (os.getpid(), os.path.realpath(__import__("polmodel").__file__)))
    assert len(seen) == 2
    pids = {pid for pid, _ in seen.values()}
    assert len(pids) == 2 and os.getpid() not in pids
    assert {path for _, path in seen.values()} == {here}


def test_a_cluster_is_kept_busy_two_chunks_per_worker_thread(client):
    # Not 8 whatever the cluster: a cluster of 64 threads would otherwise run 8 chunks at once.
    from polmodel.analysis.executors import submission_window
    from polmodel.cli.workers import DaskPool

    assert submission_window(client.get_executor()) == 2 * 2
    assert submission_window(DaskPool.__new__(DaskPool)) == 8  # no client: the default
    pool = DaskPool(distributed.Client(client.scheduler.address, timeout=STARTUP))
    try:
        assert submission_window(pool) == 2 * 2
    finally:
        pool.shutdown()
    assert pool.client.status == "closed"  # shut down, it lets go of the cluster


def test_compare_in_worker_processes_gives_the_numbers_of_one_process(client):
    n, chunk = 700, 64  # 11 chunks, the last one short, spread over both workers
    local = polmodel.compare("venezuela-2018", worlds=n, seed=5, chunk_size=chunk)
    remote, workers = on_cluster(client, polmodel.compare, "venezuela-2018", worlds=n, seed=5,
                                 chunk_size=chunk)
    assert len(workers) == 2, "every chunk ran on one worker: nothing shows the two agree"
    assert_identical(remote, local, "compare")
    assert remote.summary() == local.summary()


def test_a_streamed_compare_in_worker_processes_gives_the_numbers_of_one_process(client,
                                                                                 monkeypatch):
    """Above the streaming threshold each worker gets a block's index, draws and tallies it,
    and returns its reductions: the same numbers as one process, whatever runs the blocks."""
    from polmodel.analysis import streaming

    monkeypatch.setattr(streaming, "EXACT_WORLDS", 1000)  # read here, where the run is planned
    monkeypatch.setattr(streaming, "BLOCK", 400)          # carried to the workers in each task
    n = 2100  # 6 blocks, the last one short
    local = polmodel.compare("venezuela-2018", worlds=n, seed=5)
    remote, workers = on_cluster(client, polmodel.compare, "venezuela-2018", worlds=n, seed=5)
    assert type(remote).__name__ == "StreamedComparison" and len(workers) == 2
    assert remote.to_dict() == local.to_dict()
    assert remote.summary() == local.summary()


def test_sweep_in_worker_processes_gives_the_numbers_of_one_process(client):
    kw = dict(policy="targeted", versus="broad", points=3, worlds=300, seed=2, chunk_size=64)
    local = polmodel.sweep("venezuela-2018", "rally", **kw)
    remote, workers = on_cluster(client, polmodel.sweep, "venezuela-2018", "rally", **kw)
    assert len(workers) == 2
    assert_identical(remote, local, "sweep")


def test_sensitivity_in_worker_processes_gives_the_numbers_of_one_process(client):
    kw = dict(n=32, n_resamples=20, trajectories=4, aggregators=("min",), seed=3, chunk_size=256)
    local = polmodel.sensitivity("venezuela-2018", "targeted", "broad", **kw)
    remote, workers = on_cluster(client, polmodel.sensitivity, "venezuela-2018", "targeted",
                                 "broad", **kw)
    assert len(workers) == 2
    assert local.sobol and local.morris and local.tornado is not None  # every method ran
    assert_identical(remote, local, "sensitivity")


def test_discover_reruns_in_worker_processes_give_the_numbers_of_one_process(client):
    # With an executor each rerun is one task (sampling, policies, PRIM), not chunks of worlds.
    kw = dict(worlds=300, resamples=4, seed=4, chunk_size=128)
    local = polmodel.discover("venezuela-2018", "targeted", "broad", **kw)
    remote, workers = on_cluster(client, polmodel.discover, "venezuela-2018", "targeted", "broad",
                                 **kw)
    assert len(workers) == 2
    assert_identical(remote, local, "discover")


def recipe_code() -> str:
    """The recipe's Python, as docs/distributed.md shows it."""
    blocks = re.findall(r"```python\n(.*?)```", RECIPE.read_text(encoding="utf-8"), re.S)
    assert blocks, f"{RECIPE} has no python block"
    return blocks[0]


def test_the_documented_recipe_runs_on_an_existing_cluster(cluster):
    # The recipe as written, at a small size, against this cluster's scheduler by address.
    code = recipe_code()
    assert "tcp://scheduler.example.org:8786" in code and "worlds=100_000" in code
    code = code.replace("tcp://scheduler.example.org:8786", cluster.scheduler_address)
    code = code.replace("worlds=100_000", "worlds=400").replace("worlds=20_000", "worlds=200")
    names: dict = {}
    within(CALL, "the documented recipe", exec, compile(code, str(RECIPE), "exec"), names)
    assert_identical(names["c"], polmodel.compare("venezuela-2018", worlds=400, seed=1), "recipe")


def test_a_cluster_that_cannot_start_fails_at_once_with_a_message():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        started = time.perf_counter()
        with pytest.raises(pytest.fail.Exception, match="could not start .* free port"):
            start_cluster(scheduler_port=taken.getsockname()[1])
        assert time.perf_counter() - started < STARTUP / 2


@pytest.mark.parametrize("args", [
    ("compare", "--worlds", 300, "--seed", 7, "--json"),
    ("sweep", "--x", "rally", "--points", 3, "--worlds", 200, "--json"),
    ("sensitivity", "--policy", "targeted", "--policy", "broad", "--worlds", 32,
     "--resamples", 20, "--trajectories", 4, "--json"),
    ("discover", "--policy", "targeted", "--policy", "broad", "--worlds", 200,
     "--resamples", 3, "--json"),
], ids=["compare", "sweep", "sensitivity", "discover"])
def test_the_command_line_on_an_existing_cluster_prints_the_numbers_of_one_process(client, args):
    here = cli(*args)
    with distributed.get_task_stream(client) as stream:  # every task the scheduler runs
        there = within(CALL, "polmodel --scheduler", cli, *args, "--scheduler",
                       client.scheduler.address)
    assert here.exit_code == 0 and there.exit_code == 0, there.output
    assert stream.data, "nothing ran on the cluster"
    assert there.stdout == here.stdout


@pytest.fixture
def quick_connect():
    """Dask's connect timeout (which --scheduler uses) at 2 s, so a failure shows quickly."""
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        yield


def test_scheduler_that_does_not_answer_is_one_line_not_a_wait(quick_connect):
    with socket.socket() as s:  # a port nobody listens on: bound, never listening
        s.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{s.getsockname()[1]}"
        started = time.perf_counter()
        result = within(30, "polmodel --scheduler", cli, "compare", "--worlds", 100,
                        "--scheduler", address)
    assert_one_line(result, 2, f"--scheduler {address}: no Dask scheduler answered")
    assert time.perf_counter() - started < 15


@pytest.mark.parametrize("address", ["nonsense", "tcp://127.0.0.1"])
def test_a_malformed_scheduler_address_is_refused_before_connecting(address):
    result = within(10, "polmodel --scheduler", cli, "compare", "--scheduler", address)
    assert_one_line(result, 2, f"--scheduler {address}: missing port")


def test_scheduler_and_workers_together_are_refused():
    assert_one_line(cli("compare", "--workers", 2, "--scheduler", "tcp://127.0.0.1:8786"), 2,
                    "--workers 2 and --scheduler: one or the other")


def test_a_cluster_without_workers_is_one_line_not_a_wait(quick_connect):
    empty = start_cluster(n_workers=0)
    try:
        result = within(30, "polmodel --scheduler", cli, "compare", "--worlds", 100,
                        "--scheduler", empty.scheduler_address)
    finally:
        within(30, "closing the Dask cluster", empty.close)
    assert_one_line(result, 2, "the cluster has no worker")


def test_workers_with_another_polmodel_are_refused(cluster, monkeypatch):
    # The workers import the real polmodel; this process claims another version.
    monkeypatch.setattr(polmodel, "__version__", "0.0.0")
    result = within(CALL, "polmodel --scheduler", cli, "compare", "--worlds", 100,
                    "--scheduler", cluster.scheduler_address)
    assert_one_line(result, 2, "workers run polmodel", "this is 0.0.0")


# numpy's names (1.x and 2.x) for the AVX-512 code it may pick: switched off, a worker computes
# as a CPU without AVX-512 would, which is what another machine of a cluster may be.
NO_AVX512 = "X86_V4 AVX512F AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"


def simd_found() -> list[str]:
    """The SIMD extensions numpy uses in this process."""
    return list(np.__config__.CONFIG["SIMD Extensions"]["found"])


def test_a_worker_with_other_cpu_features_agrees_within_1e_12():
    # What the docs say holds across machines with other CPUs, on this machine: a worker whose
    # numpy may not use AVX-512 (set before it starts, as numpy reads it on import).
    with dask.config.set({"distributed.nanny.pre-spawn-environ.NPY_DISABLE_CPU_FEATURES":
                          NO_AVX512}):
        other = start_cluster(n_workers=1)
    try:
        with distributed.Client(other.scheduler_address, timeout=STARTUP) as c:
            # A lambda travels by value: the worker need not import this test module.
            (theirs,) = c.run(lambda: list(__import__("numpy").__config__.CONFIG[
                "SIMD Extensions"]["found"])).values()
            remote = within(CALL, "compare", polmodel.compare, "venezuela-2018", worlds=600,
                            seed=6, executor=c.get_executor())
    finally:
        within(30, "closing the Dask cluster", other.close)
    assert not any("512" in f or f == "X86_V4" for f in theirs), theirs
    local = polmodel.compare("venezuela-2018", worlds=600, seed=6)
    differ = 0
    for name in local.policies:
        for field in local.outcomes[name].__dataclass_fields__:
            a, b = getattr(remote.outcomes[name], field), getattr(local.outcomes[name], field)
            if a.dtype.kind == "f":
                np.testing.assert_allclose(a, b, rtol=0, atol=1e-12, err_msg=f"{name}.{field}")
                differ += int(np.sum((a != b) & ~(np.isnan(a) & np.isnan(b))))
            else:  # shares and counts: equal (no index within 1e-12 of a threshold here)
                np.testing.assert_array_equal(a, b, err_msg=f"{name}.{field}")
    if theirs != simd_found():  # two exps really met: show it, or the test proves nothing
        assert differ > 0
