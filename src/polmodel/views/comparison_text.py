"""A comparison in words and tables, on the terminal, in Jupyter and in the handout.

It holds what :class:`~polmodel.analysis.comparison.Comparison` shows.

The comparison is read duck-typed (its ``policies``, ``per_policy``, ``pairwise()``,
``verdict()`` ...): nothing here imports the analysis.
"""

from __future__ import annotations

import html

from polmodel.model.states import CONDITIONS, SCALES
from polmodel.views.text import (
    CAVEAT,
    WIDTH,
    Section,
    pct,
    sections_html,
    sections_text,
    wrap,
)

MATRIX_SHOWN = 12
"""Policies shown in the pairwise matrix on the terminal and in HTML (all are in JSON and CSV)."""

FLIPS_SHOWN = 20
"""Flipping pairs listed on the terminal and in HTML (all are in JSON)."""


def comparison_sections(c) -> list[Section]:
    """The tables of a :class:`~polmodel.analysis.comparison.Comparison`, each with a note under it."""
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
         "window: share of plausible worlds in which all four conditions are present at once in some month. "
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
        ("Every pair: share of plausible worlds in which the row policy gives a higher index than the "
         "column",
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
        ("Which condition binds (share of plausible worlds where it binds most months)",
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


