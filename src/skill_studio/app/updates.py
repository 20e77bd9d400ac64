"""Use cases of updates (application layer): checks, auto/manual modes, customized upgrades, rollback and local diffs (R-UPD-1..5).

The check compares every installed marketplace skill with the catalog of the registry it came from,
listing each enabled registry once (one pinned commit, R-DIS-6) through ``SkillStudio.list_registry``.
Each destination is evaluated on its own: the same skill installed in both destinations yields two
independent items (R-UPD-1).

Rules, in the order they are applied to one installed skill:

1. its registry is disabled or no longer configured → not checked (listed in ``report.unchecked``);
2. the registry could not be listed → a ``RegistryCheckError`` in ``report.errors`` (R-UPD-5);
3. the catalog no longer lists it → ``UpdateKind.REMOVED_UPSTREAM`` (reported, never an update);
4. the catalog version is a greater semver than the installed one → ``UpdateKind.VERSION``;
5. else the upstream folder's content differs from what was imported → ``UpdateKind.CHANGED_UPSTREAM``
   ("changed upstream"; an unparseable version never yields an update on its own, R-UPD-1);
6. else it is up to date (no item).

Every item also says whether the installed copy is *customized* (its folder differs from its import
snapshot, R-UPD-2). Customized skills are never auto-updated (R-UPD-3); upgrading one needs
``force=True`` (the GUI's confirmation, the CLI's ``--force``) and the installer keeps the local
version as a backup first (R-UPD-4). Every update keeps the previous version: ``rollback_skill``
restores it, files and database row, in one step.

Usage from a GUI worker thread (no Qt here; progress goes through plain callables)::

    report = run_startup_check(studio, progress=lambda done, total: ...)   # applies in auto mode
    json.dumps(report.to_json())                                          # serialisable
    for dest, items in report.by_destination(report.pending).items(): ...
    apply_updates(studio, report, [item], force=True)                     # after the user confirms
    last = last_check(studio)   # persisted outcome: errors stay until dismissed or a clean check

Thread-safety: the functions only use the ``SkillStudio`` facade, which may be called from worker
threads; a report is a plain object owned by its caller.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import as_completed
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from skill_studio.app.merge import (
    MergeResult,
    MergeSummary,
    apply_merge,
    carry_import_metadata,
    get_merge_customized,
    plan_merge,
    update_row,
)
from skill_studio.app.studio import SkillStudio
from skill_studio.core import executor
from skill_studio.core.clock import utcnow
from skill_studio.core.diffs import text_or_none, unified_diff
from skill_studio.core.display import clean
from skill_studio.core.errors import InstallError, RemoteError, SkillStudioError, UserError
from skill_studio.core.identity import find_catalog_skill, registry_key, registry_of
from skill_studio.core.installer import read_folder
from skill_studio.core.models import CatalogSkill, Destination, InstalledSkill, Listing, Progress, Registry
from skill_studio.core.targets import DeployState
from skill_studio.core.update_rule import upstream_update
from skill_studio.core.versions import DEFAULT_VERSION

log = logging.getLogger(__name__)

CHECK_CONCURRENCY = 8
"""Registries an update check lists at once (issue 18: all of them, for the usual few)."""

"""``progress(done, total)``: counts of registries (check) or skills (apply)."""
Status = Callable[[str], None]
"""``status(sentence)``: what is being done now, for a progress label."""

UPDATE_MODE_KEY = "update_mode"
"""Settings key of the update mode (``"manual"`` or ``"auto"``; default manual, R-UPD-3)."""
LAST_CHECK_KEY = "last_update_check"
"""Settings key holding the JSON outcome of the last check (see ``LastCheck``, R-UPD-5)."""


class UpdateMode(str, Enum):
    """What the startup check does with the updates it finds (R-UPD-3)."""

    MANUAL = "manual"
    """Report what is available; apply nothing."""
    AUTO = "auto"
    """Apply updates to non-customized skills and report what changed."""


class UpdateKind(str, Enum):
    """Why an installed skill is reported by a check (R-UPD-1)."""

    VERSION = "version"
    """The catalog lists a greater semver than the installed one."""
    CHANGED_UPSTREAM = "changed_upstream"
    """Same (or not greater, or unparseable) version, but the upstream folder's content changed."""
    REMOVED_UPSTREAM = "removed_upstream"
    """The catalog no longer lists the skill; nothing to update to."""


@dataclass(frozen=True)
class UpdateItem:
    """One installed skill a check reports, in one destination.

    Attributes:
        destination: where the installed copy lives.
        local_name: its folder name / database key in that destination.
        qualified_name: catalog name (``plugin:skill``) as installed.
        registry: display name of the registry checked.
        registry_source: URL of that registry.
        installed_version: version recorded for the installed copy.
        available_version: the catalog's effective version (R-FM-1), or None when removed upstream.
        installed_commit: commit SHA the installed copy came from, or None.
        available_commit: commit SHA of the listing, or None when removed upstream.
        kind: why it is reported.
        customized: the installed folder differs from its import snapshot (R-UPD-2).
        installed: the installed skill at check time (not serialised).
        skill: the catalog skill to update to, or None when removed upstream (not serialised).
        listing: the listing it came from, holding the pinned tree for the download (not serialised).
    """

    destination: Destination
    local_name: str
    qualified_name: str
    registry: str
    registry_source: str
    installed_version: str
    available_version: str | None
    installed_commit: str | None
    available_commit: str | None
    kind: UpdateKind
    customized: bool
    installed: InstalledSkill = field(compare=False, repr=False)
    skill: CatalogSkill | None = field(default=None, compare=False, repr=False)
    listing: Listing | None = field(default=None, compare=False, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        """``(destination value, local_name)``: unique within a report; use it to select items."""
        return (self.destination.value, self.local_name)

    @property
    def is_update(self) -> bool:
        """True for VERSION and CHANGED_UPSTREAM (a removed skill has nothing to update to)."""
        return self.kind is not UpdateKind.REMOVED_UPSTREAM

    @property
    def version_change(self) -> str:
        """The change in words, for confirmations and notifications (issue 15): ``"1.0.0 → 1.1.0"``
        for a new version, ``"1.0.0 (changed upstream)"`` when only the content changed (never
        ``"1.0.0 → 1.0.0"``), ``"1.0.0 (removed upstream)"``."""
        if self.kind is UpdateKind.VERSION:
            return f"{self.installed_version} → {self.available_version}"
        if self.kind is UpdateKind.REMOVED_UPSTREAM:
            return f"{self.installed_version} (removed upstream)"
        return f"{self.installed_version} (changed upstream)"

    @property
    def label(self) -> str:
        """Badge text: ``"update available"``, ``"changed upstream"``, ``"update available — customized"``
        or ``"removed upstream"`` (R-UPD-3 wording)."""
        if self.kind is UpdateKind.REMOVED_UPSTREAM:
            return "removed upstream"
        if self.customized:
            return "update available — customized"
        return "update available" if self.kind is UpdateKind.VERSION else "changed upstream"

    def to_json(self) -> dict[str, Any]:
        """JSON-serialisable form (runtime references dropped)."""
        return {
            "destination": self.destination.value, "local_name": self.local_name,
            "qualified_name": self.qualified_name, "registry": self.registry,
            "registry_source": self.registry_source, "installed_version": self.installed_version,
            "available_version": self.available_version, "installed_commit": self.installed_commit,
            "available_commit": self.available_commit, "kind": self.kind.value, "customized": self.customized,
            "label": self.label,
        }


@dataclass(frozen=True)
class RegistryCheckError:
    """A registry whose catalog could not be listed during a check (R-UPD-5).

    Attributes:
        registry: display name.
        source: registry URL.
        message: the user-facing reason (``str`` of the typed error: network, auth, rate limit, bad catalog).
        error: the error class name (``"RateLimitError"``, ``"CatalogError"``, …).
    """

    registry: str
    source: str
    message: str
    error: str

    def to_json(self) -> dict[str, str]:
        """JSON-serialisable form."""
        return {"registry": self.registry, "source": self.source, "message": self.message, "error": self.error}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RegistryCheckError:
        """Inverse of ``to_json`` (missing keys become empty strings)."""
        return cls(str(data.get("registry", "")), str(data.get("source", "")), str(data.get("message", "")),
                   str(data.get("error", "")))


@dataclass(frozen=True)
class UncheckedSkill:
    """An installed marketplace skill a check did not evaluate, and why (registry disabled or gone)."""

    destination: Destination
    local_name: str
    registry: str | None
    reason: str

    def to_json(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {"destination": self.destination.value, "local_name": self.local_name, "registry": self.registry,
                "reason": self.reason}


@dataclass(frozen=True)
class FailedUpdate:
    """An update that was attempted and did not happen (nothing was changed for that skill).

    Attributes:
        item: the update.
        message: the user-facing reason.
        remote: True when the cause was remote (download failed), False for a local refusal.
    """

    item: UpdateItem
    message: str
    remote: bool = False

    def to_json(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {**self.item.to_json(), "message": self.message, "remote": self.remote}


@dataclass(frozen=True)
class EditedCopy:
    """A deployed copy of an updated skill that was edited in its target (issue 17): the update was
    not written there (never overwritten silently); a three-way merge is offered.

    Attributes:
        destination, local_name: the installed skill that was updated.
        target: the target's name; path: the deployed folder.
    """

    destination: Destination
    local_name: str
    target: str
    path: str

    @property
    def text(self) -> str:
        """The GUI's sentence (the Targets page offers *Merge…*)."""
        return (f"{self.local_name}: the deployed copy in {self.target} was edited there and was not overwritten; "
                "merge it from the Targets page.")

    @property
    def cli_text(self) -> str:
        """The CLI's sentence, naming the command that merges it."""
        return (f"{self.local_name} ({self.destination.label}): deployed copy in {self.target} was edited there: "
                f"not overwritten; merge with `skill-studio targets merge {self.target} {self.local_name}`")

    def to_json(self) -> dict[str, Any]:
        """``{destination, local_name, target, path}``."""
        return {"destination": self.destination.value, "local_name": self.local_name, "target": self.target,
                "path": self.path}


@dataclass
class UpdateReport:
    """Outcome of a check, and of the updates applied from it.

    Attributes:
        checked_at: ISO-8601 UTC time of the check.
        items: every reported skill (updates, customized updates, removed upstream), both destinations.
        errors: registries that could not be listed (R-UPD-5).
        unchecked: installed skills not evaluated (registry disabled or removed).
        checked: number of installed skills compared with a catalog.
        registries: display names of the registries listed successfully.
        mode: the mode the report was produced under (``run_startup_check``), or None.
        applied: items updated, with ``installed`` the new row (``apply_updates``).
        skipped_customized: updates not applied because the skill is customized (R-UPD-3).
        failed: updates attempted that failed.
        merges: ``{item key: MergeSummary}`` for customized updates whose merge was previewed
            (``preview_merges``) or attempted (``apply_updates(merge=True)``), issue 13.
        edited_copies: deployed copies of applied updates that were edited in their target and so
            were not overwritten; each needs a merge (issue 17).
    """

    checked_at: str
    items: list[UpdateItem] = field(default_factory=list)
    errors: list[RegistryCheckError] = field(default_factory=list)
    unchecked: list[UncheckedSkill] = field(default_factory=list)
    checked: int = 0
    registries: list[str] = field(default_factory=list)
    mode: UpdateMode | None = None
    applied: list[UpdateItem] = field(default_factory=list)
    skipped_customized: list[UpdateItem] = field(default_factory=list)
    failed: list[FailedUpdate] = field(default_factory=list)
    merges: dict[tuple[str, str], MergeSummary] = field(default_factory=dict)
    edited_copies: list[EditedCopy] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every registry checked could be listed."""
        return not self.errors

    @property
    def updates(self) -> list[UpdateItem]:
        """Items that are updates (VERSION or CHANGED_UPSTREAM), customized or not."""
        return [i for i in self.items if i.is_update]

    @property
    def pending(self) -> list[UpdateItem]:
        """Updates not applied (yet): what a manual-mode notification lists."""
        done = {i.key for i in self.applied}
        return [i for i in self.updates if i.key not in done]

    def status_of(self, item: UpdateItem) -> str:
        """``"applied"``, ``"failed"``, ``"conflicts"`` (a merge was tried and has conflicts; nothing
        changed), ``"customized"`` (update available — customized), ``"removed_upstream"`` or
        ``"available"``."""
        if any(a.key == item.key for a in self.applied):
            return "applied"
        if any(f.item.key == item.key for f in self.failed):
            return "failed"
        tried = self.merges.get(item.key)
        if tried is not None and tried.state == "conflicts" and item in self.skipped_customized:
            return "conflicts"
        if item.kind is UpdateKind.REMOVED_UPSTREAM:
            return "removed_upstream"
        return "customized" if item.customized else "available"

    @staticmethod
    def by_destination(items: Iterable[UpdateItem]) -> dict[Destination, list[UpdateItem]]:
        """Items grouped by destination (both keys always present, items sorted by local name)."""
        out: dict[Destination, list[UpdateItem]] = {d: [] for d in Destination}
        for i in sorted(items, key=lambda i: i.local_name):
            out[i.destination].append(i)
        return out

    @property
    def items_by_destination(self) -> dict[Destination, list[UpdateItem]]:
        """``by_destination(self.items)``."""
        return self.by_destination(self.items)

    def summary_lines(self) -> list[str]:
        """Notification text, one line per destination with something to say (R-UPD-3), then one
        line per registry error. Empty when everything is up to date and nothing failed."""
        lines: list[str] = []
        for dest, items in self.items_by_destination.items():
            parts: list[str] = []
            groups: dict[str, list[str]] = {}
            for i in items:
                st = self.status_of(i)
                text = i.local_name
                if st == "applied":
                    new = next(a for a in self.applied if a.key == i.key).available_version
                    text += f" {i.installed_version} → {new}" if i.kind is UpdateKind.VERSION else " (changed upstream)"
                elif st == "available" and i.kind is UpdateKind.VERSION:
                    text += f" {i.installed_version} → {i.available_version}"
                elif st == "available":
                    text += " (changed upstream)"
                groups.setdefault(st, []).append(text)
            for st, title in (("applied", "updated"), ("available", "update available"),
                              ("customized", "update available — customized"), ("failed", "update failed"),
                              ("removed_upstream", "removed upstream")):
                if groups.get(st):
                    parts.append(f"{title}: {', '.join(groups[st])}")
            if parts:
                lines.append(f"{dest.label}: " + "; ".join(parts))
        lines.extend(c.text for c in self.edited_copies)
        for e in self.errors:
            lines.append(f"Could not check {e.registry}: {e.message}")
        return lines

    def to_json(self) -> dict[str, Any]:
        """JSON-serialisable form: ``{checked_at, mode, ok, checked, registries, destinations: {settings:
        [item + status], library: [...]}, applied, skipped_customized, failed, errors, unchecked}``."""
        failures = {f.item.key: f for f in self.failed}

        def item_json(i: UpdateItem) -> dict[str, Any]:
            d = {**i.to_json(), "status": self.status_of(i)}
            if i.key in failures:
                d["message"] = failures[i.key].message
            if i.key in self.merges:
                d.update(self.merges[i.key].to_json())
            return d

        return {
            "checked_at": self.checked_at,
            "mode": self.mode.value if self.mode else None,
            "ok": self.ok,
            "checked": self.checked,
            "registries": list(self.registries),
            "destinations": {d.value: [item_json(i) for i in items] for d, items in self.items_by_destination.items()},
            "applied": [i.to_json() for i in self.applied],
            "skipped_customized": [i.to_json() for i in self.skipped_customized],
            "failed": [f.to_json() for f in self.failed],
            "errors": [e.to_json() for e in self.errors],
            "unchecked": [u.to_json() for u in self.unchecked],
            "edited_copies": [c.to_json() for c in self.edited_copies],
        }


# -- mode --------------------------------------------------------------------------------------

def get_update_mode(studio: SkillStudio) -> UpdateMode:
    """The configured update mode; ``MANUAL`` when unset or unreadable (R-UPD-3)."""
    value = studio.store.get_setting(UPDATE_MODE_KEY, UpdateMode.MANUAL.value)
    try:
        return UpdateMode(value)
    except ValueError:
        return UpdateMode.MANUAL


def set_update_mode(studio: SkillStudio, mode: UpdateMode | str) -> UpdateMode:
    """Store the update mode.

    Raises:
        UserError: ``mode`` is not ``"manual"`` or ``"auto"``.
    """
    try:
        m = UpdateMode(mode.strip().lower() if isinstance(mode, str) else mode)
    except ValueError:
        raise UserError(f"{mode!r} is not an update mode; use 'manual' or 'auto'.") from None
    studio.store.set_setting(UPDATE_MODE_KEY, m.value)
    return m


# -- check -------------------------------------------------------------------------------------

def evaluate(studio: SkillStudio, listing: Listing, installed: InstalledSkill) -> UpdateItem | None:
    """Compare one installed skill with a listing (rules 3–6 of the module docstring).

    The catalog skill is found by ``core.identity.find_catalog_skill`` (moved and renamed folders
    included, the same rule as browse's install states); the update rule is
    ``core.update_rule.upstream_update`` (R-UPD-1).

    Returns:
        The item to report, or None when the skill is up to date.
    """
    skill = find_catalog_skill(listing, installed)
    customized = studio.is_customized(installed)
    base: dict[str, Any] = {
        "destination": installed.destination, "local_name": installed.local_name,
        "qualified_name": installed.qualified_name or installed.name, "registry": listing.name,
        "registry_source": listing.source.url, "installed_version": installed.version,
        "installed_commit": installed.commit, "customized": customized, "installed": installed}
    if skill is None:
        return UpdateItem(**base, available_version=None, available_commit=None,
                          kind=UpdateKind.REMOVED_UPSTREAM, listing=listing)
    why = upstream_update(listing, skill, installed)
    if why is None:
        return None
    return UpdateItem(**base, available_version=skill.version or DEFAULT_VERSION,
                      available_commit=skill.commit, kind=UpdateKind(why), skill=skill, listing=listing)


def check_updates(studio: SkillStudio, *, registries: Iterable[Registry] | None = None,
                  destinations: Iterable[Destination] | None = None, local_names: Iterable[str] | None = None,
                  progress: Progress | None = None, status: Status | None = None,
                  record: bool = True) -> UpdateReport:
    """Check installed marketplace skills for updates (R-UPD-1/2), each destination independently.

    Each enabled registry that installed skills came from is listed once (one pinned commit); a
    registry that fails is recorded in ``report.errors`` and the others are still checked. Nothing
    is installed. Safe to call from a worker thread.

    Args:
        studio: the core facade.
        registries: only check skills from these registries (default: every enabled one).
        destinations: only these destinations (default: both).
        local_names: only installed skills with these local names (default: all).
        progress: ``progress(done, total)`` over the registries to list.
        status: ``status(sentence)`` before each registry is listed.
        record: store the outcome as the last check (``last_check``) for the GUI's persistent error.

    Returns:
        The report (see ``UpdateReport``); JSON via ``report.to_json()``.

    Raises:
        Nothing for remote failures (they are in ``report.errors``); database errors propagate.
    """
    all_regs = studio.registries()
    wanted_regs = None if registries is None else {registry_key(r) for r in registries}
    dests = set(destinations) if destinations is not None else set(Destination)
    names = set(local_names) if local_names is not None else None
    report = UpdateReport(checked_at=utcnow())
    groups: dict[tuple[str, str, str], tuple[Registry, list[InstalledSkill]]] = {}
    for s in studio.installed():
        if s.origin != "marketplace" or s.destination not in dests or (names is not None and s.local_name not in names):
            continue
        reg = registry_of(s, all_regs)
        if reg is None:
            report.unchecked.append(UncheckedSkill(s.destination, s.local_name, s.registry,
                                                   f"its registry {s.registry or s.registry_source} is no longer configured"))
            continue
        if wanted_regs is not None and registry_key(reg) not in wanted_regs:
            continue
        if not reg.enabled:
            report.unchecked.append(UncheckedSkill(s.destination, s.local_name, reg.name,
                                                   f"its registry {reg.name} is disabled"))
            continue
        groups.setdefault(registry_key(reg), (reg, []))[1].append(s)
    total = len(groups)
    if progress:
        progress(0, total)
    if status and groups:
        reg_names = [reg.name for reg, _ in groups.values()]
        status(f"Checking {reg_names[0]} for updates…" if total == 1 else
               f"Checking {total} registries for updates ({', '.join(reg_names)})…")

    def listing_of(reg: Registry) -> Listing | SkillStudioError:
        try:
            return studio.list_registry(reg, allow_offline=False)  # a failed check is reported (R-UPD-5)
        except SkillStudioError as err:
            return err

    # Issue 18: every registry is asked at once (each listing bounds its own downloads); results
    # are evaluated in registry order, so the report does not depend on which answered first.
    pool = executor.Limited(CHECK_CONCURRENCY)
    futures = [pool.submit(listing_of, reg) for reg, _ in groups.values()]
    try:
        for done, _fut in enumerate(as_completed(futures), start=1):
            if progress:
                progress(done, total)
    finally:
        for f in futures:
            f.cancel()
        pool.wait()
    for fut, (reg, skills) in zip(futures, groups.values()):
        result = fut.result()
        if isinstance(result, SkillStudioError):
            log.info("update check of %s failed: %s", reg.name, result)
            report.errors.append(RegistryCheckError(reg.name, reg.source.url, str(result), type(result).__name__))
            continue
        report.registries.append(reg.name)
        for s in skills:
            report.checked += 1
            item = evaluate(studio, result, s)
            if item is not None:
                report.items.append(item)
    if record:
        record_check(studio, report,
                     partial=registries is not None or destinations is not None or local_names is not None)
    return report


# -- apply -------------------------------------------------------------------------------------

def apply_update(studio: SkillStudio, listing: Listing, skill: CatalogSkill, installed: InstalledSkill, *,
                 force: bool = False, progress: Progress | None = None,
                 files: dict[str, bytes] | None = None) -> InstalledSkill:
    """Replace an installed skill with the listed version, keeping where and how it is installed.

    Local name, destination, purpose, slot and active flag stay as installed; commit, metadata and
    the upstream identity come from the catalog; name, description, version and model from the new
    ``SKILL.md``. The metadata chosen at import is written into it again (a non-customized skill,
    issue 13); a forced update of a customized one takes upstream's files as they are. The previous
    folder and row are kept as a history entry, so ``rollback_skill`` restores them (R-UPD-4).

    Args:
        listing: the listing ``skill`` came from (its pinned tree is downloaded).
        skill: the catalog skill to install.
        installed: the installed copy to replace.
        force: replace it even when customized (the user confirmed; the local version is backed up).
        progress: ``progress(done, total)`` over downloaded files.
        files: the skill's files when already downloaded (``{relative path: bytes}``).

    Returns:
        The updated installed skill.

    Raises:
        InstallError: the skill is customized and ``force`` is False, or it is no longer installed.
        RemoteError subclasses: the download failed; nothing was changed.
    """
    current = studio.store.skill(installed.destination, installed.local_name)
    if current is None:
        raise InstallError(f"{installed.local_name!r} is no longer installed in {installed.destination.label}.")
    if not force and studio.is_customized(current):
        raise InstallError(
            f"{current.local_name!r} in {current.destination.label} has local edits (customized); updating it "
            "needs confirmation (--force). Your version will be kept as a backup.")
    if files is None:
        files = studio.download_skill(listing, skill, progress)
    written = files if studio.is_customized(current) else carry_import_metadata(studio, current, files)
    row = update_row(listing, skill, current, written)
    return studio.installer.install(written, current.destination, current.local_name, row, replace=True,
                                    force=force, kind="update", upstream_files=files)


def apply_updates(studio: SkillStudio, report: UpdateReport, items: Iterable[UpdateItem] | None = None, *,
                  force: bool = False, progress: Progress | None = None,
                  status: Status | None = None, merge: bool = False,
                  prefer: str | None = None,
                  resolutions: Mapping[str, Mapping[str, bytes | None]] | None = None) -> UpdateReport:
    """Apply updates from a report, recording the outcome in it (R-UPD-3/4).

    Customized skills are skipped (``report.skipped_customized``) unless ``force`` is True, or
    ``merge`` is True and upstream's changes merge with the local edits (issue 13: the merged
    folder is installed, the previous one kept as a backup; ``report.merges`` says how each merge
    went, and one with conflicts changes nothing and stays skipped); removed skills are not
    updates and are ignored. A failure of one skill does not stop the others and
    changes nothing for that skill (``report.failed``). A skill folder listed in both destinations is
    downloaded once.

    Args:
        report: the check report (its items carry the listings to download from).
        items: the updates to apply (default: every update in the report).
        force: also upgrade customized skills (the user confirmed; local versions are backed up).
        progress: ``progress(done, total)`` over the items to apply.
        status: ``status(sentence)`` before each skill.
        merge: merge customized skills instead of skipping them (not with ``force``).
        prefer: with ``merge``, resolve conflicting hunks with ``"ours"`` or ``"theirs"``.
        resolutions: with ``merge``, ``{local name: {path: bytes or None}}``: the final content of
            the conflicting files chosen in a merge view.

    Returns:
        ``report``, with ``applied``/``skipped_customized``/``failed``/``merges`` extended.
    """
    todo = [i for i in (report.updates if items is None else items) if i.is_update]
    done_keys = {i.key for i in report.applied}
    todo = [i for i in todo if i.key not in done_keys]
    cache: dict[tuple[str, str, str], dict[str, bytes]] = {}
    if progress:
        progress(0, len(todo))
    for n, item in enumerate(todo, start=1):
        if item.skill is None or item.listing is None:  # not produced by check_updates
            report.failed.append(FailedUpdate(item, f"{item.local_name}: nothing to update to."))
            continue
        current = studio.store.skill(item.destination, item.local_name)
        customized = current is not None and studio.is_customized(current)
        if merge and not force and current is not None and customized:
            if status:
                status(f"Merging {item.local_name} in {item.destination.label}…")
            key = (item.skill.repo, item.skill.commit, item.skill.path)
            try:
                if key not in cache:
                    cache[key] = studio.download_skill(item.listing, item.skill)
                outcome = apply_merge(studio, item.listing, item.skill, current, files=cache[key],
                                      prefer=prefer,  # type: ignore[arg-type]
                                      resolutions=(resolutions or {}).get(item.local_name))
            except SkillStudioError as err:
                report.failed.append(FailedUpdate(item, str(err), remote=isinstance(err, RemoteError)))
            else:
                report.merges[item.key] = MergeSummary.of(outcome.merge, outcome.applied)
                if outcome.applied:
                    report.applied.append(item)
                    _note_edited_copies(studio, report, item)
                    report.skipped_customized[:] = [i for i in report.skipped_customized if i.key != item.key]
                elif item.key not in {i.key for i in report.skipped_customized}:
                    report.skipped_customized.append(item)
        elif not force and (current is None or customized):
            if current is None:
                report.failed.append(FailedUpdate(
                    item, f"{item.local_name!r} is no longer installed in {item.destination.label}."))
            elif item.key not in {i.key for i in report.skipped_customized}:
                report.skipped_customized.append(item)
        else:
            if status:
                status(f"Updating {item.local_name} in {item.destination.label}…")
            key = (item.skill.repo, item.skill.commit, item.skill.path)
            try:
                if key not in cache:
                    cache[key] = studio.download_skill(item.listing, item.skill)
                apply_update(studio, item.listing, item.skill, item.installed, force=force, files=cache[key])
            except SkillStudioError as err:
                report.failed.append(FailedUpdate(item, str(err), remote=isinstance(err, RemoteError)))
            else:
                report.applied.append(item)
                _note_edited_copies(studio, report, item)
                report.skipped_customized[:] = [i for i in report.skipped_customized if i.key != item.key]
                report.failed[:] = [f for f in report.failed if f.item.key != item.key]
        if progress:
            progress(n, len(todo))
    return report


def _note_edited_copies(studio: SkillStudio, report: UpdateReport, item: UpdateItem) -> None:
    """Record in ``report`` the deployed copies of ``item`` left alone because they were edited in
    their target (the installer's listener already propagated the update to the others)."""
    for dep in studio.targets.deployments(destination=item.destination, local_name=item.local_name):
        if dep.state is DeployState.EDITED_HERE and dep.target not in {
                c.target for c in report.edited_copies if (c.destination, c.local_name) == (item.destination,
                                                                                             item.local_name)}:
            report.edited_copies.append(EditedCopy(item.destination, item.local_name, dep.target, dep.path))


def preview_merges(studio: SkillStudio, report: UpdateReport, items: Iterable[UpdateItem] | None = None) -> UpdateReport:
    """Tell, for each customized update, whether merging it would be clean (issue 13; downloads
    the update, writes nothing). The answers go into ``report.merges`` (``"unavailable"`` with the
    reason when the merge cannot be computed: no pristine copy kept, download failed).

    Args:
        report: a check's report.
        items: the items to preview (default: every customized update of the report).

    Returns:
        ``report``.
    """
    cache: dict[tuple[str, str, str], dict[str, bytes]] = {}
    for item in (report.updates if items is None else items):
        if not (item.is_update and item.customized) or item.skill is None or item.listing is None:
            continue
        current = studio.store.skill(item.destination, item.local_name)
        if current is None:
            continue
        key = (item.skill.repo, item.skill.commit, item.skill.path)
        try:
            if key not in cache:
                cache[key] = studio.download_skill(item.listing, item.skill)
            planned = plan_merge(studio, current, cache[key])
        except SkillStudioError as err:
            report.merges[item.key] = MergeSummary("unavailable", message=str(err))
        else:
            report.merges[item.key] = MergeSummary.of(planned.result)
    return report


def run_startup_check(studio: SkillStudio, mode: UpdateMode | str | None = None, *,
                      progress: Progress | None = None, status: Status | None = None) -> UpdateReport:
    """The startup check (R-UPD-1/3/5): check every enabled registry, and in auto mode apply the
    updates of non-customized skills. Customized ones stay in ``skipped_customized`` ("update
    available — customized") unless the setting "merge customized skills when clean"
    (``merge_customized``, issue 13) is on and their merge is clean. The outcome is recorded as the
    last check. Call from a worker thread.

    Args:
        mode: ``UpdateMode`` or its value; default: the configured mode (``get_update_mode``).
        progress: ``progress(done, total)``, first over registries, then over updates applied.
        status: ``status(sentence)`` for a progress label.

    Returns:
        The report, ``report.mode`` set.
    """
    m = UpdateMode(mode) if mode is not None else get_update_mode(studio)
    report = check_updates(studio, progress=progress, status=status, record=False)
    report.mode = m
    if m is UpdateMode.AUTO:  # customized skills only when the user turned merging on, and only clean merges
        apply_updates(studio, report, progress=progress, status=status, merge=get_merge_customized(studio))
    record_check(studio, report)
    return report


# -- persisted outcome (R-UPD-5) ---------------------------------------------------------------

@dataclass(frozen=True)
class LastCheck:
    """The last recorded check, as the GUI needs it after a restart (R-UPD-5).

    Attributes:
        checked_at: ISO-8601 UTC time.
        errors: registries that failed in the last check (kept until a check of that registry
            succeeds).
        dismissed: the user dismissed the error notification.
        available: number of updates pending after that check.
        mode: the mode of that check, or None.
    """

    checked_at: str
    errors: tuple[RegistryCheckError, ...]
    dismissed: bool
    available: int
    mode: str | None

    @property
    def active_errors(self) -> tuple[RegistryCheckError, ...]:
        """Errors the persistent notification should show (none once dismissed)."""
        return () if self.dismissed else self.errors

    def to_json(self) -> dict[str, Any]:
        """JSON-serialisable form (what is stored under ``last_update_check``)."""
        return {"checked_at": self.checked_at, "ok": not self.errors, "errors": [e.to_json() for e in self.errors],
                "dismissed": self.dismissed, "available": self.available, "mode": self.mode}


def record_check(studio: SkillStudio, report: UpdateReport, *, partial: bool = False) -> LastCheck:
    """Store a check's outcome under the ``last_update_check`` setting.

    A full check replaces the previous outcome (a successful one clears the error, R-UPD-5). A
    ``partial`` check (some registries only) replaces the errors of the registries it listed or
    tried, and keeps the others. New errors un-dismiss the notification.
    """
    prev = last_check(studio)
    errors = list(report.errors)
    dismissed = False
    if partial and prev is not None:
        touched = set(report.registries) | {e.registry for e in report.errors}
        kept = [e for e in prev.errors if e.registry not in touched]
        errors = kept + errors
        dismissed = prev.dismissed and not report.errors
    rec = LastCheck(report.checked_at, tuple(errors), dismissed, len(report.pending),
                    report.mode.value if report.mode else None)
    studio.store.set_setting(LAST_CHECK_KEY, json.dumps(rec.to_json()))
    return rec


def last_check(studio: SkillStudio) -> LastCheck | None:
    """The last recorded check, or None when no check was recorded (or the record is unreadable)."""
    raw = studio.store.get_setting(LAST_CHECK_KEY)
    if not raw:
        return None
    try:
        d = json.loads(raw)
        return LastCheck(str(d["checked_at"]), tuple(RegistryCheckError.from_json(e) for e in d.get("errors", [])),
                         bool(d.get("dismissed", False)), int(d.get("available", 0)), d.get("mode"))
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("ignoring unreadable %s setting", LAST_CHECK_KEY)
        return None


def dismiss_check_errors(studio: SkillStudio) -> None:
    """The user dismissed the check-error notification: hide it until a check fails again."""
    prev = last_check(studio)
    if prev is not None and not prev.dismissed:
        rec = LastCheck(prev.checked_at, prev.errors, True, prev.available, prev.mode)
        studio.store.set_setting(LAST_CHECK_KEY, json.dumps(rec.to_json()))


# -- rollback and local edits ------------------------------------------------------------------

def _installed(studio: SkillStudio, destination: Destination, local_name: str) -> InstalledSkill:
    s = studio.store.skill(destination, local_name)
    if s is None:
        raise InstallError(f"No skill named {local_name!r} is installed in {destination.label}.")
    return s


def rollback_skill(studio: SkillStudio, destination: Destination, local_name: str) -> InstalledSkill:
    """Restore the previous version of a skill (files and database row) in one step (R-UPD-4).

    After an update of a customized skill this brings the user's edited folder back byte for byte.
    The replaced version becomes a history entry itself, so a rollback can be undone by another.

    Raises:
        InstallError: not installed, no previous version, or its backup is missing.
    """
    _installed(studio, destination, local_name)
    return studio.installer.rollback(destination, local_name)


def skill_history(studio: SkillStudio, destination: Destination, local_name: str) -> list[dict[str, Any]]:
    """Previous versions of a skill, newest first: ``[{kind, version, created_at, backup_path}]``
    (``kind`` is what replaced it: ``"update"``, ``"import"``, ``"rollback"``)."""
    return [{"kind": h["kind"], "version": h["row"].get("version"), "created_at": h["created_at"],
             "backup_path": h["backup_path"]} for h in studio.store.history(destination, local_name)]


@dataclass(frozen=True)
class FileChange:
    """One file that differs between a skill's import snapshot and its folder.

    Attributes:
        path: POSIX path relative to the skill folder.
        status: ``"added"``, ``"removed"`` or ``"modified"``.
        binary: either side is not UTF-8 text (or contains NUL bytes).
    """

    path: str
    status: str
    binary: bool


def _snapshot_and_current(studio: SkillStudio, skill: InstalledSkill) -> tuple[dict[str, bytes], dict[str, bytes]]:
    base = studio.installer.snapshot_files(skill.snapshot_hash)
    if not base and not (studio.paths.snapshots / skill.snapshot_hash).is_dir():
        raise InstallError(f"The import snapshot of {skill.local_name!r} ({skill.snapshot_hash[:12]}) is missing; "
                           "cannot compare with it.")
    return base, read_folder(Path(skill.path))


def local_changes(studio: SkillStudio, destination: Destination, local_name: str) -> list[FileChange]:
    """Files edited, added or removed since the skill was imported or last updated (R-UPD-2), by path.

    Raises:
        InstallError: not installed, or its snapshot is missing.
    """
    base, cur = _snapshot_and_current(studio, _installed(studio, destination, local_name))
    out = []
    for rel in sorted(set(base) | set(cur)):
        a, b = base.get(rel), cur.get(rel)
        if a == b:
            continue
        status = "added" if a is None else "removed" if b is None else "modified"
        out.append(FileChange(rel, status, text_or_none(a) is None or text_or_none(b) is None))
    return out


def diff_skill(studio: SkillStudio, destination: Destination, local_name: str, *, context: int = 3) -> str:
    """Unified diff of a skill's local edits: import snapshot (``a/``) against its folder (``b/``).

    Paths are relative to the skill folder (``a/SKILL.md``, ``b/SKILL.md``); an added file diffs
    from ``/dev/null``, a removed one to ``/dev/null``; binary files get one
    ``Binary files a/x and b/x differ`` line. Apply it in the skill folder with ``patch -p1``.

    Args:
        context: lines of context around each change.

    Returns:
        The diff text; ``""`` when the skill is not customized.

    Raises:
        InstallError: not installed, or its snapshot is missing.
    """
    skill = _installed(studio, destination, local_name)
    base, cur = _snapshot_and_current(studio, skill)
    chunks = [unified_diff(rel, base.get(rel), cur.get(rel), context) for rel in sorted(set(base) | set(cur))]
    return "".join(chunks)


# -- use cases of the GUI's update center (worker threads; plain values back) -------------------

@dataclass
class CheckOutcome:
    """What the startup check hands to the GUI thread.

    Attributes:
        report: the check's report (updates applied in auto mode included).
        listings: the registry listings the check fetched that hold reported items, for the
            browse dialogs' session cache.
    """

    report: UpdateReport
    listings: list[tuple[Registry, Listing]] = field(default_factory=list)


def run_check(studio: SkillStudio, mode: UpdateMode | str | None, progress: Callable[[int, int], None]) -> CheckOutcome:
    """The startup check on a worker thread (``run_startup_check``: records the outcome, applies
    non-customized updates in auto mode), plus the listings it used."""
    report = run_startup_check(studio, mode, progress=progress)
    by_source: dict[str, Listing] = {}
    for item in report.items:
        if item.listing is not None:
            by_source.setdefault(item.listing.source.url, item.listing)
    listings = [(r, by_source[r.source.url]) for r in studio.registries() if r.source.url in by_source]
    return CheckOutcome(report, listings)


@dataclass
class PreparedUpdate:
    """Skills to update, re-evaluated just before asking (worker thread → GUI thread).

    Attributes:
        destination: where they are installed.
        items: the updates (``customized`` is fresh: edits made since the check count).
        diffs: ``{local name: unified diff}`` of the customized ones (shown in the confirmation).
        up_to_date: local names that have nothing to update.
        problems: sentences for skills that cannot be updated (removed upstream, no longer
            installed, registry unreachable).
        requested: the local names asked for.
        merges: ``{local name: MergeResult}`` of the customized ones whose merge with upstream
            could be computed (issue 13): what the *Merge (keeps your edits)* choice and the merge
            view show.
    """

    destination: Destination
    items: list[UpdateItem] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)
    up_to_date: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    merges: dict[str, MergeResult] = field(default_factory=dict)

    @property
    def customized(self) -> list[UpdateItem]:
        """The items that need confirmation (R-UPD-4)."""
        return [i for i in self.items if i.customized]

    @property
    def can_merge(self) -> bool:
        """True when every customized item has a merge (so *Merge* can be offered)."""
        return bool(self.customized) and all(i.local_name in self.merges for i in self.customized)

    @property
    def merge_clean(self) -> bool:
        """True when every customized item merges without conflicts (*Merge* is then the default)."""
        return self.can_merge and all(self.merges[i.local_name].clean for i in self.customized)


def prepare_updates(studio: SkillStudio, destination: Destination, names: Sequence[str], listing: Listing | None,
                    known: dict[tuple[str, str], UpdateItem]) -> PreparedUpdate:
    """Re-evaluate installed skills against a catalog before updating them (worker thread).

    Each skill is compared with ``listing`` when given (the browse dialog's), else with the listing
    of its item in the last check (``known``), else its registry is listed again (``check_updates``).

    Raises:
        DatabaseError: the database failed (remote failures become ``problems``).
    """
    out = PreparedUpdate(destination, requested=list(names))
    missing: list[str] = []

    def take(name: str, item: UpdateItem | None) -> None:
        if item is None:
            out.up_to_date.append(name)
        elif not item.is_update:
            out.problems.append(f"{name} is no longer listed by {item.registry}: there is nothing to update to.")
        else:
            out.items.append(item)
            if item.customized:
                out.diffs[name] = diff_skill(studio, destination, name)
                inst = studio.installed_skill(destination, name)
                if inst is not None and item.skill is not None and item.listing is not None:
                    try:
                        theirs = studio.download_skill(item.listing, item.skill)
                        out.merges[name] = plan_merge(studio, inst, theirs).result
                    except SkillStudioError as err:  # no merge offered; replace stays possible
                        log.info("no merge for %s: %s", name, err)

    for name in names:
        inst = studio.installed_skill(destination, name)
        if inst is None:
            out.problems.append(f"{name} is no longer installed in {destination.label}.")
            continue
        old = known.get((destination.value, name))
        source = listing if listing is not None else (old.listing if old is not None else None)
        if source is None:
            missing.append(name)
        else:
            take(name, evaluate(studio, source, inst))
    if missing:
        report = check_updates(studio, destinations=[destination], local_names=missing, record=False)
        out.problems += [f"Could not check {e.registry}: {e.message}" for e in report.errors]
        out.problems += [f"{u.local_name}: {u.reason}." for u in report.unchecked]
        found = {i.local_name: i for i in report.items}
        skipped = {u.local_name for u in report.unchecked}
        for name in missing:
            if name in found or (not report.errors and name not in skipped):
                take(name, found.get(name))
    return out


def apply_prepared(studio: SkillStudio, items: list[UpdateItem], force: bool,
                   progress: Callable[[int, int], None], *, merge: bool = False,
                   resolutions: Mapping[str, Mapping[str, bytes | None]] | None = None) -> UpdateReport:
    """Apply updates (worker thread); the outcome is in the returned report's ``applied``,
    ``skipped_customized``, ``failed`` and ``merges`` (R-UPD-4: customized ones only with ``force``,
    or with ``merge``: merged with the local edits, conflicts settled by ``resolutions`` —
    ``{local name: {path: bytes or None}}`` from the merge view, issue 13)."""
    report = UpdateReport(checked_at=utcnow(), items=list(items))
    return apply_updates(studio, report, items, force=force, progress=progress, merge=merge,
                         resolutions=resolutions)


@dataclass
class RollbackResult:
    """A rollback's outcome: the restored skill, and whether the catalog now offers an update for it."""

    skill: InstalledSkill
    item: UpdateItem | None


def rollback_and_evaluate(studio: SkillStudio, destination: Destination, name: str,
                          listing: Listing | None) -> RollbackResult:
    """Restore the previous version (worker thread), then compare it with ``listing`` when known."""
    restored = rollback_skill(studio, destination, name)
    item = evaluate(studio, listing, restored) if listing is not None else None
    return RollbackResult(restored, item)


# -- the update command (the CLI's ``update``) ------------------------------------------------------

@dataclass
class UpdateRun:
    """Outcome of ``run_update``.

    Attributes:
        report: the check's report, with what was applied, skipped or failed.
        applied: True when updates were applied (not a check only).
        names: the local names asked for (deduplicated, in order); empty for all.
        notes: ``(is_problem, sentence)`` for each named skill that was not updated, in order:
            up to date, not checked, removed upstream, customized without ``force``.
        refused: True when a named skill could not be updated (a user error for the CLI).
    """

    report: UpdateReport
    applied: bool
    names: list[str] = field(default_factory=list)
    notes: list[tuple[bool, str]] = field(default_factory=list)
    refused: bool = False


def run_update(studio: SkillStudio, *, names: Sequence[str], destinations: Sequence[Destination],
               only_destination: bool, check: bool, apply_all: bool, force: bool,
               merge: bool = False, prefer: str | None = None) -> UpdateRun:
    """Check, and apply when asked or in auto mode, the updates of installed skills (R-UPD-1..4).

    Applies when ``names`` or ``apply_all`` are given, else only in auto mode, never with ``check``.

    Args:
        names: local names to update (empty: every installed marketplace skill).
        destinations: where to look (both unless the user chose one).
        only_destination: the user chose ``destinations`` (``--to``); the check is then limited to it.
        check: only report.
        apply_all: update every skill with an update.
        force: also update customized skills (their version is kept as a backup, R-UPD-4).
        merge: merge customized skills instead (issue 13): a clean merge is applied (backup kept),
            one with conflicts changes nothing and is refused, naming each file and line range.
            A check previews every customized update's merge (``report.merges``); auto mode merges
            when the ``merge_customized`` setting is on.
        prefer: with ``merge``, resolve conflicting hunks with ``"ours"`` or ``"theirs"``.

    Returns:
        The run (see ``UpdateRun``); remote failures are in ``report.errors``/``report.failed``.

    Raises:
        UserError: ``check`` with names/``apply_all``/``force``; names with ``apply_all``; a name that
            is not installed or not from a marketplace.
    """
    if check and (names or apply_all or force or merge):
        raise UserError("--check only reports; it takes no NAME, --all, --force or --merge.")
    if merge and force:
        raise UserError("--merge keeps your edits and --force replaces them: give one of them "
                        "(--prefer ours|theirs settles a merge's conflicts).")
    if prefer is not None and not merge:
        raise UserError("--prefer goes with --merge.")
    if prefer not in (None, "ours", "theirs"):
        raise UserError(f"--prefer is ours or theirs, not {prefer!r}.")
    if names and apply_all:
        raise UserError("Give skill names or --all, not both.")
    dests = list(destinations)
    wanted = list(dict.fromkeys(names))
    for name in wanted:  # every named skill must be an installed marketplace skill
        rows = [s for d in dests if (s := studio.installed_skill(d, name)) is not None]
        where = f" in {dests[0].label}" if only_destination else ""
        if not rows:
            raise UserError(f"No skill named {name!r} is installed{where}; 'skill-studio list' shows the local names.")
        if all(s.origin != "marketplace" for s in rows):
            raise UserError(f"{name!r} was not imported from a marketplace ({rows[0].origin}); it has no updates.")
    mode = get_update_mode(studio)
    if check:
        apply = False
    elif wanted or apply_all:
        apply = True
    else:
        apply = mode is UpdateMode.AUTO
    report = check_updates(studio, destinations=dests if only_destination else None, local_names=wanted or None)
    report.mode = mode
    if apply:
        auto_merge = not (wanted or apply_all) and get_merge_customized(studio)
        apply_updates(studio, report, force=force, merge=merge or auto_merge, prefer=prefer)
    else:
        preview_merges(studio, report)
    run = UpdateRun(report, apply, wanted)
    for name in wanted:  # say what happened to each named skill that was not updated
        for d in dests:
            inst = studio.installed_skill(d, name)
            if inst is None or inst.origin != "marketplace":
                continue
            item = next((i for i in report.items if i.key == (d.value, name)), None)
            unchecked = next((u for u in report.unchecked if (u.destination, u.local_name) == (d, name)), None)
            if unchecked is not None:
                run.notes.append((True, f"{name} ({d.label}) was not checked: {unchecked.reason}."))
                run.refused = True
            elif item is None:
                reg = registry_of(inst, studio.registries())
                if reg is not None and reg.name in report.registries:
                    run.notes.append((False, f"{name} ({d.label}) is up to date."))
            elif item.kind is UpdateKind.REMOVED_UPSTREAM:
                run.notes.append((True, f"{name} ({d.label}) is no longer listed by {item.registry}; nothing to update to."))
                run.refused = True
            elif item.key in report.merges and report.merges[item.key].applied:
                run.notes.append((False, f"{name} ({d.label}): merged upstream's changes with your edits; your "
                                         f"previous version is kept as a backup ('skill-studio rollback {name}' "
                                         "restores it)."))
            elif apply and item.key in report.merges and report.merges[item.key].state == "conflicts":
                lines = "\n".join(f"  {clean(c, None)}" for c in report.merges[item.key].describe())  # one line each
                run.notes.append((True, f"{name} ({d.label}): the merge has conflicts, nothing was changed:\n{lines}\n"
                                        "Settle them with --prefer ours|theirs, in the app's merge view, or "
                                        "replace your version with --force (kept as a backup)."))
                run.refused = True
            elif item in report.skipped_customized:
                run.notes.append((True, (f"{name} ({d.label}) has local edits (customized); re-run with --merge to "
                                         "keep them, or --force to replace them. Your version is kept as a backup "
                                         "('skill-studio rollback' restores it).")))
                run.refused = True
    return run
