"""The dynamics: eight states moved month by month by the mechanisms of :mod:`polmodel.parameters`.

Every state x in [0, 1] follows ``dx/dt = gain * (1 - x) - loss * x`` with ``gain`` and ``loss``
non-negative sums of mechanism terms. Holding the rates over one month, the step is exact:
``x' = x_eq + (x - x_eq) * exp(-(gain + loss) * dt)`` with ``x_eq = gain / (gain + loss)``. It is
a convex combination of ``x`` and ``x_eq``, so every state stays in [0, 1] by construction, for
any step and any non-negative rates: no clipping, unconditionally stable.

Array convention: worlds are the leading axis. Inputs are scalars (one world) or arrays of shape
``(n_worlds,)``; levers are ``(n_months, n_levers)`` shared by all worlds or
``(n_worlds, n_months, n_levers)``. One function serves one world and a million: plain numbers
run on Python floats, arrays in place on numpy, with the same operations in the same order, so
the numbers agree bit for bit (both loops are written from the source of :func:`rates` by
:mod:`polmodel._straight`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from polmodel.conditions import CONDITIONS, CROSSOVER, Aggregator, resolve_aggregator
from polmodel.errors import PolmodelError
from polmodel.levers import LEVER_NAMES
from polmodel.limits import check_model_inputs, check_scalar_inputs
from polmodel.parameters import PARAMETERS

STATES: tuple[str, ...] = CONDITIONS + ("security", "rents", "exodus", "exposure")
"""The four conditions, then the auxiliary states: security (cohesion and loyalty of the
security forces), rents (revenue the government can spend on loyalty), exodus (share of the
population that has left) and exposure (share of the ruling elite facing prosecution)."""

CRISIS, FRACTURE, CHALLENGER, PRESSURE, SECURITY, RENTS, EXODUS, EXPOSURE = range(len(STATES))

_EPS = 1e-12  # keeps x_eq = gain / (gain + loss) defined when both rates vanish


def coefficients(p: Mapping, u: tuple) -> dict:
    """Per-world rate coefficients for one month's lever settings.

    Everything here depends on parameters and levers only, not on the states, so a run
    computes it once per distinct lever setting rather than once per month.

    Parameters
    ----------
    p : mapping of str to array[n_worlds] or float
        Every parameter of :data:`polmodel.parameters.PARAMETERS`.
    u : tuple of 9 arrays[n_worlds] or floats
        Lever intensities, in :data:`polmodel.levers.LEVER_NAMES` order.

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
    explanation (:func:`polmodel.runs.decompose`) refuses to run when they disagree.

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
        Mechanism names are those of :data:`polmodel.parameters.MECHANISMS`.
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


@dataclass(frozen=True)
class Outcomes:
    """What a run leaves behind per world, accumulated month by month (months 1..horizon).

    Attributes
    ----------
    peak_index : ndarray[n_worlds]
        Highest opening index reached, under the run's aggregator.
    peak_strict, peak_graded : ndarray[n_worlds]
        Highest opening index under the strict AND (``min``) and the graded AND (``product``,
        on the scale of its fourth root, the geometric mean, which orders worlds exactly as the
        product does and is commensurable with ``min``), whatever the run's aggregator: so
        every verdict can be checked under both.
    months_open : ndarray[n_worlds] of int
        Months with a window (all four conditions above 0.5).
    first_window : ndarray[n_worlds]
        First month with a window; NaN where none opened.
    binding_months : ndarray[n_worlds, 4] of int
        Months each condition was the bottleneck.
    condition_mean : ndarray[n_worlds, 4]
        Mean membership of each condition.
    at_peak : ndarray[n_worlds, 4]
        The four conditions in the (first) month the opening index peaked.
    crisis_months : ndarray[n_worlds]
        Sum of crisis membership over the months (a humanitarian cost).
    final : ndarray[n_worlds, 8]
        States at the horizon.
    """

    peak_index: np.ndarray
    peak_strict: np.ndarray
    peak_graded: np.ndarray
    months_open: np.ndarray
    first_window: np.ndarray
    binding_months: np.ndarray
    condition_mean: np.ndarray
    at_peak: np.ndarray
    crisis_months: np.ndarray
    final: np.ndarray

    @property
    def bottleneck(self) -> np.ndarray:
        """Index (into CONDITIONS) of the condition that bound for the most months, per world."""
        return self.binding_months.argmax(axis=1)

    @property
    def exodus(self) -> np.ndarray:
        """Share of the population emigrated at the horizon, per world."""
        return self.final[:, STATES.index("exodus")]


def _world_count(values: list) -> int:
    sizes = {np.size(v) for v in values if np.ndim(v) > 0}
    if len(sizes) > 1:
        raise PolmodelError(f"inputs disagree on the number of worlds: sizes {sorted(sizes)}")
    return sizes.pop() if sizes else 1


def simulate(
    initial: Mapping[str, ArrayLike],
    params: Mapping[str, ArrayLike],
    levers: ArrayLike,
    *,
    aggregator: Aggregator = "min",
    dt: float = 1.0,
    record: bool = True,
) -> tuple[np.ndarray | None, Outcomes]:
    """Run the model: a pure function of initial states, parameters and levers.

    Parameters
    ----------
    initial : mapping of str to float or ndarray[n_worlds]
        Initial value of each of :data:`STATES`.
    params : mapping of str to float or ndarray[n_worlds]
        Every parameter in :data:`polmodel.parameters.PARAMETERS`.
    levers : ndarray[n_months, n_levers] or ndarray[n_worlds, n_months, n_levers]
        Lever intensities month by month (see :meth:`polmodel.levers.Policy.schedule`).
    aggregator : {"min", "product", "geometric"} or callable
        Fuzzy AND for the opening index.
    dt : float
        Step length in months (rates are per month). Lever schedules and outcomes count
        steps, so they read as months at the default of 1, which is what scenarios mean.
    record : bool
        Keep the full trajectory. With False only :class:`Outcomes` are kept, so memory does
        not grow with the horizon.

    Returns
    -------
    trajectory : ndarray[n_worlds, n_months + 1, 8] or None
        States at months 0..n_months, in :data:`STATES` order (None when ``record`` is False).
    outcomes : Outcomes

    Examples
    --------
    >>> from polmodel.parameters import default_parameters
    >>> init = dict(crisis=0.8, fracture=0.2, challenger=0.3, pressure=0.3, security=0.7,
    ...             rents=0.5, exodus=0.1, exposure=0.5)
    >>> traj, out = simulate(init, default_parameters(), np.zeros((12, 9)))
    >>> traj.shape
    (1, 13, 8)
    """
    for arg, value in (("initial", initial), ("params", params)):
        if not isinstance(value, Mapping):
            raise PolmodelError(f"simulate: {arg} is a {type(value).__name__}; allowed: a mapping "
                                "of names to numbers or arrays")
    missing = [s for s in STATES if s not in initial] + [k for k in PARAMETERS if k not in params]
    if missing:
        raise PolmodelError(f"simulate: missing input {missing[0]!r}")
    # Plain floats (a central run, a slider, a workbench) need no more than this look.
    floats = (all(type(v) is float for v in initial.values())
              and all(type(v) is float for v in params.values()))
    if not floats:
        for key, value in (*initial.items(), *params.items()):
            if isinstance(value, (str, bytes, bool)):
                raise PolmodelError(f"simulate: {key} = {value!r:.40} is {type(value).__name__}; "
                                    "allowed: a number or an array of numbers")
    try:
        levers = np.asarray(levers, dtype=float)
    except (TypeError, ValueError):
        raise PolmodelError("levers: not an array of numbers; allowed: an array of intensities "
                            f"of shape (n_months, {len(LEVER_NAMES)})") from None
    if levers.shape[-1] != len(LEVER_NAMES) or levers.ndim not in (2, 3):
        raise PolmodelError(
            f"levers: shape {levers.shape}; expected (n_months, {len(LEVER_NAMES)}) "
            f"or (n_worlds, n_months, {len(LEVER_NAMES)})"
        )
    if levers.shape[-2] < 1:
        raise PolmodelError("levers: no months; allowed: a horizon of at least one month")
    if levers.ndim == 2 and (floats or all(map(_is_number, (*params.values(), *initial.values())))):
        check_scalar_inputs(params, initial, STATES, levers, dt)
        return _simulate_floats(initial, params, levers, aggregator, dt, record)
    # Contiguous copies: sampled worlds arrive as columns of one array, and arithmetic on
    # strided columns is several times slower than on packed ones.
    try:
        p = {k: (np.ascontiguousarray(params[k], dtype=float) if np.ndim(params[k]) else float(params[k]))
             for k in PARAMETERS}
        x = [np.asarray(initial[s], dtype=float) for s in STATES]
    except (TypeError, ValueError):
        raise PolmodelError("simulate: every initial state and parameter must be a number or an "
                            "array of numbers") from None
    check_model_inputs(p, dict(zip(STATES, x)), levers, dt)
    n = _world_count(list(p.values()) + x + ([levers[:, 0, 0]] if levers.ndim == 3 else []))
    horizon = levers.shape[-2]
    and_ = resolve_aggregator(aggregator)
    # Shared levers are plain floats, and their coefficients are computed once per distinct
    # setting; per-world levers are recomputed each month.
    shared = levers.ndim == 2
    month_levers = levers.tolist() if shared else [levers[:, t].T for t in range(horizon)]
    cache: dict = {}
    # The terms of rates(), written out in place with what does not move hoisted out of the
    # month (see polmodel._straight); the plain rates() when the source cannot be read so.
    from polmodel._straight import numpy_plan

    plan = numpy_plan()
    if plan and plan[4] is not rates:  # rates() replaced since the plan was written
        plan = None
    n_cond = len(CONDITIONS)
    # Settled states (gain and loss read no state) take their exact step from an equilibrium and
    # a decay factor computed once per lever setting; they are kept in the last rows of the
    # state block, so the others step together (the conditions first, as rows 0 to 3).
    settled = plan[5] if plan else ()
    order = [i for i in range(len(STATES)) if i not in settled] + list(settled)
    m = len(STATES) - len(settled)
    back = np.argsort(order) if settled else None  # block rows -> STATES order

    X = np.empty((len(STATES), n))
    X[:] = np.reshape([np.broadcast_to(x[i], (n,)) for i in order], (len(STATES), n))
    G, L = np.empty((m, n)), np.empty((m, n))
    B = np.empty((plan[2] if plan else 0, n))
    traj = np.empty((horizon + 1, len(STATES), n)) if record else None
    if record:
        traj[0] = X if back is None else X[back]
    peak = np.full(n, -1.0)
    peak_strict = np.full(n, -1.0)
    peak_product = np.full(n, -1.0)
    at_peak = np.zeros((n_cond, n))
    months_open = np.zeros(n, dtype=np.int32)
    first_window = np.full(n, np.nan)
    binding = np.zeros((n_cond, n), dtype=np.int32)
    cond_sum = np.zeros((n_cond, n))
    low, product, graded = np.empty(n), np.empty(n), np.empty(n)
    higher, is_open, first = np.empty(n, bool), np.empty(n, bool), np.empty(n, bool)
    is_low = np.empty((n_cond, n), bool)
    conds = X[:n_cond]
    Xm, Xs = X[:m], X[m:]
    row = {state: r for r, state in enumerate(order)}
    X_rows = [X[row[i]] for i in range(len(STATES))]  # views, in STATES order
    G_rows = [G[row[i]] if row[i] < m else None for i in range(len(STATES))]
    L_rows = [L[row[i]] if row[i] < m else None for i in range(len(STATES))]
    B_rows = list(B)

    for t in range(horizon):
        u = month_levers[t]
        key = tuple(u) if shared else None
        c = cache.get(key) if shared else None
        if c is None:
            c = coefficients(p, tuple(u))
            if plan:
                h, settle = plan[0](c, -dt)
                eq = np.empty((len(settled), n))
                decay = np.empty((len(settled), n))
                for j in range(len(settled)):  # row by row: each a number or one per world
                    eq[j], decay[j] = settle[2 * j], settle[2 * j + 1]
                c = (c, h, eq, decay)
            else:
                c = (c, None)
            if shared:
                cache[key] = c
        if plan:
            plan[1](X_rows, c[1], G_rows, L_rows, B_rows)
        else:
            gains, losses = rates(X, c[0])
            for i in range(len(STATES)):
                G[i] = gains[i]
                L[i] = losses[i]
        # Exact step, in place: X <- X_eq + (X - X_eq) * exp(-dt * K), X_eq = G / K.
        np.add(G, L, out=L)
        L += _EPS
        np.divide(G, L, out=G)
        Xm -= G
        L *= -dt
        np.exp(L, out=L)
        Xm *= L
        Xm += G
        if settled:  # the same step, its equilibrium and factor computed once per setting
            Xs -= c[2]
            Xs *= c[3]
            Xs += c[2]

        # Outcomes, in place: the same operations as on whole arrays, without temporaries. The
        # graded index is the 4th root of the product, monotone: its peak is the root of the
        # product's peak, taken once at the end (unless the graded index is the aggregator).
        np.minimum(conds[0], conds[1], out=low)
        np.minimum(low, conds[2], out=low)
        np.minimum(low, conds[3], out=low)
        np.multiply(conds[0], conds[1], out=product)
        product *= conds[2]
        product *= conds[3]
        np.maximum(peak_strict, low, out=peak_strict)
        np.maximum(peak_product, product, out=peak_product)
        if aggregator == "min":
            J = low
        elif aggregator == "geometric":
            J = np.sqrt(np.sqrt(product, out=graded), out=graded)
        else:
            J = and_(*conds)
        if callable(aggregator) and not np.all((np.asarray(J) >= 0.0) & (np.asarray(J) <= 1.0)):
            raise PolmodelError(_BAD_AGGREGATOR)
        np.greater(J, peak, out=higher)
        np.maximum(peak, J, out=peak)
        np.copyto(at_peak, conds, where=higher)
        np.equal(conds, low, out=is_low)
        binding += is_low
        np.greater(low, CROSSOVER, out=is_open)
        np.equal(months_open, 0, out=first)
        first &= is_open
        np.copyto(first_window, t + 1, where=first)
        months_open += is_open
        cond_sum += conds
        if record:
            traj[t + 1] = X if back is None else X[back]

    final = (X if back is None else X[back]).T.copy()
    outcomes = Outcomes(
        peak_index=peak,
        peak_strict=peak_strict,
        peak_graded=np.sqrt(np.sqrt(peak_product, out=peak_product), out=peak_product),
        months_open=months_open,
        first_window=first_window,
        binding_months=binding.T,
        condition_mean=(cond_sum / max(horizon, 1)).T,
        at_peak=at_peak.T,
        crisis_months=(cond_sum[0] * dt),
        final=final,
    )
    trajectory = None if traj is None else np.moveaxis(traj, -1, 0)
    return trajectory, outcomes


_BAD_AGGREGATOR = ("aggregator: the function returned a value outside 0 to 1 (or not a number); "
                   "allowed: a fuzzy AND with values in [0, 1]")


def _is_number(v) -> bool:
    """True for a plain number or a 0-d array (np.ndim costs a microsecond; isinstance does not)."""
    return isinstance(v, (float, int)) or np.ndim(v) == 0


def _simulate_floats(initial, params, levers, aggregator, dt, record):
    """One world on Python floats: :func:`simulate` for scalar inputs and shared levers.

    The same :func:`coefficients` and :func:`rates` and the same operations in the same order
    as the vectorised loop, on floats with :func:`math.exp` (which gives numpy's ``exp`` bit
    for bit), so the numbers are identical; only numpy's per-call overhead on one-element
    arrays is gone (a central run, an explorer redraw, a workbench calling one world at a time).
    """
    p = {k: float(params[k]) for k in PARAMETERS}
    x = [float(initial[s]) for s in STATES]
    and_ = resolve_aggregator(aggregator)
    decay = -dt
    # The months run in code written from the source of rates() (polmodel._straight): what does
    # not move hoisted, the exact step of each state written out, the states kept in locals;
    # on rates() itself when its source cannot be read so, or it was replaced since.
    from polmodel._straight import float_plan, plain_float_run

    plan = float_plan()
    if plan and plan[3] is not rates:
        plan = None
    invariants, run = (plan[0], plan[1]) if plan else (None, plain_float_run())
    rows = levers.tolist()
    cache: dict = {}
    months, before, h = [], None, None
    for u in rows:
        if u != before:  # a new lever setting (or the first)
            before, key = u, tuple(u)
            h = cache.get(key)
            if h is None:
                c = coefficients(p, key)
                h = cache[key] = invariants(c, decay) if invariants else c
        months.append(h)
    kind = aggregator if isinstance(aggregator, str) else None
    (x, traj, peak, peak_strict, peak_product, at_peak, months_open, first_window, binding,
     cond_sum) = run(x, months, decay, kind, and_, record, rates)
    sqrt = math.sqrt
    horizon = len(rows)
    outcomes = Outcomes(
        peak_index=np.array([peak]),
        peak_strict=np.array([peak_strict]),
        peak_graded=np.array([sqrt(sqrt(peak_product))]),  # the 4th root is monotone: of the peak
        months_open=np.array([months_open], dtype=np.int32),
        first_window=np.array([first_window]),
        binding_months=np.array([binding], dtype=np.int32),
        condition_mean=np.array([cond_sum]) / max(horizon, 1),
        at_peak=np.array([at_peak]),
        crisis_months=np.array([cond_sum[0] * dt]),
        final=np.array([x]),
    )
    if traj is not None:  # one flat pass: about half the time of np.array on nested lists
        from itertools import chain

        traj = np.fromiter(chain.from_iterable(traj), float, count=len(traj) * len(STATES))
        traj = traj.reshape(1, horizon + 1, len(STATES))
    return traj, outcomes
