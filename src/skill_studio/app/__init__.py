"""The application layer: every use case the faces (``skill_studio.ui``, ``skill_studio.cli``) call.

The faces import only this package, ``skill_studio.core.models`` and ``skill_studio.core.errors``
(enforced by import-linter, see ``pyproject.toml``). Modules:

- ``app.studio``: ``SkillStudio``, the facade and composition root (registries, listings, install
  states, import, uninstall).
- ``app.browse``: browse rows with install states ("name taken" and moved skills included) and
  importing a plan of several skills.
- ``app.updates``: the update check, apply, rollback, diff, update mode, the GUI's update center
  use cases.
- ``app.tokens``: token status/test/save/forget (keyring).
- ``app.settings``: Settings → Skills values (slot rule, archive reading, sync reports).
- ``app.catalogue``: browse like a catalogue (issue 19): plugin metadata and spec badge as JSON,
  facets, grouping and sorting over browse rows.

This module re-exports the facade and the small rules both faces show (defaults, limits, name
checks, version order, ages, and ``clean``: marketplace text made safe to show, issue 16).
"""

from __future__ import annotations

from skill_studio.app.studio import SkillState, SkillStudio
from skill_studio.core.cache import format_age
from skill_studio.core.display import clean
from skill_studio.core.frontmatter import MAX_DESCRIPTION_CHARS, parse_skill_md
from skill_studio.core.installer import check_local_name
from skill_studio.core.sources import parse_registry_source
from skill_studio.core.store import utcnow
from skill_studio.core.versions import DEFAULT_VERSION, is_newer, version_sort_key

__all__ = [
    "DEFAULT_VERSION", "MAX_DESCRIPTION_CHARS", "SkillState", "SkillStudio", "check_local_name", "clean",
    "format_age",
    "is_newer", "parse_registry_source", "parse_skill_md", "utcnow", "version_sort_key",
]
