"""Updates that keep your edits: the merge use cases the faces call (issue 13).

A customized skill (R-UPD-2) with an update is merged instead of replaced: the pristine upstream
copy kept at install (the *base*, :mod:`skill_studio.core.bases`), the installed folder (*ours*)
and the new upstream folder (*theirs*) go through :func:`skill_studio.core.merge.merge_update`. A
clean merge is installed like an update — the previous folder is kept as a backup that
``rollback`` restores byte for byte (R-UPD-4); a merge with conflicts changes nothing and returns
them (file and line ranges, and the three sides for a merge view). The base comes from the local
store, so a merge never needs the old commit upstream (force-pushed history).

The values a merge returns (:class:`MergeResult`, :class:`FileMerge`, :class:`Chunk`,
:class:`Conflict`) are re-exported here for the faces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skill_studio.app.studio import catalog_provenance
from skill_studio.core.errors import FrontmatterError, InstallError, UserError
from skill_studio.core.frontmatter import parse_skill_md
from skill_studio.core.installer import read_folder
from skill_studio.core.merge import Chunk, Conflict, FileMerge, MergeResult, Prefer, UpdateMerge, merge_update
from skill_studio.core.models import CatalogSkill, InstalledSkill, Listing, Progress

if TYPE_CHECKING:
    from skill_studio.app.studio import SkillStudio

__all__ = [
    "MERGE_CUSTOMIZED_KEY", "Chunk", "Conflict", "FileMerge", "MergeOutcome", "MergeResult", "MergeSummary", "Prefer",
    "apply_merge", "carry_import_metadata", "get_merge_customized", "plan_merge", "set_merge_customized",
    "update_row",
]


@dataclass(frozen=True)
class MergeOutcome:
    """The result of :func:`apply_merge`.

    Attributes:
        skill: the installed skill after the merge (the same row as before when not applied).
        merge: the merge (files, conflicts, per-file sides and chunks).
        applied: True when the merged folder was installed (the previous one is a backup).
    """

    skill: InstalledSkill
    merge: MergeResult
    applied: bool

    @property
    def clean(self) -> bool:
        """True when the merge had nothing left to decide."""
        return self.merge.clean

    def to_json(self) -> dict[str, Any]:
        """``{"merge": "clean"|"conflicts", "applied": bool, "files": [conflicting paths],
        "conflicts": [Conflict.to_json()…]}``."""
        return {"merge": "clean" if self.clean else "conflicts", "applied": self.applied,
                "files": list(self.merge.conflicted_paths),
                "conflicts": [c.to_json() for c in self.merge.conflicts]}


def _sides(studio: SkillStudio, installed: InstalledSkill) -> tuple[dict[str, bytes], dict[str, bytes], dict[str, bytes]]:
    """``(base, ours, snapshot)`` of an installed skill.

    Raises:
        InstallError: the pristine copy or the snapshot is missing from the data folder.
    """
    base = studio.installer.bases.files(installed)
    snapshot = studio.installer.snapshot_files(installed.snapshot_hash)
    if base is None or not snapshot:
        raise InstallError(
            f"{installed.local_name!r} in {installed.destination.label}: the copy it was installed from is "
            "missing from the data folder, so it cannot be merged; update it with --force instead "
            "(your version is kept as a backup).")
    return base, read_folder(Path(installed.path)), snapshot


def plan_merge(studio: SkillStudio, installed: InstalledSkill, theirs: Mapping[str, bytes], *,
               prefer: Prefer | None = None) -> UpdateMerge:
    """Merge an update's files into an installed skill, writing nothing (issue 13).

    Args:
        studio: the app.
        installed: the installed skill.
        theirs: the new upstream folder, ``{relative path: bytes}``.
        prefer: resolve conflicting hunks with ``"ours"`` or ``"theirs"``.

    Returns:
        The merge of the folder and the snapshot to record (see ``core.merge.merge_update``).

    Raises:
        InstallError: no pristine copy kept for this skill.
    """
    base, ours, snapshot = _sides(studio, installed)
    return merge_update(base, ours, snapshot, theirs, prefer=prefer)


def update_row(listing: Listing, skill: CatalogSkill, current: InstalledSkill, files: Mapping[str, bytes]) -> dict[str, Any]:
    """The skills-table values of an update whose installed ``SKILL.md`` is ``files["SKILL.md"]``.

    Provenance comes from the catalog; name, description, version and model from the installed
    file (the truth, issue 13), falling back to the catalog and then to the previous row; where and
    how it is installed (purpose, slot, active) stays.
    """
    row = dict(catalog_provenance(listing, skill))
    meta = None
    try:
        meta = parse_skill_md(files["SKILL.md"], f"{current.local_name}/SKILL.md")
    except (KeyError, FrontmatterError):
        pass
    description = (meta.description if meta else None) or (skill.description or "").strip() or current.description
    row.update(
        name=(meta.name if meta else None) or row["name"],
        description=(description or "")[:1024] or current.description,
        version=(meta.version if meta and meta.version else row["version"]),
        purpose=current.purpose, slot=current.slot,
        model=(meta.model if meta and meta.model else current.model),
        active=int(current.active),
    )
    return row


def apply_merge(studio: SkillStudio, listing: Listing, skill: CatalogSkill, installed: InstalledSkill, *,
                prefer: Prefer | None = None, resolutions: Mapping[str, bytes | None] | None = None,
                files: Mapping[str, bytes] | None = None, progress: Progress | None = None) -> MergeOutcome:
    """Update a (customized) skill by merging upstream's changes into it (issue 13, R-UPD-4).

    Args:
        studio: the app.
        listing: the listing ``skill`` came from (its pinned tree is downloaded).
        skill: the catalog skill (the update).
        installed: the installed copy.
        prefer: resolve every conflicting hunk with ``"ours"`` or ``"theirs"``.
        resolutions: the final content of conflicting files chosen in a merge view
            (``{path: bytes, or None to delete}``); a merge whose every conflicting file is resolved
            here is applied.
        files: the update's files when already downloaded.
        progress: ``progress(done, total)`` over downloaded files.

    Returns:
        :class:`MergeOutcome`. With conflicts left, nothing was written (``applied`` False). Else the
        merged folder is installed (``kind="update"``): the previous folder is a history entry that
        ``rollback`` restores byte for byte, the base becomes the new upstream, and the snapshot is
        upstream plus the import-time metadata (so the user's edits still count as customized).

    Raises:
        InstallError: not installed any more, or no pristine copy kept (update with force instead).
        RemoteError subclasses: the download failed; nothing was changed.
    """
    current = studio.store.skill(installed.destination, installed.local_name)
    if current is None:
        raise InstallError(f"{installed.local_name!r} is no longer installed in {installed.destination.label}.")
    theirs = dict(files) if files is not None else studio.download_skill(listing, skill, progress)
    planned = plan_merge(studio, current, theirs, prefer=prefer)
    result = planned.result
    merged = result.files
    if not result.clean:
        if not resolutions or not set(result.conflicted_paths) <= set(resolutions):
            return MergeOutcome(current, result, applied=False)
        conflicted = set(result.conflicted_paths)  # a resolution never overrides a file that merges cleanly now
        merged = result.with_resolutions({p: d for p, d in resolutions.items() if p in conflicted})
    if "SKILL.md" not in merged:
        raise InstallError(f"{current.local_name!r}: the merge would delete SKILL.md; nothing was changed.")
    row = update_row(listing, skill, current, merged)
    new = studio.installer.install(merged, current.destination, current.local_name, row, replace=True, force=True,
                                   kind="update", upstream_files=theirs, snapshot_files=planned.snapshot)
    return MergeOutcome(new, result, applied=True)


# -- summaries for update reports, and the auto-mode setting ---------------------------------------

MERGE_CUSTOMIZED_KEY = "merge_customized"
"""Settings key: in auto mode, merge customized skills whose merge is clean (``"on"``/``"off"``,
default off: customized skills are never touched unless the user turns this on, R-UPD-3)."""

_ON = {"on", "true", "yes", "1"}
_OFF = {"off", "false", "no", "0"}


def get_merge_customized(studio: SkillStudio) -> bool:
    """Whether auto mode merges customized skills when the merge is clean (default False)."""
    return studio.store.get_setting(MERGE_CUSTOMIZED_KEY, "off") in _ON


def set_merge_customized(studio: SkillStudio, value: bool | str) -> bool:
    """Turn "merge customized skills when clean" on or off.

    Args:
        value: a bool, or ``on``/``off`` (also true/false, yes/no, 1/0).

    Returns:
        The new value.

    Raises:
        UserError: a value that is none of those.
    """
    if isinstance(value, str):
        v = value.strip().lower()
        if v not in _ON | _OFF:
            raise UserError(f"{MERGE_CUSTOMIZED_KEY} is on or off, not {value!r}.")
        value = v in _ON
    studio.store.set_setting(MERGE_CUSTOMIZED_KEY, "on" if value else "off")
    return bool(value)


@dataclass(frozen=True)
class MergeSummary:
    """What a merge of one update gave, for reports (``update --check --json``, notifications).

    Attributes:
        state: ``"clean"``, ``"conflicts"`` or ``"unavailable"`` (no pristine copy, download failed).
        files: the conflicting files (empty unless ``"conflicts"``).
        conflicts: each conflict (file, kind, line ranges).
        applied: the merged folder was installed.
        message: why it is unavailable, else "".
    """

    state: str
    files: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    applied: bool = False
    message: str = ""

    @classmethod
    def of(cls, result: MergeResult, applied: bool = False) -> MergeSummary:
        """The summary of a merge result."""
        return cls("clean" if result.clean else "conflicts", result.conflicted_paths, result.conflicts, applied)

    def describe(self) -> list[str]:
        """One line per conflict (``"SKILL.md lines 12-14 (upstream: lines 12-15)"``)."""
        return [c.describe() for c in self.conflicts]

    def to_json(self) -> dict[str, Any]:
        """``{"merge": state, "merge_files": [...], "merge_conflicts": [...]}`` (+ ``merge_message``)."""
        data: dict[str, Any] = {"merge": self.state, "merge_files": list(self.files),
                                "merge_conflicts": [c.to_json() for c in self.conflicts]}
        if self.message:
            data["merge_message"] = self.message
        return data


def carry_import_metadata(studio: SkillStudio, installed: InstalledSkill,
                          theirs: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files of a plain update of a *non-customized* skill: upstream's new version with the
    metadata chosen at import written again (issue 13: what the agent reads stays what the user
    chose). Equal to ``theirs`` when nothing was chosen at import or the base is unknown."""
    base = studio.installer.bases.files(installed)
    snapshot = studio.installer.snapshot_files(installed.snapshot_hash)
    if base is None or not snapshot or base == snapshot:
        return dict(theirs)
    return merge_update(base, snapshot, snapshot, theirs).snapshot
