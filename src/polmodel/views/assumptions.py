"""Every assumption of a scenario in one table: value, range, hard limit, meaning, source.

Read from the scenario and the parameter table, so new states and parameters appear as soon as
the model has them. Each is shown by its plain-word label with its name in parentheses: the
name is what :mod:`polmodel.scenario.whatif` (``--set``) takes.
"""

from __future__ import annotations

import math
from typing import Any

from polmodel.model.labels import label
from polmodel.model.parameters import PARAMETERS
from polmodel.scenario.definition import Scenario
from polmodel.views.text import CAVEAT, provenance, sections_text, wrap


def assumption_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """One dict per assumption: name, kind, value, low, high, limit, varied, meaning, mechanism, source, label.

    Examples
    --------
    >>> from polmodel.scenario.loading import load_scenario
    >>> rows = assumption_rows(load_scenario("venezuela-2018"))
    >>> rows[0]["name"].startswith("initial.")
    True
    """
    rows = []
    for state, u in scenario.initial.items():
        rows.append({"name": f"initial.{state}", "kind": "initial state", "value": u.value,
                     "low": u.low, "high": u.high, "limit": 1.0, "varied": u.low < u.high,
                     "meaning": f"{state} at month 0 (membership in [0, 1])", "mechanism": "",
                     "source": u.source, "label": label(f"initial.{state}")})
    for name, u in scenario.parameters.items():
        p = PARAMETERS.get(name)
        kind = "context" if p is None or not p.mechanism else "mechanism"
        rows.append({"name": name, "kind": kind, "value": u.value, "low": u.low, "high": u.high,
                     "limit": None if p is None or math.isinf(p.limit) else p.limit,
                     "varied": u.low < u.high, "meaning": p.meaning if p else "",
                     "mechanism": p.mechanism if p else "", "source": u.source,
                     "label": label(name)})
    return rows


def assumptions_text(scenario: Scenario, rows: list[dict[str, Any]] | None = None) -> str:
    """Tables by kind (initial states, context, mechanisms), with the caveat and provenance."""
    rows = rows if rows is not None else assumption_rows(scenario)
    sections = []
    for kind, heading in (("initial state", "Initial states"), ("context", "Context"),
                          ("mechanism", "Mechanism parameters")):
        body = [[f"{r['label']} ({r['name']})", f"{r['value']:g}",
                 f"{r['low']:g} to {r['high']:g}" if r["varied"] else "fixed",
                 "-" if r["limit"] is None else f"{r['limit']:g}",
                 r["meaning"],  # the mechanism: --json and --csv, and `polmodel levers`
                 r["source"]]
                for r in rows if r["kind"] == kind]
        sections.append((heading, ("assumption (name)", "value", "range", "limit", "meaning",
                                   "source"), body, ""))
    return "\n".join([f"{scenario.title} ({scenario.date}): every assumption", "",
                      sections_text(sections),
                      wrap("Set any of them for one command by the name in parentheses: --set "
                           "NAME=VALUE, or --set NAME=LOW:HIGH for a new plausible range."),
                      wrap(CAVEAT), provenance(scenario=scenario.label)])
