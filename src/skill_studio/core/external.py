"""Plugins whose catalog ``source`` points at another GitHub repository (issue 9, R-CAT-2).

A catalog entry may name its plugin with an object source instead of a folder of the registry::

    {"source": "github", "repo": "owner/name", "ref"?, "sha"?, "path"?}
    {"source": "url", "url": "https://github.com/owner/name(.git)", "ref"?, "sha"?, "path"?}
    {"source": "git-subdir", "url": "<url or owner/name>", "path": "sub/folder", "ref"?, "sha"?}

``url`` and ``git-subdir`` URLs are accepted on github.com and on the registry's own host (a
GitHub Enterprise registry). ``sha`` wins over ``ref``; with neither, the target's default branch
is used. Every other kind (``npm``, ``archive``, ``command``...) and every URL on another host stays
in ``Listing.skipped_plugins`` with the reason.

:func:`resolve_external` turns a listing of the registry's own plugins (from
:func:`skill_studio.core.discovery.discover`) into one that also lists those plugins' skills:

1. each entry of ``catalog.external`` is parsed into an :class:`ExternalTarget` (or a skip reason);
2. each distinct (host, repository, ref) is resolved to a commit once; a pinned 40-hex ``sha`` needs
   no request at all;
3. each distinct (host, repository, commit) is listed once — one tree, then
   :func:`~skill_studio.core.discovery.discover_plugins` over every entry pointing there, exactly as
   for local plugins (R-DIS-1..6) — with bounded concurrency. Trees and blobs are cached by SHA in an
   :class:`ExternalCache` (on disk: :class:`~skill_studio.core.external_cache.DiskExternalCache`): a pinned
   commit is immutable and never fetched twice, not even after a restart;
4. the results are merged into the listing in catalog order. A target that is missing, private,
   or whose ref/commit does not exist makes its plugins *unavailable* with the reason
   (``Listing.unavailable_plugins``); the rest of the registry still lists.

No Qt here; progress is reported through plain callables.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from . import executor
from .catalog import normalize_relative_path
from .discovery import PluginDiscovery, discover_plugins
from .errors import ExternalSourceError, NotFoundError, SkillStudioError, SourceError
from .hosts import GITHUB_COM, canonical_host
from .models import (
    CatalogSkill,
    Exclusion,
    Listing,
    PluginEntry,
    Progress,
    RepoTree,
    SkippedPlugin,
    UnavailablePlugin,
)

log = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_WORKERS",
    "GITHUB_HOST",
    "ExternalCache",
    "ExternalSourceError",
    "ExternalTarget",
    "RECHECK_SECONDS",
    "NOT_FOUND_RECHECK_SECONDS",
    "RefCheck",
    "TreeBlobCache",
    "describe_unavailable",
    "not_found_checked",
    "GitClient",
    "parse_external_source",
    "parse_repo_url",
    "resolve_external",
]

GITHUB_HOST = GITHUB_COM
DEFAULT_WORKERS = 8
"""Bound on concurrent target resolutions/listings (each listing fetches its blobs with the
client's own bounded pool, over the client's single connection pool)."""
RECHECK_SECONDS = 600.0
"""Default interval (10 minutes, issue 18) within which an unpinned external ref that was checked
is not asked again (its remembered commit is used); a reload (``force``) asks anyway."""
NOT_FOUND_RECHECK_SECONDS = 24 * 3600.0
"""A repository/ref that answered 404 is remembered this long (issue 18) unless the user retries
the plugin or a token is added, so a marketplace full of missing targets costs no requests warm."""

_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_REPO = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_SHA = re.compile(r"^[0-9a-fA-F]{7,40}$")
_SCP = re.compile(r"^(?:[A-Za-z0-9._-]+@)?(?P<host>[A-Za-z0-9.-]+):(?P<path>[^/].*)$")
_REF_BAD = re.compile(r"[\s~^:?*\[\\]|\.\.|^/|/$")



class TreeBlobCache(Protocol):
    """What :func:`resolve_external` needs of a cache: :class:`ExternalCache` (memory) or
    :class:`~skill_studio.core.external_cache.DiskExternalCache` (disk + memory)."""

    def get_tree(self, host: str, slug: str, commit: str) -> RepoTree | None:
        """The cached tree of ``slug`` (``owner/repo``) at ``commit`` on ``host``, or None."""

    def put_tree(self, host: str, tree: RepoTree) -> None:
        """Remember ``tree`` (it names its repository and commit) for ``host``."""

    def get_blob(self, host: str, sha: str) -> bytes | None:
        """The cached bytes of blob ``sha`` on ``host``, or None."""

    def put_blob(self, host: str, sha: str, data: bytes) -> None:
        """Remember the bytes of blob ``sha`` on ``host`` (verified by the caller)."""


@dataclass(frozen=True)
class RefCheck:
    """What GitHub last answered for one external (host, repository, ref or SHA) (issue 18).

    Attributes:
        commit: the 40-hex commit the ref pointed at, or None when GitHub answered 404 (missing,
            private, or no such ref/commit).
        checked_at: when it answered, in seconds since the epoch.
        with_token: whether a token was sent; a "not found" seen anonymously is asked again once
            a token is configured (the repository may be private).
    """

    commit: str | None
    checked_at: float
    with_token: bool = False

    @property
    def found(self) -> bool:
        """True when the ref resolved to a commit."""
        return self.commit is not None


class RefMemory(Protocol):
    """Remembered ref checks (issue 18); :class:`ExternalCache` keeps them in memory,
    :class:`~skill_studio.core.external_cache.DiskExternalCache` on disk. Keys are
    ``(host, "owner/repo", ref or sha or None)``, compared case-insensitively for host and slug."""

    def get_ref(self, host: str, slug: str, want: str | None) -> RefCheck | None: ...

    def put_ref(self, host: str, slug: str, want: str | None, check: RefCheck) -> None: ...

    def forget_ref(self, host: str, slug: str, want: str | None) -> None: ...


def _ref_key(host: str, slug: str, want: str | None) -> tuple[str, str, str]:
    return (host.lower(), slug.lower(), want or "")


class GitClient(Protocol):
    """The part of :class:`~skill_studio.core.github.GitHubClient` this module uses."""

    has_token: bool

    def resolve_commit(self, owner: str, repo: str, ref: str | None) -> str:
        """The commit SHA (40 hex) that ``ref`` (None: the default branch) names.

        Raises:
            GitHubError: not found, rate limited, unreachable (typed subclasses).
        """

    def tree(self, owner: str, repo: str, commit: str) -> RepoTree:
        """The recursive git tree of ``owner/repo`` at ``commit``.

        Raises:
            GitHubError: not found, rate limited, unreachable (typed subclasses).
        """

    def fetch_blobs(self, tree: RepoTree, paths: Sequence[str], *, skip_missing: bool = True,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, bytes]:
        """``{path: bytes}`` of ``paths`` in ``tree``, each verified against its git blob SHA;
        ``progress(done, total)`` after each file.

        Raises:
            GitHubError: a download failed or did not match its SHA (missing files are skipped
                with ``skip_missing``).
        """


# --------------------------------------------------------------------------------------------
# Source parsing


@dataclass(frozen=True)
class ExternalTarget:
    """Where an external plugin lives.

    Attributes:
        kind: the source kind as written (``github``, ``url``, ``git-subdir``).
        host: GitHub web host (``github.com`` or the registry's Enterprise host).
        owner, repo: the repository (``.git`` stripped), spelled as in the catalog.
        ref: branch or tag asked for, or None.
        sha: commit SHA asked for (7–40 hex, lower-case), or None. Wins over ``ref``.
        path: the plugin folder inside the repository ("" = its root); never escapes it.
    """

    kind: str
    host: str
    owner: str
    repo: str
    ref: str | None = None
    sha: str | None = None
    path: str = ""

    @property
    def slug(self) -> str:
        """``owner/repo``."""
        return f"{self.owner}/{self.repo}"

    @property
    def want(self) -> str | None:
        """What to resolve: the ``sha`` when given, else the ``ref``, else None (default branch)."""
        return self.sha or self.ref

    @property
    def pinned(self) -> bool:
        """True when ``sha`` is a full 40-hex commit SHA: immutable, no resolution needed."""
        return self.sha is not None and len(self.sha) == 40


def parse_repo_url(url: object, registry_host: str = GITHUB_HOST) -> tuple[str, str, str]:
    """Parse a repository URL of a ``url`` / ``git-subdir`` source.

    Accepted: ``https://HOST/owner/name[.git][/]`` (also ``http``, ``ssh://git@HOST/...``,
    ``git://``), the scp form ``git@HOST:owner/name.git``, and the shorthand ``owner/name``
    (github.com). ``www.github.com`` is github.com.

    Args:
        url: the ``url`` value as written.
        registry_host: the registry's web host; a URL on it is accepted (GitHub Enterprise).

    Returns:
        ``(host, owner, repo)`` with ``host`` lower-cased and ``.git`` stripped from ``repo``.

    Raises:
        ExternalSourceError: not a string, not a repository URL, or on a host that is neither
            github.com nor ``registry_host``.
    """
    if not isinstance(url, str) or not url.strip():
        raise ExternalSourceError("'url' is missing or not a string")
    text = url.strip()
    allowed = {GITHUB_HOST, (registry_host or GITHUB_HOST).lower()}
    if "://" not in text:
        scp = _SCP.match(text)
        if scp and "." in scp.group("host"):
            host, path = scp.group("host").lower(), scp.group("path")
        elif text.count("/") == 1:
            host, path = GITHUB_HOST, text
        else:
            raise ExternalSourceError(f"{text!r} is not a repository URL")
    else:
        split = urlsplit(text)
        if split.scheme not in ("https", "http", "ssh", "git", "git+https", "git+ssh"):
            raise ExternalSourceError(f"{text!r}: the scheme {split.scheme!r} is not supported")
        try:
            port = split.port
        except ValueError:
            raise ExternalSourceError(f"{text!r} has an invalid port") from None
        host = (split.hostname or "").lower()
        if port and split.scheme in ("https", "http"):
            host = f"{host}:{port}"
        if split.query or split.fragment:
            raise ExternalSourceError(f"{text!r} is not a repository URL (query or fragment)")
        path = unquote(split.path)
    host = canonical_host(host)
    if host not in allowed:
        raise ExternalSourceError(
            f"{text!r} is on {host or 'no host'}, not on GitHub; only github.com and the registry's host "
            "can be listed")
    parts = [p for p in path.split("/") if p]
    if len(parts) != 2:
        raise ExternalSourceError(f"{text!r} is not a repository URL (expected HOST/owner/name)")
    owner, repo = parts
    if repo.endswith(".git"):
        repo = repo[: -len(".git")]
    if not _OWNER.match(owner) or not _REPO.match(repo) or repo in (".", ".."):
        raise ExternalSourceError(f"{text!r} does not name a GitHub repository")
    return host, owner, repo


def parse_external_source(source: object, registry_host: str = GITHUB_HOST) -> ExternalTarget:
    """Parse an object plugin source (issue 9, R-CAT-2).

    Args:
        source: the entry's ``source`` value (a dict).
        registry_host: the registry's web host (``url`` sources on it are accepted).

    Returns:
        The :class:`ExternalTarget`.

    Raises:
        ExternalSourceError: with the skip reason — a kind other than ``github``/``url``/
            ``git-subdir`` (``npm``, ``archive``, ``command``...), a URL not on GitHub, a missing
            ``repo``/``url``/``path``, a ``ref`` that is not a git ref, a ``sha`` that is not hex,
            or a ``path`` that escapes the repository (``..``, absolute, backslash).
    """
    if not isinstance(source, Mapping):
        raise ExternalSourceError("the source is not an object")
    kind = source.get("source")
    kind_text = kind if isinstance(kind, str) and kind else "unknown"
    if kind == "github":
        repo_value = source.get("repo")
        if not isinstance(repo_value, str) or repo_value.strip().count("/") != 1:
            raise ExternalSourceError("external source github: 'repo' must be 'owner/name'")
        owner, _, repo = repo_value.strip().partition("/")
        if repo.endswith(".git"):
            repo = repo[: -len(".git")]
        if not _OWNER.match(owner) or not _REPO.match(repo) or repo in (".", ".."):
            raise ExternalSourceError(f"external source github: {repo_value!r} is not a GitHub repository")
        host = GITHUB_HOST
    elif kind in ("url", "git-subdir"):
        try:
            host, owner, repo = parse_repo_url(source.get("url"), registry_host)
        except ExternalSourceError as err:
            raise ExternalSourceError(f"external source {kind}: {err.reason}") from None
    else:
        raise ExternalSourceError(
            f"external source {kind_text}: only plugins in GitHub repositories can be listed")

    ref = source.get("ref")
    if ref is not None and ref != "":
        if not isinstance(ref, str) or _REF_BAD.search(ref):
            raise ExternalSourceError(f"external source {kind}: 'ref' {ref!r} is not a git branch or tag")
    else:
        ref = None
    sha = source.get("sha")
    if sha is not None and sha != "":
        if not isinstance(sha, str) or not _SHA.match(sha):
            raise ExternalSourceError(f"external source {kind}: 'sha' {sha!r} is not a commit SHA")
        sha = sha.lower()
    else:
        sha = None

    raw_path = source.get("path")
    if kind == "git-subdir" and raw_path is None:
        raise ExternalSourceError("external source git-subdir: no 'path'")
    path = ""
    if raw_path is not None and raw_path not in ("", ".", "./"):
        try:
            path = normalize_relative_path(raw_path, "path")
        except SourceError as err:
            prefix = "path escapes the repository" if err.escapes else "unusable path"
            raise ExternalSourceError(f"external source {kind}: {prefix}: {err.reason}") from None
    return ExternalTarget(kind, host, owner, repo, ref, sha, path)


# --------------------------------------------------------------------------------------------
# Cache


class ExternalCache:
    """In-memory cache of trees by (host, repository, commit) and of blobs by (host, blob SHA).

    Both keys are immutable git object names, so entries never go stale; the bounds only limit
    memory (least recently used first out). Thread-safe. A disk-backed cache can replace it: it
    needs the four methods below.

    Args:
        max_trees: trees kept.
        max_blob_bytes: total blob bytes kept.
    """

    def __init__(self, max_trees: int = 256, max_blob_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_trees = max_trees
        self.max_blob_bytes = max_blob_bytes
        self._trees: OrderedDict[tuple[str, str, str], RepoTree] = OrderedDict()
        self._blobs: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._blob_bytes = 0
        self._refs: dict[tuple[str, str, str], RefCheck] = {}
        self._lock = threading.Lock()

    def get_tree(self, host: str, slug: str, commit: str) -> RepoTree | None:
        """The cached tree of ``slug`` (``owner/repo``, case-insensitive) at ``commit``, or None."""
        key = (host.lower(), slug.lower(), commit.lower())
        with self._lock:
            tree = self._trees.get(key)
            if tree is not None:
                self._trees.move_to_end(key)
            return tree

    def put_tree(self, host: str, tree: RepoTree) -> None:
        """Keep ``tree`` under (host, ``tree.owner/tree.repo``, ``tree.commit``)."""
        key = (host.lower(), f"{tree.owner}/{tree.repo}".lower(), tree.commit.lower())
        with self._lock:
            self._trees[key] = tree
            self._trees.move_to_end(key)
            while len(self._trees) > self.max_trees:
                self._trees.popitem(last=False)

    def get_blob(self, host: str, sha: str) -> bytes | None:
        """Cached bytes of the blob ``sha`` on ``host``, or None."""
        key = (host.lower(), sha)
        with self._lock:
            data = self._blobs.get(key)
            if data is not None:
                self._blobs.move_to_end(key)
            return data

    def put_blob(self, host: str, sha: str, data: bytes) -> None:
        """Keep a blob's bytes (already verified against ``sha`` by the client)."""
        if len(data) > self.max_blob_bytes:
            return
        key = (host.lower(), sha)
        with self._lock:
            if key in self._blobs:
                return
            self._blobs[key] = data
            self._blob_bytes += len(data)
            while self._blob_bytes > self.max_blob_bytes:
                _, old = self._blobs.popitem(last=False)
                self._blob_bytes -= len(old)

    # -- ref checks (issue 18) ------------------------------------------------------------------

    def get_ref(self, host: str, slug: str, want: str | None) -> RefCheck | None:
        """The remembered check of ``slug`` at ``want`` (a ref, a SHA, or None for the default
        branch) on ``host``, or None."""
        with self._lock:
            return self._refs.get(_ref_key(host, slug, want))

    def put_ref(self, host: str, slug: str, want: str | None, check: RefCheck) -> None:
        """Remember ``check`` (replacing an older one)."""
        with self._lock:
            self._refs[_ref_key(host, slug, want)] = check

    def forget_ref(self, host: str, slug: str, want: str | None) -> None:
        """Forget the check of one target (a per-plugin Retry)."""
        with self._lock:
            self._refs.pop(_ref_key(host, slug, want), None)

    def forget_not_found(self, host: str | None = None) -> int:
        """Forget every remembered "not found" (of ``host``, or of every host): called when a token
        is added or changed, as private repositories may now be visible. Returns how many."""
        with self._lock:
            gone = [k for k, v in self._refs.items() if not v.found and (host is None or k[0] == host.lower())]
            for k in gone:
                del self._refs[k]
        return len(gone)

    def ref_items(self) -> list[tuple[tuple[str, str, str], RefCheck]]:
        """Every remembered check (for the disk cache)."""
        with self._lock:
            return list(self._refs.items())


def _cached_fetch(client: GitClient, host: str, tree: RepoTree, cache: TreeBlobCache | None
                  ) -> Callable[[Sequence[str]], dict[str, bytes]]:
    """A discovery ``FetchMany`` over ``tree`` that reads and fills ``cache`` by blob SHA."""
    index = tree.by_path()

    def fetch(paths: Sequence[str]) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        missing: list[str] = []
        for p in paths:
            entry = index.get(p)
            data = cache.get_blob(host, entry.sha) if (cache is not None and entry is not None) else None
            if data is None:
                missing.append(p)
            else:
                out[p] = data
        if missing:
            fetched = client.fetch_blobs(tree, missing)
            for p, data in fetched.items():
                out[p] = data
                if cache is not None:
                    cache.put_blob(host, index[p].sha, data)
        return {p: out[p] for p in paths if p in out}

    return fetch


# --------------------------------------------------------------------------------------------
# Resolution


@dataclass
class _Group:
    """Entries pointing at one (host, repository, commit)."""

    host: str
    owner: str
    repo: str
    commit: str
    members: list[tuple[PluginEntry, ExternalTarget]]


@dataclass(frozen=True)
class _Done:
    """One finished group: its tree and what discovery found, or a failure reason (with the time
    of a remembered "not found")."""

    group: _Group
    tree: RepoTree | None = None
    result: PluginDiscovery | None = None
    reason: str | None = None
    checked_at: datetime | None = None


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def describe_unavailable(plugin: UnavailablePlugin, now: datetime | None = None) -> str:
    """The sentence a face shows for an unavailable external plugin: its reason, plus "checked N
    minutes ago" when it is a remembered "not found" (issue 18; Retry asks GitHub again).

    Args:
        plugin: from ``Listing.unavailable_plugins``.
        now: the current time (aware); default now.

    Returns:
        ``"o/r not found; ... (not found, checked 5 minutes ago)"`` or just the reason.
    """
    checked = not_found_checked(plugin, now)
    return plugin.reason if checked is None else f"{plugin.reason} ({checked})"


def not_found_checked(plugin: UnavailablePlugin, now: datetime | None = None) -> str | None:
    """``"not found, checked 5 minutes ago"`` for a remembered "not found" (issue 18), else None.

    Args:
        plugin: from ``Listing.unavailable_plugins``; remembered when it carries ``checked_at``.
        now: the current time (aware); default now.
    """
    if plugin.checked_at is None:
        return None
    seconds = max(0.0, ((now or datetime.now(timezone.utc)) - plugin.checked_at).total_seconds())
    minutes = int(seconds // 60)
    if minutes < 1:
        age = "less than a minute ago"
    elif minutes < 120:
        age = f"{minutes} minute{'s' if minutes != 1 else ''} ago"
    else:
        age = f"{minutes // 60} hours ago"
    return f"not found, checked {age}"


def _ref_reason(target: ExternalTarget, err: SkillStudioError, client: GitClient) -> str:
    """The sentence shown for an unavailable target."""
    if isinstance(err, NotFoundError):
        text = f"{target.slug} not found"
        if target.sha:
            text += f", or its commit {target.sha[:12]} no longer exists"
        elif target.ref:
            text += f", or it has no branch or tag {target.ref!r}"
        if getattr(client, "has_token", False):
            return text + " (or the GitHub token cannot see it)"
        return text + "; if the repository is private, add a GitHub token"
    return f"{target.slug}: {err}"


def resolve_external(
    listing: Listing,
    client_for: Callable[[str], GitClient],
    *,
    cache: TreeBlobCache | None = None,
    progress: Progress | None = None,
    on_update: Callable[[Listing], None] | None = None,
    max_workers: int = DEFAULT_WORKERS,
    recheck_after: float | None = None,
    force: bool = False,
    retry: Iterable[int] = (),
    clock: Callable[[], float] | None = None,
) -> Listing:
    """List the skills of the catalog's external plugins and merge them into ``listing`` (issue 9).

    Only entries still pending are handled — object sources of ``listing.catalog.external`` whose
    entry is in ``listing.skipped_plugins`` — so calling it on a resolved listing changes nothing.

    Args:
        listing: a listing from :func:`~skill_studio.core.discovery.discover` (local plugins).
        client_for: ``host → client`` (``SkillStudio.client``); clients must be thread-safe.
        cache: trees/blobs cache shared across listings (None: no caching).
        progress: ``progress(done, total)`` over the resolvable external plugins; called from the
            calling thread.
        on_update: called from the calling thread with the merged listing so far each time a
            target finishes (for progressive display; the final listing is also returned).
        max_workers: bound on concurrent resolutions/listings (default 8), run on the core's shared
            pool (:mod:`skill_studio.core.executor`).
        recheck_after: seconds within which an unpinned ref checked before is not asked again
            (issue 18; None: :data:`RECHECK_SECONDS`, 10 minutes); needs a ``cache`` with ref
            memory (:class:`ExternalCache`, ``DiskExternalCache``).
        force: a user's reload: ask GitHub for every unpinned ref whatever its age. Remembered
            "not found" answers stay (they are asked again after :data:`NOT_FOUND_RECHECK_SECONDS`,
            by ``retry``, or once a token is configured where they were seen without one).
        retry: catalog indexes of plugins to ask GitHub about again (the per-plugin Retry).
        clock: seconds since the epoch (tests); None: ``time.time``.

    Returns:
        A new :class:`Listing`: ``skills`` holds local and external skills in catalog order
        (``plugin_index``), a skill with the same qualified name, repository, commit and folder
        as one already listed once; ``unavailable_plugins`` the entries whose target failed, with
        the reason; ``skipped_plugins`` keeps only entries that cannot be listed (non-GitHub kinds
        and hosts, escaping paths...), with the reason; ``trees`` (and ``tree_hosts`` for trees on
        another host) every tree used; ``excluded``/``warnings`` gain the targets' own, their
        reasons/texts prefixed with ``owner/repo``.

    Raises:
        Nothing for a failing target (that is an unavailable plugin). A programming error in a
        worker propagates.
    """
    catalog = listing.catalog
    pending = {s.index for s in listing.skipped_plugins if s.index is not None}
    entries = [e for e in catalog.external if e.index in pending]
    if not entries:
        return listing

    registry_host = listing.source.host
    targets: dict[int, ExternalTarget] = {}
    skip_reasons: dict[int, str] = {}
    for entry in entries:
        try:
            targets[entry.index] = parse_external_source(entry.source, registry_host)
        except ExternalSourceError as err:
            skip_reasons[entry.index] = err.reason
    skipped = tuple(
        replace(s, reason=skip_reasons[s.index]) if s.index in skip_reasons else s
        for s in listing.skipped_plugins if s.index not in targets
    )
    by_index = {e.index: e for e in entries}
    total = len(targets)
    done = 0
    unavailable: dict[int, UnavailablePlugin] = {}
    finished: list[_Done] = []

    def report(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    def merged() -> Listing:
        return _merge(listing, skipped, finished, unavailable)

    if not targets:
        return listing if skipped == listing.skipped_plugins else replace(listing, skipped_plugins=skipped)

    # Trees the listing already holds (e.g. an entry pointing back at the registry itself).
    known_trees = {(slug.lower(), commit.lower()): tree for (slug, commit), tree in listing.trees.items()}

    # Ref memory (issue 18): what GitHub answered before, so a warm browse asks nothing new.
    memory: RefMemory | None = cache if cache is not None and hasattr(cache, "get_ref") else None  # type: ignore[assignment]
    clock = clock or time.time
    recheck_after = RECHECK_SECONDS if recheck_after is None else recheck_after
    now = clock()
    retry_keys = {_ref_key(targets[i].host, targets[i].slug, targets[i].want) for i in retry if i in targets}

    def remembered(t: ExternalTarget) -> RefCheck | None:
        """A usable remembered check of ``t``, or None (ask GitHub)."""
        if memory is None or _ref_key(t.host, t.slug, t.want) in retry_keys:
            return None
        rec = memory.get_ref(t.host, t.slug, t.want)
        if rec is None:
            return None
        age = now - rec.checked_at
        if age < 0:
            return None  # the clock went back: trust nothing
        if rec.found:
            return rec if not force and age < recheck_after else None
        if getattr(client_for(t.host), "has_token", False) and not rec.with_token:
            return None  # seen anonymously; a token may see a private repository
        return rec if age < NOT_FOUND_RECHECK_SECONDS else None

    def remember(t: ExternalTarget, commit: str | None) -> None:
        if memory is not None:
            memory.put_ref(t.host, t.slug, t.want, RefCheck(
                commit, clock(), bool(getattr(client_for(t.host), "has_token", False))))

    # Phase 1: resolve each distinct (host, repo, ref) to a commit; a full sha needs no request.
    refs: dict[tuple[str, str, str | None], list[int]] = {}
    commits: dict[int, str] = {}
    for idx, t in targets.items():
        if t.pinned:
            commits[idx] = t.sha  # type: ignore[assignment]
        else:
            refs.setdefault((t.host, t.slug.lower(), t.want), []).append(idx)

    def resolve(key: tuple[str, str, str | None]) -> str:
        t = targets[refs[key][0]]
        try:
            commit = client_for(t.host).resolve_commit(t.owner, t.repo, t.want)
        except NotFoundError:
            remember(t, None)
            raise
        remember(t, commit)
        return commit

    def fail(indexes: Iterable[int], reason: str, checked_at: datetime | None = None) -> None:
        for i in indexes:
            e = by_index[i]
            unavailable[i] = UnavailablePlugin(e.name, e.source, reason, index=i, checked_at=checked_at)

    def fail_remembered(indexes: Sequence[int], t: ExternalTarget, rec: RefCheck) -> None:
        missing = NotFoundError(f"{t.slug} not found", 404)
        fail(indexes, _ref_reason(t, missing, client_for(t.host)), _utc(rec.checked_at))

    ask: list[tuple[str, str, str | None]] = []
    for key, idxs in refs.items():
        rec = remembered(targets[idxs[0]])
        if rec is None:
            ask.append(key)
        elif rec.commit is not None:
            commits.update(dict.fromkeys(idxs, rec.commit))
        else:
            fail_remembered(idxs, targets[idxs[0]], rec)
            report(len(idxs))

    pool = executor.Limited(max_workers)
    futures: dict[Future[Any], Any] = {pool.submit(resolve, key): key for key in ask}
    try:
        for fut in _as_completed(futures):
            key = futures[fut]
            try:
                commits.update(dict.fromkeys(refs[key], fut.result()))
            except SkillStudioError as err:
                t = targets[refs[key][0]]
                fail(refs[key], _ref_reason(t, err, client_for(t.host)),
                     _utc(now) if isinstance(err, NotFoundError) and memory is not None else None)
                log.info("external plugin target %s@%s unavailable: %s", t.slug, t.want, err)
                report(len(refs[key]))
        if unavailable and on_update is not None:
            on_update(merged())

        # Phase 2: list each distinct (host, repo, commit) once.
        groups: dict[tuple[str, str, str], _Group] = {}
        for idx in sorted(commits):
            t = targets[idx]
            key3 = (t.host, t.slug.lower(), commits[idx].lower())
            group = groups.get(key3)
            if group is None:
                group = groups[key3] = _Group(t.host, t.owner, t.repo, commits[idx].lower(), [])
            group.members.append((by_index[idx], t))

        def list_group(group: _Group) -> _Done:
            client = client_for(group.host)
            pinned_target = next((t for _, t in group.members if t.pinned), None)
            try:
                tree = cache.get_tree(group.host, f"{group.owner}/{group.repo}", group.commit) if cache else None
                if tree is None and group.host == registry_host:
                    tree = known_trees.get((f"{group.owner}/{group.repo}".lower(), group.commit))
                if tree is None:
                    rec = remembered(pinned_target) if pinned_target is not None else None
                    if rec is not None and rec.commit is None:
                        missing = NotFoundError(f"{group.owner}/{group.repo} not found", 404)
                        return _Done(group, reason=_ref_reason(pinned_target, missing, client),  # type: ignore[arg-type]
                                     checked_at=_utc(rec.checked_at))
                    try:
                        tree = client.tree(group.owner, group.repo, group.commit)
                    except NotFoundError:
                        for _, t in group.members:
                            if t.pinned:
                                remember(t, None)
                            elif memory is not None:
                                memory.forget_ref(t.host, t.slug, t.want)  # the commit is gone: resolve again
                        raise
                    if cache is not None:
                        cache.put_tree(group.host, tree)
                plugins = [replace(entry, path=t.path) for entry, t in group.members]
                fetch = _cached_fetch(client, group.host, tree, cache)
                return _Done(group, tree, discover_plugins(tree, plugins, fetch, ""))
            except SkillStudioError as err:
                pinned = [t for _, t in group.members if t.sha]
                t = pinned[0] if pinned else replace(group.members[0][1], sha=group.commit)
                checked = _utc(now) if isinstance(err, NotFoundError) and pinned_target is not None \
                    and memory is not None else None
                return _Done(group, reason=_ref_reason(t, err, client), checked_at=checked)

        futures = {pool.submit(list_group, g): g for g in groups.values()}
        for fut in _as_completed(futures):
            result: _Done = fut.result()
            if result.reason is not None:
                fail((e.index for e, _ in result.group.members), result.reason, result.checked_at)
                log.info("external plugin target %s/%s@%s unavailable: %s", result.group.owner,
                         result.group.repo, result.group.commit[:12], result.reason)
            else:
                finished.append(result)
            report(len(result.group.members))
            if on_update is not None:
                on_update(merged())
    except BaseException:
        for f in futures:
            f.cancel()
        pool.wait()  # like leaving a pool of its own: running work finishes first
        raise
    finally:
        flush = getattr(cache, "flush_refs", None)
        if flush is not None:
            flush()

    final = merged()
    log.debug("%s: %d external plugin(s): %d target(s) listed, %d unavailable, %d skipped",
              listing.source.slug, len(entries), len(finished), len(unavailable), len(skip_reasons))
    return final


def _as_completed(futures: Mapping[Future[Any], Any]) -> Iterable[Future[Any]]:
    """Yield futures as they finish (like ``concurrent.futures.as_completed``, without a timeout)."""
    pending = set(futures)
    while pending:
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        yield from finished


def _merge(listing: Listing, skipped: tuple[SkippedPlugin, ...], finished: Sequence[_Done],
           unavailable: Mapping[int, UnavailablePlugin]) -> Listing:
    """``listing`` plus the finished targets' skills, in catalog order and deduplicated."""
    skills: list[CatalogSkill] = list(listing.skills)
    excluded: list[Exclusion] = list(listing.excluded)
    warnings: list[str] = list(listing.warnings)
    trees = dict(listing.trees)
    tree_hosts = dict(listing.tree_hosts)
    for done in finished:
        assert done.tree is not None and done.result is not None
        slug = f"{done.tree.owner}/{done.tree.repo}"
        key = (slug, done.tree.commit)
        trees[key] = done.tree
        if done.group.host != listing.source.host:
            tree_hosts[key] = done.group.host
        skills.extend(done.result.skills)
        excluded.extend(Exclusion(e.path, f"{slug}: {e.reason}") for e in done.result.excluded)
        warnings.extend(f"{slug}: {w}" for w in done.result.warnings)
    order = sorted(range(len(skills)), key=lambda i: (
        skills[i].plugin_index if skills[i].plugin_index is not None else -1, i))
    seen: set[tuple[str, str, str, str]] = set()
    ordered: list[CatalogSkill] = []
    for i in order:
        s = skills[i]
        ident = (s.qualified_name, s.repo.lower(), s.commit, s.path)
        if ident in seen:
            continue
        seen.add(ident)
        ordered.append(s)
    return replace(
        listing,
        skills=tuple(ordered),
        excluded=tuple(dict.fromkeys(excluded)),
        skipped_plugins=skipped,
        unavailable_plugins=tuple(sorted(
            (*listing.unavailable_plugins, *unavailable.values()),
            key=lambda u: u.index if u.index is not None else -1)),
        warnings=tuple(dict.fromkeys(warnings)),
        trees=trees,
        tree_hosts=tree_hosts,
    )
