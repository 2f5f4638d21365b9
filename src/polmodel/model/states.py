"""The four conditions, the opening index, the window and the bottleneck.

The CRIES memo (``sources/003_...``) names four elements that "must come together" for the
government to change direction. Each is a fuzzy-set membership in [0, 1] (Ragin's fsQCA):
0 fully absent, 1 fully present, 0.5 the crossover. Their conjunction is the *opening index*.

Arrays follow the package convention: the conditions are the last axis, ``(..., 4)``, in the
order of :data:`CONDITIONS`, and any leading axes (worlds, months) are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from polmodel.errors import PolmodelError

CONDITIONS: tuple[str, ...] = ("crisis", "fracture", "challenger", "pressure")
"""The four conditions of the CRIES memo, in the memo's order."""

CROSSOVER = 0.5
"""Membership above which a condition counts as present (fsQCA crossover)."""

STATES: tuple[str, ...] = CONDITIONS + ("security", "rents", "exodus", "exposure")
"""The four conditions, then the auxiliary states: security (cohesion and loyalty of the
security forces), rents (revenue the government can spend on loyalty), exodus (share of the
population that has left) and exposure (share of the ruling elite facing prosecution)."""

CRISIS, FRACTURE, CHALLENGER, PRESSURE, SECURITY, RENTS, EXODUS, EXPOSURE = range(len(STATES))

Aggregator = Literal["min", "product", "geometric"] | Callable[..., np.ndarray]
"""A fuzzy AND: a name from :data:`AGGREGATORS` or a function ``f(crisis, fracture,
challenger, pressure)`` of four arrays of the same shape, returning values in [0, 1]."""

AGGREGATORS: dict[str, Callable[..., np.ndarray]] = {
    "min": lambda c, f, h, p: np.minimum(np.minimum(c, f), np.minimum(h, p)),
    "product": lambda c, f, h, p: c * f * h * p,
    # the fourth root as two square roots, as the runs take it, so both give the same numbers
    "geometric": lambda c, f, h, p: np.sqrt(np.sqrt(c * f * h * p)),
}
"""Fuzzy AND operators for the opening index, looked up by name."""

SCALES = {"strict": "min", "graded": "product"}
"""The two readings of the fuzzy AND every verdict is checked under: the strict AND (``min``,
the fsQCA standard) and the graded AND (``product``; differences are taken on its fourth root,
the geometric mean, which orders worlds exactly as the product does and is on the same scale as
``min``, so one tie margin means the same on both)."""

AGGREGATOR_DESCRIPTIONS: dict[str, str] = {
    "min": "fuzzy AND as in fsQCA: the weakest condition sets the index (the default)",
    "product": "product of the four: every shortfall lowers the index, all four stay necessary",
    "geometric": (
        "geometric mean: compensatory, a strong condition can make up for a weak one. "
        "It breaks the memo's claim that all four are needed and is here as the contrast for "
        "teaching, not as a reading of the memo"
    ),
}


def resolve_aggregator(aggregator: Aggregator) -> Callable[..., np.ndarray]:
    """Return the fuzzy AND function for a name or a callable.

    Parameters
    ----------
    aggregator : {"min", "product", "geometric"} or callable
        A name from :data:`AGGREGATORS`, or a function ``f(crisis, fracture, challenger,
        pressure)`` of four arrays returning values in [0, 1].

    Returns
    -------
    callable
        The aggregator function.
    """
    if callable(aggregator):
        return aggregator
    try:
        return AGGREGATORS[aggregator]
    except (KeyError, TypeError):
        allowed = ", ".join(AGGREGATORS)
        raise PolmodelError(f"aggregator: unknown {aggregator!r}; allowed: {allowed}") from None


def opening_index(conditions: np.ndarray, aggregator: Aggregator = "min") -> np.ndarray:
    """Opening index J: the fuzzy AND of the four conditions.

    Parameters
    ----------
    conditions : ndarray[..., 4]
        Memberships of crisis, fracture, challenger, pressure.
    aggregator : {"min", "product", "geometric"} or callable
        Fuzzy AND. ``min`` is the fsQCA standard.

    Returns
    -------
    ndarray[...]
        J in [0, 1].

    Examples
    --------
    >>> opening_index(np.array([0.9, 0.3, 0.6, 0.7]))
    array(0.3)
    """
    x = np.asarray(conditions, dtype=float)
    return np.asarray(resolve_aggregator(aggregator)(*np.moveaxis(x, -1, 0)))


def window_open(conditions: np.ndarray) -> np.ndarray:
    """True where all four conditions are present at once (each above the 0.5 crossover).

    The window does not depend on the aggregator: under ``min`` it is exactly J > 0.5, under
    ``geometric`` J can pass 0.5 with a condition absent, which is the point of the contrast.

    Parameters
    ----------
    conditions : ndarray[..., 4]

    Returns
    -------
    ndarray[...] of bool
    """
    return (np.asarray(conditions) > CROSSOVER).all(axis=-1)


def bottleneck(conditions: np.ndarray) -> np.ndarray:
    """Index into :data:`CONDITIONS` of the condition that binds (the lowest membership).

    Parameters
    ----------
    conditions : ndarray[..., 4]

    Returns
    -------
    ndarray[...] of int

    Examples
    --------
    >>> CONDITIONS[int(bottleneck(np.array([0.9, 0.3, 0.6, 0.7])))]
    'fracture'
    """
    return np.asarray(conditions).argmin(axis=-1)
