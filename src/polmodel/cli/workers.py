"""Long work on the command line: the progress bar and the worker processes."""

from __future__ import annotations

import os
import sys

import click

from polmodel.cli.common import _STOPPED_POOL, BadInput


class LazyProgress:
    """A click progress bar that appears on the first progress, so early errors stay one line.

    When it stops on an error, the line its label or bar left open is ended, once: the error
    that follows starts its own line, right after the label (never glued to it, never after a
    blank line), whatever click wrote after the label.
    """

    def __init__(self, **kwargs) -> None:
        self.stream = _LineEnds(kwargs.pop("file", None) or sys.stderr)
        self.kwargs = kwargs
        self.bar = None

    def update(self, n: int) -> None:
        """Advance by ``n`` (starting the bar on first use)."""
        if self.bar is None:
            self.bar = click.progressbar(file=self.stream, **self.kwargs)
            self.bar.__enter__()
        self.bar.update(n)

    def __enter__(self) -> LazyProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is None:
            return
        self.bar.__exit__(*exc)
        if exc[0] is not None and self.stream.open_line:
            self.stream.write("\n")  # a bar stopped early can leave its line open: end it
            self.stream.flush()


class _LineEnds:
    """A text stream that remembers whether what was written to it ends a line."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self.open_line = False

    def write(self, text: str) -> int:  # noqa: D102
        if text:
            self.open_line = not text.endswith("\n")
        return self._stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


# ---- Executors -----------------------------------------------------------------------------


def process_count(workers: int, worlds: int, chunk_size: int) -> int:
    """Processes worth starting: no more than asked, and no more than there are chunks."""
    chunks = -(-worlds // chunk_size)
    return max(1, min(workers, chunks))


def _worker_setup() -> None:
    """Worker processes leave Ctrl-C to the main process, which cancels and reports once.

    They also stop if the main process dies (killed, say): a worker waiting for work from a
    parent that is gone would otherwise wait for ever.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        import time

        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="polmodel-parent-watch").start()


def make_executor(workers: int, worlds: int, chunk_size: int, scheduler: str | None = None):
    """A process pool of :func:`process_count` processes, or None to run in this process.

    With ``scheduler`` (--scheduler), the executor of a Dask cluster at that address instead.
    """
    if scheduler is not None:
        if workers > 1:
            raise BadInput(f"--workers {workers} and --scheduler: one or the other; allowed: "
                           "--workers for processes here, --scheduler for a Dask cluster")
        return dask_executor(scheduler)
    n = process_count(workers, worlds, chunk_size)
    if n <= 1:
        return None
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=n, initializer=_worker_setup)


def shutdown(executor, *, interrupted: bool = False) -> None:
    """Stop an executor, cancelling queued work.

    After an interrupt or an error, the worker processes are also stopped at once rather than
    left to finish their running chunks (seconds each on a busy machine): their results would
    be thrown away.
    """
    if executor is None:
        return
    if not interrupted:
        executor.shutdown(wait=True, cancel_futures=True)
        return
    # ProcessPoolExecutor keeps its processes in a private table (emptied by shutdown, so read
    # first); other executors (a Dask client's) have none and keep their own cancellation.
    processes = list((getattr(executor, "_processes", None) or {}).values())
    call_queue = getattr(executor, "_call_queue", None)
    executor.shutdown(wait=False, cancel_futures=True)
    if call_queue is not None:
        # Chunks already handed to the queue would be fed to processes that are gone: do not
        # let exit wait for that.
        call_queue.cancel_join_thread()
    for proc in processes:
        proc.terminate()
    for proc in processes:
        proc.join(timeout=5)
    if processes:
        _STOPPED_POOL.append(True)


# ---- A Dask cluster ------------------------------------------------------------------------


class DaskPool:
    """A Dask client's executor that disconnects its client when shut down (the cluster stays).

    A :class:`concurrent.futures.Executor` in all but name (``submit``, ``map``, ``shutdown``),
    so that the command line does not import :mod:`concurrent.futures` to start.
    """

    def __init__(self, client) -> None:
        self.client = client
        self._executor = client.get_executor()

    def submit(self, fn, /, *args, **kwargs):  # noqa: D102
        return self._executor.submit(fn, *args, **kwargs)

    def map(self, fn, *iterables, **kwargs):  # noqa: D102
        return self._executor.map(fn, *iterables, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:  # noqa: D102
        try:
            self._executor.shutdown(wait=wait and not cancel_futures)  # False cancels
        finally:
            self.client.close()


def _polmodel_version() -> str:
    """The version of polmodel where this runs (a Dask worker)."""
    import polmodel

    return polmodel.__version__


def dask_executor(address: str) -> DaskPool:
    """The executor of the Dask cluster whose scheduler is at ``address``, checked first.

    Within Dask's connect timeout (``distributed.comm.timeouts.connect``, 30 s unless
    configured) the scheduler answers and has a worker, or this is a one-line error: never a
    wait for ever. Workers must run this polmodel's version: another could give other numbers.
    """
    try:
        import dask
        import distributed
    except ImportError:
        raise BadInput("--scheduler: needs Dask's distributed; allowed: after "
                       "pip install \"polmodel[dask]\"") from None
    from distributed.comm.addressing import parse_address, parse_host_port

    try:  # before a Client: a half-made one given a bad address stalls exit for a minute
        protocol, location = parse_address(address)
        if protocol in ("tcp", "tls"):
            parse_host_port(location)
    except ValueError as exc:
        raise BadInput(f"--scheduler {address}: {exc}; allowed: a scheduler's address, e.g. "
                       "tcp://HOST:8786") from None
    timeout = dask.config.get("distributed.comm.timeouts.connect")
    try:
        client = distributed.Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise BadInput(f"--scheduler {address}: no Dask scheduler answered ({exc}); allowed: "
                       "the address of a running scheduler, e.g. tcp://HOST:8786") from None
    try:
        client.wait_for_workers(1, timeout=timeout)
        seen = set(client.run(_polmodel_version).values())
    except Exception as exc:  # noqa: BLE001 - any failure here means the cluster cannot run us
        client.close()
        what = ("has no worker" if isinstance(exc, TimeoutError)
                else f"has workers that cannot run polmodel ({type(exc).__name__}: {exc})")
        raise BadInput(f"--scheduler {address}: the cluster {what}; allowed: a cluster whose "
                       "workers have polmodel installed") from None
    import polmodel

    theirs = sorted(seen - {polmodel.__version__})
    if theirs:
        client.close()
        raise BadInput(f"--scheduler {address}: workers run polmodel {', '.join(theirs)}, this is "
                       f"{polmodel.__version__}; allowed: the same version everywhere")
    return DaskPool(client)
