"""Background operations: run core calls on a ``QThreadPool`` and get the result back on the GUI thread.

The GUI never does network or disk-heavy work on its own thread (DESIGN.md). Everything slow goes
through :class:`BackgroundOp`, shaped after Anki's ``QueryOp``::

    BackgroundOp(self, lambda progress: studio.list_registry(reg, progress), self._loaded) \\
        .failure(self._failed) \\
        .with_progress(self._progress) \\
        .run_in_background()

Rules:

- ``op`` runs on a pool thread and receives one argument, a thread-safe ``progress(done, total)``
  callable that core functions accept as their ``progress`` parameter. ``op`` must not touch widgets.
- ``success(result)``, ``failure(error)``, ``progress(done, total)`` and ``finally_()`` callbacks run
  on the GUI thread, delivered through a queued signal on a QObject that lives there.
- When ``parent`` (usually the widget that started the op) has been deleted by the time the result
  arrives, the callbacks are dropped: a closed dialog is never resurrected by a late answer.
- Progress calls are coalesced: however often the core reports (it may do so from several fetch
  threads at once), the GUI receives at most one pending progress event at a time, with the latest
  figures.
- Intermediate results (e.g. a registry listing that fills in progressively) go through
  :meth:`BackgroundOp.publish`, delivered to the ``with_partial`` callback on the GUI thread,
  coalesced the same way (publish whole snapshots: only the latest pending one is delivered) and
  always before the final result; none arrive after it::

      job = BackgroundOp(self, lambda progress: work(lambda part: job.publish(part)), self._done)
      job.with_partial(self._show_partial).run_in_background()

Thread-safety: construct and start ops on the GUI thread; ``progress`` may be called from any thread.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThreadPool, QTimer, Signal, Slot

from skill_studio.core.errors import SkillStudioError

log = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[[int, int], None]
"""``progress(done, total)``: counts of work units (files, skills); ``total`` may grow."""


def describe_error(err: BaseException) -> str:
    """The sentence the UI shows for an error: ``str(err)`` for the core's typed errors (they are
    written for users), the class name and text for anything else (a bug). Never a traceback."""
    if isinstance(err, SkillStudioError):
        return str(err)
    text = str(err).strip()
    return f"Unexpected error ({err.__class__.__name__}){': ' + text if text else ''}."


class _Relay(QObject):
    """A QObject living on the GUI thread that runs closures posted from any thread."""

    _posted = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        app = QCoreApplication.instance()
        if app is not None and self.thread() is not app.thread():  # pragma: no cover - defensive
            self.moveToThread(app.thread())
        # AutoConnection: the receiver lives on the GUI thread, so an emit from a pool thread is queued.
        self._posted.connect(self._run)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        fn()

    def post(self, fn: Callable[[], None]) -> None:
        """Run ``fn()`` on the GUI thread (queued when called from another thread). Dropped quietly
        when the relay is gone (the application is shutting down: nobody is left to tell)."""
        try:
            self._posted.emit(fn)
        except RuntimeError:  # "Signal source has been deleted" (issue 15)
            log.debug("dropping a background result: the GUI is gone")


_relay: _Relay | None = None
_live: set[BackgroundOp[Any]] = set()
"""Ops between start and delivery; holds the Python references so nothing is collected mid-flight."""


def _get_relay() -> _Relay:
    global _relay
    if _relay is None or not shiboken6.isValid(_relay):
        _relay = _Relay()
    return _relay


def active_ops() -> int:
    """Number of ops started and not yet delivered (for tests and shutdown)."""
    return len(_live)


IO_THREADS = 16
"""Threads of :func:`io_pool`: background operations mostly wait on the network or the disk, so the
pool is sized for waiting, not for the CPU count (Qt's global pool has one thread per CPU: on two
CPUs, two registry tabs loaded at a time; issue 18)."""

_pools: dict[str, QThreadPool] = {}
"""The GUI's own pools by name (besides Qt's global one), so shutdown and the tests wait for all."""


def named_pool(name: str, threads: int) -> QThreadPool:
    """The pool called ``name`` with ``threads`` threads, created on first use and known to
    :func:`all_pools` (so :func:`wait_for_background` waits for it too)."""
    pool = _pools.get(name)
    if pool is None:
        pool = _pools[name] = QThreadPool()
        pool.setObjectName(name)
        pool.setMaxThreadCount(threads)
    return pool


def io_pool() -> QThreadPool:
    """The GUI's pool for network loads (created on first use, :data:`IO_THREADS` threads): every
    registry tab of the browse dialog loads at once."""
    return named_pool("skill-studio-io", IO_THREADS)


def all_pools() -> list[QThreadPool]:
    """Every pool background operations run on: the named ones and Qt's global pool."""
    return [*_pools.values(), QThreadPool.globalInstance()]


def wait_for_background(msecs: int) -> bool:
    """Wait up to ``msecs`` for every background operation (each pool of :func:`all_pools` in
    turn, each given ``msecs``); True when all finished."""
    finished = [pool.waitForDone(msecs) for pool in all_pools()]  # every pool, even after one timed out
    return all(finished)


class BackgroundOp(Generic[T]):
    """One background operation with GUI-thread callbacks (see the module docstring).

    Args:
        parent: the QObject whose lifetime bounds the callbacks (None: always deliver).
        op: ``op(progress) -> result``, run on a pool thread; raises to report failure.
        success: ``success(result)`` on the GUI thread, or None.
    """

    def __init__(self, parent: QObject | None, op: Callable[[Progress], T],
                 success: Callable[[T], None] | None = None) -> None:
        self._parent = parent
        self._op: Callable[[Progress], T] | None = op
        self._success = success
        self._failure: Callable[[BaseException], None] | None = None
        self._progress: Callable[[int, int], None] | None = None
        self._finally: Callable[[], None] | None = None
        self._relay = _get_relay()
        self._lock = threading.Lock()
        self._latest: tuple[int, int] | None = None
        self._progress_pending = False
        self._partial: Callable[[Any], None] | None = None
        self._partial_value: Any = None
        self._partial_pending = False
        self._done = False

    def failure(self, callback: Callable[[BaseException], None]) -> BackgroundOp[T]:
        """Set ``callback(error)``, called on the GUI thread when ``op`` raises. Without one, the
        error is logged."""
        self._failure = callback
        return self

    def with_progress(self, callback: Callable[[int, int], None]) -> BackgroundOp[T]:
        """Set ``callback(done, total)``, called on the GUI thread with the latest progress figures."""
        self._progress = callback
        return self

    def with_partial(self, callback: Callable[[Any], None]) -> BackgroundOp[T]:
        """Set ``callback(value)``, called on the GUI thread with the latest value passed to
        :meth:`publish` (intermediate results, delivered before the final one)."""
        self._partial = callback
        return self

    def finally_(self, callback: Callable[[], None]) -> BackgroundOp[T]:
        """Set ``callback()``, called on the GUI thread after success or failure."""
        self._finally = callback
        return self

    def run_in_background(self, pool: QThreadPool | None = None) -> BackgroundOp[T]:
        """Start ``op`` on ``pool`` (default: Qt's global pool; network loads pass :func:`io_pool`).
        Returns self."""
        _live.add(self)
        (pool or QThreadPool.globalInstance()).start(self._work)
        return self

    # -- pool thread ---------------------------------------------------------------------------

    PROGRESS_INTERVAL_S = 0.05
    """Progress reaches the GUI thread at most once per this many seconds, the latest figures each
    time (issue 18: each delivery is a call into Python on the GUI thread, which waits for the
    interpreter lock while the worker threads parse; a cold listing delivered a dozen per 40 ms)."""

    def _report_progress(self, done: int, total: int) -> None:
        """The ``progress`` callable handed to ``op``: keeps the latest figures and posts a
        delivery to the GUI thread unless one is pending (:meth:`_deliver_progress` paces them)."""
        if self._progress is None:
            return
        with self._lock:
            self._latest = (int(done), int(total))
            if self._progress_pending:
                return
            self._progress_pending = True
        self._relay.post(self._deliver_progress)

    def publish(self, value: Any) -> None:
        """Hand an intermediate result to the ``with_partial`` callback (thread-safe; call from ``op``).

        Coalesced: when the GUI thread has not taken the previous value yet, it is replaced, so
        publish complete snapshots rather than increments. Values published after ``op`` returned
        are dropped.
        """
        if self._partial is None:
            return
        with self._lock:
            self._partial_value = value
            if self._partial_pending:
                return
            self._partial_pending = True
        self._relay.post(self._deliver_partial)

    def _work(self) -> None:
        # No local holds ``op``: once delivered, the GUI thread drops it (see _release), and no
        # reference to what it captures may be left on this thread.
        try:
            if self._op is None:  # pragma: no cover - started twice
                raise RuntimeError("background operation started twice")
            result = self._op(self._report_progress)
        except BaseException as err:
            if not isinstance(err, SkillStudioError) and self._alive_from_worker():
                log.exception("background operation failed")
            self._relay.post(functools.partial(self._deliver, None, err))  # bind: ``err`` is unset after except
        else:
            self._relay.post(lambda: self._deliver(result, None))

    # -- GUI thread ----------------------------------------------------------------------------

    def _alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _alive_from_worker(self) -> bool:
        """Whether anyone still waits for this op (checked from the pool thread): an op whose
        parent was closed, or that ran while the application shut down, fails quietly (the
        studio may have closed its clients and database under it; issue 15)."""
        return self._alive() and QCoreApplication.instance() is not None and shiboken6.isValid(self._relay)

    def _deliver_progress(self) -> None:
        """GUI thread: hand the latest figures to the callback, then stay pending for
        :data:`PROGRESS_INTERVAL_S`. Reports meanwhile only replace the figures; the pause's end
        delivers the latest, or, when none came, lets the next report post again. The last
        figures before the result are delivered with it (:meth:`_deliver`)."""
        with self._lock:
            latest, self._latest = self._latest, None
            if latest is None or self._done:
                self._progress_pending = False
                return
        if self._progress is not None and self._alive():
            self._progress(*latest)
        QTimer.singleShot(round(self.PROGRESS_INTERVAL_S * 1000), self._deliver_progress)

    def _deliver_partial(self) -> None:
        with self._lock:
            value, self._partial_value = self._partial_value, None
            self._partial_pending = False
        if not self._done and self._partial is not None and self._alive():
            self._partial(value)

    def _release(self) -> None:
        """Drop the op, the callbacks and the parent, on the GUI thread. The pool thread may hold
        the last reference to this object (its runnable); were the callbacks still here, a widget
        they capture could then be destroyed on that thread, which crashes Qt ("QBasicTimer::stop:
        Failed. Possibly trying to stop from a different thread", then a segfault)."""
        self._op = None
        self._success = self._failure = self._finally = None
        self._progress = self._partial = None
        self._partial_value = None
        self._parent = None

    def _deliver(self, result: Any, err: BaseException | None) -> None:
        self._done = True
        _live.discard(self)
        if not self._alive():
            log.debug("dropping the result of a background op whose parent is gone")
            self._release()
            return
        with self._lock:
            held, self._latest = self._latest, None
        try:
            if err is None:
                if held is not None and self._progress is not None:  # the figures a pause held back
                    self._progress(*held)
                if self._success is not None:
                    self._success(result)
            elif self._failure is not None:
                self._failure(err)
            else:
                log.error("background operation failed: %s", describe_error(err))
        finally:
            try:
                if self._finally is not None:
                    self._finally()
            finally:
                self._release()


def run_in_background(parent: QObject | None, op: Callable[[Progress], T], success: Callable[[T], None] | None = None,
                      failure: Callable[[BaseException], None] | None = None,
                      progress: Callable[[int, int], None] | None = None) -> BackgroundOp[T]:
    """Shorthand: build a :class:`BackgroundOp` with the given callbacks and start it."""
    job = BackgroundOp(parent, op, success)
    if failure is not None:
        job.failure(failure)
    if progress is not None:
        job.with_progress(progress)
    return job.run_in_background()
