"""Sobol' indices and Morris screening of any vectorised function over uniform inputs.

The two global methods of :mod:`polmodel.analysis.sensitivity_analysis`, apart from any scenario so
they can be tested on functions with known answers:

- :func:`sobol`: first-order and total indices by :func:`scipy.stats.sobol_indices` (the
  Saltelli et al. 2010 design and estimator; no estimator of ours), with bootstrap intervals;
- :func:`morris`: elementary effects (mu*, sigma) by SALib, optionally by groups.

References
----------
Saltelli, A., et al. (2010). Variance based sensitivity analysis of model output. Computer
Physics Communications 181(2), 259-270.
Campolongo, F., Cariboni, J., Saltelli, A. (2007). An effective screening design for
sensitivity analysis of large models. Environmental Modelling & Software 22, 1509-1518.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from polmodel.errors import PolmodelError


@dataclass(frozen=True)
class SobolIndices:
    """Sobol' indices of one answer under one aggregator.

    Attributes
    ----------
    names : tuple of str
        The assumptions analysed (inert ones are left out).
    first, total : ndarray[n_names]
        First-order and total indices.
    first_interval, total_interval : ndarray[n_names, 2] or None
        Bootstrap confidence intervals (None without bootstrap).
    n : int
        Base sample size; the model ran ``n * (n_names + 2)`` times per policy.
    mean, variance : float
        Of the answer over the sample; variance 0 means there is nothing to apportion.
    """

    aggregator: str
    names: tuple[str, ...]
    first: np.ndarray
    total: np.ndarray
    first_interval: np.ndarray | None
    total_interval: np.ndarray | None
    n: int
    mean: float
    variance: float
    interval: str = ""
    """How the intervals were bootstrapped: "bca", "percentile" or "" (none)."""

    def order(self) -> np.ndarray:
        """Indices of ``names`` by total index, largest first (ties: first-order, then name)."""
        return np.array(sorted(range(len(self.names)),
                               key=lambda i: (-self.total[i], -self.first[i], self.names[i])), int)


@dataclass(frozen=True)
class MorrisScreen:
    """Morris elementary effects of one answer (SALib): mu* ranks, sigma flags interaction.

    ``names`` are assumptions, or groups of them when ``grouped``; ``sigma`` is NaN for groups
    (SALib does not define it there).
    """

    aggregator: str
    names: tuple[str, ...]
    mu_star: np.ndarray
    mu_star_interval: np.ndarray
    sigma: np.ndarray
    trajectories: int
    grouped: bool

    def order(self) -> np.ndarray:
        """Indices of ``names`` by mu*, largest first."""
        return np.array(sorted(range(len(self.names)), key=lambda i: (-self.mu_star[i], self.names[i])), int)


def _seeded_global(rng: np.random.Generator):
    """Seed numpy's global generator for a call that reads it, and restore it afterwards.

    scipy's ``SobolResult.bootstrap`` and SALib's samplers take no generator and draw from the
    global state; this keeps their draws a function of our ``seed`` without leaving a trace.
    """
    import contextlib

    @contextlib.contextmanager
    def scope():
        state = np.random.get_state()
        np.random.seed(int(rng.integers(2**32 - 1)))
        try:
            yield
        finally:
            np.random.set_state(state)

    return scope()


def sobol(func: Callable[[np.ndarray], np.ndarray], bounds: Sequence[tuple[float, float]],
          names: Sequence[str], *, n: int = 1024, n_resamples: int = 199,
          confidence_level: float = 0.95, interval: str = "auto",
          seed: int | np.random.Generator | None = 0, aggregator: str = "") -> SobolIndices:
    """Sobol' indices of ``func`` over uniform inputs, by :func:`scipy.stats.sobol_indices`.

    The design is scipy's (Saltelli et al. 2010: matrices A and B from one scrambled Sobol'
    sequence of twice the dimension, and the d matrices AB with one column of B each); every
    row of it goes to ``func`` in one vectorised call, and scipy's estimator turns the values
    into indices.

    Parameters
    ----------
    func : callable
        ``func(x)`` with ``x`` of shape ``(n_inputs, n_rows)`` returns ``(n_rows,)``.
    bounds : sequence of (low, high)
        Uniform range of each input.
    names : sequence of str
    n : int
        Base sample size, a power of 2; ``func`` sees ``n * (n_inputs + 2)`` rows.
    n_resamples : int
        Bootstrap resamples for the confidence intervals; 0 for none.
    confidence_level : float
    interval : {"auto", "bca", "percentile"}
        Bootstrap interval. "bca" is scipy's ``SobolResult.bootstrap``; its jackknife costs
        about ``n_inputs * n**2``, so "auto" uses it up to ``n = 1024`` and the percentile
        interval of :func:`scipy.stats.bootstrap` (linear in ``n``) above.
    seed : int or numpy.random.Generator

    Returns
    -------
    SobolIndices

    Examples
    --------
    >>> s = sobol(lambda x: x[0] + 2 * x[1], [(0, 1), (0, 1)], ["a", "b"], n=256, n_resamples=0)
    >>> [round(float(v), 1) for v in s.total]
    [0.2, 0.8]
    """
    from scipy.stats import bootstrap, qmc, sobol_indices

    if n < 2 or n & (n - 1):
        m = max(int(n).bit_length() - 1, 1)
        raise PolmodelError(f"n: the balance properties of Sobol' points require a power of 2 "
                            f"(got {n}; try {2**m} or {2 ** (m + 1)})")
    if not 0 < confidence_level < 1:
        raise PolmodelError(f"confidence_level: {confidence_level}; allowed: between 0 and 1")
    if interval not in ("auto", "bca", "percentile"):
        raise PolmodelError(f"interval {interval!r}: unknown; allowed: auto, bca, percentile")
    if interval == "auto":
        interval = "bca" if n <= 1024 else "percentile"
    rng = np.random.default_rng(seed)
    d = len(names)
    lo, hi = (np.array([b[i] for b in bounds], float) for i in (0, 1))
    u = qmc.Sobol(2 * d, rng=rng, bits=64).random(n)
    a = lo + u[:, :d] * (hi - lo)
    b = lo + u[:, d:] * (hi - lo)
    # Rows: A, B, then the d pages AB_i (A with column i from B), built in place, one input
    # per row of x (the model reads each input's values as one contiguous run).
    x = np.empty((d, (d + 2) * n))
    x[:, :n], x[:, n:2 * n] = a.T, b.T
    pages = x[:, 2 * n:].reshape(d, d, n)  # [input, page, row]
    pages[:] = a.T[:, None, :]
    pages[np.arange(d), np.arange(d), :] = b.T
    y = np.asarray(func(x), dtype=float)
    del x, pages
    f_a, f_b, f_ab = y[None, :n], y[None, n:2 * n], y[2 * n:].reshape(d, 1, n)
    res = sobol_indices(func={"f_A": f_a, "f_B": f_b, "f_AB": f_ab}, n=n)
    first, total = np.atleast_1d(res.first_order), np.atleast_1d(res.total_order)
    variance = float(np.var(y))
    fi = ti = None
    if n_resamples and variance > 0 and interval == "bca":
        with _seeded_global(rng), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            boot = res.bootstrap(confidence_level=confidence_level, n_resamples=n_resamples)
        fi = _interval(boot.first_order, confidence_level, first)
        ti = _interval(boot.total_order, confidence_level, total)
    elif n_resamples and variance > 0:
        statistic = resampled_indices(f_a[0], f_b[0], f_ab[:, 0, :])
        batch = max(1, (32 << 20) // (8 * n))  # resample counts of about 32 MB at a time
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore")
            boot = bootstrap((np.arange(n),), statistic, vectorized=True, method="percentile",
                             n_resamples=n_resamples, confidence_level=confidence_level, rng=rng,
                             batch=batch)
        ci = np.column_stack([boot.confidence_interval.low, boot.confidence_interval.high])
        ci = np.where(np.isfinite(ci), ci, np.concatenate([first, total])[:, None])
        fi, ti = ci[:d], ci[d:]
    elif n_resamples:  # a constant answer: every index is exactly 0, and so is its interval
        fi = ti = np.zeros((d, 2))
    return SobolIndices(aggregator, tuple(names), first, total, fi, ti, n, float(np.mean(y)), variance,
                        interval if n_resamples else "")


def resampled_indices(f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray):
    """Scipy's Sobol' estimator for many bootstrap resamples at once, as sums weighted by counts.

    :func:`scipy.stats.sobol_indices` centres the values on the mean of A and B and applies
    Saltelli et al. (2010): first order ``mean(f_B (f_AB - f_A)) / var``, total
    ``mean((f_A - f_AB)^2) / (2 var)``, ``var`` of A and B together. A resample of the rows is a
    count per row, so each of those means is a count-weighted sum: the returned statistic turns a
    batch of resamples ``idx`` (``(batch, n)`` row numbers) into counts and computes every index
    of every resample with three matrix products, never copying the ``d x n`` values of the AB
    pages per resample. Equal to scipy's estimator on the resampled rows up to rounding.

    Parameters
    ----------
    f_a, f_b : ndarray[n]
    f_ab : ndarray[d, n]

    Returns
    -------
    callable
        ``statistic(idx, axis=-1)`` returning ``(2 d, batch)``: first orders, then totals.
    """
    n = f_a.shape[0]
    pages = f_ab.T  # (n, d)
    by_b = pages * f_b[:, None]
    apart = (f_a[:, None] - pages) ** 2
    plain = np.column_stack([f_a, f_b, f_a * f_a, f_b * f_b, f_b * f_a])

    def statistic(idx, axis=-1):
        idx = np.asarray(idx)
        rows = idx.shape[0]
        counts = np.bincount((np.arange(rows)[:, None] * n + idx).ravel(),
                             minlength=rows * n).reshape(rows, n).astype(float)
        sa, sb, saa, sbb, sab = (counts @ plain).T / n
        mean = (sa + sb) / 2
        var = (saa + sbb) / 2 - mean * mean
        first = ((counts @ by_b) / n - sab[:, None] - mean[:, None] * ((counts @ pages) / n)
                 + (mean * sa)[:, None]) / var[:, None]
        total = 0.5 * ((counts @ apart) / n) / var[:, None]
        out = np.concatenate([first, total], axis=1).T
        out[~np.isfinite(out)] = 0
        return out

    return statistic


def _interval(boot, level: float, estimate: np.ndarray) -> np.ndarray:
    """BCa interval, else percentile, else the estimate itself.

    BCa is undefined for a degenerate bootstrap distribution; the percentile interval too when
    no resample has any variance.
    """
    ci = np.column_stack([np.atleast_1d(boot.confidence_interval.low),
                          np.atleast_1d(boot.confidence_interval.high)])
    bad = ~np.isfinite(ci).all(axis=1)
    if bad.any():
        dist = np.atleast_2d(boot.bootstrap_distribution)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            q = np.nanquantile(dist[bad], [(1 - level) / 2, (1 + level) / 2], axis=-1).T
        ci[bad] = q
    still = ~np.isfinite(ci)
    ci[still] = np.broadcast_to(estimate[:, None], ci.shape)[still]
    return ci


def morris(func: Callable[[np.ndarray], np.ndarray], bounds: Sequence[tuple[float, float]],
           names: Sequence[str], *, trajectories: int = 20, levels: int = 4,
           groups: Mapping[str, str] | None = None, confidence_level: float = 0.95,
           seed: int | np.random.Generator | None = 0, aggregator: str = "") -> MorrisScreen:
    """Morris elementary effects of ``func`` by SALib (Campolongo's mu*, and sigma).

    Parameters
    ----------
    func : callable
        ``func(x)`` with ``x`` of shape ``(n_inputs, n_rows)`` returns ``(n_rows,)``.
    bounds, names : as for :func:`sobol`
    trajectories : int
        Morris trajectories; the model runs ``trajectories * (n_inputs + 1)`` times (inputs
        become groups when grouped).
    levels : int
        Grid levels per input.
    groups : mapping of str to str, optional
        Group of each name: effects are then per group.

    Returns
    -------
    MorrisScreen
    """
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    if trajectories < 2:
        raise PolmodelError(f"trajectories: {trajectories}; allowed: a whole number from 2")
    rng = np.random.default_rng(seed)
    problem: dict[str, Any] = {"num_vars": len(names), "names": list(names),
                               "bounds": [list(b) for b in bounds]}
    if groups:
        problem["groups"] = [groups[k] for k in names]
    # SALib takes integer seeds (and may also touch numpy's global state: restored after).
    with _seeded_global(rng):
        x = sample.sample(problem, trajectories, num_levels=levels, seed=int(rng.integers(2**31)))
    y = np.asarray(func(x.T), dtype=float)
    with _seeded_global(rng), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        si = analyze.analyze(problem, x, y, num_levels=levels, conf_level=confidence_level,
                             seed=int(rng.integers(2**31)))
    mu_star = np.asarray(si["mu_star"], float)
    conf = np.nan_to_num(np.asarray(si["mu_star_conf"], float))
    return MorrisScreen(aggregator, tuple(str(k) for k in si["names"]), mu_star,
                        np.column_stack([np.maximum(mu_star - conf, 0), mu_star + conf]),
                        np.asarray(si["sigma"], float), trajectories, bool(groups))
