"""Plain data shared by every layer: frozen dataclasses and enums, no I/O.

Paths inside a repository are POSIX strings relative to the repository root, without a leading or
trailing ``/`` ("" is the root). A registry living in a sub-folder has ``RegistrySource.subpath``;
catalog-relative paths are joined onto it before they reach discovery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from skill_studio.core.clock import now as _now

Progress = Callable[[int, int], None]
"""A progress callback: ``progress(done, total)`` (counts of files, plugins, ...); called from worker
threads, possibly often."""


class Destination(str, Enum):
    """Where an imported skill lives (R-IMP-4)."""

    SETTINGS = "settings"
    """*Settings → Skills*: skills that drive the Skill Builder agents."""
    LIBRARY = "library"
    """*Skill Library*: domain skills the user refines."""

    @property
    def label(self) -> str:
        """Human label used in the UI and CLI messages."""
        return "Settings → Skills" if self is Destination.SETTINGS else "Skill Library"


LIBRARY_PURPOSES = ("domain", "platform", "source", "data-engineering")
"""Purposes of Skill Library skills (R-IMP-4); set by the user at import (R-IMP-5), never read
from the frontmatter."""

DEFAULT_LIBRARY_PURPOSE = "domain"
"""The Library purpose when the user chose none (CLI import without ``--purpose``)."""


class InstallState(str, Enum):
    """Install state of a catalog skill in one destination (R-UI-2)."""

    NOT_INSTALLED = "not_installed"
    UP_TO_DATE = "up_to_date"
    UPDATE_AVAILABLE = "update_available"
    CUSTOMIZED = "customized"

    @property
    def label(self) -> str:
        """Badge text for the UI."""
        return {
            "not_installed": "not installed",
            "up_to_date": "up to date",
            "update_available": "update available",
            "customized": "customized",
        }[self.value]


@dataclass(frozen=True)
class RegistrySource:
    """Where a registry's catalog lives (R-REG-1).

    Attributes:
        host: GitHub web host, e.g. ``"github.com"`` or ``"ghe.example.com"``.
        owner: repository owner.
        repo: repository name (without ``.git``).
        ref: branch, tag or commit SHA; None means the default branch.
        subpath: folder inside the repository holding ``.claude-plugin/`` ("" for the root).
    """

    host: str
    owner: str
    repo: str
    ref: str | None = None
    subpath: str = ""

    @property
    def slug(self) -> str:
        """``owner/repo``."""
        return f"{self.owner}/{self.repo}"

    @property
    def catalog_path(self) -> str:
        """Repository path of ``marketplace.json`` (per Claude Code: ``.claude-plugin/marketplace.json``)."""
        return join_path(self.subpath, ".claude-plugin/marketplace.json")

    @property
    def url(self) -> str:
        """Canonical web URL in one of the accepted forms; parses back to an equal source."""
        base = f"https://{self.host}/{self.owner}/{self.repo}"
        if self.subpath:
            return f"{base}/tree/{self.ref or 'HEAD'}/{self.subpath}"
        if self.ref:
            return f"{base}/tree/{self.ref}"
        return base


@dataclass(frozen=True)
class TreeEntry:
    """One entry of a git tree listing (GitHub "Get a tree" shape).

    Attributes:
        path: repository-relative POSIX path.
        mode: git file mode string: ``100644``/``100755`` file, ``120000`` symlink,
            ``040000`` tree, ``160000`` submodule.
        type: ``"blob"``, ``"tree"`` or ``"commit"`` (submodule).
        sha: git object SHA (40 hex chars).
        size: blob size in bytes (None for trees and submodules).
    """

    path: str
    mode: str
    type: str
    sha: str
    size: int | None = None

    @property
    def is_symlink(self) -> bool:
        """True for mode 120000 entries; never followed (R-DIS-5)."""
        return self.mode == "120000"

    @property
    def is_file(self) -> bool:
        """True for a regular blob (not a symlink)."""
        return self.type == "blob" and not self.is_symlink


@dataclass(frozen=True)
class RepoTree:
    """A full recursive tree of one commit (R-DIS-6: everything is read at ``commit``).

    Attributes:
        owner, repo: the repository.
        commit: 40-hex commit SHA the listing is pinned to.
        entries: every entry, in GitHub's order (sorted by path).
    """

    owner: str
    repo: str
    commit: str
    entries: tuple[TreeEntry, ...]

    def by_path(self) -> dict[str, TreeEntry]:
        """Map of path → entry, built once per tree and shared by every caller (issue 18: a
        25,950-entry tree was indexed again for every batch). Read-only: do not modify it."""
        index: dict[str, TreeEntry] | None = self.__dict__.get("_by_path")
        if index is None:
            index = {e.path: e for e in self.entries}
            object.__setattr__(self, "_by_path", index)  # a memo, not a field: eq/hash/replace ignore it
        return index


@dataclass(frozen=True)
class PluginAuthor:
    """A plugin's author as written in its catalog entry or ``plugin.json`` (issue 19).

    Attributes:
        name: the author's name (a plain-string ``author`` becomes the name), or None.
        email: ``author.email`` or None.
        url: ``author.url`` or None.
    """

    name: str | None = None
    email: str | None = None
    url: str | None = None

    @property
    def label(self) -> str:
        """Display text: the name, else the email, else the URL (``""`` when all are absent)."""
        return self.name or self.email or self.url or ""


@dataclass(frozen=True)
class PluginInfo:
    """What a plugin says about itself: catalog entry fields, else ``plugin.json`` ones (issue 19).

    Every field is optional; malformed values were dropped with a warning when parsed
    (see :mod:`skill_studio.core.plugin_info`).

    Attributes:
        display_name: ``displayName`` or None.
        description: ``description`` or None.
        category: ``category`` or None.
        keywords: ``keywords`` then ``tags`` (each value once, catalog order); ``()`` when none.
        author: the ``author`` (string or ``{name, email, url}``) or None.
        homepage, repository, license, version: strings or None.
    """

    display_name: str | None = None
    description: str | None = None
    category: str | None = None
    keywords: tuple[str, ...] = ()
    author: PluginAuthor | None = None
    homepage: str | None = None
    repository: str | None = None
    license: str | None = None
    version: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when no field is set."""
        return self == PluginInfo()


@dataclass(frozen=True)
class SpecCheck:
    """Result of checking a skill against the Agent Skills rules (issue 19; a badge, never a gate).

    Attributes:
        problems: sentences naming the field and what breaks the rule, in a stable order.
    """

    problems: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        """True when there is no problem."""
        return not self.problems


@dataclass(frozen=True)
class PluginEntry:
    """One entry of the catalog's ``plugins`` array (R-CAT-2).

    Attributes:
        index: position in the ``plugins`` array.
        name: entry ``name`` or None.
        source: the raw ``source`` value (string or object), as written.
        path: resolved repository-relative plugin folder, or None when the source is external or
            was rejected.
        description, version, category: entry fields when present (strings).
        skills: the entry's ``skills`` field normalised to a tuple of strings, or None when absent.
        strict: the entry's ``strict`` value (default True per Claude Code).
        raw: the entry object as written (unknown keys kept).
        info: the entry's descriptive fields (issue 19), without the ``plugin.json`` fallback.
    """

    index: int
    name: str | None
    source: Any
    path: str | None
    description: str | None = None
    version: str | None = None
    category: str | None = None
    skills: tuple[str, ...] | None = None
    strict: bool = True
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    info: PluginInfo = field(default_factory=PluginInfo, compare=False, hash=False)


@dataclass(frozen=True)
class SkippedPlugin:
    """A catalog entry not listed: external source, escaping path (R-CAT-2/3, R-DIS-4).

    Attributes:
        name: the entry's ``name`` or None.
        source: the raw ``source`` value.
        reason: a sentence saying why (e.g. ``"external source github"``).
        index: position of the entry in the catalog's ``plugins`` array, or None when unknown.
    """

    name: str | None
    source: Any
    reason: str
    index: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Exclusion:
    """A SKILL.md (or listed skill path) that was found but not listed, with the reason (R-DIS-4).

    Attributes:
        path: repository-relative path of the skill folder or file.
        reason: a sentence naming the file and what is wrong.
    """

    path: str
    reason: str


@dataclass(frozen=True)
class Catalog:
    """A parsed ``marketplace.json`` (R-CAT-1).

    Attributes:
        path: repository path of the catalog file.
        name: catalog ``name`` or None.
        description: ``description`` or ``metadata.description``.
        version: ``metadata.version`` or ``version``.
        owner: the ``owner`` object as written, or None.
        plugin_root: ``metadata.pluginRoot`` as written, or None.
        plugins: the entries whose ``source`` resolved to a folder of this repository.
        skipped: the entries that were not resolved, with reasons (object sources included).
        warnings: deviations from the schema that did not stop loading.
        raw: the whole document (unknown keys kept).
        external: the entries with an object ``source`` (``path`` None), in catalog order; each is
            also in ``skipped`` until ``external.resolve_external`` resolves it (issue 9).
    """

    path: str
    name: str | None
    description: str | None
    version: str | None
    owner: dict[str, Any] | None
    plugin_root: str | None
    plugins: tuple[PluginEntry, ...]
    skipped: tuple[SkippedPlugin, ...] = ()
    warnings: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    external: tuple[PluginEntry, ...] = ()


@dataclass(frozen=True)
class SkillMetadata:
    """Validated SKILL.md frontmatter (R-FM-1).

    Attributes:
        name: frontmatter ``name`` (required).
        name_valid: True when ``name`` follows the Agent Skills rule.
        local_name: folder-safe proposal derived from ``name``.
        description: ``description`` or None (required to import, not to list).
        version: ``metadata.version`` or top-level ``version`` (as a string) or None.
        model, purpose: optional frontmatter fields.
        fields: every frontmatter key as parsed (unknown keys kept).
        body: the Markdown after the frontmatter.
        warnings: rule deviations that do not exclude the skill.
    """

    name: str
    name_valid: bool
    local_name: str
    description: str | None
    version: str | None
    model: str | None = None
    purpose: str | None = None
    fields: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    body: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogSkill:
    """A skill listed by a registry at one commit (R-DIS-1..3).

    Attributes:
        qualified_name: ``plugin:skill``, or ``skill`` when the plugin name is unknown (R-DIS-3).
        name: frontmatter ``name``.
        local_name: proposed folder/database name (R-FM-1).
        name_valid: whether ``name`` follows the Agent Skills naming rule.
        plugin: plugin name (plugin.json, else the catalog entry), or None.
        path: repository-relative skill folder (the folder holding SKILL.md).
        version: effective version per R-FM-1 (frontmatter, else plugin) or None when none declared.
        description: frontmatter description or None.
        repo: ``owner/repo`` the files come from.
        commit: the commit SHA the files are read at.
        metadata: the parsed frontmatter.
        skill_md: the SKILL.md text.
        warnings: non-fatal deviations.
        plugin_index: position of the plugin's entry in the catalog's ``plugins`` array (orders a
            listing that merges local and external plugins, issue 9), or None when unknown.
        plugin_info: the plugin's metadata (catalog entry, else ``plugin.json``; issue 19); an
            empty :class:`PluginInfo` when the plugin says nothing about itself.
    """

    qualified_name: str
    name: str
    local_name: str
    name_valid: bool
    plugin: str | None
    path: str
    version: str | None
    description: str | None
    repo: str
    commit: str
    metadata: SkillMetadata = field(compare=False, hash=False, repr=False)
    skill_md: str = field(default="", compare=False, hash=False, repr=False)
    warnings: tuple[str, ...] = ()
    plugin_index: int | None = field(default=None, compare=False, hash=False)
    plugin_info: PluginInfo = field(default_factory=PluginInfo, compare=False, hash=False)


@dataclass(frozen=True)
class UnavailablePlugin:
    """An external plugin whose target could not be listed (issue 9).

    Attributes:
        name: the catalog entry's ``name`` or None.
        source: the raw ``source`` object.
        reason: a sentence saying why (missing or private repository, unknown ref, commit gone...).
        index: position of the entry in the catalog's ``plugins`` array, or None when unknown.
        checked_at: when GitHub last answered "not found" for it (aware UTC), or None when the
            failure was not a remembered "not found" (issue 18: remembered 404s are not asked again
            until the user retries the plugin or adds a token; faces show "checked N minutes ago").
    """

    name: str | None
    source: Any
    reason: str
    index: int | None = field(default=None, compare=False)
    checked_at: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Listing:
    """Everything a registry lists at one commit: the browse result (R-DIS, R-UI-2).

    Attributes:
        source: the registry source.
        commit: commit SHA every file was read at (R-DIS-6).
        catalog: the parsed catalog.
        skills: listed skills in catalog order.
        excluded: skills found but not listed, with reasons.
        skipped_plugins: catalog entries not resolved, with reasons.
        unavailable_plugins: external plugins whose target failed (issue 9).
        warnings: registry-level warnings (catalog schema deviations, unmatched ``skills`` paths).
        offline: True when GitHub could not be reached (or refused, e.g. rate limited) and this is
            the last cached listing of the registry (R-NET-4).
        fetched_at: when the listing was last confirmed current with GitHub (aware UTC), or None.
        offline_reason: when ``offline``, the error that prevented the check (a sentence).
    """

    source: RegistrySource
    commit: str
    catalog: Catalog
    skills: tuple[CatalogSkill, ...]
    excluded: tuple[Exclusion, ...] = ()
    skipped_plugins: tuple[SkippedPlugin, ...] = ()
    unavailable_plugins: tuple[UnavailablePlugin, ...] = ()
    warnings: tuple[str, ...] = ()
    trees: dict[tuple[str, str], RepoTree] = field(default_factory=dict, compare=False, hash=False, repr=False)
    """Trees the listing was read from, keyed by (``owner/repo``, commit); used to download skills."""
    tree_hosts: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, hash=False, repr=False)
    """Web host of each tree in ``trees`` that is not on ``source.host`` (external plugins, issue 9)."""

    def host_of(self, skill: CatalogSkill) -> str:
        """Web host the skill's files are read from: its tree's host, else the registry's."""
        return self.tree_hosts.get((skill.repo, skill.commit), self.source.host)

    offline: bool = field(default=False, compare=False)
    fetched_at: datetime | None = field(default=None, compare=False)
    offline_reason: str | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        """Display name: the catalog ``name``, else ``owner/repo`` (R-REG-2)."""
        return self.catalog.name or self.source.slug

    def age_seconds(self, now: datetime | None = None) -> float | None:
        """Seconds since ``fetched_at`` (None when unknown); shown as "cached N minutes ago" offline."""
        if self.fetched_at is None:
            return None
        return max(0.0, ((now or _now()) - self.fetched_at).total_seconds())


@dataclass(frozen=True)
class Registry:
    """A configured registry (row of the ``registries`` table).

    Attributes:
        id: database id.
        name: display name taken from the catalog (R-REG-2).
        source: where it lives.
        enabled: disabled registries are kept but not fetched (R-REG-3).
        is_default: the seeded default; cannot be removed.
    """

    id: int
    name: str
    source: RegistrySource
    enabled: bool
    is_default: bool


@dataclass(frozen=True)
class InstalledSkill:
    """An installed skill (row of the ``skills`` table).

    Attributes:
        id: database id.
        local_name: folder name and key within the destination.
        destination: where it is installed.
        path: absolute folder path (str).
        name, description, version: metadata as confirmed at import.
        registry: registry display name or None (bundled/uploaded).
        registry_source: registry URL or None.
        qualified_name: catalog qualified name or None.
        plugin: plugin name or None.
        repo: ``owner/repo`` the files came from, or None.
        source_path: repository-relative skill folder, or None.
        commit: commit SHA imported, or None.
        origin: ``"marketplace"``, ``"bundled"`` or ``"upload"``.
        snapshot_hash: content hash of the import snapshot (R-UPD-2).
        upstream_hash: content hash of the upstream folder as imported (usually equal).
        purpose, slot, model: destination metadata.
        active: Settings skills only (R-IMP-4).
        installed_at, updated_at: ISO-8601 UTC strings.
        messages: sentences for the user about the operation that returned this value (e.g. "arrived
            inactive: the research slot is held by 'research'"); empty when read from the store.
    """

    id: int
    local_name: str
    destination: Destination
    path: str
    name: str
    description: str | None
    version: str
    registry: str | None
    registry_source: str | None
    qualified_name: str | None
    plugin: str | None
    repo: str | None
    source_path: str | None
    commit: str | None
    origin: str
    snapshot_hash: str
    upstream_hash: str | None
    purpose: str | None
    slot: str | None
    model: str | None
    active: bool
    installed_at: str
    updated_at: str
    messages: tuple[str, ...] = field(default=(), compare=False)

    @property
    def bundled(self) -> bool:
        """True for a skill shipped in ``resources/bundled-skills`` (cannot be removed, R-IMP-4)."""
        return self.origin == "bundled"


@dataclass(frozen=True)
class ImportOptions:
    """What the user confirmed in the metadata editor (R-IMP-3) or passed on the CLI.

    Attributes:
        local_name: override of the proposed local name (None keeps the proposal).
        description, version, purpose, slot, model: overrides (None keeps the frontmatter value).
        replace: replace an installed skill of the same local name (R-IMP-2).
        force: replace even when the installed copy is customized (R-UPD-4); the local version is
            backed up first.
        activate: Settings → Skills only: arrive active even when another active skill holds the
            slot (that one is deactivated), as the zip upload's *Activate now* (issue 15).
        argument_hint: override of the frontmatter ``argument-hint`` ("" removes it; None keeps it).
        disable_model_invocation: override of ``disable-model-invocation`` (None keeps it).

    The edited name (a local name other than the proposal), description, version, model,
    argument-hint and disable-model-invocation are written into the installed ``SKILL.md``
    (issue 13; see ``core.frontmatter_edit.import_changes``).
    """

    local_name: str | None = None
    description: str | None = None
    version: str | None = None
    purpose: str | None = None
    slot: str | None = None
    model: str | None = None
    replace: bool = False
    force: bool = False
    argument_hint: str | None = None
    disable_model_invocation: bool | None = None
    activate: bool = False


def join_path(*parts: str) -> str:
    """Join repository-relative POSIX path parts, dropping empty parts and stray slashes.

    Args:
        parts: path fragments; "" is ignored.

    Returns:
        The joined path without leading/trailing ``/`` ("" for the root).
    """
    out = [p.strip("/") for p in parts if p and p.strip("/")]
    return "/".join(out)


@dataclass(frozen=True)
class FacetFilter:
    """A browse filter by plugin metadata (issue 19); see :mod:`skill_studio.core.facets`.

    Each option holds accepted values (any one matches; compared case-insensitively); options are
    combined with AND; an empty option accepts everything.

    Attributes:
        categories: plugin ``category`` values.
        keywords: plugin keywords (``keywords``/``tags``).
        authors: author name (or email when the author has no name).
        plugins: plugin name or display name.
    """

    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    plugins: tuple[str, ...] = ()

    @property
    def is_empty(self) -> bool:
        """True when the filter accepts every skill."""
        return not (self.categories or self.keywords or self.authors or self.plugins)


@dataclass(frozen=True)
class FacetCount:
    """One value of a facet and how many skills carry it (issue 19).

    Attributes:
        value: the value as first written (case-insensitive values are counted together).
        count: number of skills.
    """

    value: str
    count: int


@dataclass(frozen=True)
class Facets:
    """Facet values with counts over a set of skills, most frequent first (issue 19).

    Attributes:
        categories, authors, keywords, plugins: :class:`FacetCount` tuples, by count descending,
            then value (case-insensitive).
        uncategorized: skills whose plugin has no category.
        total: skills counted.
    """

    categories: tuple[FacetCount, ...] = ()
    authors: tuple[FacetCount, ...] = ()
    keywords: tuple[FacetCount, ...] = ()
    plugins: tuple[FacetCount, ...] = ()
    uncategorized: int = 0
    total: int = 0
