"""The Agent Skills rules as one check: a badge with problems, never a gate (issue 19).

Rules (the Agent Skills specification, agentskills.io/specification, and SPEC R-FM-1):

* ``name``: required; 1–64 characters of ``a-z``, ``0-9`` and ``-``; no leading or trailing ``-``
  and no ``--``; equal to the skill's folder name;
* ``description``: required; 1–1024 characters;
* ``compatibility``: when present, a string of at most 500 characters;
* ``metadata``: when present, a mapping of string keys to string values;
* no top-level key beyond the documented ones: the specification's ``name``, ``description``,
  ``license``, ``compatibility``, ``metadata``, ``allowed-tools``, and the optional keys Claude
  Code documents and R-FM-1 lists (``model``, ``argument-hint``, ``user-invocable``,
  ``disable-model-invocation``).

Real catalogs break these often (SPEC R-FM-1), so the result is only ever shown: listing and import
never depend on it.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from .frontmatter import NAME_RE
from .models import CatalogSkill, SpecCheck

__all__ = ["DOCUMENTED_KEYS", "MAX_COMPATIBILITY", "MAX_DESCRIPTION", "MAX_NAME", "check_fields", "check_skill"]

MAX_NAME = 64
MAX_DESCRIPTION = 1024
MAX_COMPATIBILITY = 500

SPEC_KEYS = ("name", "description", "license", "compatibility", "metadata", "allowed-tools")
"""Top-level keys of the Agent Skills specification."""
CLAUDE_CODE_KEYS = ("model", "argument-hint", "user-invocable", "disable-model-invocation")
"""Optional keys Claude Code documents (SPEC R-FM-1)."""
DOCUMENTED_KEYS = frozenset(SPEC_KEYS + CLAUDE_CODE_KEYS)


def _name_problems(name: Any, folder: str | None) -> list[str]:
    if name is None:
        return ["'name' is missing"]
    if not isinstance(name, str):
        return ["'name' is not a string"]
    problems: list[str] = []
    if not name:
        problems.append("'name' is empty")
    elif len(name) > MAX_NAME:
        problems.append(f"'name' is {len(name)} characters long (at most {MAX_NAME})")
    if name and not NAME_RE.match(name):
        if any(not (c.isascii() and (c.islower() or c.isdigit() or c == "-")) for c in name):
            problems.append(f"'name' {name!r} has characters other than a-z, 0-9 and '-'")
        if name.startswith("-") or name.endswith("-"):
            problems.append(f"'name' {name!r} starts or ends with '-'")
        if "--" in name:
            problems.append(f"'name' {name!r} has '--'")
    if folder is not None and name != folder:
        problems.append(f"'name' {name!r} differs from its folder name {folder!r}")
    return problems


def check_fields(fields: Mapping[str, Any], folder: str | None) -> SpecCheck:
    """Check parsed SKILL.md frontmatter against the Agent Skills rules (module docstring).

    Args:
        fields: the frontmatter mapping as parsed (``SkillMetadata.fields``).
        folder: the skill folder's name (its last path segment), or None to skip that rule.

    Returns:
        A :class:`SpecCheck`; ``problems`` name the field, in the order name, description,
        compatibility, metadata, unknown keys (sorted). Never raises on any mapping.
    """
    problems = _name_problems(fields.get("name"), folder)
    description = fields.get("description")
    if description is None:
        problems.append("'description' is missing")
    elif not isinstance(description, str):
        problems.append("'description' is not a string")
    elif not description.strip():
        problems.append("'description' is empty")
    elif len(description) > MAX_DESCRIPTION:
        problems.append(f"'description' is {len(description)} characters long (at most {MAX_DESCRIPTION})")
    compatibility = fields.get("compatibility")
    if compatibility is not None:
        if not isinstance(compatibility, str):
            problems.append("'compatibility' is not a string")
        elif len(compatibility) > MAX_COMPATIBILITY:
            problems.append(f"'compatibility' is {len(compatibility)} characters long (at most {MAX_COMPATIBILITY})")
    metadata = fields.get("metadata")
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            problems.append("'metadata' is not a mapping")
        else:
            bad = sorted(str(k) for k, v in metadata.items() if not isinstance(k, str) or not isinstance(v, str))
            if bad:
                problems.append(f"'metadata' values must be strings: {', '.join(repr(k) for k in bad)}")
    unknown = sorted(str(k) for k in fields if k not in DOCUMENTED_KEYS)
    if unknown:
        problems.append(f"top-level key{'s' if len(unknown) > 1 else ''} not in the Agent Skills spec: "
                        + ", ".join(repr(k) for k in unknown))
    return SpecCheck(tuple(problems))


def check_skill(skill: CatalogSkill) -> SpecCheck:
    """Check a listed skill (its frontmatter and folder name) against the Agent Skills rules.

    Args:
        skill: a discovered skill; its folder name is the last segment of ``skill.path`` (the
            repository name when the skill is the repository root, as discovery does).

    Returns:
        A :class:`SpecCheck` (see :func:`check_fields`).
    """
    folder = posixpath.basename(skill.path) if skill.path else skill.repo.rpartition("/")[2]
    return check_fields(skill.metadata.fields, folder)
