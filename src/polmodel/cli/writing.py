"""What commands write: output sets in --out folders, single named files, figures."""

from __future__ import annotations

import functools
import os
import tempfile
from contextvars import ContextVar
from pathlib import Path

import click

from polmodel.cli.common import BadInput
from polmodel.errors import escape_controls

_COLLECTING: ContextVar = ContextVar("polmodel_output_set", default=None)


class _Collector:
    """Files a command writes into its --out folder, kept until the command succeeds."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self.files: dict[str, bytes | str] = {}

    def take(self, path: Path, data: bytes | str) -> bool:
        from polmodel.errors import PolmodelError

        if path.parent.resolve() != self.folder:
            # Never written past the set: a name that steers a file elsewhere is refused.
            raise PolmodelError(f"{path}: not inside --out {self.folder}; output files are "
                                "written only into the --out folder")
        self.files[path.name] = data
        return True


def output_set(func=None):
    """Make a command's --out files one set: checked before, written together after, manifest last.

    For commands that write with :func:`write_atomically` / :func:`write_figure`: the folder is
    prepared (made, probed, locked, temporaries cleaned, --force checked) before the command
    runs, what it writes into the folder is kept in memory, and written as one set with its
    manifest when the command succeeds; nothing is written if it fails. A command that
    declares ``force`` plans its own set (:func:`prepare_out`, :func:`commit_out`), and is
    returned as it is.
    """
    if func is None:
        return output_set
    import inspect

    if "force" in inspect.signature(func).parameters:
        return func  # the command plans its own set

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        force = kwargs.pop("force", False)
        out = kwargs.get("out")
        if out is None:
            return func(*args, **kwargs)
        from polmodel.views.outputs import prepare

        ctx = click.get_current_context()
        scenario = kwargs.get("scenario")
        from polmodel.names import file_name

        stem = Path(str(scenario)).stem if scenario else ""
        folder, label = Path(out), file_name(*(p for p in (stem, ctx.info_name) if p))
        with prepare(folder, label, None, force=force) as outset:
            collector = _Collector(folder)
            token = _COLLECTING.set(collector)
            try:
                result = func(*args, **kwargs)
            finally:
                _COLLECTING.reset(token)
            if collector.files:
                outset.commit(collector.files, _manifest_info(ctx))
        return result

    return wrapper


def _manifest_info(ctx: click.Context) -> dict:
    from polmodel import __version__

    return {"polmodel": __version__, "command": ctx.info_name,
            "options": {k: _plain_option(v) for k, v in ctx.params.items()}}


def prepare_out(out: Path | None, label: str, names: list[str], force: bool):
    """Check and lock the --out folder for a command's files before computing (None: no --out)."""
    if out is None:
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
    click.echo(f"wrote {len(files)} files to {escape_controls(str(outset.folder))} "
               f"(listed in {outset.manifest.name})", err=True)


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


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write one file through a temporary name, so a failure never leaves half a file.

    Inside a command wrapped by :func:`output_set`, a file for its --out folder is kept and
    written with the rest of the set instead.
    """
    collector = _COLLECTING.get()
    if collector is not None and collector.take(path, data):
        return
    import stat

    try:
        existing = os.stat(path).st_mode
    except OSError:  # nothing there (or nothing readable): the write below says what fails
        existing = None
    if existing is not None and not stat.S_ISREG(existing) and not stat.S_ISDIR(existing):
        # Renaming over a FIFO or a device would replace it: never done to a file not ours.
        raise BadInput(f"{path}: is not a regular file (a device, FIFO or socket), so the output "
                       "is not written over it; allowed: a new file or a regular file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as err:
        raise BadInput(f"{path.parent}: cannot write here: {err.strerror}") from None
    mode = "wb" if isinstance(data, bytes) else "w"
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as f:
            f.write(data)
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        from polmodel.views.text import current_umask

        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except IsADirectoryError:
        Path(tmp).unlink(missing_ok=True)
        raise BadInput(f"{path}: is a folder, so the output file cannot be written") from None
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise BadInput(f"{path}: cannot write the output: {err.strerror or err}; nothing was "
                       "written (free space, or write it somewhere with room)") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_figure(fig, path: Path) -> None:
    """Save a matplotlib figure atomically as PNG."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    write_atomically(path, buf.getvalue())


def new_figure(**kwargs):
    """A figure that needs no display (the CLI never opens windows)."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)


