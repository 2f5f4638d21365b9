"""Work handed to an executor a few pieces at a time: ensembles' chunks and streamed blocks.

Any :class:`concurrent.futures.Executor` serves (a process pool, a Dask client's executor);
polmodel never schedules work itself. :func:`in_window` keeps only a few pieces submitted at
once and yields their results in order, so results do not pile up in memory and an interrupt has
little queued work to cancel.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future


def submission_window(executor: Executor) -> int:
    """How many pieces to keep submitted to ``executor`` at once: two per worker (8 if unknown).

    Enough to keep every worker busy, few enough that an interrupt has little queued work to
    cancel and that submitted pieces do not pile up in memory. A Dask client's executor counts
    the threads of its cluster's workers, as they are now.
    """
    workers = getattr(executor, "_max_workers", None)
    client = getattr(executor, "_client", None) or getattr(executor, "client", None)
    if workers is None and callable(getattr(client, "nthreads", None)):
        try:
            workers = sum(client.nthreads().values())
        except Exception:  # noqa: BLE001 - a count, not worth failing a run for
            workers = None
    return 2 * workers if isinstance(workers, int) and workers > 0 else 8


def in_window(executor: Executor, fn: Callable, args: Iterator[tuple],
              window: int | None = None) -> Iterator[Any]:
    """``fn(*a)`` for each ``a`` of ``args``, in order, at most ``window`` submitted at once.

    ``fn`` must be a top-level function for a process pool. Futures are dropped as they are read;
    when the caller stops early (Ctrl-C, an error), the pieces not yet running are cancelled.
    """
    window = submission_window(executor) if window is None else window
    pending: deque[Future] = deque()
    try:
        for a in islice(args, window):
            pending.append(executor.submit(fn, *a))
        while pending:
            result = pending.popleft().result()
            for a in islice(args, 1):
                pending.append(executor.submit(fn, *a))
            yield result
    finally:
        for future in pending:
            future.cancel()
