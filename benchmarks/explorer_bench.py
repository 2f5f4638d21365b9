"""Benchmark of the live explorer's redraw (DESIGN section 8: under 100 ms, aim for 50).

    python benchmarks/explorer_bench.py

One redraw is what a slider does: from a new value set on the widget to the updated figure
(model run, artists moved, Agg draw) and the PNG the Image widget shows. Prints the median of
50 redraws, alternating between two levers and an assumption so every redraw changes the run.
"""

from __future__ import annotations

import statistics
import time


def main(repeat: int = 50) -> None:
    import polmodel
    from polmodel.levers import LEVER_NAMES

    ex = polmodel.explore("venezuela-2018")
    assumption = next(iter(ex.ranges))
    _, low, high = ex.ranges[assumption]
    moves = [(LEVER_NAMES[0], lambda i: (i % 10) / 10),
             (LEVER_NAMES[1] + "_start", lambda i: i % 12),
             (assumption, lambda i: low + (high - low) * (i % 7) / 6)]
    times, parts = [], {"run": [], "draw": []}
    for i in range(repeat):
        key, value = moves[i % len(moves)]
        t = time.perf_counter()
        ex.controls[key].value = value(i)
        times.append(time.perf_counter() - t)
    for _ in range(repeat):
        t = time.perf_counter()
        ex._run()
        parts["run"].append(time.perf_counter() - t)
        t = time.perf_counter()
        ex._redraw()
        parts["draw"].append(time.perf_counter() - t)
    ms = {k: statistics.median(v) * 1e3 for k, v in parts.items()}
    print(f"explorer redraw (slider -> figure drawn, PNG shown): {statistics.median(times) * 1e3:6.1f} ms "
          f"median of {repeat}; budget 100 ms, aim 50  [model run {ms['run']:.1f} ms, "
          f"artists + Agg draw {ms['draw']:.1f} ms]")


if __name__ == "__main__":
    main()
