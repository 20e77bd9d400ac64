"""``SkillStudio``: the application layer's facade, shared by the GUI and the CLI.

It wires the folders, the database, the installer and GitHub clients together (the composition
root of the core) and offers every user-level operation: registries, listings, install states,
imports. Both faces call these methods; neither talks to the store or to GitHub directly.

Thread-safety: methods may be called from worker threads; the store serialises database access and
GitHub clients are thread-safe. Listing results are immutable.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

from skill_studio.app.listing import list_at_commit
from skill_studio.app.listing_process import ListingProcess, ListingProcessUnavailable
from skill_studio.app.settings import SettingsSkillsApi
from skill_studio.core import auth
from skill_studio.core.blob_memo import BlobMemo
from skill_studio.core.cache import EtagCache, ListingCache
from skill_studio.core.catalog import parse_catalog
from skill_studio.core.clock import now as _utcnow
from skill_studio.core.display import unique_registry_name
from skill_studio.core.errors import (
    AuthError,
    CatalogError,
    FrontmatterError,
    GitHubError,
    InstallError,
    NetworkError,
    NotFoundError,
    RateLimitError,
    RegistryError,
    RegistrySourceError,
    UserError,
)
from skill_studio.core.external import DEFAULT_WORKERS as EXTERNAL_WORKERS
from skill_studio.core.external import RECHECK_SECONDS, ExternalCache, resolve_external
from skill_studio.core.external_cache import DiskExternalCache
from skill_studio.core.frontmatter import MAX_SKILL_MD_BYTES, parse_skill_md
from skill_studio.core.frontmatter_edit import import_changes, write_changes
from skill_studio.core.github import GitHubClient
from skill_studio.core.identity import catalog_key, installed_copies, match_installed, registry_key
from skill_studio.core.installer import (
    ExecutableFile,
    Installer,
    check_local_name,
    check_portable_paths,
    check_relative_path,
)
from skill_studio.core.models import (
    DEFAULT_LIBRARY_PURPOSE,
    LIBRARY_PURPOSES,
    CatalogSkill,
    Destination,
    ImportOptions,
    InstalledSkill,
    InstallState,
    Listing,
    Progress,
    Registry,
    RegistrySource,
    RepoTree,
    SkippedPlugin,
)
from skill_studio.core.paths import AppPaths
from skill_studio.core.recovery import open_store
from skill_studio.core.settings_skills import SettingsSkills, frontmatter_slot
from skill_studio.core.sources import parse_registry_source
from skill_studio.core.targets import Targets
from skill_studio.core.update_rule import skill_files, upstream_identity, upstream_update
from skill_studio.core.versions import DEFAULT_VERSION

log = logging.getLogger(__name__)

ClientFactory = Callable[[str], GitHubClient]

_VERSION_TEXT = re.compile(r"[vV]?[0-9][0-9A-Za-z.+_-]{0,63}")
"""A version given at import (issue 16): text like ``1.2.0``, ``2024.01.15`` or ``v3-beta`` — not ``banana``."""

MAX_IMPORT_FILE_BYTES = 50 * 1024 * 1024
MAX_IMPORT_TOTAL_BYTES = 200 * 1024 * 1024
MAX_IMPORT_FILES = 10_000
"""Size-bomb guards of an import, checked on the tree before anything is downloaded (R-DATA-2)."""




def catalog_provenance(listing: Listing, skill: CatalogSkill) -> dict[str, Any]:
    """The skills-table columns that record where a marketplace skill came from.

    Shared by an import (``SkillStudio.import_skill``, R-IMP-1) and an update
    (``updates.apply_update``, R-UPD-3/4), so both write the same provenance.

    Args:
        listing: the listing the skill came from (its name and source URL become the registry).
        skill: the catalog skill being installed; ``listing.trees`` must hold its pinned tree
            (true once ``download_skill`` succeeded), which gives the upstream identity.

    Returns:
        ``{column: value}`` for name, version (catalog version, else ``DEFAULT_VERSION``), registry,
        registry_source, qualified_name, plugin, repo, source_path, commit_sha, origin
        (``"marketplace"``), metadata_json (the frontmatter fields as JSON) and upstream_hash. The
        caller adds description, purpose, slot, model and active, and may override version.
    """
    meta = skill.metadata
    tree = listing.trees[(skill.repo, skill.commit)]
    return {
        "name": skill.name,
        "version": skill.version or DEFAULT_VERSION,
        "registry": listing.name,
        "registry_source": listing.source.url,
        "qualified_name": skill.qualified_name,
        "plugin": skill.plugin,
        "repo": skill.repo,
        "source_path": skill.path,
        "commit_sha": skill.commit,
        "origin": "marketplace",
        "metadata_json": json.dumps(meta.fields if meta else {}, default=str),
        "upstream_hash": upstream_identity(tree, skill.path),
    }


def check_import_size(skill: CatalogSkill, tree: RepoTree, prefix: str, rel_to_sha: dict[str, str]) -> None:
    """Refuse a skill folder too big to import, from the sizes in the tree (R-DATA-2).

    Raises:
        InstallError: more than ``MAX_IMPORT_FILES`` files, one file over ``MAX_IMPORT_FILE_BYTES``,
            or over ``MAX_IMPORT_TOTAL_BYTES`` in all; the message names the file or the folder.
    """
    if len(rel_to_sha) > MAX_IMPORT_FILES:
        raise InstallError(f"{skill.qualified_name}: {skill.path or '/'} holds {len(rel_to_sha)} files; "
                           f"an import takes at most {MAX_IMPORT_FILES} (R-DATA-2).")
    index = tree.by_path()
    total = 0
    for rel in sorted(rel_to_sha):
        size = index[prefix + rel].size or 0
        if size > MAX_IMPORT_FILE_BYTES:
            raise InstallError(f"{skill.qualified_name}: {prefix + rel} is {size} bytes; files over "
                               f"{MAX_IMPORT_FILE_BYTES} bytes are not imported (R-DATA-2).")
        total += size
    if total > MAX_IMPORT_TOTAL_BYTES:
        raise InstallError(f"{skill.qualified_name}: {skill.path or '/'} holds {total} bytes; an import takes "
                           f"at most {MAX_IMPORT_TOTAL_BYTES} bytes (R-DATA-2).")


EXTERNAL_RECHECK_KEY = "external_recheck_minutes"
"""Setting: minutes between checks of an unpinned external ref (issue 18, ``SkillStudio.external_recheck_minutes``)."""
MAX_RECHECK_MINUTES = 7 * 24 * 60
"""Longest re-check interval accepted: a week."""


def has_pending_external(listing: Listing) -> bool:
    """True when ``listing`` still has external plugins to resolve: object sources of
    ``listing.catalog.external`` whose entry is in ``listing.skipped_plugins`` (a listing from
    ``list_registry(external=False)``; issue 9).

    An offline listing (GitHub unreachable or rate limited: the cached one) has none to resolve
    now — every target would fail the same way, slowly — so its external plugins stay listed as
    skipped until a reload (``list_registry`` returns it before resolving, as the browse dialog
    does).
    """
    if listing.offline:
        return False
    pending = {p.index for p in listing.skipped_plugins if p.index is not None}
    return any(e.index in pending for e in listing.catalog.external)


@dataclass(frozen=True)
class SkillState:
    """Install state of one catalog skill in one destination.

    Attributes:
        state: the badge (R-UI-2).
        installed: the matching installed skill, or None.
        changed_upstream: content differs upstream with no greater version.
        copies: the state of every installed copy when the skill is installed under one or more
            local names (sorted by local name; ``installed`` is the first); empty when not installed.
    """

    state: InstallState
    installed: InstalledSkill | None = None
    changed_upstream: bool = False
    copies: tuple[SkillState, ...] = ()


@dataclass(frozen=True)
class Removal:
    """Result of :meth:`SkillStudio.remove_skill`.

    Attributes:
        skill: the skill as it was before the removal.
        backup: the folder its files were moved to (None when its folder was already missing).
        messages: sentences for the user (what was removed, where the backup is, workspace notes).
    """

    skill: InstalledSkill
    backup: Path | None
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreparedImport:
    """A skill downloaded and ready to install (``SkillStudio.prepare_import``, issue 18).

    Attributes:
        skill: the catalog skill.
        destination: where it goes.
        local_name: the folder name it installs as (checked).
        files: ``{relative path: bytes}`` as written (the confirmed metadata in SKILL.md).
        upstream_files: the folder as upstream has it (the base of later merges, issue 13).
        row: the skills-table values of the install (provenance, version, purpose, slot, ...).
        options: the confirmed import options (replace, force, activate).
    """

    skill: CatalogSkill
    destination: Destination
    local_name: str
    files: dict[str, bytes]
    upstream_files: dict[str, bytes]
    row: dict[str, Any]
    options: ImportOptions


class SkillStudio:
    """The core facade.

    Args:
        paths: app folders (default: from ``SKILL_STUDIO_HOME`` / platformdirs).
        client_factory: ``host → GitHubClient``; default ``GitHubClient.for_host`` with the token
            from the environment or the keyring and the on-disk ETag store (R-NET-2, R-NET-4).
        use_cache: keep listings and ETags under ``paths.cache`` (R-NET-4); False lists from
            scratch every time (benchmarks' naive baseline).

    Attributes:
        startup_messages: sentences the user must see after opening (a damaged database rebuilt,
            interrupted installs undone); the CLI prints them on stderr (R-DATA-1).

    Usage::

        with SkillStudio.open() as studio:
            reg = studio.add_registry("anthropics/skills")
            listing = studio.list_registry(reg)
            studio.import_skill(listing, listing.skills[0], Destination.LIBRARY)
    """

    def __init__(self, paths: AppPaths | None = None, client_factory: ClientFactory | None = None,
                 *, use_cache: bool = True) -> None:
        if client_factory is None:
            auth.start_token_lookup()  # issue 18: the keyring is read while the database opens
        self.paths = (paths or AppPaths.from_env()).ensure()
        # A damaged database is moved aside and rebuilt from the folders on disk (R-DATA-1).
        self.store, db_messages = open_store(self.paths)
        self.installer = Installer(self.paths, self.store)
        self.etag_cache = EtagCache(self.paths.cache / "http") if use_cache else None
        self.listing_cache = ListingCache(self.paths.cache / "listings") if use_cache else None
        self.on_network_wait: Callable[[str], None] | None = None
        """Called (from any thread) with "waiting for GitHub… (attempt 2 of 4: …)" when a request is
        slow or retried (issue 16 item 7); the CLI prints it on stderr, the GUI shows a notice."""
        self._client_factory = client_factory or self._default_client
        self._clients: dict[str, GitHubClient] = {}
        self._retired: list[GitHubClient] = []
        self._clients_lock = threading.Lock()
        self.external_cache: ExternalCache | DiskExternalCache = (
            DiskExternalCache(self.paths.cache / "external") if use_cache else ExternalCache())
        """Trees and blobs of external plugin targets by SHA (issue 9): in memory, and on disk under
        ``paths.cache/external`` unless ``use_cache`` is False, so pinned targets survive a restart."""
        self.startup_messages: list[str] = db_messages + self.installer.recover()
        self.seed_default_registries()
        self._settings_skills = SettingsSkills(self.paths, self.store, self.installer)
        """Settings → Skills: bundled skills, uploads, active flags and slots, the agent workspace."""
        self.startup_messages += self._settings_skills.startup()
        self.targets = Targets(self.paths, self.store, self.installer)
        self.recent_blobs = BlobMemo()  # files a review just downloaded, reused by the import (issue 14)
        """Deploy targets, deployments and skill sets (issue 17); the faces use them through
        ``app.targets``. A committed install, update, merge, rollback or removal reaches the skill's
        deployed copies through the installer listener."""
        self.installer.on_change.append(self.targets.on_installed_change)
        self._listing_process: ListingProcess | None = None

    @property
    def settings_skills(self) -> SettingsSkillsApi:
        """Settings → Skills: activation, slots, uploads, removal and the agent workspace (R-IMP-4/6),
        as the operations of ``app.settings.SettingsSkillsApi``."""
        return self._settings_skills

    @classmethod
    def open(cls) -> SkillStudio:
        """Open with default folders and GitHub clients."""
        return cls()

    def close(self) -> None:
        """Close GitHub clients, the listing process (if any) and the database."""
        self.use_listing_process(False)
        if self.listing_cache is not None:
            self.listing_cache.flush()
        with self._clients_lock:
            for c in [*self._clients.values(), *self._retired]:
                c.close()
            self._clients.clear()
            self._retired.clear()
        self.store.close()

    def __enter__(self) -> SkillStudio:  # noqa: PYI034 - subclasses are not used
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _default_client(self, host: str) -> GitHubClient:
        return auth.client_for(host, etags=self.etag_cache, on_wait=self._network_wait)

    def _network_wait(self, text: str) -> None:
        listener = self.on_network_wait
        if listener is not None:
            listener(text)

    def client(self, host: str) -> GitHubClient:
        """The shared GitHub client of a host (one connection pool per host)."""
        with self._clients_lock:
            if host not in self._clients:
                self._clients[host] = self._client_factory(host)
            return self._clients[host]

    def use_listing_process(self, enabled: bool = True) -> None:
        """List registries (their cold, uncached part) in a child process instead of this one
        (issue 18; ``app.listing_process``). The GUI turns it on: its event loop no longer waits
        for the interpreter lock while hundreds of files download and parse. The CLI lists in its
        own process (one listing per command: a child would only add its start-up). Starts the
        child at once; False stops it. Listings whose client cannot be rebuilt in a child (a test's
        own transport or ``client_factory``) stay in this process."""
        if enabled and self._listing_process is None:
            lister = ListingProcess(on_wait=self._network_wait)
            try:
                lister.start()
            except ListingProcessUnavailable as err:
                log.warning("listing in this process: %s", err)
                return
            self._listing_process = lister
        elif not enabled and self._listing_process is not None:
            lister, self._listing_process = self._listing_process, None
            lister.close()

    def cancel_requests(self) -> int:
        """Abandon every GitHub request in flight (issue 15: a dialog's *Cancel*, closing a dialog
        or the window during a hanging request). Requests waiting for an answer fail within
        milliseconds with ``CancelledError`` (no retries); operations started afterwards use fresh
        clients. Installs stage their files before committing, so an abandoned import changes
        nothing. Thread-safe. Returns how many clients were aborted."""
        with self._clients_lock:
            clients = list(self._clients.values())
            self._retired.extend(clients)
            self._clients.clear()
        for c in clients:
            c.abort()
        lister = self._listing_process
        if lister is not None:
            lister.abort()
        return len(clients)

    def invalidate_clients(self) -> None:
        """Make the next request build new clients, e.g. after a token was saved or forgotten
        (R-NET-2). Clients in use by other threads stay open until :meth:`close`."""
        with self._clients_lock:
            self._retired.extend(self._clients.values())
            self._clients.clear()
        forget = getattr(self.external_cache, "forget_not_found", None)
        if forget is not None:  # issue 18: a new token may see repositories that answered 404
            forget()

    # -- registries ----------------------------------------------------------------------------

    @staticmethod
    def default_registry_specs() -> list[dict[str, Any]]:
        """Entries of ``resources/default_registries.json``: ``[{"url", "name"}]``."""
        text = resources.files("skill_studio.resources").joinpath("default_registries.json").read_text("utf-8")
        return list(json.loads(text)["registries"])

    def seed_default_registries(self) -> None:
        """Add the default registry on first run (R-REG-3); later runs leave the list alone."""
        if self.store.get_setting("seeded_default_registries") == "1":
            return
        for spec in self.default_registry_specs():
            src = parse_registry_source(spec["url"])
            if not any(registry_key(r) == registry_key(src) for r in self.store.registries()):
                try:
                    self.store.add_registry(spec.get("name") or src.slug, src, is_default=True)
                except RegistryError:  # another process seeded it in the meantime
                    pass
        self.store.set_setting("seeded_default_registries", "1")

    def registries(self, *, enabled_only: bool = False) -> list[Registry]:
        """Configured registries, default first."""
        regs = self.store.registries()
        return [r for r in regs if r.enabled] if enabled_only else regs

    def find_registry(self, key: str) -> Registry:
        """A registry by display name, ``owner/repo``, or URL (case-insensitive names).

        Raises:
            RegistryError: none matches, or the key is ambiguous.
        """
        regs = self.store.registries()
        k = key.strip()
        matches = [r for r in regs if r.name == k] or [r for r in regs if r.name.lower() == k.lower()]
        if not matches:
            matches = [r for r in regs if r.source.slug.lower() == k.lower()]
        if not matches:
            try:
                src = parse_registry_source(k)
            except RegistrySourceError:  # the key is simply not a URL
                src = None
            if src is not None:
                matches = [r for r in regs if registry_key(r) == registry_key(src)]
        if not matches:
            names = ", ".join(r.name for r in regs) or "none"
            near = difflib.get_close_matches(k, [r.name for r in regs] + [r.source.slug for r in regs], n=3, cutoff=0.5)
            hint = f" Did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
            raise RegistryError(f"No registry named {key!r}.{hint} Configured: {names}.")
        if len(matches) > 1:
            raise RegistryError(f"{key!r} matches several registries; use the URL instead.")
        return matches[0]

    def fetch_catalog_name(self, source: RegistrySource) -> str:
        """Fetch and parse the catalog at the current commit; its ``name`` or ``owner/repo`` (R-REG-2).

        Raises:
            CatalogError: missing or invalid catalog; RemoteError subclasses on network failure.
        """
        client = self.client(source.host)
        commit = client.resolve_commit(source.owner, source.repo, source.ref)
        data = self._read_catalog(client, source, commit)
        catalog = parse_catalog(data, source.catalog_path, source.subpath)
        return catalog.name or source.slug

    def add_registry(self, url: str) -> Registry:
        """Validate ``url``, fetch its catalog, and add it named after the catalog (R-REG-1/2).

        Raises:
            RegistrySourceError: not an accepted URL form.
            RegistryError: already configured.
            CatalogError, RemoteError: the catalog could not be fetched or parsed.
        """
        source = parse_registry_source(url)
        regs = self.store.registries()
        for r in regs:
            if registry_key(r) == registry_key(source):
                raise RegistryError(f"{url} is already configured as {r.name!r}.")
        # the catalog's name is untrusted: cleaned for display, and never another registry's name (issue 16)
        name = unique_registry_name(self.fetch_catalog_name(source), source.slug,
                                    [r.name for r in regs] + [r.source.slug for r in regs])
        return self.store.add_registry(name, source)

    def remove_registry(self, key: str) -> Registry:
        """Remove a registry; the default cannot be removed (R-REG-3). Returns the removed one."""
        reg = self.find_registry(key)
        self.store.remove_registry(reg.id)
        return reg

    def set_registry_enabled(self, key: str, enabled: bool) -> Registry:
        """Enable or disable a registry (kept in the list either way, R-REG-3)."""
        reg = self.find_registry(key)
        self.store.update_registry(reg.id, enabled=enabled)
        return dataclasses.replace(reg, enabled=enabled)

    # -- listings ------------------------------------------------------------------------------

    @staticmethod
    def _read_catalog(client: GitHubClient, source: RegistrySource, commit: str) -> bytes:
        try:
            return client.file_at(source.owner, source.repo, commit, source.catalog_path)
        except NotFoundError:
            raise CatalogError(
                f"{source.slug} has no {source.catalog_path} at {commit[:12]}: it is not a plugin marketplace.") from None

    def list_registry(self, registry: Registry | RegistrySource, progress: Progress | None = None,
                      external: bool = True, allow_offline: bool = True, reload: bool = False) -> Listing:
        """Everything a registry lists, pinned to one commit (R-DIS-1..6, R-NET-4).

        Resolve the commit (a conditional request) → the cached listing of that commit, if any
        (an unchanged registry costs exactly one request) → else tree + catalog (concurrently) →
        discovery (``app.listing.list_at_commit``; in the listing process when
        :meth:`use_listing_process` turned it on, as the GUI does), then cache it. When GitHub cannot be reached, is rate limited, or answers
        garbage, the last cached listing is returned with ``offline=True``, ``offline_reason`` and
        ``fetched_at`` = the time of its last successful check.

        The cache holds the registry's own listing; external plugins (``external``) are resolved
        after it on every call, so an unpinned external ref follows its repository (issue 9), while
        pinned SHAs come from ``external_cache`` (on disk: no download after a restart either).
        Offline, externals stay skipped.

        Args:
            registry: a configured registry or a bare source.
            progress: optional ``progress(done, total)``: first over the registry's file fetches,
                then (``external``) over its external plugins.
            external: also list plugins whose source is another GitHub repository (issue 9, see
                :meth:`resolve_external`); False leaves them in ``skipped_plugins`` — the GUI lists
                local plugins first that way, then calls :meth:`resolve_external`.
            allow_offline: fall back to the cached listing when GitHub cannot be reached; the
                update check passes False so that a failed check is reported (R-UPD-5).
            reload: the user asked to reload: unpinned external refs are asked again even within
                their re-check interval (issue 18, ``core.external.RECHECK_SECONDS``).

        Returns:
            The Listing; ``listing.trees`` holds every tree for imports; ``fetched_at`` is set.

        Raises:
            CatalogError: missing/invalid catalog (R-CAT-1).
            NotFoundError, AuthError: missing/private repository, refused token (never hidden by
                the cache).
            ListingProcessError: the listing process ended while listing (not listed again here).
            RemoteError subclasses: GitHub unreachable or rate limited and nothing cached.
        """
        source = registry.source if isinstance(registry, Registry) else registry
        client = self.client(source.host)
        cache = self.listing_cache
        try:
            commit = client.resolve_commit(source.owner, source.repo, source.ref)  # conditional: 304 → 1 request
            listing = cache.load(source, client.api_base, commit) if cache else None
            if listing is None:
                listing, stored = self._list_uncached(client, source, commit, progress)
                if cache and not stored:
                    cache.save(listing, client.api_base, background=True)
            checked = cache.mark_checked(source, client.api_base, commit) if cache else None
            listing = dataclasses.replace(listing, fetched_at=checked or _utcnow())
        except (NetworkError, RateLimitError, GitHubError) as err:
            cached = cache.last_good(source, client.api_base) if cache else None
            if cached is None or not allow_offline or isinstance(err, (NotFoundError, AuthError)):
                raise
            log.info("%s: showing the cached listing (offline): %s", source.slug, err)
            return dataclasses.replace(cached, offline=True, offline_reason=str(err))
        if external:
            listing = self.resolve_external(listing, progress, force=reload)
        return listing

    def _list_uncached(self, client: GitHubClient, source: RegistrySource, commit: str,
                       progress: Progress | None) -> tuple[Listing, bool]:
        """``(listing, stored)``: ``app.listing.list_at_commit`` in the listing process when one runs
        and the client can be rebuilt there (see :meth:`use_listing_process`), which also stores
        it in the listing cache (``stored``), else here (not stored yet)."""
        lister = self._listing_process
        settings = client.settings() if lister is not None else None
        if lister is not None and settings is not None:
            root = self.listing_cache.root if self.listing_cache is not None else None
            try:
                return lister.list_at_commit(settings, source, commit, progress, cache_root=root), root is not None
            except ListingProcessUnavailable as err:
                log.warning("listing %s in this process: %s", source.slug, err)
        return list_at_commit(client, source, commit, progress), False

    def resolve_external(self, listing: Listing, progress: Progress | None = None,
                         on_update: Callable[[Listing], None] | None = None, *, force: bool = False,
                         retry: Iterable[int] = (), max_workers: int | None = None) -> Listing:
        """Add the skills of the listing's external plugins (issue 9; rules in ``core.external``).

        Each distinct (repository, ref) is resolved once and each distinct (repository, commit)
        listed once, at most ``max_workers`` at a time; trees and blobs are cached by SHA in ``external_cache``
        (on disk under ``paths.cache/external`` unless ``use_cache`` is False).

        Args:
            listing: from :meth:`list_registry` with ``external=False`` (an already resolved
                listing is returned unchanged).
            progress: optional ``progress(done, total)`` over the external plugins.
            on_update: optional callable receiving the merged listing each time a target
                finishes (progressive display); called on the calling thread.
            force: a reload: ask for unpinned refs even within their re-check interval (issue 18).
            retry: catalog indexes whose targets are asked again even when remembered as "not found".
            max_workers: targets resolved at once (default ``core.external.DEFAULT_WORKERS``, 8);
                the GUI asks for fewer so its thread is not kept waiting (issue 18).

        Returns:
            A new Listing with the external skills merged in catalog order, unreachable targets
            in ``unavailable_plugins`` with their reasons, and their trees in ``trees``.

        Raises:
            Nothing for a failing target: it becomes an unavailable plugin.
        """
        if not has_pending_external(listing):
            return listing  # nothing to resolve (``core.external.resolve_external`` would return it too)
        return resolve_external(listing, self.client, cache=cast(ExternalCache, self.external_cache), progress=progress,
                                on_update=on_update, force=force, retry=retry, recheck_after=self._recheck_after(),
                                max_workers=max_workers if max_workers is not None else EXTERNAL_WORKERS)

    def external_recheck_minutes(self) -> float:
        """Minutes within which an unpinned external ref checked before is not asked again
        (issue 18; setting ``external_recheck_minutes``, default ``core.external.RECHECK_SECONDS``
        = 10 minutes; 0 asks on every listing). A reload asks anyway."""
        seconds = self._recheck_after()
        return (RECHECK_SECONDS if seconds is None else seconds) / 60

    def set_external_recheck_minutes(self, value: float | str) -> float:
        """Set :meth:`external_recheck_minutes`.

        Args:
            value: minutes, 0 to :data:`MAX_RECHECK_MINUTES` (a number or its text).

        Returns:
            The stored value, in minutes.

        Raises:
            UserError: not a number, or out of that range.
        """
        try:
            minutes = float(str(value).strip())
        except ValueError:
            raise UserError(f"{EXTERNAL_RECHECK_KEY} is a number of minutes, not {value!r}.") from None
        if not 0 <= minutes <= MAX_RECHECK_MINUTES:  # also refuses nan
            raise UserError(f"{EXTERNAL_RECHECK_KEY} is between 0 and {MAX_RECHECK_MINUTES} minutes, not {value!r}.")
        self.store.set_setting(EXTERNAL_RECHECK_KEY, f"{minutes:g}")
        return minutes

    def _recheck_after(self) -> float | None:
        """The stored interval in seconds, or None (the core's default) when unset or unreadable."""
        raw = self.store.get_setting(EXTERNAL_RECHECK_KEY)
        try:
            minutes = float(raw) if raw is not None else None
        except ValueError:
            minutes = None
        if minutes is None or not 0 <= minutes <= MAX_RECHECK_MINUTES:
            return None
        return minutes * 60

    def retry_external(self, listing: Listing, indexes: Iterable[int], progress: Progress | None = None) -> Listing:
        """The per-plugin Retry of an unavailable external plugin (issue 18): ask GitHub again
        about the targets of the plugins at catalog ``indexes`` (remembered "not found" answers
        included) and merge what they list now.

        Args:
            listing: a resolved listing (from :meth:`list_registry` or :meth:`resolve_external`).
            indexes: catalog indexes of plugins in ``listing.unavailable_plugins``.

        Returns:
            A new listing; plugins still failing stay unavailable with a fresh reason.
        """
        wanted = set(indexes)
        again = [u for u in listing.unavailable_plugins if u.index in wanted]
        if not again:
            return listing
        pending = dataclasses.replace(
            listing,
            unavailable_plugins=tuple(u for u in listing.unavailable_plugins if u.index not in wanted),
            skipped_plugins=(*listing.skipped_plugins,
                             *(SkippedPlugin(u.name, u.source, "external source", index=u.index) for u in again)))
        return self.resolve_external(pending, progress, retry=wanted)

    # -- install state -------------------------------------------------------------------------

    def installed_for(self, skill: CatalogSkill, destination: Destination,
                      installed: Iterable[InstalledSkill] | None = None,
                      listing: Listing | None = None) -> InstalledSkill | None:
        """The installed copy of a catalog skill in a destination, or None.

        Matched by ``core.identity`` (repository, folder and qualified name, so a renamed local copy
        still matches; with ``listing``, also a folder moved or a plugin renamed upstream). When the
        skill is installed under several local names, the first by local name.
        """
        copies = self.installed_copies(skill, destination, installed, listing)
        return copies[0] if copies else None

    def installed_copies(self, skill: CatalogSkill, destination: Destination,
                         installed: Iterable[InstalledSkill] | None = None,
                         listing: Listing | None = None) -> list[InstalledSkill]:
        """Every installed copy of a catalog skill in a destination, sorted by local name
        (``core.identity.installed_copies``; without ``listing`` only exact matches count)."""
        pool = list(installed) if installed is not None else self.store.skills(destination)
        if listing is None:
            return sorted((s for s in pool if s.destination is destination and s.origin == "marketplace"
                           and (s.repo, s.source_path, s.qualified_name) == catalog_key(skill)),
                          key=lambda s: s.local_name)
        return installed_copies(listing.skills, skill, destination, pool)

    def skill_state(self, listing: Listing, skill: CatalogSkill, destination: Destination,
                    installed: Iterable[InstalledSkill] | None = None) -> SkillState:
        """Install state of ``skill`` in ``destination`` (R-UI-2, R-UPD-1/2).

        customized wins over update available: a customized skill is never replaced silently. The
        state is the first copy's (by local name); ``copies`` holds the state of every copy.
        """
        pool = list(installed) if installed is not None else self.store.skills(destination)
        return self._state_of(listing, skill, installed_copies(listing.skills, skill, destination, pool))

    def copy_state(self, listing: Listing, skill: CatalogSkill, inst: InstalledSkill,
                   customized: bool | None = None) -> SkillState:
        """State of one installed copy against its catalog skill (R-UI-2, R-UPD-1/2): customized wins
        over update available (a customized skill is never replaced silently), then the update rule
        (``core.update_rule``), else up to date. The one place this order is written.

        Args:
            customized: whether ``inst`` is customized, when already known (else computed: disk work).
        """
        if customized if customized is not None else self.installer.is_customized(inst):
            return SkillState(InstallState.CUSTOMIZED, inst)
        kind = upstream_update(listing, skill, inst)
        if kind is not None:
            return SkillState(InstallState.UPDATE_AVAILABLE, inst, changed_upstream=kind == "changed_upstream")
        return SkillState(InstallState.UP_TO_DATE, inst)

    def _state_of(self, listing: Listing, skill: CatalogSkill, copies: list[InstalledSkill]) -> SkillState:
        if not copies:
            return SkillState(InstallState.NOT_INSTALLED)
        states = tuple(self.copy_state(listing, skill, c) for c in copies)
        return dataclasses.replace(states[0], copies=states)

    def states(self, listing: Listing) -> dict[tuple[str, str], dict[Destination, SkillState]]:
        """States of every listed skill in both destinations, keyed by (qualified_name, path)."""
        index = match_installed(listing.skills, self.store.skills())
        out: dict[tuple[str, str], dict[Destination, SkillState]] = {}
        for s in listing.skills:
            by_dest = index.get(catalog_key(s), {})
            out[(s.qualified_name, s.path)] = {d: self._state_of(listing, s, by_dest.get(d, [])) for d in Destination}
        return out

    def installed(self, destination: Destination | None = None) -> list[InstalledSkill]:
        """Installed skills, optionally of one destination; name and description as their installed
        ``SKILL.md`` says (see :meth:`from_files`)."""
        return [self.from_files(s) for s in self.store.skills(destination)]

    def installed_skill(self, destination: Destination, local_name: str) -> InstalledSkill | None:
        """The skill installed in ``destination`` under ``local_name``, or None; name and
        description as its installed ``SKILL.md`` says (see :meth:`from_files`)."""
        skill = self.store.skill(destination, local_name)
        return self.from_files(skill) if skill is not None else None

    def destination_of(self, local_name: str, destination: Destination | str | None = None, *,
                       error: type[UserError] = UserError) -> Destination:
        """The destination a single-skill command acts on: ``destination`` when given, else the only
        one where ``local_name`` is installed (the CLI's ``--to`` rule, R-CLI-1).

        Args:
            local_name: the installed skill's local name.
            destination: a :class:`Destination` or its value (``"library"``/``"settings"``), or None.
            error: the :class:`UserError` subclass to raise (e.g. ``TargetError`` for deploy commands).

        Raises:
            UserError (``error``): not installed anywhere, or installed in both and no destination given.
            ValueError: ``destination`` is not a destination's value.
        """
        if destination is not None:
            return Destination(destination)
        found = [d for d in Destination if self.store.skill(d, local_name) is not None]
        if not found:
            raise error(f"No skill named {local_name!r} is installed; 'skill-studio list' shows the local names.")
        if len(found) > 1:
            raise error(f"{local_name!r} is installed in both destinations; choose one with --to settings|library.")
        return found[0]

    @staticmethod
    def from_files(skill: InstalledSkill) -> InstalledSkill:
        """The skill with the name and description its installed ``SKILL.md`` says: the installed
        files are the truth, the database only caches them (issue 13; an edit made in the file
        shows in every list). Unchanged when the file is missing, too large or unparsable."""
        try:
            path = Path(skill.path) / "SKILL.md"
            if path.stat().st_size > MAX_SKILL_MD_BYTES:
                return skill
            meta = parse_skill_md(path.read_bytes(), f"{skill.local_name}/SKILL.md")
        except (OSError, FrontmatterError):
            return skill
        name = meta.name or skill.name
        description = meta.description or skill.description
        if name == skill.name and description == skill.description:
            return skill
        return dataclasses.replace(skill, name=name, description=description)

    def history(self, destination: Destination, local_name: str) -> list[dict[str, Any]]:
        """The recorded versions of an installed skill (newest first; empty when it was never
        updated): what a rollback can restore (R-UPD-4)."""
        return list(self.store.history(destination, local_name))

    def is_customized(self, skill: InstalledSkill) -> bool:
        """True when the installed folder differs from its import snapshot (R-UPD-2)."""
        return self.installer.is_customized(skill)

    # -- import --------------------------------------------------------------------------------

    def download_skill(self, listing: Listing, skill: CatalogSkill, progress: Progress | None = None) -> dict[str, bytes]:
        """Every file of the skill folder at the listing's commit: ``{relative path: bytes}``.

        Files whose bytes are in :attr:`recent_blobs` (a review just downloaded them) are taken from
        there by blob SHA; the rest are downloaded, at most ``MAX_IMPORT_FILE_BYTES`` each."""
        tree = listing.trees.get((skill.repo, skill.commit))
        if tree is None:
            raise InstallError(f"{skill.qualified_name}: the listing has no file tree for {skill.repo}@{skill.commit[:12]}.")
        rel_to_sha = skill_files(tree, skill.path)
        prefix = f"{skill.path}/" if skill.path else ""
        try:  # before any download: control characters, case/normalisation clashes (issue 16 items 5, 10)
            for rel in rel_to_sha:
                check_relative_path(rel)
            check_portable_paths(rel_to_sha)
        except InstallError as err:
            raise InstallError(f"{skill.qualified_name}: {err}") from None
        check_import_size(skill, tree, prefix, rel_to_sha)
        client = self.client(listing.host_of(skill))
        index = tree.by_path()
        wanted = [prefix + rel for rel in rel_to_sha]
        # files a review just downloaded (issue 14) are not downloaded again: a blob SHA names its bytes
        reused = {p: data for p in wanted
                  if (data := self.recent_blobs.get(index[p].sha)) is not None and len(data) <= MAX_IMPORT_FILE_BYTES}
        # the bytes actually read are capped, whatever sizes the tree declares (issue 16 item 8)
        try:
            fetched = client.fetch_blobs(tree, [p for p in wanted if p not in reused], skip_missing=False,
                                         progress=progress, max_bytes=MAX_IMPORT_FILE_BYTES)
        except GitHubError as err:
            if err.status != 200:
                raise
            raise InstallError(f"{skill.qualified_name}: {err} Files over {MAX_IMPORT_FILE_BYTES} bytes are not "
                               "imported (R-DATA-2).") from None
        blobs = {p: reused[p] if p in reused else fetched[p] for p in wanted}
        total = sum(len(data) for data in blobs.values())
        if total > MAX_IMPORT_TOTAL_BYTES:
            raise InstallError(f"{skill.qualified_name}: {skill.path or '/'} holds {total} bytes; an import takes "
                               f"at most {MAX_IMPORT_TOTAL_BYTES} bytes (R-DATA-2).")
        # an executable upstream (mode 100755) stays executable once installed (issue 16)
        return {p[len(prefix):]: ExecutableFile(data) if index[p].mode == "100755" else data
                for p, data in blobs.items()}

    def import_skill(self, listing: Listing, skill: CatalogSkill, destination: Destination,
                     options: ImportOptions | None = None, progress: Progress | None = None) -> InstalledSkill:
        """Import a catalog skill into a destination (R-IMP-1..5): :meth:`prepare_import` then
        :meth:`install_prepared`.

        Args:
            listing: the listing the skill came from (gives the pinned tree).
            skill: the skill to import.
            destination: Settings → Skills or the Skill Library.
            options: the confirmed metadata and collision choices.
            progress: optional ``progress(done, total)`` over downloaded files.

        Returns:
            The installed skill. Into Settings → Skills, its ``messages`` say when it arrived inactive
            because its slot (``options.slot``, else the frontmatter ``slot``) is held by another
            active skill (R-IMP-4); the agent workspace is synced after (R-IMP-6).

        Raises:
            CollisionError: the local name is taken and ``options.replace`` is False (R-IMP-2), or it
                is a bundled skill's name in Settings → Skills.
            InstallError: invalid local name, no description, customized copy without ``force``.
            RemoteError subclasses: download failures; nothing is written then.
        """
        return self.install_prepared(self.prepare_import(listing, skill, destination, options, progress))

    def prepare_import(self, listing: Listing, skill: CatalogSkill, destination: Destination,
                       options: ImportOptions | None = None, progress: Progress | None = None) -> PreparedImport:
        """The first half of :meth:`import_skill`: check the confirmed options, download the skill
        folder and write the chosen metadata into its SKILL.md — nothing on disk changes. Safe to
        run for several skills at once (a batch import downloads in parallel, issue 18); the
        install itself (:meth:`install_prepared`) is one step under the installer's swap lock.

        Args and Raises: as :meth:`import_skill`, except that collisions are only known at install.

        Returns:
            A :class:`PreparedImport` for :meth:`install_prepared`.
        """
        opts = options or ImportOptions()
        # an empty --as is a (bad) name, not "no name" (issue 16 item 5)
        local_name = check_local_name(skill.local_name if opts.local_name is None else opts.local_name)
        description = opts.description if opts.description is not None else skill.description
        if not description or not description.strip():
            raise InstallError(f"{skill.qualified_name} has no description; give one to import it "
                               "(--description TEXT, 1-1024 characters; R-FM-1).")
        if len(description) > 1024:
            raise InstallError(f"{skill.qualified_name}: the description is {len(description)} characters, over "
                               "the limit of 1024; give a shorter one (--description TEXT).")
        if opts.version is not None and not _VERSION_TEXT.fullmatch(opts.version.strip()):
            raise InstallError(f"{opts.version!r} is not a version: use a number such as 1.2.0 "
                               "(digits, letters, '.', '-', '+'; starting with a digit).")
        if opts.slot is not None and destination is not Destination.SETTINGS:
            raise InstallError(f"A purpose slot applies only to Settings → Skills; {destination.label} has none "
                               "(drop --slot, or import --to settings).")
        files = self.download_skill(listing, skill, progress)
        meta = skill.metadata
        # the installed files are the truth (issue 13): the edited keys are written into SKILL.md,
        # everything else stays upstream's bytes; the snapshot is what was written
        changes = import_changes(meta, shown_version=skill.version, proposed_local_name=skill.local_name, opts=opts)
        written = write_changes(files, changes)
        if destination is Destination.LIBRARY:  # set by the destination, never read from the file (R-IMP-5)
            purpose = opts.purpose or DEFAULT_LIBRARY_PURPOSE
            if purpose not in LIBRARY_PURPOSES:
                raise InstallError(f"{purpose!r} is not a Skill Library purpose; choose one of "
                                   f"{', '.join(LIBRARY_PURPOSES)}.")
        else:
            purpose = "skill-builder"
        disabled = changes.get("disable-model-invocation", (meta.fields.get("disable-model-invocation")
                                                            if meta else None)) is True
        row = {
            **catalog_provenance(listing, skill),
            "description": description.strip(),
            "version": opts.version or skill.version or DEFAULT_VERSION,
            "purpose": purpose,
            "slot": (opts.slot or frontmatter_slot(meta)) if destination is Destination.SETTINGS else None,
            "model": None if disabled else (changes.get("model") or (meta.model if meta else None)),
            "active": 1,
        }
        if "name" in changes:
            row["name"] = changes["name"]
        return PreparedImport(skill, destination, local_name, written, files, row, opts)

    def install_prepared(self, prepared: PreparedImport) -> InstalledSkill:
        """The second half of :meth:`import_skill`: install a prepared skill atomically (staged,
        then swapped under the installer's swap lock; R-IMP-2 collision check in the same step).

        Returns and Raises: as :meth:`import_skill` (CollisionError, InstallError; nothing else
        is downloaded here).
        """
        p, opts = prepared, prepared.options
        if p.destination is Destination.SETTINGS:  # slot rule + workspace sync (R-IMP-4, R-IMP-6)
            return self._settings_skills.install(p.files, p.local_name, dict(p.row), slot=p.row["slot"],
                                                replace=opts.replace, force=opts.force, kind="import",
                                                upstream_files=p.upstream_files, activate=opts.activate)
        return self.installer.install(p.files, p.destination, p.local_name, dict(p.row), replace=opts.replace,
                                      force=opts.force, kind="import", upstream_files=p.upstream_files)

    def remove_skill(self, destination: Destination, local_name: str) -> Removal:
        """Uninstall a skill: its row goes, its folder is kept as a backup under
        ``backups/<destination>/<name>/`` (issue 15). A Settings removal also updates the agent
        workspace (``settings_skills.remove``). The one use case behind the GUI's *Remove…* (and
        ``Delete``) and ``skill-studio remove NAME --to DEST``.

        Returns:
            A :class:`Removal`: the skill as it was, the backup folder, sentences for the user.

        Raises:
            InstallError: not installed, or a bundled skill (R-IMP-4: deactivate it instead).
        """
        if destination is Destination.SETTINGS:
            change = self._settings_skills.remove(local_name)
            return Removal(change.skill, change.backup, change.messages)
        skill = self.installed_skill(destination, local_name)
        if skill is None:
            raise InstallError(f"No skill named {local_name!r} is installed in {destination.label}.")
        backup = self.installer.remove(destination, local_name)
        kept = f" Its folder is kept as a backup in {backup}." if backup is not None else ""
        return Removal(skill, backup, (f"Removed {local_name!r} from {destination.label}.{kept}",))

    def skills_root(self, destination: Destination) -> Path:
        """Folder holding a destination's skills."""
        return self.paths.skills_dir(destination)
