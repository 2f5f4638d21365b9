"""The run keywords every analysis shares, checked once: :class:`RunOptions`.

``compare``, ``discover``, ``sweep`` and ``sensitivity`` take the same keywords for how to run
the model on plausible worlds (``worlds=``, ``seed=``, ``sampler=``, ``horizon=``,
``aggregator=``, ``executor=``, ``chunk_size=``, ``progress=``, ``parameters=``, ``initial=``).
Each builds a :class:`RunOptions` from them first, which checks every one of them there, once;
then it loads the scenario, samples the worlds and evaluates them through it, and nothing below
checks them again. :func:`polmodel.sample_worlds` and :func:`evaluate` stay public and check
their own arguments; the options call their unchecked cores.

The keywords are documented once, here (:data:`RUN_KEYWORDS`), and each function's docstring
takes the entries it uses from there (:func:`documents_run_keywords`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from polmodel.analysis import streaming
from polmodel.analysis.executors import submission_window
from polmodel.analysis.worlds import (
    DEFAULT_CHUNK,
    PolicyOutcomes,
    Worlds,
    _draw_worlds,
    _evaluate,
    varied_count,
)
from polmodel.errors import PolmodelError
from polmodel.limits import (
    MAX_HORIZON,
    check_choice,
    check_evaluation,
    check_memory,
    check_sampling,
    check_whole,
    comparison_bytes,
)
from polmodel.model.compiled import check_engine
from polmodel.model.states import AGGREGATORS
from polmodel.model.structures import STRUCTURES
from polmodel.scenario.definition import Scenario
from polmodel.scenario.loading import load_scenario

if TYPE_CHECKING:  # concurrent.futures costs start-up time; only annotations use it here
    from concurrent.futures import Executor

RUN_KEYWORDS: dict[str, str] = {
    "worlds": """worlds : int or Worlds
    Number of worlds to sample, or worlds already sampled from this scenario
    (:func:`polmodel.sample_worlds`).""",
    "seed": """seed : int or numpy.random.Generator, optional
    Same seed, same worlds, same numbers (whatever the executor and chunk size).""",
    "sampler": """sampler : {"lhs", "sobol"}
    Latin hypercube (default) or scrambled Sobol' (a power-of-2 number of worlds).""",
    "horizon": """horizon : int, optional
    Months to simulate; the scenario's by default.""",
    "aggregator": """aggregator : {"min", "product", "geometric"} or callable, optional
    Fuzzy AND for the opening index; the scenario's by default.""",
    "structure": """structure : str, optional
    Formula of the opening index (``polmodel structures`` lists them); the scenario's by
    default. Every structure's peaks are kept whichever is chosen.""",
    "executor": """executor : concurrent.futures.Executor, optional
    Runs the chunks of worlds (a ProcessPoolExecutor, a Dask client's executor); here when None.""",
    "chunk_size": """chunk_size : int
    Worlds per task: bounds memory, never changes results.""",
    "engine": """engine : {"numpy", "compiled"}
    ``"compiled"`` runs C generated from the equations, built at first use with the system's
    C compiler (the same numbers within 1e-12, several times faster); numpy, with a warning,
    where no compiler builds it. numpy by default.""",
    "progress": """progress : callable, optional
    Called with the number of worlds finished after each chunk.""",
    "parameters": """parameters, initial : mapping of str to float or (low, high), optional
    What-ifs applied before sampling: a value fixes a parameter (or initial state) in every
    world, a range replaces its plausible range (:func:`polmodel.scenario.whatif.apply_settings`).""",
}
"""Each run keyword's numpydoc entry, written once (``parameters`` covers ``initial`` too)."""

_MARK = "<run keywords>"


def documents_run_keywords(*names: str):
    """Put the entries of :data:`RUN_KEYWORDS` named ``names`` where a docstring says ``<run keywords>``.

    The marker stands alone on its line, indented as the entries are to be.
    """
    def fill(obj):
        doc = obj.__doc__
        if doc:  # None under python -OO
            line = next((line for line in doc.splitlines() if line.strip() == _MARK), None)
            if line is None:
                raise TypeError(f"{obj.__qualname__}: its docstring has no {_MARK} line to fill")
            indent = line[:len(line) - len(line.lstrip())]
            entries = "\n".join(RUN_KEYWORDS[n] for n in names).replace("\n", "\n" + indent)
            obj.__doc__ = doc.replace(_MARK, entries, 1)
        return obj
    return fill


@documents_run_keywords(*RUN_KEYWORDS)
@dataclass(frozen=True)
class RunOptions:
    """How to run the model on plausible worlds: the keywords every analysis shares.

    Building one checks every keyword, once (a one-line :class:`PolmodelError` naming it);
    the analyses then pass it down and trust it. ``worlds`` None means the analysis draws
    its own design (sensitivity); ``parameters``/``initial`` are checked against the scenario
    by :meth:`scenario`, the one place that knows it.

    Attributes
    ----------
    <run keywords>

    Examples
    --------
    >>> RunOptions(worlds=1000, sampler="sobol")
    Traceback (most recent call last):
    ...
    polmodel.errors.PolmodelError: worlds: the balance properties of Sobol' points require a power of 2 (got 1000; try 512 or 1024)
    >>> run = RunOptions(worlds=64, seed=1, horizon=24)
    >>> len(run.sample(run.scenario("venezuela-2018")))
    64
    """

    worlds: int | Worlds | None = None
    seed: int | np.random.Generator | None = 0
    sampler: str = "lhs"
    horizon: int | None = None
    aggregator: str | Callable[..., Any] | None = None
    structure: str | None = None
    executor: Executor | None = None
    chunk_size: int = DEFAULT_CHUNK
    progress: Callable[[int], None] | None = None
    parameters: Mapping[str, Any] | None = None
    initial: Mapping[str, Any] | None = None
    engine: str = "numpy"

    def __post_init__(self) -> None:
        given = isinstance(self.worlds, Worlds)
        worlds = check_sampling(None if given else self.worlds, self.seed, self.sampler)
        if not given:
            object.__setattr__(self, "worlds", worlds)
        elif self.parameters or self.initial:
            raise PolmodelError("parameters/initial apply when worlds are sampled; pass them to "
                                "sample_worlds, or give a number of worlds")
        if self.horizon is not None:
            object.__setattr__(self, "horizon",
                               check_whole(self.horizon, "horizon", 1, MAX_HORIZON, what="months"))
        if self.aggregator is not None and not callable(self.aggregator):
            check_choice(self.aggregator, "aggregator", AGGREGATORS)
        if self.structure is not None:
            check_choice(self.structure, "structure", STRUCTURES)
        object.__setattr__(self, "chunk_size",
                           check_evaluation(self.chunk_size, self.executor, self.progress))
        check_engine(self.engine, self.aggregator)

    @property
    def settings(self) -> dict[str, Any]:
        """The what-ifs by what-if name (``rally``, ``initial.crisis``), for a provenance line.

        Read after :meth:`scenario` has checked them.
        """
        return dict(self.parameters or {}) | {f"initial.{k}": v for k, v in (self.initial or {}).items()}

    def scenario(self, scenario: Scenario | str) -> Scenario:
        """The scenario to run: loaded, over :attr:`horizon`, with the what-ifs applied.

        Worlds given must have been sampled from it.
        """
        sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
        if self.horizon is not None:
            sc = replace(sc, horizon=self.horizon)  # Scenario.with_horizon, checked above
        if self.structure is not None:
            sc = replace(sc, structure=self.structure)
        if self.parameters is not None or self.initial is not None:
            from polmodel.scenario.whatif import apply_settings

            sc = apply_settings(sc, parameters=self.parameters, initial=self.initial)
        if isinstance(self.worlds, Worlds) and self.worlds.scenario != sc.name:
            raise PolmodelError(f"worlds were sampled for {self.worlds.scenario!r}, not "
                                f"{sc.name!r}; sample them from this scenario")
        return sc

    def check_memory(self, scenario: Scenario, policies: int, *, streamed: int | None = None) -> None:
        """Refuse, before sampling, worlds to draw that cannot fit with ``policies`` outcomes.

        See :func:`polmodel.limits.check_memory`; nothing to check when worlds are given.
        ``streamed`` is the memory a streamed run needs (the same for any number of worlds
        above :data:`polmodel.analysis.streaming.EXACT_WORLDS`; up to it the exact path's).
        """
        if isinstance(self.worlds, Worlds):
            return
        dims = varied_count(scenario)
        need = None
        if streamed is not None:
            def need(k: int) -> int:
                return streamed if streaming.streams(k) else comparison_bytes(k, dims, policies)
        check_memory(self.worlds, dims, policies, need=need)

    @property
    def window(self) -> int:
        """Blocks or chunks submitted to the executor at once (1 without one)."""
        return 1 if self.executor is None else submission_window(self.executor)

    def sample(self, scenario: Scenario) -> Worlds:
        """The worlds given, or :attr:`worlds` drawn from ``scenario`` (after :meth:`check_memory`)."""
        if isinstance(self.worlds, Worlds):
            return self.worlds
        return _draw_worlds(scenario, self.worlds, seed=self.seed, sampler=self.sampler)

    def evaluate(self, worlds: Worlds, schedules: Sequence[np.ndarray],
                 aggregator: str | Callable[..., Any], structure: str) -> list[PolicyOutcomes]:
        """Run ``schedules`` on ``worlds`` with these chunks, executor and progress.

        As :func:`polmodel.analysis.worlds.evaluate`, without checking again. ``structure``
        is the scenario's after :meth:`scenario` (``sc.structure``), passed by every caller:
        a default here once let a sweep read the memo's structure whatever the scenario said.
        """
        check_engine(self.engine, aggregator)
        return _evaluate(worlds, schedules, aggregator, self.chunk_size, self.executor,
                         self.progress, structure, self.engine)
