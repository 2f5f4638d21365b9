"""What every command shares: one-line errors, shared options, loading, output sets, executors.

Every way a command can fail ends in one line on stderr: bad input and usage errors (exit 2),
an interrupt (Ctrl-C, exit 130), an internal failure (exit 1, saying what to report). Control
characters are escaped and long values shortened in every message, and in the text printed.
"""

from __future__ import annotations

import functools
import os
import sys
import tempfile
from contextvars import ContextVar
from pathlib import Path

import click

from polmodel.errors import escape_controls, one_line
from polmodel.limits import MAX_WORKERS

DEFAULT_SCENARIO = "venezuela-2018"
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_INTERNAL = 1


class BadInput(click.ClickException):
    """An error with exit status 2 (bad input): one line per problem, without a traceback."""

    exit_code = EXIT_BAD_INPUT

    def format_message(self) -> str:  # noqa: D102
        return "\n".join(one_line(line) for line in self.message.split("\n"))


class Interrupted(click.ClickException):
    """Ctrl-C: queued work was cancelled; nothing half-written is left listed as complete."""

    exit_code = EXIT_INTERRUPTED


def _say(message: str) -> None:
    """Print a message as ``Error:`` lines: one per problem (a newline separates problems)."""
    for line in message.split("\n"):
        click.echo(f"Error: {one_line(line)}", err=True)


class PolmodelGroup(click.Group):
    """A click group whose every failure is one line: usage errors too (click prints three)."""

    def invoke(self, ctx: click.Context):  # noqa: D102
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted("interrupted; stopped and cancelled the queued work (no output "
                              "set was completed)") from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # noqa: D102
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        from polmodel.errors import PolmodelError

        code = 0
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = rv if isinstance(rv, int) and not isinstance(rv, bool) else 0
            sys.stdout.flush()  # a full disk or closed pipe on stdout is reported here, once
        except Interrupted as err:
            _say(err.message)
            code = EXIT_INTERRUPTED
            if _STOPPED_POOL:
                # The pool's threads could still wait on processes that were just stopped: end
                # now, the message printed and nothing left to write.
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        except (click.Abort, KeyboardInterrupt):
            _say("interrupted; stopped")
            code = EXIT_INTERRUPTED
        except click.ClickException as err:
            message = _plain_click(_plain_numbers(err.format_message(), getattr(err, "param", None)),
                                   getattr(err, "param", None))
            ctx = getattr(err, "ctx", None)
            if isinstance(err, click.UsageError) and ctx is not None:
                message = f"{message} (see '{ctx.command_path} --help')"
            _say(message)
            code = EXIT_BAD_INPUT
        except PolmodelError as err:
            _say(str(err))
            code = EXIT_BAD_INPUT
        except MemoryError:
            _say(OUT_OF_MEMORY)
            code = EXIT_BAD_INPUT
        except OSError as err:  # the system said no: a name too long, a full disk, a closed pipe
            code = _os_error(err)
        except Exception as err:  # the last line of defence: one line, and what to report
            _say(f"internal error ({type(err).__name__}: {err}); this is a bug in polmodel: please "
                 "report it to its maintainers with this line, the command line and the output "
                 "of `polmodel --version`")
            code = EXIT_INTERNAL
        sys.exit(code)


def _plain_numbers(message: str, param) -> str:
    """Click's "'1.5' is not a valid integer range." as "... is not a whole number; allowed: ..."."""
    for kind, words in (("integer range", "a whole number"), ("integer", "a whole number"),
                        ("float range", "a number"), ("float", "a number")):
        if f"is not a valid {kind}." not in message:
            continue
        low, high = (getattr(getattr(param, "type", None), k, None) for k in ("min", "max"))
        allowed = words + (f" from {low:,}" if low is not None else "") + (
            f" to {high:,}" if high is not None else "")
        return message.replace(f"is not a valid {kind}.", f"is not {words}; allowed: {allowed}.")
    return message


def _plain_click(message: str, param) -> str:
    """Click's usage errors in the house's words: the option first, what was wrong, what is allowed.

    "Invalid value for '--x': ...", "Missing option '--x'.", "Option '--x' requires an argument."
    and "Got unexpected extra argument (y)" name click's grammar, not the user's options.
    """
    import re

    m = re.fullmatch(r"Invalid value for '([^']+)': (.*?)\.?", message)
    if m:
        option, rest = m.groups()
        choices = getattr(getattr(param, "type", None), "choices", None)
        given = re.match(r"('.*?'|\S+) is not", rest)
        if choices and given:
            return f"{option}: {given.group(1)} is not allowed; allowed: {', '.join(map(str, choices))}"
        ranged = re.fullmatch(r"(\S+) is not in the range (.*)", rest)
        low, high = (getattr(getattr(param, "type", None), k, None) for k in ("min", "max"))
        if ranged and (low is not None or high is not None):
            words = "a whole number" if isinstance(param.type, click.IntRange) else "a number"
            bounds = (f" from {low:,}" if low is not None else "") + (
                f" to {high:,}" if high is not None else "")
            return f"{option}: {ranged.group(1)} is not allowed; allowed: {words}{bounds}"
        return f"{option}: {rest}"
    m = re.fullmatch(r"Missing (option|argument) '([^']+)'\.?", message)
    if m:
        return f"{m.group(2)}: missing; this {m.group(1)} is required"
    m = re.fullmatch(r"Option '([^']+)' requires (an argument|(\d+) arguments)\.?", message)
    if m:
        return f"{m.group(1)}: no value given; allowed: {m.group(3) or 'one'} value" + (
            "s" if m.group(3) else "") + " after it"
    m = re.fullmatch(r"Got unexpected extra arguments? \((.*)\)\.?", message)
    if m:
        return f"{m.group(1)}: unexpected argument; allowed: the arguments and options in --help"
    return message


def _os_error(err: OSError) -> int:
    """Say in one line what the system refused; returns the exit status (2: a bad name)."""
    import errno

    if err.filename is None and err.errno in (errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EBADF,
                                              errno.EDQUOT):
        # Output cannot be written (stdout or a file on a full disk, a closed pipe): say so
        # once, and let nothing flush to stdout again at exit (which would print a traceback).
        if not _stdout_usable():
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError):
                pass
        _say(f"cannot write the output: {err.strerror or err}; free space, or write it "
             "somewhere with room")
        return EXIT_INTERNAL
    name = err.filename if err.filename is not None else ""
    shown = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
    if err.errno in (errno.ENOSPC, errno.EDQUOT):  # a file named: say which could not be written
        _say(f"{shown}: cannot write the output: {err.strerror or err}; free space, or write it "
             "somewhere with room")
        return EXIT_INTERNAL
    if err.errno == errno.ENAMETOOLONG:
        _say(f"{shown}: the name is too long for this system; allowed: at most 255 bytes a "
             "folder or file name, and 4,096 bytes a path")
        return EXIT_BAD_INPUT
    _say(f"{shown + ': ' if shown else ''}{err.strerror or err}")
    return EXIT_BAD_INPUT if err.errno in (errno.EILSEQ, errno.EINVAL) else EXIT_INTERNAL


def _stdout_usable() -> bool:
    try:
        sys.stdout.flush()
        return True
    except (OSError, ValueError):
        return False


OUT_OF_MEMORY = ("out of memory; use fewer --worlds, fewer policies or a shorter --horizon, or "
                 "free memory")


def _library_errors(func):
    """Turn PolmodelError (and running out of memory) into BadInput: one line, status 2."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from polmodel.errors import PolmodelError

        try:
            return func(*args, **kwargs)
        except PolmodelError as err:
            raise BadInput("\n".join(err.problems)) from None
        except MemoryError:
            raise BadInput(OUT_OF_MEMORY) from None

    return wrapper


def echo_text(text: str, **kwargs) -> None:
    """Print text for a terminal: control characters escaped (titles come from files), lines kept."""
    click.echo(escape_controls(text, keep="\n\t"), **kwargs)


def _output_options(func):
    """--json, --csv, --out and --force, shared by the commands that produce results.

    A command that takes ``force`` itself plans its output set (:func:`prepare_out`); for the
    others, every file they write into --out is collected and written as one set at the end.
    """
    func = output_set(func)
    func = click.option("--force", is_flag=True,
                        help="With --out: replace the files of an earlier run.")(func)
    func = click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
                        help="Folder for figures and data files (created if needed); a manifest "
                             "listing them is written last.")(func)
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
    from polmodel.limits import MAX_POLICIES
    from polmodel.scenario.loading import load_scenario

    sc = load_scenario(scenario)
    _say_which(scenario)
    if horizon is not None:
        sc = sc.with_horizon(horizon)
    if len(set(policies)) > MAX_POLICIES:
        raise BadInput(f"--policy: {len(set(policies))} given; allowed: at most {MAX_POLICIES}")
    for name in policies or sc.policies:
        sc.schedule(name)
    return sc


def _say_which(scenario: str) -> None:
    """A built-in name wins over a file NAME.toml here: say so, so nobody runs the wrong one."""
    path = Path(str(scenario))
    if path.suffix != ".toml" and not path.exists() and Path(f"{scenario}.toml").is_file():
        click.echo(f"note: {escape_controls(str(scenario))} is the built-in scenario; the file "
                   f"{escape_controls(str(scenario))}.toml here is not used (give the name with "
                   ".toml to run the file)", err=True)


def echo_result(as_json: bool, as_csv: bool, *, data, csv, text) -> None:
    """Print a result as strict JSON, CSV or terminal text, whichever was asked for.

    ``data``, ``csv`` and ``text`` are functions, so only the format printed is built; every
    command prints through here, so each format means the same everywhere (NaN is never JSON,
    control characters from files are escaped on the terminal).
    """
    if as_json:
        click.echo(json_text(data()))
    elif as_csv:
        echo_text(csv(), nl=False)
    else:
        echo_text(text())


def json_text(data) -> str:
    """JSON for stdout and files: strict (a NaN or infinity is a bug, never printed)."""
    import json

    return json.dumps(data, indent=2, allow_nan=False)


# ---- Output sets ---------------------------------------------------------------------------

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


class LazyProgress:
    """A click progress bar that appears on the first progress, so early errors stay one line.

    When it stops on an error, the line its label or bar left open is ended, once: the error
    that follows starts its own line, right after the label (never glued to it, never after a
    blank line), whatever click wrote after the label.
    """

    def __init__(self, **kwargs) -> None:
        self.stream = _LineEnds(kwargs.pop("file", None) or sys.stderr)
        self.kwargs = kwargs
        self.bar = None

    def update(self, n: int) -> None:
        """Advance by ``n`` (starting the bar on first use)."""
        if self.bar is None:
            self.bar = click.progressbar(file=self.stream, **self.kwargs)
            self.bar.__enter__()
        self.bar.update(n)

    def __enter__(self) -> LazyProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is None:
            return
        self.bar.__exit__(*exc)
        if exc[0] is not None and self.stream.open_line:
            self.stream.write("\n")  # a bar stopped early can leave its line open: end it
            self.stream.flush()


class _LineEnds:
    """A text stream that remembers whether what was written to it ends a line."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self.open_line = False

    def write(self, text: str) -> int:  # noqa: D102
        if text:
            self.open_line = not text.endswith("\n")
        return self._stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


# ---- Executors -----------------------------------------------------------------------------


def _workers_option(func):
    return click.option("--workers", type=click.IntRange(1, MAX_WORKERS), default=1,
                        show_default=True,
                        help="Processes to run worlds in (never more than there are chunks of "
                             "worlds); results do not depend on it.")(func)


def process_count(workers: int, worlds: int, chunk_size: int) -> int:
    """Processes worth starting: no more than asked, and no more than there are chunks."""
    chunks = -(-worlds // chunk_size)
    return max(1, min(workers, chunks))


def _worker_setup() -> None:
    """Worker processes leave Ctrl-C to the main process, which cancels and reports once.

    They also stop if the main process dies (killed, say): a worker waiting for work from a
    parent that is gone would otherwise wait for ever.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        import time

        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="polmodel-parent-watch").start()


def make_executor(workers: int, worlds: int, chunk_size: int):
    """A process pool of :func:`process_count` processes, or None to run in this process."""
    n = process_count(workers, worlds, chunk_size)
    if n <= 1:
        return None
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=n, initializer=_worker_setup)


def shutdown(executor, *, interrupted: bool = False) -> None:
    """Stop an executor, cancelling queued work.

    After an interrupt or an error, the worker processes are also stopped at once rather than
    left to finish their running chunks (seconds each on a busy machine): their results would
    be thrown away.
    """
    if executor is None:
        return
    if not interrupted:
        executor.shutdown(wait=True, cancel_futures=True)
        return
    # ProcessPoolExecutor keeps its processes in a private table (emptied by shutdown, so read
    # first); other executors (a Dask client's) have none and keep their own cancellation.
    processes = list((getattr(executor, "_processes", None) or {}).values())
    call_queue = getattr(executor, "_call_queue", None)
    executor.shutdown(wait=False, cancel_futures=True)
    if call_queue is not None:
        # Chunks already handed to the queue would be fed to processes that are gone: do not
        # let exit wait for that.
        call_queue.cancel_join_thread()
    for proc in processes:
        proc.terminate()
    for proc in processes:
        proc.join(timeout=5)
    if processes:
        _STOPPED_POOL.append(True)


_STOPPED_POOL: list = []  # set when an interrupt stopped worker processes (see PolmodelGroup.main)
