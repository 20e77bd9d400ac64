"""Settings → Skills and the agent workspace: the values and rules the faces need (R-IMP-4/6).

The operations are methods of ``SkillStudio.settings_skills`` (activate, deactivate, set_slot,
remove, upload, sync_workspace, …); this module gives the faces the plain values they return and the
rules they show before calling them (slot normalization, reading an uploaded archive).
"""

from __future__ import annotations

from skill_studio.core.archive import SkillArchive, read_skill_zip
from skill_studio.core.settings_skills import SkillChange, frontmatter_slot, normalize_slot
from skill_studio.core.workspace import SyncReport

__all__ = ["SkillArchive", "SkillChange", "SyncReport", "frontmatter_slot", "normalize_slot", "read_skill_zip"]
