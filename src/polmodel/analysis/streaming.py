"""Constant memory at any number of worlds: worlds drawn, evaluated and reduced in fixed blocks.

Up to :data:`EXACT_WORLDS` worlds, :func:`polmodel.compare` and :func:`polmodel.sweep` keep
every world's outcomes and compute every figure from them exactly. Above it they *stream*: the
worlds are cut into fixed blocks of :data:`BLOCK` worlds (the last one shorter), each block is
drawn from the seed and its own index alone, evaluated, folded into reductions and dropped.

- **A block is the same whatever runs it.** Its sample comes from
  ``SeedSequence(entropy=seed, spawn_key=(block,))`` (a Latin hypercube of the block's worlds),
  or, for scrambled Sobol', from the same sequence the exact path draws, fast-forwarded to the
  block's first point (so the worlds are the exact path's). Workers receive the seed and the
  block's index, never the worlds, and send back only the block's reductions.
- **Reductions do not depend on the chunking.** Shares are integer counts; means are sums of
  whole blocks added in block order; quantiles come from fine fixed-bin histograms (integer
  counts) over the known range of each outcome. The chunk size and the executor change how a
  block is computed, never what it holds: results are identical across ``--workers``,
  executors and chunk sizes.
- **Quantiles are read from the histograms** within half a bin of the exact ones
  (:func:`histogram_quantiles`): :data:`BINS` bins over each per-policy outcome's range (the
  index and the exodus within ``1/2**17``, 7.6e-6; crisis-months within ``(horizon + 1) /
  2**17``, 2.8e-4 at 36 months) and :data:`PAIR_BINS` bins over [-1, 1] for paired
  differences of the index (within ``2**-14``, 6.1e-5). Month counts are whole numbers and
  their medians exact.

Memory is then one block's worlds and outcomes per process plus the histograms, whatever the
number of worlds (:func:`stream_bytes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from polmodel.analysis.executors import in_window
from polmodel.analysis.worlds import (
    STRUCTURE_FACTOR,
    Worlds,
    latin_hypercube,
    to_ranges,
    uncertain_dimensions,
)
from polmodel.errors import PolmodelError
from polmodel.limits import OUTCOME_BYTES_PER_POLICY, OVERHEAD_BYTES

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from polmodel.scenario.definition import Scenario

EXACT_WORLDS = 200_000
"""Up to this many worlds, every world's outcomes are kept and figures are exact; above it,
worlds are streamed in blocks. Default sizes (1,000 worlds; 80,000 for a handout's reruns)
keep the exact path and its numbers."""

BLOCK = 2**16
"""Worlds per block when streaming: fixed, so a block's worlds depend on the seed and the
block's index only."""

BINS = 2**16
"""Histogram bins over the range of each per-policy outcome (streamed quantiles)."""

PAIR_BINS = 2**14
"""Histogram bins over [-1, 1] for each pair's paired difference of the index."""


def streams(worlds: Any) -> bool:
    """Whether a request for ``worlds`` worlds (a number, not worlds given) is streamed."""
    return isinstance(worlds, (int, np.integer)) and worlds > EXACT_WORLDS


def quantile_error(low: float, high: float, bins: int = BINS) -> float:
    """The most a streamed quantile can differ from the exact one: half a bin."""
    return (high - low) / bins / 2


def not_kept(what: str, n: int) -> PolmodelError:
    """The error for a figure that needs every world of a streamed run."""
    return PolmodelError(
        f"{what} needs every world's outcomes, which are kept up to {EXACT_WORLDS:,} worlds; "
        f"this run streamed {n:,} (only its statistics were kept): use at most "
        f"{EXACT_WORLDS:,} worlds (--worlds) for it")


# ---- The worlds of a streamed run --------------------------------------------------------------


def stream_entropy(seed) -> int:
    """The integer every block's seed derives from: the seed itself, or drawn once from it."""
    if isinstance(seed, (int, np.integer)):
        return int(seed)
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    return int(np.random.SeedSequence().entropy)


def block_bounds(n: int, block: int | None = None) -> list[tuple[int, int]]:
    """``(start, stop)`` of each block of ``n`` worlds, in order."""
    size = block or BLOCK
    return [(a, min(a + size, n)) for a in range(0, n, size)]


@dataclass(frozen=True)
class StreamedWorlds:
    """The worlds of a streamed run, described, not held: what a result needs to say of them.

    ``len()`` is their number; :meth:`materialize` draws them all (memory grows with them).
    """

    scenario: str
    n: int
    seed: int | None
    sampler: str
    entropy: int
    block: int

    def __len__(self) -> int:
        return self.n

    @property
    def values(self) -> np.ndarray:
        """Not kept: a streamed run drops each block once it is reduced."""
        raise not_kept("the worlds' values", self.n)

    def materialize(self, sc: Scenario) -> Worlds:
        """Every block drawn and joined, in order: the worlds the run reduced (for checks)."""
        parts = [draw_block(sc, self.entropy, i, a, b, self.sampler)
                 for i, (a, b) in enumerate(block_bounds(self.n, self.block))]
        return Worlds(parts[0].scenario, parts[0].names, np.concatenate([p.values for p in parts]),
                      parts[0].fixed, self.seed, self.sampler)


def draw_block(sc: Scenario, entropy: int, index: int, start: int, stop: int,
               sampler: str) -> Worlds:
    """Block ``index`` (worlds ``start:stop``) of a streamed run, from the entropy and the index.

    Latin hypercube: a hypercube of the block's own worlds, from
    ``SeedSequence(entropy, spawn_key=(index,))``. Sobol': points ``start:stop`` of the one
    scrambled sequence seeded with ``entropy``, as the exact path draws them.
    """
    dims = uncertain_dimensions(sc)
    varied = [k for k, (_, lo, hi) in dims.items() if hi > lo and k != STRUCTURE_FACTOR]
    fixed = {k: v for k, (v, lo, hi) in dims.items() if hi == lo}
    if sampler == "sobol":
        from scipy.stats import qmc

        engine = qmc.Sobol(len(varied), scramble=True, rng=np.random.default_rng(entropy))
        if start:
            engine.fast_forward(start)
        u = engine.random(stop - start)
    else:
        rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(index,)))
        u = latin_hypercube(stop - start, len(varied), rng)
    return Worlds(sc.name, tuple(varied), to_ranges(sc, u, dims, varied), fixed, None, sampler)


def _block_task(task: Callable, sc: Scenario, entropy: int, index: int, start: int, stop: int,
                sampler: str, payload: Any) -> Any:
    """Draw one block and hand it to ``task`` (top level, so processes can run it)."""
    return task(draw_block(sc, entropy, index, start, stop, sampler), payload)


def stream_blocks(sc: Scenario, worlds: StreamedWorlds, task: Callable, payload: Any, *,
                  executor: Executor | None = None,
                  progress: Callable[[int], None] | None = None) -> Iterator[Any]:
    """``task(block, payload)`` of every block, in block order, run here or on ``executor``.

    ``task`` must be a top-level function for a process pool. At most two blocks per worker
    are submitted at once; stopping early cancels the rest.
    """
    bounds = block_bounds(worlds.n, worlds.block)
    args = ((task, sc, worlds.entropy, i, a, b, worlds.sampler, payload)
            for i, (a, b) in enumerate(bounds))
    if executor is None:
        results: Iterator[Any] = (_block_task(*a) for a in args)
    else:
        results = in_window(executor, _block_task, args)
    try:
        for (a, b), result in zip(bounds, results):
            yield result
            if progress is not None:
                progress(b - a)
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()


# ---- Reductions that do not depend on the chunking ---------------------------------------------


def fold(total: dict[str, np.ndarray] | None, part: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Add a block's reductions to the running ones (changed in place, and returned).

    ``*_min`` by minimum, ``*_max`` by maximum, everything else (integer counts, float sums of
    whole blocks, in block order) by addition.
    """
    if total is None:
        return {k: np.array(v, dtype=np.int64 if np.asarray(v).dtype.kind in "iub" else float)
                for k, v in part.items()}
    for k, v in part.items():
        if k.endswith("_min"):
            np.minimum(total[k], v, out=total[k])
        elif k.endswith("_max"):
            np.maximum(total[k], v, out=total[k])
        else:
            total[k] += v
    return total


def bin_counts(x: np.ndarray, low: float, high: float, bins: int = BINS) -> np.ndarray:
    """Histogram of each row of ``x`` over ``bins`` equal bins of [low, high].

    Values are clipped into the range (the top edge belongs to the last bin).

    Parameters
    ----------
    x : ndarray[n_rows, n]

    Returns
    -------
    ndarray[n_rows, bins] of int64
    """
    x = np.atleast_2d(x)
    rows = x.shape[0]
    idx = np.floor((x - low) * (bins / (high - low)))
    np.clip(idx, 0, bins - 1, out=idx)
    flat = idx.astype(np.int64) + (np.arange(rows, dtype=np.int64) * bins)[:, None]
    return np.bincount(flat.ravel(), minlength=rows * bins).reshape(rows, bins)


def histogram_quantiles(counts: np.ndarray, low: float, high: float, qs, lowest: float,
                        highest: float) -> np.ndarray:
    """Quantiles ``qs`` (numpy's default, linear) of the values a histogram counted.

    Each order statistic is read as the middle of the bin that holds it, kept within the
    exact ``lowest`` and ``highest`` values, and the two around each quantile are interpolated
    as numpy does: every result lies within half a bin, ``(high - low) / bins / 2``, of the
    exact quantile of the same values (both order statistics do, and the result is a convex
    combination of them).

    Parameters
    ----------
    counts : ndarray[bins] of int
    low, high : float
        The histogram's range.
    qs : sequence of float
    lowest, highest : float
        The smallest and largest value counted.

    Returns
    -------
    ndarray[len(qs)]
        NaN for an empty histogram.
    """
    counts = np.asarray(counts)
    n = int(counts.sum())
    if n == 0:
        return np.full(len(qs), np.nan)
    cum = np.cumsum(counts)
    width = (high - low) / len(counts)

    def order(rank: int) -> float:
        b = int(np.searchsorted(cum, rank, side="right"))
        return min(max(low + (b + 0.5) * width, lowest), highest)

    out = np.empty(len(qs))
    for i, q in enumerate(qs):
        virtual = (n - 1) * q
        before = min(int(np.floor(virtual)), n - 1)
        gamma = virtual - before
        a = order(before)
        b = order(min(before + 1, n - 1))
        diff = b - a
        out[i] = b - diff * (1.0 - gamma) if gamma >= 0.5 else a + diff * gamma
    return out


def integer_quantiles(counts: np.ndarray, qs) -> np.ndarray:
    """Quantiles ``qs`` (numpy's default, linear) of whole numbers counted by value: exact.

    ``counts[k]`` is how many values equal ``k``.
    """
    counts = np.asarray(counts)
    n = int(counts.sum())
    return histogram_quantiles(counts, -0.5, len(counts) - 0.5, qs, 0.0, len(counts) - 1.0) \
        if n else np.full(len(qs), np.nan)


def stream_bytes(dimensions: int, policies: int, histogram_bytes: int, *, chunk: int,
                 window: int = 1) -> int:
    """Estimated peak memory of a streamed run, whatever its number of worlds.

    One block's worlds and outcomes (and as much again for the scratch of its reductions), the
    evaluation of one chunk, and the reductions: the running ones and those of up to
    ``window`` blocks waiting to be folded.
    """
    block = BLOCK * (8 * dimensions + 2 * OUTCOME_BYTES_PER_POLICY * policies)
    chunk_scratch = min(chunk, BLOCK) * 8 * (dimensions + 64) * max(policies, 1)
    return 2 * block + chunk_scratch + (1 + window) * histogram_bytes + OVERHEAD_BYTES
