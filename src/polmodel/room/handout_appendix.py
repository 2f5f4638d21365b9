"""The handout's appendix, after a page break (``report --brief`` leaves it out).

Every mechanism as a diagram; every reading of the verdict (structures, ANDs, horizons); what
decides it in full (every flip point with its what-if, how often each assumption is restricted
across reruns, the tornado); the comparison's full tables; every assumption with its range and
source; the documents they cite; the caveat and the provenance.
"""

from __future__ import annotations

import html
import re

from polmodel.room.handout_pages import Part, table
from polmodel.views.text import CAVEAT, approx, counted, pct, verdict_parts


def _htl(higher: float, tied: float, lower: float) -> tuple[str, str, str]:
    """A pair's shares in the tables' column order (first higher, tied, second higher)."""
    h, lo, t = verdict_parts(higher, lower, tied)
    return h, t, lo


def mechanisms_part() -> Part:
    """Every mechanism: levers -> mechanisms -> states, on a page of its own."""
    from polmodel.views.model_diagrams import mechanism_diagram

    return Part("mechanisms", "Appendix: every mechanism",
                mechanism_diagram()
                + "<p class='note'>Each mechanism is one row of the mechanism table "
                  "(<code>polmodel levers</code>, <code>docs/levers.md</code>), with its source "
                  "and the assumptions that size it in the table of assumptions below.</p>")


def readings_part(c, pair: tuple[str, str]) -> Part:
    """The verdict of the pair under every structure and AND, at every horizon; pairs that flip."""
    from polmodel.model.structures import STRUCTURES

    a, b = pair
    verdict = {"higher": f"{a} higher", "lower": f"{b} higher", "even": "even"}
    rows = []
    for key, r in c.readings(a, b).items():
        structure, scale = key.split("/")
        rows.append([f"{STRUCTURES[structure].label} ('{structure}')", scale,
                     *_htl(r["share_higher"], r["share_tied"], r["share_lower"]),
                     verdict[r["reading"]]])
    own = c.verdict(a, b)
    months = [[f"{key.split('/')[0]} months", key.split("/")[1],
               *_htl(r["share_higher"], r["share_tied"], r["share_lower"]), verdict[r["reading"]]]
              for key, r in c.at_months(a, b).items()]
    months += [[f"{counted(c.horizon, 'month')} (the horizon)", s,
                *_htl(own[s]["share_higher"], own[s]["share_tied"], own[s]["share_lower"]),
                verdict[own[s]["reading"]]] for s in ("strict", "graded")]
    head = ("reading", "AND", f"{a} higher", "tied", f"{b} higher", "verdict")
    flips = ", ".join(f"{x} / {y}" for x, y in c.structure_flips) or "none"
    later = ", ".join(f"{x} / {y}" for x, y in c.horizon_flips) or "none"
    body = (f"<p>The verdict of {html.escape(a)} against {html.escape(b)} under each structure "
            f"and each AND (at the {c.horizon}-month horizon), then at earlier horizons under the "
            f"comparison's structure ('{html.escape(c.structure)}'). Shares of "
            f"{counted(c.n_worlds, 'plausible world')}; ties within {c.margin:g}.</p>"
            + table(head, rows, cls="grid") + table(("horizon", *head[1:]), months, cls="grid")
            + f"<p class='note'>Pairs of policies whose verdict changes with the structure or "
              f"the AND: {html.escape(flips)}. Pairs whose verdict at an earlier horizon "
              f"differs from the horizon's: {html.escape(later)}.</p>")
    return Part("readings", "Every reading of the verdict", body)


def deciding_part(f) -> Part | None:
    """What decides it in full: every flip point, the reruns' restrictions, the tornado."""
    from polmodel.model.labels import label

    if f.flips is None:
        return None
    v = f.flips
    flips = [[label(p.name, with_id=True), f"{approx(p.low)} to {approx(p.high)}",
              f"{p.side} {approx(p.at)}", pct(p.kept), *_htl(p.higher, p.tied, p.lower),
              f"{p.reruns} of {v.resamples}",
              "\u2014" if p.spread is None else f"{approx(p.spread[0])}\u2013{approx(p.spread[1])}",
              f"--set {p.what_if()}"] for p in v.points]
    higher, lower, tied = verdict_parts(v.higher, v.lower, v.tied)
    body = (f"<p>Over the {counted(v.worlds, 'world')} of {counted(v.resamples, 'rerun')}, "
            f"{html.escape(v.policy)} "
            f"gives the higher index in {html.escape(higher)}, {html.escape(v.versus)} in "
            f"{html.escape(lower)}, and they tie in {html.escape(tied)}. Narrowing "
            "one assumption's range to "
            "the side of its flip point gives the other verdict (down to a twentieth of its "
            "range, and on every narrower range to that side):</p>"
            + (table(("assumption", "range", "flips if", "of range", f"{v.policy} higher",
                      "tied", f"{v.versus} higher", "reruns", "their 10\u201390%", "what-if"),
                     flips, cls="flips",
                     numeric=(False, True, True, True, True, True, True, True, True, False))
               if flips else "<p>No single assumption flips the verdict.</p>")
            + "<p class='note'>Reruns: of the reruns' own samples, how many flip on the same "
              "side; their 10\u201390%: where those samples put the flip point, the precision of "
              "one sample of that size.</p>")
    d = f.discovery
    r = d.recurrence if d is not None else None
    if r is not None:
        counts = [[label(n, with_id=True) if n in _labelled() else n, f"{int(k)} of {r.resamples}"]
                  for n, k in zip(r.names[:10], r.counts[:10])]
        body += ("<h3>Restricted across reruns of \"what would you have to believe\"</h3>"
                 + table(("assumption", "reruns restricting it"), counts, cls="counts")
                 + f"<p class='note'>This sample's own box: {html.escape(d.box_sentence())}</p>")
    t = f.tornado
    if t is not None:
        rows = [[label(t.names[i], with_id=True), f"{t.at_low[i]:+.3f}", f"{t.at_high[i]:+.3f}",
                 f"{t.swing[i]:.3f}"] for i in t.order()[:10] if t.swing[i] > 0]
        body += ("<h3>The tornado: one assumption at a time</h3>"
                 f"<p>The difference of peak opening index ({html.escape(v.policy)} minus "
                 f"{html.escape(v.versus)}) at central values is {t.central:+.3f}; each "
                 "assumption moved alone to either end of its range:</p>"
                 + table(("assumption", "at its low end", "at its high end", "swing"), rows,
                         cls="tornado"))
    return Part("deciding", "What decides it, in full", body)


def _labelled() -> set[str]:
    from polmodel.model.labels import LABELS

    return set(LABELS)


def comparison_part(c) -> Part:
    """The comparison's full tables, as ``polmodel compare`` prints them."""
    from polmodel.views.comparison_text import comparison_sections

    tables = "".join(
        f"<h3>{html.escape(h)}</h3>{table(hd, rows)}"
        + (f"<p class='note'>{html.escape(note)}</p>" if note else "")
        for h, hd, rows, note in comparison_sections(c) if rows)
    return Part("comparison", "The comparison in full", tables)


def assumptions_part(sc) -> Part:
    """Every number of the scenario: value, plausible range, meaning and source."""
    from polmodel.model.labels import label
    from polmodel.model.parameters import PARAMETERS
    from polmodel.scenario.schema import CONTEXT_NAMES

    def rng(u) -> str:
        return "fixed" if u.fixed else f"{u.low:g} to {u.high:g}"

    states = [[label(f"initial.{k}", with_id=True), f"{u.value:g}", rng(u), u.source]
              for k, u in sc.initial.items()]
    context = [[label(k, with_id=True), f"{sc.parameters[k].value:g}", rng(sc.parameters[k]),
                PARAMETERS[k].meaning if k in PARAMETERS else "", sc.parameters[k].source]
               for k in CONTEXT_NAMES]
    mech = [[label(k, with_id=True), f"{u.value:g}", rng(u),
             PARAMETERS[k].meaning if k in PARAMETERS else "", u.source]
            for k, u in sc.parameters.items() if k not in CONTEXT_NAMES]
    num = (False, True, True, False, False)
    body = ("<p>The plausible worlds draw every number that has a range uniformly from it, "
            "independently of the others; a single (central) run uses the values.</p>"
            "<h3>Where each state stands at month 0</h3>"
            + table(("state (name)", "value", "range", "source"), states,
                    numeric=(False, True, True, False))
            + "<h3>Context</h3>"
            + table(("assumption (name)", "value", "range", "meaning", "source"), context,
                    numeric=num)
            + "<h3>Mechanisms (rates per month and weights)</h3>"
            + table(("assumption (name)", "value", "range", "meaning", "source"), mech,
                    numeric=num))
    return Part("assumptions", "Every assumption", f"<div class='assumptions'>{body}</div>")


def sources_part(sc) -> Part:
    """The scenario's description and the documents its assumptions cite, with counts."""
    from polmodel.model.parameters import MECHANISMS, PARAMETERS

    # The documents' short names, as the model's tables and the scenario cite them:
    # "003 (CRIES memo)", "003_<hash>.txt (CRIES memo)", "003 (CRIES)"; the model's first.
    everything = list(sc.initial.values()) + list(sc.parameters.values())
    texts = ([m.source for m in MECHANISMS] + [p.source for p in PARAMETERS.values()]
             + [u.source for u in everything])
    labels: dict[str, str] = {}
    for text in texts:
        for code, name in re.findall(r"\b(\d{3})(?:_[0-9a-f]+\.txt)? \(([^)]*)\)", text):
            labels.setdefault(code, name)
    cited: dict[str, int] = {}
    assumptions = 0
    for u in everything:
        for code in dict.fromkeys(re.findall(r"\b(\d{3})(?:_[0-9a-f]+\.txt)?\b", u.source)):
            if code in labels:
                cited[code] = cited.get(code, 0) + 1
        if u.source.lower().startswith("assumption"):
            assumptions += 1
    rows = [[f"{code} ({labels[code]})", n] for code, n in sorted(cited.items())]
    body = (f"<p class='lead'>{html.escape(sc.description)}</p>"
            f"<p>Scenario <code>{html.escape(sc.name)}</code>, dated {html.escape(sc.date)}; "
            f"{counted(sc.horizon, 'month')}; baseline policy <code>{html.escape(sc.baseline)}</code>; "
            f"opening index: <code>{html.escape(sc.aggregator)}</code> of the conditions.</p>"
            + table(("source document (shared/sources/)", "assumptions citing it"), rows)
            + f"<p class='note'>{assumptions} of the {len(everything)} numbers say "
            "\"assumption\" as their source: no document sizes them.</p>")
    return Part("scenario", "The scenario and its sources", body)


def closing_part(c, extra: str = "") -> Part:
    """The caveat and the provenance, closing the appendix."""
    body = (f"<p class='caveat'>{html.escape(CAVEAT)}</p>"
            f"<p class='provenance'>{html.escape(c.provenance())}{html.escape(extra)}</p>"
            "<p class='note'>Same version, scenario file, seed and number of worlds: same numbers on "
            "one machine, and within 1e-12 on a machine whose CPU computes exp differently. "
            "Words are descriptive: a higher opening index is not a better outcome.</p>")
    return Part("provenance", "Caveat and provenance", body)
