"""Browse facets as pure functions over listed skills (issue 19): filter, count, group, sort.

The CLI (``browse --category ...``) and the GUI's facet panel use the same rules:

* a value matches case-insensitively (``casefold``), after stripping; no substring matching;
* category: the plugin's ``category``; keyword: any of its ``keywords``/``tags``; author: the
  author's name, else email, else URL; plugin: the plugin name or its display name;
* within one option any value matches (OR); options combine with AND.

Every function takes any item type with a ``skill_of`` accessor (default: the item is a
:class:`~skill_studio.core.models.CatalogSkill`), so rows that wrap a skill (with a registry and
install states) are filtered without copying.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .models import CatalogSkill, FacetCount, FacetFilter, Facets, Listing, PluginInfo

__all__ = [
    "SORT_FIELDS",
    "PluginGroup",
    "author_of",
    "facet_counts",
    "filter_skills",
    "group_by_plugin",
    "matches",
    "skill_folder_sizes",
    "sort_skills",
]

T = TypeVar("T")
SkillOf = Callable[[Any], CatalogSkill]


def _identity(item: Any) -> CatalogSkill:
    return item


@functools.lru_cache(maxsize=65536)
def _fold(text: str | None) -> str:
    # cached (issue 18): the facet panel recounts every row as rows arrive, ~5,000 folds a recount
    # for the 307-skill catalog, mostly of the same keywords
    return (text or "").strip().casefold()


def author_of(info: PluginInfo) -> str | None:
    """The author's facet value: name, else email, else URL; None without an author."""
    return (info.author.label or None) if info.author else None


def matches(skill: CatalogSkill, facet: FacetFilter) -> bool:
    """True when ``skill`` passes ``facet`` (rules in the module docstring).

    Args:
        skill: a listed skill; its :attr:`~CatalogSkill.plugin_info` is read.
        facet: the filter; an empty option accepts everything.

    Returns:
        True or False; never raises.
    """
    info = skill.plugin_info
    if facet.categories and _fold(info.category) not in {_fold(c) for c in facet.categories}:
        return False
    if facet.keywords:
        wanted = {_fold(k) for k in facet.keywords}
        if not any(_fold(k) in wanted for k in info.keywords):
            return False
    if facet.authors:
        names = {_fold(info.author.name), _fold(info.author.email), _fold(info.author.url)} if info.author else set()
        names.discard("")
        if not names & {_fold(a) for a in facet.authors}:
            return False
    if facet.plugins:
        names = {_fold(skill.plugin), _fold(info.display_name)} - {""}
        if not names & {_fold(p) for p in facet.plugins}:
            return False
    return True


def filter_skills(items: Iterable[T], facet: FacetFilter, skill_of: SkillOf = _identity) -> list[T]:
    """The items whose skill passes ``facet``, in their order.

    Args:
        items: skills, or rows wrapping one (see ``skill_of``).
        facet: the filter (:func:`matches`).
        skill_of: item → its :class:`CatalogSkill`.

    Returns:
        A new list (all items when the filter is empty).
    """
    if facet.is_empty:
        return list(items)
    return [item for item in items if matches(skill_of(item), facet)]


def _counts(values: Iterable[str | None]) -> tuple[FacetCount, ...]:
    first: dict[str, str] = {}
    counts: dict[str, int] = {}
    for value in values:
        key = _fold(value)
        if not key:
            continue
        first.setdefault(key, (value or "").strip())
        counts[key] = counts.get(key, 0) + 1
    return tuple(FacetCount(first[k], n) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def facet_counts(items: Iterable[Any], skill_of: SkillOf = _identity) -> Facets:
    """Count skills per category, author, keyword and plugin (for the facet panel and the CLI).

    Args:
        items: skills, or rows wrapping one.
        skill_of: item → its :class:`CatalogSkill`.

    Returns:
        A :class:`Facets`. Values differing only in case are counted together under the first
        spelling seen; a skill counts once per distinct keyword. ``uncategorized`` counts skills
        whose plugin has no category.
    """
    skills = [skill_of(item) for item in items]
    keywords: list[str] = []
    for skill in skills:
        seen: dict[str, str] = {}
        for keyword in skill.plugin_info.keywords:
            seen.setdefault(_fold(keyword), keyword)  # first spelling wins
        keywords.extend(seen.values())
    return Facets(
        categories=_counts(s.plugin_info.category for s in skills),
        authors=_counts(author_of(s.plugin_info) for s in skills),
        keywords=_counts(keywords),
        plugins=_counts(s.plugin for s in skills),
        uncategorized=sum(1 for s in skills if not s.plugin_info.category),
        total=len(skills),
    )


@dataclass(frozen=True)
class PluginGroup:
    """One plugin and its skills, for the "group by plugin" view (issue 19).

    Attributes:
        key: what grouped the items: ``(registry, plugin name or "", plugin index or -1)``.
        plugin: plugin name or None (skills of a registry-root ``SKILL.md`` without a plugin).
        info: the plugin's metadata (from its first skill).
        registry: the group's registry label as given by ``registry_of`` (``""`` when not given).
        items: the group's items, in their order.
    """

    key: tuple[str, str, int]
    plugin: str | None
    info: PluginInfo
    registry: str
    items: tuple[Any, ...]

    @property
    def title(self) -> str:
        """Display name, else plugin name, else ``"(no plugin)"``."""
        return self.info.display_name or self.plugin or "(no plugin)"


def group_by_plugin(items: Iterable[Any], skill_of: SkillOf = _identity,
                    registry_of: Callable[[Any], str] | None = None) -> list[PluginGroup]:
    """Group items by (registry, plugin), groups in order of their first item.

    Args:
        items: skills, or rows wrapping one.
        skill_of: item → its :class:`CatalogSkill`.
        registry_of: item → a registry label; two registries' plugins of one name stay apart.

    Returns:
        :class:`PluginGroup` list; every item is in exactly one group.
    """
    groups: dict[tuple[str, str, int], list[Any]] = {}
    for item in items:
        skill = skill_of(item)
        registry = registry_of(item) if registry_of else ""
        key = (registry, skill.plugin or "", skill.plugin_index if skill.plugin_index is not None else -1)
        groups.setdefault(key, []).append(item)
    out = []
    for key, members in groups.items():
        first = skill_of(members[0])
        out.append(PluginGroup(key, first.plugin, first.plugin_info, key[0], tuple(members)))
    return out


def _version_key(version: str | None) -> tuple[int, tuple[tuple[int, int, str], ...]]:
    """Numbers compare as numbers (``1.10`` after ``1.2``); a missing version sorts last."""
    if not version or not version.strip():
        return (1, ())
    parts = []
    for chunk in version.strip().lstrip("vV").replace("-", ".").replace("+", ".").split("."):
        parts.append((0, int(chunk), "") if chunk.isdigit() else (1, 0, chunk.casefold()))
    return (0, tuple(parts))


SORT_FIELDS = ("name", "plugin", "category", "registry", "version", "size")
"""Fields :func:`sort_skills` sorts by."""


def skill_folder_sizes(listing: Listing) -> dict[tuple[str, str, str], int]:
    """Bytes of regular files in each listed skill's folder, from the listing's trees (no I/O).

    Args:
        listing: a listing whose ``trees`` hold the skills' trees (a skill whose tree is absent
            gets no entry).

    Returns:
        ``{(repo, commit, folder): bytes}``; files of unknown size count 0; links are not counted
        (an import leaves them out). Cost: one pass over each tree's entries.
    """
    wanted: dict[tuple[str, str], set[str]] = {}
    for skill in listing.skills:
        wanted.setdefault((skill.repo, skill.commit), set()).add(skill.path)
    out: dict[tuple[str, str, str], int] = {}
    for (repo, commit), folders in wanted.items():
        tree = listing.trees.get((repo, commit))
        if tree is None:
            continue
        for folder in folders:
            out[(repo, commit, folder)] = 0
        for entry in tree.entries:
            if not entry.is_file:
                continue
            parent = entry.path
            while parent:
                parent = parent.rpartition("/")[0]
                if parent in folders:
                    out[(repo, commit, parent)] += entry.size or 0
    return out


def sort_skills(items: Sequence[T], by: str, skill_of: SkillOf = _identity,
                registry_of: Callable[[Any], str] | None = None, *, reverse: bool = False,
                size_of: Callable[[CatalogSkill], int | None] | None = None) -> list[T]:
    """Items sorted by one of :data:`SORT_FIELDS` (issue 19), ties broken by qualified name.

    Args:
        items: skills, or rows wrapping one.
        by: ``"name"`` (skill name), ``"plugin"`` (display name, else plugin name), ``"category"``,
            ``"registry"`` (needs ``registry_of``), ``"version"`` (numeric parts as numbers),
            ``"size"`` (needs ``size_of``, e.g. a lookup in :func:`skill_folder_sizes`; largest first).
            Text compares case-insensitively; missing values sort last (first when ``reverse``).
        skill_of: item → its :class:`CatalogSkill`.
        registry_of: item → registry label (``"registry"`` sort).
        reverse: descending.

    Returns:
        A new sorted list (stable).

    Raises:
        ValueError: ``by`` is not in :data:`SORT_FIELDS`.
    """
    if by not in SORT_FIELDS:
        raise ValueError(f"cannot sort by {by!r}; choose one of {', '.join(SORT_FIELDS)}")

    def text(value: str | None) -> tuple[int, str]:
        return (0, _fold(value)) if value and value.strip() else (1, "")

    def key(item: Any) -> tuple[Any, ...]:
        skill = skill_of(item)
        info = skill.plugin_info
        primary: Any
        if by == "name":
            primary = text(skill.name)
        elif by == "plugin":
            primary = text(info.display_name or skill.plugin)
        elif by == "category":
            primary = text(info.category)
        elif by == "registry":
            primary = text(registry_of(item) if registry_of else None)
        elif by == "size":
            size = size_of(skill) if size_of else None
            primary = (1, 0) if size is None else (0, -size)
        else:
            primary = _version_key(skill.version)
        return (primary, _fold(skill.qualified_name))

    return sorted(items, key=key, reverse=reverse)
