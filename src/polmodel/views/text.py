"""Words and plain-text tables shared by every report: the caveat, provenance, tables.

Everything a terminal shows fits in :data:`WIDTH` columns: long notes are wrapped, and a table
too wide for the terminal wraps its longest text column. The words and tables of a
:class:`~polmodel.analysis.comparison.Comparison` live here too (the result keeps the numbers).
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Sequence
from typing import Any

# Cells that read as numbers (0.30, +0.053, 12%, <1%, >99%, an empty cell or a dash) are
# right-aligned, so a share printed as "<1%" sits under its header as the other shares do.
_NUMERIC = re.compile(r"^([<>]?[+-]?\d[\d.]*%?|-|)$")

WIDTH = 100
"""Columns of terminal text: every line polmodel prints fits in it."""

CAVEAT = (
    "Sensitivity, not prediction: these figures describe a small model under the scenario's "
    "stated assumptions. Shares are shares of plausible worlds sampled from assumed ranges, "
    "not chances of real events."
)


def approx(value: float, digits: int = 2) -> str:
    """A number to ``digits`` significant digits, no more than a fuzzy membership supports.

    Ranges, limits and rates read in a room ("between 0.055 and 0.093"), never ``0.0554``
    or ``3.59e-03``.

    Examples
    --------
    >>> approx(0.0554), approx(0.0926), approx(0.00359), approx(0.1), approx(-0.0137)
    ('0.055', '0.093', '0.0036', '0.1', '-0.014')
    """
    import numpy as np

    value = float(value)
    if value == 0 or not np.isfinite(value):
        return "0" if value == 0 else str(value)
    return np.format_float_positional(value, precision=digits, unique=False, fractional=False,
                                      trim="-")


def counted(n: int, word: str, plural: str | None = None) -> str:
    """A number and its noun, agreeing, thousands grouped: "1 policy", "1,000 plausible worlds".

    Examples
    --------
    >>> counted(1, "policy", "policies"), counted(1, "plausible world"), counted(1200, "world")
    ('1 policy', '1 plausible world', '1,200 worlds')
    """
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def mechanism_label(name: str) -> str:
    """A mechanism's name as words (``security_holds_coalition`` -> "security holds coalition")."""
    return name.replace("_", " ")


def provenance(**fields: object) -> str:
    """One line naming the version and whatever else identifies a result (scenario, seed...)."""
    from polmodel import __version__

    parts = [f"polmodel {__version__}"] + [f"{k} {v}" for k, v in fields.items() if v is not None]
    return " | ".join(parts)


def wrap(text: str, width: int = WIDTH) -> str:
    """Wrap each line of ``text`` to ``width`` columns (provenance lines break at ``|``)."""
    out = []
    for line in text.splitlines() or [""]:
        if len(line) <= width:
            out.append(line)
        elif " | " in line:
            out.extend(_wrap_fields(line.split(" | "), width))
        else:
            # An indented line keeps its indent, and its continuation lines go two further in.
            lead = line[: len(line) - len(line.lstrip())]
            out.extend(textwrap.wrap(line, width, break_on_hyphens=False,
                                     subsequent_indent=lead + "  " if lead else "") or [""])
    return "\n".join(out)


def shorten_path(path: str, width: int) -> str:
    """A path in at most ``width`` columns, shortened from the left: ``.../scenarios/x.toml``.

    Whole folder names are left out from the start, so the file's name and the folders
    nearest it stay; a file name wider than ``width`` is kept whole (``.../name``), for the
    caller to wrap.

    Examples
    --------
    >>> shorten_path("/home/someone/work/polmodel/scenarios/venezuela-2018.toml", 34)
    '.../scenarios/venezuela-2018.toml'
    """
    if len(path) <= width:
        return path
    sep = "/" if "/" in path else "\\"
    parts = path.split(sep)
    shown = parts[-1]
    for part in reversed(parts[:-1]):
        if len(f".../{part}{sep}{shown}") > width:
            break
        shown = f"{part}{sep}{shown}"
    return f"...{sep}{shown}"


def _wrap_fields(fields: list[str], width: int) -> list[str]:
    lines, current = [], ""
    for f in fields:
        candidate = f"{current} | {f}" if current else f
        # room for the " |" that ends a line when another field follows
        if current and len(candidate) + 2 > width:
            lines.append(current + " |")
            current = f
        else:
            current = candidate
    # a single field wider than the line is wrapped as words
    return [part for line in lines + [current]
            for part in (textwrap.wrap(line, width, break_on_hyphens=False) if len(line) > width
                         else [line])]


def table(header: Sequence[str], rows: Sequence[Sequence[object]], width: int = WIDTH) -> str:
    """A fixed-width text table; numbers right-aligned, text left-aligned.

    When the table is wider than ``width``, its widest text column is wrapped onto
    continuation lines so that every line fits.
    """
    cells = [[str(h) for h in header]] + [[_cell(v) for v in row] for row in rows]
    n = len(header)
    widths = [max(len(r[i]) for r in cells) for i in range(n)]
    numeric = [bool(rows) and all(_NUMERIC.match(r[i]) for r in cells[1:]) for i in range(n)]
    total = sum(widths) + 2 * (n - 1)
    # Narrow the widest text column, one column at a time, until the table fits. First down
    # to each column's floor, so that words wrap whole, never mid-word: its header, its
    # longest word (up to 30 characters), and 12 characters (or the whole cell, for a short
    # column such as a range). Only a table that still does not fit breaks long words.
    words = [max((len(word) for r in cells[1:] for word in r[i].split()), default=0)
             for i in range(n)]
    floors = [max(len(cells[0][i]), min(widths[i], 14), min(words[i], 30), 12)
              for i in range(n)]
    # A number column with a long header (a label) wraps its header, never its numbers.
    heads = [max(max((len(r[i]) for r in cells[1:]), default=0),
                 max((len(word) for word in cells[0][i].split()), default=0)) for i in range(n)]
    text, numbers = [i for i in range(n) if not numeric[i]], [i for i in range(n) if numeric[i]]
    for cols, floor in ((text, floors), (numbers, heads),
                        (text, [max(len(cells[0][i]), 12) for i in range(n)])):
        total = _narrow(widths, floor, cols, total, width)

    def lines(r: Sequence[str]) -> list[str]:
        parts = [textwrap.wrap(c, w, break_on_hyphens=False) or [""] if len(c) > w else [c]
                 for c, w in zip(r, widths)]
        depth = max(len(p) for p in parts)
        out = []
        for k in range(depth):
            row = [p[k] if k < len(p) else "" for p in parts]
            out.append("  ".join(c.rjust(w) if num else c.ljust(w)
                                 for c, w, num in zip(row, widths, numeric)).rstrip())
        return out

    body = [line for r in cells[1:] for line in lines(r)]
    return "\n".join(lines(cells[0]) + lines(["-" * w for w in widths]) + body)


def _narrow(widths: list[int], floors: Sequence[int], text_cols: Sequence[int], total: int,
            width: int) -> int:
    """Narrow the widest text column above its floor, then the next, until ``total`` fits."""
    while total > width:
        shrinkable = [k for k in text_cols if widths[k] > floors[k]]
        if not shrinkable:
            break
        i = max(shrinkable, key=lambda k: widths[k])
        others = [widths[k] for k in shrinkable if k != i]
        target = max(floors[i], widths[i] - (total - width), max(others, default=0))
        if target >= widths[i]:
            target = widths[i] - 1
        total -= widths[i] - target
        widths[i] = target
    return total


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The same table as HTML, for Jupyter and the handout."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(_html_cell(_cell(v)) for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_cell(text: str) -> str:
    # Numbers right-aligned, as in the text tables (the handout's style sheet reads the class).
    # An id may break after an underscore (<wbr>: no character to copy), so a column of
    # "label (regional_dependence)" cells fits a printed page.
    cls = ' class="num"' if text and _NUMERIC.match(text) else ""
    return f"<td{cls}>{html.escape(text).replace('_', '_<wbr>')}</td>"


def signed(value: float, digits: int = 2) -> str:
    """A change with its sign, ``+0.12`` / ``-0.12``; one that rounds to zero reads ``+0.00``.

    Python writes -0.001 to two places as ``-0.00``: a sign with no size, which a reader takes
    for a fall. Examples: ``signed(-0.001) == '+0.00'``, ``signed(-0.006) == '-0.01'``.
    """
    text = f"{value:+.{digits}f}"
    return "+" + text[1:] if text[0] == "-" and float(text) == 0 else text


def _cell(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


Section = tuple[str, Sequence[str], Sequence[Sequence[object]], str]
"""A report section: heading, column names, rows, and a note printed under the table."""


def sections_text(sections: Sequence[Section], width: int = WIDTH) -> str:
    """Headed text tables, each followed by its note; sections without rows are left out."""
    parts: list[str] = []
    for heading, header, rows, note in sections:
        if rows:
            parts += [wrap(heading, width), table(header, rows, width)]
            parts += ([wrap(note, width)] if note else []) + [""]
    return "\n".join(parts)


def sections_html(sections: Sequence[Section]) -> str:
    """The same sections as HTML."""
    return "".join(f"<h5>{html.escape(h)}</h5>{html_table(hd, rows)}"
                   + (f"<p><small>{html.escape(note)}</small></p>" if note else "")
                   for h, hd, rows, note in sections if rows)


def short_repr(obj: object, **fields: Any) -> str:
    """A one-line ``__repr__``: the class name and a few identifying fields, never arrays."""
    inner = ", ".join(f"{k}={v!r}" for k, v in fields.items())
    return f"{type(obj).__name__}({inner})"


def pct(share: float) -> str:
    """A share of worlds as a whole percentage: ``0.123 -> '12%'``.

    A share that is not zero never reads as 0% or 100%: ``0.001 -> '<1%'``,
    ``0.999 -> '>99%'``.
    """
    text = f"{100 * share:.0f}%"
    if 0 < share < 1 and text in ("0%", "100%"):  # ".0f" rounds 0.5 down: 0.005 -> "0%"
        return "<1%" if text == "0%" else ">99%"
    return text


def pct_parts(*shares: float) -> tuple[int, ...]:
    """Whole percentages of shares that make up one whole, adding up to exactly 100.

    Rounded one by one, a third three times reads 33% + 33% + 33% = 99%. Here each share gets
    its whole points, and the points still missing go to the shares with the largest remainders
    (the largest-remainder method; equal remainders: the larger share first, then the earlier
    one, so the parts do not depend on the order the shares come in unless two are equal). So
    every part is
    within one point of its exact value and the parts add up to the shares' own total, rounded
    (100 for shares of all the worlds).

    Examples
    --------
    >>> pct_parts(1 / 3, 1 / 3, 1 / 3), pct_parts(0.125, 0.125, 0.75)
    ((34, 33, 33), (13, 12, 75))
    """
    # Shares are counts over a number of worlds: rounding off float noise first keeps
    # 100 * 0.29 (28.999999999999996) from losing a whole point to its remainder.
    exact = [round(100 * float(s), 9) for s in shares]
    target = round(sum(exact))
    parts = [int(x // 1) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), -exact[i], i))
    for i in order[: max(target - sum(parts), 0)]:
        parts[i] += 1
    return tuple(parts)


def pcts(*shares: float) -> tuple[str, ...]:
    """Shares that make up one whole (A higher, tied, B higher) as percentages that add to 100.

    The parts are :func:`pct_parts`; as with :func:`pct`, a share that is not zero never reads
    0% and one short of the whole never reads 100%: a part rounded to 0 reads "<1%", a part
    rounded to 100 reads ">99%". A single share alone is :func:`pct`.

    Examples
    --------
    >>> pcts(1 / 3, 1 / 3, 1 / 3), pcts(0.001, 0.001, 0.998)
    (('34%', '33%', '33%'), ('<1%', '<1%', '>99%'))
    """
    import math

    if not math.isfinite(sum(float(s) for s in shares)):  # not a number: each as it is
        return tuple(pct(s) for s in shares)
    return parts_text(shares, pct_parts(*shares))


def parts_text(shares: Sequence[float], parts: Sequence[int]) -> tuple[str, ...]:
    """Whole percentages ``parts`` of ``shares`` as text, with :func:`pct`'s "<1%" and ">99%"."""
    total = sum(float(s) for s in shares)
    out = []
    for share, part in zip(shares, parts):
        if part == 0 and share > 0:
            out.append("<1%")
        elif part == 100 and share < total:
            out.append(">99%")
        else:
            out.append(f"{part}%")
    return tuple(out)


def verdict_parts(higher: float, lower: float, tied: float) -> tuple[str, str, str]:
    """A pair's shares (first higher, second higher, tied) as percentages adding up to 100.

    The one rule every output of a pair's verdict follows (the handout's sentence, bar and
    appendix, ``compare``'s tables, the sweep, the projector), so the same shares read the same
    everywhere. The parts are :func:`pct_parts`'s, which do not depend on the order of the
    shares; when the two sides are equal they read the same (a sentence says "each does in
    X"): a point the rounding gave one of them goes to the tie instead, which stays within a
    point of its exact share.

    Examples
    --------
    >>> verdict_parts(0.125, 0.375, 0.5), verdict_parts(0.375, 0.125, 0.5)
    (('12%', '38%', '50%'), ('38%', '12%', '50%'))
    >>> verdict_parts(1 / 3, 1 / 3, 1 / 3)
    ('33%', '33%', '34%')
    """
    import math

    shares = (higher, lower, tied)
    if not math.isfinite(sum(float(x) for x in shares)):  # not a number: each as it is
        return tuple(pct(x) for x in shares)
    h, lo, t = pct_parts(*shares)
    if higher == lower:
        h, lo, t = min(h, lo), min(h, lo), t + abs(h - lo)
    return parts_text(shares, (h, lo, t))


def verdict_pcts(higher: float, lower: float, tied: float) -> tuple[str, str, str]:
    """The verdict's shares in its sentence's order: the larger side's, the other's, the tie's.

    The same parts as :func:`verdict_parts`, reordered.

    Examples
    --------
    >>> verdict_pcts(0.25, 0.5, 0.25), verdict_pcts(0.335, 0.335, 0.33)
    (('50%', '25%', '25%'), ('33%', '33%', '34%'))
    """
    h, lo, t = verdict_parts(higher, lower, tied)
    return (h, lo, t) if higher >= lower else (lo, h, t)


def result_text(title: str, lead: str, sections: Sequence[Section], prov: str) -> str:
    """A result for the terminal: title, its sentence, headed tables, the caveat, provenance."""
    return wrap("\n".join([title, "", wrap(" ".join(lead.split())), "", sections_text(sections),
                           CAVEAT, prov]))


def result_html(title: str, lead: str, sections: Sequence[Section], prov: str) -> str:
    """The same as HTML, for Jupyter."""
    return (f"<h4>{html.escape(title)}</h4><p>{html.escape(lead)}</p>{sections_html(sections)}"
            f"<p><small>{html.escape(CAVEAT)}<br>{html.escape(prov)}</small></p>")


def write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all, with the umask's permissions.

    The text goes to a flushed temporary file beside ``path`` that is renamed into place (the
    steps of :mod:`polmodel.views.atomic`), so a failure never leaves half a file; the file's
    mode is what a plain ``open`` would give.

    Raises
    ------
    PolmodelError
        If the folder cannot be written.
    """
    import os
    from pathlib import Path

    from polmodel.errors import PolmodelError

    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise PolmodelError(f"path {path!r:.60} is not a file name; allowed: the path of a file "
                            "to write (a str or pathlib.Path)")
    path = Path(path)
    # A folder is refused before a temporary is made beside it (in its parent, perhaps "/").
    if _is_dir(path):
        raise PolmodelError(f"{path}: is a folder, so the file cannot be written; allowed: the "
                            "path of a file")
    if _is_special(path):  # the rename below would replace a device or FIFO by a plain file
        raise PolmodelError(f"{path}: is not a regular file (a device, pipe or socket), so it is "
                            "not replaced; allowed: the path of a file")
    from polmodel.views.atomic import current_umask, fsync_dir, replace, write_temporary

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = write_temporary(path.parent, path.name[:100], text.encode("utf-8"),
                              0o666 & ~current_umask())
    except (OSError, ValueError) as err:
        raise PolmodelError(f"{path.parent}: cannot write here: "
                            f"{getattr(err, 'strerror', None) or err}") from None
    try:
        replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise PolmodelError(f"{path}: cannot write: {err.strerror or err}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def _is_special(path) -> bool:
    import stat

    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _is_dir(path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):  # a name too long, a NUL byte: the write says so
        return False
