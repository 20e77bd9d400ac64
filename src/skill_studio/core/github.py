"""GitHub REST client over httpx (R-NET-1..5, R-DIS-5, R-DIS-6).

Only these endpoints are used::

    GET /repos/{o}/{r}/commits/{ref}        (Accept: application/vnd.github.sha, conditional: ETag)
    GET /repos/{o}/{r}/git/trees/{sha}[?recursive=1]
    GET /repos/{o}/{r}/git/blobs/{sha}
    GET /repos/{o}/{r}/contents/{path}?ref=REF        (JSON: one file and its download_url)
    GET /user                               (token check)
    GET {raw root}/{o}/{r}/{commit}/{path}  (raw.githubusercontent.com or the host's /raw/; see below)

Every status code is checked and mapped to a typed error (see ``errors``): 404 → NotFoundError
("not found or private — add a token"), 401 → AuthError (the token is invalid), 403/429 with an
exhausted limit or ``Retry-After`` → RateLimitError with the reset time in local time (R-NET-3).
Every request has a timeout; 5xx answers and connection errors/timeouts are retried with bounded,
jittered exponential backoff (R-NET-1).

Concurrency: one client may be shared by threads. All requests share the single connection pool of
the underlying ``httpx.Client``; API requests are bounded by ``concurrency`` in flight (a semaphore,
across every caller thread), raw file downloads by ``raw_concurrency``. ``fetch_blobs`` and the
truncated-tree walk run bounded thread pools and return results in a deterministic order.

Raw downloads go through ``urllib3`` (a pooled HTTP/1.1 client costing about half of httpx's CPU
per request, issue 18: a cold browse of a 307-skill catalog sends ~580 of them) with the same
headers, timeouts and typed errors; through httpx when a test transport is injected or a proxy is
configured in the environment (httpx honours ``HTTPS_PROXY``/``NO_PROXY``).

Raw downloads: files of a pinned tree are read from the raw file host at the commit SHA (on
github.com ``raw.githubusercontent.com``, which does not use up the REST API rate limit) and
verified against their git blob SHA; the raw root is known for api.github.com and otherwise learned
from the ``download_url`` of a contents answer on the same host. Any raw failure falls back to the
REST blob endpoint (and a 401/403/404/429 turns raw off for that repository). ``prefetch`` requests
files by path before the tree is known (cold browse: every plugin.json while the tree downloads);
such a file is used only once it verifies against the tree's blob SHA.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import math
import random
import re
import socket
import ssl
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlsplit
from urllib.request import getproxies

import httpx
import urllib3

from skill_studio import __version__
from skill_studio.core import executor, jsonfast
from skill_studio.core.abort import AbortableTransport
from skill_studio.core.clock import now as _now
from skill_studio.core.errors import (
    AuthError,
    CancelledError,
    GitHubError,
    IntegrityError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    RemoteError,
    TooLargeError,
)
from skill_studio.core.gcpause import gc_paused
from skill_studio.core.hashing import git_blob_sha
from skill_studio.core.hosts import api_base_for, raw_origin_allowed, raw_root_for
from skill_studio.core.models import RepoTree, TreeEntry, join_path

log = logging.getLogger(__name__)

RAW = "application/vnd.github.raw"
JSON = "application/vnd.github+json"
SHA = "application/vnd.github.sha"
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
"""Per attempt: 10 s to connect, 20 s between bytes (R-NET-1); both are also capped by the time
left before the request's deadline (:data:`REQUEST_DEADLINE_S`)."""
REQUEST_DEADLINE_S = 20.0
"""Total time one request may take, all attempts and back-off included, before it fails with a
:class:`NetworkError` naming the endpoint (issue 16 item 7): a server that hangs, or trickles a
byte every few seconds so that no read ever times out, ends a command in well under 30 s."""
MIN_RATE_BYTES_PER_S = 64 * 1024
"""A download earns one more second before its deadline per this many bytes received, so a large
file arriving at a reasonable speed is never cut, while a trickle is."""
NOTICE_AFTER_S = 3.0
"""A request still unanswered after this long is announced through ``on_wait`` ("waiting for
GitHub… (attempt 1 of 4)"), and so is every retry."""
DEFAULT_CONCURRENCY = 8
"""REST API requests in flight per client (GitHub asks clients not to flood its API)."""
RAW_CONCURRENCY = 64
"""Raw file downloads in flight per client (served by a CDN, not the REST API). A cold browse of a
large catalog is ~600 small files: at 50 ms a round trip, 64 in flight take ~0.45 s (48 took ~0.6 s;
measured with ``bench/bench_perf.py``, issue 18)."""
FAST_RTT_S = 0.010
"""A host whose quickest recent answer came within this many seconds is *near* (a loopback or LAN
GitHub Enterprise): more downloads in flight cannot hide a round trip that short, they only make
threads fight for the interpreter lock, so listings use :data:`FAST_RAW_CONCURRENCY` there."""
FAST_RAW_CONCURRENCY = 8
"""Raw downloads in flight for a near host (see :data:`FAST_RTT_S`). Measured on the 307-skill
catalog at 0 ms latency (2 CPUs, medians of 4): 64 in flight cost 0.67 s of CPU, 16 cost 0.53 s,
8 cost 0.47 s (and the least wall time), 4 cost 0.57 s (too little overlap) — issue 18."""
RTT_SAMPLES = 16
"""Recent answers whose time to the response headers the client remembers (the smallest is its
round-trip estimate: queueing for the interpreter lock only ever adds to a sample)."""
HANDLING_PERMITS = 2
"""Files handled (``fetch_blobs``' ``on_file``: parsing a SKILL.md) at once, whatever the number in
flight. Handling is Python and holds the interpreter lock; with 64 downloads in flight, dozens of
threads at a time wanted the lock, and the GUI thread waited 37–61 ms for it while a listing
downloaded (issue 18). Threads waiting for a permit do not compete for the lock; one handler runs
at a time anyway."""
_HANDLING = threading.BoundedSemaphore(HANDLING_PERMITS)
MAX_BLOB_BYTES = 50 * 1024 * 1024
"""Most bytes read for one file (blob, raw file or contents answer), whatever the tree says its
size is (issue 16 item 8): a download is cut off as soon as it goes over."""
MAX_JSON_BYTES = MAX_BLOB_BYTES * 4 // 3 + 1024 * 1024
"""Most bytes read for one JSON answer (a base64 file of :data:`MAX_BLOB_BYTES`, a huge tree)."""
MAX_TREE_DEPTH = 256
"""Bound on the rounds of a truncated-tree completion (each round is one folder level deeper)."""

_HEX40 = re.compile(r"^[0-9a-f]{40}$")


class _DeadlineExceeded(Exception):
    """An attempt ran past the request's deadline (see :meth:`GitHubClient._request`)."""


class _TooLarge(Exception):
    """An answer went over its byte cap (see :meth:`GitHubClient._request`)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def _buffered(resp: httpx.Response, body: bytes) -> httpx.Response:
    """A complete response holding ``body`` (already decoded) with ``resp``'s status and headers."""
    headers = [(k, v) for k, v in resp.headers.multi_items()
               if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
    return httpx.Response(resp.status_code, headers=headers, content=body, request=resp.request)
_T = TypeVar("_T")
_R = TypeVar("_R")


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """The TLS context every client shares (API and raw downloads), built once per process:
    loading the CA bundle costs tens of milliseconds per ``httpx.Client`` otherwise. Contexts are
    safe to share across threads."""
    return httpx.create_ssl_context()


def format_reset(reset: datetime | None, now: datetime | None = None) -> str:
    """``"at 14:05 CET (in 12 minutes)"``: a reset time in the local time zone (its name when the
    system gives one, else the words "local time"), for rate-limit messages.

    Args:
        reset: aware datetime, or None when GitHub did not say (→ ``"later"``).
        now: the current time (tests); default ``datetime.now(timezone.utc)``.
    """
    if reset is None:
        return "later (GitHub did not say when)"
    local = reset.astimezone()
    now_local = (now or _now()).astimezone(local.tzinfo)
    clock = local.strftime("%H:%M")
    if local.date() != now_local.date():
        clock = local.strftime("%Y-%m-%d %H:%M")
    clock += f" {local.strftime('%Z') or 'local time'}"
    seconds = (reset - now_local).total_seconds()
    if seconds < 60:
        when = "in less than a minute"
    else:
        minutes = math.ceil(seconds / 60)
        when = f"in {minutes} minute{'s' if minutes != 1 else ''}"
    return f"at {clock} ({when})"


class _SocketRegistry:
    """The sockets of one client's raw downloads (weakly), so :meth:`GitHubClient.abort` can wake
    a download waiting for an answer (issue 15's rule, for the urllib3 pool of issue 18)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._socks: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self.aborted = threading.Event()

    def add(self, sock: Any) -> None:
        if isinstance(sock, socket.socket):
            with self._lock:
                self._socks.add(sock)
            if self.aborted.is_set():
                self._shutdown(sock)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked recv on every platform
        except OSError:
            pass

    def abort(self) -> None:
        self.aborted.set()
        with self._lock:
            socks = list(self._socks)
        for sock in socks:
            self._shutdown(sock)


def _tracked_pool_classes(registry: _SocketRegistry) -> dict[str, type]:
    """urllib3 pool classes whose connections register their sockets in ``registry`` and refuse
    to connect once it is aborted."""

    def connect(base: Any, conn: Any) -> None:
        if registry.aborted.is_set():
            raise urllib3.exceptions.NewConnectionError(conn, "aborted")
        base.connect(conn)
        registry.add(getattr(conn, "sock", None))

    class _HTTP(urllib3.connection.HTTPConnection):
        def connect(self) -> None:
            connect(urllib3.connection.HTTPConnection, self)

    class _HTTPS(urllib3.connection.HTTPSConnection):
        def connect(self) -> None:
            connect(urllib3.connection.HTTPSConnection, self)

    class _HTTPPool(urllib3.HTTPConnectionPool):
        ConnectionCls = _HTTP

    class _HTTPSPool(urllib3.HTTPSConnectionPool):
        ConnectionCls = _HTTPS

    return {"http": _HTTPPool, "https": _HTTPSPool}


def _proxy_configured() -> bool:
    """True when the environment names an HTTP(S) proxy (raw downloads then go through httpx)."""
    proxies = getproxies()
    return bool(proxies.get("https") or proxies.get("http") or proxies.get("all"))


class EtagStore(Protocol):
    """Where conditional-request validators live (R-NET-4); ``cache.EtagCache`` keeps them on disk.

    Keys are opaque strings; ``body`` is the last 200 answer's body, reused on a 304.
    """

    def get(self, key: str) -> tuple[str, bytes] | None:
        """``(etag, body)`` stored for ``key``, or None."""

    def put(self, key: str, etag: str, body: bytes) -> None:
        """Remember the validator and body of a 200 answer."""


@dataclass(frozen=True)
class ClientSettings:
    """What builds an equal :class:`GitHubClient` in another process (``app.listing_process``,
    issue 18): the arguments of the constructor that shape requests, as plain picklable values.

    Attributes:
        api_base: REST base URL.
        token: the bearer token or None; left out of ``repr`` (never logged). It travels only over
            the pipe to the app's own child process.
        token_source: how messages name the token.
        timeout: ``(connect, read, write, pool)`` seconds (None: no limit), as ``httpx.Timeout``.
        retries, concurrency, raw_concurrency, raw_downloads, deadline: as the constructor's.
    """

    api_base: str
    token: str | None = field(repr=False)
    token_source: str
    timeout: tuple[float | None, float | None, float | None, float | None]
    retries: int
    concurrency: int
    raw_concurrency: int
    raw_downloads: bool
    deadline: float

    def client(self, on_wait: Callable[[str], None] | None = None) -> GitHubClient:
        """A new client with these settings (no ETag store: the listing's requests are not
        conditional; the commit is resolved by the caller).

        Args:
            on_wait: as :class:`GitHubClient`'s ``on_wait``.
        """
        connect, read, write, pool = self.timeout
        return GitHubClient(self.api_base, self.token, timeout=httpx.Timeout(connect=connect, read=read, write=write,
                                                                             pool=pool),
                            retries=self.retries, concurrency=self.concurrency, raw_concurrency=self.raw_concurrency,
                            raw_downloads=self.raw_downloads, token_source=self.token_source, deadline=self.deadline,
                            on_wait=on_wait)


@dataclass(frozen=True)
class CommitSummary:
    """One commit of a history listing (issue 14).

    Attributes:
        sha: 40-hex commit SHA.
        date: committer date, ISO-8601 as GitHub gives it (``2024-05-01T12:00:00Z``), or "".
        message: the full commit message.
    """

    sha: str
    date: str
    message: str


class GitHubClient:
    """Synchronous GitHub REST client.

    Usage::

        with auth.client_for("github.com") as gh:
            sha = gh.resolve_commit("anthropics", "skills", None)
            tree = gh.tree("anthropics", "skills", sha)

    Args:
        api_base: REST base URL (``https://api.github.com`` or ``https://HOST/api/v3``).
        token: bearer token or None; never logged.
        timeout: httpx timeout applied to every request (seconds or ``httpx.Timeout``).
        retries: extra attempts on 5xx, connection errors and timeouts (bounded exponential backoff).
        concurrency: bound on REST requests in flight (and on the workers of ``fetch_blobs``).
        raw_concurrency: bound on raw file downloads in flight.
        raw_downloads: read pinned files from the raw host (default) instead of the blob endpoint.
        etags: optional ETag store; the commit request becomes conditional (R-NET-4).
        token_source: how to name the token in messages (``"the token from GITHUB_TOKEN"``).
        transport: optional httpx transport (tests use ``httpx.MockTransport``).
        sleep: injectable sleep for backoff (tests pass a no-op).
        deadline: total seconds per request, all attempts included (:data:`REQUEST_DEADLINE_S`).
        on_wait: called (from any thread) with a sentence such as ``"waiting for GitHub… (attempt 2
            of 4: the file tree of o/r@abc)"`` when a request is slow or retried; the CLI prints it
            on stderr, the GUI shows it in its status bar.

    Attributes:
        request_count: HTTP requests sent so far (retries included, answers from the 304 path too).
        not_modified_count: how many of them were answered 304 Not Modified.
    """

    def __init__(
        self,
        api_base: str,
        token: str | None = None,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retries: int = 3,
        concurrency: int = DEFAULT_CONCURRENCY,
        raw_concurrency: int = RAW_CONCURRENCY,
        raw_downloads: bool = True,
        etags: EtagStore | None = None,
        token_source: str = "the token",
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        deadline: float | None = None,
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.deadline = float(REQUEST_DEADLINE_S if deadline is None else deadline)
        self.on_wait = on_wait
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(float(timeout))
        self._waiting: dict[int, tuple[float, str]] = {}
        """In-flight attempts: id → (monotonic start, notice text), read by the notice watchdog."""
        self._watch_lock = threading.Lock()
        self._watchdog: threading.Thread | None = None
        self.has_token = bool(token)
        self.token_source = token_source
        self.retries = max(0, retries)
        self.concurrency = max(1, concurrency)
        self.raw_concurrency = max(1, raw_concurrency)
        self.etags = etags
        self._sleep = sleep
        self._api_slots = threading.BoundedSemaphore(self.concurrency)
        self._raw_slots = threading.BoundedSemaphore(self.raw_concurrency)
        self._rtts: deque[float] = deque(maxlen=RTT_SAMPLES)
        self._count_lock = threading.Lock()
        self._raw_lock = threading.Lock()
        self._raw_enabled = raw_downloads
        self._raw_off: set[tuple[str, str]] = set()
        self._raw_root: str | None = raw_root_for(self.api_base)
        headers = {
            "User-Agent": f"skill-studio/{__version__}",
            "Accept": JSON,
            "X-GitHub-Api-Version": "2022-11-28",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        pool = self.concurrency + self.raw_concurrency + 2
        limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        self._aborted = threading.Event()
        self._abortable: AbortableTransport | None = None
        if transport is None:  # ours, so that ``abort`` can wake a request waiting for an answer
            transport = self._abortable = AbortableTransport(limits=limits)
        t = self._timeout
        self._settings = None if self._abortable is None else ClientSettings(
            self.api_base, token, token_source, (t.connect, t.read, t.write, t.pool), self.retries, self.concurrency,
            self.raw_concurrency, raw_downloads, self.deadline)
        self._http = httpx.Client(
            base_url=self.api_base, headers=headers, timeout=timeout, transport=transport,
            limits=limits, follow_redirects=True, verify=_ssl_context(),
        )
        self._raw_pool: urllib3.PoolManager | None = None
        self._raw_sockets = _SocketRegistry()
        if self._abortable is not None and not _proxy_configured():  # our transport, not a test's
            t = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
            raw_headers = {"User-Agent": headers["User-Agent"], "Accept-Encoding": "gzip, deflate"}
            if token:
                raw_headers["Authorization"] = f"Bearer {token}"
            self._raw_pool = urllib3.PoolManager(
                num_pools=4, maxsize=self.raw_concurrency, headers=raw_headers,
                timeout=urllib3.Timeout(connect=t.connect, read=t.read),
                retries=urllib3.Retry(total=None, connect=0, read=0, status=0, other=0, redirect=5,
                                      raise_on_redirect=False),
                ssl_context=_ssl_context())
            self._raw_pool.pool_classes_by_scheme = _tracked_pool_classes(self._raw_sockets)  # abort() wakes them
        self.request_count = 0
        self.not_modified_count = 0

    @classmethod
    def for_host(cls, host: str, token: str | None, **kwargs: Any) -> GitHubClient:
        """Client for a web host whose API base follows ``hosts.api_base_for`` (R-NET-5).

        Args:
            host: web host (``github.com``, ``ghe.example.com``).
            token: the token to send, or None for anonymous requests. The token a user configured
                comes from :func:`skill_studio.core.auth.client_for`, which calls this.
            kwargs: passed to :class:`GitHubClient` (``etags``, ``token_source``, ...).
        """
        return cls(api_base_for(host), token, **kwargs)

    def close(self) -> None:
        """Close the connection pools (and stop the notice watchdog); later requests raise
        ``CancelledError``."""
        self._aborted.set()
        self._http.close()
        if self._raw_pool is not None:
            self._raw_pool.clear()

    def abort(self) -> None:
        """Abandon every request of this client now, from any thread (issue 15: *Cancel*, closing
        the window): requests waiting for an answer fail within milliseconds and every later one
        at once, all with :class:`CancelledError`, without retries. The client stays unusable;
        ``SkillStudio.cancel_requests`` swaps in fresh ones."""
        self._aborted.set()
        if self._abortable is not None:
            self._abortable.abort()
        self._raw_sockets.abort()

    def settings(self) -> ClientSettings | None:
        """The settings that build an equal client elsewhere (``app.listing_process``), or None when
        this client was given a transport of its own (tests' ``httpx.MockTransport``), which another
        process cannot have."""
        return self._settings

    @property
    def aborted(self) -> bool:
        """True after :meth:`abort` or :meth:`close`."""
        return self._aborted.is_set()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport -----------------------------------------------------------------------------

    def _request(self, path: str, *, params: Mapping[str, str] | None = None, accept: str | None = None,
                 what: str, headers: Mapping[str, str] | None = None, allow_304: bool = False,
                 raw_host: bool = False, max_bytes: int | None = None,
                 shown_limit: int | None = None) -> httpx.Response:
        """GET ``path`` (relative to the API base, or an absolute raw URL with ``raw_host``) with
        retries; returns a 2xx response (or a 304 when ``allow_304``) or raises a typed error.

        The whole request — every attempt and back-off — ends by its deadline (``self.deadline``
        seconds, extended while data flows at :data:`MIN_RATE_BYTES_PER_S`); a slow one is
        announced through ``on_wait``. At most ``max_bytes`` of the body are read (default
        :data:`MAX_JSON_BYTES`); a longer answer raises :class:`GitHubError` without reading on
        (its message gives ``shown_limit``, default ``max_bytes``: the file size the caller allows).

        Raises:
            NetworkError: unreachable, or no complete answer by the deadline (names the endpoint).
            GitHubError (and subclasses): an error status, or an answer over ``max_bytes``.
        """
        req_headers = dict(headers or {})
        if accept:
            req_headers["Accept"] = accept
        limit = MAX_JSON_BYTES if max_bytes is None else max_bytes
        endpoint = path if raw_host else f"{self.api_base}{path}"
        return self._retrying(
            what, endpoint, self._raw_slots if raw_host else self._api_slots,
            lambda attempt, total, start: self._attempt(path, params, req_headers, what, attempt, total, start,
                                                        limit, endpoint),
            status_of=lambda resp: resp.status_code, as_response=lambda resp: resp,
            allow_304=allow_304, shown_limit=shown_limit)

    def _raw_get(self, url: str, what: str, max_bytes: int = MAX_BLOB_BYTES) -> bytes:
        """GET an absolute raw-host ``url`` over urllib3 (issue 18: half httpx's CPU per request)
        with the rules of :meth:`_request` (the same :meth:`_retrying` loop): bounded by
        ``raw_concurrency``, retries within the deadline, slow-request notices, at most ``max_bytes``
        read, typed errors, ``abort``. Returns the body of a 2xx answer.

        Raises:
            TooLargeError: the answer is over ``max_bytes``; NetworkError, GitHubError as :meth:`_request`.
        """
        pool = self._raw_pool
        if pool is None:
            return self._request(url, what=what, raw_host=True, max_bytes=max_bytes).content
        _status, _headers, body = self._retrying(
            what, url, self._raw_slots,
            lambda attempt, total, start: self._raw_attempt(pool, url, what, attempt, total, start, max_bytes),
            status_of=lambda answer: answer[0],
            as_response=lambda answer: httpx.Response(answer[0], headers=answer[1], content=answer[2],
                                                      request=httpx.Request("GET", url)))
        return body

    def round_trip(self) -> float | None:
        """Seconds from sending a request to its response headers: the smallest of the last
        :data:`RTT_SAMPLES` answers (either transport), or None before any answer."""
        samples = list(self._rtts)  # deque appends are atomic; a copy is safe to read
        return min(samples) if samples else None

    def raw_parallelism(self) -> int:
        """Raw downloads a listing keeps in flight: ``raw_concurrency`` for a distant host (or
        before any answer), at most :data:`FAST_RAW_CONCURRENCY` for a near one whose
        :meth:`round_trip` is under :data:`FAST_RTT_S` (issue 18: at 0 ms the extra threads only
        added CPU)."""
        rtt = self.round_trip()
        if rtt is not None and rtt < FAST_RTT_S:
            return min(self.raw_concurrency, FAST_RAW_CONCURRENCY)
        return self.raw_concurrency

    def _deadline_error(self, what: str, endpoint: str, attempts: int) -> NetworkError:
        return NetworkError(f"GitHub did not answer in time while fetching {what}: no complete answer from "
                            f"{endpoint} within {self.deadline:.0f} s ({attempts} attempt{'s' if attempts > 1 else ''}).")

    def _retrying(self, what: str, endpoint: str, slots: Any, once: Callable[[int, int, float], _R],
                  status_of: Callable[[_R], int], as_response: Callable[[_R], httpx.Response], *,
                  allow_304: bool = False, shown_limit: int | None = None) -> _R:
        """The one retry loop of every request, whatever the transport (httpx for the API,
        urllib3 for the raw host): ``once(attempt, total, start)`` makes one attempt inside
        ``slots`` (the concurrency bound) and returns its answer; ``status_of`` reads its HTTP
        status and ``as_response`` turns an error answer into an ``httpx.Response`` for
        :meth:`_status_error`. Returns a 2xx answer (or a 304 when ``allow_304``).

        Rules (R-NET-1, issue 16 item 7): retries with jittered exponential back-off on 5xx and
        transport errors, all attempts and back-offs within ``self.deadline`` seconds; a retry is
        announced through ``on_wait``; ``abort`` ends the loop at once with :class:`CancelledError`.

        Raises:
            CancelledError: the client was aborted or closed.
            TooLargeError: the answer is over the attempt's byte limit (``shown_limit`` in the message).
            NetworkError: unreachable, or no complete answer by the deadline (names ``endpoint``).
            GitHubError (and subclasses): an error status.
        """
        total = self.retries + 1
        start = time.monotonic()
        attempt = 0
        while True:
            if self._aborted.is_set():
                raise CancelledError()
            if attempt:
                self._notify(f"waiting for GitHub… (attempt {attempt + 1} of {total}: {what})")
            try:
                with self._count_lock:
                    self.request_count += 1
                with slots:
                    answer = once(attempt, total, start)
            except _TooLarge as big:
                raise TooLargeError(f"GitHub's answer for {what} is over {shown_limit or big.limit} bytes; refusing to "
                                    f"read more ({endpoint}).", 200, endpoint) from None
            except _DeadlineExceeded:
                raise self._deadline_error(what, endpoint, attempt + 1) from None
            except (httpx.HTTPError, urllib3.exceptions.HTTPError, RuntimeError) as exc:
                # RuntimeError: the client was closed by another thread
                if self._aborted.is_set():
                    raise CancelledError() from exc
                if isinstance(exc, RuntimeError):
                    raise
                err = self._transport_error(exc, what, endpoint)
            else:
                status = status_of(answer)
                if status < 300 or (allow_304 and status == 304):
                    if status == 304:
                        with self._count_lock:
                            self.not_modified_count += 1
                    return answer
                err = self._status_error(as_response(answer), what)
                if status < 500:
                    raise err
            delay = min(8.0, 0.25 * (2 ** attempt)) * (0.5 + random.random() / 2)
            left = start + self.deadline - time.monotonic()
            if attempt >= self.retries or left <= delay + 0.5:
                if isinstance(err, NetworkError) and left <= delay + 0.5 and attempt < self.retries:
                    err = self._deadline_error(what, endpoint, attempt + 1)
                raise err
            log.debug("retrying %s after %s (%.2fs)", what, type(err).__name__, delay)
            if self._sleep is time.sleep:
                self._aborted.wait(delay)  # an abort cuts the backoff short
            else:
                self._sleep(delay)
            if self._aborted.is_set():
                raise CancelledError()
            attempt += 1

    def _raw_attempt(self, pool: urllib3.PoolManager, url: str, what: str, attempt: int, total: int,
                     start: float, limit: int) -> tuple[int, list[tuple[str, str]], bytes]:
        """One raw GET, streamed as :meth:`_attempt` does (deadline and size cap checked between
        chunks, half the deadline per attempt). Returns ``(status, headers, body)``."""
        now = time.monotonic()
        end = min(start + self.deadline, now + self.deadline / 2)
        left = end - now
        if start + self.deadline - now <= 0:
            raise _DeadlineExceeded
        t = self._timeout
        timeout = urllib3.Timeout(connect=min(t.connect or left, left), read=min(t.read or left, left))
        marker = object()
        self._watch(id(marker), f"waiting for GitHub… (attempt {attempt + 1} of {total}: {what})", told=attempt > 0)
        try:
            sent = time.monotonic()
            resp = pool.request("GET", url, timeout=timeout, preload_content=False)
            self._rtts.append(time.monotonic() - sent)
            try:
                body = self._read_body(
                    resp.stream(64 * 1024), resp.status, limit, start, end,
                    lambda: urllib3.exceptions.ReadTimeoutError(None, url, "the answer is too slow"))  # type: ignore[arg-type]
            except BaseException:
                resp.close()  # never hand a half-read connection back to the pool
                raise
            resp.release_conn()
        finally:
            self._unwatch(id(marker))
        return resp.status, list(resp.headers.items()), body

    def _attempt(self, path: str, params: Mapping[str, str] | None, req_headers: dict[str, str], what: str,
                 attempt: int, total: int, start: float, limit: int, endpoint: str) -> httpx.Response:
        """One GET, streamed: the body is read chunk by chunk, checking the deadline and the size
        cap between chunks. One attempt gets at most half the request's deadline, so a hung or
        trickling answer is tried again once before the deadline ends the request. Returns a
        fully read response.

        Raises:
            _DeadlineExceeded, _TooLarge; httpx errors (timeouts are capped by the time left).
        """
        now = time.monotonic()
        end = min(start + self.deadline, now + self.deadline / 2)  # at least two attempts fit in a deadline
        left = end - now
        if start + self.deadline - now <= 0:
            raise _DeadlineExceeded
        t = self._timeout
        timeout = httpx.Timeout(connect=min(t.connect or left, left), read=min(t.read or left, left),
                                write=min(t.write or left, left), pool=min(t.pool or left, left))
        request = self._http.build_request("GET", path, params=params, headers=req_headers or None, timeout=timeout)
        key = id(request)
        # a retry was announced as it started; the watchdog announces a slow first attempt
        self._watch(key, f"waiting for GitHub… (attempt {attempt + 1} of {total}: {what})", told=attempt > 0)
        try:
            sent = time.monotonic()
            resp = self._http.send(request, stream=True)
            self._rtts.append(time.monotonic() - sent)
            try:
                body = self._read_body(resp.iter_bytes(), resp.status_code, limit, start, end,
                                       lambda: httpx.ReadTimeout("the answer is too slow", request=request))
            finally:
                resp.close()
        finally:
            self._unwatch(key)
        return _buffered(resp, body)

    def _read_body(self, chunks: Iterable[bytes], status: int, limit: int, start: float, end: float,
                   too_slow: Callable[[], BaseException]) -> bytes:
        """The body of one attempt, read chunk by chunk under the rules both transports share:
        at most ``limit`` bytes (1 MiB for an error page: enough for its message); the request's
        deadline (from ``start``) and this attempt's share (until ``end``) each extended by the
        time the bytes received would take at :data:`MIN_RATE_BYTES_PER_S` (issue 16 items 7, 8).

        Raises:
            _TooLarge: over ``limit``. _DeadlineExceeded: the request's deadline passed.
            ``too_slow()``: this attempt's share is used up (the caller's timeout error: retried).
        """
        if status >= 300:
            limit = min(limit, 1024 * 1024)
        parts: list[bytes] = []
        received = 0
        for chunk in chunks:
            received += len(chunk)
            if received > limit:
                raise _TooLarge(limit)
            parts.append(chunk)
            now = time.monotonic()
            grace = received / MIN_RATE_BYTES_PER_S
            if now > start + self.deadline + grace:
                raise _DeadlineExceeded
            if now > end + grace:
                raise too_slow()
        return b"".join(parts)

    # -- slow-request notices ------------------------------------------------------------------

    def _notify(self, text: str) -> None:
        if self.on_wait is not None:
            try:
                self.on_wait(text)
            except Exception:  # noqa: BLE001 - a notice must never break a request
                log.debug("on_wait failed", exc_info=True)

    def _watch(self, key: int, text: str, told: bool = False) -> None:
        if self.on_wait is None:
            return
        with self._watch_lock:
            self._waiting[key] = (float("inf") if told else time.monotonic(), text)
            if self._watchdog is None:
                self._watchdog = threading.Thread(target=self._watch_loop, name="github-notices", daemon=True)
                self._watchdog.start()

    def _unwatch(self, key: int) -> None:
        if self.on_wait is None:
            return
        with self._watch_lock:
            self._waiting.pop(key, None)

    def _watch_loop(self) -> None:
        """Announce requests unanswered for :data:`NOTICE_AFTER_S` (once each)."""
        while not self._aborted.wait(0.25):
            now = time.monotonic()
            due: list[str] = []
            with self._watch_lock:
                for key, (started, text) in list(self._waiting.items()):
                    if now - started >= NOTICE_AFTER_S:
                        due.append(text)
                        self._waiting[key] = (float("inf"), text)  # told once per attempt
            for text in dict.fromkeys(due):
                self._notify(text)

    def _transport_error(self, exc: httpx.HTTPError | urllib3.exceptions.HTTPError, what: str,
                         endpoint: str | None = None) -> RemoteError:
        """The typed error of a failed request, for either transport: ``NetworkError`` for
        timeouts and transport errors (a timeout names the endpoint, issue 16); any other httpx
        error is re-raised (a bug, not the network)."""
        if isinstance(exc, (httpx.TimeoutException, urllib3.exceptions.TimeoutError)):
            err: RemoteError = NetworkError(
                f"GitHub did not answer in time while fetching {what} ({endpoint or self.api_base}).")
        elif isinstance(exc, (httpx.TransportError, urllib3.exceptions.HTTPError)):
            err = NetworkError(
                f"Cannot reach GitHub at {self.api_base} while fetching {what}: {exc.__class__.__name__}.")
        else:
            raise exc
        err.__cause__ = exc
        return err

    def _status_error(self, resp: httpx.Response, what: str) -> GitHubError:
        status = resp.status_code
        url = str(resp.request.url.copy_with(query=None))
        try:
            message = resp.json().get("message", "")
        except (ValueError, AttributeError):
            message = ""
        remaining = resp.headers.get("X-RateLimit-Remaining")
        retry_after = resp.headers.get("Retry-After")
        if status in (403, 429) and (remaining == "0" or retry_after is not None):
            return self._rate_limit_error(resp, url)
        if status == 401:
            return AuthError(
                f"GitHub refused {self.token_source} (401 Bad credentials) while fetching {what}: the token is "
                "invalid or expired. Replace it ('skill-studio auth login' or Settings → General) or remove it.",
                status, url)
        if status == 404:
            if self.has_token:
                return NotFoundError(f"GitHub answered 404 for {what}: not found, or private and {self.token_source} cannot see it.",
                                     status, url)
            return NotFoundError(f"GitHub answered 404 for {what}: not found or private — add a token if it is private "
                                 "('skill-studio auth login' or Settings → General).", status, url)
        detail = f": {message}" if message else ""
        return GitHubError(f"GitHub answered {status} for {what}{detail}.", status, url)

    def _rate_limit_error(self, resp: httpx.Response, url: str) -> RateLimitError:
        headers = resp.headers
        retry_after = headers.get("Retry-After", "").strip()
        reset_at: datetime | None = None
        if retry_after.isdigit():
            reset_at = datetime.fromtimestamp(time.time() + int(retry_after), tz=timezone.utc)
        elif headers.get("X-RateLimit-Reset", "").strip().isdigit():
            reset_at = datetime.fromtimestamp(int(headers["X-RateLimit-Reset"]), tz=timezone.utc)
        raw_limit = headers.get("X-RateLimit-Limit", "").strip()
        limit = int(raw_limit) if raw_limit.isdigit() else None
        if headers.get("X-RateLimit-Remaining") == "0" and not retry_after:
            what = f"GitHub's API rate limit ({limit:,} requests an hour)" if limit is not None else "GitHub's API rate limit"
            head = f"{what} is used up; it resets {format_reset(reset_at)}."
        else:
            head = f"GitHub asked Skill Studio to slow down (secondary rate limit); it resets {format_reset(reset_at)}."
        if self.has_token or (limit is not None and limit >= 5000):
            advice = " Try again after that."  # a token would not raise it (issue 16: no "raise 5000 to 5,000")
        else:
            advice = (" Add a GitHub token ('skill-studio auth login' or Settings → General) to raise the limit "
                      "to 5,000 requests an hour.")
        return RateLimitError(head + advice, resp.status_code, url, reset_at)

    def _parse_json(self, resp: httpx.Response, what: str, *, tree: bool = False) -> Any:
        ctype = resp.headers.get("Content-Type", "")
        try:
            if tree:  # issue 18: one parse of a 5 MB tree held the GIL 26-39 ms; in slices, ~1-2 ms each
                return jsonfast.loads_tree(resp.content)
            return jsonfast.loads(resp.content)
        except ValueError:
            kind = "an HTML page" if "html" in ctype or resp.content.lstrip()[:1] == b"<" else "something that is not JSON"
            raise GitHubError(
                f"{self.api_base} answered {kind} instead of JSON for {what} (a proxy or captive portal?).",
                resp.status_code, str(resp.request.url.copy_with(query=None))) from None

    def _json(self, path: str, *, params: Mapping[str, str] | None = None, what: str) -> Any:
        return self._parse_json(self._request(path, params=params, what=what), what)

    def _conditional(self, path: str, *, accept: str, what: str,
                     usable: Callable[[bytes], bool] = lambda body: True) -> tuple[httpx.Response, bytes]:
        """GET with ``If-None-Match`` when a validator is stored; a 304 reuses the stored body
        (asked again without the validator if ``usable`` rejects that body)."""
        key = f"GET {self.api_base}{path} accept={accept}"
        cached = None
        if self.etags is not None:
            try:
                cached = self.etags.get(key)
            except Exception as err:  # noqa: BLE001 - a broken cache never fails a request
                log.debug("ETag cache read failed: %s", type(err).__name__)
        headers = {"If-None-Match": cached[0]} if cached else None
        resp = self._request(path, accept=accept, what=what, headers=headers, allow_304=cached is not None)
        if resp.status_code == 304 and cached is not None:
            if usable(cached[1]):
                return resp, cached[1]
            log.debug("stored answer for %s is unusable; asking again", what)
            resp = self._request(path, accept=accept, what=what)
        etag = resp.headers.get("ETag")
        if etag and self.etags is not None:
            try:
                self.etags.put(key, etag, resp.content)
            except Exception as err:  # noqa: BLE001
                log.debug("ETag cache write failed: %s", type(err).__name__)
        return resp, resp.content

    def _map(self, func: Callable[[_T], _R], items: Sequence[_T], workers: int | None = None) -> list[_R]:
        """``[func(x) for x in items]`` on the core's shared pool (:func:`executor.map_ordered`),
        at most ``workers`` (default ``concurrency``) at once; results in input order; the first
        error propagates and what has not started is skipped."""
        return executor.map_ordered(func, items, workers or self.concurrency)

    # -- endpoints -----------------------------------------------------------------------------

    @staticmethod
    def _repo_path(owner: str, repo: str) -> str:
        return f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"

    def user(self) -> dict[str, Any]:
        """``GET /user``: the account the token belongs to (``login``...).

        Raises:
            AuthError: no token, or an invalid one (401).
        """
        data = self._json("/user", what="the account of the token")
        if not isinstance(data, dict):
            raise GitHubError("Unexpected answer for the account of the token.")
        return data

    def resolve_commit(self, owner: str, repo: str, ref: str | None) -> str:
        """``GET /repos/{o}/{r}/commits/{ref}``: the commit SHA a ref points at (R-DIS-6).

        Asks for the bare SHA (``application/vnd.github.sha``) and, when the client has an ETag
        store, sends ``If-None-Match``: an unchanged ref answers 304 and costs no rate limit (R-NET-4).

        Args:
            ref: branch, tag or SHA; None means the default branch (``HEAD``).

        Returns:
            40-hex commit SHA.
        """
        ref_part = quote(ref or "HEAD", safe="")
        what = f"{owner}/{repo}@{ref or 'default branch'}"
        resp, body = self._conditional(f"{self._repo_path(owner, repo)}/commits/{ref_part}", accept=SHA, what=what,
                                       usable=lambda b: _HEX40.match(b.strip().decode("ascii", "replace")) is not None)
        text = body.strip().decode("ascii", "replace").lower()
        if _HEX40.match(text):
            return text
        data = self._parse_json(_buffered(resp, body), what)
        sha = data.get("sha") if isinstance(data, dict) else None
        if not isinstance(sha, str) or not _HEX40.match(sha.lower()):
            raise GitHubError(f"GitHub's answer for {what} has no commit SHA.")
        return sha.lower()

    def _tree_answer(self, owner: str, repo: str, sha: str, recursive: bool,
                     prefix: str = "") -> tuple[list[TreeEntry], bool, str]:
        """One tree request → (its entries with paths joined to ``prefix``, whether GitHub says
        the answer is truncated, the tree's SHA as answered or else ``sha``).

        The answer is parsed and converted with automatic garbage collection held off
        (:func:`~skill_studio.core.gcpause.gc_paused`, issue 18): a large tree is ~26,000 parsed
        dicts, and a full collection that ran while they were alive held the GIL for ~40 ms.

        Raises:
            GitHubError: the request failed, or the answer is not a tree (no ``tree`` list).
        """
        params = {"recursive": "1"} if recursive else None
        what = f"the file tree of {owner}/{repo}@{sha[:12]}"
        resp = self._request(f"{self._repo_path(owner, repo)}/git/trees/{quote(sha, safe='')}", params=params,
                             what=what)
        with gc_paused():
            data = self._parse_json(resp, what, tree=True)
            if not isinstance(data, dict) or not isinstance(data.get("tree"), list):
                raise GitHubError(f"GitHub's tree answer for {owner}/{repo}@{sha[:12]} has no 'tree' list.")
            return self._entries(data["tree"], prefix), bool(data.get("truncated")), str(data.get("sha") or sha)

    @staticmethod
    def _entries(items: Iterable[Any], prefix: str) -> list[TreeEntry]:
        """Tree entries of a tree answer's items (paths joined to ``prefix``). Hot: a large tree
        has ~26,000 items (issue 18), so a clean path (no slash at either end, no ``//``) and
        string fields skip the conversions."""
        out: list[TreeEntry] = []
        append = out.append
        for item in items:
            if type(item) is not dict:
                continue
            path = item.get("path")
            if type(path) is not str:
                continue
            if prefix or not path or path[0] == "/" or path[-1] == "/" or "//" in path:
                path = join_path(prefix, path)
            mode, kind, sha, size = item.get("mode", ""), item.get("type", ""), item.get("sha", ""), item.get("size")
            if type(mode) is not str or type(kind) is not str or type(sha) is not str:
                mode, kind, sha = str(mode), str(kind), str(sha)
            append(TreeEntry(path, mode, kind, sha, size if isinstance(size, int) else None))
        return out

    def tree(self, owner: str, repo: str, commit: str) -> RepoTree:
        """The full recursive tree of ``commit`` (R-DIS-5).

        A truncated recursive listing is completed, never silently cut short (see
        :meth:`_complete_truncated`). Symlinks and submodules are listed as entries but never
        followed.

        Returns:
            RepoTree with entries sorted by path.

        Raises:
            GitHubError: even a flat listing of one folder is truncated (cannot be completed).
        """
        entries, truncated, root_sha = self._tree_answer(owner, repo, commit, recursive=True)
        if truncated:
            entries = self._complete_truncated(owner, repo, root_sha, entries)
        entries.sort(key=lambda e: e.path)
        return RepoTree(owner, repo, commit, tuple(entries))

    @staticmethod
    def _open_folders(entries: Sequence[TreeEntry], prefix: str) -> list[str] | None:
        """Folders a truncated pre-order listing of ``prefix`` left unfinished, or None when the
        listing is not a pre-order walk (then none of it is trusted to be complete).

        Git (and GitHub's recursive tree) lists a folder's entries depth first, each folder's
        descendants right after it; truncation cuts the tail. So every folder the walk has left is
        complete, and the unfinished ones are exactly the folders on the path to the last entry.
        The walk is checked: an entry whose parent is not a folder still open breaks the order.
        """
        stack = [prefix]
        for e in entries:
            parent = e.path.rpartition("/")[0]
            while stack and stack[-1] != parent:
                stack.pop()
            if not stack:
                return None
            if e.type == "tree":
                stack.append(e.path)
        return stack

    def _complete_truncated(self, owner: str, repo: str, root_sha: str, partial: list[TreeEntry]) -> list[TreeEntry]:
        """Complete a truncated recursive listing, as GitHub documents: folder by folder.

        Everything the truncated answer did list is kept; its unfinished folders (the path to the
        last entry, see :meth:`_open_folders`) are listed flat, and each of their sub-folders the
        answer never reached is fetched recursively — concurrently, bounded by ``concurrency``. A
        recursive answer that is truncated again is completed the same way.
        """
        log.info("the tree of %s/%s is truncated; completing it from sub-trees", owner, repo)
        known: dict[str, TreeEntry] = {}
        pending: list[tuple[str, str, list[TreeEntry]]] = [("", root_sha, partial)]
        depth = 0
        while pending:
            depth += 1  # every round works strictly deeper than the previous one
            if depth > MAX_TREE_DEPTH:
                raise GitHubError(f"The file tree of {owner}/{repo} is nested deeper than {MAX_TREE_DEPTH} "
                                  "folders while truncated; it cannot be completed.")
            open_dirs: dict[str, str] = {}  # path -> tree sha, to list flat
            listed: set[str] = set()
            for prefix, sha, entries in pending:
                unfinished = self._open_folders(entries, prefix)
                if unfinished is None:
                    log.debug("truncated listing of %s is not depth first; walking it folder by folder", prefix or "/")
                    entries, unfinished = [], [prefix]
                shas = {e.path: e.sha for e in entries}
                for e in entries:
                    known[e.path] = e
                    listed.add(e.path)
                for path in unfinished:
                    open_dirs[path] = sha if path == prefix else shas[path]
            todo = list(open_dirs.items())
            flats = self._map(lambda t: self._tree_answer(owner, repo, t[1], recursive=False, prefix=t[0]), todo)
            deep_todo: list[tuple[str, str]] = []
            for (path, _sha), (children, cut, _answered) in zip(todo, flats):
                if cut:
                    raise GitHubError(f"GitHub cut short even the flat listing of {path or 'the root'} in "
                                      f"{owner}/{repo}; the file tree cannot be completed.")
                for child in children:
                    known[child.path] = child
                    if child.type == "tree" and child.path not in open_dirs and child.path not in listed:
                        deep_todo.append((child.path, child.sha))
            deep = self._map(lambda t: self._tree_answer(owner, repo, t[1], recursive=True, prefix=t[0]), deep_todo)
            pending = []
            for (path, sha), (found, cut, _answered) in zip(deep_todo, deep):
                if cut:
                    pending.append((path, sha, found))
                    continue
                for entry in found:
                    known[entry.path] = entry
        return list(known.values())

    # -- files ---------------------------------------------------------------------------------

    def _learn_raw_root(self, download_url: Any, owner: str, repo: str, ref: str, path: str) -> None:
        """Derive the raw root (``https://raw.githubusercontent.com/``) from a contents answer's
        ``download_url`` ``{root}{owner}/{repo}/{ref}/{path}``; only a root on the API's own host
        (same scheme, host and port; or https://raw.githubusercontent.com for https://api.github.com)
        is accepted, so the token is never sent elsewhere. The query (a private repo's temporary token) is dropped."""
        if self._raw_root is not None or not isinstance(download_url, str) or not path:
            return
        parts = urlsplit(download_url)
        if not raw_origin_allowed(self.api_base, download_url):
            return  # another scheme, host or port: the token must never go there (issue 16 item 9)
        segments = parts.path.split("/")
        tail = 3 + len(path.split("/"))
        if len(segments) < tail + 1 or segments[-tail + 2].lower() != ref.lower():
            return
        root_path = "/".join(segments[:-tail]) + "/"
        with self._raw_lock:
            self._raw_root = f"{parts.scheme}://{parts.netloc}{root_path}"
        log.debug("raw file root for %s learned", self.api_base)

    def _raw_usable(self, owner: str, repo: str) -> bool:
        with self._raw_lock:
            return (self._raw_enabled and self._raw_root is not None
                    and (owner.lower(), repo.lower()) not in self._raw_off)

    def _raw_blob(self, owner: str, repo: str, sha: str, path: str, commit: str,
                  max_bytes: int = MAX_BLOB_BYTES) -> bytes | None:
        """The file from the raw host, verified; None when it could not be used (→ blob endpoint)."""
        url = self._raw_url(owner, repo, commit, path)
        try:
            content = self._raw_get(url, f"{path} in {owner}/{repo}", max_bytes)
        except TooLargeError:
            raise  # as large on the blob endpoint: never download it twice
        except GitHubError as err:
            if err.status in (401, 403, 404, 429):
                with self._raw_lock:
                    self._raw_off.add((owner.lower(), repo.lower()))
                log.debug("raw downloads off for %s/%s (HTTP %s)", owner, repo, err.status)
            return None
        except NetworkError:
            with self._raw_lock:
                self._raw_enabled = False
            log.debug("raw downloads off for %s (raw host unreachable)", self.api_base)
            return None
        if git_blob_sha(content) != sha:
            log.debug("raw copy of %s does not match its SHA; using the blob endpoint", path)
            return None
        return content

    def _raw_url(self, owner: str, repo: str, commit: str, path: str) -> str:
        return f"{self._raw_root}{quote(owner, safe='')}/{quote(repo, safe='')}/{commit}/{quote(path)}"

    def blob(self, owner: str, repo: str, sha: str, *, path: str = "", commit: str | None = None,
             max_bytes: int = MAX_BLOB_BYTES) -> bytes:
        """The bytes of blob ``sha``, verified against ``sha``.

        With ``path`` and ``commit`` the raw host is tried first (see the module docstring); then
        ``GET /repos/{o}/{r}/git/blobs/{sha}`` (raw media type). At most ``max_bytes`` are read,
        whatever size the tree declared (issue 16 item 8).

        Raises:
            IntegrityError: the bytes do not hash to ``sha``.
            GitHubError: the file is over ``max_bytes`` (the download stops there).
        """
        if path and commit and self._raw_usable(owner, repo):
            data = self._raw_blob(owner, repo, sha, path, commit, max_bytes)
            if data is not None:
                return data
        what = f"{path or sha} in {owner}/{repo}"
        resp = self._request(f"{self._repo_path(owner, repo)}/git/blobs/{quote(sha, safe='')}", accept=RAW, what=what,
                             max_bytes=max_bytes * 4 // 3 + 64 * 1024,  # a server may answer the base64 JSON form
                             shown_limit=max_bytes)
        data = resp.content
        if "json" in resp.headers.get("Content-Type", "") and git_blob_sha(data) != sha:
            # Some servers ignore the raw media type and answer the JSON shape.
            try:
                doc = json.loads(data)
                data = base64.b64decode(doc["content"]) if doc.get("encoding") == "base64" else doc["content"].encode()
            except (ValueError, KeyError, TypeError, AttributeError):
                pass
        if len(data) > max_bytes:
            raise TooLargeError(f"GitHub's answer for {what} is over {max_bytes} bytes; refusing it.", 200)
        if git_blob_sha(data) != sha:
            raise IntegrityError(f"Downloaded {what} does not match its git SHA {sha[:12]}; refusing to use it.")
        return data

    def file_at(self, owner: str, repo: str, commit: str, path: str) -> bytes:
        """One file at ``commit`` through the contents API (JSON form), verified against its blob
        SHA; also learns the raw root from ``download_url``. Files over the contents API's size
        limit are read from the blob endpoint.

        Raises:
            NotFoundError: no such path, or it is a folder.
            IntegrityError: the bytes do not match the SHA GitHub gave.
        """
        what = f"{path} in {owner}/{repo}@{commit[:12]}"
        doc = self._json(f"{self._repo_path(owner, repo)}/contents/{quote(path)}", params={"ref": commit}, what=what)
        if not isinstance(doc, dict) or doc.get("type") not in ("file", None):
            raise NotFoundError(f"{what} is not a file.", 404)
        self._learn_raw_root(doc.get("download_url"), owner, repo, commit, path)
        sha = str(doc.get("sha") or "").lower()
        content, encoding = doc.get("content"), doc.get("encoding")
        if encoding == "base64" and isinstance(content, str):
            try:
                data = base64.b64decode(content)
            except ValueError:
                raise GitHubError(f"GitHub's answer for {what} has unreadable content.") from None
        elif _HEX40.match(sha):
            return self.blob(owner, repo, sha, path=path, commit=commit)
        else:
            raise GitHubError(f"GitHub's answer for {what} has no content.")
        if _HEX40.match(sha) and git_blob_sha(data) != sha:
            raise IntegrityError(f"Downloaded {what} does not match its git SHA {sha[:12]}; refusing to use it.")
        return data

    def commits_touching(self, owner: str, repo: str, path: str, sha: str, *, until: str | None = None,
                         limit: int = 100) -> list[CommitSummary]:
        """``GET /repos/{o}/{r}/commits?sha=SHA&path=PATH``: the commits that changed ``path``
        reachable from ``sha``, newest first (issue 14: an update preview's commit list).

        Args:
            path: repository path of a file or folder (``""`` for every commit).
            sha: the newest commit (the update's target).
            until: stop before this commit (the installed one; not included); None: all.
            limit: at most this many commits (pages of 100 are read until then).

        Returns:
            ``CommitSummary`` values (sha, ISO-8601 committer date, message), newest first.

        Raises:
            RemoteError: as for every request.
        """
        out: list[CommitSummary] = []
        stop = (until or "").lower()
        page = 1
        what = f"the history of {path or '/'} in {owner}/{repo}@{sha[:12]}"
        while len(out) < limit:
            params = {"sha": sha, "per_page": "100", "page": str(page)}
            if path.strip("/"):
                params["path"] = path.strip("/")
            data = self._json(f"{self._repo_path(owner, repo)}/commits", params=params, what=what)
            if not isinstance(data, list):
                raise GitHubError(f"GitHub's answer for {what} is not a list of commits.")
            for item in data:
                csha = str(item.get("sha", "")).lower() if isinstance(item, dict) else ""
                if not _HEX40.match(csha):
                    continue
                if stop and csha == stop:
                    return out
                info = item.get("commit")
                info = info if isinstance(info, dict) else {}
                who = info.get("committer")
                who = who if isinstance(who, dict) else {}
                out.append(CommitSummary(csha, str(who.get("date") or ""), str(info.get("message") or "")))
                if len(out) >= limit:
                    break
            if len(data) < 100:
                break
            page += 1
        return out

    def prefetch(self, owner: str, repo: str, commit: str, paths: Sequence[str]) -> Prefetch | None:
        """Start downloading ``paths`` at ``commit`` from the raw host before the tree is known
        (e.g. every plugin.json while the big tree downloads); pass the result to
        :meth:`fetch_blobs`, which uses a file only when its bytes match the tree's blob SHA.

        Returns:
            A :class:`Prefetch` (close it, or use it as a context manager), or None when raw
            downloads are not available for this repository.
        """
        if not paths or not self._raw_usable(owner, repo):
            return None
        return Prefetch(self, owner, repo, commit, paths)

    def fetch_blobs(self, tree: RepoTree, paths: Sequence[str], *, skip_missing: bool = True,
                    progress: Callable[[int, int], None] | None = None,
                    on_file: Callable[[str, bytes], None] | None = None,
                    prefetched: Prefetch | None = None, max_bytes: int = MAX_BLOB_BYTES,
                    on_too_large: Callable[[str], None] | None = None,
                    max_workers: int | None = None) -> dict[str, bytes]:
        """Fetch the files at ``paths`` of ``tree`` concurrently (bounded), verifying each SHA.

        Files come from the raw host when usable, else the blob endpoint; either way at
        ``tree.commit`` (R-DIS-6), over the client's one connection pool.

        Args:
            tree: the pinned tree (R-DIS-6); only its regular-file entries are fetched.
            paths: repository paths; unknown paths and non-files are left out when ``skip_missing``.
            skip_missing: when False an unknown path raises NotFoundError.
            progress: optional ``progress(done, total)`` callable (called from worker threads,
                ``done`` increasing by one each call).
            on_file: optional ``on_file(path, data)`` called in the worker thread as each file
                arrives (e.g. to parse it while other downloads wait on the network), for at most
                :data:`HANDLING_PERMITS` files at once.
            prefetched: files already requested with :meth:`prefetch` (used when they verify).
            max_bytes: most bytes read per file, whatever the tree says (issue 16 item 8).
            on_too_large: when given, a file over ``max_bytes`` is passed to it (its path) and left
                out of the result instead of failing the batch (a listing excludes that one skill).
            max_workers: when given, at most this many of these files in flight (background work
                that is not latency-critical, e.g. security reviews while a browse tab loads: fewer
                threads contend less for the interpreter lock with the GUI thread, issue 18).

        Returns:
            ``{path: bytes}`` in the order of ``paths`` (deterministic whatever the timing).

        Raises:
            RemoteError subclasses from the first failing request (remaining ones are cancelled).
        """
        index = tree.by_path()
        wanted: list[TreeEntry] = []
        for p in dict.fromkeys(paths):
            entry = index.get(p)
            if entry is None or not entry.is_file:
                if skip_missing:
                    continue
                raise NotFoundError(f"{p} is not a file in {tree.owner}/{tree.repo}@{tree.commit[:12]}.")
            wanted.append(entry)
        total = len(wanted)
        done = 0
        done_lock = threading.Lock()

        def one(entry: TreeEntry) -> bytes | None:
            nonlocal done
            data: bytes | None
            data = prefetched.take(entry.path, entry.sha) if prefetched is not None else None
            if data is None or len(data) > max_bytes:
                try:
                    data = self.blob(tree.owner, tree.repo, entry.sha, path=entry.path, commit=tree.commit,
                                     max_bytes=max_bytes)
                except TooLargeError:
                    if on_too_large is None:
                        raise
                    on_too_large(entry.path)
                    data = None
            if on_file is not None and data is not None:
                with _HANDLING:  # the GUI thread then competes with few threads for the lock
                    on_file(entry.path, data)
            if progress is not None:
                with done_lock:
                    done += 1
                    progress(done, total)
            return data

        workers = max(self.concurrency, self.raw_parallelism()) if self._raw_usable(tree.owner, tree.repo) \
            else self.concurrency
        if max_workers is not None:
            workers = max(1, min(workers, max_workers))
        blobs = self._map(one, wanted, workers=workers)
        return {e.path: data for e, data in zip(wanted, blobs) if data is not None}


class Prefetch:
    """Files of one commit requested by path before its tree is known, from the raw host.

    Speculative: a path may not exist (404) and nothing is verified yet, so a file is only handed
    out by :meth:`take` when its bytes hash to the blob SHA the tree gives; otherwise the caller
    downloads it normally. It stops early when the raw host refuses (401/403/429, unreachable) or
    the first answers are all 404. Requests share the client's raw-download bound. Use as a
    context manager: leaving cancels what was not started and waits for the rest.
    """

    _GIVE_UP_AFTER_MISSES = 8

    def __init__(self, client: GitHubClient, owner: str, repo: str, commit: str, paths: Sequence[str]) -> None:
        self._client = client
        self._owner, self._repo, self._commit = owner, repo, commit
        self._lock = threading.Lock()
        self._stopped = False
        self._guesses_stopped = False
        self._hits = self._misses = 0
        self._taken: set[str] = set()
        self._started: set[str] = set()
        self._known: dict[str, bool] = {}
        self._pool = executor.Limited(client.raw_parallelism())
        self._futures: dict[str, Future[bytes | None]] = {}
        self.add(paths)

    def add(self, paths: Sequence[str], *, known: bool = False) -> None:
        """Request more files of the same commit, each path once (issue 18: the SKILL.md files a
        listing will read, as soon as its tree is known, while plugin.json files still arrive).

        Args:
            paths: repository paths.
            known: the paths are files of the tree (not guesses): they are requested even after
                the guesses stopped on a run of 404s.
        """
        with self._lock:
            if self._stopped:
                return
            for p in dict.fromkeys(paths):
                if p not in self._futures and p not in self._taken:
                    self._known[p] = known
                    self._futures[p] = self._pool.submit(self._get, p, known)

    def _get(self, path: str, known: bool = False) -> bytes | None:
        with self._lock:
            if path in self._started:  # the reader fetched it itself (see take)
                return None
            self._started.add(path)
        return self._download(path, known)

    def _download(self, path: str, known: bool) -> bytes | None:
        if self._stopped or (self._guesses_stopped and not known):
            return None
        url = self._client._raw_url(self._owner, self._repo, self._commit, path)
        try:
            data = self._client._raw_get(url, f"{path} in {self._owner}/{self._repo}", MAX_BLOB_BYTES)
        except GitHubError as err:
            with self._lock:
                self._misses += 1
                if err.status != 404 or known:  # refused, or a file the tree lists is missing there
                    self._stopped = True
                elif self._hits == 0 and self._misses >= self._GIVE_UP_AFTER_MISSES:
                    self._guesses_stopped = True
            if known and err.status in (401, 403, 404, 429):  # as _raw_blob: the blob endpoint serves the rest
                with self._client._raw_lock:
                    self._client._raw_off.add((self._owner.lower(), self._repo.lower()))
            return None
        except RemoteError:
            self._stopped = True
            return None
        with self._lock:
            self._hits += 1
        return data

    def take(self, path: str, sha: str) -> bytes | None:
        """The prefetched bytes of ``path`` if they hash to ``sha``, else None. Waits only for a
        download in progress; one still queued is made here, in the caller's thread (issue 18: a
        reader on a pool thread waiting for queued work could exhaust the pool when several
        listings run at once)."""
        with self._lock:
            fut = self._futures.pop(path, None)
            self._taken.add(path)
            started = path in self._started
            self._started.add(path)
        if fut is None or fut.cancelled():
            return None
        if not started:  # still queued: download it here instead of waiting for a pool thread
            data = self._download(path, self._known.get(path, False))
            return data if data is not None and git_blob_sha(data) == sha else None
        try:
            data = fut.result()
        except Exception:  # noqa: BLE001 - a failed speculative download is just a miss
            return None
        return data if data is not None and git_blob_sha(data) == sha else None

    def close(self) -> None:
        """Cancel what has not started; wait for what is in flight."""
        self._stopped = True
        with self._lock:
            futures = list(self._futures.values())
        for fut in futures:
            fut.cancel()
        self._pool.wait()

    def __enter__(self) -> Prefetch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
