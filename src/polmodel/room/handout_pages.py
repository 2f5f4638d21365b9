"""The handout's pages 2 to 4: the policies side by side, the conditions over time, the model.

Each page is a :class:`Part` that starts on a new printed page and fits on it (A4 and Letter);
its figure is inline SVG (:mod:`polmodel.views.svg_charts`, :mod:`polmodel.views.model_diagrams`)
and it ends with a one-line footer: the caveat, short, and the provenance. :func:`table` is the
handout's table: numeric columns right-aligned under right-aligned headers, "<1%" like the rest.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from polmodel.views.text import counted, pct

_NUMBER = re.compile(r"^([<>~\u2212+-]?\d[\d.,]*%?( ?(\u2013|-|/|to) ?[<>\u2212+-]?\d[\d.,]*%?)?|"
                     r"month \d+|\d+ of \d+|none|\u2014|-|)$")
"""A cell that reads as a number: 12%, <1%, 0.25, 0.17\u20130.32, 12%/5%, month 14, 3 of 8,
none."""


@dataclass(frozen=True)
class Part:
    """One section of the handout: an id for links, a heading, its HTML body and its class."""

    id: str
    heading: str
    body: str
    cls: str = ""


def table(header: Sequence[str], rows: Sequence[Sequence[object]], *, cls: str = "",
          numeric: Sequence[bool] | None = None) -> str:
    """An HTML table whose number columns align right, headers included.

    A column is numeric when every non-empty cell reads as a number (:data:`_NUMBER`), unless
    ``numeric`` says which columns are. Floats are shown to two decimals.
    """
    cells = [[f"{v:.2f}" if isinstance(v, float) else str(v) for v in row] for row in rows]
    n = len(header)
    if numeric is None:
        numeric = [bool(cells) and all(_NUMBER.match(r[i]) for r in cells) for i in range(n)]
    head = "".join(f"<th{' class=num' if numeric[i] else ''}>{html.escape(h)}</th>"
                   for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(
        f"<td{' class=num' if numeric[i] else ''}>{html.escape(v).replace('_', '_<wbr>')}</td>"
        for i, v in enumerate(r)) + "</tr>" for r in cells)
    return (f"<table{f' class={cls}' if cls else ''}><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def footer(c) -> str:
    """The caveat, short, and the provenance: the last line of every page but the first."""
    return ("<p class='foot'>Shares of plausible worlds under the scenario's assumed ranges: "
            "sensitivity, not prediction. " + html.escape(c.provenance()) + "</p>")


def policies_part(sc, c, pair: tuple[str, str]) -> Part:
    """Page 2: every policy side by side, on the same plausible worlds."""
    from polmodel.model.structures import STRUCTURES, leaf_words
    from polmodel.views.svg_charts import peak_ranges

    pp = c.per_policy
    rows = []
    for n in c.policies:
        s = pp[n]
        timing = s["first_window_timing"]
        first = s["first_window_median"]
        binds = max(s["bottleneck_shares"], key=s["bottleneck_shares"].get)
        rows.append([n, pct(s["window_share"]), f"{s['peak_index_median']:.2f}",
                     f"{s['peak_index_p10']:.2f}\u2013{s['peak_index_p90']:.2f}",
                     f"{s['months_open_mean']:.1f}",
                     "none" if first is None else f"month {first:.0f}",
                     "\u2014" if timing["share_late"] is None else pct(timing["share_late"]),
                     f"{leaf_words(binds)} {pct(s['bottleneck_shares'][binds])}",
                     f"{s['crisis_months_median']:.1f}", f"{s['exodus_median']:.2f}"])
    late = pp[c.baseline]["first_window_timing"]["late_months"]
    body = (f"<p>Every policy ran on the same {counted(c.n_worlds, 'plausible world')}, under "
            f"{html.escape(STRUCTURES[c.structure].label)} ('{html.escape(c.structure)}' "
            f"structure) and the '{html.escape(c.aggregator)}' AND. The two policies of the "
            "question are in bold.</p>"
            + peak_ranges(pp, highlight=pair)
            + table(("policy", "window opens in", "peak index", "10\u201390%", "months open",
                     "first window", "late", "binds most", "crisis-months", "exodus"), rows,
                    cls="policies")
            + "<p class='note'>Window: share of plausible worlds in which all the structure's "
              "conditions are above 0.5 in some month. Peak index: the highest opening index "
              "over the horizon, median over worlds (10\u201390%: the middle 80% of worlds, the "
              "bar in the figure; the dot is the median). Months open: mean. First window: "
              f"median month, among worlds with one; late: share of those in the last {late} "
              f"months of the {c.horizon}, where a longer horizon could change the picture. "
              "Binds most: the condition that sets the index in the most worlds. Crisis-months "
              "and exodus (share emigrated at the horizon): humanitarian costs, medians. A "
              "higher opening index is higher, not better: the model describes, it does not judge.</p>"
            + footer(c))
    return Part("policies", "The policies side by side", body, "page")


def over_time_part(sc, c, runs: Sequence) -> Part:
    """Page 3: the conditions over the months under each policy, at central values."""
    from polmodel.views.svg_charts import conditions_over_time

    rows = [[r.policy, "none" if r.first_window is None else f"month {r.first_window}",
             r.months_open, f"{r.peak_index:.2f}"] for r in runs]
    body = ("<p>One run per policy with every assumption at its central value: the mechanisms "
            "at work, not a forecast (the plausible worlds vary every assumption). A condition "
            "is present above 0.5, the dashed line.</p>"
            + conditions_over_time(runs, columns=3 if len(runs) > 6 else 2)
            + "<p class='note'>Thick: the condition that binds, setting the opening index (dotted "
              "black). Shaded: months with a window.</p>"
            + table(("policy", "first window", "months open", "peak index"), rows, cls="central")
            + footer(c))
    return Part("over-time", "The conditions over time", body, "page")


def model_part(c) -> Part:
    """Page 4: the model on one page, levers -> conditions, for a back row."""
    from polmodel.views.model_diagrams import lever_diagram

    body = (lever_diagram()
            + "<p class='note'>Each arrow stands for every mechanism linking a lever to a state, "
              "marked by the way they push. Under each state: how many of the model's mechanisms "
              "raise and lower it, levers or not (the states also move one another). Every "
              "mechanism, with its source, is in the appendix.</p>"
            + footer(c))
    return Part("model", "The model on one page", body, "page")
