"""Browse like a catalogue (issue 19): plugin metadata, spec badge, facets, grouping and sorting
for the faces.

The rules live in the core (``core.plugin_info``, ``core.spec_check``, ``core.facets``); this module
gives both faces one vocabulary over browse rows (anything with a ``skill`` attribute holding a
:class:`~skill_studio.core.models.CatalogSkill`, e.g. ``app.browse.BrowseRow``) and the JSON shape
``skill-studio browse --json`` prints.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any, TypeVar

from skill_studio.core import facets as _facets
from skill_studio.core.facets import SORT_FIELDS, PluginGroup, author_of
from skill_studio.core.models import (
    CatalogSkill,
    FacetFilter,
    Facets,
    InstallState,
    Listing,
    PluginInfo,
    SpecCheck,
)
from skill_studio.core.spec_check import check_skill

__all__ = [
    "SORT_FIELDS",
    "FacetFilter",
    "Facets",
    "PluginGroup",
    "author_of",
    "catalogue_json",
    "check_skill",
    "facet_counts",
    "filter_rows",
    "folder_sizes",
    "group_rows",
    "plugin_info_json",
    "row_filter",
    "sort_rows",
    "spec_json",
    "state_counts",
]

T = TypeVar("T")


def _skill(item: Any) -> CatalogSkill:
    """A row's skill (``row.skill``), or the item itself when it is a skill."""
    return item if isinstance(item, CatalogSkill) else item.skill


def plugin_info_json(info: PluginInfo) -> dict[str, Any]:
    """The ``plugin_info`` object of ``browse --json`` (issue 19).

    Returns:
        ``{"display_name", "description", "category", "keywords", "author", "homepage", "license"}``:
        strings or null; ``keywords`` a list (``[]`` when none); ``author`` null or
        ``{"name", "email", "url"}`` (each a string or null).
    """
    author = info.author
    return {
        "display_name": info.display_name,
        "description": info.description,
        "category": info.category,
        "keywords": list(info.keywords),
        "author": None if author is None else {"name": author.name, "email": author.email, "url": author.url},
        "homepage": info.homepage,
        "license": info.license,
    }


def spec_json(check: SpecCheck) -> dict[str, Any]:
    """The ``spec`` object of ``browse --json``: ``{"valid": bool, "problems": [str, ...]}``."""
    return {"valid": check.valid, "problems": list(check.problems)}


def catalogue_json(skill: CatalogSkill) -> dict[str, Any]:
    """The keys issue 19 adds to each skill of ``browse --json``: ``plugin_info`` and ``spec``."""
    return {"plugin_info": plugin_info_json(skill.plugin_info), "spec": spec_json(check_skill(skill))}


def row_filter(facet: FacetFilter, states: Collection[InstallState] = ()) -> Callable[[Any], bool] | None:
    """A predicate over rows for the GUI's filter proxy: facet AND install state (issue 19).

    Args:
        facet: the metadata filter (``core.facets.matches``).
        states: accepted install states of the row (``row.state``); empty accepts all.

    Returns:
        ``predicate(row) -> bool``, or None when nothing is filtered (so the proxy skips the call).
    """
    wanted = frozenset(states)
    if facet.is_empty and not wanted:
        return None

    def predicate(row: Any) -> bool:
        if row is None:
            return False
        if wanted and getattr(row, "state", None) not in wanted:
            return False
        return facet.is_empty or _facets.matches(_skill(row), facet)

    return predicate


def filter_rows(rows: Iterable[T], facet: FacetFilter) -> list[T]:
    """Rows (or skills) whose plugin passes ``facet``, in order (``core.facets.filter_skills``)."""
    return _facets.filter_skills(rows, facet, _skill)


def facet_counts(rows: Iterable[Any]) -> Facets:
    """Category, author, keyword and plugin counts over rows or skills (``core.facets.facet_counts``)."""
    return _facets.facet_counts(rows, _skill)


def state_counts(rows: Iterable[Any]) -> dict[InstallState, int]:
    """``{install state: rows}`` for every state (zero included), in ``InstallState`` order."""
    counts = dict.fromkeys(InstallState, 0)
    for row in rows:
        state = getattr(row, "state", None)
        if state in counts:
            counts[state] += 1
    return counts


def group_rows(rows: Iterable[Any], registry_of: Callable[[Any], str] | None = None) -> list[PluginGroup]:
    """Rows grouped by (registry, plugin) for the "group by plugin" view (``core.facets.group_by_plugin``)."""
    return _facets.group_by_plugin(rows, _skill, registry_of)


def sort_rows(rows: Sequence[T], by: str, registry_of: Callable[[Any], str] | None = None, *,
              reverse: bool = False, size_of: Callable[[CatalogSkill], int | None] | None = None) -> list[T]:
    """Rows sorted by one of :data:`SORT_FIELDS` (``core.facets.sort_skills``).

    Raises:
        ValueError: ``by`` is not a sort field.
    """
    return _facets.sort_skills(rows, by, _skill, registry_of, reverse=reverse, size_of=size_of)


def folder_sizes(listing: Listing) -> dict[tuple[str, str, str], int]:
    """``{(repo, commit, folder): bytes}`` of a listing's skill folders (``core.facets.skill_folder_sizes``)."""
    return _facets.skill_folder_sizes(listing)
