"""Settings → Skills and the agent workspace: the use cases the faces call (R-IMP-4/6).

``SkillStudio.settings_skills`` is typed as ``SettingsSkillsApi``: the faces see these operations
only (the core's ``SettingsSkills`` implements them; installing and seeding stay inside the app).
This module also gives the faces the plain values they return and the rules they show before
calling them (slot normalization, reading an uploaded archive).
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import IO, Protocol

from skill_studio.core.archive import SkillArchive, read_skill_zip
from skill_studio.core.models import InstalledSkill
from skill_studio.core.settings_skills import SkillChange, frontmatter_slot, normalize_slot
from skill_studio.core.workspace import SyncReport


class SettingsSkillsApi(Protocol):
    """The Settings → Skills operations the faces call (implemented by ``core.settings_skills``).

    Every change returns a ``SkillChange`` (the skill, sentences for the user, the workspace sync
    report); errors are typed (``InstallError``, ``ArchiveError``, ``WorkspaceError``).
    """

    def get(self, local_name: str) -> InstalledSkill:
        """The Settings skill ``local_name``; InstallError when not installed."""
        ...

    def slot_holder(self, slot: str | None, *, exclude: str | None = None) -> InstalledSkill | None:
        """The active skill holding ``slot``, or None."""
        ...

    def activate(self, local_name: str) -> SkillChange:
        """Activate a skill (R-IMP-4: its slot's holder is deactivated)."""
        ...

    def deactivate(self, local_name: str) -> SkillChange:
        """Deactivate a skill."""
        ...

    def set_slot(self, local_name: str, slot: str | None) -> SkillChange:
        """Change a skill's purpose slot."""
        ...

    def remove(self, local_name: str) -> SkillChange:
        """Uninstall a Settings skill (bundled skills refuse)."""
        ...

    def upload(self, archive: str | Path | IO[bytes], *, slot: str | None = None, local_name: str | None = None,
               description: str | None = None, replace: bool = False, force: bool = False,
               activate: bool = False) -> InstalledSkill:
        """Install a skill from a zip (R-IMP-4)."""
        ...

    def workspace_path(self) -> Path:
        """The agent workspace folder (R-IMP-6)."""
        ...

    def set_workspace_path(self, path: str | Path) -> SyncReport:
        """Move the agent workspace and sync it."""
        ...

    def sync_workspace(self) -> SyncReport:
        """Write the active Settings skills into the agent workspace."""
        ...

    def list(self) -> builtins.list[InstalledSkill]:
        """Every Settings skill."""
        ...


__all__ = ["SettingsSkillsApi", "SkillArchive", "SkillChange", "SyncReport", "frontmatter_slot", "normalize_slot", "read_skill_zip"]
