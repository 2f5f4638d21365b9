"""Sweep axes: an uncertain number, a lever's intensity or a lever's start month, on a grid.

An axis is written ``NAME`` or ``NAME=LOW:HIGH``: an uncertain number (``rally``,
``initial.crisis``: its plausible range by default, so a sweep never spreads a grid over values
no world would take), ``lever.<lever>`` (intensity, 0 to 1) or ``start.<lever>`` (start month, 0
to the horizon). Lever axes change the question's first policy (:func:`schedule`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from polmodel.errors import PolmodelError
from polmodel.model.levers import LEVER_NAMES, LeverSetting, Policy
from polmodel.scenario.definition import Scenario


@dataclass(frozen=True)
class Axis:
    """One swept dimension: ``kind`` is "parameter", "lever" (intensity) or "start" (month)."""

    name: str
    kind: str
    target: str
    grid: np.ndarray


def parse_axis(text: str, scenario: Scenario, policy: str, points: int,
               span: tuple[float, float] | None = None) -> Axis:
    """An axis from ``NAME`` or ``NAME=LOW:HIGH``, refused when it has one value to sweep.

    See :func:`_axis`; the name and range are checked first, so an unknown name is said as one.
    """
    axis = _axis(text, scenario, policy, points, span)
    if "=" in text and len(np.unique(axis.grid)) == 1:  # every point the same: said as one
        low = float(axis.grid[0])
        fix = ("set it in the policy" if axis.kind in ("lever", "start") else
               f"use --set {axis.name}={low:g}")
        raise PolmodelError(f"sweep axis {text}: LOW and HIGH are both {low:g}, so every point "
                            f"would be the same; allowed: LOW below HIGH (to fix it, {fix})")
    return axis


def _axis(text: str, scenario: Scenario, policy: str, points: int,
          span: tuple[float, float] | None = None) -> Axis:
    """An axis from ``NAME`` or ``NAME=LOW:HIGH`` (``lever.X``, ``start.X`` or a what-if name).

    ``points`` is trusted: :func:`sweep` checked it.

    Raises
    ------
    PolmodelError
        One line naming the axis and what is allowed.
    """
    from polmodel.scenario.whatif import check, hard_limits, names, parse_setting

    name = text
    if "=" in text:
        name, setting = parse_setting(text, option="sweep axis")
        if not isinstance(setting, tuple):
            raise PolmodelError(f"sweep axis {text}: give a range NAME=LOW:HIGH, or the name alone")
        span = setting
    kind, _, target = name.partition(".")
    if kind in ("lever", "start"):
        if target not in LEVER_NAMES:
            raise PolmodelError(f"sweep axis {name}: unknown lever {target!r}; allowed: "
                                f"{', '.join(LEVER_NAMES)}")
        if kind == "start":
            if target not in scenario.policy(policy).levers:
                raise PolmodelError(f"sweep axis {name}: policy {policy!r} does not use {target}; "
                                    f"sweep lever.{target} or choose a policy that uses it")
            lo, hi = span or (0, scenario.horizon - 1)
            if not 0 <= lo <= hi <= scenario.horizon - 1 or lo != int(lo) or hi != int(hi):
                raise PolmodelError(f"sweep axis {name}: months {lo:g}:{hi:g}; allowed: whole "
                                    f"months from 0 to {scenario.horizon - 1}")
            return Axis(name, kind, target, np.unique(np.linspace(lo, hi, points).round()).astype(int))
        lo, hi = span or (0.0, 1.0)
        if not 0 <= lo <= hi <= 1:
            raise PolmodelError(f"sweep axis {name}: intensities {lo:g}:{hi:g}; allowed: 0 to 1")
        return Axis(name, kind, target, np.linspace(lo, hi, points))
    if name not in names(scenario):
        check(scenario, {name: 0.0}, option="sweep axis")  # raises the what-if message
    if span is None:
        u = scenario.initial[name[8:]] if name.startswith("initial.") else scenario.parameters[name]
        span = (u.low, u.high)
        if u.low == u.high:
            # Fixed by the scenario (range [v, v], or no range): it has no plausible range, and
            # sweeping its hard limits instead is not what anyone asked for (as with --set).
            lo, hi = hard_limits(name)
            where = scenario.path or scenario.label
            raise PolmodelError(f"sweep axis {name}: {where} fixes it at {u.value:g} (range "
                                f"[{u.low:g}, {u.high:g}]), so it has no range to sweep; give one, "
                                f"{name}=LOW:HIGH with LOW and HIGH from {lo:g} to {hi:g}, or give "
                                "it a range in the file")
    check(scenario, {name: tuple(span)}, option="sweep axis")
    return Axis(name, "parameter", name, np.linspace(span[0], span[1], points))


def schedule(scenario: Scenario, policy: str, axes: Sequence[Axis], point: Sequence[float]):
    """The lever schedule of ``policy`` with the lever axes set to ``point``."""
    pol = scenario.policy(policy)
    levers = dict(pol.levers)
    for axis, v in zip(axes, point):
        old = levers.get(axis.target)
        if axis.kind == "lever":
            levers[axis.target] = LeverSetting(float(v), old.start if old else 0, old.end if old else None)
        elif axis.kind == "start":
            end = old.end if old.end is not None and old.end > v else None
            levers[axis.target] = LeverSetting(old.intensity, int(v), end)
    return Policy(pol.name, levers, pol.description).schedule(scenario.horizon)
