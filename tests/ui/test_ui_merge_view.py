"""The merge view (ui/merge_view.py, issue 13): three panes, choose a side or edit, keyboard only."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from uitools import *  # noqa: F403 - GUI fixtures and helpers

from skill_studio.core.merge import merge_skill
from skill_studio.ui.merge_view import MergeView

pytestmark = pytest.mark.gui

BODY = b"".join(f"line {i}\n".encode() for i in range(1, 9))


def _conflicted():
    head = b"---\nname: demo\ndescription: %s\nversion: 1.0.0\n---\n"
    base = {"SKILL.md": head % b"Base." + BODY, "logo.png": b"\0base"}
    ours = {"SKILL.md": head % b"Mine." + BODY.replace(b"line 2\n", b"my line 2\n").replace(b"line 8\n", b"mine 8\n"),
            "logo.png": b"\0ours"}
    theirs = {"SKILL.md": (head % b"Theirs.").replace(b"1.0.0", b"1.1.0") + BODY.replace(b"line 2\n", b"their 2\n"),
              "logo.png": b"\0theirs"}
    return merge_skill(base, ours, theirs), ours, theirs


def alt(qtbot, key: Qt.Key) -> None:
    """Press Alt+key where the keyboard focus is."""
    qtbot.keyClick(QApplication.focusWidget() or QApplication.activeWindow(), key, Qt.KeyboardModifier.AltModifier)


def _view(qtbot) -> MergeView:
    result, _, _ = _conflicted()
    view = MergeView("demo", [f for f in result.merged if f.conflicts])
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view, timeout=2000)
    return view


def test_three_panes_with_changed_lines_marked_and_nothing_applied_until_all_resolved(qtbot) -> None:
    view = _view(qtbot)
    assert [view.file_list.item(i).text().split()[0] for i in range(view.file_list.count())] == ["SKILL.md", "logo.png"]
    assert view.unresolved() == 3 and not view.apply_button.isEnabled()
    assert "my line 2" in view.ours_edit.toPlainText() and "their 2" in view.theirs_edit.toPlainText()
    result = view.result_edit.toPlainText()
    assert "mine 8" in result and "version: 1.1.0" in result  # clean parts already merged
    assert len(view.ours_edit.extraSelections()) == 3  # description, line 2, line 8 differ from the base
    assert view.result_edit.extraSelections()  # origins marked
    assert view.result_edit.isReadOnly()
    view.accept()
    assert view.result() != QDialog.DialogCode.Accepted  # refuses while conflicts are open


def test_resolve_by_side_and_by_editing_from_the_keyboard(qtbot) -> None:
    view = _view(qtbot)
    # first conflict: the description (frontmatter key); Alt+U takes upstream's
    assert "description" in view.conflict_list.item(0).text()
    alt(qtbot, Qt.Key.Key_U)  # a mnemonic clicks after a short animation
    qtbot.waitUntil(lambda: view.unresolved() == 2)
    assert view.current_conflict() == 1  # moved on to the next open conflict
    # second: line 2 — edit it
    alt(qtbot, Qt.Key.Key_E)
    qtbot.waitUntil(view.editor.isVisible)
    assert view.editor.isVisible() and view.editor.toPlainText() == "my line 2\n"
    view.editor.selectAll()
    qtbot.keyClicks(view.editor, "both line 2")
    alt(qtbot, Qt.Key.Key_K)
    qtbot.waitUntil(lambda: "both line 2\n" in view.result_edit.toPlainText())
    # F8 goes to the binary file; Alt+Y keeps ours
    qtbot.keyClick(QApplication.focusWidget() or view, Qt.Key.Key_F8)
    assert view.current_file().path == "logo.png"
    alt(qtbot, Qt.Key.Key_Y)
    qtbot.waitUntil(lambda: view.unresolved() == 0)
    assert view.unresolved() == 0 and view.apply_button.isEnabled()
    res = view.resolutions()
    assert res["logo.png"] == b"\0ours"
    skill_md = res["SKILL.md"].decode()
    assert "description: Theirs." in skill_md and "both line 2\n" in skill_md and "mine 8\n" in skill_md
    assert "version: 1.1.0" in skill_md
    qtbot.keyClick(view.apply_button, Qt.Key.Key_Return)
    assert view.result() == QDialog.DialogCode.Accepted
