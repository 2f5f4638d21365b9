"""The core commands: run, compare, scenarios, levers, validate (thin shells over the library)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from polmodel.cli.app import main
from polmodel.cli.common import (
    DEFAULT_SCENARIO,
    BadInput,
    _aggregator_option,
    _apply_sets,
    _check_format,
    _library_errors,
    _load,
    _output_options,
    _scenario_argument,
    _set_option,
    new_figure,
    write_atomically,
    write_figure,
)


@main.command("run")
@_scenario_argument
@click.option("--policy", "policies", multiple=True, metavar="NAME",
              help="Policy to run (repeatable); all of the scenario's policies by default.")
@click.option("--horizon", type=click.IntRange(min=1), help="Months to simulate.")
@_aggregator_option
@_set_option
@_output_options
@_library_errors
def run_command(scenario=DEFAULT_SCENARIO, policies=(), horizon=None, aggregator=None,
                as_json=False, as_csv=False, out=None, sets=()):
    """Run each policy once at the scenario's central values.

    Prints the four conditions and the opening index at a few months, whether and when a
    window opens, and which condition binds. With --out, writes a trajectory figure per policy
    and the monthly data (CSV and JSON).
    """
    from polmodel.runs import run, runs_csv, runs_summary

    _check_format(as_json, as_csv)
    sc = _load(scenario, horizon, policies)
    names = list(policies) or list(sc.policies)
    _, settings = _apply_sets(sc, sets, ranges=False)
    params = {k: v for k, v in settings.items() if not k.startswith("initial.")}
    init = {k.removeprefix("initial."): v for k, v in settings.items() if k.startswith("initial.")}
    results = [run(sc, name, aggregator=aggregator, parameters=params, initial=init) for name in names]

    if as_json:
        click.echo(json.dumps([r.to_dict() for r in results], indent=2))
    elif as_csv:
        click.echo(runs_csv(results), nl=False)
    else:
        click.echo(runs_summary(sc, results))
    if out is not None:
        for r in results:
            fig = new_figure(figsize=(9, 4.5))
            r.plot(ax=fig.add_subplot())
            write_figure(fig, out / f"{sc.name}-{r.policy}-trajectory.png")
        write_atomically(out / f"{sc.name}-runs.csv", runs_csv(results))
        write_atomically(out / f"{sc.name}-runs.json", json.dumps([r.to_dict() for r in results], indent=2))
        click.echo(f"wrote {2 + len(results)} files to {out}", err=True)


@main.command("compare")
@_scenario_argument
@click.option("--policy", "policies", multiple=True, metavar="NAME",
              help="Policy to compare (repeatable); all of the scenario's by default. "
                   "The baseline is always included.")
@click.option("--worlds", type=click.IntRange(min=1),
              help="Number of plausible worlds to sample [default: 1000; 1024 with sobol].")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed: same seed, same worlds.")
@click.option("--sampler", type=click.Choice(["lhs", "sobol"]), default="lhs", show_default=True,
              help="Latin hypercube, or scrambled Sobol' (needs a power-of-2 --worlds).")
@click.option("--horizon", type=click.IntRange(min=1), help="Months to simulate.")
@_aggregator_option
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Processes to run worlds in; results do not depend on it.")
@_set_option
@_output_options
@_library_errors
def compare_command(scenario, policies, worlds, seed, sampler, horizon, aggregator, workers,
                    as_json, as_csv, out, sets=()):
    """Compare policies on the same plausible worlds.

    Samples every uncertain number over its plausible range, runs every policy on the same
    worlds and reports, per policy, the share of worlds in which a window opens, the peak
    opening index, which condition binds and the humanitarian cost; and, against the
    baseline, in what share of worlds each policy gives a higher or lower index (paired, world by
    world), under both the strict and the graded AND.
    """
    from polmodel.comparison import compare

    _check_format(as_json, as_csv)
    if worlds is None:
        worlds = 1024 if sampler == "sobol" else 1000
    sc = _load(scenario, horizon, policies)
    sc, _ = _apply_sets(sc, sets)
    executor = None
    if workers > 1:  # imported only when asked for: multiprocessing costs start-up time
        from concurrent.futures import ProcessPoolExecutor

        executor = ProcessPoolExecutor(max_workers=workers)
    try:
        with click.progressbar(length=worlds, label="plausible worlds", file=sys.stderr,
                               hidden=worlds < 20_000) as bar:
            result = compare(sc, policies or None, worlds=worlds, seed=seed, sampler=sampler,
                             aggregator=aggregator, executor=executor, progress=bar.update)
    finally:
        if executor is not None:
            executor.shutdown()

    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    elif as_csv:
        click.echo(result.to_csv(), nl=False)
    else:
        click.echo(result.summary())
    if out is not None:
        from polmodel import plots

        figures = {"peak-index": plots.plot_peak_distributions,
                   "paired-differences": plots.plot_paired_differences,
                   "bottlenecks": plots.plot_bottleneck_shares,
                   "tradeoff": plots.plot_tradeoff}
        for stem, draw in figures.items():
            fig = new_figure(figsize=(9, 5))
            draw(result, ax=fig.add_subplot())
            write_figure(fig, out / f"{sc.name}-compare-{stem}.png")
        write_atomically(out / f"{sc.name}-compare.json", json.dumps(result.to_dict(), indent=2))
        write_atomically(out / f"{sc.name}-compare.csv", result.to_csv())
        click.echo(f"wrote {len(figures) + 2} files to {out}", err=True)


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
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(table(("scenario", "date", "policies", "title"),
                     [(r["name"] + (" (default)" if r["default"] else ""), r["date"],
                       len(r["policies"]), r["title"]) for r in rows]))


@main.command("levers")
@click.argument("names", nargs=-1, metavar="[LEVER]...")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the causal diagram (levers -> mechanisms -> states) as PNG.")
@_library_errors
def levers_command(names, as_json, out):
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
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        for lv in data:
            click.echo(f"{lv['name']} ({lv['label']})")
            click.echo(f"  {lv['description']}")
            for m in lv["mechanisms"]:
                click.echo(f"  feeds {m['name']}: {m['effect']}")
            click.echo("")
    if out is not None:
        from polmodel.plots import plot_causal_diagram

        fig = new_figure(figsize=(11, 13))
        plot_causal_diagram(ax=fig.add_subplot())
        write_figure(fig, out / "causal-diagram.png")
        click.echo(f"wrote the causal diagram to {out / 'causal-diagram.png'}", err=True)


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
        click.echo(f"{f}: valid: {sc.title} ({sc.date}); {len(sc.policies)} policies, "
                   f"horizon {sc.horizon} months, baseline {sc.baseline!r}")
    if bad:
        sys.exit(BadInput.exit_code)

