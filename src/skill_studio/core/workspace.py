"""The agent workspace: active Settings skills wired in for Claude Code (R-IMP-6).

Layout written into a workspace folder::

    <workspace>/
      CLAUDE.md                          the user's file; Skill Studio owns only the marked block
      .claude/
        skills/<local-name>/…            one copy of each active Settings skill
        skill-studio-manifest.json       which of those folders Skill Studio wrote, and their hash

Rules (all enforced by :func:`sync_workspace`):

* Only folders listed in the manifest are ever replaced or removed; a folder in ``.claude/skills``
  that Skill Studio did not write is never touched (a name clash is reported and that skill is not
  materialized). A folder identical to the skill it would hold is adopted.
* A materialized folder the user edited in the workspace (its content no longer matches the
  manifest hash) is moved to ``backups/workspace/<name>/<stamp>`` before it is replaced or removed,
  so nothing written there is lost.
* ``CLAUDE.md`` is changed only between :data:`BEGIN_MARKER` and :data:`END_MARKER`; every byte
  outside the block stays identical (the file is decoded with ``surrogateescape``). A missing file
  is created; a file without markers gets the block appended (the original text stays a prefix).
* Idempotent: when nothing changed nothing is written (no mtime changes).
* Files are written atomically (temporary file + ``os.replace``; folders via a temporary folder and
  renames inside ``.claude/skills``); leftovers of an interrupted sync are removed by the next one.

The functions here do no locking; the caller serialises syncs (see ``settings_skills``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from skill_studio.core.clock import utcnow
from skill_studio.core.errors import InstallError, WorkspaceError
from skill_studio.core.fsutil import atomic_write, rmtree
from skill_studio.core.installer import check_local_name, content_hash, read_folder, write_folder

log = logging.getLogger(__name__)

BEGIN_MARKER = "<!-- skill-studio:begin -->"
"""First line of the block Skill Studio owns in ``CLAUDE.md``."""
END_MARKER = "<!-- skill-studio:end -->"
"""Last line of the block Skill Studio owns in ``CLAUDE.md``."""
MANIFEST = Path(".claude") / "skill-studio-manifest.json"
"""Workspace-relative path of the manifest of folders Skill Studio wrote."""
SKILLS_DIR = Path(".claude") / "skills"
"""Workspace-relative folder where Claude Code looks for project skills."""
TMP_PREFIX = ".skill-studio-tmp-"
"""Prefix of temporary files/folders; leftovers with it are removed by the next sync."""


@dataclass(frozen=True)
class WorkspaceSkill:
    """One skill to materialize.

    Attributes:
        local_name: folder name under ``.claude/skills``.
        name: frontmatter name (listed in ``CLAUDE.md``).
        description: one-paragraph description (listed in ``CLAUDE.md``).
        files: the skill folder, ``{relative POSIX path: bytes}``.
    """

    local_name: str
    name: str
    description: str | None
    files: Mapping[str, bytes] = field(repr=False)


@dataclass(frozen=True)
class SyncReport:
    """What one sync did.

    Attributes:
        workspace: the workspace folder.
        skills: local names materialized after the sync (and listed in ``CLAUDE.md``), sorted.
        written: folders (re)written by this sync.
        removed: folders removed by this sync (only ones Skill Studio wrote).
        claude_md_changed: whether ``CLAUDE.md`` was (re)written.
        messages: sentences for the user: name clashes, backed-up edits, a broken block.
    """

    workspace: Path
    skills: tuple[str, ...] = ()
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    claude_md_changed: bool = False
    messages: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """True when anything on disk was written or removed."""
        return bool(self.written or self.removed or self.claude_md_changed)


# -- files ---------------------------------------------------------------------------------------

def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`skill_studio.core.fsutil.atomic_write`; a
    leftover temporary file carries ``TMP_PREFIX`` and is swept by the next sync)."""
    atomic_write(path, data, tmp_prefix=TMP_PREFIX)


def _folder_hash(path: Path) -> str | None:
    """Content hash of a real folder, or None for a symlink / file / missing path."""
    if path.is_symlink() or not path.is_dir():
        return None
    return content_hash(read_folder(path))


# -- CLAUDE.md block -----------------------------------------------------------------------------

def _one_line(text: str | None) -> str:
    t = " ".join((text or "").split())
    return t.replace("<!--", "&lt;!--").replace("-->", "--&gt;")


def _from_skill_md(skill: WorkspaceSkill) -> tuple[str, str | None]:
    """Name and description as the installed ``SKILL.md`` says (what the agent reads; issue 13),
    falling back to the recorded ones when the file cannot be parsed."""
    from skill_studio.core.errors import FrontmatterError
    from skill_studio.core.frontmatter import parse_skill_md

    data = skill.files.get("SKILL.md")
    if data is not None:
        try:
            meta = parse_skill_md(data, f"{skill.local_name}/SKILL.md")
        except FrontmatterError:  # a broken file keeps the recorded text
            return skill.name, skill.description
        return meta.name, meta.description or skill.description
    return skill.name, skill.description


def render_block(skills: Sequence[WorkspaceSkill], newline: str = "\n") -> str:
    """The generated ``CLAUDE.md`` block (markers included, no trailing newline).

    Each skill is listed with the name and description of its ``SKILL.md`` (the installed file is
    the truth; the database only caches it, issue 13), else the recorded ones.

    Args:
        skills: the materialized skills, listed in the given order.
        newline: ``"\\n"`` or ``"\\r\\n"`` (matches the user's file).
    """
    lines = [BEGIN_MARKER,
             "<!-- Generated by Skill Studio from Settings → Skills. Edits inside this block are replaced "
             "on the next sync; write your own notes outside it. -->",
             "## Skills (managed by Skill Studio)",
             ""]
    if skills:
        lines.append("These skills are installed in `.claude/skills/`; read a skill's `SKILL.md` when its "
                     "description matches the task.")
        lines.append("")
        for s in skills:
            name, description = _from_skill_md(s)
            label = _one_line(name) or s.local_name
            lines.append(f"- **{label}** (`.claude/skills/{s.local_name}/SKILL.md`): {_one_line(description)}")
    else:
        lines.append("No Skill Studio skills are active.")
    lines.append(END_MARKER)
    return newline.join(lines)


def splice_block(text: str, block: str | None, *, file_label: str = "CLAUDE.md") -> str:
    """Put ``block`` in place of the marked block of ``text`` (or remove it when ``block`` is None).

    Only the characters from the begin marker to the end marker are replaced; everything before and
    after stays identical. Without markers the block is appended after a blank line (``text`` stays
    a prefix of the result). Removing the block also drops the line break and blank line that
    appending added (a file that lacked a final line break keeps the one added before the block).

    Raises:
        WorkspaceError: a begin marker without an end marker after it (the block's extent is unknown,
            so nothing is changed).
    """
    nl = "\r\n" if "\r\n" in text else "\n"
    begin = text.find(BEGIN_MARKER)
    if begin < 0:
        if block is None:
            return text
        sep = "" if not text else (nl if text.endswith("\n") else nl + nl)
        return text + sep + block + nl
    end = text.find(END_MARKER, begin + len(BEGIN_MARKER))
    if end < 0:
        raise WorkspaceError(
            f"{file_label} has the line {BEGIN_MARKER} but no {END_MARKER} after it; restore the end marker "
            "(or remove the begin marker) so Skill Studio knows which part it owns.")
    prefix, suffix = text[:begin], text[end + len(END_MARKER):]
    if block is not None:
        return prefix + block + suffix
    if suffix.startswith(nl):
        suffix = suffix[len(nl):]
    if not suffix and prefix.endswith(nl + nl):
        prefix = prefix[: -len(nl)]
    return prefix + suffix


def _update_claude_md(workspace: Path, block: str | None, messages: list[str]) -> bool:
    """Rewrite the block of ``<workspace>/CLAUDE.md`` when it differs; returns True when written."""
    path = workspace / "CLAUDE.md"
    exists = path.is_file()
    if not exists and block is None:
        return False
    old = path.read_bytes() if exists else b""
    text = old.decode("utf-8", "surrogateescape")
    if block is not None and "\r\n" in text:
        block = block.replace("\n", "\r\n")
    try:
        new_text = splice_block(text, block, file_label=str(path))
    except WorkspaceError as exc:
        messages.append(str(exc))
        return False
    new = new_text.encode("utf-8", "surrogateescape")
    if exists and new == old:
        return False
    if block is None and not new:
        path.unlink()
        return True
    atomic_write_bytes(path, new)
    return True


# -- manifest ------------------------------------------------------------------------------------

def _load_manifest(workspace: Path, messages: list[str]) -> dict[str, str] | None:
    """The manifest's ``{name: hash}``; ``{}`` when absent; None when present but unreadable."""
    path = workspace / MANIFEST
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text("utf-8"))
        skills = data["skills"]
        if not isinstance(skills, dict):
            raise ValueError("'skills' is not an object")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        messages.append(f"{path} is unreadable ({exc}); only folders identical to an active skill are adopted.")
        return None
    out: dict[str, str] = {}
    for name, digest in skills.items():
        try:
            check_local_name(name)
        except InstallError:
            log.warning("ignoring unsafe name %r in %s", name, path)
            continue
        if isinstance(digest, str):
            out[name] = digest
    return out


def _save_manifest(workspace: Path, manifest: dict[str, str]) -> None:
    path = workspace / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"format": 1, "generator": "skill-studio",
            "note": "Folders of .claude/skills written by Skill Studio; it never touches others.",
            "skills": dict(sorted(manifest.items()))}
    atomic_write_bytes(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))


# -- sync ----------------------------------------------------------------------------------------

def _backup(path: Path, backups: Path, name: str) -> Path:
    target = backups / "workspace" / name / f"{utcnow().replace(':', '')}-{uuid.uuid4().hex[:6]}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(path), str(target))
    return target


def _retire(folder: Path, written_hash: str, backups: Path, messages: list[str]) -> bool:
    """Take a skill folder Skill Studio wrote out of the workspace, keeping edits made there.

    Args:
        folder: ``<workspace>/.claude/skills/<name>``.
        written_hash: the content hash recorded in the manifest when it was written.
        backups: the data backups folder; an edited folder is moved under ``workspace/<name>/``.
        messages: gets a sentence naming the backup when the folder had edits.

    Returns:
        True when there was something at ``folder`` (now removed or moved), False when it was gone.
    """
    if not (folder.exists() or folder.is_symlink()):
        return False
    if _folder_hash(folder) != written_hash:
        where = _backup(folder, backups, folder.name)
        messages.append(f"{folder} had edits made in the workspace; they were moved to {where}.")
    else:
        rmtree(folder)
    return True


def _write_skill_folder(skills_dir: Path, name: str, files: Mapping[str, bytes]) -> None:
    tmp = skills_dir / f"{TMP_PREFIX}{uuid.uuid4().hex}"
    write_folder(tmp, files)
    final = skills_dir / name
    old: Path | None = None
    try:
        if final.exists() or final.is_symlink():
            old = skills_dir / f"{TMP_PREFIX}{uuid.uuid4().hex}-old"
            os.rename(final, old)
        os.rename(tmp, final)
    except BaseException:
        if old is not None and old.exists() and not final.exists():
            os.rename(old, final)
        rmtree(tmp)
        raise
    if old is not None:
        rmtree(old)


def ensure_workspace(workspace: Path) -> None:
    """Create the workspace folder when missing.

    Raises:
        WorkspaceError: the path is a file, or the folder cannot be created.
    """
    if workspace.exists() and not workspace.is_dir():
        raise WorkspaceError(f"The workspace {workspace} is not a folder.")
    try:
        workspace.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorkspaceError(f"The workspace {workspace} cannot be created: {exc.strerror or exc}.") from None


def sync_workspace(workspace: Path, skills: Sequence[WorkspaceSkill], backups: Path) -> SyncReport:
    """Make ``workspace`` hold exactly ``skills`` in ``.claude/skills`` and list them in ``CLAUDE.md``
    (R-IMP-6); see the module docstring for the rules.

    Args:
        workspace: the workspace folder (created when missing).
        skills: the active Settings skills, in any order (listed sorted by local name).
        backups: the app's backups folder; edited workspace copies are moved below ``workspace/``.

    Returns:
        A :class:`SyncReport`; ``report.changed`` is False when nothing needed writing.

    Raises:
        WorkspaceError: the workspace is not a folder or cannot be created.
        OSError: a write failed (disk full, permissions); what was written stays consistent.
    """
    ensure_workspace(workspace)
    messages: list[str] = []
    skills_dir = workspace / SKILLS_DIR
    if skills_dir.is_dir():
        for leftover in skills_dir.glob(f"{TMP_PREFIX}*"):
            rmtree(leftover)
    loaded = _load_manifest(workspace, messages)
    manifest = dict(loaded or {})
    desired = {s.local_name: s for s in sorted(skills, key=lambda s: s.local_name)}
    written: list[str] = []
    removed: list[str] = []

    for name in sorted(set(manifest) - set(desired)):
        if _retire(skills_dir / name, manifest[name], backups, messages):
            removed.append(name)
        del manifest[name]

    materialized: list[WorkspaceSkill] = []
    for name, skill in desired.items():
        if "SKILL.md" not in skill.files:
            messages.append(f"{name}: the installed folder has no SKILL.md; it was not put in the workspace.")
            manifest.pop(name, None)
            continue
        folder = skills_dir / name
        want = content_hash(skill.files)
        present = folder.exists() or folder.is_symlink()
        current = _folder_hash(folder) if present else None
        if name in manifest:
            if current == want:
                manifest[name] = want
                materialized.append(skill)
                continue
            if present and current != manifest[name]:
                where = _backup(folder, backups, name)
                messages.append(f"{folder} had edits made in the workspace; they were moved to {where}.")
        elif present:
            if current == want:  # identical content: adopt it (e.g. the manifest was lost)
                manifest[name] = want
                materialized.append(skill)
                continue
            messages.append(f"{folder} exists and was not written by Skill Studio; it was left alone, so the "
                            f"skill {name!r} is not in the workspace. Rename one of them to wire it in.")
            continue
        skills_dir.mkdir(parents=True, exist_ok=True)
        _write_skill_folder(skills_dir, name, skill.files)
        manifest[name] = want
        written.append(name)
        materialized.append(skill)

    if loaded is None or manifest != loaded:
        _save_manifest(workspace, manifest)
    changed_md = _update_claude_md(workspace, render_block(materialized), messages)
    return SyncReport(workspace=workspace, skills=tuple(s.local_name for s in materialized),
                      written=tuple(written), removed=tuple(removed), claude_md_changed=changed_md,
                      messages=tuple(messages))


def unwire_workspace(workspace: Path, backups: Path) -> SyncReport:
    """Remove everything Skill Studio put in ``workspace``: its skill folders (per the manifest; edited
    ones are backed up), the manifest, and the ``CLAUDE.md`` block. Used when the workspace moves.

    Returns:
        A :class:`SyncReport` (``skills`` is empty). A missing workspace is a no-op.
    """
    if not workspace.is_dir():
        return SyncReport(workspace=workspace)
    messages: list[str] = []
    manifest = _load_manifest(workspace, messages) or {}
    skills_dir = workspace / SKILLS_DIR
    removed: list[str] = []
    for name in sorted(manifest):
        if _retire(skills_dir / name, manifest[name], backups, messages):
            removed.append(name)
    (workspace / MANIFEST).unlink(missing_ok=True)
    changed_md = _update_claude_md(workspace, None, messages)
    return SyncReport(workspace=workspace, removed=tuple(removed), claude_md_changed=changed_md,
                      messages=tuple(messages))
