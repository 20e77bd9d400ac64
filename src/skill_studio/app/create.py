"""Create a new skill from scratch (issue 15: "New skill…" in the Skill Library; DESIGN.md: Library
skills are imported *or built from scratch*).

The skill is written from :func:`new_skill_md`, a template whose frontmatter passes the Agent
Skills naming rules (``name``: 1–64 characters ``a-z 0-9 -``, no leading, trailing or doubled
hyphen, equal to the folder name; ``description``: required, at most ``MAX_DESCRIPTION_CHARS``),
and installed like any other skill (atomic, with an import snapshot, so later edits show as
*customized*).
"""

from __future__ import annotations

import json

from skill_studio.app.studio import SkillStudio
from skill_studio.core.errors import InstallError
from skill_studio.core.frontmatter import MAX_DESCRIPTION_CHARS, is_valid_skill_name, parse_skill_md
from skill_studio.core.models import Destination, InstalledSkill

NEW_SKILL_VERSION = "0.1.0"
"""Version recorded for a skill created here (before its author bumps it)."""


def check_new_skill(name: str, description: str) -> tuple[str, str]:
    """Validate a new skill's name and description against the Agent Skills rules.

    Returns:
        ``(name, description)`` trimmed.

    Raises:
        InstallError: the name breaks the naming rule or the description is empty or too long; the
            message says which rule.
    """
    name, description = name.strip(), " ".join(description.split())
    if not is_valid_skill_name(name):
        raise InstallError(f"{name!r} cannot be a skill name: use 1-64 lower-case letters, digits and single "
                           "hyphens, starting and ending with a letter or digit (Agent Skills naming rule).")
    if not description:
        raise InstallError("A description is required: say what the skill does and when to use it.")
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise InstallError(f"The description has {len(description)} characters; at most {MAX_DESCRIPTION_CHARS} "
                           "are allowed.")
    return name, description


def new_skill_md(name: str, description: str) -> str:
    """The SKILL.md of a new skill: frontmatter (``name``, ``description``, ``metadata.version``)
    and a body outline to fill in.

    Raises:
        InstallError: see :func:`check_new_skill`.
    """
    name, description = check_new_skill(name, description)
    title = name.replace("-", " ").capitalize()
    return (f"---\nname: {name}\ndescription: {json.dumps(description, ensure_ascii=False)}\n"
            f"metadata:\n  version: {NEW_SKILL_VERSION}\n---\n"
            f"# {title}\n\n"
            "## When to use this skill\n\n"
            "- Describe the requests or situations where the agent should load this skill.\n\n"
            "## Instructions\n\n"
            "1. The first step the agent takes.\n"
            "2. The next step.\n\n"
            "## Examples\n\n"
            "- An example request and what a good answer looks like.\n")


def create_skill(studio: SkillStudio, name: str, description: str,
                 destination: Destination = Destination.LIBRARY) -> InstalledSkill:
    """Create and install a new skill named ``name`` from :func:`new_skill_md` (issue 15).

    Args:
        studio: the application.
        name: the skill's name and local name (Agent Skills naming rule).
        description: what it does and when to use it.
        destination: only ``Destination.LIBRARY`` (Settings skills come from a marketplace or a zip).

    Returns:
        The installed skill (origin ``"created"``, version ``NEW_SKILL_VERSION``, purpose ``domain``).

    Raises:
        InstallError: a rule is broken (see :func:`check_new_skill`), or another destination.
        CollisionError: a skill of that name is installed already.
    """
    if destination is not Destination.LIBRARY:
        raise InstallError("New skills are created in the Skill Library.")
    text = new_skill_md(name, description)
    meta = parse_skill_md(text, "SKILL.md")
    if meta.warnings:  # the template itself must pass the rules it teaches
        raise InstallError("; ".join(meta.warnings))
    row = {
        "name": meta.name, "description": meta.description, "version": NEW_SKILL_VERSION, "origin": "created",
        "purpose": "domain", "active": 1, "metadata_json": json.dumps(meta.fields, default=str),
    }
    return studio.installer.install({"SKILL.md": text.encode("utf-8")}, destination, meta.name, row, kind="create")
