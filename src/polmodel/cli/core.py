"""The core commands: run, compare, scenarios, levers, validate (thin shells over the library)."""

from __future__ import annotations

import functools
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from polmodel.cli.app import main
from polmodel.cli.common import (
    DEFAULT_SCENARIO,
    BadInput,
    LazyProgress,
    _aggregator_option,
    _check_format,
    _library_errors,
    _load,
    _output_options,
    _scenario_argument,
    _workers_option,
    commit_out,
    echo_text,
    figure_png,
    json_text,
    make_executor,
    prepare_out,
    shutdown,
)
from polmodel.limits import MAX_HORIZON, MAX_SEED, MAX_WORLDS


@main.command("run")
@_scenario_argument
@click.option("--policy", "policies", multiple=True, metavar="NAME",
              help="Policy to run (repeatable); all of the scenario's policies by default.")
@click.option("--horizon", type=click.IntRange(1, MAX_HORIZON), help="Months to simulate.")
@_aggregator_option
@_output_options
@_library_errors
def run_command(scenario=DEFAULT_SCENARIO, policies=(), horizon=None, aggregator=None,
                as_json=False, as_csv=False, out=None, force=False):
    """Run each policy once at the scenario's central values.

    Prints the four conditions and the opening index at a few months, whether and when a
    window opens, and which condition binds. With --out, writes a trajectory figure per policy
    and the monthly data (CSV and JSON).
    """
    from polmodel.runs import run, runs_csv, runs_summary

    _check_format(as_json, as_csv)
    sc = _load(scenario, horizon, policies)
    names = list(dict.fromkeys(policies)) or list(sc.policies)
    figures = {f"{sc.name}-{name}-trajectory.png": name for name in names}
    data_files = [f"{sc.name}-runs.csv", f"{sc.name}-runs.json"]
    with prepare_out(out, f"{sc.name}-run", [*figures, *data_files], force) or nullcontext() as outset:
        results = [run(sc, name, aggregator=aggregator) for name in names]
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
            files.update({data_files[0]: runs_csv(results), data_files[1]: data})
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
@click.option("--horizon", type=click.IntRange(1, MAX_HORIZON), help="Months to simulate.")
@_aggregator_option
@_workers_option
@_output_options
@_library_errors
def compare_command(scenario, policies, worlds, seed, sampler, horizon, aggregator, workers,
                    as_json, as_csv, out, force=False):
    """Compare policies on the same plausible worlds.

    Samples every uncertain number over its plausible range, runs every policy on the same
    worlds and reports, per policy, the share of worlds in which a window opens, the peak
    opening index, which condition binds and the humanitarian cost; and, against the
    baseline, in what share of worlds each policy gives a higher or lower index (paired, world by
    world), under both the strict and the graded AND.
    """
    from polmodel.comparison import compare
    from polmodel.ensemble import DEFAULT_CHUNK

    _check_format(as_json, as_csv)
    if worlds is None:
        worlds = 1024 if sampler == "sobol" else 1000
    sc = _load(scenario, horizon, policies)
    figures = ("peak-index", "paired-differences", "bottlenecks", "tradeoff")
    names = [f"{sc.name}-compare-{stem}.png" for stem in figures]
    data_files = [f"{sc.name}-compare.json", f"{sc.name}-compare.csv"]
    with prepare_out(out, f"{sc.name}-compare", [*names, *data_files], force) or nullcontext() as outset:
        executor = make_executor(workers, worlds, DEFAULT_CHUNK)
        try:
            with LazyProgress(length=worlds, label="plausible worlds", file=sys.stderr,
                              hidden=worlds < 20_000) as bar:
                result = compare(sc, policies or None, worlds=worlds, seed=seed, sampler=sampler,
                                 aggregator=aggregator, executor=executor, progress=bar.update)
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
            from polmodel import plots

            draws = (plots.plot_peak_distributions, plots.plot_paired_differences,
                     plots.plot_bottleneck_shares, plots.plot_tradeoff)
            files = {name: figure_png(functools.partial(draw, result), figsize=(9, 5))
                     for name, draw in zip(names, draws)}
            files.update({data_files[0]: data, data_files[1]: result.to_csv()})
            commit_out(outset, files, scenario=sc, seed=seed, worlds=worlds, sampler=sampler)


@main.command("scenarios")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_library_errors
def scenarios_command(as_json):
    """List the built-in scenarios."""
    from polmodel.scenario import DEFAULT_SCENARIO as default
    from polmodel.scenario import list_scenarios, load_scenario
    from polmodel.text import table

    rows = []
    for name in list_scenarios():
        sc = load_scenario(name)
        rows.append({"name": name, "date": sc.date, "title": sc.title, "policies": list(sc.policies),
                     "default": name == default})
    if as_json:
        click.echo(json_text(rows))
        return
    echo_text(table(("scenario", "date", "policies", "title"),
                     [(r["name"] + (" (default)" if r["default"] else ""), r["date"],
                       len(r["policies"]), r["title"]) for r in rows]))


@main.command("levers")
@click.argument("names", nargs=-1, metavar="[LEVER]...")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the causal diagram (levers -> mechanisms -> states) as PNG.")
@click.option("--force", is_flag=True, help="With --out: replace the diagram of an earlier run.")
@_library_errors
def levers_command(names, as_json, out, force=False):
    """Explain each lever and the mechanisms it feeds."""
    from polmodel.errors import PolmodelError
    from polmodel.levers import LEVERS, LEVERS_BY_NAME
    from polmodel.parameters import MECHANISMS_BY_NAME

    for name in names:
        if name not in LEVERS_BY_NAME:
            raise PolmodelError(f"unknown lever {name!r}; allowed: {', '.join(LEVERS_BY_NAME)}")
    chosen = [LEVERS_BY_NAME[n] for n in names] or list(LEVERS)
    data = [{"name": lv.name, "label": lv.label, "description": lv.description,
             "mechanisms": [{"name": m, "effect": MECHANISMS_BY_NAME[m].effect,
                             "source": MECHANISMS_BY_NAME[m].source} for m in lv.mechanisms]}
            for lv in chosen]
    outset = prepare_out(out, "causal-diagram", ["causal-diagram.png"], force)
    with outset or nullcontext():
        if as_json:
            click.echo(json_text(data))
        else:
            for lv in data:
                click.echo(f"{lv['name']} ({lv['label']})")
                click.echo(f"  {lv['description']}")
                for m in lv["mechanisms"]:
                    click.echo(f"  feeds {m['name']}: {m['effect']}")
                click.echo("")
        if outset is not None:
            from polmodel.plots import plot_causal_diagram

            png = figure_png(lambda ax: plot_causal_diagram(ax=ax), figsize=(11, 13))
            commit_out(outset, {"causal-diagram.png": png})


@main.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@_library_errors
def validate_command(files):
    """Check scenario files against the schema; one line per file."""
    from polmodel.errors import PolmodelError
    from polmodel.scenario import load_scenario

    bad = 0
    for f in files:
        try:
            sc = load_scenario(f)
        except PolmodelError as err:
            click.echo(f"Error: {err}", err=True)
            bad += 1
            continue
        echo_text(f"{f}: valid: {sc.title} ({sc.date}); {len(sc.policies)} policies, "
                  f"horizon {sc.horizon} months, baseline {sc.baseline!r}".replace("\n", " "))
    if bad:
        sys.exit(BadInput.exit_code)

