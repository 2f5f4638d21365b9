"""Hard limits of the model's own inputs: every parameter's finite bound, checked before a run.

Every parameter has a finite hard limit (rates included), so every number the model produces is
finite. The checks raise :class:`polmodel.errors.PolmodelError` with one line naming the input,
what was given and what is allowed.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from polmodel.errors import PolmodelError
from polmodel.limits import MAX_HORIZON, _shown, _type_name, check_number

RATE_LIMIT_FACTOR = 10.0
"""A parameter the table leaves unbounded (a rate) may go up to this many times its plausible high."""

MIN_RATE_LIMIT = 1.0
"""...and at least to this (one unit per month), whatever its plausible high."""


def parameter_limit(parameter: Any) -> float:
    """The finite hard upper bound of a parameter of :data:`polmodel.model.parameters.PARAMETERS`.

    The table's ``limit`` where it is finite (shares and fractions stop at 1); otherwise (rates)
    :data:`RATE_LIMIT_FACTOR` times the plausible high, and at least :data:`MIN_RATE_LIMIT`.

    Examples
    --------
    >>> from polmodel.model.parameters import PARAMETERS
    >>> all(math.isfinite(parameter_limit(p)) for p in PARAMETERS.values())
    True
    """
    limit = float(getattr(parameter, "limit", math.inf))
    if math.isfinite(limit):
        return limit
    return max(RATE_LIMIT_FACTOR * float(parameter.high), MIN_RATE_LIMIT)


def parameter_limits() -> dict[str, float]:
    """The finite hard upper bound of every parameter, by name (the lower bound is 0)."""
    from polmodel.model.parameters import PARAMETERS

    return {name: parameter_limit(p) for name, p in PARAMETERS.items()}


def check_overrides(given: Any, what: str, bounds: Mapping[str, tuple[float, float]]) -> dict[str, float]:
    """Values that replace central values (what-ifs, ``--set``): known names, numbers in bounds.

    Parameters
    ----------
    given : mapping of str to number, or None
    what : str
        What the names are, for messages ("parameter", "initial state").
    bounds : mapping of str to (low, high)
        Known names and their hard limits.

    Returns
    -------
    dict of str to float
    """
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise PolmodelError(f"{what} overrides {_shown(given)} are {_type_name(given)}; allowed: "
                            f"a mapping of {what} names to numbers")
    out = {}
    for key, value in given.items():
        if key not in bounds:
            raise PolmodelError(f"unknown {what} {_shown(key)}; allowed: {', '.join(bounds)}")
        low, high = bounds[key]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise PolmodelError(f"{what} {key} = {_shown(value)} is {_type_name(value)}; allowed: "
                                f"a number from {low:g} to {high:g}")
        if not low <= float(value) <= high:
            raise PolmodelError(f"{what} {key} = {_shown(value)} is not allowed; allowed: "
                                f"{low:g} to {high:g}")
        out[key] = float(value)
    return out


@functools.cache
def parameter_bounds() -> Mapping[str, tuple[float, float]]:
    """Hard bounds (0, finite limit) of every parameter, for :func:`check_overrides`.

    Read-only and built once: every central run checks its overrides against it, and building
    it costs a sixth of a central run.
    """
    return MappingProxyType({name: (0.0, limit) for name, limit in parameter_limits().items()})


def check_model_inputs(params: Mapping[str, Any], initial: Mapping[str, Any], levers: Any,
                       dt: Any) -> None:
    """Every model input finite and within its hard limits, so every output is finite.

    Parameters
    ----------
    params : mapping of str to float or ndarray[n_worlds]
    initial : mapping of str to float or ndarray[n_worlds]
    levers : ndarray[..., n_months, n_levers]
    dt : float
    """
    import numpy as np

    check_number(dt, "dt", 0.0, 12.0)
    if dt <= 0.0:
        raise PolmodelError(f"dt = {dt!r} is not allowed; allowed: a step of more than 0 and at "
                            "most 12 months")
    if levers.shape[-2] > MAX_HORIZON:
        raise PolmodelError(f"levers: {levers.shape[-2]:,} months; allowed: at most {MAX_HORIZON}")
    limits = _cached_limits()
    for table, bound, what in ((params, None, "parameter"), (initial, 1.0, "initial state")):
        for key, value in table.items():
            high = bound if bound is not None else limits.get(key, math.inf)
            if isinstance(value, float):
                ok = 0.0 <= value <= high
            else:
                v = np.asarray(value)
                if v.dtype.kind not in "fiu":
                    raise PolmodelError(f"{what} {key}: values of type {v.dtype}; allowed: numbers")
                ok = v.size == 0 or bool(v.min() >= 0.0) and bool(v.max() <= high)
            if not ok:
                raise PolmodelError(f"{what} {key}: a value outside 0 to {high:g} (or not a "
                                    f"number); allowed: 0 to {high:g}")
    if levers.size and not (levers.min() >= 0.0 and levers.max() <= 1.0):
        raise PolmodelError("levers: an intensity outside 0 to 1 (or not a number); allowed: 0 to 1")


def check_scalar_inputs(params: Mapping[str, Any], initial: Mapping[str, Any], states: Iterable[str],
                        levers: Any, dt: Any) -> None:
    """:func:`check_model_inputs` for one world of plain numbers, at a fraction of its cost.

    The one-world path serves sliders and central runs, whose budget is a fraction of a
    millisecond: the same limits, checked without building arrays.
    """
    if not (isinstance(dt, (int, float)) and not isinstance(dt, bool) and 0.0 < dt <= 12.0):
        check_model_inputs({}, {}, levers, dt)  # the full check says what is wrong
    for key, high in _cached_limits().items():
        if not 0.0 <= params[key] <= high:
            raise PolmodelError(f"parameter {key}: {params[key]!r:.40} is outside 0 to {high:g} (or "
                                f"not a number); allowed: 0 to {high:g}")
    for key in states:
        if not 0.0 <= initial[key] <= 1.0:
            raise PolmodelError(f"initial state {key}: {initial[key]!r:.40} is outside 0 to 1 (or "
                                "not a number); allowed: 0 to 1")
    if levers.shape[-2] > MAX_HORIZON or not (levers.min() >= 0.0 and levers.max() <= 1.0):
        check_model_inputs({}, {}, levers, dt)


@functools.cache
def _cached_limits() -> dict[str, float]:
    return parameter_limits()


