"""Plausible worlds: sampling every uncertain number, and running policies on the same worlds.

A *world* is one draw of every uncertain initial state, context parameter and mechanism
parameter, each uniform over its plausible range (a Latin hypercube drawn with numpy, or
scrambled Sobol' points from :mod:`scipy.stats.qmc`, imported only when asked for), or, where a
scenario gives quantiles (pooled participants' estimates), drawn from that distribution through
its quantile function. Every policy runs on the same worlds (common random numbers), so
differences between policies are paired by construction.

Worlds are evaluated in chunks; only per-world outcomes are kept, never full trajectories, so
memory stays bounded. Chunks can go to any :class:`concurrent.futures.Executor` (a process pool,
a Dask ``Client.get_executor()``); the numbers do not depend on chunk size or executor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from polmodel.analysis.executors import in_window
from polmodel.analysis.outcomes import PolicyOutcomes, policy_outcomes
from polmodel.limits import check_evaluation, check_memory, check_sampling
from polmodel.model.compiled import check_engine
from polmodel.model.integrator import simulate_each
from polmodel.model.structures import DEFAULT_STRUCTURE, STRUCTURES, resolve_structure
from polmodel.scenario.definition import Scenario, check_scenario_argument
from polmodel.scenario.loading import load_scenario

if TYPE_CHECKING:  # concurrent.futures costs start-up time; only annotations use it here
    from concurrent.futures import Executor

Sampler = Literal["lhs", "sobol"]
DEFAULT_CHUNK = 8192


@dataclass(frozen=True)
class Worlds:
    """Sampled plausible worlds of a scenario.

    Attributes
    ----------
    names : tuple of str
        The varied dimensions: ``"initial.<state>"`` for initial states, parameter names
        otherwise.
    values : ndarray[n_worlds, n_varied]
        The sampled values, one row a world.
    fixed : mapping of str to float
        Dimensions that do not vary (a range of one point), with their value.
    """

    scenario: str
    names: tuple[str, ...]
    values: np.ndarray
    fixed: Mapping[str, float]
    seed: int | None
    sampler: str

    def __len__(self) -> int:
        return self.values.shape[0]

    def __repr__(self) -> str:
        return (f"Worlds(scenario={self.scenario!r}, n_worlds={len(self)}, "
                f"varied={len(self.names)}, seed={self.seed!r}, sampler={self.sampler!r})")

    def inputs(self, rows: slice | np.ndarray = slice(None)) -> tuple[dict, dict]:
        """Initial states and parameters of some worlds, as model inputs.

        Returns
        -------
        initial, params : dict of str to float or ndarray[n_rows]
        """
        return _split(self.names, self.values[rows], self.fixed)


STRUCTURE_FACTOR = "structure"
"""The dimension that, in worlds sampled for a sensitivity analysis or discovery, says which
structure each world reads its opening index under: a number in [0, 1], cut into equal parts
in :data:`polmodel.model.structures.STRUCTURES` order (:func:`structure_of`)."""


def structure_of(u) -> np.ndarray:
    """Index into :data:`STRUCTURES` of each value of the structure dimension (0 to 1)."""
    n = len(STRUCTURES)
    return np.minimum(np.floor(np.asarray(u, dtype=float) * n), n - 1).astype(np.intp)


def _split(names: Sequence[str], values: np.ndarray, fixed: Mapping[str, float]) -> tuple[dict, dict]:
    initial: dict = {}
    params: dict = {}
    for key, v in list(fixed.items()) + [(n, values[:, j]) for j, n in enumerate(names)]:
        if key == STRUCTURE_FACTOR:
            continue  # read by the question, after the runs (every run keeps every structure)
        if key.startswith("initial."):
            initial[key.removeprefix("initial.")] = v
        else:
            params[key] = v
    return initial, params


def uncertain_dimensions(scenario: Scenario) -> dict[str, tuple[float, float, float]]:
    """Every uncertain number of a scenario: name -> (central value, low, high).

    With ``scenario.structure_factor`` the structure is one more: :data:`STRUCTURE_FACTOR`
    from 0 to 1, its central value in the middle of the scenario's own structure's part.
    """
    dims = {f"initial.{k}": (u.value, u.low, u.high) for k, u in scenario.initial.items()}
    dims.update({k: (u.value, u.low, u.high) for k, u in scenario.parameters.items()})
    if getattr(scenario, "structure_factor", False):
        own = list(STRUCTURES).index(scenario.structure)
        dims[STRUCTURE_FACTOR] = ((own + 0.5) / len(STRUCTURES), 0.0, 1.0)
    return dims


def latin_hypercube(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """A Latin hypercube of ``n`` points in ``d`` dimensions, drawn with numpy alone.

    Each column is cut into ``n`` equal strata; each stratum holds exactly one point, placed
    uniformly at random inside it, and the strata are matched across columns by an independent
    random permutation per column. This is the design of ``scipy.stats.qmc.LatinHypercube``
    (with its default ``scramble=True``) without importing :mod:`scipy.stats`, which costs
    most of a second, and with one ``n * d`` array as its only allocation of that size.

    Parameters
    ----------
    n, d : int
        Number of points and dimensions.
    rng : numpy.random.Generator
        The only source of randomness: same generator state, same points.

    Returns
    -------
    ndarray[n, d]
        Points in [0, 1] (a Fortran-ordered array: columns contiguous):
        ``(stratum + jitter) / n``, so ``floor(n * out[:, j])`` is a
        permutation of ``0..n-1`` for every j (up to rounding when a jitter lies within one
        unit in the last place of 1).

    References
    ----------
    McKay, M. D., Beckman, R. J. and Conover, W. J. (1979). A comparison of three methods for
    selecting values of input variables in the analysis of output from a computer code.
    Technometrics 21(2), 239-245.

    Examples
    --------
    >>> u = latin_hypercube(4, 2, np.random.default_rng(0))
    >>> sorted((4 * u[:, 0]).astype(int).tolist())
    [0, 1, 2, 3]
    """
    # Column by column in memory (Fortran order): each dimension's values are contiguous, so
    # the per-dimension permutations here and the model's reads of one parameter across a
    # chunk of worlds later are streaming, not strided, accesses.
    out = rng.random((d, n))  # position inside the stratum
    for j in range(d):
        out[j] += rng.permutation(n)  # which stratum, independently per column
    out /= n
    return out.T


def _quantiles_of(scenario: Scenario, key: str) -> tuple[float, ...] | None:
    """The quantile table of one dimension, if it still spans the dimension's range.

    A range replaced after loading (a what-if, ``dataclasses.replace``) replaces the shape too:
    the table no longer describes it, so the new range is sampled uniformly.
    """
    u = (scenario.initial[key.removeprefix("initial.")] if key.startswith("initial.")
         else scenario.parameters[key])
    q = u.quantiles
    return q if q is not None and (q[0], q[-1]) == (u.low, u.high) else None


def unit_sample(n: int, d: int, *, sampler: Sampler = "lhs", rng: np.random.Generator) -> np.ndarray:
    """Points in the unit hypercube.

    The arguments are trusted: :func:`polmodel.limits.check_sampling` checked them.

    Parameters
    ----------
    n, d : int
        Number of points and dimensions.
    sampler : {"lhs", "sobol"}
        Latin hypercube (:func:`latin_hypercube`, numpy only), or scrambled Sobol' from
        :mod:`scipy.stats.qmc` (``n`` must then be a power of 2).
    rng : numpy.random.Generator

    Returns
    -------
    ndarray[n, d]
    """
    if sampler == "lhs":
        return latin_hypercube(n, d, rng)
    from scipy.stats import qmc

    return qmc.Sobol(d, scramble=True, rng=rng).random_base2(int(n).bit_length() - 1)


def sample_worlds(
    scenario: Scenario | str,
    n: int = 1000,
    *,
    seed: int | np.random.Generator | None = 0,
    sampler: Sampler = "lhs",
    parameters: Mapping[str, float | tuple[float, float]] | None = None,
    initial: Mapping[str, float | tuple[float, float]] | None = None,
) -> Worlds:
    """Sample ``n`` plausible worlds: every uncertain number uniform over its range.

    Parameters
    ----------
    scenario : Scenario or str
    n : int
        Number of worlds.
    seed : int or numpy.random.Generator, optional
        Same seed, same worlds.
    sampler : {"lhs", "sobol"}
        Latin hypercube (default) or scrambled Sobol'.
    parameters, initial : mapping of str to float or (low, high), optional
        What-ifs: a value fixes a parameter (or initial state) in every world, a range
        replaces its plausible range (:func:`polmodel.scenario.whatif.apply_settings`).

    Returns
    -------
    Worlds

    Examples
    --------
    >>> w = sample_worlds("venezuela-2018", 64, seed=1)
    >>> len(w), w.values.shape[1] > 30
    (64, True)
    """
    check_scenario_argument(scenario)
    n = check_sampling(n, seed, sampler)
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if parameters or initial:
        from polmodel.scenario.whatif import apply_settings

        sc = apply_settings(sc, parameters=parameters, initial=initial)
    check_memory(n, varied_count(sc), policies=0)
    return _draw_worlds(sc, n, seed=seed, sampler=sampler)


def varied_count(scenario: Scenario) -> int:
    """How many uncertain numbers of a scenario vary (a range wider than one point)."""
    return (sum(u.high > u.low for u in (*scenario.initial.values(), *scenario.parameters.values()))
            + bool(getattr(scenario, "structure_factor", False)))


def _draw_worlds(sc: Scenario, n: int, *, seed, sampler: Sampler) -> Worlds:
    """:func:`sample_worlds` after its checks: the caller checked ``n``, seed, sampler, memory."""
    dims = uncertain_dimensions(sc)
    varied = [k for k, (_, lo, hi) in dims.items() if hi > lo and k != STRUCTURE_FACTOR]
    w = _draw(sc, n, dims, varied, seed=seed, sampler=sampler)
    return with_structure_column(w, seed) if STRUCTURE_FACTOR in dims else w


def with_structure_column(w: Worlds, seed) -> Worlds:
    """The worlds with the structure dimension added as their last column.

    Drawn from a stream of its own (stratified: each structure's part of [0, 1] holds an equal
    share of the worlds, in a random order), so every other column is the same with or without
    it: a comparison and a discovery at one seed share their worlds.
    """
    if STRUCTURE_FACTOR in w.names:
        return w
    n = len(w)
    rng = _structure_rng(seed)
    column = (rng.permutation(n) + rng.random(n)) / max(n, 1)
    return Worlds(w.scenario, (*w.names, STRUCTURE_FACTOR), np.column_stack([w.values, column]),
                  w.fixed, w.seed, w.sampler)


def _structure_rng(seed) -> np.random.Generator:
    """A stream for the structure column, reproducible from the worlds' seed, apart from theirs."""
    if isinstance(seed, (int, np.integer)):
        return np.random.default_rng([int(seed), 0x57])
    if isinstance(seed, np.random.SeedSequence):  # a rerun's spawned seed: derive, never spawn
        return np.random.default_rng(np.random.SeedSequence(seed.entropy,
                                                            spawn_key=(*seed.spawn_key, 0x57)))
    if isinstance(seed, np.random.Generator):
        return seed  # the caller's stream, continued after the other columns
    return np.random.default_rng()


def _draw(sc: Scenario, n: int, dims, varied, *, seed, sampler: Sampler) -> Worlds:
    rng = np.random.default_rng(seed)
    fixed = {k: v for k, (v, lo, hi) in dims.items() if hi == lo}
    u = unit_sample(n, len(varied), sampler=sampler, rng=rng)
    u = to_ranges(sc, u, dims, varied)
    return Worlds(sc.name, tuple(varied), u, fixed, seed if isinstance(seed, int) else None, sampler)


def to_ranges(sc: Scenario, u: np.ndarray, dims, varied) -> np.ndarray:
    """Unit-cube points ``u`` (changed in place) as values of the ``varied`` dimensions."""
    # Where a scenario gives quantiles (pooled estimates), the unit sample goes through the
    # piecewise-linear quantile function: inverse-CDF sampling keeps the design's
    # stratification (a Latin hypercube stays one point per stratum of the distribution).
    shaped = {j: (q, u[:, j].copy()) for j, k in enumerate(varied)
              if (q := _quantiles_of(sc, k)) is not None}
    low = np.array([dims[k][1] for k in varied])
    high = np.array([dims[k][2] for k in varied])
    u *= high - low
    u += low
    for j, (q, unit) in shaped.items():
        u[:, j] = np.interp(unit, np.linspace(0.0, 1.0, len(q)), q)
    return u


def _evaluate_chunk(names, values, fixed, schedules, aggregator, structure=DEFAULT_STRUCTURE,
                    engine="numpy") -> list[PolicyOutcomes]:
    """Run every policy on one chunk of worlds (a top-level function, so processes can run it)."""
    # Each world column packed once for every policy (simulate packs a strided column itself,
    # which would be once per policy), unless the columns are packed already.
    if values.strides[0] != values.itemsize:
        values = np.ascontiguousarray(values.T).T
    initial, params = _split(names, values, fixed)
    outs = [policy_outcomes(o) for o in simulate_each(initial, params, schedules,
                                                      aggregator=aggregator, structure=structure,
                                                      engine=engine)]
    n = values.shape[0]
    if outs and len(outs[0].peak_index) != n:
        # Every number fixed (no columns): one world was simulated; all n worlds are that world.
        outs = [PolicyOutcomes(**{f: np.repeat(getattr(o, f)[:1], n, axis=0)
                                  for f in PolicyOutcomes.__dataclass_fields__}) for o in outs]
    return outs


def evaluate(
    worlds: Worlds,
    schedules: Sequence[np.ndarray],
    *,
    aggregator: str = "min",
    structure: str = DEFAULT_STRUCTURE,
    chunk_size: int = DEFAULT_CHUNK,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
    engine: str = "numpy",
) -> list[PolicyOutcomes]:
    """Run several lever schedules on the same worlds, chunk by chunk.

    Parameters
    ----------
    worlds : Worlds
    schedules : sequence of ndarray[n_months, n_levers]
        One per policy (:meth:`polmodel.model.levers.Policy.schedule`).
    aggregator : str
        Fuzzy AND for the opening index.
    structure : str
        Formula of the opening index (every structure's peaks are kept either way).
    chunk_size : int
        Worlds per task; bounds memory, not results.
    executor : concurrent.futures.Executor, optional
        Where chunks run; in this process when None.
    progress : callable, optional
        Called with the number of worlds finished after each chunk.
    engine : {"numpy", "compiled"}
        ``"compiled"``: C generated from the equations (:mod:`polmodel.model.compiled`),
        within 1e-12 of numpy; numpy with a warning where no C compiler builds it.

    Returns
    -------
    list of PolicyOutcomes
        One per schedule, rows in the order of ``worlds``.
    """
    chunk_size = check_evaluation(chunk_size, executor, progress)
    resolve_structure(structure)
    check_engine(engine, aggregator)
    return _evaluate(worlds, schedules, aggregator, chunk_size, executor, progress, structure,
                     engine)


def _evaluate(worlds: Worlds, schedules: Sequence[np.ndarray], aggregator, chunk_size: int,
              executor: Executor | None, progress: Callable[[int], None] | None,
              structure: str = DEFAULT_STRUCTURE, engine: str = "numpy") -> list[PolicyOutcomes]:
    """:func:`evaluate` after its checks: :func:`check_evaluation` passed the caller's arguments."""
    n = len(worlds)
    bounds = [(i, min(i + chunk_size, n)) for i in range(0, n, chunk_size)]
    if engine == "compiled" and executor is None and worlds.values.shape[1] and schedules:
        return _evaluate_into(worlds, schedules, aggregator, bounds, progress, structure)
    args = ((worlds.names, worlds.values[a:b], dict(worlds.fixed), list(schedules), aggregator,
             structure, engine) for a, b in bounds)
    if executor is None:
        results = (_evaluate_chunk(*a) for a in args)
    else:
        results = in_window(executor, _evaluate_chunk, args)
    # Chunks are copied into preallocated arrays as they arrive, so memory holds the outcomes
    # once (not once more for a final concatenation).
    out: list[PolicyOutcomes] = []
    try:
        for (a, b), chunk in zip(bounds, results):
            if not out:
                out = [PolicyOutcomes.empty_like(part, n) for part in chunk]
            for whole, part in zip(out, chunk):
                whole.fill(a, part)
            if progress is not None:
                progress(b - a)
    finally:
        results.close()  # an interrupt or error cancels the chunks not yet started
    return out


def _evaluate_into(worlds: Worlds, schedules, aggregator, bounds, progress, structure
                   ) -> list[PolicyOutcomes]:
    """:func:`_evaluate` with the compiled engine in this process, with no copy between.

    The kernel writes each chunk's outcomes into the ensemble's arrays, in their dtypes.
    """
    out = [PolicyOutcomes.empty(len(worlds)) for _ in schedules]
    for a, b in bounds:
        values = worlds.values[a:b]
        if values.strides[0] != values.itemsize:
            values = np.ascontiguousarray(values.T).T
        initial, params = _split(worlds.names, values, worlds.fixed)
        ran = simulate_each(initial, params, list(schedules), aggregator=aggregator,
                            structure=structure, engine="compiled",
                            targets=[o.kernel_targets(a, b) for o in out])
        for whole, o in zip(out, ran):
            if o is not None:  # the numpy fallback (no compiler) returns its outcomes
                whole.fill(a, policy_outcomes(o))
        if progress is not None:
            progress(b - a)
    return out
