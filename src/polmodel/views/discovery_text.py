"""Words, tables and plain data for a :class:`polmodel.analysis.discovery.Discovery`.

The sentence a facilitator reads out states only the restrictions that recur across reruns of
the search (:mod:`polmodel.analysis.recurrence`), each by its plain-word label with its id in
parentheses and limits rounded to two significant digits, or says plainly that none recurs.
This sample's own box follows in a table, as a detail.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from polmodel.errors import PolmodelError
from polmodel.model.labels import label
from polmodel.views.csv_table import csv_text, provenance_columns
from polmodel.views.text import CAVEAT, Section, approx, counted, pct


def _join(items: Sequence[str], sep: str = ", ") -> str:
    items = list(items)
    return items[0] if len(items) == 1 else sep.join(items[:-1]) + " and " + items[-1]


def _name(key: str, *, with_id: bool = True) -> str:
    try:
        return label(key, with_id=with_id)
    except PolmodelError:  # a column the model does not label (worlds built by hand)
        return key


def structures_within(lo: float, hi: float) -> list[str]:
    """The structures a restriction of the structure dimension keeps.

    Those whose part of [0, 1] has its middle inside [lo, hi]
    (see :func:`polmodel.analysis.worlds.structure_of`).
    """
    from polmodel.model.structures import STRUCTURES

    n = len(STRUCTURES)
    return [s for i, s in enumerate(STRUCTURES) if lo <= (i + 0.5) / n <= hi]


def limit_words(name: str, lo: float, hi: float, full: tuple[float, float]) -> str:
    """One restriction in words: "<label> (<id>) is between 0.055 and 0.093"."""
    if name == "structure":  # the structure as a factor: name the structures kept
        kept = structures_within(lo, hi)
        quoted = [f"'{s}'" for s in kept]
        either = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
        return f"the structure is {either}" if kept else "the structure lies between two of them"
    who = _name(name)
    if lo > full[0] and hi < full[1]:
        return f"{who} is between {approx(lo)} and {approx(hi)}"
    return f"{who} is above {approx(lo)}" if lo > full[0] else f"{who} is below {approx(hi)}"


def _statement(d) -> str:
    s = d.question.text()
    return s[0].upper() + s[1:]


def _limits_cell(name: str, lo: float, hi: float) -> str:
    """A restriction's limits in a table: numbers, or the structures it keeps."""
    if name == "structure":
        return " or ".join(structures_within(lo, hi)) or "between two structures"
    return f"{approx(lo)} to {approx(hi)}"


def structure_note(d) -> str:
    """Where the structure is sampled as an assumption, a sentence saying so (else nothing)."""
    if "structure" not in d.worlds.names:
        return ""
    from polmodel.model.structures import STRUCTURES

    return (f" Here each world reads its opening index under one of the {len(STRUCTURES)} "
            "structures (which theory of how openings happen holds), in equal parts, so these "
            "shares can differ from a comparison read under one structure.")


def _reruns(r) -> str:
    return (f"{counted(r.resamples, 'rerun')} of the search on fresh samples of "
            f"{counted(r.worlds, 'plausible world')}")


def box_sentence(d) -> str:
    """The PRIM box found on this sample, read out (one sample's answer, not a stable finding)."""
    b = d.box
    if not b.names or b.density - d.share < 0.05:
        return (f"{_statement(d)} in {pct(d.share)} of all plausible worlds, and no small set of "
                f"assumption ranges singles them out on this sample (the best box found holds "
                f"it in {pct(b.density)}).")
    full = dict(zip(d.prim.names, map(tuple, d.prim.bounds)))
    where = _join([limit_words(n, lo, hi, full[n]) for n, lo, hi in zip(b.names, b.low, b.high)],
                  "; ")
    return (f"{_statement(d)} in {pct(b.density)} of the worlds where {where}; those worlds are "
            f"{pct(b.mass)} of all plausible worlds and hold {pct(b.coverage)} of the worlds "
            f"where it does (it does in {pct(d.share)} of all worlds).{structure_note(d)}")


def sentence(d) -> str:
    """What you would have to believe: the restrictions that recur, or that none does."""
    if d.share == 0:
        return (f"{_statement(d)} in none of the {counted(len(d.worlds), 'plausible world')} sampled, under "
                "these assumptions: there is nothing to box.")
    if d.share == 1:
        return f"{_statement(d)} in every plausible world sampled, under these assumptions."
    r = d.recurrence
    if r is None:
        return box_sentence(d)
    stable = r.stable()
    if not stable:
        most = ""
        if r.names:
            most = (f" (the most frequent, {_name(r.names[0])}, in {int(r.counts[0])} of "
                    f"{r.resamples})")
        return (f"{_statement(d)} in {pct(d.share)} of all plausible worlds, and no stable set "
                f"of assumption ranges singles them out: across {_reruns(r)}, no restriction "
                f"recurs in more than half of the boxes{most}. The box found on this sample "
                f"is one sample's answer, not a finding.{structure_note(d)}")
    b = r.box
    where = _join([limit_words(n, *r.limits(n), r.bounds[n])
                   + f" (in {int(r.counts[r.names.index(n)])} of {r.resamples} reruns"
                   + (", too few to be sure: another seed may not find it" if r.barely(n) else "") + ")"
                   for n in stable], "; ")
    empty = b is not None and b.mass == 0  # no sampled world in every range at once
    weak = (" No world of this sample lies in all of these ranges at once, so it cannot say "
            "how often that happens there." if empty else
            " These ranges barely single them out: the share is hardly higher inside them."
            if b is not None and b.density - d.share < 0.05 else "")
    measured = ("" if b is None or empty else
                f" in {pct(b.density)} of the worlds where {where}; those worlds are "
                f"{pct(b.mass)} of all plausible worlds and hold {pct(b.coverage)} of the worlds "
                f"where it does (it does in {pct(d.share)} of all worlds).")
    each = "Each of these restrictions recurs" if len(stable) > 1 else "This restriction recurs"
    if empty:
        measured = (f" in {pct(d.share)} of all plausible worlds; the ranges that recur across "
                    f"reruns are these: {where}.")
    return (f"{_statement(d)}{measured or ' where ' + where + '.'} {each} in more than half of "
            f"{_reruns(r)}; no other does.{weak}{structure_note(d)}")


def sections(d) -> list[Section]:
    """The restrictions across reruns, this sample's box, and the peeling trajectory."""
    out: list[Section] = []
    r = d.recurrence
    if r is not None and r.names:
        stable = set(r.stable())
        rows = []
        for i, n in enumerate(r.names[:12]):
            lo, hi = (r.limits(n) if n in stable else (float(r.low[i]), float(r.high[i])))
            mark = ("stable" if n in stable else "") + (" (about half)" if r.barely(n) else "")
            rows.append([_name(n), f"{int(r.counts[i])} of {r.resamples}",
                         _limits_cell(n, lo, hi), mark.strip()])
        out.append((f"Restrictions across {_reruns(r)}", ("assumption", "reruns", "median limits",
                                                          ""), rows,
                    "Stable: in more than half of the reruns; about half: within two standard "
                    "deviations of a coin flip, so another seed may differ. Limits: the median over "
                    "the reruns that move each end (a stable restriction keeps the ends most of "
                    "them move)."
                    + (f" {len(r.names) - 12} more restricted in fewer reruns; --json lists all."
                       if len(r.names) > 12 else "")))
    b = d.box
    full = dict(zip(d.prim.names, map(tuple, d.prim.bounds)))
    limits = [[_name(n), _limits_cell(n, lo, hi), _limits_cell(n, *full[n])]
              for n, lo, hi in zip(b.names, b.low, b.high)]
    p = d.prim
    steps = sorted(set(np.linspace(0, len(p.coverage) - 1, 8).astype(int)) | {p.chosen})
    traj = [[int(s), f"{p.coverage[s]:.0%}", f"{p.density[s]:.0%}", f"{p.mass[s]:.0%}",
             int(p.restricted[s]), "chosen" if s == p.chosen else ""] for s in steps]
    out += [
        ("This sample's box", ("assumption", "in the box", "plausible range"), limits,
         f"density {b.density:.0%}, coverage {b.coverage:.0%}, mass {b.mass:.0%} "
         "(after pasting and pruning)."),
        ("Peeling trajectory (the coverage-density trade-off)",
         ("step", "coverage", "density", "mass", "restricted", ""), traj,
         "Rule: the box with the most coverage x (density - share) / (1 - share), share being "
         "the share of all worlds where it holds; among boxes covering at least 20%."),
    ]
    return out


def to_dict(d) -> dict[str, Any]:
    """Plain data: the sentence, the stable restrictions, this sample's box, the trajectory."""
    q, b, p, r = d.question, d.box, d.prim, d.recurrence
    named = set(b.names) | (set(r.names) if r is not None else set())
    return {
        "provenance": d.provenance(), "caveat": CAVEAT, "scenario": d.scenario,
        "seed": d.worlds.seed, "worlds": len(d.worlds),
        "question": {"policy": q.policy, "versus": q.versus, "outcome": q.outcome,
                     "statement": q.text()},
        "sentence": d.sentence(), "share": d.share,
        "stable": [] if r is None else r.stable(),
        "recurrence": None if r is None else r.to_dict(),
        "box": {"coverage": b.coverage, "density": b.density, "mass": b.mass,
                "limits": {n: [float(lo), float(hi)] for n, lo, hi in zip(b.names, b.low, b.high)}},
        "labels": {n: _name(n, with_id=False) for n in sorted(named)},
        "trajectory": {"coverage": p.coverage.tolist(), "density": p.density.tolist(),
                       "mass": p.mass.tolist(), "restricted": p.restricted.tolist(),
                       "chosen": p.chosen},
    }


PROVENANCE_COLUMNS = ("polmodel_version", "scenario", "seed", "sampler", "worlds", "horizon",
                      "structure", "aggregator", "resamples", "what_ifs", "question")
"""The leading columns of the CSV: the provenance and the question (statement) asked."""
ROW_COLUMNS = ("kind", "assumption", "low", "high", "density", "coverage", "mass", "share",
               "reruns", "label")
"""The columns after them: a restriction of this sample's box or a stable one."""


def csv_rows(d) -> list[list[object]]:
    """One result's CSV rows: this sample's box and the stable restrictions (see :func:`to_csv`)."""
    from polmodel.scenario.whatif import describe_settings

    b, r = d.box, d.recurrence
    _, meta = provenance_columns(
        scenario=d.scenario, seed=d.worlds.seed, sampler=d.worlds.sampler, worlds=len(d.worlds),
        horizon=d.horizon, structure=d.structure or None, aggregator=d.aggregator,
        resamples=None if r is None else r.resamples, what_ifs=describe_settings(d.settings),
        question=d.question.text())
    rows = [("sample box", n, lo, hi, b, "") for n, lo, hi in zip(b.names, b.low, b.high)]
    if r is not None:
        rows += [("stable", n, *r.limits(n), r.box, int(r.counts[r.names.index(n)]))
                 for n in r.stable()]
    if not rows:
        rows = [("sample box", "", np.nan, np.nan, b, "")]
    return [[*meta, kind, n, *(_cell(v) for v in (lo, hi, box.density, box.coverage, box.mass,
                                                  d.share)),
             reruns, _name(n, with_id=False) if n else ""]
            for kind, n, lo, hi, box, reruns in rows]


def _cell(value: float) -> str:
    """A number to 6 significant digits; an empty cell for none (a box with no restriction)."""
    return "" if value != value else f"{value:.6g}"


def to_csv(results) -> str:
    """The boxes and stable restrictions of one or several results (questions) as one table.

    One header line and no comments: the provenance is in leading columns
    (:data:`PROVENANCE_COLUMNS`, ending with the ``question``, which tells the results apart),
    then :data:`ROW_COLUMNS`. ``kind`` is ``sample box`` (a restriction of the box found on
    this sample) or ``stable`` (one recurring in more than half of the reruns, ``reruns`` of
    ``resamples``).
    """
    return csv_text([*PROVENANCE_COLUMNS, *ROW_COLUMNS], [row for d in results for row in csv_rows(d)])
