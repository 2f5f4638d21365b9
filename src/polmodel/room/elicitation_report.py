"""What a room reads of an elicitation: who lands on which side, what changes the verdict, ranges.

The words, tables, CSV and figure of :class:`polmodel.room.elicitation.Elicitation` (duck-typed:
its ``verdicts``, ``disagreement``, ``participants``, ``estimates``, ``round_text()`` and
``provenance()``), and the pooled scenario's header comment.

- **Which side each participant lands on**: for each pair of policies, the participants whose
  own estimates give the first policy the higher peak opening index in more plausible worlds,
  those for whom the second does, and those for whom both do in as many worlds ("even").
- **Which disagreements change the verdict**: each estimated number ranked by how far the
  participants' estimates of it, with every other number pooled, move the verdict (the share
  of worlds where the first policy gives the higher index minus the share where the second
  does), and whether they put the pair on opposite sides; not by how far apart the estimates
  sit.
- **Each participant's range as a line**: one row a participant, low to high with the best
  guess marked, coloured by the side their estimate puts the verdict on; the pooled range last.
"""

from __future__ import annotations

import csv
import io

from polmodel.views.csv_table import provenance_columns, safe_row
from polmodel.views.text import CAVEAT, counted, sections_text, verdict_parts, wrap

VERDICT_COLUMNS: tuple[str, ...] = ("policy_a", "policy_b", "estimates", "share_a_higher",
                                    "share_b_higher", "share_tied", "side")
"""Columns of the verdicts CSV after the provenance (:data:`PROVENANCE_COLUMNS`): a pair of
policies, whose estimates (``pooled`` or a participant), the shares of worlds where ``policy_a``
gives the higher peak opening index, where ``policy_b`` does and ties, and the side: the policy
that does so in more worlds, or ``even``."""

PROVENANCE_COLUMNS: tuple[str, ...] = (
    "polmodel_version", "scenario", "seed", "sampler", "worlds", "horizon", "structure",
    "aggregator", "estimates_file", "round", "participants")
"""The leading columns of the verdicts CSV: the version, the pooled comparison's provenance
(names as in ``compare``'s CSV), the estimates file read, the round pooled (empty without
rounds) and the number of participants."""

EVEN = "even"


def _name(key: str) -> str:
    """A parameter as a person reads it, on one line: its plain-word label, the id in parentheses."""
    from polmodel.views.figure_parts import name

    return " ".join(name(key).split())


def _names(people) -> str:
    return ", ".join(people) or "-"


def _pair(a: str, b: str) -> str:
    return f"{a} vs {b}"


def _pooled(v) -> str:
    """"34% / 33%": the pooled shares of the pair's two sides, as printed with the rest (ties)."""
    first, second, _ = verdict_parts(v["pooled"], v["pooled_lower"],
                                     1 - v["pooled"] - v["pooled_lower"])
    return f"{first} / {second}"


def tables(e) -> list:
    """The disagreements that move a verdict, and who lands on which side (as tables)."""
    dis = [[_name(d["parameter"]),
            f"{min(d['medians'].values()):.3g} to {max(d['medians'].values()):.3g}",
            "-" if d.get("verdict_change") is None else f"{100 * d['verdict_change']:.0f}",
            _pair(*d["pair"]) if d.get("pair") else "-",
            "yes" if d.get("pair") in d.get("flips", []) else "no"] for d in e.disagreement]
    ver = [[_pair(v["a"], v["b"]), _pooled(v),
            _names(v["on_a"]), _names(v["on_b"]), _names(v["even"])] for v in e.verdicts]
    return [
        ("Which disagreements change a verdict: each number at each participant's estimate, the "
         "others pooled (most first)",
         ("number", "their medians", "shift (points)", "most for", "flips it?"), dis,
         "their medians: the lowest and highest of the participants' medians for this number "
         "(the middle of each one's low-best-high). "
         "shift: how far apart participants' estimates of this number alone put the verdict "
         "(share of worlds where the first policy gives the higher peak opening index minus the "
         "share where the second does), in percentage points, for the pair it moves most. "
         "flips it: their estimates of this number alone put that pair on opposite sides."),
        (SIDES_HEADING, ("pair (first vs second)", "pooled: first / second", "first in more worlds",
                         "second in more worlds", "even"), ver, SIDES_NOTE),
    ]


SIDES_HEADING = ("Who lands on which side: under each participant's own estimates, the policy of "
                 "each pair that gives the higher peak opening index in more worlds (split pairs "
                 "first)")
SIDES_NOTE = ("Each participant's own estimates re-run on the same sampled design; a participant "
              "who did not estimate a number keeps the scenario's range for it. pooled: the "
              "share of worlds where the first policy gives the higher index / where the second "
              "does, under the pooled estimates; the rest are ties.")


def sides_text(e) -> str:
    """Who lands on which side, a pair or two lines each: split pairs first."""
    lines = [wrap(SIDES_HEADING)]
    for v in e.verdicts:
        groups = [(v["a"], v["on_a"]), (v["b"], v["on_b"]), (EVEN, v["even"])]
        who = "; ".join(f"{side} for {_names(people)}" for side, people in groups if people)
        if len([1 for _, people in groups if people]) == 1:
            who = f"everyone: {next(side for side, people in groups if people)}"
        lines.append(wrap(f"{'split: ' if v['split'] else ''}{_pair(v['a'], v['b'])} (pooled "
                          f"{_pooled(v)}): {who}")
                     .replace("\n", "\n    "))
    return "\n".join(lines + [wrap(SIDES_NOTE)])


def summary(e) -> str:
    """Text for the terminal: the pooling rule, the two answers, caveat and provenance."""
    return "\n".join([
        wrap(f"{e.title}: estimates of {counted(len(e.parameters), 'number')} by "
             f"{counted(len(e.participants), 'participant')} ({', '.join(e.participants)})"
             f"{'' if e.round_text() is None else f', {e.round_text()}'}"),
        wrap("Pooled by an equal-weight linear opinion pool of PERT distributions (Stone 1961; "
             "Clemen & Winkler 1999)."), "", sections_text(tables(e)[:1]), sides_text(e), "",
        wrap(CAVEAT), wrap(e.provenance())])


def verdicts_csv(e) -> str:
    """One row per pair of policies and view (``pooled``, then each participant).

    One header line and no comments: :data:`PROVENANCE_COLUMNS`, then :data:`VERDICT_COLUMNS`.
    """
    from pathlib import Path

    c = e.comparisons["pooled"]
    header, meta = provenance_columns(
        scenario=e.scenario, seed=c.worlds.seed, sampler=c.worlds.sampler, worlds=c.n_worlds,
        horizon=c.horizon, structure=c.structure, aggregator=c.aggregator,
        estimates_file=Path(e.source).name or None, round=e.round, participants=len(e.participants))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*header, *VERDICT_COLUMNS])
    for v in e.verdicts:
        views = [("pooled", v["pooled"], v["pooled_lower"], v["pooled_side"])]
        views += [(p, v["participants"][p], v["participants_lower"][p], v["sides"][p])
                  for p in v["participants"]]
        for who, higher, lower, side in views:
            w.writerow(safe_row([*meta, v["a"], v["b"], who, f"{higher:.6g}", f"{lower:.6g}",
                                 f"{max(0.0, 1.0 - higher - lower):.6g}", side]))
    return buf.getvalue()


def plot_ranges(e, ax=None, parameter: str | None = None):
    """Each participant's estimate of one number as a line from low to high, best marked.

    Rows are participants (lowest best guess at the top), coloured by the side of a verdict
    their estimate of this number puts it on, with every other number pooled; the pooled range
    (with its median) is the last, thick row. The number whose disagreement changes a verdict
    most by default.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from polmodel.errors import PolmodelError
    from polmodel.views.figure_parts import footer, new_axes, wrapped
    from polmodel.views.plots import series_style

    ranked = e.disagreement
    name = parameter or ranked[0]["parameter"]
    entry = next((d for d in ranked if d["parameter"] == name), None)
    if entry is None:
        raise PolmodelError(f"{name!r} was not estimated; allowed: {', '.join(e.parameters)}")
    rows = sorted((r for r in e.estimates if r.parameter == name), key=lambda r: (r.best, r.low))
    ax = new_axes(ax, (8, 1.6 + 0.42 * (len(rows) + 1)))
    pair = entry.get("pair")
    sides = entry.get("sides") or {}
    colour = {}
    if pair:
        colour = {pair[0]: series_style(0).color, pair[1]: series_style(1).color, EVEN: "0.45"}
    for y, r in enumerate(rows):
        c = colour.get(sides.get(r.participant), "0.25")
        ax.plot([r.low, r.high], [y, y], color=c, lw=4, solid_capstyle="butt")
        ax.plot([r.best], [y], marker="o", ms=9, color=c, mec="black", mew=0.8)
    y = len(rows)
    ax.plot([entry["pooled_low"], entry["pooled_high"]], [y, y], color="black", lw=7,
            solid_capstyle="butt")
    ax.plot([entry["pooled_median"]], [y], marker="D", ms=9, color="white", mec="black", mew=1.2)
    ax.set_yticks(range(len(rows) + 1), [r.participant for r in rows] + ["pooled (everyone)"],
                  fontsize=10)
    ax.set_ylim(len(rows) + 0.7, -0.7)
    ax.grid(axis="x", color="0.9")
    ax.set_axisbelow(True)
    ax.set_xlabel(wrapped(f"{_name(name)}: each line from a participant's low to high, dot at the "
                          "best guess", 80))
    if pair:
        for side, c in colour.items():
            if side not in sides.values():
                continue
            words = (f"{side} gives the higher index in more worlds" if side != EVEN
                     else "even: both in as many worlds")
            ax.plot([], [], color=c, lw=4, label=wrapped(words, 28))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8,
                  title=wrapped(f"{pair[0]} vs {pair[1]}, with this estimate and the others "
                                "pooled", 30), title_fontsize=8)
    title = f"{e.title}\n" + wrapped(f"Estimates of {_name(name)}: who lands on which side", 80)
    ax.set_title(title, fontsize=10)
    change = entry.get("verdict_change")
    note = ("" if change is None else
            f"Their estimates of this number alone move the verdict by {100 * change:.0f} "
            "percentage points (share of worlds where the first policy gives the higher peak "
            "opening index minus the share where the second does).")
    footer(ax, e.provenance(), note=note)
    return ax


def pooled_header(sc, rows, source: str, round_pooled: str | None = None) -> str:
    """The pooled scenario's TOML comment lines: what was pooled, how, and the estimates.

    ``round_pooled``: ``"2 of 2"`` when the estimates came in rounds. Every text from outside
    (title, file name, participants) has its control characters escaped: a newline or a control
    character would end the comment or make the TOML unreadable.
    """
    from polmodel import __version__
    from polmodel.errors import escape_controls

    lines = [f"# {escape_controls(sc.title)}, with participants' estimates pooled by polmodel "
             f"elicit (polmodel {__version__}).",
             f"# Base scenario: {escape_controls(sc.name)}. Estimates: "
             f"{escape_controls(source) or 'given in code'}"
             f"{'' if round_pooled is None else f', round {round_pooled}'}.",
             "# Pooling: equal-weight linear opinion pool of PERT distributions (Stone 1961; "
             "Clemen & Winkler 1999);",
             "# worlds are drawn through each pooled quantile table (shares 0, 0.01, ..., 1).",
             f"# The estimates{'' if round_pooled is None else ' of that round'}, as given "
             "(participant, parameter, low, best, high"
             f"{'' if round_pooled is None else ', round'}):"]
    lines += [f"#   {escape_controls(r.participant)}, {r.parameter}, {r.low:g}, {r.best:g}, "
              f"{r.high:g}{'' if r.round is None else f', {r.round}'}" for r in rows]
    return "\n".join(lines) + "\n\n"
