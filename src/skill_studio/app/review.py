"""Security review use cases (issue 14): review a catalog skill before import, an installed skill,
and preview an update (what changes, which commits, what it adds) before anything is written.

Every function here may do network I/O (downloads, GitHub's list-commits) and must run off the GUI
thread. Nothing is written except the review cache (``<cache>/reviews``, by the skill folder's tree
SHA, so a catalog is reviewed once per commit). The values returned are plain dataclasses; the
faces read their attributes and call ``to_json()`` (the CLI's JSON shapes, issue 14).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skill_studio.core.errors import InstallError, SkillStudioError, UserError
from skill_studio.core.github import CommitSummary
from skill_studio.core.identity import find_catalog_skill, registry_of
from skill_studio.core.models import CatalogSkill, Destination, InstalledSkill, Listing
from skill_studio.core.review import (
    RISK_LEVELS,
    RULES,
    FileChangePreview,
    Finding,
    Review,
    ReviewedFile,
    SkillFile,
    escape_hidden,
    files_from_folder,
    review_skill,
    update_preview,
)
from skill_studio.core.review_cache import ReviewCache, folder_key, review_tree_folder

if TYPE_CHECKING:
    from skill_studio.app.studio import SkillStudio

log = logging.getLogger(__name__)

__all__ = [
    "RISK_LEVELS", "RULES", "CommitSummary", "FileChangePreview", "Finding", "Review", "ReviewedFile",
    "SkillReview", "UpdatePreviewResult", "cached_review", "escape_hidden", "find_listed_skill", "preview_update",
    "review_cache", "review_catalog_skill", "review_installed", "review_key", "review_listing",
]

_caches: dict[Path, ReviewCache] = {}
_caches_lock = threading.Lock()


def review_cache(studio: SkillStudio) -> ReviewCache:
    """The studio's review cache (``<cache>/reviews``; one per cache folder, shared by threads)."""
    folder = studio.paths.cache / "reviews"
    with _caches_lock:
        cache = _caches.get(folder)
        if cache is None:
            cache = _caches[folder] = ReviewCache(folder)
        return cache


@dataclass(frozen=True)
class SkillReview:
    """The review of one skill, named.

    Attributes:
        skill: the qualified name (catalog) or local name (installed).
        review: files, findings and risk (``core.review.Review``).
    """

    skill: str
    review: Review

    @property
    def risk(self) -> str:
        """``none``, ``low``, ``medium`` or ``high``."""
        return self.review.risk

    @property
    def files(self) -> tuple[ReviewedFile, ...]:
        """Every file (path, size, mode, kind)."""
        return self.review.files

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding (rule, severity, path, line, message)."""
        return self.review.findings

    def to_json(self) -> dict[str, object]:
        """``{"skill", "risk", "files": [...], "findings": [...]}`` (issue 14)."""
        return self.review.to_json(self.skill)


def find_listed_skill(listing: Listing, qualified: str) -> CatalogSkill:
    """The listed skill named ``qualified`` (exact, else case-insensitive).

    Raises:
        UserError: no such skill (the message suggests near names).
    """
    for pick in (lambda s: s.qualified_name == qualified,
                 lambda s: s.qualified_name.lower() == qualified.lower()):
        hits = [s for s in listing.skills if pick(s)]
        if hits:
            return hits[0]
    near = [s.qualified_name for s in listing.skills if qualified.split(":")[-1].lower() in s.qualified_name.lower()]
    hint = f" Did you mean {', '.join(near[:3])}?" if near else " 'skill-studio browse' lists them."
    raise UserError(f"{listing.name} lists no skill {qualified!r}.{hint}")


def review_key(listing: Listing, skill: CatalogSkill) -> str | None:
    """The cache key of a listed skill (its folder's tree SHA), or None without a tree."""
    tree = listing.trees.get((skill.repo, skill.commit))
    return None if tree is None else folder_key(tree, skill.path)


def cached_review(studio: SkillStudio, listing: Listing, skill: CatalogSkill) -> SkillReview | None:
    """The review of a listed skill when already known (no I/O beyond the cache folder)."""
    key = review_key(listing, skill)
    hit = None if key is None else review_cache(studio).get(key)
    return None if hit is None else SkillReview(skill.qualified_name, hit)


REVIEW_DOWNLOADS = 4
"""Files of one skill a security review downloads at once (issue 18): reviews run in the
background while the browse dialog is in use and are not latency-critical; with the client's full
parallelism (up to 64 threads) they contended with the GUI thread for the interpreter lock."""


def review_catalog_skill(studio: SkillStudio, listing: Listing, skill: CatalogSkill) -> SkillReview:
    """Review a listed skill before import: its folder's files at the listing's commit.

    Downloads the folder's files (at most 2 MiB each; verified against their blob SHAs) unless the
    review of the same folder tree SHA is cached; the downloaded bytes are kept a while in
    ``studio.recent_blobs`` so that importing the skill next does not download them again.

    Raises:
        InstallError: the listing has no tree for the skill.
        RemoteError: a download failed.
    """
    tree = listing.trees.get((skill.repo, skill.commit))
    if tree is None:
        raise InstallError(f"{skill.qualified_name}: the listing has no file tree for "
                           f"{skill.repo}@{skill.commit[:12]}.")
    client = studio.client(listing.host_of(skill))

    def fetch_many(paths: Sequence[str]) -> dict[str, bytes]:
        index = tree.by_path()
        links = [p for p in paths if p in index and index[p].is_symlink]
        got = client.fetch_blobs(tree, [p for p in paths if p not in links], skip_missing=True,
                                 max_workers=REVIEW_DOWNLOADS)
        for p, data in got.items():  # an import right after the review takes these bytes (issue 14)
            studio.recent_blobs.put(index[p].sha, data)
        owner, _, repo = skill.repo.partition("/")
        for p in links[:20]:  # a symlink's blob is its target (never followed)
            got[p] = client.blob(owner, repo, index[p].sha)
        return got

    return SkillReview(skill.qualified_name, review_tree_folder(tree, skill.path, fetch_many, review_cache(studio)))


def review_listing(studio: SkillStudio, listing: Listing, skills: Iterable[CatalogSkill] | None = None, *,
                   on_review: Callable[[str, SkillReview | None, str | None], None] | None = None,
                   cancelled: Callable[[], bool] | None = None,
                   progress: Callable[[int, int], None] | None = None) -> dict[str, SkillReview]:
    """Review every listed skill (the browse dialog's background job), cached ones first.

    Args:
        skills: which skills (default: all of the listing).
        on_review: ``on_review(qualified name, review or None, error sentence or None)`` after each
            skill (from this thread).
        cancelled: polled between skills; True stops early.
        progress: ``progress(done, total)`` over the skills.

    Returns:
        ``{qualified name: review}`` of the skills reviewed; a skill whose download failed is left
        out (its error went to ``on_review``).
    """
    todo = list(listing.skills if skills is None else skills)
    todo.sort(key=lambda s: cached_review(studio, listing, s) is None)  # known ones at once
    out: dict[str, SkillReview] = {}
    for done, skill in enumerate(todo, start=1):
        if cancelled is not None and cancelled():
            break
        try:
            result = review_catalog_skill(studio, listing, skill)
        except SkillStudioError as err:
            log.info("review of %s failed: %s", skill.qualified_name, err)
            if on_review is not None:
                on_review(skill.qualified_name, None, str(err))
        else:
            out[skill.qualified_name] = result
            if on_review is not None:
                on_review(skill.qualified_name, result, None)
        if progress is not None:
            progress(done, len(todo))
    return out


def _installed(studio: SkillStudio, destination: Destination, local_name: str) -> InstalledSkill:
    skill = studio.installed_skill(destination, local_name)
    if skill is None:
        raise InstallError(f"No skill named {local_name!r} is installed in {destination.label}.")
    return skill


def review_installed(studio: SkillStudio, destination: Destination, local_name: str) -> SkillReview:
    """Review an installed skill's folder as it is on disk (symlinks listed, never followed).

    Raises:
        InstallError: not installed, or its folder cannot be read.
    """
    skill = _installed(studio, destination, local_name)
    try:
        files = files_from_folder(Path(skill.path))
        review = review_skill(files)
    except OSError as err:
        raise InstallError(f"Cannot read the folder of {local_name!r} ({skill.path}): {err.strerror or err}.") from None
    return SkillReview(local_name, review)


@dataclass(frozen=True)
class UpdatePreviewResult:
    """What an update would change and add, before anything is written (issue 14).

    Attributes:
        local_name, destination: the installed skill.
        qualified_name: its catalog name.
        from_commit: the installed commit (None when unknown).
        to_commit: the commit of the new version.
        commits: commits that touched the skill's folder after ``from_commit`` up to ``to_commit``,
            newest first (GitHub's list-commits with ``path``).
        files: files added, modified and removed (installed upstream content → new) with diffs.
        new_findings: findings the new version has and the installed one did not (rule + path +
            message, not line).
        risk: the new version's overall risk.
        commits_error: why the commit list is missing (a sentence), or None.
    """

    local_name: str
    destination: Destination
    qualified_name: str
    from_commit: str | None
    to_commit: str
    commits: tuple[CommitSummary, ...]
    files: tuple[FileChangePreview, ...]
    new_findings: tuple[Finding, ...]
    risk: str
    commits_error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """``{"from_commit", "to_commit", "commits", "files", "new_findings"}`` (issue 14) plus
        ``skill``, ``destination`` and ``risk``."""
        return {
            "skill": self.local_name, "destination": self.destination.value,
            "from_commit": self.from_commit, "to_commit": self.to_commit,
            "commits": [{"sha": c.sha, "date": c.date, "message": c.message} for c in self.commits],
            "files": [f.to_json() for f in self.files],
            "new_findings": [f.to_json() for f in self.new_findings],
            "risk": self.risk,
        }


def preview_update(studio: SkillStudio, destination: Destination, local_name: str,
                   listing: Listing | None = None) -> UpdatePreviewResult:
    """Preview the update of an installed marketplace skill (issue 14); nothing is written.

    The installed side is the import snapshot (the upstream content as installed, so local edits
    are not counted as upstream changes); the new side is the skill folder at the listing's commit.

    Args:
        listing: the registry listing to compare with (default: listed now, never offline).

    Returns:
        The preview. A failed commit list does not fail the preview (``commits_error`` says why).

    Raises:
        InstallError: not installed, not from a marketplace, its registry is gone, its snapshot is
            missing, or the registry no longer lists it.
        RemoteError: the listing or a download failed.
    """
    inst = _installed(studio, destination, local_name)
    if inst.origin != "marketplace":
        raise InstallError(f"{local_name!r} was not imported from a marketplace; it has no updates to preview.")
    if listing is None:
        reg = registry_of(inst, studio.registries())
        if reg is None:
            raise InstallError(f"The registry of {local_name!r} ({inst.registry or inst.registry_source}) is no "
                               "longer configured.")
        listing = studio.list_registry(reg, allow_offline=False)
    skill = find_catalog_skill(listing, inst)
    if skill is None:
        raise InstallError(f"{listing.name} no longer lists {inst.qualified_name or local_name!r}; "
                           "there is nothing to update to.")
    old_bytes = studio.installer.snapshot_files(inst.snapshot_hash)
    if not old_bytes and not (studio.paths.snapshots / inst.snapshot_hash).is_dir():
        raise InstallError(f"The import snapshot of {local_name!r} ({inst.snapshot_hash[:12]}) is missing; "
                           "cannot compare with it.")
    new_bytes = studio.download_skill(listing, skill)
    tree = listing.trees[(skill.repo, skill.commit)]
    prefix = f"{skill.path}/" if skill.path else ""
    modes = {e.path[len(prefix):]: e.mode for e in tree.entries if e.type == "blob" and e.path.startswith(prefix)}
    new = [SkillFile(p, len(b), modes.get(p, "100644"), b) for p, b in new_bytes.items()]
    # The snapshot keeps bytes, not modes: a file present on both sides keeps the new mode.
    old = [SkillFile(p, len(b), modes.get(p, "100644"), b) for p, b in old_bytes.items()]
    preview = update_preview(old, new)
    commits: tuple[CommitSummary, ...] = ()
    commits_error = None
    if inst.commit != skill.commit:
        owner, _, repo = skill.repo.partition("/")
        try:
            commits = tuple(studio.client(listing.host_of(skill)).commits_touching(
                owner, repo, skill.path, skill.commit, until=inst.commit))
        except SkillStudioError as err:
            commits_error = str(err)
    return UpdatePreviewResult(local_name, destination, skill.qualified_name, inst.commit, skill.commit, commits,
                               preview.files, preview.new_findings, preview.new_review.risk, commits_error)
