"""The equations: the rate coefficients of each lever setting, and every mechanism's term.

:func:`terms` lists each mechanism's contribution to a gain or a loss, and :func:`rates` sums
them by state (what :mod:`polmodel.model.integrator` steps).
"""

from __future__ import annotations

from collections.abc import Mapping

from polmodel.model.states import (
    CHALLENGER,
    CRISIS,
    EXODUS,
    EXPOSURE,
    FRACTURE,
    PRESSURE,
    RENTS,
    SECURITY,
)


def coefficients(p: Mapping, u: tuple) -> dict:
    """Per-world rate coefficients for one month's lever settings.

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
    guarantee, offer = p["guarantee_credibility"], p["dialogue_offer"]
    patrons, legitimation = p["patron_support"], p["legitimation"]
    # Effective coordination: what oil-dependent neighbours and a threat of force leave of it.
    coord = (coordination * (1.0 - p["dependence_damping"] * p["regional_dependence"])
             * (1.0 - p["force_backlash"] * threat))
    # Overall sanctions intensity: either kind, counted once (1 - (1 - a)(1 - b), a fuzzy OR).
    sanctions = 1.0 - (1.0 - targeted) * (1.0 - broad)
    share = p["uncoordinated_share"]
    threshold = p["backfire_threshold"]
    c = {
        "drift": p["drift"], "recovery": p["recovery"], "brain_drain": p["brain_drain"],
        "broad_hardship": p["broad_hardship"] * broad,
        "aid": p["aid_easing"] * aid, "relief_crisis": p["relief_easing"] * relief,
        # governing coalition
        "squeeze": p["squeeze"], "wedge": p["wedge"] * targeted, "lockin": p["lockin"] * targeted,
        "guarded": guarantee * negotiation,  # share of exposure a credible guarantee reaches
        "personalist": p["personalist_destabilization"] * sanctions * p["personalism"],
        "offramp": p["offramp"] * negotiation * guarantee, "defection": p["defection"],
        "gate": p["security_gate"], "rent_loyalty": p["rent_loyalty"],
        "rally": p["rally"] * broad * legitimation * (1.0 - p["linkage"]),
        "threat_rally": p["threat_rally"] * threat * legitimation,
        # security forces
        "security_rents": p["security_rents"], "security_lockin": p["security_lockin"],
        "security_patrons": p["security_patrons"] * patrons, "pay_squeeze": p["pay_squeeze"],
        "officer_exit": p["officer_exit"] * negotiation * guarantee,
        "enforcement_cohesion": p["enforcement_cohesion"] * enforcement,
        "campaign_defection": p["campaign_defection"],
        # challengers
        "grievance": p["grievance"], "unification": p["unification"],
        "support": p["support"] * support, "recognition": p["recognition"] * coord,
        "dialogue_unity": p["dialogue_unity"] * negotiation * offer,
        "dialogue_division": p["dialogue_division"] * negotiation * (1.0 - offer),
        "repression": p["repression"], "backfire": p["backfire"] / (1.0 - threshold),
        "backfire_threshold": threshold, "split_space": p["split_space"],
        "exit_drain": p["exit_drain"], "diaspora_half": p["diaspora_half"],
        # international pressure
        "coordination": p["coordination"] * coord,
        "interlocutor": p["coordination"] * coord * p["interlocutor"],
        "sanctions_pressure": p["sanction_pressure"] * sanctions * (share + (1.0 - share) * coord),
        "threat_pressure": p["threat_pressure"] * threat,
        "displacement": p["displacement_response"], "normalization": p["pressure_normalization"],
        "patron_shield": p["patron_shield"] * patrons,
        "relief_pressure": p["relief_pressure_loss"] * relief,
        # rents, exodus, exposure
        "rent_base": p["rent_base"], "patron_rents": p["patron_rents"] * patrons,
        "relief_rents": p["relief_rents"] * relief,
        "rent_depletion": p["rent_depletion"], "broad_rent_cut": p["broad_rent_cut"] * broad,
        "enforcement_rent_cut": p["enforcement_rent_cut"] * enforcement,
        "emigration": p["emigration_rate"], "return": p["return_rate"],
        "indictments": p["indictment_rate"] * targeted, "exposure_decay": p["exposure_decay"],
    }
    # State-independent parts of each rate, summed once per lever setting for :func:`rates`.
    c["exposed_share"] = 1.0 - c["guarded"]
    c["crisis_gain"] = c["drift"] + c["broad_hardship"]
    c["crisis_loss"] = c["recovery"] + c["aid"] + c["relief_crisis"]
    c["splitting_const"] = c["personalist"] + c["offramp"]
    c["fracture_loss_const"] = c["rally"] + c["threat_rally"]
    c["security_loss_const"] = c["officer_exit"] + c["enforcement_cohesion"]
    c["challenger_const"] = c["support"] + c["recognition"] + c["dialogue_unity"]
    c["pressure_gain_const"] = c["coordination"] + c["sanctions_pressure"] + c["threat_pressure"]
    c["pressure_loss"] = c["normalization"] + c["patron_shield"] + c["relief_pressure"]
    c["rents_gain"] = c["rent_base"] + c["patron_rents"] + c["relief_rents"]
    c["rents_loss"] = c["rent_depletion"] + c["broad_rent_cut"] + c["enforcement_rent_cut"]
    return c


def terms(state, c: Mapping) -> list[tuple[str, int, bool, object]]:
    """Every mechanism's term of the dynamics, one by one (what explanations read).

    The equations are written twice: here, term by term, and in :func:`rates`, which sums them
    for speed and is what every run uses. Change both together: a test holds them equal, and an
    explanation (:func:`polmodel.analysis.runs.decompose`) refuses to run when they disagree.

    A gain term ``g`` adds ``g * (1 - x)`` to ``dx/dt`` of its state, a loss term ``l``
    subtracts ``l * x``. One gain term is negative: the security forces' hold on the
    coalition removes a share of fracture's other gains (never more than all of them).

    Parameters
    ----------
    state : sequence of 8 arrays[n_worlds] or floats
        The states, in :data:`STATES` order.
    c : mapping
        Coefficients from :func:`coefficients`.

    Returns
    -------
    list of (mechanism, state index, is_gain, rate)
        Mechanism names are those of :data:`polmodel.model.parameters.MECHANISMS`.
    """
    crisis, fracture, challenger, pressure, security, rents, exodus, exposure = state
    exit_ = 1.0 - exposure * (1.0 - c["guarded"])  # officials with somewhere to go
    unpaid = crisis * (1.0 - rents)                 # a crisis the rents cannot cover
    repress = security * (1.0 - fracture)           # loyal forces, cohesive coalition
    above = challenger - c["backfire_threshold"]
    mobilized = (above + abs(above)) * 0.5          # max(0, above) on floats and arrays
    splitting = (c["squeeze"] * unpaid + c["wedge"] * exit_ + c["personalist"] + c["offramp"]
                 + c["defection"] * exit_ * pressure * challenger)
    F, H, S = FRACTURE, CHALLENGER, SECURITY
    return [
        ("mismanagement_drift", CRISIS, True, c["drift"]),
        ("brain_drain", CRISIS, True, c["brain_drain"] * exodus),
        ("broad_sanctions_hardship", CRISIS, True, c["broad_hardship"]),
        ("adaptation", CRISIS, False, c["recovery"]),
        ("humanitarian_aid", CRISIS, False, c["aid"]),
        ("sanctions_relief", CRISIS, False, c["relief_crisis"]),
        ("patronage_squeeze", F, True, c["squeeze"] * unpaid),
        ("targeted_wedge", F, True, c["wedge"] * exit_),
        ("personalist_sanctions", F, True, c["personalist"]),
        ("offramps", F, True, c["offramp"]),
        ("defection", F, True, c["defection"] * exit_ * pressure * challenger),
        ("security_holds_coalition", F, True, -c["gate"] * security * splitting),
        ("rent_loyalty", F, False, c["rent_loyalty"] * rents),
        ("siege_rally", F, False, c["rally"]),
        ("threat_rally", F, False, c["threat_rally"]),
        ("indictment_lockin", F, False, c["lockin"] * (1.0 - exit_)),
        ("security_rents", S, True, c["security_rents"] * rents),
        ("security_exposure", S, True, c["security_lockin"] * exposure * (1.0 - c["guarded"])),
        ("security_patrons", S, True, c["security_patrons"]),
        ("pay_squeeze", S, False, c["pay_squeeze"] * unpaid),
        ("officer_exits", S, False, c["officer_exit"]),
        ("enforcement_erodes_portfolio", S, False, c["enforcement_cohesion"]),
        ("campaign_defection", S, False, c["campaign_defection"] * challenger),
        ("grievance", H, True, c["grievance"] * crisis),
        ("unification", H, True, c["unification"] * challenger * crisis),
        ("civil_society_support", H, True, c["support"]),
        ("interlocutor_recognition", H, True, c["recognition"]),
        ("dialogue_unifies", H, True, c["dialogue_unity"]),
        ("repression_backfire", H, True, c["backfire"] * repress * mobilized),
        ("coalition_split_space", H, True, c["split_space"] * fracture),
        ("repression", H, False, c["repression"] * repress),
        ("exit_drains_voice", H, False, c["exit_drain"] * exodus / (exodus + c["diaspora_half"])),
        ("dialogue_divides", H, False, c["dialogue_division"]),
        ("coordination", PRESSURE, True, c["coordination"]),
        ("interlocutor", PRESSURE, True, c["interlocutor"] * challenger),
        ("sanctions_pressure", PRESSURE, True, c["sanctions_pressure"]),
        ("force_threat", PRESSURE, True, c["threat_pressure"]),
        ("displacement_response", PRESSURE, True, c["displacement"] * exodus),
        ("normalization", PRESSURE, False, c["normalization"]),
        ("patrons", PRESSURE, False, c["patron_shield"]),
        ("sanctions_relief", PRESSURE, False, c["relief_pressure"]),
        ("rent_base", RENTS, True, c["rent_base"]),
        ("patrons", RENTS, True, c["patron_rents"]),
        ("sanctions_relief", RENTS, True, c["relief_rents"]),
        ("rent_base", RENTS, False, c["rent_depletion"]),
        ("broad_sanctions_hardship", RENTS, False, c["broad_rent_cut"]),
        ("illicit_enforcement", RENTS, False, c["enforcement_rent_cut"]),
        ("emigration", EXODUS, True, c["emigration"] * crisis),
        ("emigration", EXODUS, False, c["return"] * (1.0 - crisis)),
        ("indictments", EXPOSURE, True, c["indictments"]),
        ("exposure_decay", EXPOSURE, False, c["exposure_decay"]),
    ]


def rates(state, c: Mapping) -> tuple[list, list]:
    """Gain and loss rates (per month) of every state: :func:`terms` summed by state.

    The same equations as :func:`terms`, with the parts that do not depend on the states summed
    once per lever setting (in :func:`coefficients`) and fewer temporaries: this is the inner
    loop of every ensemble. A test holds the two equal for any inputs.

    Parameters
    ----------
    state : sequence of 8 arrays[n_worlds] or floats
        The states, in :data:`STATES` order.
    c : mapping
        Coefficients from :func:`coefficients`.

    Returns
    -------
    gains, losses : list of 8, list of 8
        Non-negative rates, in :data:`STATES` order.
    """
    crisis, fracture, challenger, pressure, security, rents, exodus, exposure = state
    exit_ = 1.0 - exposure * c["exposed_share"]
    unpaid = crisis * (1.0 - rents)
    repress = security * (1.0 - fracture)
    above = challenger - c["backfire_threshold"]
    mobilized = (above + abs(above)) * 0.5
    splitting = (c["squeeze"] * unpaid + (c["wedge"] + c["defection"] * pressure * challenger) * exit_
                 + c["splitting_const"])
    gains = [
        c["crisis_gain"] + c["brain_drain"] * exodus,
        splitting * (1.0 - c["gate"] * security),
        ((c["grievance"] + c["unification"] * challenger) * crisis + c["challenger_const"]
         + c["backfire"] * repress * mobilized + c["split_space"] * fracture),
        c["pressure_gain_const"] + c["interlocutor"] * challenger + c["displacement"] * exodus,
        (c["security_rents"] * rents + c["security_lockin"] * exposure * c["exposed_share"]
         + c["security_patrons"]),
        c["rents_gain"],
        c["emigration"] * crisis,
        c["indictments"],
    ]
    losses = [
        c["crisis_loss"],
        c["rent_loyalty"] * rents + c["fracture_loss_const"] + c["lockin"] * (1.0 - exit_),
        (c["repression"] * repress + c["exit_drain"] * exodus / (exodus + c["diaspora_half"])
         + c["dialogue_division"]),
        c["pressure_loss"],
        c["pay_squeeze"] * unpaid + c["security_loss_const"] + c["campaign_defection"] * challenger,
        c["rents_loss"],
        c["return"] * (1.0 - crisis),
        c["exposure_decay"],
    ]
    return gains, losses


