"""Paired statistics across worlds: how two policies' per-world outcomes compare.

Every policy of a comparison runs on the same sampled worlds, so each difference is a per-world,
paired difference. Here, apart from :class:`polmodel.analysis.comparison.Comparison` that reports
them: the shares of worlds in which one policy gives a higher, lower or practically tied opening
index than another, with the spread of the difference, for every pair at once; and the fsQCA
necessity consistency of a condition for an outcome, worlds being the cases.
"""

from __future__ import annotations

import numpy as np

from polmodel.analysis._stats import quantiles

_PAIRWISE_BLOCK = 2**22  # differences held at once by the pairwise statistics (32 MiB)


def pairwise_statistics(peaks: np.ndarray, margin: float) -> dict[str, np.ndarray]:
    """:meth:`~polmodel.analysis.comparison.Comparison.pairwise` for every ordered pair at once.

    Vectorised over blocks of pairs, each unordered pair computed once: the difference of b and
    a is exactly minus that of a and b, so (b, a) mirrors (a, b) (higher and lower swap, the 10%
    and 90% points swap and change sign). Memory stays bounded whatever the number of policies
    and worlds, and the work is one pass per pair, so the limit on policies keeps it fast.

    Parameters
    ----------
    peaks : ndarray[n_policies, n_worlds]
        Peak opening index of each policy in each world.
    margin : float
        Differences up to this size count as ties.

    Returns
    -------
    dict of str to ndarray[n_policies, n_policies]
        Row policy against column policy.
    """
    k, n = peaks.shape
    higher, lower, tied = np.zeros((k, k)), np.zeros((k, k)), np.ones((k, k))
    p10, p50, p90 = np.zeros((k, k)), np.zeros((k, k)), np.zeros((k, k))
    block = max(1, _PAIRWISE_BLOCK // max(n, 1))
    for i in range(k - 1):
        for j0 in range(i + 1, k, block):
            d = peaks[i] - peaks[j0 : j0 + block]  # [block, worlds]
            js = slice(j0, j0 + len(d))
            higher[i, js] = lower[js, i] = (d > margin).mean(axis=1)
            lower[i, js] = higher[js, i] = (d < -margin).mean(axis=1)
            tied[i, js] = tied[js, i] = (np.abs(d) <= margin).mean(axis=1)
            q10, q50, q90 = quantiles(d, [0.1, 0.5, 0.9])
            p10[i, js], p50[i, js], p90[i, js] = q10, q50, q90
            p10[js, i], p50[js, i], p90[js, i] = -q90, -q50, -q10
    return {"share_higher": higher, "share_lower": lower, "share_tied": tied,
            "difference_median": p50 + 0.0, "difference_p10": p10 + 0.0,
            "difference_p90": p90 + 0.0}  # + 0.0: no negative zeros


def necessity_consistency(x: np.ndarray, y: np.ndarray) -> float:
    """FsQCA necessity consistency of condition X for outcome Y: sum(min(X, Y)) / sum(Y).

    Parameters
    ----------
    x, y : ndarray[n_cases]
        Memberships in [0, 1].

    Returns
    -------
    float
        In [0, 1]; NaN when the outcome is absent in every case.

    References
    ----------
    Ragin, C. C. (2006). Set relations in social research: evaluating their consistency and
    coverage. Political Analysis 14(3), 291-310.

    Examples
    --------
    >>> necessity_consistency(np.array([0.9, 0.2]), np.array([1.0, 0.0]))
    0.9
    """
    total = float(np.sum(y))
    return float(np.sum(np.minimum(x, y)) / total) if total > 0 else float("nan")
