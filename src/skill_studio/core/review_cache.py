"""Reviews cached by the skill folder's git tree SHA (issue 14): a catalog is reviewed once per commit.

A skill folder's tree SHA names its exact content (paths, modes and bytes), so a review keyed by it
never goes stale; :data:`REVIEW_FORMAT` is part of the key so a change of the rules is a miss.
:class:`ReviewCache` keeps reviews in memory and, when given a folder, as small JSON files (one per
key, written atomically) so a restart does not download and review the catalog again. A missing or
corrupt file is a miss; errors are logged, never raised (the cache is optional).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .cache import write_atomic
from .models import RepoTree
from .review import MAX_SCAN_BYTES, Finding, Review, ReviewedFile, files_from_tree, review_skill

log = logging.getLogger(__name__)

__all__ = ["REVIEW_FORMAT", "ReviewCache", "folder_key", "review_from_json", "review_to_json", "review_tree_folder"]

REVIEW_FORMAT = 2
"""Bumped whenever a rule changes, so reviews made by older rules are not reused (2: html-comment
exempts short machine markers)."""


def folder_key(tree: RepoTree, folder: str) -> str:
    """The cache key of a skill folder in ``tree``: ``<format>-<tree SHA of the folder>``.

    The folder's tree entry gives its SHA; for the repository root (or a listing without tree
    entries) a SHA-256 of the sorted ``(path, mode, blob SHA)`` triples below ``folder`` stands in.
    """
    folder = folder.strip("/")
    if folder:
        # the tree's shared index (issue 18: scanning every entry per skill cost 307 × 26,000
        # comparisons when a big listing was reviewed, starving the GUI thread)
        e = tree.by_path().get(folder)
        if e is not None and e.type == "tree":
            return f"{REVIEW_FORMAT}-{e.sha}"
    prefix = folder + "/" if folder else ""
    h = hashlib.sha256()
    for e in sorted((e for e in tree.entries if e.type == "blob" and e.path.startswith(prefix)), key=lambda e: e.path):
        h.update(f"{e.path[len(prefix):]}\0{e.mode}\0{e.sha}\n".encode())
    return f"{REVIEW_FORMAT}-{h.hexdigest()}"


def review_to_json(review: Review) -> dict[str, object]:
    """A JSON-able dict of ``review`` (files, findings, risk)."""
    return {"format": REVIEW_FORMAT, "risk": review.risk,
            "files": [f.to_json() for f in review.files], "findings": [f.to_json() for f in review.findings]}


def review_from_json(doc: object) -> Review | None:
    """The review stored by :func:`review_to_json`, or None when ``doc`` is not one (a miss)."""
    try:
        assert isinstance(doc, dict) and doc.get("format") == REVIEW_FORMAT
        files = tuple(ReviewedFile(str(f["path"]), int(f["size"]), str(f["mode"]), str(f["kind"]))
                      for f in doc["files"])
        findings = tuple(Finding(str(f["rule"]), str(f["severity"]), str(f["path"]),
                                 None if f["line"] is None else int(f["line"]), str(f["message"]))
                         for f in doc["findings"])
        risk = str(doc["risk"])
    except (AssertionError, KeyError, TypeError, ValueError):
        return None
    return Review(files, findings, risk)


class ReviewCache:
    """Reviews by :func:`folder_key`, in memory and optionally under ``folder`` (thread-safe).

    Args:
        folder: where to keep ``<key>.json`` files (e.g. ``AppPaths.cache / "reviews"``), or None
            for memory only.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._memory: dict[str, Review] = {}
        self._lock = threading.Lock()

    def _file(self, key: str) -> Path | None:
        if self.folder is None or not all(c.isalnum() or c == "-" for c in key):
            return None
        return self.folder / f"{key}.json"

    def get(self, key: str) -> Review | None:
        """The cached review, or None (a miss)."""
        with self._lock:
            hit = self._memory.get(key)
        if hit is not None:
            return hit
        path = self._file(key)
        if path is None or not path.is_file():
            return None
        try:
            review = review_from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as err:
            log.debug("review cache read failed: %s", type(err).__name__)
            return None
        if review is not None:
            with self._lock:
                self._memory[key] = review
        return review

    def put(self, key: str, review: Review) -> None:
        """Remember ``review`` under ``key`` (memory, and disk when a folder is set)."""
        with self._lock:
            self._memory[key] = review
        path = self._file(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(review_to_json(review), ensure_ascii=False).encode("utf-8"))
        except OSError as err:
            log.debug("review cache write failed: %s", type(err).__name__)


def review_tree_folder(tree: RepoTree, folder: str, fetch_many: Callable[[Sequence[str]], Mapping[str, bytes]],
                       cache: ReviewCache | None = None) -> Review:
    """Review the skill folder ``folder`` of a listed tree before import (issue 14).

    Args:
        tree: the repository tree the listing was read from.
        folder: the skill folder's repository path.
        fetch_many: downloads blobs by repository path (e.g. ``GitHubClient.fetch_blobs`` bound to
            ``tree``); paths it leaves out are judged by name, size and mode only. Files over
            :data:`~skill_studio.core.review.MAX_SCAN_BYTES` are not downloaded.
        cache: reviews by folder tree SHA; a hit downloads nothing.

    Returns:
        The review (from the cache when known).

    Raises:
        RemoteError: whatever ``fetch_many`` raises.
    """
    key = folder_key(tree, folder)
    if cache is not None:
        hit = cache.get(key)
        if hit is not None:
            return hit
    prefix = folder.strip("/") + "/" if folder.strip("/") else ""
    entries = [e for e in tree.entries if e.path.startswith(prefix)]
    wanted = [e.path for e in entries if e.type == "blob" and (e.size or 0) <= MAX_SCAN_BYTES]
    blobs = fetch_many(wanted) if wanted else {}
    review = review_skill(files_from_tree(entries, folder, lambda e: blobs.get(e.path)))
    if cache is not None:
        cache.put(key, review)
    return review
