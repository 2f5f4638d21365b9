"""Words, tables and plain data for a :class:`polmodel.analysis.sensitivity_analysis.Sensitivity`.

The result holds numbers; these functions turn them into the sentence a facilitator reads out
first, the tables after it, and the dict/CSV forms for machines.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from polmodel.errors import PolmodelError
from polmodel.model.labels import label
from polmodel.views.csv_table import csv_cell, provenance_columns, safe_row
from polmodel.views.text import CAVEAT, Section, approx, counted

SHOWN = 12  # rows per table on the terminal; --json/--csv hold every assumption


def _join(items: Sequence[str], sep: str = ", ") -> str:
    items = list(items)
    return items[0] if len(items) == 1 else sep.join(items[:-1]) + " and " + items[-1]


def _subject(s) -> str:
    q = s.question
    if q.versus is not None or q.outcome == "window":
        return f"whether {q.text()}"
    return q.label()


def _fmt(v: float) -> str:
    return f"{v:.2f}" if abs(v) >= 0.005 or v == 0 else f"{v:.3f}"


def _name(key: str, *, with_id: bool = True) -> str:
    """An assumption (or a Morris group) as words, its id in parentheses for code users."""
    try:
        return label(key, with_id=with_id)
    except PolmodelError:  # a group of assumptions, or a name the model does not label
        return key


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def _index_words(s, name: str, k: int = 0, first: bool = True) -> str:
    sob = s.sobol[k]
    i = sob.names.index(name)
    words = f"{label(name)} ({name}, {'total index ' if first else ''}{_fmt(sob.total[i])}"
    if sob.total_interval is not None:
        lo, hi = sob.total_interval[i]
        words += f", {s.confidence_level:.0%} interval " if first else ", "
        words += f"{_fmt(lo)} to {_fmt(hi)}"
    return words + ")"


def _indices(s, names: Sequence[str], k: int = 0) -> str:
    return _join([_index_words(s, n, k, first=j == 0) for j, n in enumerate(names)], "; ")


def checks(s) -> dict[str, dict[str, Any]]:
    """Where Morris screening and the tornado agree with the Sobol' leaders, and where not.

    For each check method that ran: ``agree`` (leaders among its first ``len(leaders)``),
    ``missed`` (the other leaders, with the rank the method gives them, 0 when it does not
    move the answer at all) and ``instead`` (what it ranks there in their place).

    Returns
    -------
    dict of str to dict
        ``{"morris": {...}, "tornado": {...}}``, each key only when the method ran; empty
        without Sobol' leaders.
    """
    leaders = s.deciding() if s.sobol and not s.constant else []
    out: dict[str, dict[str, Any]] = {}
    if not leaders:
        return out
    ranked: dict[str, list[str]] = {}
    if s.morris and not s.morris[0].grouped:
        m = s.morris[0]
        ranked["morris"] = [m.names[i] for i in m.order() if m.mu_star[i] > 0]
    if s.tornado is not None:
        t = s.tornado
        ranked["tornado"] = [t.names[i] for i in t.order() if t.swing[i] > 0]
    k = len(leaders)
    for method, order in ranked.items():
        top = order[:k]
        out[method] = {
            "agree": [n for n in leaders if n in top],
            "missed": {n: (order.index(n) + 1 if n in order else 0) for n in leaders if n not in top},
            "instead": [n for n in top if n not in leaders],
            "same_order": top == leaders,
        }
    return out


def _quoted(names: Sequence[str]) -> str:
    return _join([f"'{label(n)}'" for n in names])


def _check_words(s) -> list[str]:
    """Sentences saying whether each check method names the same leaders as the Sobol' indices."""
    out = []
    k = len(s.deciding())
    what = {"morris": "Morris screening, a quick pass over every assumption,",
            "tornado": "The tornado, one assumption at a time with the others at central values,"}
    for method, c in checks(s).items():
        agree, missed, instead = c["agree"], c["missed"], c["instead"]
        if not missed:
            order = "in the same order" if c["same_order"] else "in another order"
            out.append(f"{what[method]} agrees: it ranks the same {k} first, {order}.")
            continue
        if agree:
            head = (f"{what[method]} agrees on {len(agree)} of these {k}"
                    + (f" ({_quoted(agree)})" if len(agree) < len(missed) else ""))
        else:
            head = f"{what[method]} ranks none of these {k} among its first {k}"
        one = len(missed) == 1
        who = (_quoted(missed) if agree and one else
               f"{'the other ' if agree else ''}{len(missed)}" if not one else "it")
        ranks = [_ordinal(r) for r in missed.values() if r]
        if not ranks:
            others = f"{who} {'does' if one else 'do'} not move the answer alone"
        else:
            others = (f"{who} {'comes' if one else 'come'} {_join(ranks)} in its order"
                      + (", or not at all" if len(ranks) < len(missed) else ""))
        why = (": their weight shows only when other assumptions move too"
               if method == "tornado" else "")
        place = (f"; in their place it puts {_quoted(instead)}" if len(instead) > 1
                 else f"; in its place it puts {_quoted(instead)}" if instead else "")
        out.append(f"{head}; {others}{why}{place}.")
    return out


def headline(s) -> str:
    """The plain sentences: what decides the answer (Sobol' first), the checks, what cannot matter."""
    q = s.question
    subject = _subject(s)
    out: list[str] = []
    if s.constant:
        value = s.sobol[0].mean
        if q.outcome == "window" and q.versus is None:
            state = "A window opens" if value > 0.5 else "No window opens"
            out.append(f"{state} under {q.policy} in every one of the "
                       f"{s.sobol[0].n * (len(s.sobol[0].names) + 2):,} worlds sampled, under these assumptions: no assumption decides it within "
                       "its plausible range.")
        else:
            out.append(f"{q.label().capitalize()} is {approx(value)} in every world sampled, under "
                       "these assumptions: no assumption decides it within its plausible range.")
    elif s.sobol:
        top = s.deciding()
        sob = s.sobol[0]
        many = int((sob.total >= 0.05).sum())
        agg = f" (fuzzy AND '{sob.aggregator}')" if len(s.sobol) > 1 else ""
        if top:
            out.append(f"What decides {subject}{agg}, under these assumptions, is mostly "
                       f"{_indices(s, top)}: by total Sobol' index, the share of the answer's "
                       f"variance each accounts for with its interactions; {many} of the "
                       f"{counted(len(sob.names), 'assumption')} varied "
                       f"{'has' if many == 1 else 'have'} a total index of 0.05 or more.")
        else:
            i = sob.order()[0]
            out.append(f"No single assumption decides {subject}{agg}: the largest total Sobol' "
                       f"index is {_fmt(sob.total[i])} ({_name(sob.names[i])}); the answer comes "
                       "from many small effects and their interactions.")
        noisy = s.noisy()
        if noisy:  # right after the sentence it qualifies
            out.append(noisy)
        out += _check_words(s)
        for k, other in enumerate(s.sobol[1:], start=1):
            if other.variance == 0:
                out.append(f"Under '{other.aggregator}' the answer does not vary.")
                continue
            lead = [other.names[i] for i in other.order()[:len(top) or 1] if other.total[i] >= 0.05]
            if lead and lead == top:
                out.append(f"Under the '{other.aggregator}' AND the same assumptions decide it, in "
                           f"the same order ({_indices(s, lead[:2], k)}).")
            elif lead:
                out.append(f"Under the '{other.aggregator}' AND the leaders change: "
                           f"{_indices(s, lead, k)}.")
            else:
                out.append(f"Under the '{other.aggregator}' AND no single assumption has a total "
                           "index of 0.05 or more.")
    elif s.morris:
        top = s.deciding()
        names = _join([_name(n) for n in top], "; ") if top else "nothing"
        out.append(f"Morris screening ranks first for {subject}: {names} (mu*, a screening, not "
                   "variance shares; compute Sobol' indices for those).")
    if s.tornado is not None:
        t = s.tornado
        i = t.order()[0]
        what = ("the number of months with a window" if t.outcome == "months_open"
                else "the answer")
        if t.swing[i] == 0:
            out.append(f"At central values, {what} is {approx(t.central)}, and no assumption moved "
                       "alone across its range changes it.")
        else:
            out.append(f"At central values, {what} is {approx(t.central)}; moved alone across its "
                       f"range, {_name(t.names[i])} swings it most ({approx(t.at_low[i])} at "
                       f"{approx(t.low[i])}, {approx(t.at_high[i])} at {approx(t.high[i])}).")
        others = {a: v for a, v in t.aggregators.items() if a != t.aggregator}
        if others and q.uses_aggregator:
            out.append("Switching the fuzzy AND at central values: " + "; ".join(
                f"'{t.aggregator}' {approx(t.central)}, '{a}' {approx(v)}"
                for a, v in others.items()) + ".")
    if not (s.sobol or s.morris or s.inert) and s.tornado is None:
        out.append(f"No assumption of this scenario is uncertain (every plausible range is a single "
                   f"point), so none decides {subject} under these assumptions; give one a range "
                   "(--set NAME=LOW:HIGH) to see what would.")
    if s.inert:
        who = " and ".join(q.policies)
        out.append(f"{len(s.inert)} assumption{'s' if len(s.inert) > 1 else ''} cannot affect it by "
                   f"construction under {who} and {'were' if len(s.inert) > 1 else 'was'} left "
                   "out.")
    return " ".join(out)


def sections(s) -> list[Section]:
    """The tables: Sobol' per aggregator, Morris, tornado, inert assumptions."""
    out: list[Section] = []
    for sob in s.sobol:
        if sob.variance == 0:
            continue
        rows = []
        for i in sob.order()[:SHOWN]:
            row = [_name(sob.names[i]), _fmt(sob.total[i])]
            if sob.total_interval is not None:
                row.append(f"{_fmt(sob.total_interval[i][0])} to {_fmt(sob.total_interval[i][1])}")
            row.append(_fmt(sob.first[i]))
            if sob.first_interval is not None:
                row.append(f"{_fmt(sob.first_interval[i][0])} to {_fmt(sob.first_interval[i][1])}")
            rows.append(row)
        ci = f"{s.confidence_level:.0%} interval"
        header = ["assumption", "total"] + ([ci] if sob.total_interval is not None else []) + \
            ["first-order"] + ([ci] if sob.first_interval is not None else [])
        rest = len(sob.names) - len(rows)
        out.append((f"Sobol' indices of {s.question.label()} (fuzzy AND '{sob.aggregator}', "
                    f"n = {sob.n})", header, rows,
                    "total: share of the answer's variance an assumption accounts for with all its "
                    "interactions; first-order: alone. Small negative values are estimation noise "
                    "around zero."
                    + (f" Intervals: bootstrap ({'BCa' if sob.interval == 'bca' else sob.interval})."
                       if sob.interval else "")
                    + (f" {rest} more assumptions below; --json or --csv list all." if rest > 0 else "")))
    for m in s.morris:
        rows = [[_name(m.names[i]), _fmt(m.mu_star[i]),
                 f"{_fmt(m.mu_star_interval[i][0])} to {_fmt(m.mu_star_interval[i][1])}",
                 "-" if np.isnan(m.sigma[i]) else _fmt(m.sigma[i])] for i in m.order()[:SHOWN]]
        out.append((f"Morris screening ({m.trajectories} trajectories"
                    f"{', by group' if m.grouped else ''}, fuzzy AND '{m.aggregator}')",
                    ("group" if m.grouped else "assumption", "mu*", f"{s.confidence_level:.0%} interval",
                     "sigma"), rows,
                    "mu*: mean absolute effect of moving the assumption across its range in steps; "
                    "sigma: how much that effect depends on the others (interaction, non-linearity)."))
    if s.tornado is not None:
        t = s.tornado
        moving = [i for i in t.order() if t.swing[i] > 0]
        rows = [[_name(t.names[i]), approx(t.low[i]), approx(t.high[i]), approx(t.at_low[i]),
                 approx(t.at_high[i]), approx(t.swing[i])] for i in moving[:SHOWN]]
        still = len(t.names) - len(moving)
        what = "months with a window" if t.outcome == "months_open" else s.question.label()
        out.append((f"Tornado around the central run: {what} (central {approx(t.central)})",
                    ("assumption", "low", "high", "at low", "at high", "swing"), rows,
                    "One assumption at a time at either end of its range, all others at their "
                    "central values; sorted by swing."
                    + (f" {counted(still, 'assumption')} {'does' if still == 1 else 'do'} not move it "
                       "alone." if still else "")))
    if s.inert:
        out.append(("Cannot affect the answer by construction", ("assumption", "why"),
                    [[_name(k), v] for k, v in s.inert.items()], ""))
    return out


def summary(s) -> str:
    """Sentence first, then tables, caveat and provenance."""
    from polmodel.views.text import result_text

    return result_text(f"{s.title}: sensitivity of {s.question.label()}", headline(s), sections(s),
                       s.provenance())


def to_html(s) -> str:
    """The same for Jupyter."""
    from polmodel.views.text import result_html

    return result_html(f"{s.title}: sensitivity of {s.question.label()}", headline(s), sections(s),
                       s.provenance())


def _pair(a: np.ndarray | None, i: int) -> list[float] | None:
    return None if a is None else [float(a[i][0]), float(a[i][1])]


def to_dict(s) -> dict[str, Any]:
    """Plain data (JSON-ready)."""
    q = s.question
    return {
        "provenance": s.provenance(), "caveat": CAVEAT, "scenario": s.scenario, "seed": s.seed,
        "question": {"policy": q.policy, "versus": q.versus, "outcome": q.outcome,
                     "label": q.label(), "statement": q.text()},
        "headline": headline(s), "deciding": s.deciding(), "constant": s.constant,
        "warning": s.noisy(),
        "what_ifs": {k: (list(v) if isinstance(v, tuple) else v) for k, v in s.settings.items()},
        "bounds": {k: list(v) for k, v in s.bounds.items()},
        "inert": dict(s.inert), "checks": checks(s),
        "sobol": [{"aggregator": sob.aggregator, "n": sob.n, "mean": sob.mean, "variance": sob.variance,
                   "confidence_level": s.confidence_level, "bootstrap_resamples": s.n_resamples,
                   "interval": sob.interval or None,
                   "indices": [{"name": sob.names[i], "label": _name(sob.names[i], with_id=False),
                                "total": float(sob.total[i]),
                                "total_interval": _pair(sob.total_interval, i),
                                "first": float(sob.first[i]),
                                "first_interval": _pair(sob.first_interval, i)}
                               for i in sob.order()]} for sob in s.sobol],
        "morris": [{"aggregator": m.aggregator, "trajectories": m.trajectories, "grouped": m.grouped,
                    "effects": [{"name": m.names[i], "label": _name(m.names[i], with_id=False),
                                 "mu_star": float(m.mu_star[i]),
                                 "mu_star_interval": _pair(m.mu_star_interval, i),
                                 "sigma": None if np.isnan(m.sigma[i]) else float(m.sigma[i])}
                                for i in m.order()]} for m in s.morris],
        "tornado": None if s.tornado is None else {
            "aggregator": s.tornado.aggregator, "outcome": s.tornado.outcome,
            "central": s.tornado.central, "aggregators": dict(s.tornado.aggregators),
            "bars": [{"name": s.tornado.names[i], "label": _name(s.tornado.names[i], with_id=False),
                      "low": float(s.tornado.low[i]),
                      "high": float(s.tornado.high[i]), "at_low": float(s.tornado.at_low[i]),
                      "at_high": float(s.tornado.at_high[i]), "swing": float(s.tornado.swing[i])}
                     for i in s.tornado.order()]},
    }


def rows(s) -> list[dict[str, Any]]:
    """Long form: question, method, aggregator, assumption, statistic, value, low, high, label."""
    q = s.question.label()
    out = []

    def add(method, agg, name, stat, value, interval=None):
        out.append({"question": q, "method": method, "aggregator": agg, "assumption": name,
                    "statistic": stat, "value": float(value),
                    "low": None if interval is None else float(interval[0]),
                    "high": None if interval is None else float(interval[1]),
                    "label": _name(name, with_id=False)})

    for sob in s.sobol:
        for i in sob.order():
            add("sobol", sob.aggregator, sob.names[i], "total", sob.total[i],
                None if sob.total_interval is None else sob.total_interval[i])
            add("sobol", sob.aggregator, sob.names[i], "first", sob.first[i],
                None if sob.first_interval is None else sob.first_interval[i])
    for m in s.morris:
        for i in m.order():
            add("morris", m.aggregator, m.names[i], "mu_star", m.mu_star[i], m.mu_star_interval[i])
            if not np.isnan(m.sigma[i]):
                add("morris", m.aggregator, m.names[i], "sigma", m.sigma[i])
    if s.tornado is not None:
        t = s.tornado
        for i in t.order():
            add("tornado", t.aggregator, t.names[i], f"swing_{t.outcome}", t.swing[i],
                (t.at_low[i], t.at_high[i]))
    for name in s.inert:
        add("inert", "", name, "total", 0.0)
    return out


ROW_COLUMNS = ("question", "method", "aggregator", "assumption", "statistic", "value", "low",
               "high", "label")
"""The columns of :func:`rows`, after the provenance columns in the CSV."""
PROVENANCE_COLUMNS = ("polmodel_version", "scenario", "seed", "sobol_n", "trajectories", "horizon",
                      "structure", "resamples", "confidence_level", "what_ifs")
"""The leading columns of the CSV (:func:`provenance_cells`)."""


def provenance_cells(s) -> tuple[list[str], list[object]]:
    """The leading CSV columns of one result and their cells (see :func:`to_csv`)."""
    from polmodel.scenario.whatif import describe_settings

    return provenance_columns(
        scenario=s.scenario, seed=s.seed, sobol_n=s.sobol[0].n if s.sobol else None,
        trajectories=s.morris[0].trajectories if s.morris else None, horizon=s.horizon,
        structure=s.structure or None, resamples=s.n_resamples,
        confidence_level=s.confidence_level if s.n_resamples else None,
        what_ifs=describe_settings(s.settings))


def to_csv(results: Sequence) -> str:
    """Rows of one or several results (questions) as one CSV table.

    One header line and no comments: the provenance is in leading columns
    (``polmodel_version``, ``scenario``, ``seed``, ``sobol_n``, ``trajectories``, ``horizon``,
    ``structure``, ``resamples``, ``confidence_level``, ``what_ifs``), then the columns of
    :func:`rows`, whose ``question`` tells the results apart.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = None
    for r in results:
        names, meta = provenance_cells(r)
        if header is None:
            header = [*names, *ROW_COLUMNS]
            w.writerow(header)
        for row in rows(r):
            w.writerow(safe_row([*meta, *(csv_cell(row[k]) for k in ROW_COLUMNS)]))
    if header is None:  # no results: the header alone
        w.writerow([*PROVENANCE_COLUMNS, *ROW_COLUMNS])
    return buf.getvalue()
