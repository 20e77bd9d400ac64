"""Cold registry listings in a child process, so the GUI's event loop never waits for them (issue 18).

Why a process: a cold listing downloads hundreds of files (tree, catalog, plugin.json, SKILL.md)
on dozens of threads and parses them as they arrive. In the GUI's process those threads held the
interpreter lock about 85 % of the time while the 307-skill catalog loaded (1.0 s of CPU in 1.1 s
of wall time, 2 cores), and CPython lets a thread returning from a socket take the lock ahead of
a thread already waiting for it: the GUI thread, re-entering Python from Qt, waited 50–190 ms at a
time. Fewer threads, nicer threads and other switch intervals did not bound that wait; another
interpreter does. The child has its own lock; the GUI's process only waits on a pipe and unpickles
each answer (about 16 ms for the 307-skill catalog, its trees pruned as the listing cache stores
them, ``core.cache.pruned``).

Same code, same limits: the child runs :func:`skill_studio.app.listing.list_at_commit` with a
client built from the parent's client's :class:`~skill_studio.core.github.ClientSettings`, so
deadlines, size caps, hostile-input limits and typed errors are those of an in-process listing.
Errors come back as their own class with their attributes (``status``, ``url``, ``reset_at``…);
a failure that is not a ``SkillStudioError`` (a bug) comes back as a ``RuntimeError`` naming it,
its traceback logged. :meth:`ListingProcess.abort` (*Cancel*, closing the window) aborts every
client of the child: its listings fail with ``CancelledError`` within milliseconds, as in-process
ones do. A progress callback that raises cancels its own listing only.

One child serves every listing (one thread per listing in it, one client per set of settings,
so connections are reused), started on first use or by :meth:`ListingProcess.start`, with the
``spawn`` method on every platform (no fork of a process running Qt). When the child cannot start,
:class:`ListingProcessUnavailable` tells the caller to list in its own process (``SkillStudio``
does, and logs it). When it dies while listing (a crash, memory exhausted, killed), the listings it
held fail with ``ListingProcessError`` instead: the input that ended the child is not run again in
the GUI's process. The next listing starts a new child.

Protocol (``multiprocessing`` connection, pickled tuples), parent → child:
``("list", job, settings, source, commit, cache root)``, ``("cancel", job)``, ``("abort",)``, ``("stop",)``;
child → parent: ``("progress", job, done, total)`` (at most every :data:`PROGRESS_INTERVAL_S`, and
the last), ``("wait", 0, text)`` (a slow or retried request, for ``on_wait``), ``("done", job,
listing)``, ``("error", job, packed error)``.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import queue
import signal
import threading
import time
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from skill_studio.core import errors as errors_module
from skill_studio.core.cache import ListingCache, pruned
from skill_studio.core.errors import CancelledError, ListingProcessError, SkillStudioError
from skill_studio.core.github import ClientSettings, GitHubClient
from skill_studio.core.models import Listing, Progress, RegistrySource

log = logging.getLogger(__name__)

__all__ = ["PROGRESS_INTERVAL_S", "ListingProcess", "ListingProcessUnavailable"]

PROGRESS_INTERVAL_S = 0.05
"""Shortest time between two progress messages of one listing (the GUI shows progress at most
every 50 ms too, ``ui.workers.BackgroundOp.PROGRESS_INTERVAL_S``)."""

STOP_WAIT_S = 5.0
"""How long :meth:`ListingProcess.close` waits for the child to exit before terminating it."""


class ListingProcessUnavailable(Exception):
    """The child could not be started, or was gone before a listing was sent to it: list in the
    calling process (the listing's input never reached the child)."""


# -- errors across the pipe ------------------------------------------------------------------------

def _pack_error(err: BaseException) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    """``(class name, args, attributes)`` of a ``core.errors`` class; anything else (a bug) becomes
    ``RuntimeError`` naming its class and message (its traceback is logged in the child)."""
    cls = type(err)
    if isinstance(err, SkillStudioError) and getattr(errors_module, cls.__name__, None) is cls:
        return cls.__name__, tuple(err.args), dict(vars(err))
    return "RuntimeError", (f"the listing process failed: {cls.__name__}: {err}",), {}


def _unpack_error(packed: tuple[str, tuple[Any, ...], dict[str, Any]]) -> BaseException:
    """The error :func:`_pack_error` described: its class, ``args`` and attributes, without calling
    its ``__init__`` (whose signature differs from ``args`` for e.g. ``RateLimitError``)."""
    name, args, attrs = packed
    cls = getattr(errors_module, name, None)
    if not (isinstance(cls, type) and issubclass(cls, SkillStudioError)):
        return RuntimeError(*args)
    err = cls.__new__(cls)
    err.args = args
    err.__dict__.update(attrs)
    return err


# -- the child -------------------------------------------------------------------------------------

def _serve(conn: Connection) -> None:
    """The child's main loop: one thread per listing; returns when the parent says stop or goes
    away (end of the pipe)."""
    from skill_studio.app.listing import list_at_commit  # the child needs nothing else of the app

    try:  # Ctrl+C in a terminal reaches the whole process group: the parent decides when to stop
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError):  # pragma: no cover - not the main thread, or no such signal
        pass

    send_lock = threading.Lock()
    clients: dict[ClientSettings, GitHubClient] = {}
    clients_lock = threading.Lock()
    cancelled: set[int] = set()

    def send(message: tuple[Any, ...]) -> None:
        with send_lock:
            try:
                conn.send(message)
            except (OSError, ValueError):  # the parent is gone; the main loop ends on EOF
                pass

    def client_for(settings: ClientSettings) -> GitHubClient:
        """One client per set of settings (connections reused across listings); its notices are
        the child's, not one listing's."""
        with clients_lock:
            client = clients.get(settings)
            if client is None or client.aborted:
                client = clients[settings] = settings.client(on_wait=lambda text: send(("wait", 0, text)))
            return client

    def run(job: int, settings: ClientSettings, source: RegistrySource, commit: str, cache_root: Path | None) -> None:
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            if job in cancelled:
                raise CancelledError()
            now = time.monotonic()
            if done >= total or now - last >= PROGRESS_INTERVAL_S:
                last = now
                send(("progress", job, done, total))

        try:
            listing = pruned(list_at_commit(client_for(settings), source, commit, progress))
            if cache_root is not None:  # here, not in the GUI's process: 30 ms of JSON in one C call
                ListingCache(cache_root).save(listing, settings.api_base)
        except BaseException as err:  # noqa: BLE001 - every failure goes back to the waiting parent
            if not isinstance(err, SkillStudioError):
                log.error("listing %s failed in the listing process:\n%s", source.slug, traceback.format_exc())
            send(("error", job, _pack_error(err)))
        else:
            send(("done", job, listing))
        finally:
            cancelled.discard(job)

    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        kind = message[0]
        if kind == "list":
            threading.Thread(target=run, args=message[1:], name=f"listing-{message[1]}", daemon=True).start()
        elif kind == "cancel":
            cancelled.add(message[1])
        elif kind == "abort":
            with clients_lock:
                aborting = list(clients.values())
                clients.clear()
            for client in aborting:
                client.abort()
        elif kind == "stop":
            break
    conn.close()


# -- the parent ------------------------------------------------------------------------------------

class ListingProcess:
    """The child process that lists registries for the GUI (see the module's docstring).

    Args:
        on_wait: called (from a background thread) with the child's "waiting for GitHub…"
            sentences, as a client's ``on_wait`` is.

    Thread-safety: any number of threads may call :meth:`list_at_commit` at once.
    """

    def __init__(self, on_wait: Callable[[str], None] | None = None) -> None:
        self.on_wait = on_wait
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._process: Any = None  # multiprocessing.process.BaseProcess (the spawn context's Process)
        self._conn: Connection | None = None
        self._jobs: dict[int, tuple[Connection, queue.SimpleQueue[tuple[Any, ...]]]] = {}
        """Listings waiting for an answer: job → (the child's connection it was sent on, its inbox)."""
        self._ids = itertools.count(1)
        self._closed = False

    def start(self) -> None:
        """Start the child now (it imports the listing code for about 0.3 s, in its own process)
        instead of at the first listing.

        Raises:
            ListingProcessUnavailable: the child could not be started.
        """
        with self._lock:
            self._ensure()

    def _ensure(self) -> Connection:
        """The live child's connection, starting a child when there is none (lock held)."""
        if self._closed:
            raise ListingProcessUnavailable("the listing process was closed")
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        try:
            process = ctx.Process(target=_serve, args=(child,), name="skill-studio-listing", daemon=True)
            process.start()
        except (OSError, RuntimeError, ValueError) as err:
            parent.close()
            raise ListingProcessUnavailable(f"could not start the listing process ({err})") from err
        finally:
            child.close()
        self._process, self._conn = process, parent
        threading.Thread(target=self._read, args=(parent, process), name="listing-process-reader", daemon=True).start()
        return parent

    def _read(self, conn: Connection, process: Any = None) -> None:
        """Reader thread: hand each message to its listing's queue; when the child goes away, every
        listing still waiting on it hears so, with the child's exit code when known."""
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                break
            if message[0] == "wait":
                if self.on_wait is not None:
                    try:
                        self.on_wait(message[2])
                    except Exception:  # noqa: BLE001 - a notice must not end the reader
                        log.exception("on_wait failed")
                continue
            with self._lock:
                entry = self._jobs.get(message[1])
            if entry is not None:
                entry[1].put(message)
        with self._lock:
            if self._conn is conn:
                self._conn = None
            waiting = [inbox for sent_on, inbox in self._jobs.values() if sent_on is conn]  # not a newer child's
        code = None
        if process is not None:
            process.join(1.0)
            code = process.exitcode
        for inbox in waiting:
            inbox.put(("lost", code))

    def _send(self, conn: Connection, message: tuple[Any, ...]) -> bool:
        with self._send_lock:
            try:
                conn.send(message)
                return True
            except (OSError, ValueError):
                return False

    def list_at_commit(self, settings: ClientSettings, source: RegistrySource, commit: str,
                       progress: Progress | None = None, cache_root: Path | None = None) -> Listing:
        """:func:`skill_studio.app.listing.list_at_commit` in the child; blocks until it answers
        (the calling thread waits on a queue, holding no lock).

        Args:
            settings: the parent client's settings (``GitHubClient.settings()``).
            source: the registry.
            commit: the commit to list.
            progress: optional ``progress(done, total)``, called on the calling thread; when it
                raises, the child's listing is cancelled and the error raised here.
            cache_root: the ``core.cache.ListingCache`` folder: the child stores the listing there
                (under ``settings.api_base``) before it answers, so a later ``load`` finds it and
                the GUI's process never encodes it.

        Returns:
            The listing, its trees pruned to the skill folders (``core.cache.pruned``).

        Raises:
            ListingProcessUnavailable: the child could not start, or was gone before the listing
                was sent (the caller may list in its own process).
            ListingProcessError: the child ended while listing (not listed again here: the same
                input could end the caller's process; the next listing starts a new child).
            SkillStudioError subclasses: as an in-process listing raises them.
            RuntimeError: the listing failed on a bug in the child (logged there).
        """
        inbox: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        with self._lock:
            conn = self._ensure()
            job = next(self._ids)
            self._jobs[job] = (conn, inbox)
        try:
            if not self._send(conn, ("list", job, settings, source, commit, cache_root)):
                raise ListingProcessUnavailable("the listing process is gone")
            while True:
                message = inbox.get()
                kind = message[0]
                if kind == "progress":
                    if progress is not None:
                        try:
                            progress(message[2], message[3])
                        except BaseException:
                            self._send(conn, ("cancel", job))
                            raise
                elif kind == "done":
                    listing: Listing = message[2]
                    return listing
                elif kind == "error":
                    raise _unpack_error(message[2])
                else:  # "lost": not listed again here, where the same input could end this process
                    if self._closed:  # closed under it (the app quits): a cancellation, not a failure
                        raise CancelledError()
                    code = message[1]
                    how = "" if code is None else (f" (signal {-code})" if code < 0 else f" (exit code {code})")
                    raise ListingProcessError(
                        f"The listing process stopped while listing {source.slug}{how}. Nothing was changed; "
                        "Retry lists it again.")
        finally:
            with self._lock:
                self._jobs.pop(job, None)

    def abort(self) -> None:
        """Abandon every listing in flight (issue 15's *Cancel*): the child aborts its clients and
        those listings fail with ``CancelledError``; later listings use fresh clients."""
        with self._lock:
            conn = self._conn
        if conn is not None:
            self._send(conn, ("abort",))

    def close(self) -> None:
        """Stop the child (waits up to :data:`STOP_WAIT_S`, then terminates it). Listings still
        waiting fail with ``CancelledError``; later ones with :class:`ListingProcessUnavailable`
        (``SkillStudio`` then lists in its own process)."""
        with self._lock:
            self._closed = True
            conn, process = self._conn, self._process
            self._conn = self._process = None
        if conn is not None:
            self._send(conn, ("abort",))
            self._send(conn, ("stop",))
        if process is not None:
            process.join(STOP_WAIT_S)
            if process.is_alive():
                process.terminate()
                process.join(1.0)
        if conn is not None:
            conn.close()

    @property
    def pid(self) -> int | None:
        """The child's process id while one runs (for tests and diagnostics), else None."""
        with self._lock:
            process = self._process
        return process.pid if process is not None and process.is_alive() else None
