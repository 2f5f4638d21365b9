"""What-ifs without editing files: ``NAME=VALUE`` and ``NAME=LOW:HIGH`` applied to a scenario.

A what-if names one uncertain number of a scenario and gives it a value (the number is then
fixed: every world has it, the central run uses it) or a new plausible range (the ensemble
samples it; the central value stays if it lies inside, else moves to the middle). Names are
those of :func:`polmodel.analysis.worlds.uncertain_dimensions`: ``initial.<state>`` for an initial
state, the bare name for a context value or a mechanism parameter (``patron_support``,
``rally``). Values are checked against the hard limits of the parameter table
(:attr:`polmodel.model.parameters.Parameter.limit`, and 0 from below) and [0, 1] for states, so a
what-if cannot ask the model for something it does not define.

The names are read from the scenario, never listed here, so a new state or parameter can be
set as soon as the model has it.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import replace

from polmodel.errors import PolmodelError
from polmodel.mappings import ReadOnlyMapping
from polmodel.model.bounds import parameter_limit
from polmodel.model.parameters import PARAMETERS
from polmodel.scenario.definition import Scenario, Uncertain

Setting = float | tuple[float, float]
"""A value, or a ``(low, high)`` plausible range."""

INITIAL = "initial."


def names(scenario: Scenario) -> list[str]:
    """Every name a what-if can set on ``scenario``: ``initial.<state>``, then parameters."""
    return [INITIAL + s for s in scenario.initial] + list(scenario.parameters)


def hard_limits(name: str) -> tuple[float, float]:
    """The values a name may take at all: [0, 1] for states, [0, limit] for parameters."""
    if name.startswith(INITIAL):
        return 0.0, 1.0
    return 0.0, parameter_limit(PARAMETERS[name])


def _check_name(scenario: Scenario, name: str, option: str) -> None:
    known = names(scenario)
    if name in known:
        return
    close = difflib.get_close_matches(name, known, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    states = ", ".join(s for s in scenario.initial)
    raise PolmodelError(f"{option} {name}: unknown name{hint}; allowed: initial.<state> for a state "
                        f"({states}) or a parameter shown by `polmodel show`")


def _number(text: str, where: str) -> float:
    from polmodel.limits import decimal

    try:
        value = decimal(text)
    except ValueError:
        raise PolmodelError(f"{where}: {text!r} is not a number; allowed: NAME=VALUE or "
                            "NAME=LOW:HIGH with numbers") from None
    if not math.isfinite(value):
        raise PolmodelError(f"{where}: {text!r} is not a finite number")
    return value


def parse_setting(text: str, *, option: str = "--set") -> tuple[str, Setting]:
    """Parse ``NAME=VALUE`` or ``NAME=LOW:HIGH`` (names are checked later, against a scenario).

    Parameters
    ----------
    text : str
        As typed after ``--set``.
    option : str
        Named in error messages.

    Returns
    -------
    name : str
    setting : float or tuple of (float, float)

    Raises
    ------
    PolmodelError
        One line naming the setting and the form allowed.

    Examples
    --------
    >>> parse_setting("initial.crisis=0.9")
    ('initial.crisis', 0.9)
    >>> parse_setting("rally=0.01:0.03")
    ('rally', (0.01, 0.03))
    """
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    where = f"{option} {text}"
    if not sep or not name or not value:
        raise PolmodelError(f"{where}: malformed; allowed: NAME=VALUE or NAME=LOW:HIGH "
                            "(e.g. initial.crisis=0.9, rally=0.01:0.03)")
    if ":" in value:
        parts = value.split(":")
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise PolmodelError(f"{where}: malformed range; allowed: NAME=LOW:HIGH with two numbers")
        low, high = (_number(p.strip(), where) for p in parts)
        if low > high:
            raise PolmodelError(f"{where}: range {low:g}:{high:g} is reversed; write LOW:HIGH")
        return name, (low, high)
    return name, _number(value, where)


def check(scenario: Scenario, settings: Mapping[str, Setting], *, option: str = "--set") -> None:
    """Check names against the scenario and values against the hard limits.

    Raises
    ------
    PolmodelError
        For an unknown name or a value outside the hard limits: one line naming it and what
        is allowed.
    """
    for name, setting in settings.items():
        _check_name(scenario, name, option)
        lo, hi = hard_limits(name)
        values = setting if isinstance(setting, tuple) else (setting,)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise PolmodelError(f"{option} {name}: {v!r:.40} is not a number; allowed: a "
                                    f"number from {lo:g} to {hi:g}, or a (low, high) range")
            if not lo <= v <= hi:
                upper = f"{hi:g}" if math.isfinite(hi) else "any non-negative number"
                raise PolmodelError(f"{option} {name}={_show(setting)}: {v:g} is outside the hard "
                                    f"limits; allowed: {lo:g} to {upper}")
        if isinstance(setting, tuple) and setting[0] > setting[1]:
            raise PolmodelError(f"{option} {name}={_show(setting)}: the range is reversed; write "
                                "LOW:HIGH")


def _show(setting: Setting) -> str:
    return f"{setting[0]:g}:{setting[1]:g}" if isinstance(setting, tuple) else f"{setting:g}"


def parse_settings(texts: Iterable[str], scenario: Scenario, *, ranges: bool = True,
                   option: str = "--set") -> dict[str, Setting]:
    """Parse and check several ``--set`` texts against a scenario (later ones win).

    Parameters
    ----------
    texts : iterable of str
    scenario : Scenario
    ranges : bool
        False where only values make sense (a central run): a range is then an error.

    Returns
    -------
    dict of str to float or (float, float)
    """
    out: dict[str, Setting] = {}
    for text in texts:
        name, setting = parse_setting(text, option=option)
        if isinstance(setting, tuple) and not ranges:
            raise PolmodelError(f"{option} {text}: a range needs an ensemble (compare, sensitivity, "
                                "discover, sweep); a central run takes one value: NAME=VALUE")
        out[name] = setting
    check(scenario, out, option=option)
    return out


def apply_settings(scenario: Scenario, settings: Mapping[str, Setting] | None = None, *,
                   parameters: Mapping[str, Setting] | None = None,
                   initial: Mapping[str, Setting] | None = None,
                   option: str = "--set") -> Scenario:
    """A copy of ``scenario`` with some values fixed or some ranges replaced.

    Parameters
    ----------
    scenario : Scenario
    settings : mapping of str to float or (low, high), optional
        By what-if name (``initial.crisis``, ``rally``).
    parameters, initial : mapping of str to float or (low, high), optional
        The same by parameter name and by state name (the library's keyword arguments).

    Returns
    -------
    Scenario
        A value fixes the number (value = low = high); a range keeps the central value when it
        lies inside, else puts it in the middle. The source notes say what-if.

    Examples
    --------
    >>> from polmodel.scenario.loading import load_scenario
    >>> sc = apply_settings(load_scenario("venezuela-2018"), {"initial.crisis": 0.9})
    >>> sc.initial["crisis"].fixed
    True
    """
    for arg, given in (("settings", settings), ("parameters", parameters), ("initial", initial)):
        if given is not None and not isinstance(given, Mapping):
            raise PolmodelError(f"{arg} {given!r:.60} is not a mapping; allowed: names to a value "
                                "or a (low, high) range")
    merged: dict[str, Setting] = dict(settings or {})
    merged.update(parameters or {})
    merged.update({INITIAL + k: v for k, v in (initial or {}).items()})
    if not merged:
        return scenario
    for name, s in merged.items():
        if isinstance(s, list):
            merged[name] = tuple(s)
        if isinstance(merged[name], tuple) and len(merged[name]) != 2:
            raise PolmodelError(f"{name}: {s!r} is not a value or a (low, high) range")
    check(scenario, merged, option=option)
    init = dict(scenario.initial)
    params = dict(scenario.parameters)
    for name, s in merged.items():
        target, key = (init, name.removeprefix(INITIAL)) if name.startswith(INITIAL) else (params, name)
        old = target[key]
        if isinstance(s, tuple):
            low, high = float(s[0]), float(s[1])
            value = old.value if low <= old.value <= high else (low + high) / 2
            target[key] = Uncertain(value, low, high, f"what-if: range {low:g}:{high:g}")
        else:
            target[key] = Uncertain(float(s), float(s), float(s), f"what-if: {float(s):g}")
    return replace(scenario, initial=ReadOnlyMapping(init), parameters=ReadOnlyMapping(params),
                   what_ifs=scenario.what_ifs + tuple(f"{k}={_show(v)}" for k, v in merged.items()))


def describe_settings(settings: Mapping[str, Setting]) -> str | None:
    """What-ifs as one provenance field (``rally=0.01, initial.crisis=0.7:0.9``), or None."""
    return ", ".join(f"{k}={_show(v)}" for k, v in settings.items()) or None
