"""Commands for the room: the printable handout (``report``) and a new scenario file (``new``)."""

from __future__ import annotations

from pathlib import Path

import click

from polmodel.cli.app import main
from polmodel.cli.common import (
    DEFAULT_SCENARIO,
    BadInput,
    _aggregator_option,
    _library_errors,
    _load,
    _scenario_argument,
    output_set,
    write_atomically,
)


@main.command("report")
@_scenario_argument
@click.option("--out", "out", type=click.Path(path_type=Path),
              help="The HTML file to write [default: SCENARIO-handout.html here].")
@click.option("--policy", "policies", multiple=True, metavar="NAME",
              help="Policy to include (repeatable); all of the scenario's by default.")
@click.option("--pair", nargs=2, metavar="A B",
              help="The two policies the pair figure and the sensitivity section are about.")
@click.option("--worlds", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Number of plausible worlds.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed: same seed, same worlds.")
@click.option("--sampler", type=click.Choice(["lhs", "sobol"]), default="lhs", show_default=True,
              help="Latin hypercube, or scrambled Sobol' (needs a power-of-2 --worlds).")
@click.option("--horizon", type=click.IntRange(min=1), help="Months to simulate.")
@_aggregator_option
@click.option("--pdf", is_flag=True, help="Also print it to PDF beside it with a local Chromium.")
@output_set(single_file=True)
@_library_errors
def report_command(scenario=DEFAULT_SCENARIO, out=None, policies=(), pair=None, worlds=1000, seed=0,
                   sampler="lhs", horizon=None, aggregator=None, pdf=False):
    """Write the workshop handout: one self-contained HTML file that prints on A4 and Letter.

    It holds the scenario and its sources, the assumptions, the central run, the policy
    comparison, what decides it, the caveat and the provenance; figures are embedded, nothing
    is fetched from a network. Print it from a browser, or add --pdf.
    """
    from polmodel.room.handout import handout, write_pdf

    sc = _load(scenario, horizon, policies + tuple(pair or ()))
    if out is None:
        out = Path(f"{sc.name}-handout.html")
    if out.exists() and out.is_dir():
        raise BadInput(f"--out {out}: is a folder; give the name of an .html file")
    text = handout(sc, worlds=worlds, seed=seed, sampler=sampler, aggregator=aggregator,
                   policies=policies or None, pair=tuple(pair) if pair else None)
    write_atomically(out, text)
    click.echo(f"wrote the handout to {out}", err=True)
    if pdf:
        target = out.with_suffix(".pdf")
        write_pdf(out, target)
        click.echo(f"wrote {target}", err=True)


@main.command("new")
@click.argument("name", metavar="NAME")
@click.option("--force", is_flag=True, help="Replace NAME.toml if it exists.")
@_library_errors
def new_command(name, force):
    """Start a scenario: copy the commented template to NAME.toml, ready to fill in.

    Then edit it, check it with `polmodel validate NAME.toml` and run it with
    `polmodel run NAME.toml` or `polmodel report NAME.toml`.
    """
    from polmodel.scenario.loading import TEMPLATE, scenario_dir

    target = Path(name if name.endswith(".toml") else f"{name}.toml")
    stem = target.stem
    if not stem or stem.startswith(".") or any(ch in stem for ch in " \t\n\r"):
        raise BadInput(f"NAME {name!r}: allowed: a file name without spaces, e.g. chile-2019")
    if target.exists() and not force:
        raise BadInput(f"{target}: already exists; choose another NAME or add --force")
    template = scenario_dir() / f"{TEMPLATE}.toml"
    write_atomically(target, template.read_text(encoding="utf-8"))
    click.echo(f"wrote {target}: fill in the values, ranges and sources, then run "
               f"`polmodel validate {target}`")
