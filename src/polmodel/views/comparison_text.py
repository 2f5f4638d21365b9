"""A comparison in words and tables, on the terminal, in Jupyter and in the handout.

It holds what :class:`~polmodel.analysis.comparison.Comparison` shows.

The comparison is read duck-typed (its ``policies``, ``per_policy``, ``pairwise()``,
``verdict()`` ...): nothing here imports the analysis.
"""

from __future__ import annotations

import html

from polmodel.model.states import CONDITIONS, SCALES
from polmodel.model.structures import STRUCTURES, leaf_words
from polmodel.views.text import (
    CAVEAT,
    WIDTH,
    Section,
    counted,
    pct,
    pcts,
    sections_html,
    sections_text,
    signed,
    verdict_parts,
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
             *_first(s), round(s["crisis_months_median"], 1), s["exodus_median"]]
            for n, s in pp.items()]
    vs = []
    for n in c.policies:
        if n == c.baseline:
            continue
        pw = c.pairwise(n, c.baseline)
        v = c.verdict(n, c.baseline)
        graded = v["graded"]
        held, readings = c.holds(n, c.baseline)
        # Higher, lower and tied are the whole of the worlds: printed, they add up to 100%
        # (the graded pair too, with its tie the rest).
        graded_higher, graded_lower, _ = verdict_parts(graded["share_higher"],
                                                       graded["share_lower"], graded["share_tied"])
        vs.append([n, *verdict_parts(pw["share_higher"], pw["share_lower"], pw["share_tied"]),
                   signed(pw['difference_median'], 3), f"{graded_higher}/{graded_lower}",
                   f"{held} of {readings}"])
    effects = [[n, *(signed(c.condition_effects[n][k]['mean_change'], 3) for k in CONDITIONS),
                signed(c.pairwise(n, c.baseline)['difference_median'], 3)]
               for n in c.policies if n != c.baseline]
    # Both grow with the square of the number of policies: print the first ones, all are in
    # the JSON and CSV output.
    names = c.policies[:MATRIX_SHOWN]
    matrix = [[f"{i} {a}", *("" if a == b else pct(c.pairwise(a, b)["share_higher"]) for b in names)]
              for i, a in enumerate(names, start=1)]
    matrix_note = (f" Only the first {MATRIX_SHOWN} of {len(c.policies)} policies are shown; every "
                   "pair is in the JSON and CSV output." if len(c.policies) > MATRIX_SHOWN else "")
    sign = {"higher": "+", "lower": "-", "even": "="}
    flips = [[a, b, *(" ".join(sign[c.readings(a, b)[f"{st}/{sc}"]["reading"]] for sc in SCALES)
                      for st in STRUCTURES)]
             for a, b in c.structure_flips[:FLIPS_SHOWN]]
    n_flips = len(c.structure_flips)
    flips_note = (f" The first {FLIPS_SHOWN} of {n_flips} pairs are shown; all are in the JSON "
                  "output." if n_flips > FLIPS_SHOWN else "")
    # One condition binds most months in each world: a policy's row adds up to 100%.
    binds = [[n, *pcts(*(pp[n]["bottleneck_shares"][k] for k in c.leaves))] for n in c.policies]
    cells = [(st, cond) for st, s in STRUCTURES.items() for cond in CONDITIONS
             if cond not in s.leaves]
    nec = [[n, *(f"{c.necessity[n][st][cond]:.2f}" for st, cond in cells)] for n in c.policies]
    return [
        ("Per policy (shares of plausible worlds)",
         ("policy", "window", "peak", "peak 10-90%", "open", "first", "n", "late",
          "in crisis", "exodus"),
         main,
         f"window: share of plausible worlds in which a window opens in some month (under the "
         f"'{c.structure}' structure: {STRUCTURES[c.structure].text}, each above 0.5). "
         "peak: median over worlds of the highest opening index (10-90%: the middle 80% of "
         "worlds). open: months a window stays open, mean over worlds. first: median month of the first window, among the "
         "worlds (n) where one opens; late: share of those first windows in the last "
         f"{counted(pp[c.baseline]['first_window_timing']['late_months'], 'month')} of the "
         f"{c.horizon}-month horizon, where a longer horizon could change the picture. "
         "in crisis: months lived in crisis, weighted by its depth, a humanitarian cost (median). exodus: share emigrated at the "
         "horizon (median)."),
        (f"Against the baseline '{c.baseline}' on the peak opening index (paired, same worlds)",
         ("policy", "higher in", "lower in", "tied in", "median diff", "graded AND", "holds under"),
         vs,
         f"Shares of worlds under the '{c.structure}' structure and the '{c.aggregator}' AND; "
         f"differences up to {c.margin:g} on the index count as ties. graded AND: higher/lower "
         "shares under the product AND (on the scale of min). holds under: in how many of the "
         f"readings ({len(STRUCTURES)} structures x the strict and the graded AND) the same policy "
         "gives the higher index in more worlds. " + horizon_sentence(c)),
        ("Every pair: share of plausible worlds in which the row policy gives a higher index than the "
         "column",
         ("policy", *(str(i) for i in range(1, len(names) + 1))), matrix,
         f"Higher by more than {c.margin:g}; the rest are lower or practically tied." + matrix_note),
        ("Pairs whose verdict changes with the structure or the fuzzy AND",
         ("policy A", "policy B", *STRUCTURES), flips,
         ("Each cell: strict then graded AND; + where A gives the higher index in more worlds, - "
          "where B does, = even. The structure and the AND are assumptions: where a verdict "
          "changes with them, it depends on them." + flips_note)
         if flips else "No pair changes: every verdict holds under every structure and both ANDs."),
        *_horizon_section(c),
        (f"What each policy did to each condition (mean change against '{c.baseline}')",
         ("policy", *CONDITIONS, "index diff"), effects,
         "index diff: median paired change of the peak opening index. Under a min-based AND only "
         "the binding condition moves the index: a lever can raise a condition that does not bind "
         "and leave the index flat."),
        (f"What binds under the '{c.structure}' structure (share of plausible worlds where it binds "
         "most months)", ("policy", *map(leaf_words, c.leaves)), binds,
         "forces not holding: security forces that no longer hold together behind the rulers "
         "(1 - security)."
         if any(leaf.startswith("~") for leaf in c.leaves) else ""),
        ("Is a condition needed for openings by the other routes? (1.00: present in all of them)",
         ("policy", *(str(k) for k in range(1, len(cells) + 1))), nec,
         "Columns: " + "; ".join(f"{k} {cond} for '{st}' openings"
                                 for k, (st, cond) in enumerate(cells, start=1)) + ". "
         + necessity_explanation(c, cells)),
    ]


def _first(s) -> list:
    """The first-window cells: median month, the number of worlds it rests on, how many late."""
    timing = s["first_window_timing"]
    if s["first_window_median"] is None:
        return ["-", 0, "-"]
    return [int(round(s["first_window_median"])), timing["worlds_with_window"],
            pct(timing["share_late"])]


def _horizon_section(c) -> list[Section]:
    """The verdicts at 24, 36 and 60 months before the horizon, where any differs."""
    marks = sorted({int(k.split("/")[0]) for k in c._horizon_grid})
    if not marks:
        return []
    sign = {"higher": "+", "lower": "-", "even": "="}
    rows = [[a, b, *(" ".join(sign[c.at_months(a, b)[f"{m}/{sc}"]["reading"]] for sc in SCALES)
                     for m in marks),
             " ".join(sign[c.verdict(a, b)[sc]["reading"]] for sc in SCALES)]
            for a, b in c.horizon_flips[:FLIPS_SHOWN]]
    head = ("policy A", "policy B", *(f"{m} months" for m in marks), f"{c.horizon} (horizon)")
    title = "Pairs whose verdict changes with the horizon"
    if not rows:
        return [(title, head, [], "No pair changes: every verdict read at "
                 + ", ".join(f"{m}" for m in marks) + f" months is the one at {c.horizon}.")]
    return [(title, head, rows, "Each cell: strict then graded AND, as above. A verdict that "
             "changes with the horizon depends on how long one waits.")]


def horizon_sentence(c) -> str:
    """When the verdicts are read besides the horizon, and whether any changes."""
    marks = sorted({int(k.split("/")[0]) for k in c._horizon_grid})
    if not marks:
        return (f"Verdicts are read at the {c.horizon}-month horizon only (24, 36 and 60 months "
                "lie beyond it).")
    at = ", ".join(str(m) for m in marks[:-1]) + (" and " if len(marks) > 1 else "") + str(marks[-1])
    n = len(c.horizon_flips)
    if not n:
        return f"Read at {at} months, every verdict is the same as at {c.horizon}."
    return (f"Read at {at} months, {n} pair{'s' if n > 1 else ''} of policies "
            f"change{'' if n > 1 else 's'} verdict (listed below).")


def necessity_explanation(c, cells) -> str:
    """The necessity table in plain words, with its lowest value."""
    text = ("How to read it: each column asks whether a condition of the memo was present (its "
            "highest level over the horizon) whenever a rival structure, one that does not need "
            "it, gave an opening. 1.00: it was, in every plausible world (consistent with the "
            "memo's claim that it is needed); below 1: some openings by that route came without "
            "it. Inside its own structure a condition is needed by construction, so those cells "
            "are left out.")
    values = [(c.necessity[n][st][cond], cond, st, n) for n in c.policies for st, cond in cells]
    values = [v for v in values if v[0] is not None and v[0] == v[0]]
    if not values:
        return text
    v, cond, st, n = min(values)
    return text + f" Here the lowest is {cond} for '{st}' openings under '{n}' ({v:.2f})."


def comparison_title(c) -> str:
    """The heading of a comparison: scenario title, number of policies and worlds."""
    return (f"{c.title}: {counted(len(c.policies), 'policy', 'policies')} on "
            f"{counted(c.n_worlds, 'plausible world')}")


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

    Columns: the provenance (version, scenario, seed, sampler, worlds, horizon, structure,
    aggregator),
    then ``policy``, ``versus`` (the other policy of a paired statistic, empty otherwise),
    ``statistic`` and ``value``. Per-policy figures, bottleneck shares, shortfall from the
    highest policy, condition effects against the baseline, necessity and every pair (shares
    under the strict and the graded AND, and whether the verdict flips) are all in it.
    """
    from polmodel import __version__

    meta = [__version__, c.scenario, c.worlds.seed, c.worlds.sampler, c.n_worlds, c.horizon,
            c.structure, c.aggregator]
    header = ["polmodel_version", "scenario", "seed", "sampler", "worlds", "horizon", "structure",
              "aggregator", "policy", "versus", "statistic", "value"]
    rows: list[list[object]] = []

    def add(policy: str, versus: str, stat: str, value: float | None) -> None:
        ok = value is not None and value == value
        rows.append([*meta, policy, versus, stat, f"{value:.6g}" if ok else ""])

    for n, s in c.per_policy.items():
        for k, v in s.items():
            if k == "first_window_timing":
                add(n, "", "worlds_with_window", v["worlds_with_window"])
                add(n, "", "first_window_share_late", v["share_late"])
            elif k != "bottleneck_shares":
                add(n, "", k, v)
        for k, v in s["bottleneck_shares"].items():
            add(n, "", f"binds_{k}", v)
        for k, v in c.shortfall[n].items():
            add(n, "", f"shortfall_{k}", v)
        for st, d in c.necessity[n].items():
            for k, v in d.items():
                if v is not None:
                    add(n, "", f"necessity_{k}_for_{st}", v)
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
                for name, r in c.readings(a, b).items():
                    add(a, b, f"reading_{name}_share_higher", r["share_higher"])
                    add(a, b, f"reading_{name}_share_lower", r["share_lower"])
    return header, rows


