"""What every command shares: one-line errors, shared options, loading, writing files."""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import click

DEFAULT_SCENARIO = "venezuela-2018"


class BadInput(click.ClickException):
    """A one-line error with exit status 2 (bad input), printed without a traceback."""

    exit_code = 2


def _library_errors(func):
    """Turn PolmodelError into BadInput, so the user sees one line and status 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from polmodel.errors import PolmodelError

        try:
            return func(*args, **kwargs)
        except PolmodelError as err:
            raise BadInput(str(err)) from None

    return wrapper


def _output_options(func):
    """--json, --csv and --out, shared by the commands that produce results."""
    func = click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
                        help="Folder for figures and data files (created if needed).")(func)
    func = click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")(func)
    func = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(func)
    return func


def _aggregator_option(func):
    return click.option("--aggregator", type=click.Choice(["min", "product", "geometric"]),
                        help="Fuzzy AND for the opening index (the scenario's by default).")(func)


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
    from polmodel.scenario import load_scenario

    sc = load_scenario(scenario)
    if horizon is not None:
        sc = sc.with_horizon(horizon)
    for name in policies or sc.policies:
        sc.schedule(name)
    return sc


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write a file through a temporary name, so a failure never leaves half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as err:
        raise click.ClickException(f"{path.parent}: cannot write here: {err.strerror}") from None
    mode = "wb" if isinstance(data, bytes) else "w"
    try:
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8", "newline": ""})) as f:
            f.write(data)
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        from polmodel.text import current_umask

        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
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
    from polmodel.whatif import apply_settings, parse_settings

    settings = parse_settings(sets, sc, ranges=ranges)
    return apply_settings(sc, settings), settings
