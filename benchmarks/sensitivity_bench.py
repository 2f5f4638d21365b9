"""Benchmarks for the analysis budgets of DESIGN §8. Prints medians; run before quoting a figure.

    python benchmarks/sensitivity_bench.py            # 3 repeats each
    python benchmarks/sensitivity_bench.py --repeat 1

For one outcome (the peak opening index of the scenario's contrast: two policies per world)
over every assumption the scenario varies:
- Sobol' indices, N = 4096, without bootstrap (budget 3 s) and with bootstrap intervals
  (budget 10 s; scipy's BCa jackknife grows about with N squared, so the resamples are timed
  separately and chosen to fit);
- Morris screening, 20 trajectories (budget 1 s);
- a 20 x 20 sweep of 1,000 worlds per point (budget 10 s).
Imports (scipy.stats, SALib) are warmed first: budgets are for the work, not start-up.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--resamples", type=int, default=199)
    args = ap.parse_args()
    import SALib.analyze.morris  # noqa: F401  (warm imports)
    import scipy.stats  # noqa: F401

    from polmodel.ensemble import uncertain_dimensions
    from polmodel.questions import ask, contrast_questions
    from polmodel.scenario import load_scenario
    from polmodel.sensitivity_analysis import _matrix, morris, sensitivity, sobol
    from polmodel.sweeps import sweep

    sc = load_scenario("venezuela-2018")
    q = contrast_questions(sc)[0]
    dims = uncertain_dimensions(sc)
    names = [k for k, (_, lo, hi) in dims.items() if hi > lo]
    bounds = [(dims[k][1], dims[k][2]) for k in names]
    d = len(names)

    def f(x):
        return ask(q, sc, _matrix(sc, names, np.asarray(x).T), aggregator="min")

    print(f"scenario venezuela-2018, question: {q.label()}; {d} assumptions varied")
    t, s = median_time(lambda: sobol(f, bounds, names, n=4096, n_resamples=0, seed=0), args.repeat)
    runs = 4096 * (d + 2) * len(q.policies)
    print(f"Sobol' N=4096, no bootstrap:              {t:7.2f} s  ({runs:,} world-runs; budget 3 s)")
    t_model = t
    one = contrast_questions(sc)[0].__class__(sc.baseline, outcome="peak_index")
    t1, _ = median_time(lambda: sobol(lambda x: ask(one, sc, _matrix(sc, names, np.asarray(x).T)),
                                      bounds, names, n=4096, n_resamples=0, seed=0), args.repeat)
    print(f"Sobol' N=4096, no bootstrap, one policy:  {t1:7.2f} s  ({runs // 2:,} world-runs; "
          f"peak index under {sc.baseline})")
    tb, s = median_time(lambda: sobol(f, bounds, names, n=4096, n_resamples=args.resamples, seed=0),
                        args.repeat)
    print(f"Sobol' N=4096, bootstrap {args.resamples} resamples ({s.interval}): {tb:7.2f} s  "
          "(total; budget 10 s)")
    for n in (1024, 2048):  # scipy's BCa intervals: the jackknife grows about with d N^2
        t0, _ = median_time(lambda n=n: sobol(f, bounds, names, n=n, n_resamples=0, seed=0), args.repeat)
        tb, _ = median_time(lambda n=n: sobol(f, bounds, names, n=n, n_resamples=args.resamples,
                                              interval="bca", seed=0), args.repeat)
        print(f"Sobol' N={n}, bootstrap {args.resamples} resamples (BCa): {tb:7.2f} s  "
              f"(of which intervals {tb - t0:5.2f} s)")
    tb, _ = median_time(lambda: sobol(f, bounds, names, n=4096, n_resamples=99, interval="bca",
                                      seed=0), 1)
    print(f"Sobol' N=4096, bootstrap 99 resamples (BCa):  {tb:7.2f} s  (of which intervals "
          f"{tb - t_model:5.2f} s; why 'auto' switches to percentile above N=1024)")
    t, _ = median_time(lambda: morris(f, bounds, names, trajectories=20, seed=0), args.repeat)
    print(f"Morris, 20 trajectories:                  {t:7.3f} s  ({20 * (d + 1) * 2:,} world-runs; budget 1 s)")
    p = [k for k in names if not k.startswith("initial.")][:2]
    t, _ = median_time(lambda: sweep(sc, p[0], p[1], policy=sc.baseline, points=20, worlds=1000),
                       args.repeat)
    print(f"Sweep 20 x 20 x 1,000 worlds ({p[0]} x {p[1]}): {t:6.2f} s  (400,000 world-runs; budget 10 s)")
    t, s = median_time(lambda: sensitivity(sc), 1)
    print(f"`sensitivity()` defaults (N=1024, 199 resamples, Morris, tornado, min and product): {t:.2f} s")


if __name__ == "__main__":
    main()
