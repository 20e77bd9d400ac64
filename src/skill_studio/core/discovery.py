"""(catalog, git tree) → :class:`Listing`: the skills a registry offers at one commit (R-DIS-1..6).

Discovery is pure: the tree is given, and file contents come from an injected batch reader
(:data:`FetchMany`), so this module does no network I/O itself and never imports Qt. It reads in
two batches so the network layer can parallelise each one:

1. every plugin's ``.claude-plugin/plugin.json`` (name, version, ``skills``);
2. every candidate ``SKILL.md``.

Enumeration uses only the tree of one commit (R-DIS-1, R-DIS-6); symlinks (mode ``120000``) and
submodules (``commit`` entries) are never followed (R-DIS-5).
"""

from __future__ import annotations

import json
import logging
import posixpath
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field

from .catalog import SourceError, normalize_relative_path, normalize_skills_field
from .errors import FrontmatterError
from .frontmatter import MAX_SKILL_MD_BYTES, parse_skill_md
from .models import (
    Catalog,
    CatalogSkill,
    Exclusion,
    Listing,
    PluginEntry,
    PluginInfo,
    RegistrySource,
    RepoTree,
    SkillMetadata,
    TreeEntry,
    join_path,
)
from .plugin_info import merge_plugin_info, parse_plugin_info

log = logging.getLogger(__name__)

__all__ = ["FetchMany", "PLUGIN_JSON", "PluginDiscovery", "SKILL_MD", "discover", "discover_plugins",
           "likely_skill_files"]

FetchMany = Callable[[Sequence[str]], Mapping[str, bytes]]
"""Batch file reader: repository paths → their bytes at the listing's commit.

Paths that cannot be read are simply absent from the result (never an exception for one file).
"""

SKILL_MD = "SKILL.md"
PLUGIN_JSON = ".claude-plugin/plugin.json"

_FILE_SUFFIXES = frozenset(
    {".md", ".markdown", ".txt", ".json", ".yaml", ".yml", ".toml", ".py", ".sh", ".js", ".ts", ".html"}
)
"""Symlinks with these suffixes inside a scanned folder are taken for files, not skill folders."""


# --------------------------------------------------------------------------------------------
# Tree index


class _TreeIndex:
    """Directory view of a flat git tree: folders (explicit or implied by deeper paths)."""

    @classmethod
    def of(cls, tree: RepoTree) -> _TreeIndex:
        """The index of ``tree``, built once per tree object (issue 18: planning downloads ahead
        and discovery share it)."""
        index: _TreeIndex | None = tree.__dict__.get("_discovery_index")
        if index is None:
            index = cls(tree)
            object.__setattr__(tree, "_discovery_index", index)  # a memo on a frozen dataclass
        return index

    def __init__(self, tree: RepoTree) -> None:
        self.entries: dict[str, TreeEntry] = {}
        self.children: dict[str, set[str]] = {"": set()}
        for entry in tree.entries:
            path = entry.path.strip("/")
            if path:
                self.entries[path] = entry
        for path, entry in self.entries.items():
            if entry.type == "tree":
                self.children.setdefault(path, set())
            child = path
            while child:
                parent, _, base = child.rpartition("/")
                siblings = self.children.setdefault(parent, set())
                if base in siblings:
                    break  # its ancestors are registered already
                siblings.add(base)
                child = parent

    def is_dir(self, path: str) -> bool:
        """True for a folder (a ``tree`` entry, or implied by a deeper path)."""
        if path == "":
            return True
        entry = self.entries.get(path)
        if entry is not None:
            return entry.type == "tree"
        return path in self.children

    def is_file(self, path: str) -> bool:
        """True for a regular file (blob, not a symlink)."""
        entry = self.entries.get(path)
        return entry is not None and entry.is_file

    def unfollowed(self, path: str) -> str | None:
        """``"a symlink"`` / ``"a submodule"`` when ``path`` is one, else None."""
        entry = self.entries.get(path)
        if entry is None:
            return None
        if entry.type == "commit" or entry.mode == "160000":
            return "a submodule"
        if entry.is_symlink:
            return "a symlink"
        return None

    def child_names(self, path: str) -> list[str]:
        """Names directly inside folder ``path``, sorted."""
        return sorted(self.children.get(path, ()))

    def links_below(self, folder: str) -> list[tuple[str, str]]:
        """``(path, "a symlink" | "a submodule")`` for every link anywhere below ``folder``, sorted.

        An import copies regular files only (R-DIS-5, R-DATA-2); these are what it leaves out.
        """
        found: list[tuple[str, str]] = []
        stack = [folder]
        while stack:
            current = stack.pop()
            for name in self.child_names(current):
                child = join_path(current, name)
                kind = self.unfollowed(child)
                if kind:
                    found.append((child, kind))
                elif self.is_dir(child):
                    stack.append(child)
        return sorted(found)


# --------------------------------------------------------------------------------------------
# Per-plugin scan


@dataclass
class _Found:
    """What one rule found for a plugin: skill folders (ordered) and unfollowed links."""

    folders: list[str] = field(default_factory=list)
    excluded: list[Exclusion] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.folders or self.excluded)

    def add_folder(self, folder: str) -> None:
        if folder not in self.folders:
            self.folders.append(folder)


def _link_exclusion(path: str, kind: str, what: str) -> Exclusion:
    return Exclusion(path, f"{path}: {what} is {kind}; symlinks and submodules are never followed")


def _check_skill_folder(index: _TreeIndex, folder: str, found: _Found) -> bool:
    """Record ``folder`` when it holds a SKILL.md; return True when it did (even if excluded)."""
    skill_md = join_path(folder, SKILL_MD)
    if index.is_file(skill_md):
        found.add_folder(folder)
        return True
    kind = index.unfollowed(skill_md)
    if kind:
        found.excluded.append(_link_exclusion(folder, kind, "its SKILL.md"))
        return True
    return False


def _scan_container(index: _TreeIndex, folder: str, found: _Found) -> bool:
    """Every ``<dir>/SKILL.md`` directly inside ``folder`` (R-DIS-1a/b); True when any was seen.

    A submodule directly inside ``folder``, or a symlink whose name does not look like a file
    (no suffix from ``_FILE_SUFFIXES``), may be a skill folder that is not followed: it is recorded
    as an exclusion so the author can see why it is missing (R-DIS-4, R-DIS-5).
    """
    seen = False
    for name in index.child_names(folder):
        child = join_path(folder, name)
        if index.is_dir(child):
            seen = _check_skill_folder(index, child, found) or seen
            continue
        kind = index.unfollowed(child)
        if kind == "a submodule" or (kind and posixpath.splitext(name)[1].lower() not in _FILE_SUFFIXES):
            found.excluded.append(_link_exclusion(child, kind, "this skill folder"))
            seen = True
    return seen


def _scan_listed(index: _TreeIndex, base: str, listed: str, found: _Found) -> bool:
    """Apply one listed ``skills`` path relative to ``base``; True when it matched anything."""
    target = join_path(base, listed)
    kind = index.unfollowed(target)
    if kind:
        found.excluded.append(_link_exclusion(target, kind, "this listed skill path"))
        return True
    if index.is_dir(target):
        if _check_skill_folder(index, target, found):
            return True
        return _scan_container(index, target, found)
    if posixpath.basename(target) == SKILL_MD and index.is_file(target):
        # Lenient: a listed path naming the SKILL.md file itself means its folder.
        found.add_folder(posixpath.dirname(target))
        return True
    return False


def _plugin_label(plugin: PluginEntry) -> str:
    return f"plugin {plugin.name!r}" if plugin.name else f"plugins[{plugin.index}]"


def _find_skill_folders(
    index: _TreeIndex,
    plugin: PluginEntry,
    skills: tuple[str, ...] | None,
    marketplace_root: str,
    warnings: list[str],
) -> _Found:
    """Apply R-DIS-1 (a), (b), (c) in order; the first rule that finds anything wins."""
    root = plugin.path or ""
    label = _plugin_label(plugin)

    if skills:  # (a) listed paths replace the default scan
        found = _Found()
        for listed in skills:
            try:
                relative = normalize_relative_path(listed, "skills path")
            except SourceError as err:
                warnings.append(f"{label}: {err.reason}: ignored")
                continue
            if _scan_listed(index, root, relative, found):
                continue
            if marketplace_root != root and _scan_listed(index, marketplace_root, relative, found):
                continue
            warnings.append(f"{label}: the skills path {listed!r} matches nothing")
        if found:
            return found

    found = _Found()  # (b) skills/<dir>/SKILL.md, one level deep
    skills_dir = join_path(root, "skills")
    kind = index.unfollowed(skills_dir)
    if kind:
        found.excluded.append(_link_exclusion(skills_dir, kind, "the skills folder"))
        return found
    if index.is_dir(skills_dir):
        _scan_container(index, skills_dir, found)
        if found:
            return found

    found = _Found()  # (c) a single SKILL.md at the plugin root
    _check_skill_folder(index, root, found)
    return found


# --------------------------------------------------------------------------------------------
# plugin.json


@dataclass(frozen=True)
class _PluginInfo:
    name: str | None = None
    version: str | None = None
    skills: tuple[str, ...] | None = None
    info: PluginInfo = PluginInfo()


def _read_plugin_json(data: bytes, path: str, warnings: list[str]) -> _PluginInfo:
    """Name, version, ``skills`` and descriptive metadata (issue 19) from a plugin.json; unusable
    files warn and give nothing."""
    try:
        doc = json.loads(bytes(data).decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        reason = "not UTF-8" if isinstance(err, UnicodeDecodeError) else "not valid JSON"
        warnings.append(f"{path}: {reason}: ignored")
        return _PluginInfo()
    if not isinstance(doc, dict):
        warnings.append(f"{path}: not a JSON object: ignored")
        return _PluginInfo()
    name = doc.get("name")
    if name is not None and not (isinstance(name, str) and name.strip()):
        warnings.append(f"{path}: 'name' is not a non-empty string: ignored")
        name = None
    version = doc.get("version")
    if isinstance(version, (int, float)) and not isinstance(version, bool):
        version = str(version)
    elif version is not None and not isinstance(version, str):
        warnings.append(f"{path}: 'version' is not a string: ignored")
        version = None
    skills, skills_warnings = normalize_skills_field(doc.get("skills"))
    warnings.extend(f"{path}: {w}" for w in skills_warnings)
    info, info_warnings = parse_plugin_info(doc)
    warnings.extend(f"{path}: {w}" for w in info_warnings if not w.startswith("'version' "))
    return _PluginInfo(name=name, version=(version.strip() or None) if version else None, skills=skills,
                       info=info)


# --------------------------------------------------------------------------------------------
# Entry point


@dataclass(frozen=True)
class PluginDiscovery:
    """What :func:`discover_plugins` found in one tree.

    Attributes:
        found: ``(plugin entry, skill)`` pairs in catalog order (within a plugin: the ``skills``
            list order, else folder path order); identical (qualified name, folder) pairs once.
        excluded: skills found but not listed, with reasons (R-DIS-4).
        warnings: unusable plugin.json files, unmatched ``skills`` paths, plugin folders that are
            links.
    """

    found: tuple[tuple[PluginEntry, CatalogSkill], ...]
    excluded: tuple[Exclusion, ...]
    warnings: tuple[str, ...]

    @property
    def skills(self) -> tuple[CatalogSkill, ...]:
        """The skills of :attr:`found`, in order."""
        return tuple(skill for _, skill in self.found)


def discover_plugins(
    tree: RepoTree,
    plugins: Sequence[PluginEntry],
    fetch: FetchMany,
    marketplace_root: str = "",
    *,
    parse: Callable[[bytes, str], SkillMetadata] = parse_skill_md,
    too_large: Container[str] = (),
) -> PluginDiscovery:
    """Find the skills of ``plugins``, each a folder of ``tree`` (R-DIS-1..6, R-FM-1..2).

    This is the per-tree core of :func:`discover`; it also serves plugins whose source points at
    another repository (issue 9: ``plugin.path`` is then a folder of that repository's tree).

    For each plugin with a ``path`` (catalog order):

    * plugin name: ``{path}/.claude-plugin/plugin.json`` → ``name``, else the catalog entry's
      ``name``, else None (R-DIS-2); plugin version: plugin.json ``version``, then the entry's;
      plugin metadata (:attr:`CatalogSkill.plugin_info`, issue 19): the entry's fields, each absent
      one taken from plugin.json (:func:`~skill_studio.core.plugin_info.merge_plugin_info`);
    * skill folders by R-DIS-1: (a) the entry's ``skills`` (else plugin.json's), each listed path
      tried relative to the plugin, then to ``marketplace_root`` — a folder holding SKILL.md is a
      skill, otherwise every ``<dir>/SKILL.md`` directly inside it; (b) every
      ``skills/<dir>/SKILL.md``; (c) ``SKILL.md`` at the plugin root. The first rule that finds
      anything wins. Only regular files count: symlinks and submodules become exclusions (R-DIS-5);
    * each SKILL.md is parsed with :func:`parse_skill_md`; a :class:`FrontmatterError` excludes the
      skill with its message (R-FM-2). Skill version: frontmatter version, else the plugin version,
      else None (the import applies ``1.0.0``). Qualified name ``plugin:skill`` or ``skill``
      (R-DIS-3). A name differing from its folder name adds a warning to the skill, and so does
      every symlink or submodule inside its folder (an import leaves them out).

    Plugins yielding no skills are skipped (debug log). A folder listed by two plugins appears
    under both qualified names; identical (qualified name, folder) pairs are listed once.

    Args:
        tree: the full recursive tree of one commit (truncation already completed); every skill
            gets ``repo=tree.owner/tree.repo`` and ``commit=tree.commit`` (R-DIS-6).
        plugins: catalog entries whose ``path`` is a folder of ``tree`` (entries with ``path``
            None are ignored).
        fetch: batch reader of ``tree``'s files; called at most twice (all plugin.json files, then
            all SKILL.md files), never with an empty batch.
        marketplace_root: folder that listed ``skills`` paths fall back to ("" = the root).
        parse: the SKILL.md parser (default :func:`parse_skill_md`).
        too_large: paths ``fetch`` left out because they were over :data:`MAX_SKILL_MD_BYTES`
            whatever the tree declared (consulted after ``fetch`` returns; issue 16): each such
            SKILL.md excludes its one skill with that reason (R-FM-2).

    Returns:
        A :class:`PluginDiscovery`.

    Raises:
        Nothing of its own: bad files become warnings or exclusions. Whatever ``fetch`` raises
        (e.g. :class:`~skill_studio.core.errors.NetworkError`) propagates unchanged.
    """
    index = _TreeIndex.of(tree)
    warnings: list[str] = []
    marketplace_root = marketplace_root.strip("/")

    # Batch 1: plugin.json of every plugin.
    plugins = [p for p in plugins if p.path is not None]
    manifest_paths: list[str] = []
    for plugin in plugins:
        manifest = join_path(plugin.path or "", PLUGIN_JSON)
        if index.is_file(manifest):
            if manifest not in manifest_paths:
                manifest_paths.append(manifest)
        elif index.unfollowed(manifest):
            warnings.append(f"{manifest}: {index.unfollowed(manifest)}, not followed: ignored")
    manifests = dict(fetch(manifest_paths)) if manifest_paths else {}
    infos: dict[str, _PluginInfo] = {}
    for manifest in manifest_paths:
        if manifest in manifests:
            infos[manifest] = _read_plugin_json(manifests[manifest], manifest, warnings)
        else:
            warnings.append(f"{manifest}: could not be read: ignored")

    # Skill folders of every plugin.
    plans: list[tuple[PluginEntry, str | None, str | None, _Found, PluginInfo]] = []
    excluded: list[Exclusion] = []
    for plugin in plugins:
        path = plugin.path or ""
        label = _plugin_label(plugin)
        kind = index.unfollowed(path)
        if kind:
            warnings.append(f"{label}: its folder {path!r} is {kind}, not followed")
            log.debug("%s: folder %r is %s; no skills", label, path, kind)
            continue
        if not index.is_dir(path):
            log.debug("%s: folder %r is not in the tree; no skills", label, path)
            continue
        info = infos.get(join_path(path, PLUGIN_JSON), _PluginInfo())
        skills = plugin.skills if plugin.skills is not None else info.skills
        found = _find_skill_folders(index, plugin, skills, marketplace_root, warnings)
        excluded.extend(found.excluded)
        if not found.folders:
            log.debug("%s: no skills found under %r; skipped", label, path)
            continue
        plugin_name = info.name or plugin.name
        plugin_version = info.version or plugin.version
        plans.append((plugin, plugin_name, plugin_version, found, merge_plugin_info(plugin.info, info.info)))

    # Batch 2: every SKILL.md.
    skill_md_paths: list[str] = []
    oversize: dict[str, int] = {}
    for _, _, _, found, _ in plans:
        for folder in found.folders:
            skill_md = join_path(folder, SKILL_MD)
            entry = index.entries[skill_md]
            if entry.size is not None and entry.size > MAX_SKILL_MD_BYTES:
                oversize[skill_md] = entry.size
            elif skill_md not in skill_md_paths:
                skill_md_paths.append(skill_md)
    contents = dict(fetch(skill_md_paths)) if skill_md_paths else {}

    parsed: dict[str, tuple[SkillMetadata, str] | FrontmatterError] = {}
    for skill_md in skill_md_paths:
        data = contents.get(skill_md)
        if data is None and skill_md in too_large:
            parsed[skill_md] = FrontmatterError(
                f"{skill_md}: too large to list (over the limit of {MAX_SKILL_MD_BYTES} bytes)")
            continue
        if data is None:
            parsed[skill_md] = FrontmatterError(f"{skill_md}: could not be read")
            continue
        try:
            meta = parse(data, skill_md)
        except FrontmatterError as err:
            parsed[skill_md] = err
            continue
        text = data.decode("utf-8") if isinstance(data, (bytes, bytearray)) else str(data)
        parsed[skill_md] = (meta, text.removeprefix("\ufeff"))
    for skill_md, size in oversize.items():
        parsed[skill_md] = FrontmatterError(
            f"{skill_md}: too large to list ({size} bytes; the limit is {MAX_SKILL_MD_BYTES} bytes)"
        )

    pairs: list[tuple[PluginEntry, CatalogSkill]] = []
    seen: set[tuple[str, str]] = set()
    for plugin, plugin_name, plugin_version, found, plugin_info in plans:
        for folder in found.folders:
            result = parsed[join_path(folder, SKILL_MD)]
            if isinstance(result, FrontmatterError):
                excluded.append(Exclusion(folder, str(result)))
                continue
            meta, text = result
            qualified = f"{plugin_name}:{meta.name}" if plugin_name else meta.name
            if (qualified, folder) in seen:
                continue
            seen.add((qualified, folder))
            folder_name = posixpath.basename(folder) if folder else tree.repo
            skill_warnings = list(meta.warnings)
            if meta.name != folder_name:
                skill_warnings.append(f"the name {meta.name!r} differs from its folder name {folder_name!r}")
            skill_warnings.extend(f"{link}: {kind}, not copied on import (links are never followed)"
                                  for link, kind in index.links_below(folder))
            pairs.append((plugin, CatalogSkill(
                qualified_name=qualified,
                name=meta.name,
                local_name=meta.local_name,
                name_valid=meta.name_valid,
                plugin=plugin_name,
                path=folder,
                version=meta.version or plugin_version,
                description=meta.description,
                repo=f"{tree.owner}/{tree.repo}",
                commit=tree.commit,
                metadata=meta,
                skill_md=text,
                warnings=tuple(skill_warnings),
                plugin_index=plugin.index,
                plugin_info=plugin_info,
            )))
    return PluginDiscovery(tuple(pairs), tuple(dict.fromkeys(excluded)), tuple(dict.fromkeys(warnings)))


def discover(source: RegistrySource, tree: RepoTree, catalog: Catalog, fetch: FetchMany, *,
             parse: Callable[[bytes, str], SkillMetadata] = parse_skill_md,
             too_large: Container[str] = ()) -> Listing:
    """List the skills a registry offers at ``tree.commit`` (R-DIS-1..6, R-FM-1..2).

    Runs :func:`discover_plugins` over ``catalog.plugins`` with the registry's ``subpath`` as the
    marketplace root (see there for the rules). Object sources stay in ``skipped_plugins``; see
    :func:`skill_studio.core.external.resolve_external` to list them (issue 9).

    Args:
        source: the registry; ``source.subpath`` is the marketplace root for listed paths.
        tree: the full recursive tree at the listing's commit (truncation already completed).
        catalog: the parsed catalog (plugin paths repository-relative).
        fetch: batch reader; called at most twice (all plugin.json files, then all SKILL.md files),
            never with an empty batch.
        parse: the SKILL.md parser, :func:`parse_skill_md` by default; a caller that parsed files
            while they downloaded passes a lookup with the same contract.
        too_large: paths ``fetch`` left out for being over the listing cap (see
            :func:`discover_plugins`).

    Returns:
        A :class:`Listing` with ``commit=tree.commit``, the skills in catalog order, the
        exclusions, ``skipped_plugins=catalog.skipped`` and registry warnings (catalog warnings,
        then those of :func:`discover_plugins`).

    Raises:
        Nothing of its own: bad files become warnings or exclusions. Whatever ``fetch`` raises
        (e.g. :class:`~skill_studio.core.errors.NetworkError`) propagates unchanged.
    """
    result = discover_plugins(tree, catalog.plugins, fetch, source.subpath, parse=parse, too_large=too_large)
    log.debug(
        "%s@%s: %d skill(s), %d excluded, %d plugin(s) skipped",
        source.slug,
        tree.commit[:12],
        len(result.found),
        len(result.excluded),
        len(catalog.skipped),
    )
    return Listing(
        source=source,
        commit=tree.commit,
        catalog=catalog,
        skills=result.skills,
        excluded=result.excluded,
        skipped_plugins=catalog.skipped,
        warnings=tuple(dict.fromkeys((*catalog.warnings, *result.warnings))),
    )


def likely_skill_files(tree: RepoTree, plugins: Sequence[PluginEntry], marketplace_root: str = "") -> list[str]:
    """The SKILL.md files :func:`discover_plugins` will most likely read, known before any
    plugin.json is: R-DIS-1 applied with the catalog's own ``skills`` lists only (issue 18: a
    caller downloads them while the plugin.json files are still arriving, so the two batches of
    discovery do not wait for each other). A plugin.json with a ``skills`` list of its own may make
    discovery read other files (then fetched in its second batch) and leave some of these unread.

    Args:
        tree: the listing's tree; plugins: catalog entries (``path`` None ones are ignored);
        marketplace_root: as for :func:`discover_plugins`.

    Returns:
        Repository paths of regular SKILL.md files within the listing size limit, each once, in
        catalog order.
    """
    index = _TreeIndex.of(tree)
    root = marketplace_root.strip("/")
    out: dict[str, None] = {}
    ignored: list[str] = []
    for plugin in plugins:
        if plugin.path is None or index.unfollowed(plugin.path) or not index.is_dir(plugin.path):
            continue
        for folder in _find_skill_folders(index, plugin, plugin.skills, root, ignored).folders:
            path = join_path(folder, SKILL_MD)
            entry = index.entries.get(path)
            if entry is not None and entry.is_file and (entry.size is None or entry.size <= MAX_SKILL_MD_BYTES):
                out[path] = None
    return list(out)
