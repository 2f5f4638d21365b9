"""The performance budgets of DESIGN section 8, measured side by side: one table from one run.

    python -m pip install -e ".[bench]"        # ema-workbench, SALib, pyinstrument
    python benchmarks/run.py                   # everything (several minutes on 2 cores);
                                               # writes the table into benchmarks/README.md
    python benchmarks/run.py --quick           # smaller sizes, prints only
    python benchmarks/run.py --only latency    # one section (latency, workbench, compiled, room,
                                               # sensitivity, scaling, limits); prints only
    python benchmarks/run.py --only workbench --quick --profile   # where the time goes

Every figure is a median of repeated runs on this machine (wall clock, seconds unless said);
every ratio between two contenders is the median of per-round ratios from alternating rounds
(each round runs both, the order reversed every other round), with the range of those ratios.
Peers are given the same work (SALib and polmodel the same number of bootstrap resamples). Sections whose reference tool is not installed, or
whose polmodel feature does not exist yet, say so in the table instead of a number. Nothing
here tunes the model: every comparison first checks that both sides give the same outcomes
(within 1e-12 where the two use different exp implementations).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
SCENARIO = "venezuela-2018"
POLICIES = 5
ROWS: list[dict] = []


def row(section, measure, polmodel="", reference="", ratio="", budget="", ok=None, note=""):
    """Add a row to the one table (and print it as it comes)."""
    r = dict(section=section, measure=measure, polmodel=polmodel, reference=reference,
             ratio=ratio, budget=budget, ok="" if ok is None else ("yes" if ok else "NO"), note=note)
    ROWS.append(r)
    print(" | ".join(str(v) for v in r.values()), flush=True)


def median_time(fn, repeat: int, clock=time.perf_counter) -> float:
    times = []
    for _ in range(repeat):
        t = clock()
        fn()
        times.append(clock() - t)
    return statistics.median(times)


def alternating(ours, reference, repeat: int) -> tuple[list[float], list[float]]:
    """Seconds of ``ours()`` and ``reference()`` in alternating rounds, the order reversed
    every other round (per-round ratios then cancel the machine's drift)."""
    times: tuple[list[float], list[float]] = ([], [])
    for r in range(repeat):
        pair = ((times[0], ours), (times[1], reference))
        for kept, fn in (pair if r % 2 == 0 else pair[::-1]):
            t = time.perf_counter()
            fn()
            kept.append(time.perf_counter() - t)
    return times


def fmt_s(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def polmodel_exe() -> str:
    exe = Path(sys.executable).with_name("polmodel")
    return str(exe) if exe.exists() else "polmodel"


def command_time(cmd: list[str], repeat: int) -> tuple[float, float, float]:
    """Median and least wall time and mean CPU time (user + system) of a command.

    By hyperfine when installed (it also warms up). CPU time is what the command itself costs;
    on a machine shared with other work it is the better guide to an idle machine's wall time.
    """
    if shutil.which("hyperfine"):
        out = HERE / ".hyperfine.json"
        subprocess.run(["hyperfine", "-N", "--warmup", "2", "--runs", str(repeat), "--export-json",
                        str(out), "--style", "none", subprocess.list2cmdline(cmd)],
                       check=True, capture_output=True)
        result = json.loads(out.read_text())["results"][0]
        out.unlink()
        return float(result["median"]), float(result["min"]), float(result["user"] + result["system"])
    import resource

    subprocess.run(cmd, capture_output=True, check=True)
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), min(walls), statistics.mean(cpus)


# -- latency users feel --------------------------------------------------------------------------

def bench_latency(quick: bool) -> None:
    r = 5 if quick else 15
    exe = polmodel_exe()
    help_text = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True).stdout
    commands = [
        ("import polmodel", [sys.executable, "-c", "import polmodel"], None),
        ("polmodel --help", [exe, "--help"], 0.2),
        ("polmodel (default run)", [exe], None),
        ("polmodel compare (defaults)", [exe, "compare"], 0.6),
    ]
    if "  report" in help_text:
        import tempfile

        handout = Path(tempfile.mkdtemp(prefix="polmodel-bench-")) / "handout.html"
        report_help = subprocess.run([exe, "report", "--help"], capture_output=True, text=True).stdout
        force = ["--force"] if "--force" in report_help else []  # each run replaces the last
        commands.append(("polmodel report (defaults)",
                         [exe, "report", "--out", str(handout), *force], 3.0))
        if "--brief" in report_help:
            commands.append(("polmodel report --brief",
                             [exe, "report", "--brief", "--out", str(handout), *force], 3.0))
    for name, cmd, budget in commands:
        try:
            t, least, cpu = command_time(cmd, r if "report" not in name else 5)
        except subprocess.CalledProcessError as err:
            row("latency", name, note=f"failed: exit {err.returncode}")
            continue
        row("latency", name, fmt_s(t), budget=f"< {budget} s" if budget else "",
            ok=None if budget is None else cpu < budget,
            note=f"least {fmt_s(least)}; CPU {fmt_s(cpu)}" + (" (budget judged on CPU time)"
                                                               if budget else ""))
    if "  report" not in help_text:
        row("latency", "polmodel report", note="no report command yet")

    from polmodel.analysis.runs import run
    from polmodel.model.integrator import simulate
    from polmodel.scenario.loading import load_scenario

    sc = load_scenario(SCENARIO)
    init, params = sc.central_initial(), sc.central_parameters()
    levers = sc.schedule(sc.baseline)
    n = 50 if quick else 300

    def in_process(fn):
        """Median wall and CPU time of one call (CPU: what the call costs on a shared machine)."""
        wall = statistics.median(median_time(fn, 1) for _ in range(n))
        cpu = median_time(lambda: [fn() for _ in range(20)], n // 20 or 1,
                          clock=time.process_time) / 20
        return wall, cpu

    wall, cpu = in_process(lambda: simulate(init, params, levers))
    row("latency", f"one central run (simulate, {levers.shape[0]} months)", fmt_s(wall),
        budget="< 0.3 ms", ok=cpu < 3e-4, note=f"CPU {fmt_s(cpu)} (budget judged on CPU time)")
    wall, cpu = in_process(lambda: run(sc))
    row("latency", "polmodel.run() at central values", fmt_s(wall), budget="< 0.3 ms",
        ok=cpu < 3e-4, note=f"CPU {fmt_s(cpu)}; the decomposition by mechanism is computed "
                            "when read")
    wall, cpu = in_process(lambda: dict(run(sc).decomposition))
    row("latency", "polmodel.run() and its decomposition by mechanism", fmt_s(wall),
        note=f"CPU {fmt_s(cpu)}")
    bench_explorer(quick)


def bench_explorer(quick: bool) -> None:
    """A slider moved: new value -> model run -> artists moved -> Agg draw -> the PNG shown."""
    try:
        import ipywidgets  # noqa: F401

        import polmodel
        from polmodel.model.levers import LEVER_NAMES
    except ImportError:
        row("latency", "explorer redraw", note="ipywidgets not installed (the explore extra)")
        return
    os.environ.setdefault("MPLBACKEND", "Agg")
    ex = polmodel.explore(SCENARIO)
    assumption = next(iter(ex.ranges))
    _, low, high = ex.ranges[assumption]
    # Alternate two levers and an assumption, so that every redraw changes the run.
    moves = [(LEVER_NAMES[0], lambda i: (i % 10) / 10),
             (LEVER_NAMES[1] + "_start", lambda i: i % 12),
             (assumption, lambda i: low + (high - low) * (i % 7) / 6)]
    times = []
    for i in range(20 if quick else 50):
        key, value = moves[i % len(moves)]
        t = time.perf_counter()
        ex.controls[key].value = value(i)
        times.append(time.perf_counter() - t)
    t = statistics.median(times)
    row("latency", "explorer redraw (slider -> figure drawn, PNG shown)", fmt_s(t),
        budget="< 100 ms (aim 50)", ok=t < 0.1)


# -- against the exploratory-modeling workbench --------------------------------------------------

def one_world_outcomes(initial, params, levers, aggregator):
    """polmodel's fastest one-world path: simulate() on plain floats, outcomes only."""
    from polmodel.analysis.worlds import policy_outcomes
    from polmodel.model.integrator import simulate

    o = policy_outcomes(simulate(initial, params, levers, aggregator=aggregator, record=False)[1])
    return {f: getattr(o, f)[0] for f in ("peak_index", "months_open", "first_window",
                                          "bottleneck", "exodus")}


def bench_workbench(quick: bool) -> float | None:
    """The ensemble and the workbench timed in alternating rounds, so both see the same load."""
    from polmodel.analysis.worlds import evaluate, sample_worlds
    from polmodel.scenario.loading import load_scenario

    sc = load_scenario(SCENARIO)
    levers = sc.schedule(sc.baseline)
    big = sample_worlds(sc, 20_000 if quick else 100_000, seed=0)
    rounds = 3 if quick else 7

    def run_ensemble():
        return evaluate(big, [levers], aggregator=sc.aggregator)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import ema_workbench as ema
    except ImportError:
        t_vec = median_time(run_ensemble, rounds)
        row("workbench", f"polmodel ensemble, {len(big):,} worlds x 1 policy", fmt_s(t_vec),
            note=f"{len(big) / t_vec:,.0f} world-runs/s")
        row("workbench", "ema-workbench", note="not installed (pip install -e '.[bench]')")
        return len(big) / t_vec

    n = 200 if quick else 1000
    worlds = sample_worlds(sc, n, seed=1)
    key = {name: name.replace(".", "__") for name in worlds.names}
    fixed = {k.replace(".", "__"): v for k, v in worlds.fixed.items()}

    def polmodel_world(**kw):
        initial, params = {}, {}
        for k, v in kw.items():
            if k.startswith("initial__"):
                initial[k[len("initial__"):]] = v
            else:
                params[k] = v
        return one_world_outcomes(initial, params, levers, sc.aggregator)

    model = ema.Model("polmodel", function=polmodel_world)
    model.uncertainties = [ema.RealParameter(key[k], lo, hi) for k, lo, hi in
                           zip(worlds.names, worlds.values.min(axis=0), worlds.values.max(axis=0))]
    model.constants = [ema.Constant(k, v) for k, v in fixed.items()]
    model.outcomes = [ema.ScalarOutcome(f) for f in ("peak_index", "months_open", "first_window",
                                                     "bottleneck", "exodus")]
    scenarios = [ema.Scenario(f"w{i}", **{key[k]: float(v) for k, v in zip(worlds.names, row_)})
                 for i, row_ in enumerate(worlds.values)]

    def run_workbench():
        with warnings.catch_warnings(), open(os.devnull, "w") as devnull:
            warnings.simplefilter("ignore")
            stderr, sys.stderr = sys.stderr, devnull  # its progress bar
            try:
                with ema.SequentialEvaluator(model) as evaluator:
                    return evaluator.perform_experiments(scenarios=scenarios)
            finally:
                sys.stderr = stderr

    result = run_workbench()  # warm-up (not timed)
    run_ensemble()
    t_vecs, t_wbs = [], []
    for _ in range(rounds):
        for times, fn in ((t_vecs, run_ensemble), (t_wbs, run_workbench)):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    t_vec, t_wb = statistics.median(t_vecs), statistics.median(t_wbs)
    rate_vec, rate_wb = len(big) / t_vec, n / t_wb
    # The ratio is the median of the rounds' own ratios (each round's two runs saw the same
    # load), not a ratio of the two medians.
    per_round = sorted((len(big) / v) / (n / w) for v, w in zip(t_vecs, t_wbs))
    ratio = statistics.median(per_round)
    row("workbench", f"polmodel ensemble, {len(big):,} worlds x 1 policy", fmt_s(t_vec),
        note=f"{rate_vec:,.0f} world-runs/s")
    (ours,) = evaluate(worlds, [levers], aggregator=sc.aggregator)
    experiments, outcomes = result
    order = np.array([int(s[1:]) for s in experiments["scenario"].astype(str)])
    # Two exp implementations (math.exp one world at a time, numpy's on arrays): within 1e-12.
    same = all(np.allclose(np.asarray(outcomes[f], dtype=float)[np.argsort(order)],
                           np.asarray(getattr(ours, f), dtype=float), rtol=0, atol=1e-12,
                           equal_nan=True)
               for f in ("peak_index", "months_open", "first_window", "bottleneck", "exodus"))
    row("workbench", f"ema-workbench {ema.__version__}, SequentialEvaluator, function model on "
        f"polmodel's one-world path, {n:,} of the worlds", fmt_s(t_wb),
        note=f"{rate_wb:,.0f} world-runs/s; outcomes within 1e-12: {'yes' if same else 'NO'}")
    row("workbench", "ensemble / workbench (world-runs per second)", f"{rate_vec:,.0f}/s",
        f"{rate_wb:,.0f}/s", f"{ratio:,.0f}x", ">= 100x", ratio >= 100 and same,
        f"median of {rounds} alternating rounds' ratios [{per_round[0]:,.0f}-"
        f"{per_round[-1]:,.0f}x]")
    initial, params = ({k: float(np.ravel(v)[0]) for k, v in d.items()}
                       for d in worlds.inputs(slice(0, 1)))
    t_one = median_time(lambda: one_world_outcomes(initial, params, levers, sc.aggregator), 200)
    row("workbench", "one world through polmodel's one-world path (no workbench)", fmt_s(t_one),
        note="what the workbench adds is the rest of its time per world")
    return rate_vec


# -- sensitivity against SALib -------------------------------------------------------------------

def bench_sensitivity(quick: bool) -> None:
    try:
        from polmodel.analysis import sensitivity_analysis as sa
    except ImportError:
        row("sensitivity", "Sobol', Morris vs SALib", note="no polmodel.analysis.sensitivity_analysis yet")
        return
    try:
        import SALib  # noqa: F401
    except ImportError:
        row("sensitivity", "SALib", note="not installed (pip install -e '.[bench]')")
        return
    try:
        _sensitivity_rows(sa, quick)
    except Exception as err:  # another helper's module, still moving: say what broke
        row("sensitivity", "Sobol', Morris vs SALib", note=f"not measured: {type(err).__name__}: {err}")


def _sensitivity_rows(sa, quick: bool) -> None:
    """The budgets of the analyses, and SALib driving the same answers through the ensemble."""
    from importlib.metadata import version

    import scipy.stats  # noqa: F401 - both sides use it: imported before anything is timed
    from SALib.analyze import morris as salib_morris
    from SALib.analyze import sobol as salib_sobol
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    from polmodel.analysis.one_at_a_time import design_worlds
    from polmodel.analysis.questions import ask, contrast_questions
    from polmodel.analysis.sweeps import sweep
    from polmodel.analysis.worlds import uncertain_dimensions
    from polmodel.scenario.loading import load_scenario

    sc = load_scenario(SCENARIO)
    question = contrast_questions(sc)[0]
    dims = uncertain_dimensions(sc)
    names = [k for k, (_, lo, hi) in dims.items() if hi > lo]
    bounds = [(dims[k][1], dims[k][2]) for k in names]
    problem = {"num_vars": len(names), "names": names, "bounds": [list(b) for b in bounds]}
    repeat = 1 if quick else 3

    def answer(x):  # x: (n_rows, n_names); the question's answer in each row's world
        return np.asarray(ask(question, sc, design_worlds(sc, names, x), aggregator="min"), float)

    n = 512 if quick else 4096
    resamples = 100  # SALib's default; both sides get the same bootstrap
    ours = None

    def polmodel_sobol(resamples):
        nonlocal ours
        ours = sa.sobol(lambda x: answer(np.asarray(x).T), bounds, names, n=n,
                        n_resamples=resamples, seed=0)

    def salib_sobol_run():
        x = sobol_sample.sample(problem, n, calc_second_order=False, seed=0)
        return salib_sobol.analyze(problem, answer(x), calc_second_order=False,
                                   num_resamples=resamples, seed=0)

    ref = None

    def keep_ref():
        nonlocal ref
        ref = salib_sobol_run()

    t_oursl, t_refs = alternating(lambda: polmodel_sobol(resamples), keep_ref, repeat)
    t_ours = statistics.median(t_oursl)
    per_round = sorted(b / a for a, b in zip(t_oursl, t_refs))
    total_ref = np.asarray(ref["ST"])
    diff = float(np.max(np.abs(total_ref - ours.total)))
    top = len(set(np.argsort(-ours.total)[:5]) & set(np.argsort(-total_ref)[:5]))
    ranks = [np.argsort(np.argsort(v)) for v in (ours.total, total_ref)]
    rho = float(np.corrcoef(*ranks)[0, 1])
    row("sensitivity", f"Sobol' first and total, N = {n}, {len(names)} assumptions, "
        f"{len(question.policies)} policies a world, {resamples} bootstrap resamples each",
        fmt_s(t_ours), f"SALib {version('SALib')} {fmt_s(statistics.median(t_refs))}",
        f"{statistics.median(per_round):.1f}x", "< 3 s", t_ours < 3 if n == 4096 else None,
        f"median of {repeat} alternating rounds' ratios [{per_round[0]:.1f}-{per_round[-1]:.1f}x]; "
        f"max |S_T difference| {diff:.3f}; rank correlation of S_T {rho:.2f}; top 5 shared: "
        f"{top} of 5")
    t_boot = median_time(lambda: polmodel_sobol(199), 1)
    row("sensitivity", f"Sobol' N = {n} with 199 bootstrap resamples ({ours.interval})",
        fmt_s(t_boot), budget="< 10 s", ok=t_boot < 10 if n == 4096 else None)

    mine = None

    def polmodel_morris():
        nonlocal mine
        mine = sa.morris(lambda x: answer(np.asarray(x).T), bounds, names, trajectories=20, seed=0)

    def salib_morris_run():
        x = morris_sample.sample(problem, 20, num_levels=4, seed=0)
        return salib_morris.analyze(problem, x, answer(x), num_levels=4, seed=0)

    polmodel_morris()  # warm-up of both, not timed
    salib_morris_run()
    t_oursl, t_refs = alternating(polmodel_morris, salib_morris_run, repeat)
    t_ours = statistics.median(t_oursl)
    per_round = sorted(b / a for a, b in zip(t_oursl, t_refs))
    ref = salib_morris_run()
    overlap = len(set(np.argsort(-mine.mu_star)[:5]) & set(np.argsort(-np.asarray(ref["mu_star"]))[:5]))
    row("sensitivity", "Morris, 20 trajectories", fmt_s(t_ours),
        f"SALib {fmt_s(statistics.median(t_refs))}", f"{statistics.median(per_round):.1f}x",
        "< 1 s", t_ours < 1, f"median of {repeat} alternating rounds' ratios [{per_round[0]:.1f}-"
        f"{per_round[-1]:.1f}x]; top 5 by mu* shared: {overlap} of 5 (other trajectories: a "
        "sampling difference)")
    p = [k for k in names if not k.startswith("initial.")][:2]
    points, worlds = (5, 200) if quick else (20, 1000)
    t = median_time(lambda: sweep(sc, p[0], p[1], policy=sc.baseline, points=points,
                                  worlds=worlds), repeat)
    row("sensitivity", f"sweep {points} x {points} x {worlds:,} worlds ({p[0]} x {p[1]})",
        fmt_s(t), budget="< 10 s", ok=t < 10 if not quick else None)


# -- scaling, memory and workers -----------------------------------------------------------------

SCALING_SCRIPT = """
import resource, sys, time
from concurrent.futures import ProcessPoolExecutor
from polmodel.analysis.comparison import compare
from polmodel.scenario.loading import load_scenario
n, workers, k = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
sc = load_scenario(sys.argv[4])
t = time.perf_counter()
ex = ProcessPoolExecutor(workers) if workers > 1 else None
try:
    c = compare(sc, list(sc.policies)[:k], worlds=n, seed=0, executor=ex)
    c.per_policy
finally:
    if ex is not None:
        ex.shutdown()
elapsed = time.perf_counter() - t
# VmHWM: this process's peak since exec (ru_maxrss would include the benchmark's own peak,
# inherited through fork). Workers are forked, so theirs counts pages shared with this one.
with open("/proc/self/status") as f:
    own = next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(elapsed, own, kids)
"""


def bench_scaling(quick: bool) -> None:
    sizes = [10**3, 10**4, 10**5] if quick else [10**3, 10**4, 10**5, 10**6]
    for n in sizes:
        results = {}
        for workers in (1, 2):
            runs = []
            for _ in range(1 if n >= 10**5 else 3):
                out = subprocess.run([sys.executable, "-c", SCALING_SCRIPT, str(n), str(workers),
                                      str(POLICIES), SCENARIO],
                                     capture_output=True, text=True, check=True)
                runs.append([float(v) for v in out.stdout.split()])
            elapsed = statistics.median(r[0] for r in runs)
            own = max(r[1] for r in runs)
            kids = max(r[2] for r in runs)
            results[workers] = elapsed
            budget = n == 10**6 and workers == 1
            row("scaling", f"compare, {n:,} worlds x {POLICIES} policies, {workers} worker"
                f"{'s' if workers > 1 else ''} (fresh process)", fmt_s(elapsed),
                budget="< 1 GiB peak" if budget else "", ok=(own < 1024) if budget else None,
                note=f"peak RSS {own:,.0f} MiB" + (f"; largest worker {kids:,.0f} MiB (forked: "
                                                    "counts pages it shares)" if workers > 1 else "")
                     + f"; {n * POLICIES / elapsed:,.0f} world-runs/s")
        row("scaling", f"2 workers / 1 worker at {n:,} worlds", ratio=f"{results[1] / results[2]:.2f}x",
            note="speed-up end to end (> 1 helps)")


# -- the table -----------------------------------------------------------------------------------

def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    if shutil.which("lscpu"):  # what `lscpu | head` says of the CPU, in one line
        info = dict(line.split(":", 1) for line in subprocess.run(
            ["lscpu"], capture_output=True, text=True).stdout.splitlines() if ":" in line)
        flags = info.get("Flags", "")
        cpu = (f"{info.get('Model name', cpu).strip()} (family {info.get('CPU family', '?').strip()}"
               f", model {info.get('Model', '?').strip()}, "
               f"{'AVX-512' if 'avx512f' in flags else 'AVX2' if 'avx2' in flags else 'no AVX2'}"
               f"{', ' + info['Hypervisor vendor'].strip() + ' guest' if 'Hypervisor vendor' in info else ''})")
    import polmodel

    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy "
            f"{np.__version__}, polmodel {polmodel.__version__}; load average at the start "
            f"{load:.1f}")


def markdown(rows: list[dict], started: str, where: str, took: float) -> str:
    head = ["section", "measure", "polmodel", "reference", "ratio", "budget", "ok", "note"]
    lines = [f"Run {started} on {where}; took {took:.0f} s.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        lines.append("| " + " | ".join(str(r[h]).replace("|", "/") for h in head) + " |")
    return "\n".join(lines)


def bench_limits(quick: bool) -> None:
    """A comparison at the policy limit: the pairwise statistics grow with its square."""
    from dataclasses import replace

    from polmodel.analysis.comparison import compare
    from polmodel.limits import MAX_POLICIES
    from polmodel.model.levers import LEVER_NAMES, LeverSetting, Policy
    from polmodel.scenario.loading import load_scenario

    worlds, repeat = (1000, 3) if quick else (10_000, 3)
    sc = load_scenario(SCENARIO)
    rng = np.random.default_rng(0)
    policies = {f"p{i}": Policy(f"p{i}", {lv: LeverSetting(float(rng.uniform()))
                                          for lv in rng.choice(LEVER_NAMES, 3, replace=False)})
                for i in range(MAX_POLICIES)}
    sc = replace(sc, policies=policies, baseline="p0")
    compared = []
    t_compare = median_time(lambda: compared.append(compare(sc, worlds=worlds, seed=0)), repeat)

    def statistics_and_views():
        c = replace(compared[-1])  # the same outcomes, no cached statistics
        c.summary()
        c.to_dict()

    t_stats = median_time(statistics_and_views, repeat)
    row("limits", f"compare at the policy limit: {MAX_POLICIES} policies x {worlds:,} worlds",
        fmt_s(t_compare), note=f"every pairwise statistic, summary and to_dict: {fmt_s(t_stats)}")


def bench_compiled(quick: bool) -> None:
    """The compiled engine and numpy against a C ceiling and floor built here (ceiling.py)."""
    sys.path.insert(0, str(HERE))
    import ceiling

    ceiling.bench_compiled(row, fmt_s, quick, SCENARIO)


def bench_room(quick: bool) -> None:
    """The live room (room.py): slider to picture, first load, 30 participants at once."""
    sys.path.insert(0, str(HERE))
    import room

    for r in room.measure(quick, say=lambda text: None):
        if r["median"] is None:
            row("room", r["figure"], note=f"skipped: {r['note']}")
            continue
        budget = "" if r["budget"] is None else f"< {room.ms(r['budget'])}"
        row("room", r["figure"], f"{room.ms(r['median'])} [{room.ms(r['min'])}-{room.ms(r['max'])}]",
            budget=budget, ok=r["met"], note=r.get("note", ""))


SECTIONS = {"latency": bench_latency, "workbench": bench_workbench, "compiled": bench_compiled,
            "sensitivity": bench_sensitivity, "scaling": bench_scaling, "limits": bench_limits,
            "room": bench_room}
BEGIN, END = "<!-- benchmark table: begin -->", "<!-- benchmark table: end -->"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes; prints only")
    ap.add_argument("--only", choices=list(SECTIONS), action="append",
                    help="run only this section (repeatable); prints only")
    ap.add_argument("--profile", action="store_true",
                    help="profile the sections run with pyinstrument and print where time goes")
    args = ap.parse_args()
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    started = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    where = machine()
    print(f"{started}; {where}")
    t0 = time.perf_counter()
    for name in args.only or SECTIONS:
        SECTIONS[name](args.quick)
    table = markdown(ROWS, started, where, time.perf_counter() - t0)
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    if args.quick or args.only or args.profile:
        return
    text = README.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN) + len(BEGIN)] + "\n" + table + "\n" + text[text.index(END):]
    else:
        text += f"\n{BEGIN}\n{table}\n{END}\n"
    README.write_text(text, encoding="utf-8")
    print(f"wrote the table into {README}")


if __name__ == "__main__":
    main()
