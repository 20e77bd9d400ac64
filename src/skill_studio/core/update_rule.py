"""The update rule (R-UPD-1): when the catalog copy of an installed skill is an update.

One home, used by the install states of browse and by the update check, so both faces agree.
Customization (R-UPD-2) is not considered here; callers put *customized* above *update available*.
"""

from __future__ import annotations

import hashlib

from skill_studio.core.models import CatalogSkill, InstalledSkill, Listing, RepoTree
from skill_studio.core.versions import DEFAULT_VERSION, is_newer


def skill_files(tree: RepoTree, folder: str) -> dict[str, str]:
    """``{path relative to folder: blob sha}`` of the regular files an import copies (symlinks and
    submodules are never followed, R-DIS-5)."""
    prefix = f"{folder}/" if folder else ""
    return {e.path[len(prefix):]: e.sha for e in tree.entries if e.is_file and e.path.startswith(prefix)}


def upstream_identity(tree: RepoTree, folder: str) -> str:
    """Identity of a skill folder's upstream content, from the tree alone (no download).

    SHA-256 hex over the sorted ``(relative path, git blob SHA)`` pairs of the regular files below
    ``folder``: equal iff the files an import would copy are byte-identical.
    """
    h = hashlib.sha256()
    for rel, sha in sorted(skill_files(tree, folder).items()):
        h.update(f"{rel}\0{sha}\n".encode())
    return h.hexdigest()


def upstream_update(listing: Listing, skill: CatalogSkill, installed: InstalledSkill) -> str | None:
    """Why the catalog copy of an installed skill is an update, per R-UPD-1.

    Args:
        listing: the listing ``skill`` comes from (its trees give the upstream content).
        skill: the catalog skill matching ``installed`` (see ``core.identity``).
        installed: the installed copy (its version and ``upstream_hash`` at import).

    Returns:
        ``"version"`` when the catalog version (``DEFAULT_VERSION`` when it declares none) is a greater
        semver (``core.versions.is_newer``); else ``"changed_upstream"`` when the upstream folder's
        content differs from what was imported; else None. An unparseable version never yields
        ``"version"``.
    """
    if is_newer(skill.version or DEFAULT_VERSION, installed.version):
        return "version"
    tree = listing.trees.get((skill.repo, skill.commit))
    if tree is not None and installed.upstream_hash is not None \
            and upstream_identity(tree, skill.path) != installed.upstream_hash:
        return "changed_upstream"
    return None
