"""The ``polmodel`` command: a thin shell over the library.

Each command loads a scenario, calls one library function and prints its result. Library errors
(:class:`polmodel.errors.PolmodelError`) become one line on stderr and exit status 2. Heavy
modules are imported inside the commands so ``polmodel --help`` stays fast. Commands live in
modules by theme (``core``: run, compare, scenarios, levers, validate; ``room``: report, new) and register themselves
on :data:`main` when imported here.
"""

from polmodel.cli import (
    analysis,  # noqa: F401  (registers sensitivity, discover, sweep, show)
    core,  # noqa: F401  (registers the commands)
    room,  # noqa: F401  (registers report and new)
    workshop,  # noqa: F401  (registers elicit)
)
from polmodel.cli.app import main

__all__ = ["main"]
