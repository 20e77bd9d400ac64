"""The agent workspace (R-IMP-6): active skills materialized in .claude/skills and listed in a marked
CLAUDE.md block; user text and user folders never touched; idempotent; atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from skill_studio.core.installer import content_hash, read_folder
from skill_studio.core.workspace import (
    BEGIN_MARKER,
    END_MARKER,
    MANIFEST,
    SKILLS_DIR,
    TMP_PREFIX,
    WorkspaceError,
    WorkspaceSkill,
    render_block,
    splice_block,
    sync_workspace,
    unwire_workspace,
)


def skill(name: str, description: str = "Does things.", extra: dict[str, bytes] | None = None) -> WorkspaceSkill:
    files = {"SKILL.md": f"---\nname: {name}\ndescription: {description}\n---\n# {name}\n".encode()}
    files.update(extra or {})
    return WorkspaceSkill(name, name, description, files)


def snapshot(root: Path) -> dict[str, tuple[bytes | str, int]]:
    """Every file and folder below root with its content and mtime (ns)."""
    out: dict[str, tuple[bytes | str, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            p = Path(dirpath) / d
            out[str(p.relative_to(root)) + "/"] = ("dir", p.lstat().st_mtime_ns)
        for f in filenames:
            p = Path(dirpath) / f
            out[str(p.relative_to(root))] = (p.read_bytes() if not p.is_symlink() else "link", p.lstat().st_mtime_ns)
    return out


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return tmp_path / "workspace"


@pytest.fixture
def backups(tmp_path: Path) -> Path:
    return tmp_path / "backups"


def listed(ws: Path) -> list[str]:
    text = (ws / "CLAUDE.md").read_text()
    block = text[text.index(BEGIN_MARKER):text.index(END_MARKER)]
    return [line.split("`.claude/skills/")[1].split("/")[0] for line in block.splitlines() if line.startswith("- **")]


def test_first_sync_creates_folders_manifest_and_claude_md(ws: Path, backups: Path) -> None:
    a = skill("alpha", extra={"references/x.md": b"ref"})
    r = sync_workspace(ws, [skill("beta"), a], backups)
    assert r.skills == ("alpha", "beta") and set(r.written) == {"alpha", "beta"} and r.claude_md_changed
    assert sorted(p.name for p in (ws / SKILLS_DIR).iterdir()) == ["alpha", "beta"]
    assert read_folder(ws / SKILLS_DIR / "alpha") == dict(a.files)
    assert listed(ws) == ["alpha", "beta"]
    text = (ws / "CLAUDE.md").read_text()
    assert text.startswith(BEGIN_MARKER) and text.endswith(END_MARKER + "\n")
    assert "Does things." in text
    manifest = json.loads((ws / MANIFEST).read_text())
    assert manifest["skills"] == {"alpha": content_hash(a.files), "beta": content_hash(skill("beta").files)}


def test_second_sync_changes_nothing_not_even_mtimes(ws: Path, backups: Path) -> None:
    skills = [skill("alpha"), skill("beta")]
    sync_workspace(ws, skills, backups)
    before = snapshot(ws)
    r = sync_workspace(ws, skills, backups)
    assert not r.changed and r.written == () and r.removed == () and r.messages == ()
    assert snapshot(ws) == before


def test_user_text_before_and_after_block_is_byte_identical(ws: Path, backups: Path) -> None:
    ws.mkdir()
    before = "# My project\r\n\r\nUse tabs. Ünïcödé \x00 stays.\r\n\r\n"
    after = "\r\n## My notes after\r\nkeep me\r\n"
    raw_before = before.encode() + b"\xff\xfe raw bytes\r\n"  # not even UTF-8
    (ws / "CLAUDE.md").write_bytes(raw_before + f"{BEGIN_MARKER}\r\nold stuff\r\n{END_MARKER}".encode() + after.encode())
    sync_workspace(ws, [skill("alpha")], backups)
    data = (ws / "CLAUDE.md").read_bytes()
    assert data.startswith(raw_before + BEGIN_MARKER.encode())
    assert data.endswith(END_MARKER.encode() + after.encode())
    assert b"old stuff" not in data and b"alpha" in data
    block = data[len(raw_before):len(data) - len(after)]
    assert b"\r\n" in block and b"\n" not in block.replace(b"\r\n", b"")  # follows the file's CRLF

    sync_workspace(ws, [], backups)  # deactivating everything: block lists none, user text intact
    data = (ws / "CLAUDE.md").read_bytes()
    assert data.startswith(raw_before) and data.endswith(after.encode()) and b"alpha" not in data


def test_file_without_markers_gets_block_appended(ws: Path, backups: Path) -> None:
    ws.mkdir()
    original = b"# Notes\nno newline at the end"
    (ws / "CLAUDE.md").write_bytes(original)
    sync_workspace(ws, [skill("alpha")], backups)
    data = (ws / "CLAUDE.md").read_bytes()
    assert data.startswith(original + b"\n\n" + BEGIN_MARKER.encode())
    assert listed(ws) == ["alpha"]
    # taking the workspace down gives the user's text back (plus the final line break it lacked)
    unwire_workspace(ws, backups)
    assert (ws / "CLAUDE.md").read_bytes() == original + b"\n"


def test_append_then_unwire_restores_a_normal_file_exactly(ws: Path, backups: Path) -> None:
    ws.mkdir()
    original = b"# Notes\n\n- use uv\n"
    (ws / "CLAUDE.md").write_bytes(original)
    sync_workspace(ws, [skill("alpha")], backups)
    assert (ws / "CLAUDE.md").read_bytes().startswith(original + b"\n" + BEGIN_MARKER.encode())
    unwire_workspace(ws, backups)
    assert (ws / "CLAUDE.md").read_bytes() == original


def test_block_missing_end_marker_is_left_alone_with_a_message(ws: Path, backups: Path) -> None:
    ws.mkdir()
    broken = f"intro\n{BEGIN_MARKER}\nmy text the user wrote later\n".encode()
    (ws / "CLAUDE.md").write_bytes(broken)
    r = sync_workspace(ws, [skill("alpha")], backups)
    assert (ws / "CLAUDE.md").read_bytes() == broken
    assert any("no " + END_MARKER in m for m in r.messages)
    assert (ws / SKILLS_DIR / "alpha" / "SKILL.md").is_file()
    with pytest.raises(WorkspaceError, match="end marker"):
        splice_block(broken.decode(), "x")


def test_deactivated_skill_leaves_folder_and_list(ws: Path, backups: Path) -> None:
    sync_workspace(ws, [skill("alpha"), skill("beta")], backups)
    r = sync_workspace(ws, [skill("beta")], backups)
    assert r.removed == ("alpha",) and r.skills == ("beta",)
    assert not (ws / SKILLS_DIR / "alpha").exists()
    assert listed(ws) == ["beta"]
    assert "alpha" not in json.loads((ws / MANIFEST).read_text())["skills"]


def test_user_folders_are_never_touched(ws: Path, backups: Path) -> None:
    mine = ws / SKILLS_DIR / "mine"
    mine.mkdir(parents=True)
    (mine / "SKILL.md").write_text("my own skill")
    clash = ws / SKILLS_DIR / "alpha"
    clash.mkdir()
    (clash / "SKILL.md").write_text("my own alpha")
    r = sync_workspace(ws, [skill("alpha"), skill("beta")], backups)
    assert (mine / "SKILL.md").read_text() == "my own skill"
    assert (clash / "SKILL.md").read_text() == "my own alpha"
    assert r.skills == ("beta",) and listed(ws) == ["beta"]
    assert any("not written by Skill Studio" in m and "alpha" in m for m in r.messages)
    sync_workspace(ws, [], backups)
    assert (mine / "SKILL.md").read_text() == "my own skill" and (clash / "SKILL.md").read_text() == "my own alpha"


def test_identical_folder_is_adopted_when_manifest_is_lost(ws: Path, backups: Path) -> None:
    sync_workspace(ws, [skill("alpha")], backups)
    (ws / MANIFEST).unlink()
    r = sync_workspace(ws, [skill("alpha")], backups)
    assert r.skills == ("alpha",) and r.written == () and r.messages == ()
    assert json.loads((ws / MANIFEST).read_text())["skills"].keys() == {"alpha"}


def test_corrupt_manifest_is_reported_and_rewritten(ws: Path, backups: Path) -> None:
    sync_workspace(ws, [skill("alpha")], backups)
    (ws / MANIFEST).write_text("{not json")
    r = sync_workspace(ws, [skill("alpha")], backups)
    assert any("unreadable" in m for m in r.messages)
    assert json.loads((ws / MANIFEST).read_text())["skills"].keys() == {"alpha"}
    assert sync_workspace(ws, [skill("alpha")], backups).messages == ()


def test_edits_in_workspace_copy_are_backed_up_not_lost(ws: Path, backups: Path) -> None:
    sync_workspace(ws, [skill("alpha"), skill("beta")], backups)
    (ws / SKILLS_DIR / "alpha" / "SKILL.md").write_text("edited in the workspace")
    (ws / SKILLS_DIR / "beta" / "notes.md").write_text("my note")
    r = sync_workspace(ws, [skill("alpha")], backups)  # alpha re-written, beta removed
    assert (ws / SKILLS_DIR / "alpha" / "SKILL.md").read_bytes() == skill("alpha").files["SKILL.md"]
    assert not (ws / SKILLS_DIR / "beta").exists()
    saved = {p.relative_to(backups).parts[1]: p for p in backups.rglob("*") if p.is_file()}
    assert saved["alpha"].read_text() == "edited in the workspace"
    assert any(p.name == "notes.md" and p.read_text() == "my note" for p in backups.rglob("*"))
    assert sum("moved to" in m for m in r.messages) == 2


def test_updated_skill_is_rewritten(ws: Path, backups: Path) -> None:
    sync_workspace(ws, [skill("alpha", "Old description.")], backups)
    r = sync_workspace(ws, [skill("alpha", "New description.")], backups)
    assert r.written == ("alpha",) and r.claude_md_changed
    assert "New description." in (ws / "CLAUDE.md").read_text()
    assert "New description." in (ws / SKILLS_DIR / "alpha" / "SKILL.md").read_text()


def test_deleted_folder_is_rewritten(ws: Path, backups: Path) -> None:
    sync_workspace(ws, [skill("alpha")], backups)
    import shutil
    shutil.rmtree(ws / SKILLS_DIR / "alpha")
    assert sync_workspace(ws, [skill("alpha")], backups).written == ("alpha",)


def test_leftover_temporary_folders_are_cleaned(ws: Path, backups: Path) -> None:
    sync_workspace(ws, [skill("alpha")], backups)
    stale = ws / SKILLS_DIR / f"{TMP_PREFIX}deadbeef"
    stale.mkdir()
    (stale / "half.md").write_text("half written")
    sync_workspace(ws, [skill("alpha")], backups)
    assert not stale.exists()


def test_unsafe_manifest_names_never_delete_outside(ws: Path, backups: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("keep")
    (ws / ".claude").mkdir(parents=True)
    (ws / MANIFEST).write_text(json.dumps({"skills": {"../../victim": "x", "..": "y", "/etc": "z"}}))
    sync_workspace(ws, [], backups)
    assert (victim / "precious.txt").read_text() == "keep"


def test_symlinked_claude_md_updates_target(ws: Path, backups: Path, tmp_path: Path) -> None:
    ws.mkdir()
    real = tmp_path / "shared-claude.md"
    real.write_text("shared intro\n")
    (ws / "CLAUDE.md").symlink_to(real)
    sync_workspace(ws, [skill("alpha")], backups)
    assert (ws / "CLAUDE.md").is_symlink()
    assert real.read_text().startswith("shared intro\n\n" + BEGIN_MARKER)


def test_claude_md_keeps_permissions(ws: Path, backups: Path) -> None:
    ws.mkdir()
    (ws / "CLAUDE.md").write_text("x\n")
    os.chmod(ws / "CLAUDE.md", 0o640)
    sync_workspace(ws, [skill("alpha")], backups)
    assert (ws / "CLAUDE.md").stat().st_mode & 0o777 == 0o640


def test_workspace_that_is_a_file_is_refused(tmp_path: Path, backups: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(WorkspaceError, match="not a folder"):
        sync_workspace(f, [skill("alpha")], backups)


def test_descriptions_cannot_break_the_markers() -> None:
    s = WorkspaceSkill("evil", "evil", f"multi\nline {END_MARKER} <!-- x -->", {"SKILL.md": b"x"})
    block = render_block([s])
    assert block.count(END_MARKER) == 1 and block.count(BEGIN_MARKER) == 1
    assert "multi line" in block


def test_unwire_removes_only_what_skill_studio_wrote(ws: Path, backups: Path) -> None:
    (ws / SKILLS_DIR / "mine").mkdir(parents=True)
    (ws / "CLAUDE.md").write_text(f"top\n\n{BEGIN_MARKER}\nold\n{END_MARKER}\nbottom\n")
    sync_workspace(ws, [skill("alpha")], backups)
    r = unwire_workspace(ws, backups)
    assert r.removed == ("alpha",)
    assert sorted(p.name for p in (ws / SKILLS_DIR).iterdir()) == ["mine"]
    assert not (ws / MANIFEST).exists()
    assert (ws / "CLAUDE.md").read_text() == "top\n\nbottom\n"


def test_claude_md_created_only_by_us_is_deleted_by_unwire(ws: Path, backups: Path) -> None:
    sync_workspace(ws, [skill("alpha")], backups)
    unwire_workspace(ws, backups)
    assert not (ws / "CLAUDE.md").exists()


def test_claude_md_lists_the_description_the_installed_skill_md_says() -> None:
    """Issue 13: the installed files are the truth; the database's text only fills in for a broken file."""
    edited = WorkspaceSkill("notes", "notes", "Old text from the database.",
                            {"SKILL.md": b"---\nname: notes\ndescription: Edited in the file.\n---\nbody\n"})
    broken = WorkspaceSkill("other", "other", "Recorded text.", {"SKILL.md": b"no frontmatter"})
    block = render_block([edited, broken])
    assert "Edited in the file." in block and "Old text" not in block
    assert "Recorded text." in block
