"""PRIM (the Patient Rule Induction Method): a box of inputs where a yes/no answer holds densely.

Friedman & Fisher's bump hunting (1999), as used for scenario discovery by Bryant & Lempert
(2010): over rows of inputs ``x`` and a yes/no answer ``y``, find limits on a few inputs that
single out the rows where ``y`` holds. Each box has a *density* (share of the rows in the box
where ``y`` holds), a *coverage* (share of all rows where it holds that the box contains) and a
*mass* (share of all rows inside the box). :func:`polmodel.analysis.discovery.discover` runs it
over the sampled worlds of a scenario and reads the box out as a sentence.

The implementation is ours, about 150 lines of numpy: the standalone ``prim`` package is
GPL-3 (polmodel is MIT) and the EMA Workbench's needs the whole workbench and pandas frames;
ours is tested on data with a planted box.

Steps (each documented where it is coded):

1. *Peeling*: repeatedly cut the ``peel_alpha`` share of the remaining worlds from the low or
   high end of one assumption, whichever cut leaves the highest density, until the box holds
   less than ``min_mass`` of the worlds. Every box on the way is kept: the peeling trajectory,
   the coverage-density trade-off.
2. *Choosing* (the documented rule): the box on the trajectory with the highest coverage
   times normalised lift, ``coverage * (density - share) / (1 - share)`` where ``share`` is the
   share of all worlds where the answer holds, among boxes with coverage at least
   ``min_coverage``. It is 0 for the whole space and 1 for a perfect box, and accepts less
   coverage for density the rarer the answer is.
3. *Pasting*: widen one limit of the chosen box by ``paste_alpha`` of its worlds while that
   raises the density.
4. *Pruning*: release the restriction whose release costs the least density, while that cost
   is at most ``prune_tolerance``, or while more than ``max_restrictions`` assumptions are
   restricted: a facilitator reads out two or three ranges, not twelve.
5. *Refining*: peel, choose, paste and prune again on the assumptions that survived pruning
   alone, and keep that box if it scores at least as well (their first limits were set among
   many other restrictions).

References
----------
Friedman, J. H., Fisher, N. I. (1999). Bump hunting in high-dimensional data. Statistics and
Computing 9, 123-143. Bryant, B. P., Lempert, R. J. (2010). Thinking inside the box: a
participatory, computer-assisted approach to scenario discovery. Technological Forecasting and
Social Change 77, 34-49.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from polmodel.errors import PolmodelError

PRUNE_TOLERANCE = 0.01  # density a restriction must be worth to stay (discover uses this)


@dataclass(frozen=True)
class Box:
    """Limits on a few assumptions, and how well they single out the answer.

    Attributes
    ----------
    names : tuple of str
        The restricted assumptions.
    low, high : ndarray[n_restricted]
        Their limits (inclusive); the others keep their full plausible range.
    coverage, density, mass : float
        Share of the worlds where the answer holds that lie in the box; share of the worlds
        in the box where it holds; share of all worlds in the box.
    """

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    coverage: float
    density: float
    mass: float

    def contains(self, x: np.ndarray, names: Sequence[str]) -> np.ndarray:
        """ndarray[n_rows] of bool: rows of ``x`` (columns ``names``) inside the box."""
        inside = np.ones(len(x), bool)
        for name, lo, hi in zip(self.names, self.low, self.high):
            col = x[:, list(names).index(name)]
            inside &= (col >= lo) & (col <= hi)
        return inside


@dataclass(frozen=True)
class PrimResult:
    """The peeling trajectory and the chosen, pasted and pruned box.

    Attributes
    ----------
    names : tuple of str
    bounds : ndarray[n_inputs, 2]
        Full range of each input.
    limits : ndarray[n_steps, n_inputs, 2]
        The box after each peel (step 0 is the full range).
    coverage, density, mass : ndarray[n_steps]
    chosen : int
        Step picked by the rule, before pasting and pruning.
    box : Box
    """

    names: tuple[str, ...]
    bounds: np.ndarray
    limits: np.ndarray
    coverage: np.ndarray
    density: np.ndarray
    mass: np.ndarray
    chosen: int
    box: Box

    @property
    def restricted(self) -> np.ndarray:
        """ndarray[n_steps] of int: assumptions restricted at each step."""
        return (self.limits != self.bounds[None]).any(axis=2).sum(axis=1)


def _stats(inside: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    k = int(inside.sum())
    hits = int(y[inside].sum())
    total = int(y.sum())
    return (hits / total if total else 0.0, hits / k if k else 0.0, k / len(y))


def _score(coverage, density, share: float, min_coverage: float = 0.0) -> np.ndarray:
    """Coverage times normalised lift, (density - share) / (1 - share); -inf below min_coverage.

    It is 0 for the whole space, 1 for a box holding exactly the worlds where the answer holds,
    and trades coverage for density in proportion to how rare the answer is.
    """
    coverage, density = np.asarray(coverage, float), np.asarray(density, float)
    lift = (density - share) / (1 - share) if share < 1 else np.zeros_like(density)
    return np.where(coverage >= min_coverage, coverage * lift, -np.inf)


def _inside(x: np.ndarray, lim: np.ndarray, full: np.ndarray | None = None) -> np.ndarray:
    """Rows of ``x`` inside ``lim``.

    Given ``full`` (only when every row lies within it), only the columns whose limits differ
    from it are compared: the same rows, faster.
    """
    if full is not None:
        cols = np.flatnonzero((lim != full).any(axis=1))
        x, lim = x[:, cols], lim[cols]
        if not cols.size:
            return np.ones(len(x), bool)
    return ((x >= lim[:, 0]) & (x <= lim[:, 1])).all(axis=1)


def prim(x: np.ndarray, y: np.ndarray, names: Sequence[str], *,
         bounds: np.ndarray | None = None, peel_alpha: float = 0.05, paste_alpha: float = 0.05,
         min_mass: float = 0.05, min_coverage: float = 0.2,
         prune_tolerance: float = PRUNE_TOLERANCE,
         max_restrictions: int = 3) -> PrimResult:
    """Find a box of inputs where ``y`` holds densely: peel, choose, paste, prune.

    Parameters
    ----------
    x : ndarray[n_rows, n_inputs]
    y : ndarray[n_rows] of bool
    names : sequence of str
    bounds : ndarray[n_inputs, 2], optional
        Full range of each input (the columns' min and max by default).
    peel_alpha, paste_alpha : float
        Share of the box's rows removed per peel / added per paste.
    min_mass : float
        Peeling stops before a box holds less than this share of the rows.
    min_coverage : float
        The choosing rule (module docstring, step 2) ignores boxes covering less.
    prune_tolerance : float
        Density a restriction must be worth to stay.
    max_restrictions : int
        At most this many restricted inputs in the final box.

    Returns
    -------
    PrimResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((2000, 4))
    >>> r = prim(x, (x[:, 0] < 0.3) & (x[:, 2] > 0.6), ["a", "b", "c", "d"])
    >>> r.box.names, r.box.density > 0.9, r.box.coverage > 0.9
    (('a', 'c'), True, True)
    """
    check_settings(peel_alpha=peel_alpha, paste_alpha=paste_alpha, min_mass=min_mass,
                    min_coverage=min_coverage, max_restrictions=max_restrictions,
                    prune_tolerance=prune_tolerance)
    x = np.asarray(x, float)
    y = np.asarray(y, bool)
    n, d = x.shape
    if y.shape != (n,):
        raise PolmodelError(f"prim: y has shape {y.shape}; expected ({n},)")
    return _prim(x, y, names, bounds, peel_alpha, paste_alpha, min_mass, min_coverage,
                 prune_tolerance, max_restrictions)


def _prim(x, y, names, bounds, peel_alpha, paste_alpha, min_mass, min_coverage, prune_tolerance,
          max_restrictions) -> PrimResult:
    """:func:`prim` after its checks: settings checked, ``x`` floats, ``y`` bools, one per row."""
    d = x.shape[1]
    full = (np.column_stack([x.min(0), x.max(0)]) if bounds is None
            else np.asarray(bounds, float).reshape(d, 2).copy())
    share = float(y.mean())
    # Every row within the full range (always so for sampled worlds): boxes are then checked
    # on their restricted columns alone, the same rows, a few times faster.
    within = full if _inside(x, full).all() else None

    def search(cols):
        limits, coverage, density, mass = _peel(x, y, full, cols, peel_alpha, min_mass)
        chosen = int(np.argmax(_score(coverage, density, share, min_coverage)))
        lim = _paste(x, y, limits[chosen], full, paste_alpha, within)
        lim = _prune(x, y, lim, full, prune_tolerance, max_restrictions, within)
        return limits, coverage, density, mass, chosen, lim

    limits, coverage, density, mass, chosen, lim = search(range(d))
    keep = [j for j in range(d) if (lim[j] != full[j]).any()]
    if keep and (len(keep) < d):
        # 5. Refining: peel again on the few inputs that survived pruning. Their first limits
        #    were set among many other restrictions; alone they usually box the answer better.
        again = search(keep)
        if _score(*_stats(_inside(x, again[-1], within), y)[:2], share) >= \
                _score(*_stats(_inside(x, lim, within), y)[:2], share):
            limits, coverage, density, mass, chosen, lim = again
    cov, dens, mass_ = _stats(_inside(x, lim, within), y)
    keep = [j for j in range(d) if (lim[j] != full[j]).any()]
    box = Box(tuple(names[j] for j in keep), lim[keep, 0], lim[keep, 1], cov, dens, mass_)
    return PrimResult(tuple(names), full, np.array(limits), coverage, density, mass, chosen, box)


def check_settings(**settings) -> None:
    """PRIM's settings: numbers in their ranges (strings, bools and nonsense refused)."""
    from polmodel.limits import check_number, check_whole

    for name, value in settings.items():
        if name == "max_restrictions":
            check_whole(value, name, 1, 1000)
            continue
        check_number(value, name, 0.0, 0.5 if name.endswith("alpha") else 1.0)
        if name.endswith("alpha") and not 0 < value < 0.5:
            raise PolmodelError(f"{name} = {value!r} is not allowed; allowed: more than 0 and "
                                "less than 0.5 (a share of the box's worlds)")


def _peel(x, y, full, cols, alpha, min_mass):
    """Peeling: cut alpha of the box from one end of one input of ``cols``, again and again.

    Each cut is the one leaving the highest density (ties: the cut removing fewer rows). Each
    input's rows in the box are kept in the order of its values (one sort, then the removed
    rows dropped after each cut), so the quantiles are read off, not searched for; values are
    read only near the two ends, where the quantiles and the cuts lie. Which of several equal
    values comes first does not matter: a cut removes every row at or beyond its quantile.
    """
    n = len(y)
    cols = np.asarray(list(cols), dtype=int)  # empty when nothing is uncertain: no peel
    k = len(cols)
    lim = full.copy()
    inside = np.ones(n, bool)
    n_true = int(y.sum())
    limits, stats = [lim.copy()], [_stats(inside, y)]
    xt = np.ascontiguousarray(x[:, cols].T)
    rows = np.argsort(xt, axis=1)  # (k, m): the box's rows, in the order of each input's values
    line = np.arange(k)[:, None]
    m, total = n, n_true
    while True:
        lo_q, hi_q = _read_quantiles(xt, rows, line, m, alpha)
        # The rows a cut removes lie within w of its end of the sorted values (ties aside:
        # w grows until no row at the window's edge is cut).
        w = min(m, int(np.ceil(alpha * m)) + 2)
        while True:
            ends = np.concatenate([rows[:, :w], rows[:, m - w:]], axis=1)
            values = xt[line, ends]
            low, high_ = values[:, :w] <= lo_q[:, None], values[:, w:] >= hi_q[:, None]
            if w == m or not (low[:, -1].any() or high_[:, 0].any()):
                break
            w = min(m, 2 * w)
        gone = np.concatenate([low, high_])  # (2 k, w): the first k cut low, the others high
        ys = y[ends]
        count = m - gone.sum(axis=1)  # rows each of the 2 k cuts keeps
        hits = total - (gone & np.concatenate([ys[:, :w], ys[:, w:]])).sum(axis=1)
        ok = (count < m) & (count >= max(min_mass * n, 1))
        if not ok.any():
            break
        score = np.where(ok, hits / np.maximum(count, 1), -np.inf)
        best = int(np.lexsort((-count, -score))[0])
        j, high = best % k, best >= k
        inside[(ends[j, w:] if high else ends[j, :w])[gone[best]]] = False
        total = int(hits[best])
        m = int(count[best])
        rows = rows[inside[rows]].reshape(k, m)
        lim[cols[j], 1 if high else 0] = xt[j, rows[j, -1] if high else rows[j, 0]]
        limits.append(lim.copy())
        stats.append((total / n_true if n_true else 0.0, total / m if m else 0.0, m / n))
    coverage, density, mass = (np.array(v) for v in zip(*stats))
    return limits, coverage, density, mass


def _read_quantiles(xt, rows, line, m, alpha):
    """:func:`sorted_quantiles` of each input's values in the box, reading four values a row."""
    at = []
    for q in (alpha, 1 - alpha):
        before = int(np.floor((m - 1) * q))
        at += [before, min(before + 1, m - 1)]
    v = xt[line, rows[:, at]]
    return (_between(v[:, 0], v[:, 1], (m - 1) * alpha),
            _between(v[:, 2], v[:, 3], (m - 1) * (1 - alpha)))


def _between(a, b, virtual):
    """The "linear" quantile (numpy's default) between neighbours ``a`` and ``b`` at a virtual index."""
    gamma = virtual - np.floor(virtual)
    diff = b - a
    return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma


def sorted_quantiles(values: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """``np.quantile(values, [alpha, 1 - alpha], axis=1)`` of rows already sorted, read off.

    The same numbers as numpy's default ("linear") method, bit for bit: the same virtual
    index, ``(m - 1) * q``, and the same interpolation between its two neighbours.

    Parameters
    ----------
    values : ndarray[k, m]
        Each row sorted ascending.
    alpha : float

    Returns
    -------
    lo, hi : ndarray[k]

    Examples
    --------
    >>> v = np.sort(np.random.default_rng(0).random((3, 101)), axis=1)
    >>> all(np.array_equal(a, b) for a, b in
    ...     zip(sorted_quantiles(v, 0.05), np.quantile(v, [0.05, 0.95], axis=1)))
    True
    """
    m = values.shape[1]
    rows = np.broadcast_to(np.arange(m), values.shape)
    return _read_quantiles(values, rows, np.arange(values.shape[0])[:, None], m, alpha)


def _masks(x, lim, full, within):
    """Per restricted column, the rows within its limits, and the rows every other column admits.

    Returns ``(cols, masks, base)``: the restricted columns (limits differing from ``full``),
    ndarray[len(cols), n_rows] of bool (row within that column's limits), and the rows within
    every unrestricted column's limits (all rows when ``within`` says every row lies within
    ``full``). A box's rows are ``base`` and every mask; releasing or widening one restricted
    column changes its mask alone, so each trial is counted from the rows failing one column.
    """
    cols = np.flatnonzero((lim != full).any(axis=1))
    masks = (x[:, cols] >= lim[cols, 0]) & (x[:, cols] <= lim[cols, 1])
    if within is None:
        rest = np.setdiff1d(np.arange(x.shape[1]), cols)
        base = ((x[:, rest] >= lim[rest, 0]) & (x[:, rest] <= lim[rest, 1])).all(axis=1)
    else:
        base = np.ones(len(x), bool)
    return cols, masks.T.copy(), base


def _failing(masks, base):
    """Rows in ``base`` failing exactly one mask, and which one; and the rows failing none.

    Returns ``(inside, single, which)``: ndarray[n_rows] of bool (in the box), the indices of
    the rows outside the box only because of one column, and that column's position in
    ``masks``.
    """
    fails = (~masks).sum(axis=0) if len(masks) else np.zeros(masks.shape[1], np.intp)
    inside = base & (fails == 0)
    single = np.flatnonzero(base & (fails == 1))
    which = (~masks[:, single]).argmax(axis=0) if len(masks) else np.zeros(0, np.intp)
    return inside, single, which


def _paste(x, y, lim, full, alpha, within=None):
    """Pasting: widen one limit by alpha of the box's rows while that raises the density.

    ``within``: ``full``, when every row lies within it (boxes are then checked on their
    restricted columns alone), else None. Each trial's rows are the box's own, plus those
    outside it only because of the widened column (:func:`_failing`): the same rows as
    checking every limit again, found once per pass.
    """
    lim = lim.copy()
    while True:
        cols, masks, base = _masks(x, lim, full, within)
        inside, single, which = _failing(masks, base)
        k, hits = int(inside.sum()), int(y[inside].sum())
        dens = hits / k if k else 0.0
        step = max(int(alpha * k), 1)
        best_lim, best_dens = None, dens
        for c, j in enumerate(cols):
            # The rows every limit but column j's admits: the box, and those failing j alone.
            out_j = single[which == c]
            xj = x[out_j, j]
            for side in (0, 1):
                if lim[j, side] == full[j, side]:
                    continue
                beyond = xj[(xj < lim[j, 0]) if side == 0 else (xj > lim[j, 1])]
                if beyond.size == 0:
                    continue
                beyond = np.sort(beyond)
                new = beyond[-min(step, beyond.size)] if side == 0 else beyond[min(step, beyond.size) - 1]
                trial = lim.copy()
                trial[j, side] = full[j, side] if beyond.size <= step else new
                added = out_j[(x[out_j, j] >= trial[j, 0]) & (x[out_j, j] <= trial[j, 1])]
                tk, th = k + added.size, hits + int(y[added].sum())
                td = th / tk if tk else 0.0
                if td > best_dens:
                    best_lim, best_dens = trial, td
        if best_lim is None:
            return lim
        lim = best_lim


def _prune(x, y, lim, full, tolerance, max_restrictions, within=None):
    """Pruning: release the restriction costing the least density, while that is cheap.

    Cheap: the density lost is at most ``tolerance``, or more than ``max_restrictions`` inputs
    are restricted. ``within`` as for :func:`_paste`. Releasing column j adds to the box the
    rows that fail column j alone (:func:`_failing`); ties go to the first column.
    """
    lim = lim.copy()
    while True:
        cols, masks, base = _masks(x, lim, full, within)
        if not cols.size:
            return lim
        inside, single, which = _failing(masks, base)
        k, hits = int(inside.sum()), int(y[inside].sum())
        dens = hits / k if k else 0.0
        # Released, column j still holds its full range (rows outside it stay out).
        j = cols[which]
        xs = x[single, j]
        back = (xs >= full[j, 0]) & (xs <= full[j, 1])
        added = np.bincount(which[back], minlength=cols.size)
        gained = np.bincount(which[back], weights=y[single[back]], minlength=cols.size)
        released = [(hits + int(g)) / (k + int(a)) if k + a else 0.0
                    for a, g in zip(added, gained)]
        best = max(range(cols.size), key=lambda c: (released[c], -c))
        if dens - released[best] <= tolerance or cols.size > max_restrictions:
            lim[cols[best]] = full[cols[best]]
        else:
            return lim
