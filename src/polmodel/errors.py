"""The one exception family of polmodel."""


class PolmodelError(Exception):
    """Bad input or an impossible request, with a message that says how to fix it.

    Messages are one line: where (file and key), what was wrong, what is allowed.
    """
