"""GitHub REST client over httpx (R-NET-1, R-NET-5, R-DIS-5, R-DIS-6).

Only these endpoints are used::

    GET /repos/{o}/{r}
    GET /repos/{o}/{r}/commits/{ref}
    GET /repos/{o}/{r}/git/trees/{sha}[?recursive=1]
    GET /repos/{o}/{r}/git/blobs/{sha}
    GET /repos/{o}/{r}/contents/{path}?ref=REF        (JSON, or raw with Accept: application/vnd.github.raw)
    GET /repos/{o}/{r}/tarball/{ref}

Every status code is checked and mapped to a typed error (see ``errors``). Thread-safety: one
client may be shared by threads; ``fetch_blobs`` runs a bounded thread pool over the single
connection pool of the underlying ``httpx.Client``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import random
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import httpx

from skill_studio import __version__
from skill_studio.core.errors import (
    AuthError,
    GitHubError,
    IntegrityError,
    NetworkError,
    NotFoundError,
    RateLimitError,
)
from skill_studio.core.models import RepoTree, TreeEntry, join_path
from skill_studio.core.sources import api_base_for

log = logging.getLogger(__name__)

RAW = "application/vnd.github.raw"
JSON = "application/vnd.github+json"
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
DEFAULT_CONCURRENCY = 8
MAX_BLOB_BYTES = 50 * 1024 * 1024


def git_blob_sha(data: bytes) -> str:
    """Git object SHA-1 of a blob: ``sha1(b"blob <len>\\0" + data)`` (per git's object format)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _fmt_reset(reset: datetime | None) -> str:
    if reset is None:
        return "later"
    local = reset.astimezone()
    return "at " + local.strftime("%H:%M:%S %Z on %Y-%m-%d").replace("  ", " ")


class GitHubClient:
    """Synchronous GitHub REST client.

    Usage::

        with GitHubClient.for_host("github.com") as gh:
            sha = gh.resolve_commit("anthropics", "skills", None)
            tree = gh.tree("anthropics", "skills", sha)

    Args:
        api_base: REST base URL (``https://api.github.com`` or ``https://HOST/api/v3``).
        token: bearer token or None; never logged.
        timeout: httpx timeout applied to every request.
        retries: extra attempts on 5xx and connection errors (bounded exponential backoff).
        concurrency: bound on parallel blob fetches.
        transport: optional httpx transport (tests use ``httpx.MockTransport``).
        sleep: injectable sleep for backoff (tests pass a no-op).
    """

    def __init__(
        self,
        api_base: str,
        token: str | None = None,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        retries: int = 3,
        concurrency: int = DEFAULT_CONCURRENCY,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.has_token = bool(token)
        self.retries = max(0, retries)
        self.concurrency = max(1, concurrency)
        self._sleep = sleep
        headers = {
            "User-Agent": f"skill-studio/{__version__}",
            "Accept": JSON,
            "X-GitHub-Api-Version": "2022-11-28",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        limits = httpx.Limits(max_connections=self.concurrency + 2, max_keepalive_connections=self.concurrency + 2)
        self._http = httpx.Client(
            base_url=self.api_base, headers=headers, timeout=timeout, transport=transport,
            limits=limits, follow_redirects=True,
        )
        self.request_count = 0

    @classmethod
    def for_host(cls, host: str, token: str | None = None, **kwargs: Any) -> GitHubClient:
        """Client for a web host; the API base follows ``api_base_for`` and the token defaults to
        ``GITHUB_TOKEN`` from the environment (R-NET-2)."""
        if token is None:
            token = os.environ.get("GITHUB_TOKEN") or None
        return cls(api_base_for(host), token, **kwargs)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport -----------------------------------------------------------------------------

    def _request(self, path: str, *, params: Mapping[str, str] | None = None, accept: str | None = None,
                 what: str) -> httpx.Response:
        """GET ``path`` with retries; returns a 2xx response or raises a typed error."""
        headers = {"Accept": accept} if accept else None
        attempt = 0
        while True:
            try:
                self.request_count += 1
                resp = self._http.get(path, params=params, headers=headers)
            except httpx.TimeoutException as exc:
                err: Exception = NetworkError(f"GitHub did not answer in time while fetching {what} ({self.api_base}).")
                err.__cause__ = exc
            except httpx.TransportError as exc:
                err = NetworkError(f"Cannot reach GitHub at {self.api_base} while fetching {what}: {exc.__class__.__name__}.")
                err.__cause__ = exc
            else:
                if resp.status_code < 300:
                    return resp
                err = self._status_error(resp, what)
                if not (resp.status_code >= 500):
                    raise err
            if attempt >= self.retries:
                raise err
            delay = min(8.0, 0.25 * (2 ** attempt)) * (0.5 + random.random() / 2)
            log.debug("retrying %s after %s (%.2fs)", path, err, delay)
            self._sleep(delay)
            attempt += 1

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
            reset_at: datetime | None = None
            if retry_after is not None and retry_after.strip().isdigit():
                reset_at = datetime.fromtimestamp(time.time() + int(retry_after), tz=timezone.utc)
            elif resp.headers.get("X-RateLimit-Reset", "").isdigit():
                reset_at = datetime.fromtimestamp(int(resp.headers["X-RateLimit-Reset"]), tz=timezone.utc)
            advice = "" if self.has_token else " Add a GitHub token to raise the limit."
            return RateLimitError(
                f"GitHub's rate limit is exhausted; it resets {_fmt_reset(reset_at)}.{advice}",
                status, url, reset_at)
        if status == 401:
            return AuthError("The GitHub token was refused (401 Bad credentials): it is invalid or expired.", status, url)
        if status == 404:
            hint = "" if self.has_token else " — add a token if it is private"
            return NotFoundError(f"Not found or private: {what}{hint}.", status, url)
        detail = f": {message}" if message else ""
        return GitHubError(f"GitHub answered {status} for {what}{detail}.", status, url)

    def _json(self, path: str, *, params: Mapping[str, str] | None = None, what: str) -> Any:
        resp = self._request(path, params=params, what=what)
        ctype = resp.headers.get("Content-Type", "")
        try:
            return resp.json()
        except ValueError:
            kind = "an HTML page" if "html" in ctype or resp.content.lstrip()[:1] == b"<" else "something that is not JSON"
            raise GitHubError(
                f"{self.api_base} answered {kind} instead of JSON for {what} (a proxy or captive portal?).",
                resp.status_code, str(resp.request.url)) from None

    # -- endpoints -----------------------------------------------------------------------------

    @staticmethod
    def _repo_path(owner: str, repo: str) -> str:
        return f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"

    def repo(self, owner: str, repo: str) -> dict[str, Any]:
        """``GET /repos/{o}/{r}``: repository metadata (``default_branch``, ``private``...)."""
        data = self._json(self._repo_path(owner, repo), what=f"repository {owner}/{repo}")
        if not isinstance(data, dict):
            raise GitHubError(f"Unexpected answer for repository {owner}/{repo}.")
        return data

    def resolve_commit(self, owner: str, repo: str, ref: str | None) -> str:
        """``GET /repos/{o}/{r}/commits/{ref}``: the commit SHA a ref points at (R-DIS-6).

        Args:
            ref: branch, tag or SHA; None means the default branch (``HEAD``).

        Returns:
            40-hex commit SHA.
        """
        ref_part = quote(ref or "HEAD", safe="")
        what = f"{owner}/{repo}@{ref or 'default branch'}"
        data = self._json(f"{self._repo_path(owner, repo)}/commits/{ref_part}", what=what)
        sha = data.get("sha") if isinstance(data, dict) else None
        if not isinstance(sha, str) or len(sha) != 40:
            raise GitHubError(f"GitHub's answer for {what} has no commit SHA.")
        return sha

    def _tree_json(self, owner: str, repo: str, sha: str, recursive: bool) -> dict[str, Any]:
        params = {"recursive": "1"} if recursive else None
        data = self._json(f"{self._repo_path(owner, repo)}/git/trees/{quote(sha, safe='')}", params=params,
                          what=f"the file tree of {owner}/{repo}@{sha[:12]}")
        if not isinstance(data, dict) or not isinstance(data.get("tree"), list):
            raise GitHubError(f"GitHub's tree answer for {owner}/{repo}@{sha[:12]} has no 'tree' list.")
        return data

    @staticmethod
    def _entries(items: Iterable[Any], prefix: str) -> list[TreeEntry]:
        out = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("path"), str):
                continue
            out.append(TreeEntry(
                path=join_path(prefix, item["path"]), mode=str(item.get("mode", "")),
                type=str(item.get("type", "")), sha=str(item.get("sha", "")),
                size=item.get("size") if isinstance(item.get("size"), int) else None,
            ))
        return out

    def tree(self, owner: str, repo: str, commit: str) -> RepoTree:
        """The full recursive tree of ``commit`` (R-DIS-5).

        A truncated recursive listing is completed by walking sub-trees non-recursively (breadth
        first) for every folder the truncated answer did not enumerate; never silently cut short.

        Returns:
            RepoTree with entries sorted by path.
        """
        data = self._tree_json(owner, repo, commit, recursive=True)
        entries = self._entries(data["tree"], "")
        if data.get("truncated"):
            entries = self._complete_truncated(owner, repo, data.get("sha") or commit, entries)
        entries.sort(key=lambda e: e.path)
        return RepoTree(owner, repo, commit, tuple(entries))

    def _complete_truncated(self, owner: str, repo: str, root_sha: str, partial: list[TreeEntry]) -> list[TreeEntry]:
        log.info("tree of %s/%s is truncated; walking sub-trees", owner, repo)
        known: dict[str, TreeEntry] = {}
        queue: list[tuple[str, str]] = [("", root_sha)]
        while queue:
            prefix, sha = queue.pop(0)
            data = self._tree_json(owner, repo, sha, recursive=False)
            for entry in self._entries(data["tree"], prefix):
                known[entry.path] = entry
                if entry.type == "tree":
                    queue.append((entry.path, entry.sha))
        return list(known.values())

    def blob(self, owner: str, repo: str, sha: str, *, path: str = "") -> bytes:
        """``GET /repos/{o}/{r}/git/blobs/{sha}`` (raw), verified against ``sha``.

        Raises:
            IntegrityError: the bytes do not hash to ``sha``.
        """
        what = f"{path or sha} in {owner}/{repo}"
        resp = self._request(f"{self._repo_path(owner, repo)}/git/blobs/{quote(sha, safe='')}", accept=RAW, what=what)
        data = resp.content
        if "json" in resp.headers.get("Content-Type", "") and git_blob_sha(data) != sha:
            # Some servers ignore the raw media type and answer the JSON shape.
            try:
                doc = json.loads(data)
                data = base64.b64decode(doc["content"]) if doc.get("encoding") == "base64" else doc["content"].encode()
            except (ValueError, KeyError, TypeError, AttributeError):
                pass
        if git_blob_sha(data) != sha:
            raise IntegrityError(f"Downloaded {what} does not match its git SHA {sha[:12]}; refusing to use it.")
        return data

    def contents(self, owner: str, repo: str, path: str, ref: str) -> bytes:
        """``GET /repos/{o}/{r}/contents/{path}?ref=REF`` with the raw media type: the file's bytes."""
        resp = self._request(f"{self._repo_path(owner, repo)}/contents/{quote(path)}", params={"ref": ref},
                             accept=RAW, what=f"{path} in {owner}/{repo}@{ref[:12]}")
        return resp.content

    def tarball(self, owner: str, repo: str, ref: str) -> bytes:
        """``GET /repos/{o}/{r}/tarball/{ref}``: the gzip tar of a commit (not used for listings)."""
        resp = self._request(f"{self._repo_path(owner, repo)}/tarball/{quote(ref, safe='')}",
                             what=f"the archive of {owner}/{repo}@{ref[:12]}")
        return resp.content

    def fetch_blobs(self, tree: RepoTree, paths: Sequence[str], *, skip_missing: bool = True,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, bytes]:
        """Fetch the blobs at ``paths`` of ``tree`` concurrently (bounded), verifying each SHA.

        Args:
            tree: the pinned tree (R-DIS-6); only its regular-file entries are fetched.
            paths: repository paths; unknown paths and non-files are left out when ``skip_missing``.
            skip_missing: when False an unknown path raises NotFoundError.
            progress: optional ``progress(done, total)`` callable (called from worker threads).

        Returns:
            ``{path: bytes}`` in the order of ``paths``.

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
        results: dict[str, bytes] = {}

        def one(entry: TreeEntry) -> tuple[str, bytes]:
            return entry.path, self.blob(tree.owner, tree.repo, entry.sha, path=entry.path)

        if total <= 1 or self.concurrency == 1:
            for entry in wanted:
                p, data = one(entry)
                results[p] = data
                done += 1
                if progress:
                    progress(done, total)
            return results
        with ThreadPoolExecutor(max_workers=min(self.concurrency, total), thread_name_prefix="gh-fetch") as pool:
            futures = [pool.submit(one, e) for e in wanted]
            try:
                for fut in futures:
                    p, data = fut.result()
                    results[p] = data
                    done += 1
                    if progress:
                        progress(done, total)
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
        return results
