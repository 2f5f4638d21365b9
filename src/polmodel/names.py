"""Names that cannot become paths or formulas: one rule for policy, scenario and participant names.

A name is what people call a thing in the room ("status-quo", "José Pérez", "../escaped"): any
printable text, checked once where it enters (the scenario schema, the file name of a
scenario, the estimates file) by :func:`check_name`. Names reach the CSV files polmodel writes,
so a name may not start with ``=``, ``+``, ``-`` or ``@`` (:data:`FORMULA_STARTS`), which a
spreadsheet opening the file would run as a formula. A name never becomes a path by itself:
output files are named from :func:`slug`, which keeps an ordinary name as it is and turns any
other into a plain file name that cannot leave the output folder.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from polmodel.errors import PolmodelError

MAX_NAME_CHARS = 100
"""Longest name allowed (characters)."""

MAX_SLUG_BYTES = 64
"""Longest slug (UTF-8 bytes): a few slugs and a suffix still fit one file name (255 bytes)."""

# Controls (C0, C1, DEL, NUL), lone surrogates, line and paragraph separators, and the
# bidirectional overrides and isolates, which reorder what a terminal or a page shows.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn", "Zl", "Zp"})
# ... and the invisible characters that make one name print as another ("status\u200b-quo"):
# zero-width space, byte-order mark, soft hyphen, word joiner. The zero-width (non-)joiners,
# which some scripts need inside names, stay allowed.
_HIDDEN = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                  "\u200b\ufeff\u00ad\u2060")
# A file-name part as it is: letters and digits of any script, spaces and a few marks, no
# leading dot or space (slug() turns anything else into this shape, plus a hash).
# Format characters (category Cf) are invisible; all are refused but the zero-width (non-)joiners
# some scripts need. And characters that print as nothing: fillers and blank patterns.
_JOINERS = frozenset("\u200c\u200d")
_BLANK = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")
FORMULA_STARTS = "=+-@"
"""First characters a name may not have: a spreadsheet reads a cell starting with one as a formula
(CSV injection: ``=HYPERLINK(...)``, ``@SUM(...)``, ``-1+1``)."""

_PLAIN = re.compile(r"[^\W_][\w .+,@()-]*", re.UNICODE)
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9_.+-]+")


def check_not_formula(value: str, what: str) -> str:
    """Refuse text that a spreadsheet would read as a formula: starting with ``= + - @``.

    Leading spaces are passed over (some spreadsheets trim them before reading a cell).

    Examples
    --------
    >>> check_not_formula("=HYPERLINK(1)", "policy name")
    Traceback (most recent call last):
    ...
    polmodel.errors.PolmodelError: policy name '=HYPERLINK(1)' starts with '=', which a spreadsheet reads as a formula; allowed: a name that does not start with =, +, - or @
    """
    first = value.lstrip()[:1]
    if first and first in FORMULA_STARTS:
        raise PolmodelError(f"{what} {value!r} starts with {first!r}, which a spreadsheet reads "
                            f"as a formula; allowed: a name that does not start with "
                            f"{', '.join(FORMULA_STARTS[:-1])} or {FORMULA_STARTS[-1]}")
    return value


def check_name(value: object, what: str) -> str:
    """A name: printable text of 1 to :data:`MAX_NAME_CHARS` characters, not a formula.

    Letters of any script, digits, spaces and punctuation are fine ("José Pérez", "a/b");
    control characters (NUL included), line separators and bidirectional overrides are not,
    nor a first character that makes a spreadsheet read the name as a formula
    (:func:`check_not_formula`).

    Parameters
    ----------
    value : object
        The name as given.
    what : str
        What it names, for the message ("policy name", "participant").

    Returns
    -------
    str
        ``value``, unchanged.

    Raises
    ------
    PolmodelError
        One line naming the value and what is allowed.

    Examples
    --------
    >>> check_name("José Pérez", "participant")
    'José Pérez'
    """
    allowed = (f"allowed: printable text (letters, digits, spaces, punctuation), 1 to "
               f"{MAX_NAME_CHARS} characters, without control characters")
    if not isinstance(value, str):
        raise PolmodelError(f"{what} {value!r:.80} is not text; {allowed}")
    if not value.strip():
        raise PolmodelError(f"{what} {value!r} is empty; {allowed}")
    if len(value) > MAX_NAME_CHARS:
        raise PolmodelError(f"{what} {value[:40]!r}... has {len(value)} characters; {allowed}")
    for ch in value:
        kind = unicodedata.category(ch)
        if (kind in _REFUSED_CATEGORIES or ch in _HIDDEN or ch in _BLANK
                or (kind == "Cf" and ch not in _JOINERS)):
            raise PolmodelError(f"{what} {value!r} holds the character U+{ord(ch):04X}; {allowed}")
    if unicodedata.category(value[0]) in ("Mn", "Mc", "Me"):
        raise PolmodelError(f"{what} {value!r} starts with a combining mark "
                            f"(U+{ord(value[0]):04X}); {allowed}")
    return check_not_formula(value, what)


MAX_TITLE_CHARS = 200
"""Longest scenario title (characters): it heads every figure, table and handout."""

# Free text may hold any printable character of any script, private-use and newly assigned
# ones too; not controls, lone surrogates, line separators or invisible format characters.
_TEXT_REFUSED = frozenset({"Cc", "Cs", "Zl", "Zp"})


def check_free_text(value: str, what: str = "", *, multiline: bool = False,
                    max_chars: int | None = None) -> str:
    r"""Free text shown to people (a title, a description, a source): printable, not invisible.

    Control characters are refused (but line breaks and tabs in ``multiline`` text), as are
    line separators and the invisible format characters :func:`check_name` refuses
    (bidirectional overrides and isolates, zero-width spaces; the zero-width joiners some
    scripts need are fine): they recolour a terminal, reorder what it shows, or make a figure
    warn about missing glyphs. ``max_chars`` caps the length (a title); None: no cap.

    Parameters
    ----------
    value : str
    what : str
        What the text is, for the message ("title"); "" where the caller names the key.
    multiline : bool
        Allow line breaks and tabs (a description).
    max_chars : int, optional

    Returns
    -------
    str
        ``value``, unchanged.

    Raises
    ------
    PolmodelError
        One line naming the character (U+XXXX) or the length, and what is allowed.

    Examples
    --------
    >>> check_free_text("abc\u202edef", "title")
    Traceback (most recent call last):
    ...
    polmodel.errors.PolmodelError: title 'abc\u202edef' holds the character U+202E; allowed: text without control characters or invisible formatting characters (bidirectional overrides, zero-width spaces)
    """
    allowed = ("allowed: text" + (f" of at most {max_chars:,} characters" if max_chars else "")
               + " without control characters" + (" (line breaks and tabs are fine)" if multiline
                                                   else "")
               + " or invisible formatting characters (bidirectional overrides, zero-width spaces)")
    prefix = f"{what} " if what else ""
    if max_chars is not None and len(value) > max_chars:
        raise PolmodelError(f"{prefix}{value[:40]!r}... has {len(value):,} characters; {allowed}")
    for ch in value:
        if multiline and ch in "\n\t":
            continue
        kind = unicodedata.category(ch)
        if kind in _TEXT_REFUSED or ch in _HIDDEN or (kind == "Cf" and ch not in _JOINERS):
            shown = f"{value!r:.60}" + ("..." if len(repr(value)) > 60 else "")
            raise PolmodelError(f"{prefix}{shown} holds the character U+{ord(ch):04X}; {allowed}")
    return value


def slug(name: str) -> str:
    """A plain file-name part for a name: the name itself when it is one, else a safe form.

    An ordinary name ("status-quo", "José Pérez", at most :data:`MAX_SLUG_BYTES` bytes) is kept
    as it is, so output files keep the names they always had. Any other name ("../escaped",
    "a/b", ".hidden") becomes its safe characters joined by "-" and 8 hex digits of its SHA-256,
    so two names never share a slug by accident and no slug holds a "/" or starts with a dot.

    Examples
    --------
    >>> slug("status-quo")
    'status-quo'
    >>> slug("../../escaped")
    'escaped-ea03bc47'
    """
    if _PLAIN.fullmatch(name) and not name.endswith(" ") \
            and len(name.encode("utf-8")) <= MAX_SLUG_BYTES:
        return name
    ascii_form = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    safe = _UNSAFE_RUN.sub("-", ascii_form).strip(".-")[:40].strip(".-")
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe}-{digest}" if safe else digest


def file_name(*parts: str) -> str:
    """An output file's name: the slugs of its parts joined by "-".

    Fixed words ("compare", "trajectory.png") pass through :func:`slug` unchanged; names from
    a scenario or a command line cannot add a folder or leave the output folder.

    Examples
    --------
    >>> file_name("venezuela-2018", "a/b", "trajectory.png")
    'venezuela-2018-a-b-c14cddc0-trajectory.png'
    """
    return "-".join(slug(p) for p in parts)
