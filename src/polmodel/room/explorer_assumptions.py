"""Which assumptions the explorer offers as sliders: those that move the central run most.

:func:`influential_assumptions` ranks a policy's uncertain numbers by their tornado swing on
the central run; :func:`widest_ranges` is the cheap ranking it falls back on (the policy's own
mechanisms, widest plausible range first). :class:`polmodel.room.explorer.Explorer` takes the
first :data:`N_ASSUMPTIONS` by default.
"""

from __future__ import annotations

from polmodel.model.levers import LEVERS_BY_NAME
from polmodel.model.parameters import MECHANISMS_BY_NAME, PARAMETERS
from polmodel.scenario.definition import Scenario
from polmodel.scenario.loading import load_scenario

N_ASSUMPTIONS = 6
"""How many assumption sliders the explorer shows by default."""


def influential_assumptions(scenario: Scenario | str, policy: str | None = None,
                            n: int = N_ASSUMPTIONS, *, aggregator: str | None = None) -> list[str]:
    """The assumptions that move one policy's central run most: its tornado, largest first.

    Each uncertain number (parameters and initial states) is moved alone to either end of its
    plausible range around the central run of ``policy``; the swing of the peak opening index
    between the two ends ranks them (:func:`polmodel.sensitivity` with ``methods=("tornado",)``;
    ties by name). Those that do not move it at all are left out; if fewer than ``n`` move it,
    the list is filled by :func:`widest_ranges`.

    Parameters
    ----------
    scenario : Scenario or str
    policy : str, optional
        The scenario's baseline by default.
    n : int
        How many to return.
    aggregator : str, optional
        Fuzzy AND of the opening index; the scenario's by default.

    Returns
    -------
    list of str
        Names as :meth:`Explorer.update` takes them (``initial.<state>`` for a state).

    Examples
    --------
    >>> names = influential_assumptions("venezuela-2018", "targeted", n=3)
    >>> len(names)
    3
    """
    from polmodel.analysis.sensitivity_analysis import sensitivity

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    pol = sc.policy(policy or sc.baseline)
    t = sensitivity(sc, pol.name, methods=("tornado",),
                    aggregators=(aggregator or sc.aggregator,)).tornado
    ranked = [] if t is None else [t.names[i] for i in t.order() if t.swing[i] > 0]
    fill = [k for k in widest_ranges(sc, pol.name, len(PARAMETERS)) if k not in ranked]
    return (ranked + fill)[:n]


def widest_ranges(scenario: Scenario, policy: str, n: int = N_ASSUMPTIONS) -> list[str]:
    """Parameters the policy's mechanisms use, widest plausible range first (a cheap ranking).

    The mechanisms the policy's active levers feed, their parameters and the context values they
    read, by the relative width of their range, ``(high - low)`` over the midpoint (ties in
    the order of :data:`polmodel.model.parameters.PARAMETERS`), then the other parameters the same
    way. Fixed parameters (a range of one point) are left out.

    Returns
    -------
    list of str
    """
    pol = scenario.policy(policy)
    mechanisms = {m for lever, s in pol.levers.items() if s.intensity > 0
                  for m in LEVERS_BY_NAME[lever].mechanisms}
    used = {p.name for p in PARAMETERS.values() if p.mechanism in mechanisms}
    used |= {r for m in mechanisms for r in MECHANISMS_BY_NAME[m].reads if r in PARAMETERS}

    def width(name: str) -> float:
        u = scenario.parameters[name]
        mid = (u.high + u.low) / 2
        return (u.high - u.low) / mid if mid > 0 else 0.0

    varied = [k for k in PARAMETERS if not scenario.parameters[k].fixed]
    return sorted(varied, key=lambda k: (k not in used, -width(k)))[:n]
