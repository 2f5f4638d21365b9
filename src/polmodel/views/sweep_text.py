"""The words, tables and data rows of a sweep (:class:`polmodel.analysis.sweeps.Sweep`).

The result is duck-typed: its numbers (``values``, ``lower``, ``tied``, ``grids``), its labels
(``statistic_label()``, ``lower_label()``, ``tie_words()``) and its ``verdicts()`` and
``crossovers()``. Text, ``--json``, CSV and the figure read the same numbers: shares printed as
:func:`~polmodel.views.text.pct` prints them (``<1%`` for a share that is not zero), each with
the number of worlds it rests on in the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from polmodel.views.csv_table import csv_cell, csv_text, provenance_columns
from polmodel.views.figure_parts import name as _label
from polmodel.views.text import CAVEAT, counted, pct, result_html, result_text, verdict_parts

FEW_WORLDS = 200
"""Below this many worlds a point, the headline says that one world moves a share visibly."""


def _name(key: str) -> str:
    """An axis as a person reads it, on one line: its plain-word label, the id in parentheses."""
    return " ".join(_label(key).split())


def _g(v: float) -> str:
    return f"{v:.3g}"


def _at(sw, ix) -> str:
    """Where a grid point is: "at 0.005", or "at 0.005 and 0.08" (the axes named before)."""
    return "at " + " and ".join(_g(g[i]) for g, i in zip(sw.grids, ix))


def _along(sw) -> str:
    """The axes and their ranges, named once: "Along <label> (rally) from 0.005 to 0.1"."""
    parts = [f"{_name(a)} from {_g(g[0])} to {_g(g[-1])}" for a, g in zip(sw.axes, sw.grids)]
    return "Along " + (" (across) and ".join(parts) + " (down)" if len(parts) == 2 else parts[0])


def _fmt(sw, v: float) -> str:
    return pct(v) if sw.statistic == "share" else _g(v)


def _extremes(sw, values: np.ndarray, label: str, unit: str = " of plausible worlds") -> str:
    """"<label> in 3% (rally = 0.005) to 17% (rally = 0.1) of plausible worlds"."""
    lo = np.unravel_index(np.argmin(values), values.shape)
    hi = np.unravel_index(np.argmax(values), values.shape)
    if _fmt(sw, values[lo]) == _fmt(sw, values[hi]):  # the same as printed, if not exactly
        return f"{label} {_fmt(sw, values[hi])}{unit} at every point"
    return (f"{label} {_fmt(sw, values[lo])} ({_at(sw, lo)}) to {_fmt(sw, values[hi])} "
            f"({_at(sw, hi)}){unit}")


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def side_words(sw, who: str) -> str:
    """A verdict in words: which policy gives the higher outcome in more worlds."""
    q = sw.question
    if who not in (q.policy, q.versus):
        return f"{q.policy} and {q.versus} each give the higher outcome in as many worlds"
    other = q.versus if who == q.policy else q.policy
    return f"{who} gives the higher outcome in more worlds than {other}"


def worlds_sentence(sw) -> str:
    """How many worlds each point rests on, and when that is too few to read small shares."""
    n = sw.n_worlds
    text = f"Each point rests on the same {counted(n, 'plausible world')}"
    if n > 1:  # (one world is 1e+02% of one world)
        text += f" (one world is {100 / n:.2g}% of them)"
    if n < FEW_WORLDS:
        return (text + f": too few to read differences of a few worlds; use {FEW_WORLDS * 5:,} "
                "worlds or more (--worlds) before showing it to a room.")
    return text + "."


def crossover_sentence(sw) -> str:
    """Where the verdict crosses over, in one sentence (two policies only)."""
    cross = sw.crossovers()
    verdicts = sw.verdicts()
    if not cross:
        return f"The verdict is the same at every point: {side_words(sw, verdicts.flat[0])}."
    if len(sw.axes) == 2:
        rows = {tuple(c["at"].items()) for c in cross}
        return (f"The verdict crosses over along {sw.axes[0]} at {len(rows)} of the "
                f"{len(sw.grids[1])} values of {sw.axes[1]} (table below; the line on the "
                "figure).")
    parts = [f"near {_g(c['near'])} (between {_g(c['between'][0])} and "
             f"{_g(c['between'][1])}: from {c['from']} to {c['to']})" for c in cross]
    return ("The verdict (which policy gives the higher outcome in more worlds) crosses over "
            + "; ".join(parts) + ".")


def headline(sw) -> str:
    """The answer in a few sentences, under these assumptions."""
    q = sw.question
    if sw.is_contrast:
        reverse = sw.lower_label().removeprefix("share of plausible worlds where ")
        return (f"{_along(sw)}: {_extremes(sw, sw.values, q.text() + ' in')}; "
                f"{_extremes(sw, sw.lower, reverse + ' in')}; the rest are ties "
                f"({sw.tie_words()}), under these assumptions. {crossover_sentence(sw)} "
                f"{worlds_sentence(sw)}")
    if sw.statistic == "share":
        first = _extremes(sw, sw.values, q.text() + " in")
    else:
        first = _extremes(sw, sw.values, f"the {sw.statistic_label()} is", unit="")
    first = f"{_along(sw)}: {first}"
    return f"{first}, under these assumptions. {worlds_sentence(sw)}"


def pair_cell(higher: float, lower: float, tied: float) -> str:
    """A two-policy cell, "34/33": the two sides as printed with their tie, adding up to 100."""
    shown = verdict_parts(higher, lower, tied)
    return f"{shown[0].rstrip('%')}/{shown[1].rstrip('%')}"


def sections(sw) -> list:
    """The grid as tables (and, for two policies, where the verdict crosses over)."""
    q = sw.question
    x, x_words = sw.axes[0], _name(sw.axes[0])  # the id heads a column; the label a heading
    out = []
    if len(sw.axes) == 1:
        if sw.is_contrast:
            verdicts = sw.verdicts()
            rows = [[_g(v), *verdict_parts(h, lo, t), str(d)] for v, h, lo, t, d in
                    zip(sw.grids[0], sw.values, sw.lower, sw.tied, verdicts)]
            out.append((f"Sweep of {x_words}: share of plausible worlds where each policy gives the "
                        "higher outcome", [x, f"{q.policy} higher", f"{q.versus} higher", "tied",
                                          "in more worlds"], rows,
                        f"'{q.policy} higher': {q.text()}; 'tied': {sw.tie_words()}. "
                        f"{worlds_sentence(sw)}"))
        else:
            band = sw.band if sw.band is not None else [None] * len(sw.values)
            rows = [[_g(v), _fmt(sw, s)] + ([f"{_g(b[0])} to {_g(b[1])}"] if b is not None else [])
                    for v, s, b in zip(sw.grids[0], sw.values, band)]
            header = [x, sw.statistic_label()] + (["10-90% of worlds"] if sw.band is not None else [])
            out.append((f"Sweep of {x_words}", header, rows, worlds_sentence(sw)))
    else:
        y, y_words = sw.axes[1], _name(sw.axes[1])
        nx = len(sw.grids[0])
        if sw.is_contrast:
            cell = [[pair_cell(sw.values[i, j], sw.lower[i, j], sw.tied[i, j]) for i in range(nx)]
                    for j in range(len(sw.grids[1]))]
            heading = (f"% of plausible worlds where {q.policy} gives the higher outcome / where "
                       f"{q.versus} does: {x_words} across, {y_words} down")
        else:
            cell = [[_fmt(sw, sw.values[i, j]) for i in range(nx)] for j in range(len(sw.grids[1]))]
            heading = f"{sw.statistic_label()}: {x_words} across, {y_words} down"
        header = [f"{y} \\ {x}", *(_g(v) for v in sw.grids[0])]
        rows = [[_g(v), *cells] for v, cells in zip(sw.grids[1], cell)]
        out.append((heading, header, rows, worlds_sentence(sw)))
    cross = sw.crossovers()
    if cross:
        by = [sw.axes[1]] if len(sw.axes) == 2 else []
        rows = [[*(_g(v) for v in c["at"].values()), f"{_g(c['between'][0])} to {_g(c['between'][1])}",
                 _g(c["near"]), c["from"], c["to"]] for c in cross]
        out.append((f"Where the verdict crosses over along {x_words}", [*by, "between", "near", "from",
                                                                  "to"], rows,
                    "from/to: the policy that gives the higher outcome in more worlds ('even': as "
                    "many); near: where the two shares meet, interpolated between the points."))
    return out


def title(sw) -> str:
    """The heading of the sweep's text."""
    return f"{sw.title}: sweep of {' and '.join(_name(a) for a in sw.axes)}"


def summary(sw) -> str:
    """The sentences, the tables, the caveat and the provenance, for the terminal."""
    return result_text(title(sw), headline(sw), sections(sw), sw.provenance())


def summary_html(sw) -> str:
    """The same for Jupyter."""
    return result_html(title(sw), headline(sw), sections(sw), sw.provenance())


def rows(sw) -> list[dict[str, Any]]:
    """One row per grid point: the axes, the shares (or median) and the worlds behind them."""
    from itertools import product

    verdicts = sw.verdicts() if sw.is_contrast else None
    out = []
    for ix in product(*(range(len(g)) for g in sw.grids)):
        row: dict[str, Any] = {a: float(g[i]) for a, g, i in zip(sw.axes, sw.grids, ix)}
        if sw.is_contrast:
            for key, share in (("higher", sw.values), ("lower", sw.lower), ("tied", sw.tied)):
                row[f"share_{key}"] = float(share[ix])
            for key, share in (("higher", sw.values), ("lower", sw.lower), ("tied", sw.tied)):
                row[f"worlds_{key}"] = int(sw.counts(share[ix]))
            row["verdict"] = str(verdicts[ix])
        elif sw.statistic == "share":
            row["share"] = float(sw.values[ix])
            row["worlds_holding"] = int(sw.counts(sw.values[ix]))
        else:
            row["median"] = float(sw.values[ix])
            if sw.band is not None:
                row["p10"], row["p90"] = (float(b) for b in sw.band[ix[0]])
        row["worlds"] = int(sw.n_worlds)
        out.append(row)
    return out


def to_dict(sw) -> dict[str, Any]:
    """Plain data: the question, the sentences, every grid point, the crossovers."""
    q = sw.question
    data = {"provenance": sw.provenance(), "caveat": CAVEAT, "scenario": sw.scenario,
            "seed": sw.seed, "worlds_per_point": sw.n_worlds, "horizon": sw.horizon,
            "structure": sw.structure, "aggregator": sw.aggregator,
            "question": {"policy": q.policy, "versus": q.versus, "outcome": q.outcome,
                         "label": q.label(), "tie_margin": q.margin if q.versus else None},
            "statistic": sw.statistic_label(), "headline": headline(sw),
            "axes": list(sw.axes), "grids": [g.tolist() for g in sw.grids], "points": rows(sw)}
    if sw.is_contrast:
        data.update(lower_statistic=sw.lower_label(), ties=sw.tie_words(),
                    crossovers=sw.crossovers())
    return data


def csv_rows(sw) -> tuple[list[str], list[list[object]]]:
    """The grid points as a CSV table: header and rows, the provenance in leading columns.

    Columns: ``polmodel_version``, ``scenario``, ``seed``, ``sampler``, ``worlds`` (per point),
    ``horizon``, ``structure``, ``aggregator``, ``question``, ``what_ifs``, then the axes' values and the
    statistics of :func:`rows` (the shares higher, lower and tied with their worlds and the
    verdict; the share of worlds; or the median and its band).
    """
    from polmodel.scenario.whatif import describe_settings

    header, meta = provenance_columns(
        scenario=sw.scenario, seed=sw.seed, sampler=sw.sampler, worlds=sw.n_worlds,
        horizon=sw.horizon, structure=sw.structure, aggregator=sw.aggregator,
        question=sw.question.label(),
        what_ifs=describe_settings(sw.settings))
    table = rows(sw)
    fields = [k for k in table[0] if k != "worlds"]  # the same at every point: a leading column
    return [*header, *fields], [[*meta, *(csv_cell(r.get(k)) for k in fields)] for r in table]


def to_csv(sw) -> str:
    """The grid points as CSV: one header line, the provenance in leading columns, no comments."""
    return csv_text(*csv_rows(sw))
