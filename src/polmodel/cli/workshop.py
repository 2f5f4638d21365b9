"""Workshop commands: participants' estimates (elicit)."""

from __future__ import annotations

from contextlib import nullcontext

import click

from polmodel.cli.app import main
from polmodel.cli.common import DEFAULT_SCENARIO, _library_errors, echo_result, json_text
from polmodel.cli.options import _aggregator_option, _check_format
from polmodel.cli.writing import OutFolder, commit_out, csv_sidecar, figure_png, prepare_out
from polmodel.errors import escape_controls
from polmodel.limits import MAX_ROUNDS


@main.command("elicit")
@click.argument("estimates", required=False, metavar="FILE.csv")
@click.option("--scenario", default=DEFAULT_SCENARIO, show_default=True, metavar="SCENARIO|FILE",
              help="Scenario whose numbers the participants estimated.")
@click.option("--template", is_flag=True,
              help="Print a CSV form (participant, parameter, low, best, high, and each number in "
                   "plain words; the same for every scenario: `polmodel show` lists a "
                   "scenario's numbers) and stop.")
@click.option("--round", "round_", type=click.IntRange(1, MAX_ROUNDS), metavar="N",
              help="For a file with a round column (estimates given, discussed, then given "
                   "again): the round to pool. The latest round in the file by default.")
@click.option("--policy", "policies", multiple=True, metavar="NAME",
              help="Policy to compare (repeatable); all of the scenario's by default.")
@click.option("--worlds", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Plausible worlds per comparison (the same design for every participant).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed: same seed, same worlds.")
@_aggregator_option
@click.option("--out", "out", type=OutFolder(),
              help="Folder for the pooled scenario (.toml), the verdicts (.csv, .json) and a figure.")
@click.option("--force", is_flag=True, help="With --out: replace the files of an earlier run.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of tables.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@_library_errors
def elicit_command(estimates, scenario, template, round_, policies, worlds, seed, aggregator,
                   out, as_csv, as_json, force=False):
    """Pool participants' estimates into a scenario and show what their disagreement changes.

    FILE.csv has the columns participant, parameter, low, best, high (--template prints one),
    and optionally round: the round of a workshop where people estimate, discuss and estimate
    again. Then one round is pooled: the latest, or the one --round names.
    Each row is read as a PERT distribution; each number's estimates are pooled by an
    equal-weight linear opinion pool (Stone 1961; Clemen & Winkler 1999). Re-runs the comparison
    under each participant's own estimates and says who lands on which side of each verdict (the
    policy of a pair that gives the higher peak opening index in more plausible worlds); ranks
    the estimated numbers by how far their disagreement alone moves a verdict (each number at
    each participant's estimate, the others pooled), not by how far apart the estimates sit.
    With --out, writes a scenario that samples the pooled distributions, the verdicts with each
    participant's side (CSV), and a figure of each participant's range of the number that moves
    a verdict most.
    """
    from polmodel.errors import PolmodelError
    from polmodel.names import file_name
    from polmodel.room.elicitation import elicit
    from polmodel.room.elicitation import template as estimates_template

    if template:
        from polmodel.scenario.loading import load_scenario

        load_scenario(scenario)  # a scenario that does not exist is an error here too
        click.echo(estimates_template(), nl=False)
        return
    if estimates is None:
        raise PolmodelError("elicit: give an estimates file FILE.csv (polmodel elicit --template "
                            "prints one)")
    _check_format(as_json, as_csv)
    from polmodel.cli.options import _load

    sc = _load(scenario, None, policies)  # as every command loads its scenario
    stem = file_name(sc.name, "estimates")
    names = [f"{stem}.toml", f"{stem}-verdicts.csv", f"{stem}-verdicts.csv-metadata.json",
             f"{stem}-elicitation.json", f"{stem}-disagreement.png"]
    with prepare_out(out, file_name(sc.name, "elicit"), names, force) or nullcontext() as outset:
        result = elicit(estimates, sc, worlds=worlds, seed=seed, policies=policies or None,
                        aggregator=aggregator, round=round_)
        echo_result(as_json, as_csv, data=result.to_dict, csv=result.to_csv, text=result.summary)
        if outset is not None:
            verdicts = result.to_csv()
            commit_out(outset, dict(zip(names, [
                result.pooled_toml, verdicts, csv_sidecar(result.provenance(), verdicts),
                json_text(result.to_dict()),
                figure_png(result.plot, layout="constrained",
                           figsize=(9, 2.2 + 0.42 * (len(result.participants) + 1)))])),
                scenario=sc, seed=seed, worlds=worlds)
            click.echo("run the pooled scenario with: polmodel compare "
                       f"{escape_controls(str(out / names[0]))}", err=True)
