"""The ``polmodel`` command group; the commands register themselves in their own modules."""

from __future__ import annotations

import click

from polmodel.cli.common import PolmodelGroup


@click.group(cls=PolmodelGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="polmodel")
@click.pass_context
def main(ctx: click.Context) -> None:
    """polmodel: compare policy levers on the four conditions for a change of course.

    Sensitivity, not prediction: results are shares of plausible worlds under a scenario's
    stated assumptions. With no command, runs the default scenario (venezuela-2018).
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(main.commands["run"])
