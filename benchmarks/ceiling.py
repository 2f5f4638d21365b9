"""The compiled ceiling and its floor, built at benchmark time; polmodel's engines against them.

- **ceiling**: the C kernel generated from ``model/equations.py`` (:mod:`polmodel.model.c_source`:
  every term, the exact step, every structure's readings tracked in the same pass), compiled
  here with the system's compiler and glibc's vector math library (libmvec), on one thread,
  timed on inputs packed beforehand: nothing around it but one ctypes call. The better of
  blocks of 8 and 16 worlds is the ceiling.
- **floor**: a kernel of only that ceiling's exps and divides per world-month (the exact
  step's 8 ``exp`` and 8 divides, and the divides of the terms), same flags, same blocks.
- **numpy** and **compiled**: ``polmodel.analysis.worlds.evaluate`` end to end on the same
  worlds (chunking, packing, outcomes in their compact dtypes), ``engine="numpy"`` and
  ``engine="compiled"``.

All four run in alternating rounds; every ratio is the median of the per-round ratios, with
their range. Nothing here is a runtime dependency of polmodel.
"""

from __future__ import annotations

import ctypes
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

FLAGS = ["-O3", "-march=native", "-fno-math-errno", "-fopenmp-simd", "-ffp-contract=off",
         "-fno-thread-jumps", "-fPIC", "-shared"]


def _compile(source: str, folder: Path, name: str) -> ctypes.CDLL:
    c_file, so_file = folder / f"{name}.c", folder / f"{name}.so"
    c_file.write_text(source)
    subprocess.run(["cc", *FLAGS, str(c_file), "-o", str(so_file), "-lmvec", "-lm"], check=True,
                   capture_output=True, text=True)
    return ctypes.CDLL(str(so_file))


def divides_per_month() -> int:
    """Divisions a world-month performs in the generated kernel: the terms' and the step's."""
    from polmodel.model.c_source import coefficient_code, rate_code
    from polmodel.model.states import STATES

    _, names = coefficient_code()
    return sum(line.count(" / ") for line in rate_code(names)) + len(STATES)


def floor_source(block: int, divides: int) -> str:
    """Only the exps and divides: 8 states, each month ``x = exp(-k x) / (x + 1)``, plus the rest."""
    extra = divides - 8
    body = [f"x{i} = exp(x{i} * -0.75) / (x{i} + 1.0);" for i in range(8)]
    body += [f"x{j % 8} = x{j % 8} / (x{(j + 1) % 8} + 1.5);" for j in range(extra)]
    # The months outside the lane loop, as in the kernel: a lane loop with a loop inside it
    # does not vectorise (GCC 12), and the floor must use the same vector exp.
    return "\n".join([
        "#include <stdint.h>",
        "#pragma omp declare simd notinbranch", "extern double exp(double);",
        f"#define W {block}",
        "double floor_run(int64_t n, const double *x0s, int horizon) {",
        "  double total = 0.0;",
        "  double xs[8][W] __attribute__((aligned(64)));",
        "  for (int64_t i0 = 0; i0 < n; i0 += W) {",
        "    for (int w = 0; w < W; w++) {",
        "      const double v = x0s[i0 + w < n ? i0 + w : n - 1];",
        *(f"      xs[{i}][w] = v * {0.1 * (i + 1)!r};" for i in range(8)),
        "    }",
        "    for (int t = 0; t < horizon; t++) {",
        "#pragma omp simd",
        "      for (int w = 0; w < W; w++) {",
        *(f"        double x{i} = xs[{i}][w];" for i in range(8)),
        *("        " + line for line in body),
        *(f"        xs[{i}][w] = x{i};" for i in range(8)),
        "      }",
        "    }",
        "    for (int w = 0; w < W; w++)",
        "      total += xs[0][w] + xs[1][w] + xs[2][w] + xs[3][w] + xs[4][w] + xs[5][w] + xs[6][w]"
        " + xs[7][w];",
        "  }",
        "  return total;",
        "}",
    ]) + "\n"


class Kernel:
    """The generated kernel for the memo's structure and ``min``, ready on packed inputs."""

    def __init__(self, lib, worlds, schedules):
        from polmodel.analysis.outcomes import PolicyOutcomes
        from polmodel.model.c_source import slot_names
        from polmodel.model.compiled import _destinations, lever_settings
        from polmodel.model.parameters import PARAMETERS
        from polmodel.model.readings import plan_for
        from polmodel.model.states import STATES
        from polmodel.model.structures import STRUCTURES

        initial, params = worlds.inputs()
        self.n = n = len(worlds)
        self.keep = [np.ascontiguousarray(np.broadcast_to(params[k], (n,)), dtype=float)
                     for k in PARAMETERS]
        self.keep += [np.ascontiguousarray(np.broadcast_to(initial[s], (n,)), dtype=float)
                      for s in STATES]
        ptrs = np.array([a.ctypes.data for a in self.keep], dtype=np.uintp)
        self.par, self.init = ptrs[:len(PARAMETERS)].copy(), ptrs[len(PARAMETERS):].copy()
        self.pstride = np.ones(len(PARAMETERS), np.int64)
        self.istride = np.ones(len(STATES), np.int64)
        self.jobs = []
        for levers in schedules:
            settings, month_set = lever_settings(levers)
            self.jobs.append((settings, month_set, len(levers)))
        plan, own = plan_for(STRUCTURES["memo"])
        # The outcomes the ensemble keeps, in its dtypes, written into arrays made once.
        self.out = [PolicyOutcomes.empty(n) for _ in schedules]
        self.dst = [_destinations(slot_names(plan, own), o.kernel_targets(0, n), n)
                    for o in self.out]
        self.fn = lib.polmodel_run
        self.fn.argtypes = [ctypes.c_int64] + [ctypes.c_void_p] * 4 + [
            ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_double,
            ctypes.c_double] + [ctypes.c_void_p] * 3

    def __call__(self):
        for (settings, month_set, horizon), (dst, stride, kind) in zip(self.jobs, self.dst):
            self.fn(self.n, self.par.ctypes.data, self.pstride.ctypes.data, self.init.ctypes.data,
                    self.istride.ctypes.data, len(settings), settings.ctypes.data, horizon,
                    month_set.ctypes.data, 1.0, 1e-12, dst.ctypes.data, stride.ctypes.data,
                    kind.ctypes.data)


def measure(n_worlds: int, n_policies: int, rounds: int, scenario: str) -> dict:
    """World-runs per second of numpy, compiled, ceiling and floor, and per-round ratios.

    Returns
    -------
    dict
        ``rates``: name -> list of world-runs/s, one per round (wall clock); ``cpu``: the same
        on process CPU time; ``block``: the ceiling's block; ``agree``: the largest difference
        between the compiled engine's and numpy's outcomes; ``compiler``: its version line.
    """
    from polmodel.analysis.worlds import evaluate, sample_worlds
    from polmodel.model.c_source import kernel_source
    from polmodel.model.readings import plan_for
    from polmodel.model.structures import STRUCTURES
    from polmodel.scenario.loading import load_scenario

    if shutil.which("cc") is None:
        raise RuntimeError("no C compiler (cc): the ceiling is built at benchmark time")
    sc = load_scenario(scenario)
    worlds = sample_worlds(sc, n_worlds, seed=0)
    schedules = [sc.schedule(p) for p in list(sc.policies)[:n_policies]]
    horizon = len(schedules[0])
    runs = n_worlds * len(schedules)
    folder = Path(tempfile.mkdtemp(prefix="polmodel-ceiling-"))
    plan, own = plan_for(STRUCTURES["memo"])
    kernels = {b: Kernel(_compile(kernel_source(plan, own, "min", block=b), folder, f"k{b}"),
                         worlds, schedules) for b in (8, 16)}
    floor_lib = _compile(floor_source(16, divides_per_month()), folder, "floor")
    floor_lib.floor_run.restype = ctypes.c_double
    floor_lib.floor_run.argtypes = [ctypes.c_int64, ctypes.c_void_p, ctypes.c_int]
    x0 = np.ascontiguousarray(worlds.values[:, 0])

    def floor():
        for _ in schedules:
            floor_lib.floor_run(n_worlds, x0.ctypes.data, horizon)

    def numpy_engine():
        return evaluate(worlds, schedules, aggregator="min", engine="numpy")

    def compiled_engine():
        return evaluate(worlds, schedules, aggregator="min", engine="compiled")

    a, b = numpy_engine(), compiled_engine()  # warm-up, and the agreement checked
    agree = max(float(np.nanmax(np.abs(np.asarray(getattr(x, f), float)
                                      - np.asarray(getattr(y, f), float))))
                for x, y in zip(a, b) for f in ("peak_index", "peak_strict", "readings"))
    best = {bl: min(_timed(k)[0] for _ in range(3)) for bl, k in kernels.items()}
    block = min(best, key=best.get)
    contenders = {"numpy": numpy_engine, "compiled": compiled_engine,
                  "ceiling": kernels[block], "floor": floor}
    rates = {k: [] for k in contenders}
    cpu = {k: [] for k in contenders}
    for r in range(rounds):
        order = list(contenders) if r % 2 == 0 else list(reversed(contenders))
        for name in order:
            wall, used = _timed(contenders[name])
            rates[name].append(runs / wall)
            cpu[name].append(runs / used)
    version = subprocess.run(["cc", "--version"], capture_output=True, text=True).stdout
    shutil.rmtree(folder, ignore_errors=True)
    return dict(rates=rates, cpu=cpu, block=block, agree=agree, runs=runs,
                compiler=version.splitlines()[0] if version else "cc")


def _timed(fn) -> tuple[float, float]:
    t, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t, max(time.process_time() - c, 1e-9)


def ratio(rates: dict, top: str, bottom: str) -> tuple[float, float, float]:
    """Median of the per-round ratios ``top / bottom`` of world-runs/s, and their range."""
    per_round = [a / b for a, b in zip(rates[top], rates[bottom])]
    return statistics.median(per_round), min(per_round), max(per_round)


def bench_compiled(row, fmt_s, quick: bool, scenario: str) -> None:
    """The rows of run.py's ``compiled`` section (``row`` adds one to the table)."""
    import os

    n, policies, rounds = (20_000, 6, 3) if quick else (100_000, 6, 7)
    try:
        m = measure(n, policies, rounds, scenario)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as err:
        row("compiled", "C ceiling", note=f"not measured: {err}")
        return
    rates, cpu = m["rates"], m["cpu"]
    size = f"{n:,} worlds x {policies} policies, 1 thread"

    def per_round(top, bottom, as_percent=True):
        med, lo, hi = ratio(rates, top, bottom)
        cmed = ratio(cpu, top, bottom)[0]
        if as_percent:
            return med, (f"{100 * med:.0f}% [{100 * lo:.0f}-{100 * hi:.0f}%] of the ceiling; on CPU "
                         f"time {100 * cmed:.0f}%")
        return med, f"{med:.2f}x [{lo:.2f}-{hi:.2f}x]; on CPU time {cmed:.2f}x"

    def rate(name):
        return f"{statistics.median(rates[name]):,.0f}/s"

    med, text = per_round("numpy", "ceiling")
    row("compiled", f"numpy ensemble (evaluate), {size}", rate("numpy"), ratio=f"{100 * med:.0f}%",
        note=text)
    med, text = per_round("compiled", "ceiling")
    row("compiled", f"compiled engine (evaluate, engine='compiled'), {size}", rate("compiled"),
        rate("ceiling"), f"{100 * med:.0f}%", ">= 85% of the ceiling", med >= 0.85,
        f"{text}; outcomes within {m['agree']:.0e} of numpy's")
    med, text = per_round("compiled", "numpy", as_percent=False)
    row("compiled", "compiled engine / numpy ensemble", rate("compiled"), rate("numpy"),
        f"{med:.1f}x", ">= 5x", med >= 5, text)
    med, text = per_round("ceiling", "floor", as_percent=False)
    row("compiled", f"C ceiling: the generated kernel alone, blocks of {m['block']} worlds, "
        f"libmvec ({m['compiler']}, -O3 -march=native, no fast-math)", rate("ceiling"),
        rate("floor"), f"{med:.2f}x", note=f"the floor (its {divides_per_month()} divides and "
        f"8 exps a world-month, nothing else) is {1 / med:.2f}x faster; per round {text}")
    row("compiled", f"{rounds} alternating rounds (order reversed every other round)",
        note="every ratio is the median of the per-round ratios, [their range]; load average "
             f"at the end {os.getloadavg()[0]:.1f}")
    _budget_rows(row, fmt_s, quick, scenario)


def _budget_rows(row, fmt_s, quick: bool, scenario: str) -> None:
    """The re-run of a 10,000-world comparison and Sobol' at N = 8192, compiled."""
    from polmodel.analysis.comparison import compare
    from polmodel.analysis.worlds import sample_worlds
    from polmodel.scenario.loading import load_scenario

    sc = load_scenario(scenario)
    worlds = sample_worlds(sc, 10_000, seed=0)
    names = list(sc.policies)[:6]
    times = {"numpy": [], "compiled": []}
    for engine in ("compiled", "numpy"):
        _ = compare(sc, names, worlds=worlds, engine=engine).per_policy  # warm-up
    for r in range(3 if quick else 7):
        for engine in (("numpy", "compiled") if r % 2 else ("compiled", "numpy")):
            t = time.perf_counter()
            _ = compare(sc, names, worlds=worlds, engine=engine).per_policy
            times[engine].append(time.perf_counter() - t)
    t_c, t_n = statistics.median(times["compiled"]), statistics.median(times["numpy"])
    row("compiled", f"compare re-run on 10,000 sampled worlds x {len(names)} policies, compiled",
        fmt_s(t_c), f"numpy {fmt_s(t_n)}", f"{t_n / t_c:.1f}x", "< 100 ms", t_c < 0.1,
        "the worlds sampled once; outcomes and the per-policy table, as a slider re-run needs")
    from polmodel.analysis.sensitivity_analysis import sensitivity

    n = 1024 if quick else 8192
    t = time.perf_counter()
    sensitivity(sc, methods=("sobol",), aggregators=("min",), n=n, n_resamples=0,
                engine="compiled")
    took = time.perf_counter() - t
    row("compiled", f"Sobol' over every assumption (sensitivity), N = {n}, compiled, no bootstrap",
        fmt_s(took), budget="< 3 s", ok=took < 3 if n == 8192 else None,
        note="one run (the inert-assumption screen and the design included)")
