"""What every command shares: one-line errors, exit statuses, and printing results.

Every way a command can fail ends in one line on stderr: bad input and usage errors (exit 2),
an interrupt (Ctrl-C, exit 130), an internal failure (exit 1, saying what to report). Control
characters are escaped and long values shortened in every message, and in the text printed.
"""

from __future__ import annotations

import functools
import os
import sys

import click

from polmodel.errors import escape_controls, one_line

DEFAULT_SCENARIO = "venezuela-2018"
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_INTERNAL = 1

_STOPPED_POOL: list = []  # set when an interrupt stopped worker processes (see PolmodelGroup.main)


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



