"""The dynamics: eight states moved month by month by the mechanisms of :mod:`polmodel.model.parameters`.

Every state x in [0, 1] follows ``dx/dt = gain * (1 - x) - loss * x`` with ``gain`` and ``loss``
non-negative sums of mechanism terms. Holding the rates over one month, the step is exact:
``x' = x_eq + (x - x_eq) * exp(-(gain + loss) * dt)`` with ``x_eq = gain / (gain + loss)``. It is
a convex combination of ``x`` and ``x_eq``, so every state stays in [0, 1] by construction, for
any step and any non-negative rates: no clipping, unconditionally stable.

Array convention: worlds are the leading axis. Inputs are scalars (one world) or arrays of shape
``(n_worlds,)``; levers are ``(n_months, n_levers)`` shared by all worlds or
``(n_worlds, n_months, n_levers)``. One function serves one world and a million: plain numbers
run on Python floats (:func:`math.exp`), arrays in place on numpy (numpy's ``exp``), both from
the rates of :func:`polmodel.model.equations.rates`. The two ``exp`` implementations may differ
by one unit in the last place on some CPUs (numpy's SIMD ``exp`` on AVX-512), so the two paths
agree within 1e-12, not bit for bit; each path is bit-reproducible with itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from polmodel.errors import PolmodelError
from polmodel.model.bounds import check_model_inputs, check_scalar_inputs
from polmodel.model.equations import coefficients, rates
from polmodel.model.float_step import coefficient_names, float_step
from polmodel.model.levers import LEVER_NAMES
from polmodel.model.parameters import PARAMETERS
from polmodel.model.readings import ArrayReadings, float_readings
from polmodel.model.states import (
    CONDITIONS,
    STATES,
    Aggregator,
    resolve_aggregator,
)
from polmodel.model.structures import DEFAULT_STRUCTURE, Structure, resolve_structure

_EPS = 1e-12  # keeps x_eq = gain / (gain + loss) defined when both rates vanish


@dataclass(frozen=True)
class Outcomes:
    """What a run leaves behind per world, accumulated month by month (months 1..horizon).

    Attributes
    ----------
    peak_index : ndarray[n_worlds]
        Highest opening index reached, under the run's structure and aggregator.
    peak_strict, peak_graded : ndarray[n_worlds]
        Highest opening index of the run's structure under the strict AND (``min``) and the
        graded AND (``product``, on the scale of its k-th root, which orders worlds exactly as
        the product does and is commensurable with ``min``), whatever the run's aggregator: so
        every verdict can be checked under both.
    months_open : ndarray[n_worlds] of int
        Months with a window (the structure's formula holding: for the memo's, all four
        conditions above 0.5).
    first_window : ndarray[n_worlds]
        First month with a window; NaN where none opened.
    binding_months : ndarray[n_worlds, n_leaves] of int
        Months each state of the structure's formula was the bottleneck (for the memo's
        structure, the four conditions; see :attr:`Structure.leaves`).
    condition_mean : ndarray[n_worlds, 4]
        Mean membership of each condition.
    at_peak : ndarray[n_worlds, 4]
        The four conditions in the (first) month the opening index peaked.
    crisis_months : ndarray[n_worlds]
        Sum of crisis membership over the months (a humanitarian cost).
    final : ndarray[n_worlds, 8]
        States at the horizon.
    condition_peak : ndarray[n_worlds, 4]
        Highest membership of each condition over the months.
    readings : ndarray[n_worlds, n_structures, 2]
        Peak opening index under every built-in structure (in
        :data:`polmodel.model.structures.STRUCTURES` order), strict and graded.
    marks : ndarray[n_worlds, len(MARKS), 2]
        Peak strict and graded index of the run's structure as they stood at each of
        :data:`polmodel.model.readings.MARKS` (24, 36 and 60 months); NaN beyond the horizon.
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
    condition_peak: np.ndarray
    readings: np.ndarray
    marks: np.ndarray

    @property
    def bottleneck(self) -> np.ndarray:
        """Index (into the structure's leaves) of the state that bound for the most months."""
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
    structure: str | Structure = DEFAULT_STRUCTURE,
    dt: float = 1.0,
    record: bool = True,
    engine: str = "numpy",
) -> tuple[np.ndarray | None, Outcomes]:
    """Run the model: a pure function of initial states, parameters and levers.

    Parameters
    ----------
    initial : mapping of str to float or ndarray[n_worlds]
        Initial value of each of :data:`STATES`.
    params : mapping of str to float or ndarray[n_worlds]
        Every parameter in :data:`polmodel.model.parameters.PARAMETERS`.
    levers : ndarray[n_months, n_levers] or ndarray[n_worlds, n_months, n_levers]
        Lever intensities month by month (see :meth:`polmodel.model.levers.Policy.schedule`).
    aggregator : {"min", "product", "geometric"} or callable
        Fuzzy AND for the opening index. A callable gets the values of the structure's terms
        (for the memo's structure: crisis, fracture, challenger, pressure).
    structure : str or Structure
        The formula of the opening index (:data:`polmodel.model.structures.STRUCTURES`); every
        built-in structure's peaks are kept in :attr:`Outcomes.readings` whichever is chosen.
    dt : float
        Step length in months (rates are per month). Lever schedules and outcomes count
        steps, so they read as months at the default of 1, which is what scenarios mean.
    record : bool
        Keep the full trajectory. With False only :class:`Outcomes` are kept, so memory does
        not grow with the horizon.
    engine : {"numpy", "compiled"}
        ``"compiled"`` runs C generated from the equations (:mod:`polmodel.model.compiled`):
        the same outcomes within 1e-12, for levers shared by every world, a named aggregator
        and ``record=False``; numpy, with a warning, where no C compiler can build it.

    Returns
    -------
    trajectory : ndarray[n_worlds, n_months + 1, 8] or None
        States at months 0..n_months, in :data:`STATES` order (None when ``record`` is False).
    outcomes : Outcomes

    Examples
    --------
    >>> from polmodel.model.parameters import default_parameters
    >>> init = dict(crisis=0.8, fracture=0.2, challenger=0.3, pressure=0.3, security=0.7,
    ...             rents=0.5, exodus=0.1, exposure=0.5)
    >>> traj, out = simulate(init, default_parameters(), np.zeros((12, 9)))
    >>> traj.shape
    (1, 13, 8)
    """
    floats = _check_mappings(initial, params)
    levers = _as_levers(levers)
    structure = resolve_structure(structure)
    and_ = resolve_aggregator(aggregator)
    if engine != "numpy":
        _check_compiled(engine, levers, aggregator, record)
    if engine == "numpy" and levers.ndim == 2 and (floats or all(map(_is_number, (*params.values(), *initial.values())))):
        check_scalar_inputs(params, initial, STATES, levers, dt)
        return _simulate_floats(initial, params, levers, aggregator, and_, structure, dt, record)
    p, x, n = _packed(initial, params, levers, dt)
    if engine == "compiled":
        from polmodel.model import compiled

        try:
            return None, Outcomes(**compiled.run_kernel(p, x, levers, n, aggregator, structure, dt,
                                                          _EPS))
        except compiled.Unavailable as why:
            compiled.fallback_warning(str(why))
    horizon = levers.shape[-2]
    # Shared levers are plain floats, and their coefficients are computed once per distinct
    # setting; per-world levers are recomputed each month.
    shared = levers.ndim == 2
    month_levers = levers.tolist() if shared else [levers[:, t].T for t in range(horizon)]
    cache: dict = {}
    n_cond = len(CONDITIONS)
    X = np.empty((len(STATES), n))
    X[:] = np.reshape([np.broadcast_to(v, (n,)) for v in x], (len(STATES), n))
    G, L = np.empty((len(STATES), n)), np.empty((len(STATES), n))
    traj = np.empty((horizon + 1, len(STATES), n)) if record else None
    if record:
        traj[0] = X
    cond_sum = np.zeros((n_cond, n))
    conds = X[:n_cond]
    rows = list(X)  # views, in STATES order
    read = ArrayReadings(structure, aggregator, and_, rows, n, horizon)

    for t in range(horizon):
        u = month_levers[t]
        key = tuple(u) if shared else None
        c = cache.get(key) if shared else None
        if c is None:
            c = coefficients(p, tuple(u))
            if shared:
                cache[key] = c
        gains, losses = rates(rows, c)
        for i in range(len(STATES)):
            G[i] = gains[i]
            L[i] = losses[i]
        # Exact step, in place: X <- X_eq + (X - X_eq) * exp(-dt * K), X_eq = G / K.
        np.add(G, L, out=L)
        L += _EPS
        np.divide(G, L, out=G)
        X -= G
        L *= -dt
        np.exp(L, out=L)
        X *= L
        X += G
        read.update(t, conds)
        cond_sum += conds
        if record:
            traj[t + 1] = X

    outcomes = Outcomes(
        **read.finish(),
        condition_mean=(cond_sum / max(horizon, 1)).T,
        crisis_months=(cond_sum[0] * dt),
        final=X.T.copy(),
    )
    trajectory = None if traj is None else np.moveaxis(traj, -1, 0)
    return trajectory, outcomes


def simulate_each(
    initial: Mapping[str, ArrayLike],
    params: Mapping[str, ArrayLike],
    schedules: list,
    *,
    aggregator: Aggregator = "min",
    structure: str | Structure = DEFAULT_STRUCTURE,
    dt: float = 1.0,
    engine: str = "numpy",
    targets: list | None = None,
) -> list[Outcomes | None]:
    """The outcomes of :func:`simulate` (``record=False``) for each of several lever schedules.

    The same worlds under every schedule: with the compiled engine, the worlds are checked and
    packed once for all of them (on numpy, each schedule is one :func:`simulate`).

    Parameters
    ----------
    initial, params : mapping of str to float or ndarray[n_worlds]
    schedules : list of ndarray[n_months, n_levers]
        Lever schedules shared by every world.
    targets : list of mapping, optional
        With the compiled engine, per schedule, arrays the kernel writes its outputs into
        (:func:`polmodel.model.compiled.run_kernels`); their schedules return None.

    Returns
    -------
    list of Outcomes or None
        One per schedule (Outcomes wherever the numpy path ran them).
    """
    if engine != "compiled" or not schedules:
        return [simulate(initial, params, s, aggregator=aggregator, structure=structure, dt=dt,
                         record=False, engine=engine)[1] for s in schedules]
    from polmodel.model import compiled

    _check_mappings(initial, params)
    all_levers = [_as_levers(s) for s in schedules]
    structure = resolve_structure(structure)
    resolve_aggregator(aggregator)
    for levers in all_levers:
        _check_compiled(engine, levers, aggregator, False)
    p, x, n = _packed(initial, params, all_levers[0], dt)
    for levers in all_levers[1:]:
        check_model_inputs({}, {}, levers, dt)
    try:
        return [None if out is None else Outcomes(**out)
                for out in compiled.run_kernels(p, x, all_levers, n, aggregator, structure, dt,
                                                _EPS, targets)]
    except compiled.Unavailable as why:
        compiled.fallback_warning(str(why))
    return [simulate(initial, params, s, aggregator=aggregator, structure=structure, dt=dt,
                     record=False)[1] for s in schedules]


def _check_mappings(initial, params) -> bool:
    """Both inputs mappings with every name, of numbers: True when every value is a float."""
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
    return floats


def _as_levers(levers) -> np.ndarray:
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
    return levers


def _packed(initial, params, levers, dt) -> tuple[dict, list, int]:
    """Parameters and initial states as contiguous arrays (or floats), checked; and n_worlds."""
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
    return p, x, n


def _check_compiled(engine, levers, aggregator, record) -> None:
    """What the compiled engine runs: shared levers, a named aggregator, outcomes only."""
    from polmodel.model.compiled import check_engine

    check_engine(engine)
    if levers.ndim != 2 or callable(aggregator) or record:
        raise PolmodelError("engine 'compiled' runs levers shared by every world, a named "
                            "aggregator and record=False (outcomes only); use engine='numpy' "
                            "for per-world levers, a callable aggregator or trajectories")


def _is_number(v) -> bool:
    """True for a plain number or a 0-d array (np.ndim costs a microsecond; isinstance does not)."""
    if isinstance(v, (float, int)) and not isinstance(v, bool):
        return True
    return np.ndim(v) == 0 and np.asarray(v).dtype.kind in "fiu"


def _simulate_floats(initial, params, levers, aggregator, and_, structure, dt, record):
    """One world on Python floats: :func:`simulate` for scalar inputs and shared levers.

    The same :func:`coefficients`, :func:`rates` and exact step as the vectorised loop, on floats
    with :func:`math.exp`, and the same outcomes; only numpy's per-call overhead on one-element
    arrays is gone (a central run, an explorer redraw, a workbench calling one world at a time).
    """
    p = {k: float(params[k]) for k in PARAMETERS}
    x = [float(initial[s]) for s in STATES]
    exp, eps, decay = math.exp, _EPS, -dt
    n_cond = len(CONDITIONS)
    traj = [x] if record else None
    cond_sum = [0.0] * n_cond
    update, finish = float_readings(structure, aggregator, and_, len(levers))
    step, names = float_step(), coefficient_names()  # rates() and the step, as straight lines
    cache: dict = {}
    before, c = None, None
    for t, u in enumerate(levers.tolist()):
        if u != before:  # a new lever setting (or the first)
            before, key = u, tuple(u)
            c = cache.get(key)
            if c is None:
                coef = coefficients(p, key)
                c = cache[key] = tuple(coef[name] for name in names)
        x = step(x, c, exp, decay, eps)
        update(t, x)
        for i in range(n_cond):
            cond_sum[i] += x[i]
        if record:
            traj.append(x)
    horizon = len(levers)
    outcomes = Outcomes(
        **finish(),
        condition_mean=np.array([cond_sum]) / max(horizon, 1),
        crisis_months=np.array([cond_sum[0] * dt]),
        final=np.array([x]),
    )
    if traj is not None:  # one flat pass: about half the time of np.array on nested lists
        from itertools import chain

        traj = np.fromiter(chain.from_iterable(traj), float, count=len(traj) * len(STATES))
        traj = traj.reshape(1, horizon + 1, len(STATES))
    return traj, outcomes
