"""Hard limits on what polmodel computes, and the checks every public function runs first.

What the model is for bounds its inputs: monthly steps over at most 50 years, ensembles up to
ten million worlds, comparisons of up to a few dozen policies, scenario files typed by hand.
Memory bounds them further: before a comparison allocates anything its size is estimated and a
request that cannot fit is refused with what to change. Every parameter has a finite hard limit
(rates included), so every number the model produces is finite; counters are sized for the
longest horizon allowed, so they cannot overflow.

The checks raise :class:`polmodel.errors.PolmodelError` (a ``ValueError``) with one line naming
the argument, what was given and what is allowed. They are shared by the library functions, the
scenario loader and the CLI, so a bad value gets the same answer wherever it comes in.

This module imports nothing heavy at import time: the CLI reads its limits for ``--help``.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Iterable, Mapping
from typing import Any

from polmodel.errors import PolmodelError

MAX_HORIZON = 600
"""Months (50 years): far past anything the memo's reasoning covers; scenario files stop here too."""

MAX_WORLDS = 1_000_000_000
"""Plausible worlds in one ensemble. Above 200,000 ``compare`` and ``sweep`` stream in blocks at
constant memory (:mod:`polmodel.analysis.streaming`), so time binds, not memory: 10^8 worlds x 6
policies is about 6 core-minutes with the compiled engine. Analyses that keep every world check
their memory first (:func:`check_memory`)."""

MAX_POLICIES = 50
"""Policies in one scenario or comparison: the pairwise statistics grow with its square."""

MAX_SCENARIO_BYTES = 1_000_000
"""Largest scenario file read (the built-in ones are under 20 kB)."""

MAX_ROUNDS = 100
"""Rounds of estimates in one workshop (estimate, discuss, estimate again: a handful in practice);
a round number in an estimates file or ``elicit --round`` is a whole number from 1 to this."""

MAX_SEED = 2**64 - 1
"""Largest seed: seeds are whole numbers from 0 to this."""

MAX_WORKERS = 256
"""Most processes ``--workers`` may ask for (never more than there are chunks of worlds)."""

MAX_CHUNK = 10_000_000
"""Worlds in one chunk of an ensemble (a chunk is held whole in memory)."""

MONTHS_DTYPE = "int16"
"""Integer type of per-world month counters; it holds :data:`MAX_HORIZON` (checked at import)."""

if MAX_HORIZON > 2**15 - 1:  # pragma: no cover - a guard against editing one without the other
    raise ImportError("MAX_HORIZON does not fit the months counter type")

OUTCOME_BYTES_PER_POLICY = 8 + 2 + 4 + 1 + 4 + 4 + 16 + 16 + 32
"""Bytes per world and policy kept by a comparison: its outcomes, plus scratch for the statistics."""

OVERHEAD_BYTES = 128 * 2**20
"""Memory a comparison needs besides its arrays (chunk buffers, scratch, figures)."""


# ---------------------------------------------------------------------------------------------
# Checks of single values


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}... ({len(text)} characters)"


def _count(n: int) -> str:
    return f"{n:,}" if abs(n) >= 10_000 else str(n)


def _type_name(value: Any) -> str:
    """The type of ``value`` with its article: "a str", "an int"."""
    return with_article(type(value).__name__)


def with_article(name: str) -> str:
    """A type name with its article: "a str", "an int"."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def decimal(text: str) -> float:
    """A number written as people write one in ASCII (``0.25``, ``-1``, ``.5``, ``2e-3``).

    Python's ``float()`` also reads ``0.0_5``, digits of other scripts and ``nan``/``inf``: a
    typo, or a digit nobody in the room can read, becomes a number. Those raise ValueError here.
    A decimal too large for a float (``1e400``) reads as ``inf``: callers check finiteness.

    Examples
    --------
    >>> decimal(" 0.25 "), decimal("2e-3")
    (0.25, 0.002)
    >>> decimal("0.0_5")
    Traceback (most recent call last):
    ...
    ValueError: not a decimal number: '0.0_5'
    """
    if not isinstance(text, str) or not _DECIMAL.fullmatch(text.strip()):
        raise ValueError(f"not a decimal number: {text!r}")
    return float(text)


def check_whole(value: Any, name: str, low: int, high: int | None = None, what: str = "") -> int:
    """A whole number in [low, high]; bools, floats and strings are refused, not converted.

    Returns
    -------
    int

    Examples
    --------
    >>> check_whole(12, "horizon", 1, MAX_HORIZON)
    12
    >>> check_whole("12", "horizon", 1, MAX_HORIZON)
    Traceback (most recent call last):
    ...
    polmodel.errors.PolmodelError: horizon '12' is a str; allowed: a whole number from 1 to 600
    """
    allowed = f"a whole number{' of ' + what if what else ''} from {_count(low)}" + (
        f" to {_count(high)}" if high is not None else "")
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise PolmodelError(f"{name} {_shown(value)} is {_type_name(value)}; allowed: {allowed}")
    value = int(value)
    if value < low or (high is not None and value > high):
        raise PolmodelError(f"{name} {_shown(value)} is not allowed; allowed: {allowed}")
    return value


def check_number(value: Any, name: str, low: float, high: float) -> float:
    """A finite real number in [low, high]; bools and strings are refused, not converted.

    Returns
    -------
    float
    """
    allowed = f"a number from {low:g} to {high:g}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise PolmodelError(f"{name} {_shown(value)} is {_type_name(value)}; allowed: {allowed}")
    value = float(value)
    if not low <= value <= high:  # NaN fails here too
        raise PolmodelError(f"{name} = {_shown(value)} is outside the allowed range; allowed: "
                            f"{low:g} to {high:g}")
    return value


def check_seed(seed: Any) -> Any:
    """A seed: None, a whole number from 0 to :data:`MAX_SEED`, or a ``numpy.random.Generator``."""
    if seed is None or type(seed).__name__ == "Generator" and hasattr(seed, "bit_generator"):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise PolmodelError(f"seed {_shown(seed)} is {_type_name(seed)}; allowed: a whole number "
                            f"from 0 to 2**64-1, or a numpy.random.Generator")
    if not 0 <= seed <= MAX_SEED:
        raise PolmodelError(f"seed {_shown(seed)} is not allowed; allowed: a whole number from 0 "
                            "to 2**64-1")
    return int(seed)


def check_text(value: Any, name: str, *, optional: bool = False) -> str | None:
    """A string (or None when ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise PolmodelError(f"{name} {_shown(value)} is {_type_name(value)}; allowed: a name (a string)")
    return value


def check_names(value: Any, name: str, *, limit: int = MAX_POLICIES) -> list[str] | None:
    """A list of names (None for all); a single string is refused, not read letter by letter."""
    if value is None:
        return None
    if isinstance(value, str):
        raise PolmodelError(f"{name} {_shown(value)} is a single string; allowed: a list of names, "
                            f"e.g. [{value!r}]" if len(value) < 60 else
                            f"{name} is a single string; allowed: a list of names")
    if isinstance(value, Mapping) or not isinstance(value, Iterable):
        raise PolmodelError(f"{name} {_shown(value)} is {_type_name(value)}; allowed: a list of names")
    names = list(value)
    for item in names:
        check_text(item, f"{name}: item")
    if len(names) > limit:
        raise PolmodelError(f"{name}: {len(names):,} given; allowed: at most {limit}")
    return names


def check_callable(value: Any, name: str) -> Any:
    """None or something callable."""
    if value is not None and not callable(value):
        raise PolmodelError(f"{name} {_shown(value)} is not callable; allowed: a function or None")
    return value


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """One of ``choices``."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise PolmodelError(f"{name}: unknown {_shown(value)}; allowed: {', '.join(choices)}")
    return value


# ---------------------------------------------------------------------------------------------
# Checks of the keywords every run on plausible worlds takes


def check_sampling(worlds: Any, seed: Any, sampler: Any) -> int | None:
    """How many worlds to draw (None: none), the seed and the sampler, with the Sobol' rule.

    Returns
    -------
    int or None
        ``worlds`` as an int.

    Examples
    --------
    >>> check_sampling(1000, 0, "sobol")
    Traceback (most recent call last):
    ...
    polmodel.errors.PolmodelError: worlds: the balance properties of Sobol' points require a power of 2 (got 1000; try 512 or 1024)
    """
    if worlds is not None:
        worlds = check_whole(worlds, "worlds", 1, MAX_WORLDS)
    check_seed(seed)
    check_choice(sampler, "sampler", ("lhs", "sobol"))
    if worlds is not None and sampler == "sobol" and worlds & (worlds - 1):
        m = worlds.bit_length() - 1
        raise PolmodelError(f"worlds: the balance properties of Sobol' points require a power "
                            f"of 2 (got {worlds}; try {2**m} or {2 ** (m + 1)})")
    return worlds


def check_evaluation(chunk_size: Any, executor: Any, progress: Any) -> int:
    """Worlds per chunk, where chunks run (an object with ``submit``, or None), a progress callback.

    Returns
    -------
    int
        ``chunk_size`` as an int.
    """
    chunk_size = check_whole(chunk_size, "chunk_size", 1, MAX_CHUNK)
    check_callable(progress, "progress")
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise PolmodelError(f"executor: a {type(executor).__name__} has no submit(); allowed: a "
                            "concurrent.futures.Executor or None")
    return chunk_size


# ---------------------------------------------------------------------------------------------
# Memory


def available_memory() -> int | None:
    """Bytes this process can still allocate, as far as the system tells; None if unknown.

    The smallest of: memory the kernel reports available, what is left under the container's
    memory limit (cgroup v2), and what is left under this process's address-space limit.
    """
    found = []
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError):
        pass
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as f:
            cap = f.read().strip()
        if cap != "max":
            with open("/sys/fs/cgroup/memory.current", encoding="ascii") as f:
                found.append(int(cap) - int(f.read().strip()))
    except (OSError, ValueError):
        pass
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            found.append(soft - _virtual_size())
    except (ImportError, OSError, ValueError):
        pass
    return max(min(found), 0) if found else None


def _virtual_size() -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def comparison_bytes(worlds: int, dimensions: int, policies: int) -> int:
    """Estimated peak memory of comparing ``policies`` on ``worlds`` sampled worlds.

    The sampled worlds (8 bytes per world and uncertain number), each policy's per-world
    outcomes and the statistics' scratch, and a fixed overhead.
    """
    return worlds * (8 * dimensions + OUTCOME_BYTES_PER_POLICY * policies) + OVERHEAD_BYTES


def sweep_bytes(worlds: int, dimensions: int, points: int, policies: int, rows_per_call: int) -> int:
    """Estimated peak memory of a sweep of ``points`` grid points, each on ``worlds`` worlds.

    The sampled worlds, the answers kept for every grid point and world (a number and a flag,
    9 bytes), and one call's block of stacked points (up to ``rows_per_call`` rows, at least
    one point's worlds) with its outcomes for ``policies`` policies.
    """
    block = max(worlds, min(points, max(1, rows_per_call // max(worlds, 1))) * worlds)
    return (worlds * 8 * (dimensions + 2) + points * worlds * 9
            + block * (8 * (dimensions + 2) + OUTCOME_BYTES_PER_POLICY * policies) + OVERHEAD_BYTES)


def check_memory(worlds: int, dimensions: int, policies: int, *, need=None,
                 request: str | None = None, fewer: str | None = None) -> None:
    """Refuse, before allocating, a comparison that cannot fit in the memory available.

    Parameters
    ----------
    worlds, dimensions, policies : int
        The request; its size is :func:`comparison_bytes` unless ``need`` gives it.
    need : callable, optional
        Bytes needed for a number of worlds, for requests shaped otherwise (a sweep:
        :func:`sweep_bytes`); :func:`comparison_bytes` by default.
    request : str, optional
        The request in the words of its arguments ("a sweep of 101 points (--points) x ...").
    fewer : str, optional
        What to make smaller ("fewer --points or --worlds").

    Raises
    ------
    PolmodelError
        Saying how much is needed, how much is free, and how many worlds would fit.
    """
    bytes_for = need or (lambda w: comparison_bytes(w, dimensions, policies))
    need = bytes_for(worlds)
    free = available_memory()
    if free is None or need <= free:
        return
    if request is None:
        request = f"worlds {worlds:,} (--worlds)" + (
            f" x {policies} polic{'y' if policies == 1 else 'ies'}" if policies else "")
    if fewer is None:
        fewer = "fewer worlds (--worlds)" + (" or fewer policies" if policies else "")
    fits, too_many = 0, worlds  # the most worlds that fit: bytes grow with worlds, so bisect
    while too_many - fits > 1:
        mid = (fits + too_many) // 2
        fits, too_many = (mid, too_many) if bytes_for(mid) <= free else (fits, mid)
    raise PolmodelError(
        f"{request}: about {need / 2**30:.1f} GiB of memory needed, more than the "
        f"{free / 2**30:.1f} GiB available; allowed here: about {fits:,} worlds (use {fewer}, "
        "or free memory)")
