"""How far each assumption must move to flip a verdict: flip points read off many worlds.

A verdict says which of two policies gives the higher peak opening index in more plausible
worlds (beyond the tie margin). Every assumption is drawn uniformly and independently over its
plausible range, so the worlds where an assumption lies above a value ``t`` are a sample of
the scenario with that assumption's range narrowed to ``t`` .. its top end: the verdict on
those worlds is the verdict of the what-if ``--set NAME=t:HIGH``, read without running
anything again. The *flip point* of an assumption is the least narrowing, from either end,
after which the verdict is the other policy's and stays so for every narrower range (down to
:data:`MIN_TAIL` of the range): "broad gives the higher index in more worlds unless rally is
above 0.038".

The worlds are those of the reruns behind "what would you have to believe"
(:mod:`polmodel.analysis.recurrence`: by default 40 samples of 2,000 worlds), so the flip
points cost no simulation of their own; each rerun's own flip point says how much one sample
of that size would move it (:attr:`FlipPoint.spread`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

BINS = 40
"""The range of each assumption is read in this many equal steps (2.5% each)."""

MIN_TAIL = 0.05
"""The narrowest range a flip point considers: this share of the plausible range."""


@dataclass(frozen=True)
class FlipPoint:
    """Where narrowing one assumption's range flips the verdict.

    Attributes
    ----------
    name : str
    low, high : float
        The plausible range.
    side : {"above", "below"}
        The verdict flips when the assumption lies above (or below) :attr:`at`.
    at : float
        The flip point, in the assumption's units (a multiple of 1/:data:`BINS` of the range).
    kept : float
        Share of the plausible range on the flipped side of :attr:`at`: the larger, the less
        the assumption has to move.
    higher, lower, tied : float
        The verdict's shares among the worlds on the flipped side.
    reruns : int
        Reruns whose own worlds flip on the same side.
    spread : (float, float) or None
        10th and 90th percentiles of those reruns' flip points (None without any).
    """

    name: str
    low: float
    high: float
    side: str
    at: float
    kept: float
    higher: float
    lower: float
    tied: float
    reruns: int
    spread: tuple[float, float] | None

    def what_if(self) -> str:
        """The ``--set`` that narrows the range to the flipped side: ``rally=0.038:0.1``."""
        lo, hi = (self.at, self.high) if self.side == "above" else (self.low, self.at)
        return f"{self.name}={lo:.3g}:{hi:.3g}"

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"name": self.name, "range": [self.low, self.high], "side": self.side,
                "at": self.at, "kept": self.kept, "higher": self.higher, "lower": self.lower,
                "tied": self.tied, "reruns": self.reruns,
                "spread": None if self.spread is None else list(self.spread),
                "what_if": self.what_if()}


@dataclass(frozen=True)
class VerdictFlips:
    """Flip points of one verdict: ``policy`` against ``versus`` over pooled worlds.

    Attributes
    ----------
    policy, versus : str
    margin : float
        Differences up to this size are ties.
    worlds : int
        Worlds read (every rerun's).
    resamples : int
        Reruns they come from.
    higher, lower, tied : float
        The verdict's shares over all of them.
    points : tuple of FlipPoint
        Assumptions whose narrowing flips the verdict, least narrowing first.
    """

    policy: str
    versus: str
    margin: float
    worlds: int
    resamples: int
    higher: float
    lower: float
    tied: float
    points: tuple[FlipPoint, ...]

    @property
    def reading(self) -> str:
        """"higher", "lower" or "even", from ``policy``'s side."""
        return ("higher" if self.higher > self.lower else "lower" if self.lower > self.higher
                else "even")

    def point(self, name: str) -> FlipPoint | None:
        """The flip point of one assumption (None when it does not flip the verdict)."""
        return next((p for p in self.points if p.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"policy": self.policy, "versus": self.versus, "margin": self.margin,
                "worlds": self.worlds, "resamples": self.resamples, "higher": self.higher,
                "lower": self.lower, "tied": self.tied,
                "points": [p.to_dict() for p in self.points]}


def verdict_flips(values: np.ndarray, differences: np.ndarray, names: Sequence[str],
                  bounds: Mapping[str, tuple[float, float]], *, policy: str, versus: str,
                  margin: float, resamples: int = 1) -> VerdictFlips:
    """Every assumption's flip point for the verdict of ``policy`` against ``versus``.

    Parameters
    ----------
    values : ndarray[n_worlds, n_names]
        The worlds (every assumption uniform over its range, independently of the others);
        ``resamples`` equal blocks of rows, one per rerun.
    differences : ndarray[n_worlds]
        Peak opening index of ``policy`` minus that of ``versus``, per world.
    names : sequence of str
        Column names of ``values``.
    bounds : mapping of str to (float, float)
        Plausible range of each name.
    margin : float
        Differences up to this size are ties (the comparison's tie margin plus its exact-tie
        tolerance, so the shares are the comparison's).
    resamples : int
        Number of blocks of rows.

    Returns
    -------
    VerdictFlips

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((4000, 2))
    >>> v = verdict_flips(x, np.where(x[:, 0] > 0.7, 1.0, -1.0), ["a", "b"],
    ...                   {"a": (0, 1), "b": (0, 1)}, policy="p", versus="q", margin=0.0)
    >>> [(p.name, p.side, p.at) for p in v.points]  # above 0.425, 0.3 of 0.575 say "higher"
    [('a', 'above', 0.425)]
    """
    n = len(differences)
    up = differences > margin
    down = differences < -margin
    sign = np.sign(int(up.sum()) - int(down.sum()))
    points = []
    block = n // max(resamples, 1)
    for j, name in enumerate(names):
        lo, hi = bounds[name]
        if not hi > lo or sign == 0:
            continue
        k = np.clip(((values[:, j] - lo) / (hi - lo) * BINS).astype(np.intp), 0, BINS - 1)
        best = None
        for side in ("above", "below"):
            at = _flip_bin(k, up, down, sign, side)
            if at is None:
                continue
            kept = (BINS - at) / BINS if side == "above" else at / BINS
            if best is None or kept > best[1]:
                best = (side, kept, at)
        if best is None:
            continue
        side, kept, at = best
        inside = k >= at if side == "above" else k < at
        m = max(int(inside.sum()), 1)
        h, low_ = int(up[inside].sum()) / m, int(down[inside].sum()) / m
        own = [_flip_bin(k[r * block:(r + 1) * block], up[r * block:(r + 1) * block],
                         down[r * block:(r + 1) * block], sign, side) for r in range(resamples)]
        own = [lo + b / BINS * (hi - lo) for b in own if b is not None]
        spread = (tuple(float(q) for q in np.quantile(own, [0.1, 0.9])) if own else None)
        points.append(FlipPoint(name, float(lo), float(hi), side, float(lo + at / BINS * (hi - lo)),
                                kept, h, low_, 1 - h - low_, len(own), spread))
    points.sort(key=lambda p: (-p.kept, -p.reruns, p.name))
    total_up, total_down = int(up.sum()) / n, int(down.sum()) / n
    return VerdictFlips(policy, versus, margin, n, resamples, total_up, total_down,
                        1 - total_up - total_down, tuple(points))


def _flip_bin(k: np.ndarray, up: np.ndarray, down: np.ndarray, sign: int, side: str) -> int | None:
    """The bin edge from which every narrower range on ``side`` has the other verdict.

    ``k`` is each world's bin (0 .. BINS - 1). Ranges are read at bin edges: "above" edge e is
    bins e.., "below" edge e is bins ..e-1. Returns the widest such edge, or None when even
    the narrowest range (:data:`MIN_TAIL`) keeps the verdict.
    """
    lead = np.bincount(k, weights=up, minlength=BINS) - np.bincount(k, weights=down, minlength=BINS)
    narrowest = max(1, int(round(MIN_TAIL * BINS)))
    if side == "above":
        tails = np.cumsum(lead[::-1])[::-1]  # tails[e]: bins e .. BINS - 1
        edges = range(BINS - narrowest, 0, -1)
        tail = {e: tails[e] for e in edges}
    else:
        heads = np.cumsum(lead)  # heads[e - 1]: bins 0 .. e - 1
        edges = range(narrowest, BINS)
        tail = {e: heads[e - 1] for e in edges}
    found = None
    for e in edges:  # from the narrowest range outward
        if np.sign(tail[e]) != -sign:
            break
        found = e
    return found
