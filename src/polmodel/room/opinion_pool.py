"""The equal-weight linear opinion pool of PERT distributions, and its quantiles.

Each estimate (low, best, high) is read as a PERT distribution on [low, high] with mode
``best``: a Beta distribution with shape parameters ``1 + 4 (best - low) / (high - low)`` and
``1 + 4 (high - best) / (high - low)`` (Malcolm et al. 1959; Vose 2008). The estimates of one
number are pooled by averaging the participants' distributions with equal weight,
``F(x) = (1/k) sum_i F_i(x)`` (Stone 1961; Clemen & Winkler 1999; O'Hagan et al. 2006, ch. 9).

References
----------
Clemen, R. T. & Winkler, R. L. (1999). Combining probability distributions from experts in risk
analysis. Risk Analysis 19(2), 187-203.
Malcolm, D. G., Roseboom, J. H., Clark, C. E. & Fazar, W. (1959). Application of a technique for
research and development program evaluation. Operations Research 7(5), 646-669.
O'Hagan, A. et al. (2006). Uncertain Judgements: Eliciting Experts' Probabilities. Wiley.
Stone, M. (1961). The opinion pool. Annals of Mathematical Statistics 32(4), 1339-1342.
Vose, D. (2008). Risk Analysis: A Quantitative Guide, 3rd ed. Wiley.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from polmodel.room.estimates_file import EstimateRow

QUANTILE_POINTS = 101
"""Quantiles written for a pooled distribution: shares 0, 0.01, ..., 1."""

_GRID = 4097  # points on which the pooled CDF is evaluated before it is inverted
_PERT_WEIGHT = 4.0  # the classic PERT: the mode counts four times in the mean


def pert_cdf(x, low, best, high) -> np.ndarray:
    """CDF of PERT distributions on [low, high] with mode ``best``.

    Parameters
    ----------
    x : array_like
        Where to evaluate; broadcast against the other arguments.
    low, best, high : array_like
        One distribution per element (``low < high``).

    Returns
    -------
    ndarray
        Values in [0, 1], 0 below ``low`` and 1 above ``high``.

    Examples
    --------
    >>> float(pert_cdf(0.5, 0.0, 0.5, 1.0))
    0.5
    """
    from scipy.special import betainc

    low, best, high = (np.asarray(a, dtype=float) for a in (low, best, high))
    a = 1.0 + _PERT_WEIGHT * (best - low) / (high - low)
    b = 1.0 + _PERT_WEIGHT * (high - best) / (high - low)
    z = np.clip((np.asarray(x, dtype=float) - low) / (high - low), 0.0, 1.0)
    return betainc(a, b, z)


def pooled_cdf(x, rows: Sequence[EstimateRow]) -> np.ndarray:
    """The equal-weight linear opinion pool: the mean of the participants' CDFs at ``x``.

    Parameters
    ----------
    x : array_like
    rows : sequence of EstimateRow
        Estimates of one number, one per participant.

    Returns
    -------
    ndarray
        Same shape as ``x``.
    """
    x = np.asarray(x, dtype=float)
    lo, mo, hi = (np.array([getattr(r, f) for r in rows]) for f in ("low", "best", "high"))
    return pert_cdf(x[..., None], lo, mo, hi).mean(axis=-1)


def pooled_quantiles(rows: Sequence[EstimateRow], shares=None) -> np.ndarray:
    """Quantiles of the pooled distribution (its generalized inverse CDF).

    The pooled CDF is evaluated on a fine grid over [min low, max high] and inverted by linear
    interpolation between grid points; flat stretches (gaps between participants' ranges) are
    jumped over, as the inverse of a CDF does.

    Parameters
    ----------
    rows : sequence of EstimateRow
    shares : array_like, optional
        Shares in [0, 1]; :data:`QUANTILE_POINTS` equally spaced ones by default.

    Returns
    -------
    ndarray
        Non-decreasing; the first is the lowest ``low`` and the last the highest ``high``
        when ``shares`` runs from 0 to 1.
    """
    shares = (np.linspace(0.0, 1.0, QUANTILE_POINTS) if shares is None
              else np.asarray(shares, dtype=float))
    lo, hi = min(r.low for r in rows), max(r.high for r in rows)
    grid = np.linspace(lo, hi, _GRID)
    cdf = pooled_cdf(grid, rows)
    cdf[0], cdf[-1] = 0.0, 1.0
    i = np.clip(np.searchsorted(cdf, shares, side="left"), 1, _GRID - 1)
    c0, c1 = cdf[i - 1], cdf[i]
    t = np.where(c1 > c0, (shares - c0) / np.where(c1 > c0, c1 - c0, 1.0), 0.0)
    q = grid[i - 1] + np.clip(t, 0.0, 1.0) * (grid[i] - grid[i - 1])
    return np.maximum.accumulate(np.where(shares <= 0.0, lo, q))


def pooled_median(rows: Sequence[EstimateRow]) -> float:
    """Median of the pooled distribution."""
    return float(pooled_quantiles(rows, [0.5])[0])
