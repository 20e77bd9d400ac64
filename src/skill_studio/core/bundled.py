"""The skill-builder skills shipped with the app in ``resources/bundled-skills`` (R-IMP-4).

They are read with :mod:`importlib.resources` from the ``skill_studio.resources`` package, so they
work from a source checkout, an installed wheel and a PyInstaller bundle alike. Seeding them into
Settings → Skills (and restoring a deleted folder) is done by
:class:`skill_studio.core.settings_skills.SettingsSkills`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING

from skill_studio.core.errors import InstallError
from skill_studio.core.frontmatter import parse_skill_md
from skill_studio.core.models import SkillMetadata

if TYPE_CHECKING:  # importlib.resources.abc is 3.11+; the protocol is only needed for typing
    from importlib.abc import Traversable

BUNDLED_PACKAGE = "skill_studio.resources"
"""Package holding the app's resources."""
BUNDLED_FOLDER = "bundled-skills"
"""Folder of that package holding one sub-folder per bundled skill."""

_SKIP = {"__pycache__", ".DS_Store"}


@dataclass(frozen=True)
class BundledSkill:
    """One bundled skill as shipped.

    Attributes:
        local_name: folder/database name (the frontmatter name's local form, e.g. ``research``).
        metadata: the parsed ``SKILL.md`` frontmatter.
        slot: the frontmatter ``slot`` (e.g. ``research``), or None.
        files: the folder, ``{relative POSIX path: bytes}``.
    """

    local_name: str
    metadata: SkillMetadata
    slot: str | None
    files: dict[str, bytes] = field(repr=False, compare=False)


def _read_tree(node: Traversable, prefix: str = "") -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name in _SKIP:
            continue
        rel = f"{prefix}{child.name}"
        if child.is_dir():
            out.update(_read_tree(child, rel + "/"))
        elif child.is_file():
            out[rel] = child.read_bytes()
    return out


def bundled_skills() -> list[BundledSkill]:
    """Every bundled skill, sorted by local name.

    Raises:
        InstallError: the resources are missing or a bundled ``SKILL.md`` is invalid (a broken
            installation of the app; the message names the folder).
    """
    root = resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_FOLDER)
    if not root.is_dir():
        raise InstallError(f"The app's {BUNDLED_FOLDER} resources are missing; reinstall Skill Studio.")
    out: list[BundledSkill] = []
    for folder in sorted(root.iterdir(), key=lambda c: c.name):
        if not folder.is_dir() or folder.name in _SKIP:
            continue
        files = _read_tree(folder)
        if "SKILL.md" not in files:
            continue
        try:
            meta = parse_skill_md(files["SKILL.md"], f"{BUNDLED_FOLDER}/{folder.name}/SKILL.md")
        except Exception as exc:  # FrontmatterError: a packaging bug, reported as an install problem
            raise InstallError(f"Bundled skill {folder.name} is broken: {exc}") from None
        slot = meta.fields.get("slot")
        out.append(BundledSkill(meta.local_name, meta, slot if isinstance(slot, str) and slot else None, files))
    return sorted(out, key=lambda b: b.local_name)
