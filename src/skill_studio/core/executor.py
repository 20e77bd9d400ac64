"""The one thread pool of the core: parallel downloads, tree listings and external resolution.

Callers never create their own pool. They use:

* :func:`map_ordered` — ``[func(x) for x in items]`` with at most ``limit`` running at once, in
  input order. The calling thread works too, so a call made from inside a pool task (a plugin
  listing that downloads its SKILL.md files) can never deadlock on a busy pool.
* :class:`Limited` — ``submit`` with a per-caller bound, for callers that consume results as they
  finish (``wait(FIRST_COMPLETED)``). Work over the bound waits in the caller's own queue, never
  on a pool thread.
* :func:`shared` — the pool itself, for a single background task (the tree download of a listing).

The pool is bounded (:data:`MAX_WORKERS` threads, created lazily) and shut down at interpreter
exit, or earlier by :func:`shutdown` (the next use creates a new one).
"""

from __future__ import annotations

import atexit
import functools
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

__all__ = ["MAX_WORKERS", "Limited", "map_ordered", "shared", "shutdown"]

MAX_WORKERS = 96
"""Threads of the shared pool: one client's REST bound (8) plus its raw-download bound (64), and
room for the callers that run work of their own (tree downloads, external resolution) and for a
second host's client. Threads are created only when work is queued."""

_T = TypeVar("_T")
_R = TypeVar("_R")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def shared() -> ThreadPoolExecutor:
    """The core's shared pool (created on first use; at most :data:`MAX_WORKERS` threads)."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="skill-studio")
        return _pool


def shutdown(wait: bool = True) -> None:
    """Shut the shared pool down: queued work is cancelled; with ``wait``, running work finishes
    first. Safe to call twice; a later :func:`shared` starts a new pool."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=True)


atexit.register(shutdown)


def map_ordered(func: Callable[[_T], _R], items: Sequence[_T], limit: int) -> list[_R]:
    """``[func(x) for x in items]`` with at most ``limit`` calls running at once; results in input
    order. The calling thread takes items too (up to ``limit - 1`` pool helpers join it), so the
    call finishes even when no pool thread is free.

    Args:
        func: called once per item, from the calling thread or a pool thread.
        items: the inputs.
        limit: bound on concurrent calls (1 or less: sequential in the calling thread).

    Returns:
        The results, one per item, in order.

    Raises:
        The first exception raised by ``func``; items not yet started are then skipped, and
        helpers still running are waited for before it propagates.
    """
    n = min(limit, len(items))
    if n <= 1:
        return [func(x) for x in items]
    results: list[Any] = [None] * len(items)
    cursor = iter(range(len(items)))
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        while True:
            with lock:
                if errors:
                    return
                i = next(cursor, None)
            if i is None:
                return
            try:
                results[i] = func(items[i])
            except BaseException as err:  # noqa: BLE001 - handed to the caller below
                with lock:
                    errors.append(err)
                return

    helpers = [shared().submit(work) for _ in range(n - 1)]
    try:
        work()
    finally:
        for h in helpers:
            if not h.cancel():
                h.result()
    if errors:
        raise errors[0]
    return results


class Limited:
    """A submitter with its own bound over the shared pool: at most ``limit`` of its tasks run at
    once; the rest wait in this object's queue (not on a pool thread). As a context manager it
    behaves like a ``ThreadPoolExecutor`` of its own: leaving waits for every task it was given.

    Args:
        limit: bound on this submitter's concurrent tasks (at least 1).
    """

    def __init__(self, limit: int) -> None:
        self._limit = max(1, limit)
        self._lock = threading.Lock()
        self._running = 0
        self._queue: deque[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]] = deque()
        self._all: list[Future[Any]] = []

    def submit(self, fn: Callable[..., _R], *args: Any) -> Future[_R]:
        """Schedule ``fn(*args)``; the returned future can be cancelled until it starts."""
        outer: Future[_R] = Future()
        with self._lock:
            self._queue.append((outer, fn, args))
            self._all.append(outer)
        self._pump()
        return outer

    def wait(self) -> None:
        """Block until every task submitted so far has finished or been cancelled."""
        with self._lock:
            futures = list(self._all)
        wait(futures)

    def __enter__(self) -> Limited:
        return self

    def __exit__(self, *exc: object) -> None:
        self.wait()

    def _pump(self) -> None:
        while True:
            with self._lock:
                if self._running >= self._limit or not self._queue:
                    return
                outer, fn, args = self._queue.popleft()
                if not outer.set_running_or_notify_cancel():
                    continue  # cancelled while queued
                self._running += 1
            try:
                inner = shared().submit(fn, *args)
            except BaseException as err:  # noqa: BLE001 - a pool shut down at exit
                self._finish(outer, None, error=err)
                continue
            inner.add_done_callback(functools.partial(self._finish, outer, error=None))

    def _finish(self, outer: Future[Any], inner: Future[Any] | None, *, error: BaseException | None) -> None:
        if inner is not None:
            if inner.cancelled():
                error = RuntimeError("the shared pool was shut down")
            else:
                error = inner.exception()
        if error is not None:
            outer.set_exception(error)
        else:
            assert inner is not None
            outer.set_result(inner.result())
        with self._lock:
            self._running -= 1
        self._pump()
