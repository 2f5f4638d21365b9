"""What the room sees of its own estimates: who answered, and, once revealed, the pooled result.

Before the facilitator reveals it, the projector shows only who has answered in the round (or
how many, with names hidden). Revealed, it shows per open assumption each participant's range as
a line and the pooled distribution (the project's equal-weight linear pool,
:mod:`polmodel.room.opinion_pool`), the question's comparison re-run on the pooled ranges, and
which participants' own estimates put them on either side of its verdict
(:func:`polmodel.room.elicitation.elicit`, on the projector's lever moves and what-ifs, except
what-ifs on the numbers the room estimated).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from polmodel.model.labels import label
from polmodel.room.estimates_file import EstimateRow


def shown_names(rows: Sequence[EstimateRow], hide: bool) -> dict[str, str]:
    """Participant -> the name the projector shows ("participant 3" when names are hidden)."""
    order = list(dict.fromkeys(r.participant for r in rows))
    return {p: (f"participant {i + 1}" if hide else p) for i, p in enumerate(order)}


def answered_html(names: Sequence[str], round_: int, hide: bool,
                  missing: dict[str, int] | None = None) -> str:
    """Who has answered this round (and who has yet to answer a number opened since), escaped."""
    if not names:
        return f"<p class='answered'>Round {round_}: nobody has answered yet.</p>"
    missing = missing or {}

    def person(n: str) -> str:
        k = missing.get(n, 0)
        return f"<b>{html.escape(n)}</b>" + (f" ({k} open number{'s' if k > 1 else ''} not yet "
                                               "answered)" if k else "")

    people = "" if hide else ": " + ", ".join(person(n) for n in names)
    short = sum(1 for n in names if missing.get(n, 0))
    note = (f" {short} of them {'has' if short == 1 else 'have'} yet to answer a number opened "
            "since." if hide and short else "")
    return (f"<p class='answered'>Round {round_}: {len(names)} "
            f"{'participant has' if len(names) == 1 else 'participants have'} answered"
            f"{people}.{note}</p>")


def pooled_view(room, rows: Sequence[EstimateRow], hide: bool) -> dict[str, Any]:
    """The revealed result of one round: ranges, the pooled answer, who lands on which side."""
    from polmodel.room.elicitation import elicit
    from polmodel.room.live.picture import assumption_range, edited_scenario
    from polmodel.room.opinion_pool import pooled_quantiles
    from polmodel.views.svg_estimates import estimate_ranges
    from polmodel.views.text import pct

    names = shown_names(room.estimates(), hide)  # numbered by first answer, across rounds
    figures = []
    by_param: dict[str, list[EstimateRow]] = {}
    for r in rows:
        by_param.setdefault(r.parameter, []).append(r)
    for name, est in by_param.items():
        _, low, high = assumption_range(room.scenario, name)
        q = [float(v) for v in pooled_quantiles(est, [0.05, 0.5, 0.95])]
        scale = (min(low, *(r.low for r in est)), max(high, *(r.high for r in est)))
        figures.append(estimate_ranges(label(name), [(names[r.participant], r.low, r.best, r.high)
                                                     for r in est], scale=scale, pooled=tuple(q)))
    a, b = room.settings.pair
    s = room.settings
    # The projector's settings, but no what-if on a number the room estimated: the estimates
    # are what is being pooled.
    settings = replace(s, fixed={k: v for k, v in s.fixed.items() if k not in by_param})
    e = elicit(room.estimates(), room.scenario, worlds=room.worlds, seed=room.seed,
               policies=[a, b], round=room.round, per_number=False,
               edit=lambda view: edited_scenario(view, settings), engine=room.engine)
    verdict = next(v for v in e.verdicts if {v["a"], v["b"]} == {a, b})
    if verdict["a"] != a:  # the verdicts table has its own order of the pair: name them as it does
        a, b = verdict["a"], verdict["b"]
    lead = (f"On the pooled ranges, <b>{html.escape(a)}</b> gives the higher opening index in "
            f"<b>{pct(verdict['pooled'])}</b> of plausible worlds and <b>{html.escape(b)}</b> in "
            f"<b>{pct(verdict['pooled_lower'])}</b> ({e.comparisons['pooled'].n_worlds:,} worlds, "
            "the projector's lever settings and what-ifs).")

    groups = []
    for key, words in (("on_a", f"<b>{html.escape(a)}</b>"), ("on_b", f"<b>{html.escape(b)}</b>"),
                       ("even", "neither")):
        who = [html.escape(names[p]) for p in verdict[key]]
        if who:
            groups.append(f"{words} for {', '.join(who)}")
    sides = (f"<p class='sides'>On their own estimates, more worlds favour "
             f"{'; '.join(groups)}.</p>")
    split = ("<p class='split'>The room's estimates put participants on <b>both sides</b> of this "
             "verdict.</p>" if verdict["split"] else "")
    return {"figures": figures, "answer": f"<p class='pooled'>{lead}</p>" + split + sides,
            "split": bool(verdict["split"]), "provenance": e.provenance()}
