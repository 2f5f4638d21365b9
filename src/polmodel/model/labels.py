"""Plain words for every name a person reads: parameters, initial states and states.

The parameter table (:mod:`polmodel.model.parameters`) names each number by an id that users
type (``rally``, ``broad_rent_cut``, ``initial.fracture``); a room reads words. Every id has a
short label here, written from the parameter's ``meaning`` and its mechanism: neutral (what the
number sizes, not whether it helps), concrete, under :data:`MAX_LABEL` characters, and free of
ids, so a sentence built from labels never shows one. Tables for code users put the id in
parentheses beside the label (``label("rally", with_id=True)``); ``--json`` keeps ids as keys.

A parameter, state or initial state without a label fails the suite
(``tests/test_labels.py``): add its label here when you add it to the table.
"""

from __future__ import annotations

import difflib

from polmodel.errors import PolmodelError
from polmodel.mappings import ReadOnlyMapping

MAX_LABEL = 70
"""Longest label (characters): one line of a slide or a table cell."""

INITIAL_PREFIX = "initial."
CONTEXT_PREFIX = "context."

_MECHANISM_LABELS = {
    # crisis
    "drift": "how fast mismanagement deepens the crisis",
    "brain_drain": "how much the emigration of skilled people deepens the crisis",
    "recovery": "how fast the crisis eases as households and firms adapt",
    "broad_hardship": "how much broad sanctions deepen the crisis",
    "broad_rent_cut": "how much broad sanctions cut the government's rents",
    "aid_easing": "how much humanitarian aid eases the crisis",
    "relief_easing": "how much sanctions relief eases the crisis",
    "relief_rents": "how much sanctions relief adds to the government's rents",
    "relief_pressure_loss": "how much sanctions relief weakens international pressure",
    # the governing coalition
    "rent_loyalty": "how strongly rents hold the governing coalition together",
    "squeeze": "how fast a crisis the government cannot pay for splits the coalition",
    "wedge": "how strongly targeted sanctions split officials who have an exit",
    "lockin": "how strongly targeted sanctions unite officials who have no exit",
    "aid_capture": "how much aid the government captures as revenue for loyalty",
    "engagement_linkage": "how far relief restores ties with the sanctioning states",
    "relief_offer": "how much relief tied to talks adds to what talks offer",
    "agent_rally": "how strongly outside backing unites rulers against 'foreign agents'",
    "ties_loyalty": "how strongly ties other than pay hold the security forces",
    "corporate_distance": "how fast a professional force keeps its distance from the rulers",
    "dialogue_crossover": "the offer above which talks unite the challengers",
    "support_backlash": "how strongly outside backing draws a crackdown",
    "aid_civil": "how much aid through local groups strengthens civil society",
    "production_loss": "how fast a deep crisis cuts the output rents come from",
    "exodus_ceiling": "the largest share of the population that would ever leave",
    "enforcement_exposure": "how fast enforcement exposes officials tied to illicit revenue",
    "referral_exposure": "how fast coordinated court referrals expose officials",
    "rally": "how strongly broad sanctions make the coalition close ranks",
    "threat_rally": "how strongly threats of force make the coalition close ranks",
    "offramp": "how strongly talks with guarantees draw pragmatists out",
    "defection": "how fast outside pressure and a strong challenger draw defectors",
    "security_gate": "how far loyal security forces hold back a split in the coalition",
    # the security forces
    "security_rents": "how strongly rents keep the security forces loyal",
    "security_lockin": "how strongly officers facing prosecution close ranks",
    "security_patrons": "how strongly outside patrons back the security forces",
    "pay_squeeze": "how fast a crisis without rents erodes the security forces' cohesion",
    "officer_exit": "how much guarantees in talks draw officers away from the rulers",
    "enforcement_cohesion": "how much action against illicit revenue divides the security forces",
    "campaign_defection": "how strongly a large challenging movement draws officers to defect",
    # the challenging coalition
    "grievance": "how fast discontent with the crisis draws people to the challengers",
    "unification": "how fast a stronger challenger draws still more people in",
    "support": "how much outside help for civil society strengthens the challengers",
    "recognition": "how much a shared outside strategy helps the challengers unite",
    "dialogue_unity": "how much talks offering credible elections unite the challengers",
    "dialogue_division": "how much talks offering little divide the challengers",
    "repression": "how hard loyal forces and a united coalition persecute the challengers",
    "backfire": "how many persecution draws in, once the public is mobilized",
    "backfire_threshold": "how strong the challengers must be before persecution backfires",
    "split_space": "how much a split coalition opens space for the challengers",
    "exit_drain": "largest monthly loss of challenger strength to emigration",
    "diaspora_half": "emigration at which the challengers' loss is half its largest",
    # international pressure
    "coordination": "how strongly a shared strategy among outsiders raises pressure",
    "interlocutor": "how much a strong challenger adds to what a shared strategy does",
    "sanction_pressure": "how much sanctions add to international pressure",
    "uncoordinated_share": "share of sanctions' pressure that acts without a shared strategy",
    "dependence_damping": "how much dependent neighbours hold back a shared strategy",
    "threat_pressure": "how much threats of force add to international pressure",
    "force_backlash": "how much threats of force put off regional partners",
    "displacement_response": "how strongly the exodus draws responses from neighbours",
    "pressure_normalization": "how fast outside pressure fades as the crisis comes to look normal",
    "patron_rents": "how much outside patrons add to the government's rents",
    "patron_shield": "how much outside patrons shield the government from pressure",
    # rents, exodus, exposure
    "rent_base": "how fast the resource base replenishes the government's rents",
    "rent_depletion": "how fast the government's rents wear down",
    "enforcement_rent_cut": "how much action against illicit gold and drugs cuts rents",
    "emigration_rate": "share of those still able to leave who go each month in a full crisis",
    "return_rate": "share of emigrants who return each month once the crisis is over",
    "indictment_rate": "how fast targeted sanctions expose more officials to prosecution",
    "exposure_decay": "how fast officials' exposure to prosecution fades",
}

_CONTEXT_LABELS = {
    "patron_support": "economic and diplomatic backing from outside patrons",
    "regional_dependence": "neighbours' dependence on the government (oil, trade, votes)",
    "guarantee_credibility": "how far negotiated guarantees (amnesty, exile) are believed",
    "legitimation": "strength of the government's claims to legitimacy",
    "linkage": "ties to the states that impose sanctions",
    "personalism": "how far rule rests on one person rather than a party or the army",
    "dialogue_offer": "what talks offer the challengers (credible elections, releases)",
    "security_ties": "how far ties other than pay bind the security forces to the rulers",
    "resource_base": "revenue the rulers can draw from output they control",
}

_STATE_LABELS = {
    "crisis": "generalized crisis",
    "fracture": "split in the governing coalition",
    "challenger": "active challenging coalition",
    "pressure": "coordinated international pressure",
    "security": "cohesion of the security forces",
    "rents": "rents the government can spend on loyalty",
    "exodus": "share of the population that has left",
    "exposure": "share of the elite facing prosecution",
}

_INITIAL_LABELS = {
    "initial.crisis": "how deep the crisis is at the start",
    "initial.fracture": "how split the governing coalition is at the start",
    "initial.challenger": "how strong the challenging coalition is at the start",
    "initial.pressure": "international pressure at the start",
    "initial.security": "cohesion of the security forces at the start",
    "initial.rents": "rents the government can spend at the start",
    "initial.exodus": "share of the population gone at the start",
    "initial.exposure": "share of the elite facing prosecution at the start",
}

LABELS: ReadOnlyMapping = ReadOnlyMapping(
    {**_MECHANISM_LABELS, **_CONTEXT_LABELS, **_INITIAL_LABELS, **_STATE_LABELS})
"""Every labelled key: parameter ids (mechanism and context), ``initial.<state>`` and states."""


def label(key: str, *, with_id: bool = False) -> str:
    """The plain-word label of a parameter, initial state or state.

    Also takes ``context.<name>`` (as scenario files write context values) and the sweep axes
    ``lever.<lever>`` and ``start.<lever>`` (a lever's intensity and start month).

    Parameters
    ----------
    key : str
        The id users type: ``rally``, ``initial.fracture``, ``crisis``.
    with_id : bool
        Add the id in parentheses, for tables that code users read.

    Returns
    -------
    str

    Raises
    ------
    PolmodelError
        One line naming the unknown key and the nearest known ones.

    Examples
    --------
    >>> label("rally", with_id=True)
    'how strongly broad sanctions make the coalition close ranks (rally)'
    >>> label("initial.fracture")
    'how split the governing coalition is at the start'
    """
    words = _words(key)
    return f"{words} ({key})" if with_id else words


def _words(key: str) -> str:
    if isinstance(key, str):
        if key in LABELS:
            return LABELS[key]
        if key.startswith(CONTEXT_PREFIX) and key.removeprefix(CONTEXT_PREFIX) in _CONTEXT_LABELS:
            return _CONTEXT_LABELS[key.removeprefix(CONTEXT_PREFIX)]
        kind, _, lever = key.partition(".")
        if kind in ("lever", "start"):
            from polmodel.model.levers import LEVERS_BY_NAME

            if lever in LEVERS_BY_NAME:
                what = "intensity" if kind == "lever" else "start month"
                return f"{what} of {LEVERS_BY_NAME[lever].label}"
    near = difflib.get_close_matches(str(key), list(LABELS), n=3)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise PolmodelError(f"no label for {key!r}: not a parameter, initial.<state> or state of "
                        f"the model{hint} (`polmodel show` lists every assumption)")


def labels(keys, *, with_id: bool = False) -> list[str]:
    """The labels of several keys, in order (see :func:`label`)."""
    return [label(k, with_id=with_id) for k in keys]
