"""The one exception family of polmodel, and the rule that keeps its messages on one line."""

from __future__ import annotations

import re

MAX_MESSAGE = 600
"""Longest message shown whole; longer ones keep their start (file, key) and end (what is allowed)."""

# C0 and C1 control characters, DEL, and the Unicode line and paragraph separators: anything
# that could break the line, move the cursor or recolour a terminal when a message is printed.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str, keep: str = "") -> str:
    r"""Replace control characters by visible escapes (``\n``, ``\x1b``), except those in ``keep``.

    Parameters
    ----------
    text : str
    keep : str
        Control characters to leave as they are (``"\n"`` for multi-line reports).

    Returns
    -------
    str

    Examples
    --------
    >>> escape_controls("a\nb\x1b[31m")
    'a\\nb\\x1b[31m'
    """

    def visible(match: re.Match) -> str:
        ch = match.group()
        if ch in keep:
            return ch
        return repr(ch)[1:-1] if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"

    return _CONTROL.sub(visible, text)


def one_line(text: str, limit: int = MAX_MESSAGE) -> str:
    """A message as one printable line of at most about ``limit`` characters.

    Control characters are escaped; a long message keeps its start and its end (where messages
    name the file and key, and what is allowed) and says how much was left out of the middle.

    Examples
    --------
    >>> one_line("x: " + "9" * 2000 + " is too long; allowed: 1 to 9", limit=60)
    'x: 999999999999999999999999999 [1972 characters left out] 9 is too long; allowed: 1 to 9'
    """
    text = escape_controls(str(text))
    if len(text) <= limit:
        return text
    head, tail = limit // 2, limit // 2
    left_out = len(text) - head - tail
    return f"{text[:head]} [{left_out} characters left out] {text[-tail:]}"


class PolmodelError(ValueError):
    """Bad input or an impossible request, with a message that says how to fix it.

    One line per problem: where (file and key), what was wrong, what is allowed. Give several
    problems as several arguments (``PolmodelError(first, second)``); the message holds them one
    a line (:attr:`problems`). Control characters inside a problem (a newline in a file name
    included) are escaped and very long values shortened, so a name or value echoed back can
    neither break its line nor flood the terminal. It subclasses ``ValueError`` (a bad value was
    given), so ``except ValueError`` catches it too.
    """

    def __init__(self, *problems: object) -> None:
        self.problems: tuple[str, ...] = tuple(one_line(str(p)) for p in problems) or ("",)
        super().__init__("\n".join(self.problems))
