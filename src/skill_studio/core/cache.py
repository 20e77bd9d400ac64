"""On-disk caches under ``AppPaths.cache`` (R-NET-4): listings keyed by commit SHA, and ETags.

Layout (everything here is safe to delete; a missing or corrupt entry is simply a miss)::

    cache/listings/<registry key>/<commit>.json.gz  one Listing per commit (catalog, skills with their
                                                  metadata and SKILL.md text, exclusions, warnings,
                                                  and the tree pruned to the skill folders), compact
                                                  JSON, gzip level 1 (issue 18: a skill's Markdown
                                                  body is stored once, in its SKILL.md text; tree
                                                  entries are rows, not objects)
    cache/listings/<registry key>/state.json      {"commit", "checked_at"}: the last successful check
    cache/http/<key hash>.json                    {"key", "etag", "body"}: validator of a conditional GET

The registry key hashes (API base, host, owner, repo, ref, subpath), so two registries in one
repository, or a test server and github.com, never share entries. A listing entry also records the
app version and a format number: another version re-lists instead of trusting old discovery rules.
Writes are atomic (temporary file, then ``os.replace``); readers never see half a file. Nothing
secret is stored: no token, no header, no ``download_url`` query.

How the service uses it (``SkillStudio.list_registry``): resolve the commit with ``If-None-Match``
(a 304 reuses the stored SHA), then :meth:`ListingCache.load` — an unchanged registry costs exactly
one request; offline, :meth:`ListingCache.last_good` gives the last listing with its check time.
"""

from __future__ import annotations

import base64
import bisect
import dataclasses
import gzip
import hashlib
import json
import logging
import threading
import types
import typing
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any, Union

from skill_studio import __version__
from skill_studio.core import jsonfast
from skill_studio.core.clock import now
from skill_studio.core.fsutil import atomic_write
from skill_studio.core.gcpause import gc_paused
from skill_studio.core.models import Listing, RegistrySource, RepoTree, TreeEntry

log = logging.getLogger(__name__)

FORMAT = 3
"""Bumped when the stored shape changes incompatibly (2: plugin metadata, issue 19; 3: gzip, tree
rows, body stored once, issue 18)."""
SUFFIX = ".json.gz"
"""File name suffix of a cached listing (``<commit>.json.gz``)."""
KEEP_COMMITS = 2
"""Listings kept per registry (the current one and the previous)."""


def format_age(seconds: float | None) -> str:
    """``"5 minutes"``, ``"2 hours"``, ``"less than a minute"``: the age of a cached listing, for
    "offline — cached 5 minutes ago" (CLI and GUI; see ``Listing.age_seconds``)."""
    if seconds is None:
        return "some time"
    minutes = int(seconds // 60)
    if minutes < 1:
        return "less than a minute"
    for size, unit in ((1440, "day"), (60, "hour"), (1, "minute")):
        if minutes >= size:
            n = minutes // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{minutes} minutes"  # pragma: no cover - the loop always returns


# -- atomic files ----------------------------------------------------------------------------------

def write_atomic(path: Path, data: bytes) -> None:
    """Write the cache file ``path`` atomically, creating its folder
    (:func:`skill_studio.core.fsutil.atomic_write`), without fsync: a cache file torn by a power
    cut reads as unreadable, hence a miss (issue 18: the fsync cost 5-15 ms on the request path).

    Raises:
        OSError: the folder cannot be created or written.
    """
    atomic_write(path, data, make_parents=True, durable=False)


def _read_json(path: Path) -> Any:
    """The JSON document at ``path`` or None when absent or unreadable (never raises)."""
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        log.debug("ignoring unreadable cache file %s (%s)", path.name, type(err).__name__)
        return None


# -- dataclass <-> JSON ----------------------------------------------------------------------------

class _Corrupt(Exception):
    """A cached document does not match the current model shape."""


def _plain(value: Any) -> Any:
    """JSON-safe copy of an untyped value (frontmatter ``fields``, catalog ``raw``): dates → ISO
    strings, non-string keys → strings, anything else unknown → ``str``."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value)


def encode(value: Any) -> Any:
    """Dataclass tree → JSON-safe data (dict keys that are not strings become ``[[k, v], ...]``)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {k: encode(v) for k, v in value.items()}
        return [[encode(k), encode(v)] for k, v in value.items()]
    return _plain(value)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def decode(hint: Any, data: Any) -> Any:
    """JSON data → a value of type ``hint`` (the inverse of :func:`encode`).

    Raises:
        _Corrupt: the data does not fit the type (a field added without a default, a wrong type).
    """
    if hint is Any or hint is object:
        return data
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is Union or origin is types.UnionType:
        if data is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        for i, option in enumerate(options):
            try:
                return decode(option, data)
            except _Corrupt:
                if i == len(options) - 1:
                    raise
        raise _Corrupt(f"no option of {hint} fits")
    if origin is tuple:
        if not isinstance(data, list):
            raise _Corrupt(f"expected a list for {hint}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v) for v in data)
        if len(args) != len(data):
            raise _Corrupt(f"wrong length for {hint}")
        return tuple(decode(a, v) for a, v in zip(args, data))
    if origin is list:
        if not isinstance(data, list):
            raise _Corrupt(f"expected a list for {hint}")
        return [decode(args[0] if args else Any, v) for v in data]
    if origin is dict:
        kt, vt = args if args else (Any, Any)
        if isinstance(data, dict):
            return {decode(kt, k): decode(vt, v) for k, v in data.items()}
        if isinstance(data, list):
            return {decode(kt, k): decode(vt, v) for k, v in data}
        raise _Corrupt(f"expected a mapping for {hint}")
    if isinstance(hint, type):
        if dataclasses.is_dataclass(hint):
            if not isinstance(data, dict):
                raise _Corrupt(f"expected an object for {hint.__name__}")
            hints = _hints(hint)
            kwargs = {}
            for f in dataclasses.fields(hint):
                if not f.init:
                    continue
                if f.name in data:
                    kwargs[f.name] = decode(hints[f.name], data[f.name])
                elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    raise _Corrupt(f"{hint.__name__}.{f.name} is missing")
            return hint(**kwargs)
        if issubclass(hint, Enum):
            try:
                return hint(data)
            except ValueError:
                raise _Corrupt(f"{data!r} is not a {hint.__name__}") from None
        if hint is datetime:
            try:
                return datetime.fromisoformat(data)
            except (TypeError, ValueError):
                raise _Corrupt("bad timestamp") from None
        if hint is float and isinstance(data, int) and not isinstance(data, bool):
            return float(data)
        if isinstance(data, hint) and not (hint is int and isinstance(data, bool)):
            return data
        raise _Corrupt(f"expected {hint.__name__}, got {type(data).__name__}")
    return data


def _read_json_gz(path: Path) -> Any:
    """The gzip-compressed JSON document at ``path`` or None when absent or unreadable."""
    try:
        return jsonfast.loads(gzip.decompress(path.read_bytes()))
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError) as err:  # zlib.error and BadGzipFile are OSError/ValueError
        log.debug("ignoring unreadable cache file %s (%s)", path.name, type(err).__name__)
        return None


def _encode_listing(listing: Listing) -> dict[str, Any]:
    """:func:`encode` of a listing, compacted: trees as ``[repo, commit, owner, name, rows]`` with
    one ``[path, mode, type, sha, size]`` row per entry, and a skill's ``metadata.body`` as its
    length when the SKILL.md text ends with it (it always does: the body is the text after the
    frontmatter)."""
    doc = encode(dataclasses.replace(listing, trees={}))
    doc["trees"] = [[repo, commit, t.owner, t.repo, [[e.path, e.mode, e.type, e.sha, e.size] for e in t.entries]]
                    for (repo, commit), t in listing.trees.items()]
    for skill in doc["skills"]:
        meta, text = skill.get("metadata"), skill.get("skill_md")
        if isinstance(meta, dict) and isinstance(text, str) and isinstance(meta.get("body"), str) \
                and text.endswith(meta["body"]):
            meta["body"] = len(meta["body"])
    return doc


def _decode_listing(doc: Any) -> Listing:
    """The inverse of :func:`_encode_listing`.

    Raises:
        _Corrupt, TypeError, ValueError, KeyError, IndexError: the document does not fit.
    """
    if not isinstance(doc, dict) or not isinstance(doc.get("skills"), list) or not isinstance(doc.get("trees"), list):
        raise _Corrupt("not a compact listing")
    for skill in doc["skills"]:
        meta, text = skill.get("metadata"), skill.get("skill_md")
        if isinstance(meta, dict) and isinstance(meta.get("body"), int) and isinstance(text, str):
            n = meta["body"]
            if not 0 <= n <= len(text):
                raise _Corrupt("bad body length")
            meta["body"] = text[len(text) - n:]
    rows = doc.pop("trees")
    listing: Listing = decode(Listing, doc)
    trees: dict[tuple[str, str], RepoTree] = {}
    for repo, commit, owner, name, entries in rows:
        if not all(isinstance(v, str) for v in (repo, commit, owner, name)):
            raise _Corrupt("bad tree key")
        out = []
        for path, mode, kind, sha, size in entries:
            if not all(isinstance(v, str) for v in (path, mode, kind, sha)) or not (
                    size is None or (isinstance(size, int) and not isinstance(size, bool))):
                raise _Corrupt("bad tree entry")
            out.append(TreeEntry(path, mode, kind, sha, size))
        trees[(repo, commit)] = RepoTree(owner, name, commit, tuple(out))
    return dataclasses.replace(listing, trees=trees)


# -- ETags -----------------------------------------------------------------------------------------

class EtagCache:
    """``github.EtagStore`` on disk: one small JSON file per request key.

    Args:
        root: folder for the entries (``AppPaths.cache / "http"``).

    Thread-safety: any number of threads and processes; each write is atomic.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _file(self, key: str) -> Path:
        return self.root / (hashlib.sha256(key.encode()).hexdigest()[:40] + ".json")

    def get(self, key: str) -> tuple[str, bytes] | None:
        """``(etag, body)`` of the last 200 answer for ``key``; None when absent or corrupt."""
        doc = _read_json(self._file(key))
        if not isinstance(doc, dict) or doc.get("key") != key or not isinstance(doc.get("etag"), str):
            return None
        try:
            return doc["etag"], base64.b64decode(doc.get("body", ""), validate=True)
        except (ValueError, TypeError):
            return None

    def put(self, key: str, etag: str, body: bytes) -> None:
        """Remember ``etag`` and ``body`` for ``key`` (errors are logged, never raised)."""
        doc = {"key": key, "etag": etag, "body": base64.b64encode(body).decode("ascii"),
               "stored_at": now().isoformat()}
        try:
            write_atomic(self._file(key), json.dumps(doc).encode())
        except OSError as err:
            log.debug("could not store an ETag (%s)", type(err).__name__)


# -- listings --------------------------------------------------------------------------------------

def _prune_tree(tree: RepoTree, folders: set[str], keep: set[str]) -> RepoTree:
    """The entries of ``tree`` inside ``folders`` (a skill folder and everything below it), plus
    the paths in ``keep``: what imports and upstream comparisons need; the rest is recomputable.

    Entries sorted by path (``GitHubClient.tree``) are cut by binary search, a folder's
    descendants being one contiguous run (``folder/`` up to ``folder0``, ``0`` following ``/``);
    an unsorted tree is scanned entry by entry."""
    if "" in folders:
        return tree
    paths = [e.path for e in tree.entries]
    if all(a < b for a, b in zip(paths, paths[1:])):
        picked: set[int] = set()
        for folder in folders:
            lo = bisect.bisect_left(paths, folder)
            hi = bisect.bisect_left(paths, folder + "0")
            picked.update(i for i in range(lo, hi) if paths[i] == folder or paths[i].startswith(folder + "/"))
        for path in keep:
            i = bisect.bisect_left(paths, path)
            if i < len(paths) and paths[i] == path:
                picked.add(i)
        return RepoTree(tree.owner, tree.repo, tree.commit, tuple(tree.entries[i] for i in sorted(picked)))
    kept = []
    for e in tree.entries:
        if e.path in keep:
            kept.append(e)
            continue
        parts = e.path.split("/")
        if any("/".join(parts[:i]) in folders for i in range(1, len(parts) + 1)):
            kept.append(e)
    return RepoTree(tree.owner, tree.repo, tree.commit, tuple(kept))


def pruned(listing: Listing) -> Listing:
    """``listing`` with each tree cut to its skill folders and the registry's catalog file: what
    the listing cache stores and what imports, reviews and upstream comparisons read (a warm
    listing is this). ``app.listing_process`` sends this over its pipe: the 307-skill catalog's
    tree goes from 25,950 entries to 2,252 (issue 18)."""
    trees = {}
    for (repo, commit), tree in listing.trees.items():
        folders = {s.path for s in listing.skills if s.repo == repo and s.commit == commit}
        keep = {listing.source.catalog_path} if repo == listing.source.slug else set()
        trees[(repo, commit)] = _prune_tree(tree, folders, keep)
    return dataclasses.replace(listing, trees=trees)


class ListingCache:
    """Listings of registries, one file per commit, plus the time of the last successful check.

    Args:
        root: folder for the entries (``AppPaths.cache / "listings"``).

    Thread-safety: any number of threads; writes are atomic, the last writer wins.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], Listing] = {}
        self._writers: list[threading.Thread] = []

    @staticmethod
    def key(source: RegistrySource, api_base: str) -> str:
        """Folder name of a registry: hash of (API base, host, owner, repo, ref, subpath)."""
        ident = json.dumps([api_base.rstrip("/"), source.host.lower(), source.owner.lower(), source.repo.lower(),
                            source.ref, source.subpath])
        return hashlib.sha256(ident.encode()).hexdigest()[:32]

    def _dir(self, source: RegistrySource, api_base: str) -> Path:
        return self.root / self.key(source, api_base)

    def load(self, source: RegistrySource, api_base: str, commit: str) -> Listing | None:
        """The cached listing of ``source`` at ``commit``, or None (absent, corrupt, other version).
        A listing still being written in the background is returned from memory."""
        with self._lock:
            pending = self._pending.get((self.key(source, api_base), commit))
        if pending is not None:
            return pending
        path = self._dir(source, api_base) / f"{commit}{SUFFIX}"
        with gc_paused():  # issue 18: ~26,000 parsed rows live until decoded (see core.gcpause)
            doc = _read_json_gz(path)
            if doc is None:
                return None
            if not isinstance(doc, dict) or doc.get("format") != FORMAT or doc.get("version") != __version__:
                log.debug("ignoring a cached listing from another version")
                return None
            try:
                listing = _decode_listing(doc.get("listing"))
            except (_Corrupt, TypeError, ValueError, KeyError, AttributeError, IndexError) as err:
                log.debug("ignoring a corrupt cached listing (%s)", err)
                return None
            del doc
        if listing.commit != commit or listing.source != source:
            return None
        return listing

    def save(self, listing: Listing, api_base: str, *, background: bool = False) -> None:
        """Store ``listing`` under its commit (trees pruned to the skill folders); keeps the newest
        ``KEEP_COMMITS`` per registry. Errors are logged, never raised (the cache is optional).

        With ``background`` the file is written by a (non-daemon) thread so a cold browse returns
        without waiting; :meth:`load` serves the listing from memory meanwhile and :meth:`flush`
        waits for the writes (``SkillStudio.close`` calls it).
        """
        listing = dataclasses.replace(listing, trees=dict(listing.trees))  # the caller may add trees later
        if not background:
            self._write(listing, api_base)
            return
        slot = (self.key(listing.source, api_base), listing.commit)

        def run() -> None:
            try:
                self._write(listing, api_base)
            finally:
                with self._lock:
                    if self._pending.get(slot) is listing:
                        del self._pending[slot]

        writer = threading.Thread(target=run, name="listing-cache-writer")
        with self._lock:
            self._pending[slot] = listing
            self._writers = [w for w in self._writers if w.is_alive()] + [writer]
        writer.start()

    def flush(self, timeout: float | None = None) -> None:
        """Wait until background writes are on disk."""
        with self._lock:
            writers = list(self._writers)
        for w in writers:
            w.join(timeout)

    def _write(self, listing: Listing, api_base: str) -> None:
        stored = dataclasses.replace(pruned(listing), offline=False, offline_reason=None)
        with gc_paused():  # issue 18: the encoded rows live only until dumped (see core.gcpause)
            doc = {"format": FORMAT, "version": __version__, "saved_at": now().isoformat(),
                   "listing": _encode_listing(stored)}
            data = jsonfast.dumps(doc)  # issue 18: json.dumps held the GIL ~30 ms for a big listing
            del doc
        folder = self._dir(listing.source, api_base)
        try:
            write_atomic(folder / f"{listing.commit}{SUFFIX}", gzip.compress(data, compresslevel=1, mtime=0))
            self._prune(folder, listing.commit)
        except OSError as err:
            log.warning("could not write the listing cache (%s)", type(err).__name__)

    @staticmethod
    def _prune(folder: Path, current: str) -> None:
        files = [p for p in folder.iterdir() if p.name != "state.json" and not p.name.startswith(current)
                 and (p.name.endswith(SUFFIX) or p.suffix == ".json")]  # .json: an older format
        files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP_COMMITS - 1:]:
            try:
                old.unlink()
            except OSError:
                pass

    def mark_checked(self, source: RegistrySource, api_base: str, commit: str,
                     when: datetime | None = None) -> datetime:
        """Record that ``source`` was confirmed at ``commit`` now; returns the time recorded."""
        when = when or now()
        doc = {"commit": commit, "checked_at": when.isoformat()}
        try:
            write_atomic(self._dir(source, api_base) / "state.json", json.dumps(doc).encode())
        except OSError as err:
            log.debug("could not record the check time (%s)", type(err).__name__)
        return when

    def last_good(self, source: RegistrySource, api_base: str) -> Listing | None:
        """The listing of the last successful check, with ``fetched_at`` = that check's time; None
        when there is none (the caller then reports the error)."""
        state = _read_json(self._dir(source, api_base) / "state.json")
        if not isinstance(state, dict) or not isinstance(state.get("commit"), str):
            return None
        listing = self.load(source, api_base, state["commit"])
        if listing is None:
            return None
        try:
            checked = datetime.fromisoformat(state.get("checked_at", ""))
        except (TypeError, ValueError):
            checked = None
        return dataclasses.replace(listing, fetched_at=checked)
