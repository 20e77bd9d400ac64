"""A fake GitHub REST API server on 127.0.0.1 for integration tests and benchmarks.

The server speaks the real REST shapes for the read-only endpoints Skill Studio uses, serves
repositories built from the shared fixture snapshots or from plain directories, records every
request, and misbehaves on demand (errors, rate limits, hangs, captive-portal HTML, dropped
connections). Standard library only; one daemon thread per connection.

Usage::

    from fake_github import FakeGitHub

    with FakeGitHub() as gh:                       # or FakeGitHub(api_prefix="/api/v3") for GHE
        sha = gh.add_fixture(fixtures / "marketplaces" / "anthropics__skills")
        gh.add_repo_from_dir("me", "skills", tmp_path / "src")
        client = httpx.Client(base_url=gh.base_url)
        client.get("/repos/anthropics/skills/commits/HEAD").json()["sha"] == sha
        gh.fail("/git/blobs/", 500, times=2)       # the next two blob requests answer 500
        gh.count("/git/trees/")                    # requests whose path contains the text
        gh.corrupt_blob(sha)                       # that blob's bytes no longer match its SHA
        gh.wait_for_request("/git/blobs/")         # block until such a request has arrived
        client.close()

Endpoints (GET and HEAD; every path below is under ``base_url``, i.e. after ``api_prefix``):

- ``/repos/{o}/{r}``
- ``/repos/{o}/{r}/commits/{ref}`` (branch, tag, fixture alias, ``HEAD``, full SHA, or a 7+ character
  SHA prefix; ``Accept: application/vnd.github.sha`` answers the bare SHA as text)
- ``/repos/{o}/{r}/commits?sha=REF&path=PATH&per_page=&page=`` (history newest first; with ``path``
  only the commits that changed it)
- ``/repos/{o}/{r}/branches/{branch}``, ``/repos/{o}/{r}/git/ref/heads/{branch}`` (and ``tags/``)
- ``/repos/{o}/{r}/git/trees/{tree_sha_or_ref}[?recursive=1]``
- ``/repos/{o}/{r}/git/blobs/{sha}`` (``Accept: application/vnd.github.raw`` → raw bytes)
- ``/repos/{o}/{r}/contents/{path}[?ref=REF]`` (``Accept: application/vnd.github.raw`` → raw bytes)
- ``/user`` (the token's account: ``{"login": FakeGitHub.user_login}``; 401 without a token)
- ``/rate_limit``; and, outside ``api_prefix``, ``/_raw/{o}/{r}/{sha}/{path}`` (the ``download_url``
  of contents responses, standing in for raw.githubusercontent.com)

Conventions:

- Owner and repository names are matched case-insensitively, as on GitHub.
- Every successful response carries ``ETag: "<sha1 of body>"``; a request whose ``If-None-Match``
  matches gets ``304`` with no body (and, as on GitHub, does not use up the rate-limit counter).
  Responses carry ``X-RateLimit-Limit/-Remaining/-Reset/-Used/-Resource``; the counter wraps to a
  new window instead of reaching 0, so long benchmarks never see a spurious exhausted limit.
- Fault ``pattern`` arguments and :meth:`FakeGitHub.count` match the raw request path as sent
  (percent-encoded, including ``api_prefix`` and the query string): a ``str`` is a *substring* test
  (``""`` matches everything); pass a compiled ``re.Pattern`` for a regular-expression search.
- Request header names in :class:`RequestRecord` are lower-cased.

Fixture snapshots (``meta.json`` + ``tree.json`` + ``files/``, see ``shared/fixtures/README.md``)
are loaded lazily: :meth:`FakeGitHub.add_fixture` reads only ``meta.json``; ``tree.json`` is parsed on
the first request that needs a tree, blob or contents of that repository. A blob listed in
``tree.json`` whose file is absent from ``files/`` is served as ``placeholder: <path>\\n`` under the
real git SHA of those bytes (every tree response reports the rewritten SHA and size), so clients
that verify blob SHAs succeed. The placeholder is keyed by the *original* blob SHA: the first path
(in tree order) that carries it names the placeholder, so identical sub-trees stay identical whether
listed recursively from the root or fetched by their own SHA; and an absent blob whose SHA matches a
file present in ``files/`` is served with that file's real content. Tree SHAs are served as
recorded (they are not recomputed after placeholder rewriting).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http
import http.server
import json
import os
import posixpath
import re
import socket
import socketserver
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from typing import Any, NamedTuple, Union
from urllib.parse import parse_qs, quote, unquote

__all__ = [
    "SHARED",
    "FakeGitHub",
    "RequestRecord",
    "git_blob_sha",
    "git_tree_sha",
    "shared_fixtures_dir",
    "running_fake_github",
]

DOCS_URL = "https://docs.github.com/rest"
EMPTY_TREE_SHA = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_COMMIT_EPOCH = 1_700_000_000  # fixed author/committer time of built commits (deterministic SHAs)
_HEX40 = re.compile(r"[0-9a-f]{40}")
_HEXPREFIX = re.compile(r"[0-9a-f]{7,39}")
_RAW_ACCEPT = re.compile(r"vnd\.github(?:\.v3)?\.raw")
_CAPTIVE_PORTAL_HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head>\n"
    b"<body><h1>Welcome to Hotel Wi-Fi</h1><p>Please accept the terms to continue.</p>\n"
    b'<form method="post" action="/login"><button>Connect</button></form></body></html>\n'
)

Pattern = Union[str, "re.Pattern[str]"]


# --------------------------------------------------------------------------------------------
# git object hashing


def git_blob_sha(data: bytes) -> str:
    """Return git's blob SHA-1 for ``data`` (``sha1(b"blob <len>\\0" + data)``)."""
    h = hashlib.sha1(b"blob %d\0" % len(data))
    h.update(data)
    return h.hexdigest()


def _tree_sort_key(name: str, is_tree: bool) -> bytes:
    return os.fsencode(name) + (b"/" if is_tree else b"")


def git_tree_sha(entries: Iterable[tuple[str, str, str]]) -> str:
    """Return git's tree SHA-1 for ``entries`` of ``(mode, name, sha)``.

    ``mode`` may be written the JSON way (``"040000"``) or the object way (``"40000"``); entries
    are sorted git-style (a tree sorts as if its name ended with ``/``), so any order is accepted.
    """
    items = []
    for mode, name, sha in entries:
        obj_mode = "40000" if mode in ("040000", "40000") else mode
        items.append((_tree_sort_key(name, obj_mode == "40000"), obj_mode, name, sha))
    items.sort(key=lambda t: t[0])
    raw = b"".join(
        obj_mode.encode() + b" " + os.fsencode(name) + b"\0" + bytes.fromhex(sha)
        for _, obj_mode, name, sha in items
    )
    return hashlib.sha1(b"tree %d\0" % len(raw) + raw).hexdigest()


#: The shared folder of the workspace: ``$SKILL_STUDIO_SHARED`` when set (as for
#: scripts/screenshots.py, e.g. from a git worktree), else ``../shared`` beside the repository.
SHARED = Path(os.environ.get("SKILL_STUDIO_SHARED") or Path(__file__).resolve().parents[2] / "shared")


def shared_fixtures_dir() -> Path | None:
    """Return ``SHARED / "fixtures"`` or ``None`` if absent."""
    path = SHARED / "fixtures"
    return path if path.is_dir() else None


# --------------------------------------------------------------------------------------------
# data model


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it.

    ``path`` is the raw request target (percent-encoded, with ``api_prefix`` and query string);
    ``headers`` has lower-cased names; ``status`` is the status sent, or 0 when the connection was
    dropped (``drop_connections``) or abandoned because the server stopped.
    """

    method: str
    path: str
    headers: dict[str, str]
    status: int
    time: float = 0.0


class _Entry(NamedTuple):
    name: str
    mode: str  # JSON form: "100644", "100755", "040000", "120000", "160000"
    type: str  # "blob", "tree", "commit"
    sha: str
    size: int | None


@dataclass
class _Commit:
    sha: str
    tree: str | None  # None until a lazily loaded fixture is read (when meta lacks tree_sha)
    parents: list[str]
    message: str
    date: str = "2023-11-14T22:13:20Z"


@dataclass
class _Fault:
    kind: str  # "fail", "hang", "html", "drop", "ratelimit", "trickle"
    pattern: Pattern
    times: int | None
    status: int = 0
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def matches(self, path: str) -> bool:
        if isinstance(self.pattern, str):
            return self.pattern in path
        return self.pattern.search(path) is not None


class _HTTPError(Exception):
    def __init__(self, status: int, message: str | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.message = message or http.HTTPStatus(status).phrase


class _Response(NamedTuple):
    status: int
    body: bytes
    content_type: str
    headers: list[tuple[str, str]]
    etag: str | None  # precomputed (cached bodies) or None → computed on send for 200s


Node = dict  # name -> Node | (mode, payload)


class _Repo:
    def __init__(self, owner: str, name: str, repo_id: int, default_branch: str) -> None:
        self.owner = owner
        self.name = name
        self.id = repo_id
        self.default_branch = default_branch
        self.tokens: set[str] | None = None  # private when not None
        self.branches: dict[str, str] = {}
        self.tags: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        self.commits: dict[str, _Commit] = {}
        self.trees: dict[str, tuple[_Entry, ...]] = {}
        self.blobs: dict[str, bytes | Path] = {}
        self.submodules: dict[str, str] = {}
        self.pending: list[tuple[Path, str]] = []  # (fixture folder, commit sha) not yet loaded
        self.lock = threading.RLock()
        self.cache: dict[tuple, tuple[bytes, str]] = {}
        self.name_index: dict[str, dict[str, _Entry]] = {}

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    # -- lazy fixture loading -------------------------------------------------------------
    def ensure_loaded(self) -> None:
        if not self.pending:
            return
        with self.lock:
            while self.pending:
                folder, commit = self.pending[0]
                root = _load_fixture_tree(self, folder)
                if self.commits[commit].tree is None:
                    self.commits[commit].tree = root
                self.pending.pop(0)

    def commit_tree(self, commit: _Commit) -> str:
        if commit.tree is None:
            self.ensure_loaded()
        assert commit.tree is not None
        return commit.tree

    # -- ref resolution ---------------------------------------------------------------------
    def resolve_commit(self, ref: str) -> _Commit:
        sha = self._resolve(ref)
        if sha is None:
            raise _HTTPError(404, "No commit found for SHA: " + ref)
        return self.commits[sha]

    def _resolve(self, ref: str) -> str | None:
        if ref == "HEAD":
            return self.branches.get(self.default_branch)
        for prefix in ("refs/heads/", "refs/tags/", "heads/", "tags/"):
            if ref.startswith(prefix) and len(ref) > len(prefix):
                ref = ref[len(prefix) :]
                break
        for table in (self.branches, self.tags, self.aliases):
            sha = table.get(ref)
            if sha is not None:
                return sha
        low = ref.lower()
        if _HEX40.fullmatch(low):
            return low if low in self.commits else self.aliases.get(low)
        if _HEXPREFIX.fullmatch(low):
            hits = {s for s in list(self.commits) if s.startswith(low)}
            hits |= {v for k, v in list(self.aliases.items()) if k.startswith(low) and _HEX40.fullmatch(k)}
            if len(hits) == 1:
                return hits.pop()
        return None

    def resolve_tree(self, sha_or_ref: str) -> str:
        self.ensure_loaded()
        low = sha_or_ref.lower()
        if low in self.trees:
            return low
        commit_sha = self._resolve(sha_or_ref)
        if commit_sha is None:
            raise _HTTPError(404)
        return self.commit_tree(self.commits[commit_sha])

    # -- object access ----------------------------------------------------------------------
    def blob_bytes(self, sha: str) -> bytes:
        data = self.blobs.get(sha)
        if data is None:
            raise _HTTPError(404)
        if isinstance(data, Path):
            return data.read_bytes()
        return data

    def children(self, tree_sha: str) -> dict[str, _Entry]:
        index = self.name_index.get(tree_sha)
        if index is None:
            index = {e.name: e for e in self.trees[tree_sha]}
            self.name_index[tree_sha] = index
        return index

    def walk(self, tree_sha: str, prefix: str = "") -> Iterator[tuple[str, _Entry]]:
        """Depth-first pre-order walk (git's ``ls-tree -r -t`` order)."""
        stack: list[Iterator[_Entry]] = [iter(self.trees[tree_sha])]
        prefixes = [prefix]
        while stack:
            entry = next(stack[-1], None)
            if entry is None:
                stack.pop()
                prefixes.pop()
                continue
            path = prefixes[-1] + entry.name
            yield path, entry
            if entry.type == "tree" and entry.sha in self.trees:
                stack.append(iter(self.trees[entry.sha]))
                prefixes.append(path + "/")

    def lookup(self, tree_sha: str, path: str) -> _Entry | None:
        """Entry at ``path`` below ``tree_sha``; ``None`` when missing. Empty path → the root."""
        entry = _Entry("", "040000", "tree", tree_sha, None)
        if not path:
            return entry
        for part in path.split("/"):
            if entry.type != "tree" or entry.sha not in self.trees:
                return None
            entry = self.children(entry.sha).get(part)  # type: ignore[assignment]
            if entry is None:
                return None
        return entry


def _load_fixture_tree(repo: _Repo, folder: Path) -> str:
    """Read ``tree.json`` and ``files/`` of a fixture into ``repo``; return the root tree SHA."""
    data = json.loads((folder / "tree.json").read_bytes())
    root_sha: str = data["sha"]
    files_dir = folder / "files"
    present: set[str] = set()
    if files_dir.is_dir():
        base = len(str(files_dir)) + 1
        for dirpath, _dirnames, filenames in os.walk(files_dir):
            for fname in filenames:
                present.add(os.path.join(dirpath, fname)[base:].replace(os.sep, "/"))
    entries = data["tree"]
    served: dict[str, tuple[str, int | None]] = {}  # original blob sha -> (served sha, size)
    for e in entries:
        if e["type"] == "blob" and e["path"] in present:
            sha = e["sha"]
            if sha not in served:
                repo.blobs.setdefault(sha, files_dir / e["path"])
                served[sha] = (sha, e.get("size"))
    children: dict[str, list[_Entry]] = {"": []}
    dir_sha: dict[str, str] = {"": root_sha}
    for e in entries:
        path: str = e["path"]
        typ: str = e["type"]
        sha: str = e["sha"]
        size: int | None = None
        parent, _, name = path.rpartition("/")
        if typ == "blob":
            hit = served.get(sha)
            if hit is None:
                payload = f"placeholder: {path}\n".encode()
                new_sha = git_blob_sha(payload)
                repo.blobs.setdefault(new_sha, payload)
                hit = served[sha] = (new_sha, len(payload))
            sha, size = hit
        elif typ == "tree":
            dir_sha[path] = sha
            children.setdefault(path, [])
        children.setdefault(parent, []).append(_Entry(name, e["mode"], typ, sha, size))
    for dpath, kids in children.items():
        tsha = dir_sha.get(dpath)
        if tsha is not None and tsha not in repo.trees:
            repo.trees[tsha] = tuple(kids)
    return root_sha


# --------------------------------------------------------------------------------------------
# HTTP plumbing


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet server
        pass

    def do_GET(self) -> None:
        self.server.fake._handle(self, head_only=False)

    def do_HEAD(self) -> None:
        self.server.fake._handle(self, head_only=True)

    def _unsupported(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.fake._handle(self, head_only=False)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _unsupported


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, fake: FakeGitHub) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (socket.getfqdn); skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name="fake-github-connection",
            daemon=True,
        )
        with self.fake._conn_lock:
            self.fake._connections[thread] = request
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - a broken client connection is not a test failure
            pass
        finally:
            with contextlib.suppress(Exception):
                self.shutdown_request(request)
            with self.fake._conn_lock:
                self.fake._connections.pop(threading.current_thread(), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


def _b64_lines(data: bytes) -> str:
    """Base64 with a newline after every 60 characters, as GitHub formats blob content."""
    enc = base64.b64encode(data).decode("ascii")
    return "".join(enc[i : i + 60] + "\n" for i in range(0, len(enc), 60))


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _etag_of(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest() + '"'


def _etag_matches(header: str, etag: str) -> bool:
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*":
            return True
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate == etag:
            return True
    return False


def _token_of(headers: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization", "").strip()
    if not auth:
        return None
    scheme, _, value = auth.partition(" ")
    scheme = scheme.lower()
    value = value.strip()
    if scheme in ("bearer", "token"):
        return value
    if scheme == "basic":
        with contextlib.suppress(Exception):
            return base64.b64decode(value).decode("utf-8").partition(":")[2] or None
    return value or auth


# --------------------------------------------------------------------------------------------
# the server

_activity = [0]  # servers started + requests handled by every FakeGitHub of this process


def activity() -> int:
    """How many fake servers were started and requests handled in this process so far; the test
    suite's conftest uses it to fail a test that talks to a fake GitHub without the ``integration``
    marker."""
    return _activity[0]


class FakeGitHub:
    """A loopback fake of GitHub's REST API.

    Thread-safe: configuration methods may be called from the test while requests are served.
    Use as a context manager, or call :meth:`start` / :meth:`stop` (idempotent).

    Parameters:
        api_prefix: path prefix of the API, e.g. ``"/api/v3"`` to emulate GitHub Enterprise.

    Public attributes (assign freely at any time):
        latency: seconds slept before every response (default 0).
        truncate_trees: when an int N, recursive tree responses longer than N list only the first
            N entries and say ``"truncated": true`` (default ``None``: never truncate).
        contents_max_size: files larger than this are answered by the contents API (JSON form) with
            ``"content": ""`` and ``"encoding": "none"``, like GitHub's 1 MB limit.
        ratelimit_limit: the ``X-RateLimit-Limit`` value (default 5000).
        user_login: the login ``/user`` answers for any accepted token (default ``"octocat"``).
    """

    def __init__(self, api_prefix: str = "") -> None:
        prefix = api_prefix.strip()
        if prefix and not prefix.startswith("/"):
            prefix = "/" + prefix
        self.api_prefix = prefix.rstrip("/")
        self.latency: float = 0.0
        self.truncate_trees: int | None = None
        self.contents_max_size: int = 1024 * 1024
        self.ratelimit_limit: int = 5000
        self.user_login: str = "octocat"
        self._lock = threading.RLock()
        self._conn_lock = threading.Lock()
        self._connections: dict[threading.Thread, Any] = {}
        self._repos: dict[tuple[str, str], _Repo] = {}
        self._next_repo_id = 1000
        self._faults: list[_Fault] = []
        self._records: list[RequestRecord] = []
        self._arrivals: list[str] = []
        self._arrived = threading.Condition(self._lock)
        self._corrupt: dict[str, bytes] = {}
        self._sizes: dict[str, int | None] = {}
        self._valid_tokens: set[str] | None = None
        self._rl_used = 0
        self._rl_reset = int(time.time()) + 3600
        self._stopping = threading.Event()
        self._hung = False  # hang() was used: see reset()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> FakeGitHub:
        """Bind 127.0.0.1 on an ephemeral port and serve in a daemon thread. Returns ``self``."""
        with self._lock:
            if self._httpd is not None:
                return self
            self._stopping.clear()
            _activity[0] += 1
            self._httpd = _Server(self)
            self._port = self._httpd.server_port
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fake-github",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving: close the listening socket, shut down open connections, and wake handlers
        that are sleeping in ``latency`` / ``hang`` (they then answer nothing). Waits at most
        ``timeout`` seconds for connection threads; never blocks on a hung handler."""
        with self._lock:
            httpd, thread = self._httpd, self._thread
            self._httpd = self._thread = None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout)
        with self._conn_lock:
            connections = list(self._connections.items())
        for _thread, sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for conn_thread, _sock in connections:
            conn_thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (set by :meth:`start`; kept after :meth:`stop`)."""
        if self._port is None:
            raise RuntimeError("FakeGitHub is not started")
        return self._port

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT`` without ``api_prefix``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL: ``http://127.0.0.1:PORT`` + ``api_prefix``."""
        return self.origin + self.api_prefix

    # -- repositories -----------------------------------------------------------------------------
    def _new_repo(self, owner: str, repo: str, default_branch: str) -> _Repo:
        with self._lock:
            key = (owner.lower(), repo.lower())
            existing = self._repos.get(key)
            if existing is not None:
                return existing
            self._next_repo_id += 1
            created = _Repo(owner, repo, self._next_repo_id, default_branch)
            self._repos[key] = created
            return created

    def _repo(self, owner: str, repo: str) -> _Repo:
        found = self._repos.get((owner.lower(), repo.lower()))
        if found is None:
            raise KeyError(f"no repository {owner}/{repo}")
        return found

    def add_fixture(self, folder: Path | str, owner: str | None = None, repo: str | None = None) -> str:
        """Register a fixture snapshot folder (``meta.json``, ``tree.json``, ``files/``) and return
        its commit SHA. Only ``meta.json`` is read now; the rest on first use.

        The default branch, ``HEAD``, and every entry of meta's ``aliases`` (branch names, tags or
        commit SHAs) resolve to the snapshot's commit. Adding a second snapshot of the same
        repository moves the default branch to it; the older one stays readable by SHA.
        """
        folder = Path(folder)
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        owner = owner or meta["owner"]
        name = repo or meta["repo"]
        branch = meta.get("default_branch") or "main"
        commit_sha = str(meta["commit"]).lower()
        r = self._new_repo(owner, name, branch)
        with r.lock:
            r.default_branch = branch
            if commit_sha not in r.commits:
                r.commits[commit_sha] = _Commit(
                    commit_sha, meta.get("tree_sha"), [], f"Snapshot of {owner}/{name}"
                )
                r.pending.append((folder, commit_sha))
            r.branches[branch] = commit_sha
            for alias in meta.get("aliases") or []:
                alias = str(alias)
                r.aliases[alias.lower() if _HEX40.fullmatch(alias.lower()) else alias] = commit_sha
            r.cache.clear()
        return commit_sha

    def add_fixtures(self, root: Path | str | None = None) -> dict[str, str]:
        """Register every snapshot under ``root/marketplaces`` and ``root/external`` (default:
        :func:`shared_fixtures_dir`). Returns ``{"owner/repo": commit_sha}``. Cheap (lazy)."""
        base = Path(root) if root is not None else shared_fixtures_dir()
        result: dict[str, str] = {}
        if base is None:
            return result
        for group in ("marketplaces", "external"):
            gdir = base / group
            if not gdir.is_dir():
                continue
            for folder in sorted(gdir.iterdir()):
                if (folder / "meta.json").is_file():
                    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
                    result[f"{meta['owner']}/{meta['repo']}"] = self.add_fixture(folder)
        return result

    def add_repo_from_dir(
        self,
        owner: str,
        repo: str,
        directory: Path | str | Mapping[str, str | bytes],
        branch: str = "main",
        message: str = "init",
        submodules: Mapping[str, str] | None = None,
    ) -> str:
        """Create (or re-initialise) ``owner/repo`` with one root commit built from ``directory``
        and return its SHA. ``branch`` becomes the default branch.

        ``directory`` is a folder (``.git`` is skipped; executables get mode 100755, symlinks
        120000 with the link target as blob content; empty folders vanish, as in git) or a mapping
        ``{"relative/path": str | bytes}``. ``submodules`` maps paths to commit SHAs (mode 160000);
        they persist for later pushes (see :meth:`add_submodule`). Blob and tree SHAs are git's.
        """
        r = self._new_repo(owner, repo, branch)
        with r.lock:
            r.default_branch = branch
            r.branches.clear()
            r.tags.clear()
            r.aliases.clear()
            r.submodules = dict(submodules or {})
            sha = self._commit_dir(r, directory, branch, message, parents=[])
            r.cache.clear()
        return sha

    def push(
        self,
        owner: str,
        repo: str,
        directory: Path | str | Mapping[str, str | bytes],
        branch: str = "main",
        message: str = "update",
        submodules: Mapping[str, str] | None = None,
    ) -> str:
        """Commit the current content of ``directory`` on top of ``branch`` (created if missing)
        and move the branch there. Returns the new commit SHA; older commits stay readable by SHA.
        ``submodules``, when given, replaces the repository's submodule set."""
        r = self._repo(owner, repo)
        with r.lock:
            if submodules is not None:
                r.submodules = dict(submodules)
            parent = r.branches.get(branch)
            sha = self._commit_dir(r, directory, branch, message, parents=[parent] if parent else [])
        return sha

    def add_submodule(self, owner: str, repo: str, path: str, sha: str) -> None:
        """Add a submodule entry (mode 160000, type ``commit``) at ``path`` pointing to ``sha``.
        It appears from the next :meth:`push` on (and in every later one)."""
        r = self._repo(owner, repo)
        with r.lock:
            r.submodules[path.strip("/")] = sha.lower()

    def set_ref(self, owner: str, repo: str, ref: str, sha: str, *, tag: bool = False) -> None:
        """Point branch (or tag, with ``tag=True``) ``ref`` at the existing commit ``sha``."""
        r = self._repo(owner, repo)
        with r.lock:
            try:
                commit = r.resolve_commit(sha)
            except _HTTPError:
                raise KeyError(f"no commit {sha} in {owner}/{repo}") from None
            (r.tags if tag else r.branches)[ref] = commit.sha

    def set_default_branch(self, owner: str, repo: str, branch: str) -> None:
        """Change the default branch (what ``HEAD`` and ref-less contents requests use)."""
        r = self._repo(owner, repo)
        with r.lock:
            r.default_branch = branch

    def delete_repo(self, owner: str, repo: str) -> None:
        """Forget ``owner/repo``: every request for it answers 404 afterwards."""
        with self._lock:
            self._repos.pop((owner.lower(), repo.lower()), None)

    def set_private(self, owner: str, repo: str, token: str | Iterable[str] | None) -> None:
        """Make ``owner/repo`` private: only requests carrying ``token`` (or one of several) see it,
        others get 404 as on GitHub. ``None`` makes it public again."""
        r = self._repo(owner, repo)
        with r.lock:
            if token is None:
                r.tokens = None
            else:
                r.tokens = {token} if isinstance(token, str) else set(token)
            r.cache.clear()

    def set_valid_tokens(self, tokens: Iterable[str] | None) -> None:
        """When set, any request carrying a token outside ``tokens`` answers 401 Bad credentials
        (anonymous requests still work). ``None`` (default) accepts every token."""
        with self._lock:
            self._valid_tokens = None if tokens is None else set(tokens)

    def commit_tree_sha(self, owner: str, repo: str, ref: str = "HEAD") -> str:
        """The root tree SHA of ``ref`` (convenience for assertions)."""
        r = self._repo(owner, repo)
        return r.commit_tree(r.resolve_commit(ref))

    def _commit_dir(
        self,
        r: _Repo,
        directory: Path | str | Mapping[str, str | bytes],
        branch: str,
        message: str,
        parents: list[str],
    ) -> str:
        if isinstance(directory, Mapping):
            node: Node = {}
            for rel, content in directory.items():
                payload = content.encode("utf-8") if isinstance(content, str) else bytes(content)
                _insert(node, rel, ("100644", payload))
        else:
            node = _scan_dir(Path(directory))
        for path, sub_sha in r.submodules.items():
            _insert(node, path, ("160000", sub_sha))
        tree = _write_tree(r, node) or _store_empty_tree(r)
        lines = [f"tree {tree}"] + [f"parent {p}" for p in parents]
        ident = f"Fake GitHub <fake@example.invalid> {_COMMIT_EPOCH} +0000"
        raw = ("\n".join(lines) + f"\nauthor {ident}\ncommitter {ident}\n\n{message}\n").encode()
        sha = hashlib.sha1(b"commit %d\0" % len(raw) + raw).hexdigest()
        r.commits[sha] = _Commit(sha, tree, list(parents), message)
        r.branches[branch] = sha
        return sha

    # -- instrumentation --------------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot list of every request recorded since the last :meth:`reset_counters`."""
        with self._lock:
            return list(self._records)

    @property
    def request_count(self) -> int:
        """How many requests were recorded since the last :meth:`reset_counters`."""
        with self._lock:
            return len(self._records)

    def count(self, pattern: Pattern = "") -> int:
        """How many recorded request paths match ``pattern`` (substring, or ``re.Pattern``)."""
        with self._lock:
            if isinstance(pattern, str):
                return sum(1 for rec in self._records if pattern in rec.path)
            return sum(1 for rec in self._records if pattern.search(rec.path))

    def reset_counters(self) -> None:
        """Forget recorded requests (and arrivals) and restart the rate-limit counter."""
        with self._lock:
            self._records.clear()
            self._arrivals.clear()
            self._rl_used = 0

    def reset(self) -> bool:
        """Make a running server as a new one would be — no repositories (ids restart), faults,
        token rules, records, and default settings — on the same port, and return True; or return
        False (changing nothing) when it cannot be reused: it is stopped, a request is still being
        answered, or ``latency``/:meth:`hang` may still hold a handler. Lets tests share a server."""
        with self._lock:
            in_flight = len(self._arrivals) != len(self._records)
            if self._httpd is None or in_flight or self.latency > 0 or self._hung:
                return False
            fresh = FakeGitHub(self.api_prefix)
            for name in ("latency", "truncate_trees", "contents_max_size", "ratelimit_limit", "user_login"):
                setattr(self, name, getattr(fresh, name))
            self._repos.clear()
            self._next_repo_id = fresh._next_repo_id
            self._faults.clear()
            self._corrupt.clear()
            self._valid_tokens = None
            self._records.clear()
            self._arrivals.clear()
            self._rl_used, self._rl_reset = 0, fresh._rl_reset
            return True

    def arrived(self, pattern: Pattern = "") -> int:
        """How many requests matching ``pattern`` have *arrived*, answered or not.

        Unlike :meth:`count` (which records a request once its answer is sent), a request counts
        here as soon as its handler starts, so a request held by :meth:`hang` is visible at once.
        """
        with self._lock:
            return sum(1 for p in self._arrivals if _Fault("", pattern, None).matches(p))

    def wait_for_request(self, pattern: Pattern, timeout: float = 10.0, n: int = 1) -> bool:
        """Block until ``n`` requests matching ``pattern`` have arrived (see :meth:`arrived`);
        returns False on timeout. For tests that must act while a request is in flight."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while self.arrived(pattern) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._arrived.wait(left)
            return True

    # -- fault injection --------------------------------------------------------------------------
    def _add_fault(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def fail(
        self,
        pattern: Pattern,
        status: int,
        times: int | None = None,
        body: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer ``status`` (JSON ``body``, default ``{"message": <reason>, ...}``, plus
        ``headers``) to requests whose path matches ``pattern``, ``times`` times or forever."""
        if body is None:
            body = {"message": _reason(status), "documentation_url": DOCS_URL, "status": str(status)}
        self._add_fault(_Fault("fail", pattern, times, status, body, dict(headers or {})))

    def rate_limit(self, reset_epoch: int, times: int | None = None, pattern: Pattern = "") -> None:
        """Answer 403 "API rate limit exceeded" with ``X-RateLimit-Remaining: 0`` and
        ``X-RateLimit-Reset: reset_epoch`` to matching requests (default: all), like GitHub's
        primary rate limit. Lasts ``times`` requests or until :meth:`clear_faults`."""
        self._add_fault(_Fault("ratelimit", pattern, times, 403, seconds=float(reset_epoch)))

    def throttle(
        self,
        retry_after: int,
        status: int = 429,
        times: int | None = None,
        pattern: Pattern = "",
        remaining: int | None = None,
    ) -> None:
        """Answer ``status`` (429, or 403 as GitHub's secondary limit does) with
        ``Retry-After: retry_after`` and a "secondary rate limit" message. ``remaining``, when
        given, overrides ``X-RateLimit-Remaining`` (e.g. 0)."""
        headers = {"Retry-After": str(int(retry_after))}
        if remaining is not None:
            headers["X-RateLimit-Limit"] = str(self.ratelimit_limit)
            headers["X-RateLimit-Remaining"] = str(remaining)
            headers["X-RateLimit-Reset"] = str(int(time.time()) + int(retry_after))
            headers["X-RateLimit-Resource"] = "core"
        body = {
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes "
            "before you try again.",
            "documentation_url": DOCS_URL,
            "status": str(status),
        }
        self._add_fault(_Fault("fail", pattern, times, status, body, headers))

    def hang(self, pattern: Pattern, seconds: float, times: int | None = None) -> None:
        """Sleep ``seconds`` before answering matching requests (then answer normally, unless
        the server is stopping). For client timeout tests; :meth:`stop` wakes sleepers."""
        self._hung = True
        self._add_fault(_Fault("hang", pattern, times, seconds=float(seconds)))

    def trickle(self, pattern: Pattern, seconds_per_chunk: float, chunk: int = 1, times: int | None = None) -> None:
        """Answer matching requests normally, but send the body ``chunk`` bytes at a time with
        ``seconds_per_chunk`` between them (a server that never goes quiet long enough for a read
        timeout). :meth:`stop` wakes it. For the per-request deadline tests (issue 16 item 7)."""
        self._add_fault(_Fault("trickle", pattern, times, seconds=float(seconds_per_chunk),
                               body=max(1, int(chunk))))

    def misreport_size(self, sha: str, size: int | None) -> None:
        """Make every tree list blob ``sha`` with ``size`` (None: no ``size`` field) instead of its
        real size (a tree whose declared sizes lie, issue 16 item 8). Lasts until
        :meth:`clear_faults`."""
        with self._lock:
            self._sizes[sha.lower()] = size
            for r in self._repos.values():
                r.cache.clear()

    def serve_html(self, pattern: Pattern = "", times: int | None = None) -> None:
        """Answer matching requests 200 ``text/html`` with a captive-portal page."""
        self._add_fault(_Fault("html", pattern, times, 200))

    def drop_connections(self, pattern: Pattern = "", times: int | None = None) -> None:
        """Close the connection without answering matching requests (a connection error)."""
        self._add_fault(_Fault("drop", pattern, times))

    def corrupt_blob(self, sha: str, data: bytes = b"tampered in transit\n") -> None:
        """Serve ``data`` instead of the real bytes of blob ``sha`` on ``/git/blobs/{sha}`` (raw and
        JSON forms) and on the raw host (``/_raw/…``), while trees keep listing the real SHA: a blob whose bytes do not match its git
        SHA. Lasts until :meth:`clear_faults`."""
        with self._lock:
            self._corrupt[sha.lower()] = bytes(data)

    def clear_faults(self) -> None:
        """Remove every fault set by fail/rate_limit/throttle/hang/serve_html/drop_connections/
        corrupt_blob."""
        with self._lock:
            self._faults.clear()
            self._corrupt.clear()
            if self._sizes:
                self._sizes.clear()
                for r in self._repos.values():
                    r.cache.clear()

    def _take_faults(self, path: str) -> tuple[_Fault | None, _Fault | None]:
        """First matching hang, and first matching other fault; consumes one use of each."""
        hang = other = None
        with self._lock:
            for fault in self._faults:
                if fault.times is not None and fault.times <= 0:
                    continue
                if fault.kind == "hang":
                    if hang is None and fault.matches(path):
                        hang = fault
                elif other is None and fault.matches(path):
                    other = fault
                if hang is not None and other is not None:
                    break
            for fault in (hang, other):
                if fault is not None and fault.times is not None:
                    fault.times -= 1
            self._faults = [f for f in self._faults if f.times is None or f.times > 0]
        return hang, other

    # -- request handling -------------------------------------------------------------------------
    def _handle(self, h: _Handler, head_only: bool) -> None:
        raw_path = h.path
        headers = {k.lower(): v for k, v in h.headers.items()}
        started = time.time()
        with self._arrived:
            _activity[0] += 1
            self._arrivals.append(raw_path)
            self._arrived.notify_all()
        if self.latency > 0 and self._stopping.wait(self.latency):
            self._abandon(h, raw_path, headers, started)
            return
        hang, fault = self._take_faults(raw_path)
        if hang is not None and self._stopping.wait(hang.seconds):
            self._abandon(h, raw_path, headers, started)
            return
        if fault is not None and fault.kind == "drop":
            self._abandon(h, raw_path, headers, started)
            return
        trickle = fault if fault is not None and fault.kind == "trickle" else None
        h.trickle = trickle  # type: ignore[attr-defined] - read by _send
        if trickle is not None:
            fault = None
            h.close_connection = True  # announced with "Connection: close": the client will not reuse it
        if fault is not None and fault.kind == "html":
            resp = _Response(200, _CAPTIVE_PORTAL_HTML, "text/html; charset=utf-8", [], None)
            self._send(h, raw_path, headers, started, resp, head_only, rate_headers=False)
            return
        token = _token_of(headers)
        try:
            if fault is not None and fault.kind == "ratelimit":
                resp = self._rate_limited(fault, token)
            elif fault is not None:
                extra = list(fault.headers.items())
                body = fault.body if isinstance(fault.body, bytes) else _json_bytes(fault.body)
                resp = _Response(fault.status, body, "application/json; charset=utf-8", extra, None)
            elif self._valid_tokens is not None and token is not None and token not in self._valid_tokens:
                raise _HTTPError(401, "Bad credentials")
            elif h.command not in ("GET", "HEAD"):
                raise _HTTPError(404)
            else:
                resp = self._route(raw_path, headers, token)
        except _HTTPError as err:
            body = {"message": err.message, "documentation_url": DOCS_URL, "status": str(err.status)}
            resp = _Response(err.status, _json_bytes(body), "application/json; charset=utf-8", [], None)
        except Exception as err:  # noqa: BLE001 - report server bugs as 500 rather than hanging
            body = {"message": f"fake server error: {type(err).__name__}: {err}"}
            resp = _Response(500, _json_bytes(body), "application/json; charset=utf-8", [], None)
        self._send(h, raw_path, headers, started, resp, head_only, rate_headers=True)

    def _abandon(self, h: _Handler, raw_path: str, headers: dict[str, str], started: float) -> None:
        with self._lock:
            self._records.append(RequestRecord(h.command, raw_path, headers, 0, started))
        h.close_connection = True
        with contextlib.suppress(OSError):
            h.connection.shutdown(socket.SHUT_RDWR)

    def _rate_limited(self, fault: _Fault, token: str | None) -> _Response:
        who = "user ID 1." if token else "127.0.0.1. (But here's the good news: Authenticated " \
            "requests get a higher rate limit. Check out the documentation for more details.)"
        body = {
            "message": f"API rate limit exceeded for {who}",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        }
        limit = str(self.ratelimit_limit)
        extra = [
            ("X-RateLimit-Limit", limit),
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", str(int(fault.seconds))),
            ("X-RateLimit-Used", limit),
            ("X-RateLimit-Resource", "core"),
        ]
        return _Response(403, _json_bytes(body), "application/json; charset=utf-8", extra, None)

    def _send(
        self,
        h: _Handler,
        raw_path: str,
        req_headers: dict[str, str],
        started: float,
        resp: _Response,
        head_only: bool,
        rate_headers: bool,
    ) -> None:
        status, body = resp.status, resp.body
        out: list[tuple[str, str]] = []
        etag = resp.etag
        if status == 200 and rate_headers:
            etag = etag or _etag_of(body)
            inm = req_headers.get("if-none-match")
            if inm and _etag_matches(inm, etag):
                status, body = 304, b""
        if etag is not None and status in (200, 304):
            out.append(("ETag", etag))
        given = {k.lower() for k, _ in resp.headers}
        if rate_headers and "x-ratelimit-remaining" not in given:
            with self._lock:
                if status != 304:
                    self._rl_used += 1
                    if self._rl_used >= self.ratelimit_limit:  # start a new window
                        self._rl_used = 1
                        self._rl_reset = int(time.time()) + 3600
                used, reset = self._rl_used, self._rl_reset
            limit = self.ratelimit_limit
            out += [
                ("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", str(max(0, limit - used))),
                ("X-RateLimit-Reset", str(reset)),
                ("X-RateLimit-Used", str(used)),
                ("X-RateLimit-Resource", "core"),
            ]
        out += resp.headers
        with self._lock:
            self._records.append(RequestRecord(h.command, raw_path, req_headers, status, started))
        reason = _reason(status)
        head = [
            f"HTTP/1.1 {status} {reason}",
            "Server: GitHub.com",
            "Date: " + formatdate(usegmt=True),
        ]
        if status != 304:
            head.append(f"Content-Type: {resp.content_type}")
            head.append(f"Content-Length: {len(body)}")
        if status in (200, 304) and rate_headers:
            head.append("Vary: Accept, Authorization")
        head += [f"{k}: {v}" for k, v in out]
        if h.close_connection:
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        trickle = getattr(h, "trickle", None)
        if trickle is not None and not head_only and status != 304:
            h.trickle = None  # type: ignore[attr-defined]
            try:
                h.wfile.write(data)
                step = int(trickle.body)
                for i in range(0, len(body), step):
                    if self._stopping.wait(trickle.seconds):
                        break
                    h.wfile.write(body[i:i + step])
                    h.wfile.flush()
            except OSError:
                pass
            h.close_connection = True
            return
        if not head_only and status != 304:
            data += body
        try:
            h.wfile.write(data)
        except OSError:
            h.close_connection = True

    # -- routing ----------------------------------------------------------------------------------
    def _get_repo(self, owner: str, name: str, token: str | None) -> _Repo:
        r = self._repos.get((owner.lower(), name.lower()))
        if r is None or (r.tokens is not None and token not in r.tokens):
            raise _HTTPError(404)
        return r

    def _route(self, raw_path: str, headers: dict[str, str], token: str | None) -> _Response:
        path, _, query = raw_path.partition("?")
        if path.startswith("/_raw/"):
            return self._raw_download(path, token)
        if self.api_prefix:
            if path == self.api_prefix or path.startswith(self.api_prefix + "/"):
                path = path[len(self.api_prefix) :] or "/"
            else:
                raise _HTTPError(404)
        if path in ("/rate_limit", "/rate_limit/"):
            return self._json(self._rate_limit_body())
        if path in ("/", ""):
            return self._json({"current_user_url": self.base_url + "/user"})
        if path in ("/user", "/user/"):
            if token is None:
                raise _HTTPError(401, "Requires authentication")
            return self._json({"login": self.user_login, "id": 1, "type": "User"})
        parts = path.split("/")
        if len(parts) < 4 or parts[1] != "repos" or not parts[2] or not parts[3]:
            raise _HTTPError(404)
        r = self._get_repo(unquote(parts[2]), unquote(parts[3]), token)
        rest = parts[4:]
        while rest and rest[-1] == "" and len(rest) > 1:
            rest.pop()
        params = parse_qs(query, keep_blank_values=True)
        accept = headers.get("accept", "")
        raw = _RAW_ACCEPT.search(accept) is not None
        if not rest or rest == [""]:
            return self._json(self._repo_json(r))
        kind = rest[0]
        tail = unquote("/".join(rest[1:]))
        if kind == "commits" and not tail:
            return self._json(self._list_commits(r, params))
        if kind == "commits" and tail:
            commit = r.resolve_commit(tail)
            if "vnd.github.sha" in accept:
                return _Response(200, commit.sha.encode(), "application/vnd.github.sha", [], None)
            return self._json(self._commit_json(r, commit))
        if kind == "branches" and tail:
            if tail not in r.branches:
                raise _HTTPError(404, "Branch not found")
            commit = r.commits[r.branches[tail]]
            return self._json({"name": tail, "commit": self._commit_json(r, commit), "protected": False})
        if kind == "git" and len(rest) >= 3:
            sub = rest[1]
            arg = unquote("/".join(rest[2:]))
            if sub == "trees":
                # As on GitHub, any value (even 0 or false) asks for a recursive listing.
                return self._tree(r, arg, "recursive" in params)
            if sub == "blobs" and len(rest) == 3:
                return self._blob(r, arg.lower(), raw)
            if sub in ("ref", "refs"):
                return self._ref(r, arg)
            raise _HTTPError(404)
        if kind == "contents":
            ref = params.get("ref", [""])[0] or "HEAD"
            return self._contents(r, tail.strip("/"), ref, raw)
        raise _HTTPError(404)

    def _json(self, obj: Any) -> _Response:
        return _Response(200, _json_bytes(obj), "application/json; charset=utf-8", [], None)

    def _rate_limit_body(self) -> dict:
        with self._lock:
            used, reset = self._rl_used, self._rl_reset
        core = {
            "limit": self.ratelimit_limit,
            "remaining": max(0, self.ratelimit_limit - used),
            "reset": reset,
            "used": used,
            "resource": "core",
        }
        return {"resources": {"core": core}, "rate": core}

    def _api(self, r: _Repo) -> str:
        return f"{self.base_url}/repos/{r.owner}/{r.name}"

    def _repo_json(self, r: _Repo) -> dict:
        return {
            "id": r.id,
            "node_id": f"R_fake{r.id}",
            "name": r.name,
            "full_name": r.full_name,
            "owner": {"login": r.owner, "type": "Organization"},
            "private": r.tokens is not None,
            "html_url": f"https://github.com/{r.full_name}",
            "url": self._api(r),
            "default_branch": r.default_branch,
            "visibility": "private" if r.tokens is not None else "public",
        }

    def _commit_json(self, r: _Repo, c: _Commit) -> dict:
        api = self._api(r)
        person = {"name": "Fake GitHub", "email": "fake@example.invalid", "date": c.date}
        tree = r.commit_tree(c)
        return {
            "sha": c.sha,
            "node_id": f"C_fake{c.sha[:12]}",
            "url": f"{api}/commits/{c.sha}",
            "html_url": f"https://github.com/{r.full_name}/commit/{c.sha}",
            "commit": {
                "author": person,
                "committer": person,
                "message": c.message,
                "tree": {"sha": tree, "url": f"{api}/git/trees/{tree}"},
                "url": f"{api}/git/commits/{c.sha}",
            },
            "parents": [
                {"sha": p, "url": f"{api}/commits/{p}", "html_url": f"https://github.com/{r.full_name}/commit/{p}"}
                for p in c.parents
            ],
        }

    def _list_commits(self, r: _Repo, params: dict[str, list[str]]) -> list[dict]:
        """``GET /repos/{o}/{r}/commits?sha=&path=&per_page=&page=``: the history from ``sha``
        (default ``HEAD``), newest first; with ``path``, only commits whose entry at ``path``
        differs from their first parent's (as GitHub's simplified history does)."""
        start = r.resolve_commit(params.get("sha", [""])[0] or "HEAD")
        path = params.get("path", [""])[0].strip("/")
        per_page = max(1, min(100, int(params.get("per_page", ["30"])[0] or 30)))
        page = max(1, int(params.get("page", ["1"])[0] or 1))
        out: list[_Commit] = []
        seen: set[str] = set()
        todo = [start.sha]
        while todo:
            sha = todo.pop(0)
            if sha in seen or sha not in r.commits:
                continue
            seen.add(sha)
            c = r.commits[sha]
            todo.extend(c.parents)
            if path:
                here = r.lookup(r.commit_tree(c), path)
                parent = r.commits.get(c.parents[0]) if c.parents else None
                before = r.lookup(r.commit_tree(parent), path) if parent is not None else None
                if (here.sha if here else None) == (before.sha if before else None):
                    continue
            out.append(c)
        chunk = out[(page - 1) * per_page: page * per_page]
        return [self._commit_json(r, c) for c in chunk]

    def _ref(self, r: _Repo, ref: str) -> _Response:
        kind, _, name = ref.partition("/")
        table = {"heads": r.branches, "tags": r.tags}.get(kind)
        if table is None or name not in table:
            raise _HTTPError(404)
        sha = table[name]
        return self._json({
            "ref": f"refs/{kind}/{name}",
            "url": f"{self._api(r)}/git/refs/{kind}/{name}",
            "object": {"sha": sha, "type": "commit", "url": f"{self._api(r)}/git/commits/{sha}"},
        })

    def _tree(self, r: _Repo, sha_or_ref: str, recursive: bool) -> _Response:
        tree_sha = r.resolve_tree(sha_or_ref)
        limit = self.truncate_trees if recursive else None
        key = ("tree", tree_sha, recursive, limit, self.base_url)
        cached = r.cache.get(key)
        if cached is None:
            api = self._api(r)
            if recursive:
                listing: Iterable[tuple[str, _Entry]] = r.walk(tree_sha)
            else:
                listing = ((e.name, e) for e in r.trees[tree_sha])
            items = []
            truncated = False
            for path, e in listing:
                if limit is not None and len(items) >= limit:
                    truncated = True
                    break
                item: dict[str, Any] = {"path": path, "mode": e.mode, "type": e.type, "sha": e.sha}
                if e.type == "blob":
                    item["size"] = self._sizes.get(e.sha, e.size)
                    if item["size"] is None:
                        del item["size"]
                    item["url"] = f"{api}/git/blobs/{e.sha}"
                elif e.type == "tree":
                    item["url"] = f"{api}/git/trees/{e.sha}"
                items.append(item)
            body = _json_bytes({
                "sha": tree_sha,
                "url": f"{api}/git/trees/{tree_sha}",
                "tree": items,
                "truncated": truncated,
            })
            cached = (body, _etag_of(body))
            r.cache[key] = cached
        return _Response(200, cached[0], "application/json; charset=utf-8", [], cached[1])

    def _blob(self, r: _Repo, sha: str, raw: bool) -> _Response:
        r.ensure_loaded()
        data = r.blob_bytes(sha)
        with self._lock:
            data = self._corrupt.get(sha, data)
        if raw:
            return _Response(200, data, "application/vnd.github.raw", [], None)
        return self._json({
            "sha": sha,
            "node_id": f"B_fake{sha[:12]}",
            "size": len(data),
            "url": f"{self._api(r)}/git/blobs/{sha}",
            "content": _b64_lines(data),
            "encoding": "base64",
        })

    def _content_item(self, r: _Repo, path: str, e: _Entry, commit_sha: str) -> dict:
        api = self._api(r)
        qpath = quote(path)
        if e.type == "tree":
            typ = "dir"
        elif e.type == "commit":
            typ = "file"  # GitHub's documented quirk for submodules inside directory listings
        elif e.mode == "120000":
            typ = "symlink"
        else:
            typ = "file"
        git_url = f"{api}/git/{'trees' if e.type == 'tree' else 'blobs'}/{e.sha}"
        html = f"https://github.com/{r.full_name}/{'tree' if e.type == 'tree' else 'blob'}/{commit_sha}/{qpath}"
        download = (
            f"{self.origin}/_raw/{r.owner}/{r.name}/{commit_sha}/{qpath}"
            if e.type == "blob"
            else None
        )
        url = f"{api}/contents/{qpath}?ref={commit_sha}"
        return {
            "type": typ,
            "name": posixpath.basename(path),
            "path": path,
            "sha": e.sha,
            "size": e.size or 0,
            "url": url,
            "html_url": html,
            "git_url": git_url if e.type != "commit" else None,
            "download_url": download,
            "_links": {"self": url, "git": git_url, "html": html},
        }

    def _contents(self, r: _Repo, path: str, ref: str, raw: bool) -> _Response:
        commit = r.resolve_commit(ref)
        root = r.commit_tree(commit)
        r.ensure_loaded()
        entry = r.lookup(root, path)
        if entry is None:
            raise _HTTPError(404)
        if entry.type == "tree":
            listing = [
                self._content_item(r, f"{path}/{e.name}" if path else e.name, e, commit.sha)
                for e in r.trees[entry.sha]
            ]
            return self._json(listing)
        if entry.type == "commit":
            item = self._content_item(r, path, entry, commit.sha)
            item["type"] = "submodule"
            item["submodule_git_url"] = f"https://github.com/{r.full_name}-{posixpath.basename(path)}.git"
            return self._json(item)
        if entry.mode == "120000":
            target = r.blob_bytes(entry.sha).decode("utf-8", "replace")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            tentry = None
            if not target.startswith("/") and not resolved.startswith("..") and resolved != ".":
                tentry = r.lookup(root, resolved)
            if tentry is not None and tentry.type == "blob" and tentry.mode != "120000":
                path, entry = resolved, tentry  # GitHub answers with the target file
            else:
                if raw:
                    return _Response(200, target.encode(), "application/vnd.github.raw", [], None)
                item = self._content_item(r, path, entry, commit.sha)
                item["target"] = target
                return self._json(item)
        data = r.blob_bytes(entry.sha)
        if raw:
            return _Response(200, data, "application/vnd.github.raw", [], None)
        item = self._content_item(r, path, entry, commit.sha)
        item["type"] = "file"
        item["size"] = len(data)
        if len(data) > self.contents_max_size:
            item["content"], item["encoding"] = "", "none"
        else:
            item["content"], item["encoding"] = _b64_lines(data), "base64"
        return self._json(item)

    def _raw_download(self, path: str, token: str | None) -> _Response:
        parts = path.split("/", 5)  # ["", "_raw", owner, repo, sha, path]
        if len(parts) < 6:
            raise _HTTPError(404)
        r = self._get_repo(unquote(parts[2]), unquote(parts[3]), token)
        commit = r.resolve_commit(unquote(parts[4]))
        root = r.commit_tree(commit)
        r.ensure_loaded()
        entry = r.lookup(root, unquote(parts[5]))
        if entry is None or entry.type != "blob":
            raise _HTTPError(404)
        with self._lock:
            data = self._corrupt.get(entry.sha, None)
        if data is None:
            data = r.blob_bytes(entry.sha)
        return _Response(200, data, "text/plain; charset=utf-8", [], None)


@contextlib.contextmanager
def running_fake_github(api_prefix: str = "", *, fixtures: bool = False) -> Iterator[FakeGitHub]:
    """Yield a started :class:`FakeGitHub`, stopped on exit; with ``fixtures=True`` every shared
    fixture snapshot is registered (lazily). Handy as a pytest fixture body::

        @pytest.fixture
        def github():
            with running_fake_github(fixtures=True) as gh:
                yield gh
    """
    with FakeGitHub(api_prefix) as gh:
        if fixtures:
            gh.add_fixtures()
        yield gh


# --------------------------------------------------------------------------------------------
# helpers: building trees


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _insert(node: Node, rel: str, leaf: tuple[str, bytes | str]) -> None:
    parts = [p for p in rel.strip("/").split("/") if p]
    if not parts:
        raise ValueError(f"bad path {rel!r}")
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = leaf


def _scan_dir(directory: Path) -> Node:
    node: Node = {}
    with os.scandir(directory) as it:
        for de in it:
            if de.name == ".git":
                continue
            if de.is_symlink():
                node[de.name] = ("120000", os.fsencode(os.readlink(de.path)))
            elif de.is_dir():
                node[de.name] = _scan_dir(Path(de.path))
            elif de.is_file():
                mode = "100755" if de.stat().st_mode & 0o100 else "100644"
                node[de.name] = (mode, Path(de.path).read_bytes())
    return node


def _write_tree(r: _Repo, node: Node) -> str | None:
    """Store the tree (and its blobs/sub-trees) of ``node`` in ``r``; ``None`` if empty."""
    items: list[tuple[bytes, _Entry]] = []
    for name, val in node.items():
        if isinstance(val, dict):
            sub = _write_tree(r, val)
            if sub is not None:
                items.append((_tree_sort_key(name, True), _Entry(name, "040000", "tree", sub, None)))
            continue
        mode, payload = val
        if mode == "160000":
            items.append((_tree_sort_key(name, False), _Entry(name, mode, "commit", str(payload), None)))
            continue
        sha = git_blob_sha(payload)
        r.blobs.setdefault(sha, payload)
        items.append((_tree_sort_key(name, False), _Entry(name, mode, "blob", sha, len(payload))))
    if not items:
        return None
    items.sort(key=lambda t: t[0])
    entries = tuple(e for _, e in items)
    raw = b"".join(
        ("40000" if e.mode == "040000" else e.mode).encode()
        + b" "
        + os.fsencode(e.name)
        + b"\0"
        + bytes.fromhex(e.sha)
        for e in entries
    )
    sha = hashlib.sha1(b"tree %d\0" % len(raw) + raw).hexdigest()
    r.trees.setdefault(sha, entries)
    return sha


def _store_empty_tree(r: _Repo) -> str:
    r.trees.setdefault(EMPTY_TREE_SHA, ())
    return EMPTY_TREE_SHA
