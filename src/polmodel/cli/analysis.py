"""The analysis commands: sensitivity, discover, sweep, show (thin shells over the library).

With no question given, ``sensitivity`` and ``discover`` answer the scenario's own: its
``contrast`` (else each policy against the baseline), then "does a window open" under the
policy with a window in the most plausible worlds.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack, contextmanager

import click

from polmodel.cli.app import main
from polmodel.cli.common import _library_errors, echo_result, json_text
from polmodel.cli.options import (
    _apply_sets,
    _check_format,
    _engine_option,
    _horizon_option,
    _load,
    _output_options,
    _scenario_argument,
    _scheduler_option,
    _set_option,
    _structure_option,
)
from polmodel.cli.workers import LazyProgress, make_executor, shutdown
from polmodel.cli.writing import commit_out, csv_sidecar, figure_png, prepare_out
from polmodel.limits import MAX_WORKERS

OUTCOME_NAMES = ["peak_index", "window", "months_open", "crisis_months", "exodus"]
RESAMPLES = 40  # discover's reruns: polmodel.analysis.recurrence.RESAMPLES (not imported: start-up)


POLICY_HELP = ("The question: twice (--policy A --policy B) for A against B; once for that policy "
               "against the baseline, or its own window with --outcome window. The scenario's own "
               "questions by default.")
OUTCOME_HELP = "What to ask about [default: peak_index for contrasts, window alone]."


def _common_with(policy_help: str = POLICY_HELP, outcome_help: str = OUTCOME_HELP):
    """--policy, --outcome, --seed, --horizon, --workers, --scheduler, --set and the outputs."""
    def decorate(func):
        for option in reversed([
            click.option("--policy", "policies", multiple=True, metavar="NAME", help=policy_help),
            click.option("--outcome", type=click.Choice(OUTCOME_NAMES), default=None,
                         help=outcome_help),
            click.option("--seed", type=int, default=0, show_default=True,
                         help="Seed: same seed, same numbers."),
            _horizon_option,
            click.option("--workers", type=click.IntRange(1, MAX_WORKERS), default=1,
                         show_default=True,
                         help="Processes to run worlds in; results do not depend on it."),
            _scheduler_option,
            _set_option,
            _output_options,
        ]):
            func = option(func)
        return func
    return decorate


_common = _common_with()


@contextmanager
def _executor(workers: int, scheduler: str | None = None):
    # The number of chunks is not known here: at most --workers processes (bounded by the
    # option), which leave Ctrl-C to this process; an interrupt stops them and their queue.
    from polmodel.analysis.worlds import DEFAULT_CHUNK

    ex = make_executor(workers, workers * DEFAULT_CHUNK, DEFAULT_CHUNK, scheduler)
    try:
        yield ex
    except BaseException:
        shutdown(ex, interrupted=True)
        raise
    shutdown(ex)


def _questions(sc, policies, outcome, seed, executor, *, both_ways=False):
    """The questions asked: from --policy, else the scenario's default questions."""
    from polmodel.analysis.questions import Question, default_questions, margin
    from polmodel.errors import PolmodelError

    if len(policies) > 2:
        raise PolmodelError(f"--policy given {len(policies)} times; allowed: once or twice")
    if policies:
        for p in policies:
            sc.policy(p)
        if len(policies) == 2:
            out = outcome or "peak_index"
            return [Question(policies[0], policies[1], out, margin(sc, out))]
        if outcome == "window" or policies[0] == sc.baseline:
            return [Question(policies[0], outcome=outcome or "window")]
        out = outcome or "peak_index"
        return [Question(policies[0], sc.baseline, out, margin(sc, out))]
    from polmodel.analysis.worlds import sample_worlds

    qs = default_questions(sc, sample_worlds(sc, 1000, seed=seed), executor=executor)
    if outcome is not None:
        qs = [Question(q.policy, q.versus, outcome, margin(sc, outcome) if q.versus else q.margin)
              if q.versus else q for q in qs]
    if both_ways:
        qs = [x for q in qs for x in ([q, Question(q.versus, q.policy, q.outcome, q.margin)]
                                       if q.versus else [q])]
    return qs


def _stem(q) -> tuple[str, ...]:
    """The parts of a question's file names; names go through a slug (polmodel.names)."""
    return (q.policy, "vs", q.versus, q.outcome) if q.versus else (q.policy, q.outcome)


def _planned(out, label: str, names: list[str], force: bool, stack: ExitStack):
    """The --out set, checked and locked before computing (None without --out)."""
    outset = prepare_out(out, label, names, force)
    return None if outset is None else stack.enter_context(outset)


@main.command("sensitivity")
@_scenario_argument
@_common
@click.option("--worlds", type=click.IntRange(16, 2**20), default=1024, show_default=True,
              help="Sobol' base sample N (a power of 2); the model runs N x (assumptions + 2) "
                   "times per policy and aggregator. Small N gives noisy indices: a warning "
                   "says so when their intervals are too wide to rank the assumptions.")
@click.option("--method", "methods", multiple=True, type=click.Choice(["sobol", "morris", "tornado"]),
              help="Methods (repeatable) [default: all three].")
@click.option("--resamples", type=click.IntRange(0, 100_000), default=199, show_default=True,
              help="Bootstrap resamples for the Sobol' intervals (0: none).")
@click.option("--trajectories", type=click.IntRange(2, 10_000), default=20, show_default=True,
              help="Morris trajectories.")
@click.option("--groups", is_flag=True, help="Morris by groups of assumptions (the state each "
                                             "mechanism moves).")
@click.option("--aggregator", "aggregators", multiple=True,
              type=click.Choice(["min", "product", "geometric"]),
              help="Fuzzy ANDs to compute the indices under (repeatable) [default: min and product].")
@_structure_option
@_engine_option
@_library_errors
def sensitivity_command(scenario, policies, outcome, seed, horizon, workers, sets, as_json, as_csv,
                        out, worlds, methods, resamples, trajectories, groups, aggregators,
                        force=False, structure=None, scheduler=None, engine="numpy"):
    """Which assumptions decide an answer: Sobol' indices, Morris screening, a tornado.

    Names the deciding assumptions in a sentence first, with bootstrap intervals, then the
    tables. With no --policy, answers the scenario's question (its contrast, else each policy
    against the baseline) and whether a window opens under the policy with the most windows.
    The structure (which theory of openings holds) is one of the assumptions unless
    --structure fixes it.
    """
    from polmodel.analysis.sensitivity_analysis import METHODS, n_steps, sensitivity
    from polmodel.names import file_name
    from polmodel.views.sensitivity_text import to_csv

    _check_format(as_json, as_csv)
    if worlds < 2 or worlds & (worlds - 1):
        m = max(int(worlds).bit_length() - 1, 1)
        raise click.BadParameter(f"{worlds}: Sobol' points need a power of 2; try {2 ** m} or "
                                 f"{2 ** (m + 1)}", param_hint="'--worlds'")
    sc = _load(scenario, horizon, policies)
    sc, settings = _apply_sets(sc, sets)
    methods = methods or METHODS
    aggregators = aggregators or ("min", "product")
    results = []
    kinds = [k for k in ("sobol", "tornado", "morris") if k in methods]
    with ExitStack() as stack:
        executor = stack.enter_context(_executor(workers, scheduler))
        questions = _questions(sc, policies, outcome, seed, executor)
        figures = {(q, k): file_name(sc.name, "sensitivity", *_stem(q), f"{k}.png")
                   for q in questions for k in kinds}
        data_files = [file_name(sc.name, n) for n in ("sensitivity.json", "sensitivity.csv",
                                                       "sensitivity.csv-metadata.json")]
        outset = _planned(out, file_name(sc.name, "sensitivity"), [*figures.values(), *data_files],
                          force, stack)
        total = sum(n_steps(q, methods, aggregators) for q in questions)
        with LazyProgress(length=total, label="sensitivity", file=sys.stderr) as bar:
            for q in questions:
                r = sensitivity(sc, q.policy, q.versus, outcome=q.outcome, methods=methods, n=worlds,
                                n_resamples=resamples, trajectories=trajectories, groups=groups,
                                aggregators=aggregators, seed=seed, executor=executor,
                                progress=bar.update, structure=structure, engine=engine)
                results.append(_with_settings(r, settings))
        for r in results:  # on stderr too, so --json and --csv users see it
            if r.noisy():
                click.echo(f"warning: {r.question.label()}: {r.noisy()}", err=True)
        echo_result(as_json, as_csv, data=lambda: [r.to_dict() for r in results],
                    csv=lambda: to_csv(results),
                    text=lambda: "\n\n".join(r.summary() for r in results))
        if outset is not None:
            files = {}
            for q, r in zip(questions, results):
                for kind in kinds:  # a result with nothing to draw for a method has no figure
                    if kind == "sobol" and not r.sobol or kind == "tornado" and r.tornado is None \
                            or kind == "morris" and not r.morris:
                        continue
                    files[figures[q, kind]] = figure_png(
                        lambda ax, r=r, kind=kind: r.plot(ax=ax, kind=kind), figsize=(8, 6.5),
                        layout="constrained")
            files[data_files[0]] = json_text([r.to_dict() for r in results])
            files[data_files[1]] = to_csv(results)
            files[data_files[2]] = csv_sidecar([r.provenance() for r in results],
                                               files[data_files[1]])
            commit_out(outset, files, scenario=sc, seed=seed)


def _with_settings(result, settings):
    """The result, with the what-ifs typed on the command line in its provenance."""
    from dataclasses import replace

    return replace(result, settings=settings) if settings else result


@main.command("discover")
@_scenario_argument
@_common
@click.option("--worlds", type=click.IntRange(min=20), default=2000, show_default=True,
              help="Plausible worlds to sample.")
@click.option("--sampler", type=click.Choice(["lhs", "sobol"]), default="lhs", show_default=True,
              help="Latin hypercube, or scrambled Sobol' (needs a power-of-2 --worlds).")
@click.option("--aggregator", type=click.Choice(["min", "product", "geometric"]),
              help="Fuzzy AND for the opening index (the scenario's by default).")
@click.option("--max-restrictions", type=click.IntRange(min=1), default=3, show_default=True,
              help="At most this many assumptions restricted in a box.")
@click.option("--resamples", type=click.IntRange(0, 10_000), default=RESAMPLES, show_default=True,
              help="Reruns of the search on fresh samples of --worlds worlds; only restrictions "
                   "found in more than half of them are stated (0: this sample's box).")
@_structure_option
@_engine_option
@_library_errors
def discover_command(scenario, policies, outcome, seed, horizon, workers, sets, as_json, as_csv,
                     out, worlds, sampler, aggregator, max_restrictions, resamples=RESAMPLES,
                     force=False, structure=None, scheduler=None, engine="numpy"):
    """Scenario discovery: the assumption ranges that box the worlds where an answer holds.

    PRIM boxes, read out as a sentence ("A gives a higher opening index than B in 81% of the
    worlds where ...; those worlds are 35% of all plausible worlds") that states only the
    restrictions recurring in more than half of --resamples reruns on fresh worlds, with how
    often, or says that none recurs; then the restrictions across reruns, this sample's box and
    the coverage-density trade-off. With no --policy: the scenario's contrast both ways, and
    where a window opens under the policy with the most windows. The structure (which theory
    of openings holds) is one of the assumptions a box can restrict unless --structure fixes it.
    """
    from polmodel.analysis.discovery import discover
    from polmodel.analysis.worlds import sample_worlds
    from polmodel.names import file_name
    from polmodel.views.discovery_text import to_csv as discovery_csv

    _check_format(as_json, as_csv)
    sc = _load(scenario, horizon, policies)
    sc, settings = _apply_sets(sc, sets)
    results = []
    with ExitStack() as stack:
        executor = stack.enter_context(_executor(workers, scheduler))
        questions = _questions(sc, policies, outcome, seed, executor, both_ways=True)
        figures = [file_name(sc.name, "discover", *_stem(q)) + ".png" for q in questions]
        data_files = [file_name(sc.name, n) for n in ("discover.json", "discover.csv",
                                                       "discover.csv-metadata.json")]
        outset = _planned(out, file_name(sc.name, "discover"), [*figures, *data_files], force, stack)
        from dataclasses import replace

        from polmodel.analysis.worlds import varied_count

        # The structure is sampled as one more assumption unless --structure fixes it (or
        # nothing else is uncertain).
        factor = structure is None and varied_count(sc) > 0
        w = sample_worlds(replace(sc, structure_factor=factor), worlds, seed=seed, sampler=sampler)
        total = len(questions) * worlds * (1 + resamples)
        with LazyProgress(length=total, label="plausible worlds", file=sys.stderr,
                          hidden=total < 20_000) as bar:
            for q in questions:
                d = discover(sc, q.policy, q.versus, outcome=q.outcome, worlds=w,
                             aggregator=aggregator, max_restrictions=max_restrictions,
                             executor=executor, progress=bar.update, resamples=resamples,
                             structure=structure, engine=engine)
                results.append(_with_settings(d, settings))
        echo_result(as_json, as_csv, data=lambda: [d.to_dict() for d in results],
                    csv=lambda: discovery_csv(results),
                    text=lambda: "\n\n".join(d.summary() for d in results))
        if outset is not None:
            files = {name: figure_png(d.plot, figsize=(10, 5.5), layout="constrained")
                     for name, d in zip(figures, results)}
            files[data_files[0]] = json_text([d.to_dict() for d in results])
            files[data_files[1]] = discovery_csv(results)
            files[data_files[2]] = csv_sidecar([d.provenance() for d in results],
                                               files[data_files[1]])
            commit_out(outset, files, scenario=sc, seed=seed, worlds=worlds, sampler=sampler)


@main.command("sweep")
@_scenario_argument
@_common_with(
    policy_help="Twice (--policy A --policy B): A against B, as the shares of worlds where A "
                "gives the higher outcome, where B does, and ties. Once: that policy's own "
                "outcome (the share of worlds where a window opens under it, by default). None: "
                "the scenario's contrast. Lever axes change the first policy.",
    outcome_help="What is compared [default: peak_index for two policies, window for one; for "
                 "one policy another outcome gives its median].")
@click.option("--x", "x", required=True, metavar="AXIS",
              help="First axis: an assumption (rally, initial.crisis), lever.<lever> (intensity) or "
                   "start.<lever> (start month); NAME=LOW:HIGH for a range.")
@click.option("--y", "y", metavar="AXIS", help="Second axis, for a heatmap.")
@click.option("--points", type=click.IntRange(min=2, max=101), default=11, show_default=True,
              help="Grid points per axis.")
@click.option("--worlds", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Plausible worlds per grid point (the same worlds at every point).")
@click.option("--aggregator", type=click.Choice(["min", "product", "geometric"]),
              help="Fuzzy AND for the opening index (the scenario's by default).")
@_structure_option
@_engine_option
@_library_errors
def sweep_command(scenario, policies, outcome, seed, horizon, workers, sets, as_json, as_csv, out,
                  x, y, points, worlds, aggregator, force=False, scheduler=None, engine="numpy",
                  structure=None):
    """Sweep one or two assumptions or lever settings over a grid, as lines or a heatmap.

    Two policies (--policy A --policy B; the scenario's contrast with no --policy): at each grid
    point, the share of plausible worlds where A gives the higher outcome (peak opening index by
    default; differences within the scenario's tie margin are ties), the share where B does and
    the share of ties; and where the verdict (which of the two gives the higher outcome in more
    worlds) crosses over.

    One policy: the share of worlds where a window opens under it (with --outcome, the median
    of that outcome and its 10-90% band).

    Every point runs on the same plausible worlds (--worlds each); an assumption is swept over
    its plausible range unless NAME=LOW:HIGH is given. Shares are drawn from 0% to 100%.
    """
    from polmodel.analysis.sweeps import sweep
    from polmodel.errors import PolmodelError
    from polmodel.names import file_name

    _check_format(as_json, as_csv)
    sc = _load(scenario, horizon, policies)
    sc, settings = _apply_sets(sc, sets)
    if len(policies) > 2:
        raise PolmodelError(f"--policy given {len(policies)} times; allowed: once or twice")
    if y is not None and x.partition("=")[0] == y.partition("=")[0]:
        raise PolmodelError(f"--x and --y are both {x.partition('=')[0]}; give two different ones")
    for option, axis in (("--x", x), ("--y", y)):
        name, has_range, _ = (axis or "").partition("=")
        if not has_range and isinstance(settings.get(name), (int, float)):
            # Fixed by --set, its plausible range is one point: sweeping it would silently
            # sweep its hard limits instead, which nobody asked for.
            raise PolmodelError(f"{option} {name}: --set fixes it at {settings[name]:g}, so it has "
                                f"no range to sweep; give one ({option} {name}=LOW:HIGH or --set "
                                f"{name}=LOW:HIGH), or drop --set {name}")
    policy = policies[0] if policies else None
    versus = policies[1] if len(policies) == 2 else None
    n_points = points * (points if y else 1)
    # Axis names as sweep() reads them (NAME, or NAME=LOW:HIGH), known before computing.
    axes = [a.partition("=")[0].strip() if "=" in a else a for a in (x, y) if a is not None]
    names = [file_name(sc.name, "sweep", *axes) + ext
             for ext in (".png", ".json", ".csv", ".csv-metadata.json")]
    with ExitStack() as stack:
        outset = _planned(out, file_name(sc.name, "sweep"), names, force, stack)
        with _executor(workers, scheduler) as executor, LazyProgress(
                length=n_points * worlds, label="plausible worlds", file=sys.stderr,
                hidden=n_points * worlds < 20_000) as bar:
            result = sweep(sc, x, y, policy=policy, versus=versus, outcome=outcome,
                           points=points, worlds=worlds, seed=seed, aggregator=aggregator,
                           structure=structure, executor=executor, progress=bar.update,
                           engine=engine)
        result = _with_settings(result, settings)
        echo_result(as_json, as_csv, data=result.to_dict, csv=result.to_csv, text=result.summary)
        if outset is not None:
            csv_text = result.to_csv()
            commit_out(outset, {names[0]: figure_png(result.plot, figsize=(9, 6),
                                                     layout="constrained"),
                                names[1]: json_text(result.to_dict()), names[2]: csv_text,
                                names[3]: csv_sidecar(result.provenance(), csv_text)},
                       scenario=sc, seed=seed, worlds=worlds)


@main.command("show")
@_scenario_argument
@_set_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of tables.")
@_library_errors
def show_command(scenario, sets, as_json, as_csv):
    """Every assumption of a scenario: value, plausible range, hard limit, meaning, source.

    These are the names --set takes (initial.<state> for initial states).
    """
    from polmodel.scenario.whatif import describe_settings
    from polmodel.views.assumptions import assumption_rows, assumptions_text
    from polmodel.views.csv_table import csv_text, provenance_columns

    _check_format(as_json, as_csv)
    sc = _load(scenario, None, ())
    sc, settings = _apply_sets(sc, sets)
    rows = assumption_rows(sc)

    def rows_csv() -> str:
        # The provenance in leading columns, as every CSV polmodel writes (no comment line).
        header, meta = provenance_columns(scenario=sc.label, what_ifs=describe_settings(settings))
        fields = list(rows[0])
        return csv_text([*header, *fields],
                        [[*meta, *("" if r[k] is None else r[k] for k in fields)] for r in rows])

    echo_result(as_json, as_csv, data=lambda: rows, csv=rows_csv,
                text=lambda: assumptions_text(sc, rows))
