"""Skill identity: which installed skill is which catalog skill, and which registry is which.

One home for the matching used by browse's install states and by the update check (R-UPD-1), so a
skill whose folder moved upstream, or whose plugin was renamed, shows the same state in both.

Rule (``find_catalog_skill`` / ``catalog_match``), for an installed marketplace skill and a listing:

1. exact: same repository, folder (``source_path``) and qualified name;
2. else *moved*: the only listed skill of the same repository with the same qualified name;
3. else *renamed*: the only listed skill of the same repository in the same folder;
4. else none (the catalog dropped it: *removed upstream*).

A catalog skill is matched by an installed one when the installed skill's own ``find_catalog_skill``
is that catalog skill, so the relation is the same in both directions. One skill installed under
several local names in one destination yields every copy (``installed_copies``).

The registry key (``registry_key``) is the identity of a registry source: host and ``owner/repo``
case-insensitively, plus the sub-folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from skill_studio.core.errors import SkillStudioError
from skill_studio.core.models import CatalogSkill, Destination, InstalledSkill, Listing, Registry, RegistrySource
from skill_studio.core.sources import parse_registry_source

RegistryKey = tuple[str, str, str]


def registry_key(source: Registry | RegistrySource) -> RegistryKey:
    """``(host, owner/repo, subpath)`` with host and slug lower-cased: equal iff the same registry."""
    src = source.source if isinstance(source, Registry) else source
    return (src.host.lower(), src.slug.lower(), src.subpath)


def registry_of(skill: InstalledSkill, registries: Sequence[Registry]) -> Registry | None:
    """The configured registry an installed skill was imported from, or None.

    Matched by the recorded registry URL (``registry_key``), else by display name.
    """
    if skill.registry_source:
        try:
            src = parse_registry_source(skill.registry_source)
        except SkillStudioError:
            src = None
        if src is not None:
            key = registry_key(src)
            for r in registries:
                if registry_key(r) == key:
                    return r
    for r in registries:
        if skill.registry and r.name == skill.registry:
            return r
    return None


def find_catalog_skill(listing: Listing, installed: InstalledSkill) -> CatalogSkill | None:
    """The listed skill an installed copy corresponds to (rules 1–3 of the module docstring), or None."""
    return catalog_match(listing.skills, installed)


def catalog_match(skills: Sequence[CatalogSkill], installed: InstalledSkill) -> CatalogSkill | None:
    """``find_catalog_skill`` over a plain list of catalog skills."""
    if installed.origin != "marketplace":
        return None
    same_repo = [s for s in skills if s.repo == installed.repo]
    for s in same_repo:
        if s.path == installed.source_path and s.qualified_name == installed.qualified_name:
            return s
    for attr, value in (("qualified_name", installed.qualified_name), ("path", installed.source_path)):
        cands = [s for s in same_repo if getattr(s, attr) == value]
        if len(cands) == 1:
            return cands[0]
    return None


def installed_copies(listed: Sequence[CatalogSkill], skill: CatalogSkill, destination: Destination,
                     installed: Iterable[InstalledSkill]) -> list[InstalledSkill]:
    """Every installed copy of ``skill`` in ``destination``, by local name.

    Args:
        listed: the skills of the listing ``skill`` comes from (``listing.skills``; the moved and
            renamed rules need the others).
        skill: a listed skill.
        destination: where to look.
        installed: the installed skills to search (any destinations).

    Returns:
        The copies whose ``find_catalog_skill`` is ``skill`` (same repository, folder and qualified
        name), sorted by local name; empty when not installed.
    """
    same = [s for s in installed if s.destination is destination and s.repo == skill.repo]
    return match_installed(listed, same).get(catalog_key(skill), {}).get(destination, [])


CatalogKey = tuple[str, str, str]
"""``(repository, folder, qualified name)`` of a catalog skill."""


def catalog_key(skill: CatalogSkill) -> CatalogKey:
    """The identity of a listed skill within a listing."""
    return (skill.repo, skill.path, skill.qualified_name)


def match_installed(listed: Sequence[CatalogSkill], installed: Iterable[InstalledSkill]
                    ) -> dict[CatalogKey, dict[Destination, list[InstalledSkill]]]:
    """Index every installed marketplace skill under the listed skill it corresponds to.

    Same rule as ``installed_copies`` for all ``listed`` skills (a listing's skills) at once.

    Returns:
        ``{catalog_key(skill): {destination: [copies sorted by local name]}}``; skills with no
        installed copy are absent.
    """
    by_repo: dict[str, list[CatalogSkill]] = {}
    for s in listed:
        by_repo.setdefault(s.repo, []).append(s)
    out: dict[CatalogKey, dict[Destination, list[InstalledSkill]]] = {}
    for inst in sorted(installed, key=lambda s: s.local_name):
        match = catalog_match(by_repo.get(inst.repo or "", []), inst)
        if match is not None:
            out.setdefault(catalog_key(match), {}).setdefault(inst.destination, []).append(inst)
    return out
