"""Words and plain-text tables shared by every report: the caveat, provenance, tables."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

# Cells that read as numbers (0.30, +0.053, 12%, an empty cell or a dash) are right-aligned.
_NUMERIC = re.compile(r"^([+-]?\d[\d.]*%?|-|)$")

CAVEAT = (
    "Sensitivity, not prediction: these figures describe a small model under the scenario's "
    "stated assumptions. Shares are shares of plausible worlds sampled from assumed ranges, "
    "not chances of real events."
)


def mechanism_label(name: str) -> str:
    """A mechanism's name as words (``security_holds_coalition`` -> "security holds coalition")."""
    return name.replace("_", " ")


def provenance(**fields: object) -> str:
    """One line naming the version and whatever else identifies a result (scenario, seed...)."""
    from polmodel import __version__

    parts = [f"polmodel {__version__}"] + [f"{k} {v}" for k, v in fields.items() if v is not None]
    return " | ".join(parts)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A fixed-width text table; numbers right-aligned, text left-aligned."""
    cells = [[str(h) for h in header]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    numeric = [bool(rows) and all(_NUMERIC.match(r[i]) for r in cells[1:]) for i in range(len(header))]

    def line(r: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if num else c.ljust(w) for c, w, num in zip(r, widths, numeric)).rstrip()

    return "\n".join([line(cells[0]), line(["-" * w for w in widths])] + [line(r) for r in cells[1:]])


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The same table as HTML, for Jupyter and the handout."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


Section = tuple[str, Sequence[str], Sequence[Sequence[object]], str]
"""A report section: heading, column names, rows, and a note printed under the table."""


def sections_text(sections: Sequence[Section]) -> str:
    """Headed text tables, each followed by its note; sections without rows are left out."""
    parts: list[str] = []
    for heading, header, rows, note in sections:
        if rows:
            parts += [heading, table(header, rows)] + ([note] if note else []) + [""]
    return "\n".join(parts)


def sections_html(sections: Sequence[Section]) -> str:
    """The same sections as HTML."""
    return "".join(f"<h5>{html.escape(h)}</h5>{html_table(hd, rows)}"
                   + (f"<p><small>{html.escape(note)}</small></p>" if note else "")
                   for h, hd, rows, note in sections if rows)
