"""Quantiles and medians as numpy computes them, without numpy's start-up cost for them.

``np.quantile`` and ``np.median`` import ``numpy.ma`` on first use (about 20 ms) to check for
masked arrays; every ``polmodel compare`` would pay that at start-up. These give numpy's
default (linear, Hyndman and Fan's type 7) numbers bit for bit on arrays of floats (tested),
with the same operations in the same order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def quantiles(x: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Quantiles ``qs`` along the last axis: ``np.quantile(x, qs, axis=-1)``.

    Parameters
    ----------
    x : ndarray[..., n]
        Values; a slice holding a NaN gives NaN, as in numpy.
    qs : sequence of float
        Quantiles in [0, 1].

    Returns
    -------
    ndarray[len(qs), ...]
    """
    s = np.sort(np.asarray(x, dtype=float), axis=-1)
    n = s.shape[-1]
    if n == 0:
        return np.full((len(qs), *s.shape[:-1]), np.nan)
    out = np.empty((len(qs), *s.shape[:-1]))
    for i, q in enumerate(qs):
        virtual = (n - 1) * q
        if virtual >= n - 1:
            out[i] = s[..., -1]
        elif virtual < 0:
            out[i] = s[..., 0]
        else:
            before = math.floor(virtual)
            gamma = virtual - before
            a, b = s[..., before], s[..., before + 1]
            diff = b - a
            out[i] = b - diff * (1.0 - gamma) if gamma >= 0.5 else a + diff * gamma
    nan = np.isnan(s[..., -1])
    if np.any(nan):
        out[:, nan] = np.nan
    return out


def median(x: np.ndarray) -> float:
    """``np.median`` of a 1-d array (in float64: for float32 data, a little more precise)."""
    s = np.sort(np.asarray(x, dtype=float).ravel())
    n = s.size
    if n == 0 or np.isnan(s[-1]):
        return math.nan
    half = n // 2
    return float(s[half]) if n % 2 else float((s[half - 1] + s[half]) / 2.0)
