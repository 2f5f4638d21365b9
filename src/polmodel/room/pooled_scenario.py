"""A scenario's file with participants' estimates written in: what ``polmodel elicit`` pools into.

Each estimated number samples its pooled distribution through a quantile table
(:func:`polmodel.room.opinion_pool.pooled_quantiles`), its source says who estimated it and how
it was pooled, and the title says the file holds participants' estimates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from polmodel.room.estimates_file import EstimateRow
from polmodel.room.opinion_pool import pooled_median, pooled_quantiles
from polmodel.scenario.definition import Scenario


def raw_scenario(sc: Scenario) -> dict:
    """The parsed TOML of a scenario's file, found as :func:`load_scenario` found it.

    ``sc.path`` is the name or path the scenario was loaded by (``cases/serbia-2000``, a file);
    a Scenario built in code has none, and its name is looked up among the built-in ones.
    """
    from polmodel.scenario.loading import scenario_toml

    return scenario_toml(sc.path or sc.name)


def pooled_title(title: str) -> str:
    """The pooled scenario's title: the scenario's, marked, within the titles' limit."""
    from polmodel.names import MAX_TITLE_CHARS

    mark = " (participants' estimates)"
    if len(title) + len(mark) > MAX_TITLE_CHARS:
        title = title[:MAX_TITLE_CHARS - len(mark) - 1].rstrip() + "\u2026"
    return title + mark


def section(name: str) -> tuple[str, str]:
    """The scenario file's table and key of an estimable number (``initial.crisis``, ``rally``)."""
    from polmodel.scenario.schema import CONTEXT_NAMES

    if name.startswith("initial."):
        return "initial", name.removeprefix("initial.")
    return ("context" if name in CONTEXT_NAMES else "mechanisms"), name


def with_estimates(raw: dict, by_name: Mapping[str, Sequence[EstimateRow]], label: str) -> dict:
    """A copy of a parsed scenario whose estimated numbers sample the pooled distributions."""
    import copy

    data = copy.deepcopy(raw)
    for name, rows in by_name.items():
        # Six significant digits: rounding is monotone, so the table stays ordered, and the
        # numbers compared are exactly those written.
        q = [float(f"{v:.6g}") for v in pooled_quantiles(rows)]
        who = ", ".join(r.participant for r in rows)
        rule = ("equal-weight linear opinion pool of PERT distributions" if len(rows) > 1
                else "PERT distribution")
        part, key = section(name)
        data.setdefault(part, {})[key] = {
            "value": float(f"{pooled_median(rows):.6g}"), "range": [q[0], q[-1]],
            "source": f"{label}: estimated by {who} ({rule}; polmodel elicit)",
            "quantiles": q,
        }
    return data
