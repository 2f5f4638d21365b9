"""Benchmarks for the budgets of DESIGN §8. Prints medians; run before quoting any figure.

    python benchmarks/bench.py            # everything (about a minute on 2 cores)
    python benchmarks/bench.py --quick    # smaller repeats, no million-world memory run

Figures: one central run (ms), world-runs per second vectorised and as one Python call per world
(the way a workbench evaluates a function model), 5 policies x 100,000 worlds, peak memory of a
1,000,000-world comparison (in a fresh process), and `polmodel --help` start-up time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import numpy as np


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_central(repeat: int) -> None:
    from polmodel.model import simulate
    from polmodel.scenario import load_scenario

    sc = load_scenario("venezuela-2018")
    init, params = sc.central_initial(), sc.central_parameters()
    levers = sc.policy(sc.baseline).schedule(36)
    t = median_time(lambda: simulate(init, params, levers), repeat)
    print(f"central run, 36 months:                 {t * 1e3:8.2f} ms  (median of {repeat}; budget well under 5 ms)")


def bench_ensemble(repeat: int) -> tuple[float, float]:
    from polmodel.ensemble import evaluate, sample_worlds
    from polmodel.scenario import load_scenario

    sc = load_scenario("venezuela-2018")
    worlds = sample_worlds(sc, 100_000, seed=0)
    one = [sc.policy(sc.baseline).schedule(36)]
    five = [sc.policy(p).schedule(36) for p in list(sc.policies)[:5]]
    t1 = median_time(lambda: evaluate(worlds, one), repeat)
    t5 = median_time(lambda: evaluate(worlds, five), repeat)
    rate = 100_000 / t1
    print(f"100,000 worlds x 1 policy x 36 months:  {t1:8.3f} s   ({rate:,.0f} world-runs/s; budget well under 1 s)")
    print(f"100,000 worlds x 5 policies x 36 months:{t5:8.3f} s   ({5e5 / t5:,.0f} world-runs/s; budget under 3 s)")
    return rate, t5


def bench_loop(n: int, repeat: int) -> float:
    """One Python call of the model per world, as a workbench runs a function model."""
    from polmodel.ensemble import sample_worlds
    from polmodel.model import simulate
    from polmodel.scenario import load_scenario

    sc = load_scenario("venezuela-2018")
    worlds = sample_worlds(sc, n, seed=0)
    levers = sc.policy(sc.baseline).schedule(36)
    experiments = []
    for i in range(n):
        initial, params = worlds.inputs(slice(i, i + 1))
        experiments.append(({k: float(np.ravel(v)[0]) for k, v in initial.items()},
                            {k: float(np.ravel(v)[0]) for k, v in params.items()}))

    def loop():
        for initial, params in experiments:
            simulate(initial, params, levers, record=False)

    t = median_time(loop, repeat)
    rate = n / t
    print(f"one Python call per world ({n} worlds):   {t:8.3f} s   ({rate:,.0f} world-runs/s)")
    return rate


MEMORY_SCRIPT = """
import resource, time
from polmodel.comparison import compare
t = time.perf_counter()
c = compare("venezuela-2018", list(__import__("polmodel").load_scenario("venezuela-2018").policies)[:5],
            worlds=1_000_000, seed=0)
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{peak:.0f} {elapsed:.1f} {c.per_policy[c.baseline]['window_share']:.4f}")
"""


def bench_memory() -> None:
    out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT], capture_output=True, text=True, check=True)
    peak_mib, elapsed, _ = out.stdout.split()
    print(f"1,000,000 worlds x 5 policies (compare): peak RSS {float(peak_mib):6.0f} MiB, {float(elapsed):.1f} s "
          "(budget under 1 GiB)")


def bench_policy_limit(worlds: int, repeat: int) -> None:
    """A comparison at the policy limit: the pairwise statistics grow with its square."""
    from dataclasses import replace

    from polmodel.comparison import compare
    from polmodel.levers import LEVER_NAMES, LeverSetting, Policy
    from polmodel.limits import MAX_POLICIES
    from polmodel.scenario import Scenario, load_scenario

    sc = load_scenario("venezuela-2018")
    rng = np.random.default_rng(0)
    policies = {f"p{i}": Policy(f"p{i}", {lv: LeverSetting(float(rng.uniform()))
                                          for lv in rng.choice(LEVER_NAMES, 3, replace=False)})
                for i in range(MAX_POLICIES)}
    sc = replace(sc, policies=policies, baseline="p0")
    assert isinstance(sc, Scenario)
    compared = []
    t_compare = median_time(lambda: compared.append(compare(sc, worlds=worlds, seed=0)), repeat)

    def statistics_and_views():
        c = replace(compared[-1])  # the same outcomes, no cached statistics
        c.summary()
        c.to_dict()

    t_stats = median_time(statistics_and_views, repeat)
    print(f"{MAX_POLICIES} policies (the limit) x {worlds:,} worlds: compare {t_compare:6.2f} s; "
          f"every statistic, summary and to_dict {t_stats:6.2f} s (median of {repeat})")


def bench_help(repeat: int) -> None:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(["polmodel", "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    print(f"polmodel --help:                         {statistics.median(times):8.3f} s   "
          f"(median of {repeat}; budget under 0.3 s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repeats, skip the million-world run")
    args = ap.parse_args()
    r = 3 if args.quick else 7
    import platform

    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    bench_central(50 if args.quick else 300)
    vec, _ = bench_ensemble(r)
    loop = bench_loop(300 if args.quick else 1000, 3)
    print(f"vectorised / per-world loop:             {vec / loop:8.0f} x  (budget at least 100x)")
    if not args.quick:
        bench_memory()
    bench_policy_limit(1000 if args.quick else 10_000, 3)
    bench_help(r)


if __name__ == "__main__":
    main()
