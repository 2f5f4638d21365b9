"""The estimates file a facilitator collects: one row per participant and uncertain number.

Columns ``participant, parameter, low, best, high`` (:data:`COLUMNS`); a parameter is any
number of :data:`polmodel.model.parameters.PARAMETERS` or an initial state as ``initial.<state>``.
Two optional trailing columns, in either order: ``round`` (:data:`ROUND`, the round of a
workshop that estimates, discusses and estimates again: 1, 2, ... up to
:data:`~polmodel.limits.MAX_ROUNDS` (100); one row per participant and
parameter in each round) and ``what`` (:data:`WHAT`, the parameter in plain words, ignored).
``polmodel elicit --template`` prints a filled-in example (:func:`template`). A bad row gives one
line naming the file and the row, what is wrong and what is allowed.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from polmodel.errors import PolmodelError
from polmodel.limits import MAX_ROUNDS, decimal
from polmodel.model.parameters import PARAMETERS
from polmodel.model.states import STATES
from polmodel.names import check_free_text, check_name, check_not_formula

COLUMNS: tuple[str, ...] = ("participant", "parameter", "low", "best", "high")
"""The columns of an estimates file, in order."""

WHAT = "what"
"""An optional trailing column: the parameter in plain words, for the people filling the form in
(``polmodel elicit --template`` writes it; reading ignores it)."""

ROUND = "round"
"""An optional trailing column: the round the estimate was given in (1 to
:data:`~polmodel.limits.MAX_ROUNDS`), as a live workshop exports two rounds of estimates
(estimate, discuss, estimate again)."""

ROUND_ALLOWED = f"allowed: a whole number from 1 to {MAX_ROUNDS}"


@dataclass(frozen=True)
class EstimateRow:
    """One participant's estimate of one uncertain number.

    ``line``: where it was read; ``round``: the round it was given in (1 to 100), or None for
    a file without a round column.
    """

    participant: str
    parameter: str
    low: float
    best: float
    high: float
    line: int = 0
    round: int | None = None


def rounds(rows: Sequence[EstimateRow]) -> list[int]:
    """The rounds the rows carry, in order (``[]`` for rows without rounds)."""
    return sorted({r.round for r in rows if r.round is not None})


def select_round(rows: Sequence[EstimateRow], round: int | None = None
                 ) -> tuple[tuple[EstimateRow, ...], int | None]:
    """The rows of one round, and that round: the latest present by default.

    Rows without rounds are returned as they are, with None, when ``round`` is None.

    Raises
    ------
    PolmodelError
        ``round`` is not a whole number from 1 to :data:`~polmodel.limits.MAX_ROUNDS`, or is
        not among the rounds present.
    """
    present = rounds(rows)
    if round is not None:
        check_round(round, "round")
    if not present:
        if round is None:
            return tuple(rows), None
        raise PolmodelError(f"round {round} asked for, but the estimates have no {ROUND} column; "
                            "allowed: no round (every row is pooled)")
    chosen = present[-1] if round is None else int(round)
    if chosen not in present:
        raise PolmodelError(f"round {chosen} is not in the estimates; allowed: "
                            f"{_rounds_text(present)} (the rounds present)")
    return tuple(r for r in rows if r.round == chosen), chosen


def round_words(chosen: int | None, present: Sequence[int]) -> str | None:
    """``"2 of 2"``: the round pooled of the last, with the rounds present if some are missing.

    None for estimates without rounds.
    """
    if chosen is None:
        return None
    last = max(present)
    gaps = "" if list(present) == list(range(1, last + 1)) else \
        f" (rounds present: {_rounds_text(present)})"
    return f"{chosen} of {last}{gaps}"


def _rounds_text(present: Sequence[int]) -> str:
    return ", ".join(str(r) for r in present)


def estimable() -> dict[str, float]:
    """Every number participants may estimate, with the largest value allowed.

    Parameters by name (:data:`polmodel.model.parameters.PARAMETERS`) and initial states as
    ``initial.<state>`` (:data:`polmodel.model.states.STATES`, memberships or shares up to 1).
    """
    out = {name: p.limit for name, p in PARAMETERS.items()}
    out.update({f"initial.{s}": 1.0 for s in STATES})
    return out


def template() -> str:
    """The CSV form ``polmodel elicit --template`` prints.

    The template shipped with the package, each row with the parameter in plain words in a
    last column, ``what``.
    """
    import csv
    import io
    from importlib import resources

    from polmodel.model.labels import label

    text = (resources.files("polmodel.room") / "templates" / "estimates.csv").read_text(encoding="utf-8")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for i, row in enumerate(csv.reader(io.StringIO(text))):
        if row:
            writer.writerow([*row, WHAT if i == 0 else label(row[1])])
    return out.getvalue()


def read_estimates(path: str | Path) -> tuple[EstimateRow, ...]:
    """Read and check an estimates CSV: one line names the first bad row.

    Blank lines and lines starting with ``#`` are skipped.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    tuple of EstimateRow

    Raises
    ------
    PolmodelError
        ``FILE:LINE: what is wrong; what is allowed``.
    """
    import stat

    from polmodel.limits import MAX_SCENARIO_BYTES, with_article

    if not isinstance(path, (str, os.PathLike)):
        raise PolmodelError(f"estimates {path!r:.60} is {with_article(type(path).__name__)}; allowed: the path "
                            "of an estimates CSV, or a list of EstimateRow")
    p = Path(path)
    hint = "give the path of an estimates CSV (polmodel elicit --template prints one)"
    # The name is written into the elicit CSV's estimates_file column and the pooled sources.
    check_free_text(check_not_formula(p.name, "estimates file name"), "estimates file name")
    too_big = (f"{path}: the file is larger than {MAX_SCENARIO_BYTES:,} bytes; allowed: an "
               "estimates CSV up to that size")
    # Kind and size first, so a FIFO cannot block and /dev/zero cannot fill memory; then read
    # at most the limit + 1 bytes, in case the size was not what stat said.
    try:
        st = p.stat()
        if stat.S_ISDIR(st.st_mode):
            raise PolmodelError(f"{path}: is a folder, not an estimates file; {hint}")
        if not stat.S_ISREG(st.st_mode):
            raise PolmodelError(f"{path}: is not a regular file (a device, pipe or socket); {hint}")
        if st.st_size > MAX_SCENARIO_BYTES:
            raise PolmodelError(too_big)
        with open(p, "rb") as f:
            raw = f.read(MAX_SCENARIO_BYTES + 1)
    except PolmodelError:
        raise
    except FileNotFoundError:
        raise PolmodelError(f"{path}: file not found; {hint}") from None
    except (OSError, ValueError) as err:
        raise PolmodelError(f"{path}: cannot read: {getattr(err, 'strerror', None) or err}") from None
    if len(raw) > MAX_SCENARIO_BYTES:
        raise PolmodelError(too_big)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise PolmodelError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start}); allowed: "
                            "a CSV saved as UTF-8") from None
    return parse_estimates(text, where=str(path))


def parse_estimates(text: str, where: str = "estimates") -> tuple[EstimateRow, ...]:
    """Check estimates given as CSV text (see :func:`read_estimates`)."""
    allowed = estimable()
    rows: list[EstimateRow] = []
    seen: dict[tuple[str, str, int | None], int] = {}
    header = None
    for number, fields in _csv_lines(text):
        at = f"{where}:{number}"
        if header is None:
            header = [f.strip().lower() for f in fields]
            extra = header[len(COLUMNS):]
            if (tuple(header[:len(COLUMNS)]) != COLUMNS or len(set(extra)) != len(extra)
                    or not set(extra) <= {ROUND, WHAT}):
                raise PolmodelError(f"{at}: header {','.join(fields)!r}; allowed: "
                                    f"{','.join(COLUMNS)} (and optionally {ROUND} and {WHAT})")
            continue
        if len(fields) != len(header):
            raise PolmodelError(f"{at}: {len(fields)} fields; allowed: {len(header)} "
                                f"({', '.join(header)})")
        who, name = fields[0].strip(), fields[1].strip()
        if not who:
            raise PolmodelError(f"{at}: participant is empty; allowed: a name or code")
        try:
            check_name(who, "participant")
        except PolmodelError as err:
            raise PolmodelError(f"{at}: {err}") from None
        if name not in allowed:
            raise PolmodelError(f"{at}: unknown parameter {name!r}; allowed: {', '.join(allowed)}")
        values = []
        for column, raw in zip(COLUMNS[2:], fields[2:]):
            try:
                v = decimal(raw)
            except ValueError:
                v = float("nan")
            if not np.isfinite(v):
                raise PolmodelError(f"{at}: {column} {raw.strip()!r} is not a number; "
                                    "allowed: a number such as 0.25")
            values.append(v)
        low, best, high = values
        check_range(at, name, low, best, high, allowed[name])
        turn = _round(at, fields[header.index(ROUND)]) if ROUND in header else None
        if (who, name, turn) in seen:
            within = "" if turn is None else f" in round {turn}"
            raise PolmodelError(f"{at}: {who} estimated {name}{within} already on line "
                                f"{seen[who, name, turn]}; allowed: one row per participant and "
                                f"parameter{'' if turn is None else ' in each round'}")
        seen[who, name, turn] = number
        rows.append(EstimateRow(who, name, low, best, high, number, turn))
    if header is None:
        raise PolmodelError(f"{where}: empty; allowed: a header {','.join(COLUMNS)} and rows")
    if not rows:
        raise PolmodelError(f"{where}: no estimates under the header; allowed: one row per "
                            "participant and parameter")
    return tuple(rows)


def _round(at: str, raw: str) -> int:
    """A round read from the file: a whole number from 1 to :data:`~polmodel.limits.MAX_ROUNDS`."""
    text = raw.strip()
    if not (text.isascii() and text.isdigit() and text.strip("0")):
        raise PolmodelError(f"{at}: round {text!r:.40} is not a whole number; {ROUND_ALLOWED}")
    # Compared as digits, not converted: a round of 5,000 digits is refused, not parsed.
    if len(text.lstrip("0")) > len(str(MAX_ROUNDS)) or int(text) > MAX_ROUNDS:
        raise PolmodelError(f"{at}: round {text:.40} is too large; {ROUND_ALLOWED}")
    return int(text)


def check_round(value: object, what: str) -> int:
    """A round given in code: a whole number from 1 to :data:`~polmodel.limits.MAX_ROUNDS`."""
    import numbers

    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise PolmodelError(f"{what} {value!r:.40} is not a whole number; {ROUND_ALLOWED}")
    if value > MAX_ROUNDS:
        shown = str(value) if value < 10**40 else "of more than 40 digits"
        raise PolmodelError(f"{what} {shown} is too large; {ROUND_ALLOWED}")
    return int(value)


def check_range(at: str, name: str, low: float, best: float, high: float, limit: float) -> None:
    """One estimate's numbers: in order (low <= best <= high, low < high) and within 0 to ``limit``.

    The rule for every estimate, read from a file or given in code; ``at`` says where it is.
    """
    bound = f"{limit:g}" if np.isfinite(limit) else "any non-negative number"
    if low == best == high:  # a PERT distribution needs a range: say so, not "out of order"
        raise PolmodelError(f"{at}: low, best and high are all {low:g}, a single number; allowed: "
                            "a range, low < high, with best between them (low <= best <= high)")
    if not (low <= best <= high and low < high):
        raise PolmodelError(f"{at}: low {low:g}, best {best:g}, high {high:g} are out of order; "
                            "allowed: low <= best <= high with low < high")
    if low < 0 or high > limit:
        raise PolmodelError(f"{at}: {name} from {low:g} to {high:g} is not allowed; "
                            f"allowed: 0 to {bound}")


def _csv_lines(text: str):
    """(line number, fields) of the non-blank, non-comment lines."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        yield number, next(csv.reader([line]))


def check_rows(rows: Sequence[EstimateRow]) -> None:
    """Rows given in code, checked as a file's rows are: names, numbers, order, hard limits.

    Rounds too: each None (no rounds) or a whole number from 1 to 100, on every row or on none.
    """
    import numbers

    allowed = estimable()
    seen: dict[tuple[str, str, int | None], int] = {}
    with_rounds = any(r.round is not None for r in rows)
    for i, r in enumerate(rows):
        check_name(r.participant, "participant")
        at = f"estimates: item {i} ({r.participant}, {r.parameter!r:.60})"
        if not isinstance(r.parameter, str) or r.parameter not in allowed:
            raise PolmodelError(f"{at}: unknown parameter; allowed: {', '.join(allowed)}")
        for column in COLUMNS[2:]:
            v = getattr(r, column)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
                raise PolmodelError(f"{at}: {column} {v!r:.40} is not a number; allowed: a finite "
                                    "number such as 0.25")
        check_range(at, r.parameter, r.low, r.best, r.high, allowed[r.parameter])
        if r.round is None and with_rounds:
            raise PolmodelError(f"{at}: no round, where other rows have one; allowed: a round "
                                "on every row or on none")
        if r.round is not None:
            check_round(r.round, f"{at}: round")
        key = (r.participant, r.parameter, r.round)
        if key in seen:
            within = "" if r.round is None else f" in round {r.round}"
            raise PolmodelError(f"{at}: {r.participant} estimated {r.parameter}{within} already "
                                f"in item {seen[key]}; allowed: one row per participant and "
                                f"parameter{'' if r.round is None else ' in each round'}")
        seen[key] = i
