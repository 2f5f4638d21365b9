"""Workshop commands: participants' estimates (elicit)."""

from __future__ import annotations

from pathlib import Path

import click

from polmodel.cli.app import main
from polmodel.cli.common import (
    DEFAULT_SCENARIO,
    _aggregator_option,
    _check_format,
    _library_errors,
    echo_result,
    json_text,
    new_figure,
    output_set,
    write_atomically,
    write_figure,
)


@main.command("elicit")
@click.argument("estimates", required=False, metavar="FILE.csv")
@click.option("--scenario", default=DEFAULT_SCENARIO, show_default=True, metavar="SCENARIO|FILE",
              help="Scenario whose numbers the participants estimated.")
@click.option("--template", is_flag=True,
              help="Print a CSV template (participant, parameter, low, best, high) and stop.")
@click.option("--policy", "policies", multiple=True, metavar="NAME",
              help="Policy to compare (repeatable); all of the scenario's by default.")
@click.option("--worlds", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Plausible worlds per comparison (the same design for every participant).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed: same seed, same worlds.")
@_aggregator_option
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the pooled scenario (.toml), the verdicts (.csv, .json) and a figure.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of tables.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@output_set
@_library_errors
def elicit_command(estimates, scenario, template, policies, worlds, seed, aggregator, out,
                   as_csv, as_json):
    """Pool participants' estimates into a scenario and show what their disagreement changes.

    FILE.csv has the columns participant, parameter, low, best, high (--template prints one).
    Each row is read as a PERT distribution; each number's estimates are pooled by an
    equal-weight linear opinion pool (Stone 1961; Clemen & Winkler 1999). Reports where
    participants disagree most and re-runs the comparison with each participant's own
    estimates. With --out, writes a scenario that samples the pooled distributions.
    """
    from polmodel.errors import PolmodelError
    from polmodel.room.elicitation import VERDICT_COLUMNS, elicit
    from polmodel.room.elicitation import template as estimates_template
    from polmodel.views.text import csv_metadata

    if template:
        click.echo(estimates_template(), nl=False)
        return
    if estimates is None:
        raise PolmodelError("elicit: give an estimates file FILE.csv (polmodel elicit --template "
                            "prints one)")
    _check_format(as_json, as_csv)
    from polmodel.scenario.loading import load_scenario

    sc = load_scenario(scenario)
    for name in policies:
        sc.policy(name)
    result = elicit(estimates, sc, worlds=worlds, seed=seed, policies=policies or None,
                    aggregator=aggregator)
    echo_result(as_json, as_csv, data=result.to_dict, csv=result.to_csv, text=result.summary)
    if out is not None:
        stem = f"{sc.name}-estimates"
        fig = new_figure(figsize=(8, 4))
        result.plot(ax=fig.add_subplot())
        write_atomically(out / f"{stem}.toml", result.pooled_toml)
        write_atomically(out / f"{stem}-verdicts.csv", result.to_csv())
        write_atomically(out / f"{stem}-verdicts.csv-metadata.json", json_text(
            csv_metadata(result.provenance(), VERDICT_COLUMNS)))
        write_atomically(out / f"{stem}-elicitation.json", json_text(result.to_dict()))
        write_figure(fig, out / f"{stem}-disagreement.png")
        click.echo(f"wrote 5 files to {out}; run the pooled scenario with: "
                   f"polmodel compare {out / (stem + '.toml')}", err=True)
