"""``python -m polmodel``: the same as the ``polmodel`` command."""

from polmodel.cli import main

main()
