"""The core commands: run, compare, scenarios, levers, validate (thin shells over the library)."""

from __future__ import annotations

import functools
import sys
from contextlib import nullcontext

import click

from polmodel.cli.app import main
from polmodel.cli.common import DEFAULT_SCENARIO, BadInput, _library_errors, echo_text, json_text
from polmodel.cli.options import (
    _aggregator_option,
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
    _workers_option,
)
from polmodel.cli.workers import LazyProgress, make_executor, shutdown
from polmodel.cli.writing import OutFolder, commit_out, csv_sidecar, figure_png, prepare_out
from polmodel.errors import escape_controls
from polmodel.limits import MAX_SEED, MAX_WORLDS


@main.command("run")
@_scenario_argument
@click.option("--policy", "policies", multiple=True, metavar="NAME",
              help="Policy to run (repeatable); all of the scenario's policies by default.")
@_horizon_option
@_aggregator_option
@_structure_option
@_set_option
@_output_options
@_library_errors
def run_command(scenario=DEFAULT_SCENARIO, policies=(), horizon=None, aggregator=None,
                structure=None, as_json=False, as_csv=False, out=None, sets=(), force=False):
    """Run each policy once at the scenario's central values.

    Prints the four conditions and the opening index at a few months, whether and when a
    window opens, and which condition binds. With --out, writes a trajectory figure per policy
    and the monthly data (CSV and JSON).
    """
    from polmodel.analysis.runs import run, runs_csv, runs_summary

    _check_format(as_json, as_csv)
    sc = _load(scenario, horizon, policies)
    names = list(dict.fromkeys(policies)) or list(sc.policies)
    _, settings = _apply_sets(sc, sets, ranges=False)
    params = {k: v for k, v in settings.items() if not k.startswith("initial.")}
    init = {k.removeprefix("initial."): v for k, v in settings.items() if k.startswith("initial.")}
    from polmodel.names import file_name

    figures = {file_name(sc.name, name, "trajectory.png"): name for name in names}
    data_files = [file_name(sc.name, n) for n in ("runs.csv", "runs.csv-metadata.json", "runs.json")]
    with prepare_out(out, file_name(sc.name, "run"), [*figures, *data_files], force) \
            or nullcontext() as outset:
        results = [run(sc, name, aggregator=aggregator, parameters=params, initial=init,
                       structure=structure)
                   for name in names]
        data = json_text([r.to_dict() for r in results])
        if as_json:
            click.echo(data)
        elif as_csv:
            echo_text(runs_csv(results), nl=False)
        else:
            echo_text(runs_summary(sc, results))
        if outset is not None:
            by_name = {r.policy: r for r in results}
            files = {f: figure_png(by_name[p].plot, figsize=(9, 4.5)) for f, p in figures.items()}
            csv_text = runs_csv(results)
            files.update({data_files[0]: csv_text,
                          data_files[1]: csv_sidecar(results[0].to_dict()["provenance"], csv_text),
                          data_files[2]: data})
            commit_out(outset, files, scenario=sc)


@main.command("compare")
@_scenario_argument
@click.option("--policy", "policies", multiple=True, metavar="NAME",
              help="Policy to compare (repeatable); all of the scenario's by default. "
                   "The baseline is always included.")
@click.option("--worlds", type=click.IntRange(1, MAX_WORLDS),
              help="Number of plausible worlds to sample [default: 1000; 1024 with sobol].")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=0, show_default=True,
              help="Seed: same seed, same worlds.")
@click.option("--sampler", type=click.Choice(["lhs", "sobol"]), default="lhs", show_default=True,
              help="Latin hypercube, or scrambled Sobol' (needs a power-of-2 --worlds).")
@_horizon_option
@_aggregator_option
@_structure_option
@_workers_option
@_scheduler_option
@_engine_option
@click.option("--pair", nargs=2, metavar="A B",
              help="With --out: also a figure of policy A against policy B, world by world.")
@_set_option
@_output_options
@_library_errors
def compare_command(scenario, policies, worlds, seed, sampler, horizon, aggregator, workers,
                    as_json, as_csv, out, pair=None, sets=(), force=False, structure=None,
                    scheduler=None, engine="numpy"):
    """Compare policies on the same plausible worlds.

    Samples every uncertain number over its plausible range, runs every policy on the same
    worlds and reports, per policy, the share of worlds in which a window opens, the peak
    opening index, which condition binds and the humanitarian cost; and, against the
    baseline, in what share of worlds each policy gives a higher or lower index (paired, world by
    world); under how many readings (every structure, the strict and the graded AND) each verdict
    holds, the pairs that change with them, and those that change with the horizon.
    """
    from polmodel.analysis.comparison import compare
    from polmodel.analysis.worlds import DEFAULT_CHUNK

    _check_format(as_json, as_csv)
    if worlds is None:
        worlds = 1024 if sampler == "sobol" else 1000
    sc = _load(scenario, horizon, policies)
    if pair:
        if pair[0] == pair[1]:
            raise BadInput(f"--pair: {pair[0]!r} twice; allowed: two different policies, A B")
        chosen = set(policies or sc.policies) | {sc.baseline}
        for name in pair:
            if name not in chosen:
                raise BadInput(f"--pair: {name!r} is not among the compared policies; allowed: "
                               f"{', '.join(sorted(chosen))}")
    if pair and out is None:  # accepted, but it would do nothing: say so rather than stay quiet
        click.echo("note: --pair draws its figure into --out; without --out it draws nothing",
                   err=True)
    if pair and out:
        from polmodel.analysis.streaming import EXACT_WORLDS, streams

        if streams(worlds):  # refused before any work: the figure needs every world
            raise BadInput(f"--pair draws every world, and at most {EXACT_WORLDS:,} worlds are "
                           f"kept (--worlds {worlds:,} streams them); use fewer worlds for it")
    sc, _ = _apply_sets(sc, sets)
    from polmodel.names import file_name

    stems = [("peak-index",), ("paired-differences",), ("bottlenecks",), ("tradeoff",)]
    if pair:
        stems.append((pair[0], "vs", pair[1]))
    names = [file_name(sc.name, "compare", *stem) + ".png" for stem in stems]
    data_files = [file_name(sc.name, n) for n in ("compare.json", "compare.csv",
                                                   "compare.csv-metadata.json")]
    with prepare_out(out, file_name(sc.name, "compare"), [*names, *data_files], force) \
            or nullcontext() as outset:
        executor = make_executor(workers, worlds, DEFAULT_CHUNK, scheduler)
        try:
            with LazyProgress(length=worlds, label="plausible worlds", file=sys.stderr,
                              hidden=worlds < 20_000) as bar:
                result = compare(sc, policies or None, worlds=worlds, seed=seed, sampler=sampler,
                                 aggregator=aggregator, structure=structure, executor=executor,
                                 progress=bar.update, engine=engine)
        except BaseException:
            shutdown(executor, interrupted=True)
            raise
        shutdown(executor)

        data = json_text(result.to_dict())
        if as_json:
            click.echo(data)
        elif as_csv:
            echo_text(result.to_csv(), nl=False)
        else:
            echo_text(result.summary())
        if outset is not None:
            from polmodel.views import plots

            draws = [plots.plot_peak_distributions, plots.plot_paired_differences,
                     plots.plot_bottleneck_shares, plots.plot_tradeoff]
            if pair:
                draws.append(lambda c, ax: plots.plot_pair(c, pair[0], pair[1], ax=ax))
            files = {name: figure_png(functools.partial(draw, result), figsize=(9, 5))
                     for name, draw in zip(names, draws)}
            csv_text = result.to_csv()
            files.update({data_files[0]: data, data_files[1]: csv_text,
                          data_files[2]: csv_sidecar(result.provenance(), csv_text)})
            commit_out(outset, files, scenario=sc, seed=seed, worlds=worlds, sampler=sampler)


@main.command("scenarios")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_library_errors
def scenarios_command(as_json):
    """List the built-in scenarios and the historical cases."""
    from polmodel.scenario.loading import DEFAULT_SCENARIO as default
    from polmodel.scenario.loading import TEMPLATE, list_cases, list_scenarios, load_scenario
    from polmodel.views.text import WIDTH, table, wrap

    rows = []
    for name in list_scenarios():
        if name == TEMPLATE:  # not a scenario to run: `polmodel new NAME` copies it
            continue
        sc = load_scenario(name)
        rows.append({"name": name, "date": sc.date, "title": sc.title, "policies": list(sc.policies),
                     "default": name == default})
    cases = []
    for name in list_cases():
        sc = load_scenario(name)
        cases.append({"name": name, "date": sc.date, "outcome": sc.case["outcome"],
                      "outcome_date": sc.case["outcome_date"], "title": sc.title})
    if as_json:
        click.echo(json_text(rows + [c | {"kind": "historical case"} for c in cases]))
        return
    echo_text(table(("scenario", "date", "policies", "title"),
                     [(r["name"] + (" (default)" if r["default"] else ""), r["date"],
                       len(r["policies"]), r["title"]) for r in rows], WIDTH))
    click.echo(wrap("To write your own: `polmodel new NAME` copies the commented template to "
                    "NAME.toml."))
    click.echo("")
    click.echo(wrap("Historical cases, coded twelve months before the outcome (a check of the "
                    "model, not a fit; run one with `polmodel run cases/NAME`):"))
    click.echo(table(("case", "coded at", "outcome", "on"),
                     [(c["name"], c["date"], c["outcome"], c["outcome_date"]) for c in cases], WIDTH))


@main.command("levers")
@click.argument("names", nargs=-1, metavar="[LEVER]...")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--out", "out", type=OutFolder(),
              help="Folder for the causal diagram (levers -> mechanisms -> states) as PNG.")
@click.option("--force", is_flag=True, help="With --out: replace the diagram of an earlier run.")
@_library_errors
def levers_command(names, as_json, out, force=False):
    """Explain each lever and the mechanisms it feeds."""
    from polmodel.errors import PolmodelError
    from polmodel.model.levers import LEVERS, LEVERS_BY_NAME
    from polmodel.model.parameters import MECHANISMS_BY_NAME

    for name in names:
        if name not in LEVERS_BY_NAME:
            raise PolmodelError(f"unknown lever {name!r}; allowed: {', '.join(LEVERS_BY_NAME)}")
    chosen = [LEVERS_BY_NAME[n] for n in names] or list(LEVERS)
    from polmodel.model.labels import label
    from polmodel.model.parameters import PARAMETERS

    data = [{"name": lv.name, "label": lv.label, "description": lv.description,
             "mechanisms": [{"name": m, "effect": MECHANISMS_BY_NAME[m].effect,
                             "source": MECHANISMS_BY_NAME[m].source,
                             "parameters": {p.name: label(p.name) for p in PARAMETERS.values()
                                            if p.mechanism == m}}
                            for m in lv.mechanisms]}
            for lv in chosen]
    outset = prepare_out(out, "causal-diagram", ["causal-diagram.png"], force)
    with outset or nullcontext():
        if as_json:
            click.echo(json_text(data))
        else:
            import textwrap

            from polmodel.views.text import WIDTH

            def fill(text: str, indent: str, more: str) -> str:
                return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=more,
                                     break_long_words=False, break_on_hyphens=False)

            for lv in data:
                click.echo(f"{lv['label']} ({lv['name']})")
                click.echo(fill(lv["description"], "  ", "  "))
                for m in lv["mechanisms"]:
                    click.echo(fill(f"feeds: {m['effect']} ({m['name']})", "  ", "    "))
                    sized = "; ".join(f"{words} ({name})" for name, words in m["parameters"].items())
                    if sized:
                        click.echo(fill(f"sized by {sized}", "    ", "      "))
                click.echo("")
        if outset is not None:
            from polmodel.views.diagram import causal_figsize, plot_causal_diagram

            png = figure_png(lambda ax: plot_causal_diagram(ax=ax), figsize=causal_figsize())
            commit_out(outset, {"causal-diagram.png": png})


@main.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@_library_errors
def validate_command(files):
    """Check scenario files against the schema: one line per valid file, one per problem."""
    from polmodel.errors import PolmodelError
    from polmodel.scenario.loading import load_scenario
    from polmodel.views.text import WIDTH, counted, shorten_path, wrap

    bad = 0
    for f in files:
        try:
            sc = load_scenario(f)
        except PolmodelError as err:
            for line in str(err).splitlines():  # every problem, one line each
                click.echo(f"Error: {line}", err=True)
            bad += 1
            continue
        # One line per file, the verdict whole: a long path is shortened from the left
        # (.../scenarios/x.toml), the title is cut, and what still does not fit is wrapped.
        verdict = (f": valid ({counted(len(sc.policies), 'policy', 'policies')}, "
                   f"{counted(sc.horizon, 'month')}, baseline {escape_controls(repr(sc.baseline))})")
        line = shorten_path(escape_controls(str(f)), max(WIDTH - len(verdict), 20)) + verdict
        title = escape_controls(f": {sc.title}")  # from the file: escaped, so one line it stays
        if len(line) + len(title) <= WIDTH:
            line += title
        elif len(line) + 8 <= WIDTH:
            line += title[: WIDTH - len(line) - 3].rstrip() + "..."
        click.echo(wrap(line))
        if sc.defaults_used:  # a first-edition file: valid, but say what it leaves to defaults
            click.echo(wrap(f"  note: {sc.defaults_note()}"))
        if sc.placeholders():  # valid, but still the template's numbers
            click.echo(wrap(f"  note: {escape_controls(sc.placeholder_note())}"))
    if bad:
        sys.exit(BadInput.exit_code)



@main.command("structures")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@_library_errors
def structures_command(as_json):
    """List the structures: rival formulas of how an opening happens, with their sources.

    Every comparison reads its verdicts under each of them; --structure (or a scenario's
    'structure' key) chooses the one a run reports first.
    """
    import textwrap

    from polmodel.model.structures import DEFAULT_STRUCTURE, STRUCTURES
    from polmodel.views.text import WIDTH

    data = [{"name": s.name, "label": s.label, "formula": s.text, "source": s.source,
             "default": s.name == DEFAULT_STRUCTURE} for s in STRUCTURES.values()]
    if as_json:
        click.echo(json_text(data))
        return
    for d in data:
        click.echo(f"{d['name']}{' (default)' if d['default'] else ''}: {d['label']}")
        click.echo(f"  {d['formula']}")
        click.echo(textwrap.fill(f"source: {d['source']}", WIDTH, initial_indent="  ",
                                 subsequent_indent="    ", break_long_words=False,
                                 break_on_hyphens=False))
