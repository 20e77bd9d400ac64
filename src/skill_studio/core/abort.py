"""Abandon in-flight HTTP requests at once (issue 15: *Cancel* and closing the window during a
hanging request end within 2 s).

Closing an ``httpx.Client`` from another thread does not wake a request blocked in ``recv`` (it
waits for its read timeout, 20 s, times the retries). :class:`AbortableTransport` is httpx's own
``HTTPTransport`` whose connections are opened through a backend that remembers their sockets;
:meth:`AbortableTransport.abort` shuts them down (``SHUT_RDWR`` wakes a blocked ``recv`` on every
platform), so each request in flight fails at once, and every later request through the transport
fails before it is sent. ``GitHubClient`` turns those failures into
:class:`~skill_studio.core.errors.CancelledError`.
"""

from __future__ import annotations

import logging
import socket
import threading
import weakref
from typing import Any

import httpcore
import httpx

log = logging.getLogger(__name__)


class _TrackingBackend(httpcore.SyncBackend):
    """httpcore's synchronous network backend, remembering the streams it opens (weakly)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._streams: weakref.WeakSet[httpcore.NetworkStream] = weakref.WeakSet()
        self.aborted = threading.Event()

    def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        if self.aborted.is_set():
            raise httpcore.ConnectError("aborted")
        stream = super().connect_tcp(*args, **kwargs)
        with self._lock:
            self._streams.add(stream)
        if self.aborted.is_set():  # aborted while connecting
            self._shutdown(stream)
        return stream

    @staticmethod
    def _shutdown(stream: httpcore.NetworkStream) -> None:
        sock = stream.get_extra_info("socket")
        if isinstance(sock, socket.socket):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed
                pass

    def abort(self) -> int:
        """Shut down every open socket; returns how many were open."""
        self.aborted.set()
        with self._lock:
            streams = list(self._streams)
        for stream in streams:
            self._shutdown(stream)
        return len(streams)


class AbortableTransport(httpx.HTTPTransport):
    """``httpx.HTTPTransport`` (same arguments) with :meth:`abort`.

    When the installed httpx does not build its pool the way this expects (a private detail:
    ``HTTPTransport._pool._network_backend``), :meth:`abort` still refuses every later request
    but cannot wake one already waiting; ``tests/test_cancel.py`` checks that it can.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._backend = _TrackingBackend()
        pool = getattr(self, "_pool", None)
        self.wakes_requests = pool is not None and hasattr(pool, "_network_backend")
        if pool is not None and self.wakes_requests:
            pool._network_backend = self._backend
        else:  # pragma: no cover - depends on the httpx version
            log.debug("httpx transport without a replaceable network backend: aborts wait for timeouts")

    @property
    def aborted(self) -> bool:
        """True once :meth:`abort` was called."""
        return self._backend.aborted.is_set()

    def abort(self) -> None:
        """Fail every request in flight now and every later one before it is sent (thread-safe)."""
        self._backend.abort()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.aborted:
            raise httpx.ConnectError("aborted", request=request)
        return super().handle_request(request)
