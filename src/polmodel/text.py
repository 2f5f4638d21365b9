"""Words and plain-text tables shared by every report: the caveat, provenance, tables.

Everything a terminal shows fits in :data:`WIDTH` columns: long notes are wrapped, and a table
too wide for the terminal wraps its longest text column. The words and tables of a
:class:`~polmodel.comparison.Comparison` live here too (the result keeps the numbers).
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Sequence
from typing import Any

# Cells that read as numbers (0.30, +0.053, 12%, an empty cell or a dash) are right-aligned.
_NUMERIC = re.compile(r"^([+-]?\d[\d.]*%?|-|)$")

WIDTH = 100
"""Columns of terminal text: every line polmodel prints fits in it."""

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
    text_cols = [i for i in range(n) if not numeric[i]]
    # Narrow the widest text column, one column at a time, until the table fits (or every text
    # column is at its floor: its header, and at least 12 characters).
    while total > width and text_cols:
        i = max(text_cols, key=lambda k: widths[k])
        floor = max(len(cells[0][i]), 12)
        if widths[i] <= floor:
            break
        others = [widths[k] for k in text_cols if k != i]
        target = max(floor, widths[i] - (total - width), max(others, default=0))
        if target >= widths[i]:
            target = widths[i] - 1
        total -= widths[i] - target
        widths[i] = target

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


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The same table as HTML, for Jupyter and the handout."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(_html_cell(_cell(v)) for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_cell(text: str) -> str:
    # Numbers right-aligned, as in the text tables (the handout's style sheet reads the class).
    cls = ' class="num"' if text and _NUMERIC.match(text) else ""
    return f"<td{cls}>{html.escape(text)}</td>"


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
    if 0 < share < 0.005:
        return "<1%"
    if 0.995 < share < 1:
        return ">99%"
    return f"{100 * share:.0f}%"


# ---------------------------------------------------------------------------------------------
# A comparison in words and tables


def comparison_sections(c) -> list[Section]:
    """The tables of a :class:`~polmodel.comparison.Comparison`, each with a note under it."""
    from polmodel.comparison import FLIPS_SHOWN, MATRIX_SHOWN, SCALES
    from polmodel.conditions import CONDITIONS

    pp = c.per_policy
    main = [[n, pct(s["window_share"]), s["peak_index_median"],
             f"{s['peak_index_p10']:.2f}-{s['peak_index_p90']:.2f}", round(s["months_open_mean"], 1),
             "-" if s["first_window_median"] is None else int(round(s["first_window_median"])),
             round(s["crisis_months_median"], 1), s["exodus_median"]]
            for n, s in pp.items()]
    vs = []
    for n in c.policies:
        if n == c.baseline:
            continue
        pw = c.pairwise(n, c.baseline)
        v = c.verdict(n, c.baseline)
        graded = v["graded"]
        vs.append([n, pct(pw["share_higher"]), pct(pw["share_lower"]), pct(pw["share_tied"]),
                   f"{pw['difference_median']:+.3f}",
                   f"{pct(graded['share_higher'])}/{pct(graded['share_lower'])}",
                   "FLIPS" if v["flips"] else "same"])
    effects = [[n, *(f"{c.condition_effects[n][k]['mean_change']:+.3f}" for k in CONDITIONS),
                f"{c.pairwise(n, c.baseline)['difference_median']:+.3f}"]
               for n in c.policies if n != c.baseline]
    # Both grow with the square of the number of policies: print the first ones, all are in
    # the JSON and CSV output.
    names = c.policies[:MATRIX_SHOWN]
    matrix = [[f"{i} {a}", *("" if a == b else pct(c.pairwise(a, b)["share_higher"]) for b in names)]
              for i, a in enumerate(names, start=1)]
    matrix_note = (f" Only the first {MATRIX_SHOWN} of {len(c.policies)} policies are shown; every "
                   "pair is in the JSON and CSV output." if len(c.policies) > MATRIX_SHOWN else "")
    flips = [[a, b, *(f"{pct(c.verdict(a, b)[sc]['share_higher'])} vs "
                      f"{pct(c.verdict(a, b)[sc]['share_lower'])}" for sc in SCALES)]
             for a, b in c.flips[:FLIPS_SHOWN]]
    flips_note = (f" The first {FLIPS_SHOWN} of {len(c.flips)} pairs are shown; all are in the "
                  "JSON output." if len(c.flips) > FLIPS_SHOWN else "")
    binds = [[n, *(pct(pp[n]["bottleneck_shares"][k]) for k in CONDITIONS)] for n in c.policies]
    nec = [[n, *("-" if v != v else f"{v:.2f}" for v in c.necessity[n].values())]
           for n in c.policies]
    return [
        ("Per policy (shares of plausible worlds)",
         ("policy", "window", "peak", "peak 10-90%", "months open", "first", "crisis-mo", "exodus"),
         main,
         "window: share of worlds in which all four conditions are present at once in some month. "
         "peak: median over worlds of the highest opening index (10-90%: the middle 80% of "
         "worlds). months open: mean. first: median month of the first window, among worlds "
         "where one opens. crisis-mo: crisis-months, a humanitarian cost (median). exodus: "
         "share emigrated at the horizon (median)."),
        (f"Against the baseline '{c.baseline}' on the peak opening index (paired, same worlds)",
         ("policy", "higher in", "lower in", "tied in", "median diff", "graded AND", "verdict"), vs,
         f"Shares of worlds under the '{c.aggregator}' AND; differences up to {c.margin:g} on the "
         "index count as ties. graded AND: higher/lower shares under the product AND "
         "(geometric-mean scale). verdict: FLIPS where the strict (min) and graded (product) ANDs "
         "disagree on which policy gives the higher index in more worlds."),
        ("Every pair: share of worlds in which the row policy gives a higher index than the column",
         ("policy", *(str(i) for i in range(1, len(names) + 1))), matrix,
         f"Higher by more than {c.margin:g}; the rest are lower or practically tied." + matrix_note),
        ("Pairs whose verdict flips with the fuzzy AND (strict min vs graded product)",
         ("policy A", "policy B", "A higher vs lower: strict", "graded"), flips,
         ("The fuzzy AND is an assumption: where it flips, the verdict depends on it." + flips_note)
         if flips else "No pair flips: every verdict holds under both the strict and the graded AND."),
        (f"What each policy did to each condition (mean change against '{c.baseline}')",
         ("policy", *CONDITIONS, "index diff"), effects,
         "index diff: median paired change of the peak opening index. Under a min-based AND only "
         "the binding condition moves the index: a lever can raise a condition that does not bind "
         "and leave the index flat."),
        ("Which condition binds (share of worlds where it binds most months)",
         ("policy", *CONDITIONS), binds, ""),
        ("Necessity of each condition for an opening (fsQCA consistency; 1 = necessary in every world)",
         ("policy", *CONDITIONS), nec, necessity_explanation(c)),
    ]


def necessity_explanation(c) -> str:
    """The necessity table in plain words, for the comparison's aggregator and its numbers."""
    text = ("How to read it: a value of 1.00 means that in every plausible world the opening "
            "index never rose above that condition, so no opening happened without it (the memo's "
            "claim that each condition is needed). A value below 1 means that in some worlds the "
            "other conditions made up for it.")
    if c.aggregator in ("min", "product"):
        return (text + f" Under '{c.aggregator}' the index can never exceed any condition, so "
                "every value is 1 by construction; run with the geometric aggregator to see the "
                "compensatory contrast.")
    lowest = min(((v, k, n) for n, d in c.necessity.items() for k, v in d.items() if v == v),
                 default=None)
    if lowest is None:
        return text
    v, k, n = lowest
    if v >= 0.995:
        return text + " Here every condition stays necessary, even where conditions can compensate."
    return (text + f" Here the lowest is {k} under '{n}' ({v:.2f}): in some worlds the opening "
            f"index rose above {k} because the other conditions were high.")


def comparison_title(c) -> str:
    """The heading of a comparison: scenario title, number of policies and worlds."""
    return f"{c.title}: {len(c.policies)} policies on {c.n_worlds} plausible worlds"


def result_text(title: str, lead: str, sections: Sequence[Section], prov: str) -> str:
    """A result for the terminal: title, its sentence, headed tables, the caveat, provenance."""
    return wrap("\n".join([title, "", wrap(" ".join(lead.split())), "", sections_text(sections),
                           CAVEAT, prov]))


def result_html(title: str, lead: str, sections: Sequence[Section], prov: str) -> str:
    """The same as HTML, for Jupyter."""
    return (f"<h4>{html.escape(title)}</h4><p>{html.escape(lead)}</p>{sections_html(sections)}"
            f"<p><small>{html.escape(CAVEAT)}<br>{html.escape(prov)}</small></p>")


def comparison_summary(c, width: int = WIDTH) -> str:
    """A comparison for the terminal: headed tables with notes, the caveat, the provenance."""
    return "\n".join([wrap(comparison_title(c), width), "", sections_text(comparison_sections(c), width),
                      *([wrap(c.note, width)] if c.note else []),
                      wrap(CAVEAT, width), wrap(c.provenance(), width)])


def comparison_html(c) -> str:
    """A comparison as HTML (Jupyter and the handout)."""
    return (f"<h4>{html.escape(comparison_title(c))}</h4>{sections_html(comparison_sections(c))}"
            + (f"<p>{html.escape(c.note)}</p>" if c.note else "")
            + f"<p><small>{html.escape(CAVEAT)}<br>{html.escape(c.provenance())}</small></p>")


# ---------------------------------------------------------------------------------------------
# CSV that pandas.read_csv reads as it is: one header line, metadata in columns, no comments


def comparison_rows(c) -> tuple[list[str], list[list[object]]]:
    """Every statistic of a comparison in long format: one row a (policy, versus, statistic).

    Columns: the provenance (version, scenario, seed, sampler, worlds, horizon, aggregator),
    then ``policy``, ``versus`` (the other policy of a paired statistic, empty otherwise),
    ``statistic`` and ``value``. Per-policy figures, bottleneck shares, shortfall from the
    highest policy, condition effects against the baseline, necessity and every pair (shares
    under the strict and the graded AND, and whether the verdict flips) are all in it.
    """
    from polmodel import __version__
    from polmodel.comparison import SCALES

    meta = [__version__, c.scenario, c.worlds.seed, c.worlds.sampler, c.n_worlds, c.horizon,
            c.aggregator]
    header = ["polmodel_version", "scenario", "seed", "sampler", "worlds", "horizon", "aggregator",
              "policy", "versus", "statistic", "value"]
    rows: list[list[object]] = []

    def add(policy: str, versus: str, stat: str, value: float | None) -> None:
        ok = value is not None and value == value
        rows.append([*meta, policy, versus, stat, f"{value:.6g}" if ok else ""])

    for n, s in c.per_policy.items():
        for k, v in s.items():
            if k != "bottleneck_shares":
                add(n, "", k, v)
        for k, v in s["bottleneck_shares"].items():
            add(n, "", f"binds_{k}", v)
        for k, v in c.shortfall[n].items():
            add(n, "", f"shortfall_{k}", v)
        for k, v in c.necessity[n].items():
            add(n, "", f"necessity_{k}", v)
        if n != c.baseline:
            for k, d in c.condition_effects[n].items():
                add(n, c.baseline, f"mean_change_{k}", d["mean_change"])
                add(n, c.baseline, f"share_raised_{k}", d["share_raised"])
    for a in c.policies:
        for b in c.policies:
            if a != b:
                for k, v in c.pairwise(a, b).items():
                    add(a, b, k, v)
                verdict = c.verdict(a, b)
                for scale in SCALES:
                    for k in ("share_higher", "share_lower", "share_tied"):
                        add(a, b, f"{scale}_{k}", verdict[scale][k])
                add(a, b, "verdict_flips", float(verdict["flips"]))
    return header, rows


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """CSV text with one header line (no comment lines) and Unix line ends."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def csv_metadata(result_provenance: str, columns: Sequence[str], **extra: object) -> dict:
    """The sidecar of a CSV file (``NAME.csv-metadata.json``): provenance, caveat, columns."""
    return {"provenance": result_provenance, "caveat": CAVEAT, "columns": list(columns), **extra}


def write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all, with the umask's permissions.

    The text goes to a temporary file beside ``path`` that is renamed into place, so a failure
    never leaves half a file; the file's mode is what a plain ``open`` would give.

    Raises
    ------
    PolmodelError
        If the folder cannot be written.
    """
    import os
    import tempfile
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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:100]}.", suffix=".part")
    except (OSError, ValueError) as err:
        raise PolmodelError(f"{path.parent}: cannot write here: "
                            f"{getattr(err, 'strerror', None) or err}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise PolmodelError(f"{path}: cannot write: {err.strerror or err}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def current_umask() -> int:
    """The process's umask (read by setting and restoring it)."""
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    return mask
