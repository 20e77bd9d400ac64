"""Settings → Skills: bundled skills, zip uploads, the active flag, purpose slots, and the agent
workspace they are wired into (R-IMP-4, R-IMP-6, R-DATA-2).

Rules kept here:

* **Bundled** skills (``origin == "bundled"``) are seeded once from ``resources/bundled-skills``,
  active unless their slot is already held; they can be deactivated, never removed or replaced;
  a bundled skill whose folder disappeared is reinstalled at startup, keeping its active flag and slot.
* **Uploads** (``origin == "upload"``) are zips validated by :mod:`skill_studio.core.archive` before
  anything is written; they are always typed ``purpose = "skill-builder"``.
* **Slots**: a slot (``research``, ``validate``, …) holds at most one *active* skill. Activating a
  skill deactivates the previous holder and says which. A skill arriving (import, upload, seed) in a
  slot held by another active skill arrives inactive, and the caller is told.
* **Workspace**: after every change the active skills are synced into the workspace folder
  (:func:`skill_studio.core.workspace.sync_workspace`); the ``Installer`` change hook also triggers
  a sync for installs, removals and rollbacks made elsewhere (updates).

Thread-safety: syncs are serialised by a database write transaction (also across processes);
activation changes are single transactions.

Usage (GUI or CLI)::

    ss = studio.settings_skills
    for s in ss.list(): print(s.local_name, s.origin, s.version, s.slot, s.active, s.bundled)
    change = ss.activate("my-research")      # change.deactivated: skills switched off, change.messages
    skill = ss.upload(Path("skill.zip"), slot="research")   # skill.messages says if it arrived inactive
    ss.remove("my-research")                  # InstallError for bundled skills
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import logging
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from skill_studio.core.archive import read_skill_zip
from skill_studio.core.bundled import BundledSkill, bundled_skills
from skill_studio.core.errors import CollisionError, InstallError, SkillStudioError
from skill_studio.core.fserrors import describe_os_error
from skill_studio.core.installer import Installer, check_local_name, read_folder
from skill_studio.core.models import Destination, InstalledSkill, SkillMetadata
from skill_studio.core.paths import AppPaths
from skill_studio.core.store import Store
from skill_studio.core.workspace import (
    SyncReport,
    WorkspaceError,
    WorkspaceSkill,
    ensure_workspace,
    sync_workspace,
    unwire_workspace,
)

log = logging.getLogger(__name__)

SETTINGS = Destination.SETTINGS
SKILL_BUILDER = "skill-builder"
"""The purpose every Settings skill is stored with (R-IMP-4/5)."""
WORKSPACE_SETTING = "workspace_path"
"""Settings-table key of the workspace folder (absent → ``AppPaths.workspace_default``)."""
SEEDED_SETTING = "bundled_skills_seeded"
"""Settings-table key: JSON list of the bundled local names already seeded once."""
DEFAULT_VERSION = "1.0.0"

SLOT_RE = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,30}[a-z0-9])?$")
"""A slot name: 1-32 chars of ``a-z 0-9 _ -``, starting and ending with a letter or digit."""


def normalize_slot(slot: str | None) -> str | None:
    """A slot as stored: stripped and lower-cased; ``None``/``""`` → None.

    Raises:
        InstallError: not 1-32 characters of ``a-z 0-9 _ -``.
    """
    if slot is None:
        return None
    s = str(slot).strip().lower()
    if not s:
        return None
    if not SLOT_RE.match(s):
        raise InstallError(f"{slot!r} cannot be a slot name: use 1-32 characters a-z, 0-9, '-' or '_'.")
    return s


def frontmatter_slot(meta: SkillMetadata | None) -> str | None:
    """The frontmatter ``slot`` if it is a usable slot name, else None (a bad one is ignored)."""
    value = meta.fields.get("slot") if meta is not None else None
    if not isinstance(value, str):
        return None
    try:
        return normalize_slot(value)
    except InstallError:
        return None


@dataclass(frozen=True)
class SkillChange:
    """Result of activate / deactivate / set_slot / remove.

    Attributes:
        skill: the skill after the change (for ``remove``: as it was before removal).
        deactivated: skills this call switched off — for ``activate``/``set_slot`` the previous
            holder(s) of the slot; for ``deactivate``/``remove`` the skill itself when it was active.
        messages: sentences for the user (which skill was deactivated, workspace problems).
        sync: the workspace sync that followed, or None when it failed (the reason is in messages).
        backup: for ``remove``: where the removed folder is kept (None when it was missing).
    """

    skill: InstalledSkill
    deactivated: tuple[InstalledSkill, ...] = ()
    messages: tuple[str, ...] = ()
    sync: SyncReport | None = None
    backup: Path | None = None


class SettingsSkills:
    """Operations on Settings → Skills and the agent workspace (R-IMP-4, R-IMP-6).

    Args:
        paths: the app folders.
        store: the database.
        installer: the installer (its ``on_change`` hook is registered here).
    """

    def __init__(self, paths: AppPaths, store: Store, installer: Installer) -> None:
        self.paths = paths
        self.store = store
        self.installer = installer
        self._quiet = threading.local()
        installer.on_change.append(self._on_installer_change)

    # -- queries -------------------------------------------------------------------------------

    def list(self) -> builtins.list[InstalledSkill]:
        """Every Settings skill, by local name. Each has ``origin`` (``bundled``/``marketplace``/
        ``upload``), ``bundled``, ``version``, ``slot``, ``active``, ``purpose``."""
        return self.store.skills(SETTINGS)

    def get(self, local_name: str) -> InstalledSkill:
        """A Settings skill by local name.

        Raises:
            InstallError: not installed in Settings → Skills.
        """
        skill = self.store.skill(SETTINGS, local_name)
        if skill is None:
            names = ", ".join(s.local_name for s in self.list()) or "none"
            raise InstallError(f"No skill named {local_name!r} in {SETTINGS.label}. Installed: {names}.")
        return skill

    def slot_holder(self, slot: str | None, *, exclude: str | None = None) -> InstalledSkill | None:
        """The active skill holding ``slot`` (other than ``exclude``), or None."""
        if not slot:
            return None
        for s in self.list():
            if s.active and s.slot == slot and s.local_name != exclude:
                return s
        return None

    # -- activation ----------------------------------------------------------------------------

    def _set(self, local_name: str, **kw: Any) -> builtins.list[InstalledSkill]:
        try:
            names = self.store.set_skill_activation(SETTINGS, local_name, **kw)
        except KeyError:
            self.get(local_name)  # raises the user-facing error
            raise
        return [s for s in (self.store.skill(SETTINGS, n) for n in names) if s is not None]

    def activate(self, local_name: str) -> SkillChange:
        """Make a skill active; when it has a slot, the skill holding that slot is deactivated in the
        same transaction and named in the result (R-IMP-4). The workspace is synced after.

        Raises:
            InstallError: no such skill.
        """
        before = self.get(local_name)
        off = self._set(local_name, active=True)
        skill = self.get(local_name)
        msgs = [f"Activated {local_name!r}" + (f" in the {skill.slot} slot" if skill.slot else "")
                + ("." if before.active is False or off else " (it was already active).")]
        msgs += [f"Deactivated {s.local_name!r}: it held the {skill.slot} slot." for s in off]
        return self._finish(skill, tuple(off), msgs)

    def deactivate(self, local_name: str) -> SkillChange:
        """Make a skill inactive (kept installed, unavailable to agents); bundled ones too.

        Raises:
            InstallError: no such skill.
        """
        before = self.get(local_name)
        self._set(local_name, active=False)
        skill = self.get(local_name)
        msgs = [f"Deactivated {local_name!r}." if before.active else f"{local_name!r} was already inactive."]
        return self._finish(skill, (skill,) if before.active else (), msgs)

    def set_slot(self, local_name: str, slot: str | None) -> SkillChange:
        """Put a skill in a slot (None/"" clears it). An active skill moved into a held slot takes it
        over: the previous holder is deactivated and named in the result.

        Raises:
            InstallError: no such skill, or an invalid slot name.
        """
        new_slot = normalize_slot(slot)
        self.get(local_name)
        off = self._set(local_name, slot=new_slot)
        skill = self.get(local_name)
        msgs = [f"{local_name!r} is now in the {new_slot} slot." if new_slot else f"{local_name!r} has no slot now."]
        msgs += [f"Deactivated {s.local_name!r}: it held the {new_slot} slot." for s in off]
        return self._finish(skill, tuple(off), msgs)

    def remove(self, local_name: str) -> SkillChange:
        """Uninstall a Settings skill (row and folder) and take it out of the workspace.

        Raises:
            InstallError: no such skill, or a bundled skill (deactivate it instead, R-IMP-4).
        """
        skill = self.get(local_name)
        if skill.bundled:
            raise InstallError(f"{local_name!r} is a bundled skill and cannot be removed; deactivate it instead.")
        with self._batch():
            backup = self.installer.remove(SETTINGS, local_name)
        kept = f" Its folder is kept as a backup in {backup}." if backup is not None else ""
        change = self._finish(skill, (skill,) if skill.active else (), [f"Removed {local_name!r}.{kept}"])
        return dataclasses.replace(change, backup=backup)

    def _finish(self, skill: InstalledSkill, off: tuple[InstalledSkill, ...], msgs: builtins.list[str]) -> SkillChange:
        report, sync_msgs = self._sync_quietly()
        return SkillChange(skill, off, tuple(msgs + sync_msgs), report)

    # -- installs ------------------------------------------------------------------------------

    def arrival(self, local_name: str, slot: str | None, *, replace: bool) -> tuple[bool, builtins.list[str]]:
        """Decide whether a skill installed into Settings arrives active (R-IMP-4).

        Args:
            local_name: the name it will be installed under.
            slot: its (normalized) slot or None.
            replace: the install replaces a skill of that name (its active flag is kept).

        Returns:
            ``(active, messages)``: inactive with a message when another active skill holds ``slot``.

        Raises:
            CollisionError: a bundled skill has that name (bundled skills are never replaced).
        """
        existing = self.store.skill(SETTINGS, local_name)
        if existing is not None and existing.bundled:
            raise CollisionError(
                f"{local_name!r} is a bundled skill in {SETTINGS.label} and cannot be replaced; "
                "choose another local name (--as NAME).", local_name, SETTINGS.value)
        active = existing.active if (existing is not None and replace) else True
        holder = self.slot_holder(slot, exclude=local_name)
        if active and holder is not None:
            return False, [f"{local_name!r} arrived inactive: the {slot} slot is held by {holder.local_name!r}. "
                           f"Activate {local_name!r} to switch (that deactivates {holder.local_name!r})."]
        return active, []

    def install(self, files: Mapping[str, bytes], local_name: str, row: dict[str, Any], *,
                slot: str | None, replace: bool = False, force: bool = False, kind: str = "import",
                activate: bool = False, upstream_files: Mapping[str, bytes] | None = None) -> InstalledSkill:
        """Install a skill folder into Settings → Skills with the slot rule, then sync the workspace.

        Used by marketplace imports (``SkillStudio.import_skill``) and uploads.

        Args:
            files: the skill folder, ``{relative path: bytes}``.
            local_name: folder/database name.
            row: skills-table values (name, description, version, origin, …); ``purpose``, ``slot``
                and ``active`` are set here.
            slot: requested slot (None: none); normalized.
            replace, force, kind: as for :meth:`Installer.install`.
            activate: take the slot even when another active skill holds it (that one is deactivated).
            upstream_files: the pristine upstream folder when ``files`` carries metadata chosen at
                import (kept as the base of later merges, issue 13).

        Returns:
            The installed skill; ``messages`` says whether it arrived inactive or deactivated another
            skill, and reports workspace problems.

        Raises:
            CollisionError, InstallError: as :meth:`Installer.install`; a bundled skill of that name;
                an invalid slot name.
        """
        slot = normalize_slot(slot)
        check_local_name(local_name)
        active, notes = self.arrival(local_name, slot, replace=replace)
        values = dict(row, purpose=SKILL_BUILDER, slot=slot, active=int(active))
        with self._batch():
            installed = self.installer.install(files, SETTINGS, local_name, values, replace=replace,
                                               force=force, kind=kind, upstream_files=upstream_files)
        if activate and not installed.active:
            off = self._set(local_name, active=True)
            notes = [f"Activated {local_name!r}" + (f" in the {slot} slot." if slot else ".")]
            notes += [f"Deactivated {s.local_name!r}: it held the {slot} slot." for s in off]
            installed = self.get(local_name)
        _, sync_msgs = self._sync_quietly()
        return dataclasses.replace(installed, messages=tuple(notes + sync_msgs))

    def upload(self, archive: str | Path | IO[bytes], *, slot: str | None = None, local_name: str | None = None,
               description: str | None = None, replace: bool = False, force: bool = False,
               activate: bool = False) -> InstalledSkill:
        """Install a zipped skill into Settings → Skills, typed ``skill-builder`` (R-IMP-4, R-DATA-2).

        The archive is fully validated (paths, links, sizes, ratio, one skill, frontmatter,
        description) before anything is written; a refused archive changes nothing.

        Args:
            archive: path of the ``.zip`` (or a binary file object).
            slot: purpose slot; default the frontmatter ``slot``.
            local_name: install under this name instead of the frontmatter name's local form.
            description: use this description (needed when the SKILL.md has none).
            replace, force: replace an uploaded/imported skill of the same name (``force`` even when
                customized; the old folder is kept as a backup).
            activate: take the slot even when another skill holds it (that one is deactivated).

        Returns:
            The installed skill (``origin == "upload"``); ``messages`` as for :meth:`install`.

        Raises:
            ArchiveError: the archive is refused, with the reason.
            CollisionError: the name is taken (or is a bundled skill's).
            InstallError: invalid local name or slot.
        """
        zipped = read_skill_zip(archive, description=description)
        meta = zipped.metadata
        name = check_local_name(meta.local_name if local_name is None else local_name)
        chosen_slot = normalize_slot(slot) if slot is not None else frontmatter_slot(meta)
        row = {
            "name": meta.name,
            "description": (description.strip() if description and description.strip() else meta.description),
            "version": meta.version or DEFAULT_VERSION,
            "origin": "upload",
            "model": meta.model,
            "metadata_json": json.dumps(meta.fields, default=str),
        }
        return self.install(zipped.files, name, row, slot=chosen_slot, replace=replace, force=force,
                            kind="upload", activate=activate)

    # -- bundled -------------------------------------------------------------------------------

    def seed_bundled(self) -> builtins.list[str]:
        """Seed the bundled skills on first launch and restore any whose folder disappeared.

        A bundled skill is seeded once (remembered in the settings table), active unless its slot is
        held. A bundled skill whose folder is missing is reinstalled from the resources with its
        active flag and slot kept. If the user already has a Settings skill with a bundled skill's
        name, theirs is kept and the bundled one is not added.

        Returns:
            One sentence per skill restored or not seeded (empty on an ordinary start).

        Raises:
            InstallError: the app's bundled resources are missing or broken.
        """
        seeded = set(json.loads(self.store.get_setting(SEEDED_SETTING) or "[]"))
        messages: builtins.list[str] = []
        newly: set[str] = set()
        for b in bundled_skills():
            existing = self.store.skill(SETTINGS, b.local_name)
            if b.local_name not in seeded:
                newly.add(b.local_name)
                if existing is None:
                    active = self.slot_holder(b.slot) is None
                    self._install_bundled(b, active=active, slot=b.slot)
                    if not active:
                        messages.append(f"The bundled skill {b.local_name!r} was added inactive: the {b.slot} "
                                        "slot is held by another skill.")
                elif not existing.bundled:
                    messages.append(f"You already have a skill named {b.local_name!r} in {SETTINGS.label}; "
                                    "the bundled one was not added.")
            elif existing is not None and existing.bundled and not Path(existing.path).is_dir():
                self._install_bundled(b, active=existing.active, slot=existing.slot)
                messages.append(f"The bundled skill {b.local_name!r} was restored (its folder was missing).")
        if newly:
            self.store.set_setting(SEEDED_SETTING, json.dumps(sorted(seeded | newly)))
        return messages

    def _install_bundled(self, b: BundledSkill, *, active: bool, slot: str | None) -> InstalledSkill:
        meta = b.metadata
        row = {
            "name": meta.name, "description": meta.description, "version": meta.version or DEFAULT_VERSION,
            "origin": "bundled", "purpose": SKILL_BUILDER, "slot": normalize_slot(slot), "model": meta.model,
            "active": int(active), "metadata_json": json.dumps(meta.fields, default=str),
        }
        with self._batch():  # replace=True: an orphan folder without a row is moved to backups, not lost
            return self.installer.install(b.files, SETTINGS, b.local_name, row, replace=True, force=True,
                                          kind="restore")

    def startup(self) -> builtins.list[str]:
        """Seed/restore bundled skills, then sync the workspace. Never raises: problems become
        messages for the user (the app must start)."""
        messages: builtins.list[str] = []
        try:
            messages += self.seed_bundled()
        except (SkillStudioError, OSError) as exc:
            messages.append(f"The bundled skills could not be set up: {exc}")
        _, sync_msgs = self._sync_quietly()
        return messages + sync_msgs

    # -- workspace -----------------------------------------------------------------------------

    def workspace_path(self) -> Path:
        """The agent workspace folder (setting ``workspace_path``, default ``AppPaths.workspace_default``)."""
        value = self.store.get_setting(WORKSPACE_SETTING)
        return Path(value) if value else self.paths.workspace_default

    def set_workspace_path(self, path: str | Path) -> SyncReport:
        """Move the workspace: Skill Studio's folders and ``CLAUDE.md`` block are taken out of the old
        one (only what it wrote), the setting is stored, and the new one is synced.

        Args:
            path: the new folder (created when missing); ``~`` is expanded, relative paths are
                resolved against the current directory.

        Returns:
            The sync report of the new workspace (messages include those of the old one's cleanup).

        Raises:
            WorkspaceError: not a folder, cannot be created, or inside the app's own data folder.
        """
        new = Path(path).expanduser().resolve()
        data = self.paths.data.resolve()
        default = self.paths.workspace_default.resolve()
        if (new == data or data in new.parents) and not (new == default or default in new.parents):
            raise WorkspaceError(f"{new} is inside Skill Studio's data folder; choose a folder of your own.")
        ensure_workspace(new)
        old = self.workspace_path()
        messages: builtins.list[str] = []
        if old.resolve() != new:
            with self.store.transaction():  # serialised with syncs
                messages += unwire_workspace(old, self.paths.backups).messages
        self.store.set_setting(WORKSPACE_SETTING, str(new))
        report = self.sync_workspace()
        return dataclasses.replace(report, messages=tuple(messages) + report.messages)

    def sync_workspace(self) -> SyncReport:
        """Materialize the active Settings skills in the workspace and list them in ``CLAUDE.md``
        (R-IMP-6). Idempotent: a second run writes nothing.

        Raises:
            WorkspaceError: the workspace is unusable, or a write failed (the sentence says why).
        """
        with self.store.transaction():  # serialises syncs across threads and processes
            skills = [WorkspaceSkill(s.local_name, s.name, s.description, read_folder(Path(s.path)))
                      for s in self.list() if s.active]
            try:
                return sync_workspace(self.workspace_path(), skills, self.paths.backups)
            except OSError as exc:  # not writable, disk full...: one sentence (issue 16 item 11)
                raise WorkspaceError(f"The workspace {self.workspace_path()} could not be updated: "
                                     f"{describe_os_error(exc)}") from None

    def _sync_quietly(self) -> tuple[SyncReport | None, builtins.list[str]]:
        """Sync after a committed change; failures become a message instead of an exception."""
        try:
            report = self.sync_workspace()
        except (SkillStudioError, OSError) as exc:
            log.info("workspace sync failed: %s", exc)  # the user is told by the message (no raw log line)
            text = describe_os_error(exc) if isinstance(exc, OSError) else str(exc)
            reason = text if "could not be updated" in text else (
                f"The workspace {self.workspace_path()} could not be updated ({text.rstrip('.')})")
            return None, [f"{reason.rstrip('.')}; run 'skill-studio workspace sync' once that is fixed."]
        return report, list(report.messages)

    @contextmanager
    def _batch(self) -> Iterator[None]:
        """Suppress the installer hook's sync on this thread (the caller syncs once at the end)."""
        previous = getattr(self._quiet, "on", False)
        self._quiet.on = True
        try:
            yield
        finally:
            self._quiet.on = previous

    def _on_installer_change(self, destination: Destination, local_name: str) -> None:
        """Installer hook: keep the slot rule for installs made elsewhere (e.g. updates), then sync."""
        if destination is not SETTINGS:
            return
        skill = self.store.skill(SETTINGS, local_name)
        if skill is not None and skill.active and self.slot_holder(skill.slot, exclude=local_name) is not None:
            log.warning("%s was installed active into the held %s slot; it is kept inactive", local_name, skill.slot)
            self.store.set_skill_fields(SETTINGS, local_name, active=0)
        if not getattr(self._quiet, "on", False):
            self._sync_quietly()
