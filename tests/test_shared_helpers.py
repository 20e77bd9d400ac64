"""The helpers that several features share (one home each): folder replacement and file diffs."""

from __future__ import annotations

from pathlib import Path

import pytest

from skill_studio.core.diffs import diff_label, text_or_none, unified_diff
from skill_studio.core.fsutil import replace_folder
from skill_studio.core.review import SkillFile, update_preview

PREFIX = ".tmp-test-"


def _write(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir()
    for rel, data in files.items():
        (folder / rel).write_bytes(data)


def test_replace_folder_swaps_in_new_content_and_sweeps_leftovers(tmp_path: Path) -> None:
    (tmp_path / "skill").mkdir()
    (tmp_path / "skill" / "old.md").write_text("old")
    (tmp_path / f"{PREFIX}leftover").mkdir()
    replace_folder(tmp_path, "skill", lambda tmp: _write(tmp, {"new.md": b"new"}), tmp_prefix=PREFIX, sweep=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["skill"]
    assert [p.name for p in (tmp_path / "skill").iterdir()] == ["new.md"]


def test_replace_folder_keeps_the_old_folder_when_building_fails(tmp_path: Path) -> None:
    (tmp_path / "skill").mkdir()
    (tmp_path / "skill" / "old.md").write_text("old")

    def make(tmp: Path) -> None:
        _write(tmp, {"half.md": b"half"})
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        replace_folder(tmp_path, "skill", make, tmp_prefix=PREFIX)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["skill"]
    assert (tmp_path / "skill" / "old.md").read_text() == "old"


def test_unified_diff_shapes() -> None:
    assert unified_diff("a.md", b"x\n", b"x\n") == ""
    assert unified_diff("a.md", b"x\n", b"y") == (
        "--- a/a.md\n+++ b/a.md\n@@ -1 +1 @@\n-x\n+y\n\\ No newline at end of file\n")
    assert unified_diff("new.md", None, b"") == "Empty file b/new.md added\n"
    assert unified_diff("logo.png", b"\x89PNG\0", None) == "Binary files a/logo.png and /dev/null differ\n"
    assert text_or_none(None) == "" and text_or_none(b"\xff") is None


def test_a_file_name_cannot_forge_diff_headers_in_the_update_review() -> None:
    evil = "x\n+++ b/SKILL.md"
    assert diff_label("a/", evil) == '"a/x\\n+++ b/SKILL.md"'
    preview = update_preview([], [SkillFile(evil, 3, "100644", b"hi\n")])
    (change,) = preview.files
    assert change.diff.splitlines()[:2] == ["--- /dev/null", '+++ "b/x\\n+++ b/SKILL.md"']
