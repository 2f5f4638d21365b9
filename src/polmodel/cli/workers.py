"""Long work on the command line: the progress bar and the worker processes."""

from __future__ import annotations

import os
import sys

import click

from polmodel.cli.common import _STOPPED_POOL


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


def make_executor(workers: int, worlds: int, chunk_size: int):
    """A process pool of :func:`process_count` processes, or None to run in this process."""
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


