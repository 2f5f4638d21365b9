"""The equations, written once: each lever setting's coefficients, and every mechanism's term.

This is the file a modeller edits. Every state x in [0, 1] follows
``dx/dt = gain * (1 - x) - loss * x``. :func:`terms` lists every term of every gain and loss;
:func:`rates` sums them by state (the integrator steps the sums, explanations read the terms),
so a change made here reaches runs, ensembles and explanations alike.

Names: a term is named by the parameter that sizes it, the id users type in scenario files,
``--set`` and ``sweep --x``; its coefficient in :func:`coefficients` carries the same name, and
the parameter table (:mod:`polmodel.model.parameters`) says which mechanism it belongs to.

Array convention: every value is a float (one world) or an array of shape ``(n_worlds,)``.
The same code serves both: write arithmetic only (``max(0, x)`` is ``(x + abs(x)) * 0.5``).
"""

from __future__ import annotations

from collections.abc import Mapping

from polmodel.errors import PolmodelError
from polmodel.model.states import (
    CHALLENGER,
    CRISIS,
    EXODUS,
    EXPOSURE,
    FRACTURE,
    PRESSURE,
    RENTS,
    SECURITY,
    STATES,
)

GAIN, LOSS, GATE = "gain", "loss", "gate"
"""Kinds of term. A gain ``g`` adds ``g * (1 - x)`` to ``dx/dt``, a loss ``l`` subtracts ``l * x``;
a gate ``q`` in [0, 1] holds back a share ``q`` of the state's gains (their sum times ``1 - q``)."""


def coefficients(p: Mapping, u: tuple) -> dict:
    """Per-world rate coefficients for one lever setting, named by the parameter that sizes each.

    Everything here depends on parameters and levers only, not on the states, so a run
    computes it once per distinct lever setting rather than once per month.

    Parameters
    ----------
    p : mapping of str to array[n_worlds] or float
        Every parameter of :data:`polmodel.model.parameters.PARAMETERS`.
    u : tuple of 9 arrays[n_worlds] or floats
        Lever intensities, in :data:`polmodel.model.levers.LEVER_NAMES` order.

    Returns
    -------
    dict of str to array[n_worlds] or float
    """
    targeted, broad, enforcement, coordination, support, negotiation, relief, aid, threat = u
    guarantee, patrons, legitimation = p["guarantee_credibility"], p["patron_support"], p["legitimation"]
    # Relief tied to talks adds to what a negotiation offers (Blinken piece: a licence in exchange
    # for talks on election conditions); engagement through relief adds to the ties with the
    # senders (linkage), which weakens the sanctions rally.
    offer = p["dialogue_offer"] + (1.0 - p["dialogue_offer"]) * p["relief_offer"] * relief
    linkage = p["linkage"] + (1.0 - p["linkage"]) * p["engagement_linkage"] * relief
    # Dialogue unifies above the crossover offer and divides below it, whatever the challenger.
    kappa = p["dialogue_crossover"]
    above, below = offer - kappa, kappa - offer
    # (a crossover of 0 or 1 means talks always unite or always divide: no division by zero)
    unites = (above + abs(above)) * 0.5 / (1.0 - kappa + 1e-12)
    divides = (below + abs(below)) * 0.5 / (kappa + 1e-12)
    # Effective coordination: what oil-dependent neighbours and a threat of force leave of it.
    coord = (coordination * (1.0 - p["dependence_damping"] * p["regional_dependence"])
             * (1.0 - p["force_backlash"] * threat))
    # Overall sanctions intensity: either kind, counted once (1 - (1 - a)(1 - b), a fuzzy OR).
    sanctions = 1.0 - (1.0 - targeted) * (1.0 - broad)
    share = p["uncoordinated_share"]
    guarded = guarantee * negotiation  # share of exposure a credible guarantee reaches
    return {
        # crisis
        "drift": p["drift"], "brain_drain": p["brain_drain"],
        "broad_hardship": p["broad_hardship"] * broad, "recovery": p["recovery"],
        "aid_easing": p["aid_easing"] * aid, "relief_easing": p["relief_easing"] * relief,
        "aid_capture": p["aid_capture"] * aid,
        # governing coalition
        "squeeze": p["squeeze"], "wedge": p["wedge"] * targeted,
        "offramp": p["offramp"] * negotiation * guarantee, "defection": p["defection"],
        "security_gate": p["security_gate"],
        # Personalist coalitions rest more on patronage (Escriba-Folch & Wright 2010).
        "rent_loyalty": p["rent_loyalty"] * (0.5 + p["personalism"]),
        "rally": p["rally"] * broad * legitimation * (1.0 - linkage),
        "threat_rally": p["threat_rally"] * threat * legitimation,
        "agent_rally": p["agent_rally"] * support * legitimation,
        "lockin": p["lockin"] * targeted, "guarded": guarded,
        # security forces
        "security_rents": p["security_rents"],
        "security_lockin": p["security_lockin"] * (1.0 - guarded),
        "security_patrons": p["security_patrons"] * patrons, "pay_squeeze": p["pay_squeeze"],
        "officer_exit": p["officer_exit"] * negotiation * guarantee,
        "enforcement_cohesion": p["enforcement_cohesion"] * enforcement,
        "campaign_defection": p["campaign_defection"],
        "ties_loyalty": p["ties_loyalty"] * p["security_ties"],
        "corporate_distance": p["corporate_distance"] * (1.0 - p["security_ties"]),
        # challengers
        "grievance": p["grievance"], "unification": p["unification"],
        "support": p["support"] * support, "recognition": p["recognition"] * coord,
        "dialogue_unity": p["dialogue_unity"] * negotiation * unites,
        "dialogue_division": p["dialogue_division"] * negotiation * divides,
        "repression": p["repression"], "backfire": p["backfire"] * p["repression"],
        "backfire_threshold": p["backfire_threshold"], "split_space": p["split_space"],
        "support_backlash": p["support_backlash"] * support, "aid_civil": p["aid_civil"] * aid,
        "exit_drain": p["exit_drain"], "diaspora_half": p["diaspora_half"],
        # international pressure
        "coordination": p["coordination"] * coord,
        "interlocutor": p["coordination"] * coord * p["interlocutor"],
        "sanction_pressure": p["sanction_pressure"] * sanctions * (share + (1.0 - share) * coord),
        "threat_pressure": p["threat_pressure"] * threat,
        "displacement_response": p["displacement_response"],
        "pressure_normalization": p["pressure_normalization"],
        "patron_shield": p["patron_shield"] * patrons,
        "relief_pressure_loss": p["relief_pressure_loss"] * relief,
        # rents, exodus, exposure
        "rent_base": p["rent_base"] * p["resource_base"], "production_loss": p["production_loss"],
        "patron_rents": p["patron_rents"] * patrons,
        "relief_rents": p["relief_rents"] * relief, "rent_depletion": p["rent_depletion"],
        "broad_rent_cut": p["broad_rent_cut"] * broad,
        "enforcement_rent_cut": p["enforcement_rent_cut"] * enforcement,
        "emigration_rate": p["emigration_rate"], "exodus_ceiling": p["exodus_ceiling"],
        "return_rate": p["return_rate"],
        "indictment_rate": p["indictment_rate"] * targeted, "exposure_decay": p["exposure_decay"],
        "enforcement_exposure": p["enforcement_exposure"] * enforcement,
        "referral_exposure": p["referral_exposure"] * coord,
    }


def terms(state, c: Mapping) -> tuple[tuple[str, int, str, object], ...]:
    """Every term of the dynamics: the one place the equations are written.

    Parameters
    ----------
    state : sequence of 8 arrays[n_worlds] or floats
        The states, in :data:`polmodel.model.states.STATES` order.
    c : mapping
        Coefficients from :func:`coefficients`.

    Returns
    -------
    tuple of (name, state index, kind, rate)
        ``name`` is the parameter that sizes the term (its mechanism is in the parameter
        table); ``kind`` is :data:`GAIN`, :data:`LOSS` or :data:`GATE`. The names, states and
        kinds are the same at every call; only the rates change.
    """
    crisis, fracture, challenger, pressure, security, rents, exodus, exposure = state
    exit_ = 1.0 - exposure * (1.0 - c["guarded"])  # officials with somewhere to go
    unpaid = crisis * (1.0 - rents)                 # a crisis the rents cannot cover
    repress = security * (1.0 - fracture)           # loyal forces, cohesive coalition
    above = challenger - c["backfire_threshold"]
    # Share of the way from the threshold to full mobilization: repression loses its effect
    # over it, and draws people in instead (max(0, above) on floats and arrays).
    mobilized = (above + abs(above)) * 0.5 / (1.0 - c["backfire_threshold"])
    # The pool of those who could leave: the ceiling, or where exodus already stands if a
    # world starts above it (those who left stay counted; nobody new leaves).
    over = exodus - c["exodus_ceiling"]
    pool = c["exodus_ceiling"] + (over + abs(over)) * 0.5
    F, H, S, P = FRACTURE, CHALLENGER, SECURITY, PRESSURE
    return (
        ("drift", CRISIS, GAIN, c["drift"]),
        ("brain_drain", CRISIS, GAIN, c["brain_drain"] * exodus),
        ("broad_hardship", CRISIS, GAIN, c["broad_hardship"]),
        ("recovery", CRISIS, LOSS, c["recovery"]),
        ("aid_easing", CRISIS, LOSS, c["aid_easing"]),
        ("relief_easing", CRISIS, LOSS, c["relief_easing"]),
        ("squeeze", F, GAIN, c["squeeze"] * unpaid),
        ("wedge", F, GAIN, c["wedge"] * exit_),
        ("offramp", F, GAIN, c["offramp"]),
        ("defection", F, GAIN, c["defection"] * exit_ * pressure * challenger),
        ("security_gate", F, GATE, c["security_gate"] * security),
        ("rent_loyalty", F, LOSS, c["rent_loyalty"] * rents),
        ("rally", F, LOSS, c["rally"]),
        ("threat_rally", F, LOSS, c["threat_rally"]),
        ("agent_rally", F, LOSS, c["agent_rally"]),
        ("lockin", F, LOSS, c["lockin"] * (1.0 - exit_)),
        ("security_rents", S, GAIN, c["security_rents"] * rents),
        ("security_lockin", S, GAIN, c["security_lockin"] * exposure),
        ("security_patrons", S, GAIN, c["security_patrons"]),
        ("pay_squeeze", S, LOSS, c["pay_squeeze"] * unpaid),
        ("officer_exit", S, LOSS, c["officer_exit"]),
        ("enforcement_cohesion", S, LOSS, c["enforcement_cohesion"]),
        ("campaign_defection", S, LOSS, c["campaign_defection"] * challenger),
        ("ties_loyalty", S, GAIN, c["ties_loyalty"]),
        ("corporate_distance", S, LOSS, c["corporate_distance"]),
        ("grievance", H, GAIN, c["grievance"] * crisis),
        ("unification", H, GAIN, c["unification"] * challenger * crisis),
        ("support", H, GAIN, c["support"]),
        ("recognition", H, GAIN, c["recognition"]),
        ("dialogue_unity", H, GAIN, c["dialogue_unity"]),
        ("backfire", H, GAIN, c["backfire"] * repress * mobilized),
        ("split_space", H, GAIN, c["split_space"] * fracture),
        ("aid_civil", H, GAIN, c["aid_civil"]),
        ("repression", H, LOSS, c["repression"] * repress * (1.0 - mobilized)),
        ("support_backlash", H, LOSS, c["support_backlash"] * repress),
        ("exit_drain", H, LOSS, c["exit_drain"] * exodus / (exodus + c["diaspora_half"])),
        ("dialogue_division", H, LOSS, c["dialogue_division"]),
        ("coordination", P, GAIN, c["coordination"]),
        ("interlocutor", P, GAIN, c["interlocutor"] * challenger),
        ("sanction_pressure", P, GAIN, c["sanction_pressure"]),
        ("threat_pressure", P, GAIN, c["threat_pressure"]),
        ("displacement_response", P, GAIN, c["displacement_response"] * exodus),
        ("pressure_normalization", P, LOSS, c["pressure_normalization"]),
        ("patron_shield", P, LOSS, c["patron_shield"]),
        ("relief_pressure_loss", P, LOSS, c["relief_pressure_loss"]),
        ("rent_base", RENTS, GAIN, c["rent_base"]),
        ("patron_rents", RENTS, GAIN, c["patron_rents"]),
        ("relief_rents", RENTS, GAIN, c["relief_rents"]),
        ("aid_capture", RENTS, GAIN, c["aid_capture"]),
        ("rent_depletion", RENTS, LOSS, c["rent_depletion"]),
        ("production_loss", RENTS, LOSS, c["production_loss"] * crisis),
        ("broad_rent_cut", RENTS, LOSS, c["broad_rent_cut"]),
        ("enforcement_rent_cut", RENTS, LOSS, c["enforcement_rent_cut"]),
        # Emigration draws on a pool: d(exodus)/dt = rate * crisis * (ceiling - exodus), written
        # as a gain and a loss whose rates do not depend on exodus below the ceiling, so the
        # step stays exact and exodus approaches the ceiling without passing it.
        ("emigration_rate", EXODUS, GAIN, c["emigration_rate"] * crisis * pool),
        ("exodus_ceiling", EXODUS, LOSS, c["emigration_rate"] * crisis * (1.0 - pool)),
        ("return_rate", EXODUS, LOSS, c["return_rate"] * (1.0 - crisis)),
        ("indictment_rate", EXPOSURE, GAIN, c["indictment_rate"]),
        ("enforcement_exposure", EXPOSURE, GAIN, c["enforcement_exposure"]),
        ("referral_exposure", EXPOSURE, GAIN, c["referral_exposure"]),
        ("exposure_decay", EXPOSURE, LOSS, c["exposure_decay"]),
    )


def rates(state, c: Mapping) -> tuple[list, list]:
    """Gain and loss rates (per month) of every state: :func:`terms` summed by state.

    Parameters
    ----------
    state : sequence of 8 arrays[n_worlds] or floats
        The states, in :data:`polmodel.model.states.STATES` order.
    c : mapping
        Coefficients from :func:`coefficients`.

    Returns
    -------
    gains, losses : list of 8, list of 8
        Non-negative rates, in :data:`polmodel.model.states.STATES` order.
    """
    return sum_by_state(terms(state, c))


def sum_by_state(listed) -> tuple[list, list]:
    """The gains and losses of :func:`rates` from terms already listed by :func:`terms`."""
    layout = _LAYOUTS.get(terms) or _layout(listed)
    if len(listed) != layout[3]:
        raise PolmodelError(f"terms() returned {len(listed)} terms, and {layout[3]} at its first "
                            "call; allowed: the same terms at every call (write a term that may "
                            "vanish as a rate of 0, never leave it out)")
    values = [term[3] for term in listed]
    gains = [sum(pick(values)) for pick in layout[0]]
    losses = [sum(pick(values)) for pick in layout[1]]
    for i, j in layout[2]:
        gains[i] = gains[i] * (1.0 - values[j])
    return gains, losses


_LAYOUTS: dict = {}


def _layout(listed) -> tuple:
    """Which of the terms each state's gain and loss sums, and its gates, once per process.

    The names, states and kinds :func:`terms` returns are the same at every call (a test holds
    it), so the summing is laid out once: per state, a getter of its gain terms and of its loss
    terms (always a tuple; an empty one sums to 0.0), the (state, term) of each gate (one a
    state at most), and the number of terms.
    """
    from operator import itemgetter

    def picker(indices):
        if not indices:
            return lambda values: ()
        if len(indices) == 1:
            j = indices[0]
            return lambda values: (values[j],)
        return itemgetter(*indices)

    by = {(i, kind): [] for i in range(len(STATES)) for kind in (GAIN, LOSS)}
    gates = []
    for j, (name, i, kind, _) in enumerate(listed):
        if kind not in (GAIN, LOSS, GATE) or i not in range(len(STATES)):
            raise PolmodelError(f"terms(): {name} has kind {kind!r} on state {i!r}; allowed: GAIN, "
                                "LOSS or GATE, on a state index from polmodel.model.states")
        if kind == GATE:
            if any(i == k for k, _ in gates):
                raise PolmodelError(f"terms(): {name} is a second gate on {STATES[i]}; allowed: "
                                    "one gate per state (explanations split one gate's part)")
            gates.append((i, j))
        else:
            by[i, kind].append(j)
    layout = (tuple(picker(by[i, GAIN]) for i in range(len(STATES))),
              tuple(picker(by[i, LOSS]) for i in range(len(STATES))), tuple(gates), len(listed))
    _LAYOUTS[terms] = layout
    return layout


def contributions(state, c: Mapping, listed=None) -> list[tuple[str, int, object]]:
    """Each term's signed part of ``dx/dt`` of its state: what explanations and tests read.

    A gain ``g`` contributes ``g * (1 - x)``, a loss ``l`` contributes ``-l * x`` and a gate
    ``q`` contributes ``-q * (sum of the state's gains) * (1 - x)``; the parts of a state add up
    to its ``dx/dt``.

    ``listed``, when given, is what :func:`terms` returned for ``state`` and ``c`` (so a caller
    that also needs :func:`sum_by_state` lists the terms once).

    Returns
    -------
    list of (name, state index, part)
    """
    if listed is None:
        listed = terms(state, c)
    gains = [0.0] * len(STATES)
    for _, i, kind, value in listed:
        if kind == GAIN:
            gains[i] = gains[i] + value
    out = []
    for name, i, kind, value in listed:
        x = state[i]
        if kind == GAIN:
            out.append((name, i, value * (1.0 - x)))
        elif kind == LOSS:
            out.append((name, i, -value * x))
        else:
            out.append((name, i, -value * gains[i] * (1.0 - x)))
    return out
