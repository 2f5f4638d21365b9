"""Commands for the room: the printable handout (``report``) and a new scenario file (``new``)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from polmodel.cli.app import main
from polmodel.cli.common import DEFAULT_SCENARIO, BadInput, _library_errors
from polmodel.cli.options import (
    _aggregator_option,
    _apply_sets,
    _horizon_option,
    _load,
    _scenario_argument,
    _set_option,
    _structure_option,
)
from polmodel.errors import escape_controls


@main.command("report")
@_scenario_argument
@click.option("--out", "out", metavar="FILE.html",
              help="The HTML file to write (a file, not a folder) [default: SCENARIO-handout.html "
                   "here]. A handout polmodel wrote is replaced; any other file needs --force; a "
                   "folder, device or FIFO never is.")
@click.option("--policy", "policies", multiple=True, metavar="NAME",
              help="Policy to include (repeatable); all of the scenario's by default.")
@click.option("--pair", nargs=2, metavar="A B",
              help="The two policies the pair figure and the sensitivity section are about.")
@click.option("--worlds", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Number of plausible worlds (for the comparison and the boxes, as discover).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed: same seed, same worlds.")
@click.option("--sampler", type=click.Choice(["lhs", "sobol"]), default="lhs", show_default=True,
              help="Latin hypercube, or scrambled Sobol' (needs a power-of-2 --worlds).")
@_horizon_option
@_aggregator_option
@_structure_option
@click.option("--pdf", is_flag=True, help="Also print it to FILE.pdf beside it with a local Chromium "
                                          "(replaced by the same rule as the HTML file).")
@click.option("--force", is_flag=True, help="Replace an existing file polmodel did not write (never "
                                            "a folder, device or FIFO).")
@click.option("--brief", is_flag=True, help="The first four pages only (no appendix).")
@click.option("--sobol", is_flag=True, help="Add Sobol' indices to the appendix (about three times "
                                            "the handout's own time).")
@_set_option
@_library_errors
def report_command(scenario=DEFAULT_SCENARIO, out=None, policies=(), pair=None, worlds=2000, seed=0,
                   sampler="lhs", horizon=None, aggregator=None, pdf=False, force=False, sets=(),
                   brief=False, sobol=False, structure=None):
    """Write the workshop handout: one self-contained HTML file that prints on A4 and Letter.

    Page 1 answers the scenario's question (which of two policies gives the higher opening
    index, in shares of plausible worlds), says under which readings the answer holds, what
    decides it and what you would have to believe; then the policies side by side, the
    conditions over time and the model on one page; then an appendix (every assumption with
    its range and source, the full tables, every reading), which --brief leaves out. Figures
    are inside the file, nothing is fetched from a network. Print it from a browser, or add
    --pdf. With --set, the what-ifs apply to every result and are listed on page 1.

    Running it again replaces the handout (and its PDF) in one step: the file carries its
    provenance inside, and no manifest is written beside it.
    """
    from polmodel.names import file_name
    from polmodel.room.handout import handout, is_handout
    from polmodel.room.pdf import is_handout_pdf, pdf_bytes
    from polmodel.views.outputs import prepare_file

    sc = _load(scenario, horizon, policies + tuple(pair or ()))
    sc, _ = _apply_sets(sc, sets)
    default = file_name(sc.name, "handout.html")
    out = default if out is None else out
    path = Path(out)
    if out.endswith(("/", os.sep)) or path.name in ("", ".", ".."):
        raise BadInput(f"--out {out}: names a folder; allowed: the name of an .html file, e.g. "
                       f"{Path(out, default)}")
    target = path.with_suffix(".pdf") if pdf else None
    if target is not None and target.name == path.name:
        raise BadInput(f"--out {out} with --pdf: the handout and its PDF would both be "
                       f"{target.name}; give --out a name ending in .html")

    def ours(p: Path) -> bool:
        return is_handout_pdf(p) if target is not None and p.name == target.name else is_handout(p)

    # Both files are checked before computing, and written together once both are whole.
    with prepare_file(path, force=force, also=[target.name] if target else [], ours=ours) as outset:
        text = handout(sc, worlds=worlds, seed=seed, sampler=sampler, aggregator=aggregator,
                       structure=structure,
                       policies=policies or None, pair=tuple(pair) if pair else None,
                       brief=brief, sobol=sobol)
        files = {path.name: text}
        if target is not None:
            files[target.name] = pdf_bytes(text)
        outset.commit(files, {})
    click.echo(f"wrote the handout to {escape_controls(str(path))}", err=True)
    if target is not None:
        click.echo(f"wrote {escape_controls(str(target))}", err=True)


@main.command("new")
@click.argument("name", metavar="NAME")
@click.option("--force", is_flag=True, help="Replace NAME.toml if it exists.")
@_library_errors
def new_command(name, force):
    """Start a scenario: copy the commented template to NAME.toml here, ready to fill in.

    NAME is a plain name (no folders, no spaces). It may not be a built-in scenario's name:
    `polmodel run NAME` runs the built-in scenario of that name, so a file NAME.toml would be
    passed over. Then edit it, check it with `polmodel validate NAME.toml` and run it with
    `polmodel run NAME.toml` or `polmodel report NAME.toml`.
    """
    from polmodel.errors import PolmodelError
    from polmodel.names import check_name
    from polmodel.scenario.loading import list_scenarios, template_text
    from polmodel.views.outputs import prepare_file

    stem = name.removesuffix(".toml")
    if (not stem or stem.startswith(".") or any(ch in name for ch in "/\\")
            or any(ch.isspace() for ch in stem)):
        raise BadInput(f"NAME {name!r}: allowed: a plain file name without '/', spaces or a leading "
                       "dot, e.g. chile-2019 (NAME.toml is written in this folder)")
    if stem.startswith("-"):  # `polmodel validate -x.toml` would read it as an option
        raise BadInput(f"NAME {name!r}: starts with '-', so commands would read NAME.toml as an "
                       "option; allowed: a plain file name starting with a letter or digit, e.g. "
                       "chile-2019")
    check_name(stem, "NAME")
    if stem in list_scenarios():
        raise BadInput(f"NAME {stem!r}: is a built-in scenario's name, and `polmodel run {stem}` "
                       f"would run the built-in, not your file; choose another NAME, e.g. "
                       f"{stem}-mine")
    target = Path(f"{stem}.toml")
    if (target.exists() or target.is_symlink()) and not force:
        raise BadInput(f"{target}: already exists; choose another NAME or add --force")
    try:
        with prepare_file(target, force=True) as outset:  # never over a folder, device or FIFO
            outset.commit({target.name: template_text()}, {})
    except PolmodelError as err:  # the output set's words name --out, which new does not have
        raise PolmodelError(*(p.replace("choose another --out", "choose another NAME")
                              for p in err.problems)) from None
    click.echo(f"wrote {target}: fill in the values, ranges and sources, then run "
               f"`polmodel validate {target}`")
