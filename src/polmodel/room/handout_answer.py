"""The handout's first page: the question, the answer, what decides it, what you would have to believe.

In that order, for a room that reads one page: the scenario's question in one sentence (which of
two policies gives the higher opening index); the answer as shares of plausible worlds, ties
included, under the scenario's structure, and under how many other readings and horizons it
holds; the assumptions the methods agree on, each with how far it must move to flip the verdict
(:class:`polmodel.room.handout_findings.Findings`); the restrictions you would have to believe
for the first policy to give the higher index; the what-ifs applied; the caveat and the
provenance. Every assumption is named by its label, its id in parentheses.
"""

from __future__ import annotations

import html

from polmodel.room.handout_pages import Part, table
from polmodel.views.text import (
    CAVEAT,
    approx,
    counted,
    pct,
    verdict_pcts,
)


def question_html(sc, c, pair: tuple[str, str]) -> str:
    """The scenario's question in one sentence, each policy with its description."""
    a, b = pair

    def policy(name: str) -> str:
        desc = sc.policy(name).description.strip().rstrip(".")
        return f"<b>{html.escape(name)}</b>" + (f" ({html.escape(desc)})" if desc else "")

    return (f"<p class='question'><span class='tag'>The question</span> Over {counted(c.horizon, 'month')}, "
            f"which gives the higher opening index: {policy(a)}, or {policy(b)}?</p>")


def answer_html(c, pair: tuple[str, str]) -> str:
    """The verdict in shares of plausible worlds, ties included, with the bar and the readings."""
    from polmodel.model.structures import STRUCTURES
    from polmodel.views.svg_charts import verdict_bar

    a, b = pair
    pw = c.pairwise(a, b)
    hi, lo, tie = pw["share_higher"], pw["share_lower"], pw["share_tied"]
    first, second = (a, b) if hi >= lo else (b, a)
    big, small, tied = verdict_pcts(hi, lo, tie)
    def share(x: str) -> str:  # "<1%" is text, not a tag
        return f"<b>{html.escape(x)}</b>"

    lead = (f"<b>{html.escape(first)}</b> gives the higher opening index in {share(big)} "
            f"of plausible worlds, <b>{html.escape(second)}</b> in {share(small)}; they tie "
            f"(within {c.margin:g}) in {share(tied)}." if hi != lo else
            f"Neither gives the higher opening index in more worlds: each does in "
            f"{share(big)}, and they tie (within {c.margin:g}) in {share(tied)}.")
    structure = (f"under {html.escape(STRUCTURES[c.structure].label)} (the "
                 f"'{html.escape(c.structure)}' structure) and the '{html.escape(c.aggregator)}' "
                 "AND")
    return (f"<p class='answer'><span class='tag'>The answer</span> {lead} That is {structure}, "
            f"on {counted(c.n_worlds, 'plausible world')}.</p>"
            + verdict_bar(a, b, hi, tie, lo)
            + f"<p class='holds'>{html.escape(holds_sentence(c, pair))}</p>")


def holds_sentence(c, pair: tuple[str, str]) -> str:
    """Under how many readings (structures x ANDs) and at which horizons the verdict holds."""
    from polmodel.model.readings import MARKS
    from polmodel.model.structures import STRUCTURES

    a, b = pair
    held, n = c.holds(a, b)
    own = c.verdict(a, b)
    scale = "strict" if c.aggregator == "min" else "graded"
    marks = c.at_months(a, b)
    same = [k.split("/")[0] for k, r in marks.items()
            if k.endswith(f"/{scale}") and r["reading"] == own[scale]["reading"]]
    changed = [k.split("/")[0] for k, r in marks.items()
               if k.endswith(f"/{scale}") and r["reading"] != own[scale]["reading"]]
    beyond = [str(m) for m in MARKS if m > c.horizon]
    words = (f"It holds under {held} of {n} readings ({len(STRUCTURES)} structures of how "
             "openings happen, each with the strict and the graded AND)")
    if same:
        words += f"; at {' and '.join(same)} months it is the same as at {c.horizon}"
    if changed:
        words += f"; at {' and '.join(changed)} months it is not"
    if beyond:
        words += f" ({' and '.join(beyond)} months lie beyond the {c.horizon}-month horizon)"
    return words + "; every reading: appendix."


def deciding_html(f) -> str:
    """What decides it: the assumptions the methods agree on, with their flip points."""
    from polmodel.model.labels import label

    flips = f.flips
    head = "<h3>What decides it</h3>"
    if f.discovery is not None and not f.varied:
        return (head + "<p>No assumption of this scenario is uncertain (every plausible range "
                "is a single value): every world is the same world, and nothing can move the "
                "verdict but the scenario's own numbers.</p>")
    if flips is None:
        return ""
    names = f.deciding()
    if not names:
        return (head + "<p>No single assumption flips the verdict: narrowing any one to either "
                f"end of its range (down to a twentieth of it) leaves the verdict as it is, on "
                f"{counted(flips.worlds, 'plausible world')}.</p>")
    agreed = all(len(f.methods(n)) > 1 for n in names)
    rows = []
    for n in names:
        p = flips.point(n)
        named = []
        if "box" in f.methods(n):
            named.append(f"box, {f.box_count(n)} of {f.discovery.recurrence.resamples}")
        rank = f.tornado_rank(n)
        if rank is not None and "tornado" in f.methods(n):
            named.append(f"tornado, {_ordinal(rank)}")
        rows.append([label(n, with_id=True), f"{approx(p.low)} to {approx(p.high)}",
                     f"{p.side} {approx(p.at)}", pct(p.kept), "; ".join(named) or "\u2014"])
    lead = ("The assumptions the methods agree on" if agreed else
            "The assumptions that flip the verdict (no other method names them)")
    return (head + f"<p>{lead}, and how far each must move to flip the verdict: beyond its flip "
            "point (the others anywhere in their ranges) the other policy gives the higher index "
            "in more worlds.</p>"
            + table(("assumption", "plausible range", "flips if", "of range", "also named by"),
                    rows, cls="deciding", numeric=(False, True, True, True, False))
            + f"<p class='note'>Read on the {counted(flips.worlds, 'world')} of "
              f"{counted(flips.resamples, 'rerun')}: "
              "the worlds beyond a flip point are those of the what-if narrowing its range to "
              "that side (<code>--set NAME=LOW:HIGH</code>). Of range: the share of its range "
              "beyond the point (the larger, the less it must move). Box: reruns whose \"what "
              "you would have to believe\" restricts it; tornado: rank by swing, one at a time "
              "at central values. All of them: appendix.</p>")


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def believe_html(f, available: bool) -> str:
    """What you would have to believe for the first policy to give the higher index."""
    head = "<h3>What would you have to believe?</h3>"
    if not available:
        return (head + "<p class='missing'>This needs polmodel's discovery "
                "(<code>polmodel.analysis.discovery</code>), which this installation does not "
                "have.</p>")
    if f.discovery is None:
        return ""
    d = f.discovery
    r = d.recurrence
    return (head + f"<ul class='believe'><li>{html.escape(d.sentence())}</li></ul>"
            "<p class='note'>Found by scenario discovery (PRIM: a search for the ranges of the "
            "assumptions where the answer holds most often), keeping only the ranges found again "
            f"in more than half of {r.resamples if r else 'its'} reruns on fresh samples of "
            f"{counted(len(d.worlds), 'world')}; <code>polmodel discover</code> states the same "
            "at the same seed.</p>")


def what_ifs_html(sc) -> str:
    """The what-ifs applied (``report --set``), by label with the id in parentheses; '' if none."""
    if not sc.what_ifs:
        return ""
    from polmodel.errors import PolmodelError
    from polmodel.model.labels import label
    from polmodel.scenario.whatif import parse_setting

    items = []
    for text in sc.what_ifs:
        name, setting = parse_setting(text)
        try:
            who = label(name, with_id=True)
        except PolmodelError:
            who = name
        what = (f"plausible range {setting[0]:g} to {setting[1]:g}" if isinstance(setting, tuple)
                else f"fixed at {setting:g} in every world")
        items.append(f"<li>{html.escape(who)}: {what}</li>")
    return ("<div class='what-ifs'><p><b>What-ifs applied</b> (<code>--set</code>): these numbers "
            f"differ from the scenario file {html.escape(sc.name)}, and every result in this "
            f"handout uses them.</p><ul>{''.join(items)}</ul></div>")


def placeholders_html(sc) -> str:
    """A warning when numbers still carry the template's placeholder source; '' if none."""
    note = sc.placeholder_note()
    if not note:
        return ""
    return ("<div class='what-ifs'><p><b>Placeholder numbers.</b> "
            f"{html.escape(note)}</p></div>")


def answer_part(sc, c, pair: tuple[str, str], f, *, available: bool = True) -> Part:
    """Page 1 as a :class:`Part`."""
    body = (placeholders_html(sc) + what_ifs_html(sc) + question_html(sc, c, pair) + answer_html(c, pair)
            + deciding_html(f) + believe_html(f, available)
            + f"<p class='caveat'>{html.escape(CAVEAT)}</p>"
            + f"<p class='provenance'>{html.escape(c.provenance())}</p>")
    return Part("answer", "The question and the answer", body)
