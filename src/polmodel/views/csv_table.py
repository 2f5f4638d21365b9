"""CSV tables as polmodel writes them: one header line, the provenance in leading columns.

No comment lines, so ``pandas.read_csv`` and spreadsheets read every file as it is; the caveat
and the provenance also go to a sidecar ``NAME.csv-metadata.json`` (:func:`csv_metadata`).
"""

from __future__ import annotations

from collections.abc import Sequence

from polmodel.views.text import CAVEAT

FORMULA_CELL = tuple("=+-@\t\r")
"""First characters that make a spreadsheet read a text cell as a formula (CSV injection)."""


def safe_cell(value: object) -> object:
    """A cell a spreadsheet shows as text, not as a formula.

    Text starting with ``= + - @``, a tab or a carriage return gets a leading ``'`` (OWASP's
    advice for CSV files), unless it is a number. Names are refused at input when they start so (:func:`polmodel.names.check_name`); free
    text such as a source ("-3% of GDP in 2017") may, and is neutralised here, where it is
    written.

    Examples
    --------
    >>> safe_cell("=1+1"), safe_cell("-0.25"), safe_cell(-1.5)
    ("'=1+1", '-0.25', -1.5)
    """
    if isinstance(value, str) and value.startswith(FORMULA_CELL):
        from polmodel.limits import decimal

        try:
            decimal(value)
        except ValueError:
            return "'" + value
    return value


def safe_row(row: Sequence[object]) -> list[object]:
    """A row with every cell passed through :func:`safe_cell`."""
    return [safe_cell(v) for v in row]


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """CSV text with one header line (no comment lines) and Unix line ends.

    Every cell is :func:`safe_cell`'s, so no text cell opens as a formula.
    """
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(safe_row(r) for r in rows)
    return buf.getvalue()


def provenance_columns(**fields: object) -> tuple[list[str], list[object]]:
    """The leading provenance columns of a CSV and their cells: ``polmodel_version``, then ``fields``.

    A field that is None is an empty cell, so every row has the same number of fields. Every
    CSV polmodel writes starts with these columns (the names
    :func:`polmodel.views.comparison_text.comparison_rows` uses where a result has the field)
    instead of a comment line: one header line, nothing before it.
    """
    from polmodel import __version__

    return (["polmodel_version", *fields],
            [__version__, *("" if v is None else v for v in fields.values())])


def csv_cell(value: object) -> object:
    """A CSV cell: floats to 6 significant digits, None empty, anything else as it is."""
    if value is None:
        return ""
    return f"{value:.6g}" if isinstance(value, float) else value


def csv_columns(text: str) -> list[str]:
    """The column names of CSV ``text`` (its one header line)."""
    import csv
    import io

    return next(csv.reader(io.StringIO(text)), [])


def csv_metadata(result_provenance: str | Sequence[str], columns: Sequence[str],
                 **extra: object) -> dict:
    """The sidecar of a CSV file (``NAME.csv-metadata.json``): provenance, caveat, columns."""
    return {"provenance": result_provenance, "caveat": CAVEAT, "columns": list(columns), **extra}
