"""Disk-backed cache of external plugin targets' trees and blobs (issue 9, R-NET-4).

:class:`DiskExternalCache` has the four methods of :class:`~skill_studio.core.external.ExternalCache`
(which it keeps in front of the disk as a memory LRU), so a warm browse after an app restart lists a
marketplace whose external plugins are pinned by SHA without downloading their trees or files again.
Both keys are immutable git object names, so an entry never goes stale ("a pinned SHA is immutable
and never refetched", issue 9).

Layout under ``AppPaths.cache / "external"`` (safe to delete; a missing or corrupt entry is a miss)::

    trees/<host>/<owner__repo>/<commit>.json.gz   {"format", "owner", "repo", "commit",
                                                   "entries": [[path, mode, type, sha, size], ...]}
                                                   gzip-compressed: the whole tree, as imports of a
                                                   target's skills need every file of their folders
    blobs/<host>/<sha[:2]>/<sha>                  the blob's bytes, content-addressed; verified
                                                   against the git blob SHA on read (a mismatch is
                                                   a miss and the file is deleted)
    refs.json                                     {"format", "refs": [[host, slug, want, commit or
                                                   null, checked_at, with_token], ...]}: what
                                                   GitHub answered for each unpinned ref (and each
                                                   404), issue 18 — unlike trees and blobs these
                                                   age: see ``external.RECHECK_SECONDS``

Writes are atomic (:func:`~skill_studio.core.fsutil.atomic_write`: temporary file + ``os.replace``),
so any number of threads and processes may share the folder; the last writer of an identical entry
wins. Disk use is bounded loosely: blobs over :data:`MAX_DISK_BLOB_BYTES` are not stored on disk.
Errors are logged, never raised: the cache is optional.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import threading
import zlib
from pathlib import Path

from . import jsonfast
from .external import ExternalCache, RefCheck
from .fsutil import atomic_write
from .gcpause import gc_paused
from .hashing import git_blob_sha
from .models import RepoTree, TreeEntry

log = logging.getLogger(__name__)

__all__ = ["MAX_DISK_BLOB_BYTES", "TREE_FORMAT", "DiskExternalCache", "git_blob_sha"]

TREE_FORMAT = 1
REFS_FORMAT = 1
"""Format of ``refs.json`` (the remembered ref checks, issue 18)."""
"""Bumped when the stored tree shape changes incompatibly (older files are then misses)."""
MAX_DISK_BLOB_BYTES = 1024 * 1024
"""Blobs larger than this (bytes) are kept in memory only (SKILL.md and plugin.json are small)."""

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_OBJECT = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")


def _component(name: str) -> str:
    """A folder name for ``name`` (host, owner, repo) that cannot escape or collide with ``..``:
    the lower-cased name when plain, else a hash of it."""
    low = name.lower()
    if _SAFE.match(low) and ".." not in low:
        return low
    return "_" + hashlib.sha256(low.encode()).hexdigest()[:32]


class DiskExternalCache:
    """Trees by (host, repository, commit) and blobs by (host, blob SHA), in memory and on disk.

    Args:
        root: folder of the entries (``AppPaths.cache / "external"``).
        memory: the in-memory LRU kept in front of the disk (default: a new
            :class:`~skill_studio.core.external.ExternalCache`).
        max_disk_blob_bytes: blobs larger than this many bytes are not written to disk.

    Thread-safety: any number of threads and processes (atomic writes; reads verify or parse).
    """

    def __init__(self, root: Path, memory: ExternalCache | None = None,
                 max_disk_blob_bytes: int = MAX_DISK_BLOB_BYTES) -> None:
        self.root = root
        self.memory = memory if memory is not None else ExternalCache()
        self.max_disk_blob_bytes = max_disk_blob_bytes
        self._refs_lock = threading.Lock()
        self._refs_loaded = False
        self._refs_dirty = False

    # -- paths -------------------------------------------------------------------------------

    def _tree_file(self, host: str, slug: str, commit: str) -> Path | None:
        owner, _, repo = slug.partition("/")
        commit = commit.lower()
        if not owner or not repo or not _OBJECT.match(commit):
            return None
        return (self.root / "trees" / _component(host) / f"{_component(owner)}__{_component(repo)}"
                / f"{commit}.json.gz")

    def _blob_file(self, host: str, sha: str) -> Path | None:
        sha = sha.lower()
        if not re.fullmatch(r"[0-9a-f]{40}", sha):  # only SHA-1 blobs can be verified here
            return None
        return self.root / "blobs" / _component(host) / sha[:2] / sha

    # -- trees -------------------------------------------------------------------------------

    def get_tree(self, host: str, slug: str, commit: str) -> RepoTree | None:
        """The tree of ``slug`` (``owner/repo``, case-insensitive) at ``commit``: from memory, else
        from disk (then kept in memory); None when absent or unreadable."""
        tree = self.memory.get_tree(host, slug, commit)
        if tree is not None:
            return tree
        path = self._tree_file(host, slug, commit)
        if path is None:
            return None
        tree = self._read_tree(path, slug, commit)
        if tree is not None:
            self.memory.put_tree(host, tree)
        return tree

    @staticmethod
    def _read_tree(path: Path, slug: str, commit: str) -> RepoTree | None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            log.debug("ignoring unreadable cached tree %s (%s)", path.name, type(err).__name__)
            return None
        with gc_paused():  # issue 18: the parsed rows live only until converted (see core.gcpause)
            try:
                doc = jsonfast.loads(gzip.decompress(raw))
                if not isinstance(doc, dict) or doc.get("format") != TREE_FORMAT:
                    raise ValueError("another format")
                owner, repo, stored = doc["owner"], doc["repo"], doc["commit"]
                if (not isinstance(owner, str) or not isinstance(repo, str) or not isinstance(stored, str)
                        or f"{owner}/{repo}".lower() != slug.lower() or stored.lower() != commit.lower()):
                    raise ValueError("another tree")
                entries = []
                for e in doc["entries"]:
                    p, mode, kind, sha, size = e
                    if not all(isinstance(v, str) for v in (p, mode, kind, sha)) or not (
                            size is None or (isinstance(size, int) and not isinstance(size, bool))):
                        raise ValueError("bad entry")
                    entries.append(TreeEntry(p, mode, kind, sha, size))
            except (OSError, EOFError, zlib.error, ValueError, TypeError, KeyError) as err:
                log.debug("ignoring a corrupt cached tree %s (%s)", path.name, err)
                _unlink(path)
                return None
            del doc
        return RepoTree(owner, repo, stored, tuple(entries))

    def put_tree(self, host: str, tree: RepoTree) -> None:
        """Keep ``tree`` under (host, ``tree.owner/tree.repo``, ``tree.commit``) in memory and on
        disk (the whole tree, gzip-compressed). Disk errors are logged, never raised."""
        self.memory.put_tree(host, tree)
        path = self._tree_file(host, f"{tree.owner}/{tree.repo}", tree.commit)
        if path is None or path.exists():
            return
        with gc_paused():  # issue 18: the encoded rows live only until dumped (see core.gcpause)
            doc = {"format": TREE_FORMAT, "owner": tree.owner, "repo": tree.repo, "commit": tree.commit,
                   "entries": [[e.path, e.mode, e.type, e.sha, e.size] for e in tree.entries]}
            data = jsonfast.dumps(doc)  # issue 18: one C call holding the GIL, 15x shorter
            del doc
        try:
            atomic_write(path, gzip.compress(data, compresslevel=5, mtime=0), make_parents=True, durable=False)
        except OSError as err:
            log.warning("could not write the external tree cache (%s)", type(err).__name__)

    # -- blobs -------------------------------------------------------------------------------

    def get_blob(self, host: str, sha: str) -> bytes | None:
        """Bytes of blob ``sha`` on ``host``: from memory, else from disk when they hash to ``sha``
        (a file that does not is deleted and counts as a miss); None when absent."""
        data = self.memory.get_blob(host, sha)
        if data is not None:
            return data
        path = self._blob_file(host, sha)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as err:
            log.debug("ignoring unreadable cached blob %s (%s)", path.name, type(err).__name__)
            return None
        if git_blob_sha(data) != sha.lower():
            log.debug("cached blob %s does not match its SHA; fetching it again", path.name)
            _unlink(path)
            return None
        self.memory.put_blob(host, sha, data)
        return data

    def put_blob(self, host: str, sha: str, data: bytes) -> None:
        """Keep a blob's bytes (already verified against ``sha`` by the client) in memory and, up
        to ``max_disk_blob_bytes``, on disk. Disk errors are logged, never raised."""
        self.memory.put_blob(host, sha, data)
        if len(data) > self.max_disk_blob_bytes:
            return
        path = self._blob_file(host, sha)
        if path is None or path.exists():
            return
        try:
            atomic_write(path, data, make_parents=True, durable=False)
        except OSError as err:
            log.warning("could not write the external blob cache (%s)", type(err).__name__)


    # -- ref checks (issue 18) ----------------------------------------------------------------

    @property
    def _refs_file(self) -> Path:
        return self.root / "refs.json"

    def _load_refs(self) -> None:
        """Read ``refs.json`` into memory once (a missing or corrupt file is an empty memory)."""
        with self._refs_lock:
            if self._refs_loaded:
                return
            self._refs_loaded = True
            try:
                doc = json.loads(self._refs_file.read_bytes())
                if not isinstance(doc, dict) or doc.get("format") != REFS_FORMAT:
                    raise ValueError("another format")
                for host, slug, want, commit, checked_at, with_token in doc["refs"]:
                    if not (isinstance(host, str) and isinstance(slug, str) and isinstance(want, str)
                            and (commit is None or (isinstance(commit, str) and _OBJECT.match(commit)))
                            and isinstance(checked_at, (int, float)) and isinstance(with_token, bool)):
                        raise ValueError("bad entry")
                    if self.memory.get_ref(host, slug, want or None) is None:
                        self.memory.put_ref(host, slug, want or None, RefCheck(commit, float(checked_at), with_token))
            except FileNotFoundError:
                return
            except (OSError, ValueError, TypeError, KeyError) as err:
                log.debug("ignoring the external ref memory (%s)", err)

    def get_ref(self, host: str, slug: str, want: str | None) -> RefCheck | None:
        """The remembered check of ``slug`` at ``want`` on ``host`` (see ``external.RefCheck``)."""
        self._load_refs()
        return self.memory.get_ref(host, slug, want)

    def put_ref(self, host: str, slug: str, want: str | None, check: RefCheck) -> None:
        """Remember ``check``; written to disk by :meth:`flush_refs`."""
        self._load_refs()
        self.memory.put_ref(host, slug, want, check)
        with self._refs_lock:
            self._refs_dirty = True

    def forget_ref(self, host: str, slug: str, want: str | None) -> None:
        """Forget one target's check (a per-plugin Retry); written by :meth:`flush_refs`."""
        self._load_refs()
        self.memory.forget_ref(host, slug, want)
        with self._refs_lock:
            self._refs_dirty = True

    def forget_not_found(self, host: str | None = None) -> int:
        """Forget every remembered "not found" (of ``host`` or all hosts), e.g. when a token is
        added; written to disk at once. Returns how many were forgotten."""
        self._load_refs()
        n = self.memory.forget_not_found(host)
        if n:
            with self._refs_lock:
                self._refs_dirty = True
            self.flush_refs()
        return n

    def flush_refs(self) -> None:
        """Write the ref memory to ``refs.json`` when it changed (atomic; errors are logged)."""
        with self._refs_lock:
            if not self._refs_dirty:
                return
            self._refs_dirty = False
            rows = [[h, slug, want, rec.commit, round(rec.checked_at, 3), rec.with_token]
                    for (h, slug, want), rec in self.memory.ref_items()]
        data = json.dumps({"format": REFS_FORMAT, "refs": rows}, separators=(",", ":")).encode()
        try:
            atomic_write(self._refs_file, data, make_parents=True, durable=False)
        except OSError as err:
            log.warning("could not write the external ref memory (%s)", type(err).__name__)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
