"""What commands write: output sets in --out folders, single named files, figures."""

from __future__ import annotations

from pathlib import Path

import click

from polmodel.errors import escape_controls


class OutFolder(click.Path):
    """The type of every --out folder option: a :class:`~pathlib.Path`, its text checked first.

    :func:`polmodel.views.outputs.check_folder` sees the text as typed: once it is a Path, an
    empty --out has become ``.`` (the current folder).
    """

    def __init__(self) -> None:
        super().__init__(file_okay=False, path_type=Path)

    def convert(self, value, param, ctx):  # noqa: D102
        from polmodel.views.outputs import check_folder

        if isinstance(value, (str, bytes)):
            check_folder(value, param.opts[0] if param is not None and param.opts else "--out")
        return super().convert(value, param, ctx)


def _manifest_info(ctx: click.Context) -> dict:
    from polmodel import __version__

    return {"polmodel": __version__, "command": ctx.info_name,
            "options": {k: _plain_option(v) for k, v in ctx.params.items()}}


def prepare_out(out: Path | None, label: str, names: list[str], force: bool):
    """Check and lock the --out folder for a command's files before computing (None: no --out)."""
    if out is None:
        if force:  # accepted, but it would do nothing: say so rather than stay quiet
            click.echo("note: --force replaces an earlier run's files in --out; without --out "
                       "it does nothing", err=True)
        return None
    from polmodel.views.outputs import prepare

    return prepare(out, label, names, force=force)


def commit_out(outset, files: dict[str, bytes | str], scenario=None, **info) -> None:
    """Write the set (temporaries, renames, manifest last) and say where."""
    if outset is None:
        return
    from polmodel.views.manifests import scenario_digest

    manifest = _manifest_info(click.get_current_context())
    if scenario is not None:
        manifest.update(scenario=scenario.name, scenario_sha256=scenario_digest(scenario))
    manifest.update(info)
    outset.commit(files, manifest)
    from polmodel.views.text import counted

    click.echo(f"wrote {counted(len(files), 'file')} to {escape_controls(str(outset.folder))} "
               f"(listed in {outset.manifest.name})", err=True)


def csv_sidecar(prov: str | list[str], csv_text: str) -> str:
    """The JSON beside a CSV file (``NAME.csv-metadata.json``): provenance, caveat, columns.

    The CSV has no comment lines, so the caveat travels here (and in the JSON and the terminal
    text); ``prov`` is one result's provenance line, or one per question for a command that
    answers several (its JSON is then a list too).
    """
    from polmodel.cli.common import json_text
    from polmodel.views.csv_table import csv_columns, csv_metadata

    return json_text(csv_metadata(prov, csv_columns(csv_text)))


def _plain_option(value):
    if isinstance(value, (tuple, list)):
        return [_plain_option(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


def figure_png(draw, **figure_kwargs) -> bytes:
    """A figure drawn by ``draw(ax)`` as PNG bytes (the CLI never opens windows)."""
    import io

    fig = new_figure(**figure_kwargs)
    draw(fig.add_subplot())
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    return buf.getvalue()


def new_figure(**kwargs):
    """A figure that needs no display (the CLI never opens windows)."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)


