"""The update review of a customized skill offers a merge (issue 13): *Merge (keeps your edits)* is
the default when clean; with conflicts the merge view opens, and nothing is written until it is
confirmed. Same fake marketplace as test_ui_updates.py."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox
from test_ui_updates import (  # noqa: F401 - fixtures and helpers of the update tests
    LIB,
    accept_preview,
    acme,
    astudio,
    checked_window,
    confirm,
    edit,
    install,
    note,
    publish_v2,
)
from uitools import *  # noqa: F403 - GUI fixtures and helpers

pytestmark = [pytest.mark.gui, pytest.mark.integration]


def test_clean_merge_is_the_default_and_keeps_the_edit(qtbot, acme, astudio, make_window) -> None:  # noqa: F811
    install(astudio, LIB, "alpha")
    md = edit(astudio, LIB, "alpha", "")
    md.write_text(md.read_text(encoding="utf-8").replace("# alpha\n", "# alpha, our way\n"), encoding="utf-8")
    publish_v2(acme)  # 1.0.0 → 1.1.0, a new last line
    win = checked_window(qtbot, make_window, astudio)
    assert win.library.select("alpha")
    win.library.update_button.click()
    accept_preview(qtbot, win)  # issue 14's update review comes first
    qtbot.waitUntil(lambda: win.update_center.confirm_box is not None and win.update_center.confirm_box.isVisible())
    box = win.update_center.confirm_box
    assert isinstance(box, QMessageBox)
    assert box.defaultButton().text() == "Merge (keeps your edits)"
    assert "keeps your edits" in box.informativeText()
    confirm(qtbot, win, "Merge (keeps your edits)")
    qtbot.waitUntil(lambda: astudio.store.skill(LIB, "alpha").version == "1.1.0", timeout=15000)
    text = md.read_text(encoding="utf-8")
    assert "# alpha, our way\n" in text and "New step.\n" in text and '"1.1.0"' in text
    qtbot.waitUntil(lambda: "merged with your edits" in note(win, f"update-{LIB.value}").text)
    qtbot.waitUntil(lambda: not win.update_center.busy(LIB, "alpha"))


def test_conflicts_open_the_merge_view_and_nothing_is_written_until_confirmed(qtbot, acme, astudio, make_window) -> None:  # noqa: F811
    install(astudio, LIB, "alpha")
    md = edit(astudio, LIB, "alpha", "My house rule.\n")  # upstream adds its own last line: a conflict
    edited = md.read_text(encoding="utf-8")
    publish_v2(acme)
    win = checked_window(qtbot, make_window, astudio)
    assert win.library.select("alpha")
    win.library.update_button.click()
    accept_preview(qtbot, win)  # issue 14's update review comes first
    qtbot.waitUntil(lambda: win.update_center.confirm_box is not None and win.update_center.confirm_box.isVisible())
    assert win.update_center.confirm_box.defaultButton().text() == "Cancel"  # not clean: no default merge
    confirm(qtbot, win, "Merge… (1 conflict to resolve)")
    qtbot.waitUntil(lambda: win.update_center.merge_view is not None and win.update_center.merge_view.isVisible())
    view = win.update_center.merge_view
    assert "My house rule." in view.ours_edit.toPlainText() and "New step." in view.theirs_edit.toPlainText()
    assert not view.apply_button.isEnabled()
    view.choose("theirs")
    assert md.read_text(encoding="utf-8") == edited  # nothing written before the confirmation
    view.apply_button.click()
    qtbot.waitUntil(lambda: astudio.store.skill(LIB, "alpha").version == "1.1.0", timeout=15000)
    text = md.read_text(encoding="utf-8")
    assert "New step.\n" in text and "My house rule." not in text and '"1.1.0"' in text
    qtbot.waitUntil(lambda: note(win, f"update-{LIB.value}").title == "Updated alpha in Skill Library")
    qtbot.waitUntil(lambda: not win.update_center.busy(LIB, "alpha"))


def test_cancelling_the_merge_view_changes_nothing(qtbot, acme, astudio, make_window) -> None:  # noqa: F811
    install(astudio, LIB, "alpha")
    md = edit(astudio, LIB, "alpha", "My house rule.\n")
    edited = md.read_text(encoding="utf-8")
    publish_v2(acme)
    win = checked_window(qtbot, make_window, astudio)
    assert win.library.select("alpha")
    win.library.update_button.click()
    accept_preview(qtbot, win)  # issue 14's update review comes first
    confirm(qtbot, win, "Merge… (1 conflict to resolve)")
    qtbot.waitUntil(lambda: win.update_center.merge_view is not None and win.update_center.merge_view.isVisible())
    win.update_center.merge_view.reject()
    qtbot.waitUntil(lambda: note(win, f"update-{LIB.value}").title == "Merge cancelled")
    assert md.read_text(encoding="utf-8") == edited and astudio.store.skill(LIB, "alpha").version == "1.0.0"
