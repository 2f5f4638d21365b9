"""The ``polmodel`` command: a thin shell over the library.

Each command loads a scenario, calls one library function and prints its result. Library errors
(:class:`polmodel.errors.PolmodelError`) become one line on stderr and exit status 2. Heavy
modules are imported inside the commands so ``polmodel --help`` stays fast. Commands live in
modules by theme (``core``: run, compare, scenarios, levers, validate, show; ``analysis``:
sensitivity, discover, sweep; ``room``: report, new; ``live``: room; ``workshop``: elicit) and register
themselves on :data:`main` when imported here; ``common``, ``options``, ``writing`` and
``workers`` hold what they share.
"""

import os as _os
import signal as _signal
import sys as _sys


def _live_session() -> bool:
    """True when imported in an interactive session or a notebook rather than run as the command."""
    return hasattr(_sys, "ps1") or "ipykernel" in _sys.modules


def _interrupted_while_starting(signum, frame):
    """Ctrl-C before the commands can handle it: one line, status 130, at once.

    Nothing has been written yet, so ending the process is safe; raising instead is not enough,
    because an exception raised in a signal handler while the interpreter compiles a module can
    be dropped, and the command would then go on after saying it stopped.
    """
    if _live_session():  # a notebook's interrupt: the usual KeyboardInterrupt
        raise KeyboardInterrupt
    _sys.stderr.write("Error: interrupted; stopped\n")
    _sys.stderr.flush()
    _os._exit(130)


# polmodel does no linear algebra: the threads OpenBLAS starts when numpy is imported would
# only cost start-up time and spin on the cores; pydantic's plugin search reads the metadata of
# every installed package. Neither serves a polmodel command. Set only for the command starting
# afresh (not in a session that imports this module), and a user's own settings win.
if not _live_session() and "numpy" not in _sys.modules and "pydantic" not in _sys.modules:
    _os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    _os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

try:
    _previous = _signal.signal(_signal.SIGINT, _interrupted_while_starting)
except ValueError:  # imported outside the main thread: leave signals alone
    _previous = None
try:
    from polmodel.cli import (  # noqa: E402
        analysis,  # noqa: F401  (registers sensitivity, discover, sweep, show)
        core,  # noqa: F401  (registers the commands)
        live,  # noqa: F401  (registers room)
        room,  # noqa: F401  (registers report and new)
        workshop,  # noqa: F401  (registers elicit)
    )
    from polmodel.cli.app import main  # noqa: E402
finally:
    if _previous is not None:
        _signal.signal(_signal.SIGINT, _previous)

__all__ = ["main"]
