"""Peak memory of ``compare`` and ``sweep`` by number of worlds, against the design's budgets.

Each measurement runs in a fresh Python process, so one size's allocations never count toward
another's; its peak resident set size is read from the kernel when it ends (``os.wait4``: that
process alone). Budgets (DESIGN section 8, issue 18): under 1 GiB at 10^6 worlds x 6 policies,
under 1.5 GiB at 10^7.

    python benchmarks/memory.py                       # compare at 10^5 and 10^6 worlds
    python benchmarks/memory.py --worlds 10000000     # one size (about 10 minutes on 2 cores)
    python benchmarks/memory.py --command sweep --worlds 1000000

Standalone: it needs polmodel importable and nothing else.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

BUDGETS = {10**6: 2**30, 10**7: 1.5 * 2**30}
"""Peak RSS allowed at a number of worlds (6 policies), in bytes."""

CHILD = """
import sys, time
import polmodel
command, worlds, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
executor = None
if workers > 1:
    from concurrent.futures import ProcessPoolExecutor
    executor = ProcessPoolExecutor(workers)
start = time.perf_counter()
if command == "compare":
    r = polmodel.compare("venezuela-2018", worlds=worlds, seed=0, executor=executor)
    r.summary(); r.to_csv()
else:
    r = polmodel.sweep("venezuela-2018", "rally", policy="targeted", versus="broad", points=11,
                       worlds=worlds, seed=0, executor=executor)
    r.summary()
print(f"{time.perf_counter() - start:.1f}", type(r).__name__)
"""


def measure(command: str, worlds: int, workers: int) -> tuple[int, float, str]:
    """Peak RSS (bytes) of one run in a fresh process, its compute seconds, its result type."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, command, str(worlds), str(workers)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    out, err = child.stdout.read(), child.stderr.read()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{command} at {worlds:,} worlds failed:\n{err}")
    seconds, kind = out.split()[-2:]
    return usage.ru_maxrss * 1024, float(seconds), kind  # ru_maxrss is in KiB on Linux


def main(argv: list[str] | None = None) -> int:
    """Measure each size and print the table; exit status 1 if a budget is exceeded."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--command", choices=["compare", "sweep"], default="compare")
    parser.add_argument("--worlds", type=int, action="append",
                        help="Number of worlds (repeatable) [default: 10^5 and 10^6].")
    parser.add_argument("--workers", type=int, default=1,
                        help="Worker processes (the peak is this process's, not theirs).")
    args = parser.parse_args(argv)
    sizes = args.worlds or [10**5, 10**6]
    what = "6 policies" if args.command == "compare" else "targeted vs broad, 11 points of rally"
    print(f"polmodel {args.command}, venezuela-2018 ({what}), workers {args.workers}, "
          f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs")
    print(f"{'worlds':>12}  {'path':<18}  {'peak RSS':>10}  {'budget':>10}  {'seconds':>8}  ok")
    failed = False
    for n in sizes:
        peak, seconds, kind = measure(args.command, n, args.workers)
        budget = BUDGETS.get(n)
        ok = budget is None or peak < budget
        failed |= not ok
        print(f"{n:>12,}  {kind:<18}  {peak / 2**20:>6,.0f} MiB  "
              f"{'-' if budget is None else f'{budget / 2**20:,.0f} MiB':>10}  {seconds:>8.1f}  "
              f"{'yes' if ok else 'NO'}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
