"""The options and arguments commands share, and loading the scenario they name."""

from __future__ import annotations

from pathlib import Path

import click

from polmodel.cli.common import DEFAULT_SCENARIO, BadInput
from polmodel.cli.writing import OutFolder
from polmodel.errors import escape_controls
from polmodel.limits import MAX_HORIZON, MAX_WORKERS


def _output_options(func):
    """--json, --csv, --out and --force, shared by the commands that produce results.

    Each command plans its output set before computing (:func:`polmodel.cli.writing.prepare_out`)
    and writes it as one set with its manifest (:func:`polmodel.cli.writing.commit_out`).
    """
    func = click.option("--force", is_flag=True,
                        help="With --out: replace the files of an earlier run.")(func)
    func = click.option("--out", "out", type=OutFolder(),
                        help="Folder for figures and data files (created if needed); a manifest "
                             "listing them is written last.")(func)
    func = click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")(func)
    func = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(func)
    return func


def _aggregator_option(func):
    return click.option("--aggregator", type=click.Choice(["min", "product", "geometric"]),
                        help="Fuzzy AND for the opening index (the scenario's by default).")(func)


def _horizon_option(func):
    """--horizon, the same for every command: a whole number of months up to MAX_HORIZON."""
    return click.option("--horizon", type=click.IntRange(1, MAX_HORIZON),
                        help="Months to simulate (the scenario's by default).")(func)


def _structure_option(func):
    from polmodel.model.structures import STRUCTURES

    return click.option("--structure", type=click.Choice(list(STRUCTURES)),
                        help="Formula of the opening index (the scenario's by default); "
                             "'polmodel structures' lists them.")(func)


def _scenario_argument(func):
    return click.argument("scenario", required=False, default=DEFAULT_SCENARIO,
                          metavar="[SCENARIO|FILE]")(func)


def _check_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")


def _load(scenario: str, horizon: int | None, policies: tuple[str, ...]):
    """Load a scenario, apply --horizon and check that the chosen policies (all by default) fit.

    Bad input then stops before any work is done or any file is written.
    """
    from polmodel.limits import MAX_POLICIES
    from polmodel.scenario.loading import load_scenario

    sc = load_scenario(scenario)
    _say_which(scenario)
    _note_placeholders(sc)
    if horizon is not None:
        sc = sc.with_horizon(horizon)
    if len(set(policies)) > MAX_POLICIES:
        raise BadInput(f"--policy: {len(set(policies))} given; allowed: at most {MAX_POLICIES}")
    for name in policies or sc.policies:
        sc.schedule(name)
    return sc


def _note_placeholders(sc) -> None:
    """Say on stderr when answers would come from the template's placeholder numbers."""
    if sc.placeholders():
        click.echo(f"note: {escape_controls(sc.placeholder_note())}", err=True)


def _say_which(scenario: str) -> None:
    """A built-in name wins over a file NAME.toml here: say so, so nobody runs the wrong one."""
    path = Path(str(scenario))
    if path.suffix != ".toml" and not path.exists() and Path(f"{scenario}.toml").is_file():
        click.echo(f"note: {escape_controls(str(scenario))} is the built-in scenario; the file "
                   f"{escape_controls(str(scenario))}.toml here is not used (give the name with "
                   ".toml to run the file)", err=True)


def _set_option(func):
    """--set NAME=VALUE or NAME=LOW:HIGH (repeatable): what-ifs without editing the file."""
    return click.option(
        "--set", "sets", multiple=True, metavar="NAME=VALUE|LOW:HIGH",
        help="What-if (repeatable): fix an assumption (initial.crisis=0.9, rally=0.02) or give it "
             "a new plausible range (rally=0.01:0.03). Names: `polmodel show`.")(func)


def _apply_sets(sc, sets: tuple[str, ...], *, ranges: bool = True):
    """Parse and apply --set to a loaded scenario; returns (scenario, settings)."""
    if not sets:
        return sc, {}
    from polmodel.scenario.whatif import apply_settings, parse_settings

    settings = parse_settings(sets, sc, ranges=ranges)
    return apply_settings(sc, settings), settings


def _engine_option(func):
    return click.option("--engine", type=click.Choice(["numpy", "compiled"]), default="numpy",
                        show_default=True,
                        help="compiled: C generated from the equations, built once with the "
                             "system's C compiler; the same numbers within 1e-12, several times "
                             "faster (numpy, with a warning, without a compiler).")(func)


def _workers_option(func):
    return click.option("--workers", type=click.IntRange(1, MAX_WORKERS), default=1,
                        show_default=True,
                        help="Processes to run worlds in (never more than there are chunks of "
                             "worlds); results do not depend on it.")(func)


def _scheduler_option(func):
    return click.option("--scheduler", metavar="ADDRESS",
                        help="Run the worlds on the Dask cluster whose scheduler is at ADDRESS "
                             "(tcp://HOST:8786; needs polmodel[dask]) instead of --workers; "
                             "docs/distributed.md says what holds.")(func)
