"""Fresh state (issue 15, Deliver 6): after *Update all*, a rollback and an uninstall, the update
card's count, the dashboard badges and the browse dialog's details show the new state; a
content-only update reads "2.0.0 (changed upstream)", never "2.0.0 → 2.0.0"."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox
from test_ui_updates import (  # the update scenario (acme/market v1 → v2) and its helpers
    LIB,
    REGISTRY,
    accept_preview,
    acme,  # noqa: F401 - fixture
    astudio,  # noqa: F401 - fixture
    checked_window,
    confirm,
    install,
    note,
    publish_v2,
    row,
)
from uitools import tab_of, wait_loaded

from skill_studio.app.studio import SkillStudio
from skill_studio.ui.update_center import UPDATES_KEY

pytestmark = [pytest.mark.gui, pytest.mark.integration]


def test_update_all_then_rollback_then_remove_keep_every_view_fresh(qtbot, acme, astudio: SkillStudio,  # noqa: F811
                                                                   make_window, monkeypatch) -> None:
    install(astudio, LIB, "alpha", "beta")
    publish_v2(acme)
    win = checked_window(qtbot, make_window, astudio)
    page = win.library
    assert note(win, UPDATES_KEY).title == "2 updates available"
    qtbot.waitUntil(lambda: page.update_all_button.isVisible())
    assert page.update_all_button.text() == "Update all (2)"

    # Update all: both updated; the content-only one reads "(changed upstream)".
    page.update_all_button.click()
    accept_preview(qtbot, win)
    qtbot.waitUntil(lambda: note(win, f"update-{LIB.value}").title == "Updated 2 skills in Skill Library",
                    timeout=15000)
    text = note(win, f"update-{LIB.value}").text
    assert "alpha: 1.0.0 → 1.1.0" in text and "beta: 2.0.0 (changed upstream)" in text
    assert "2.0.0 → 2.0.0" not in text
    qtbot.waitUntil(lambda: not row(win, LIB, "alpha").update_available and row(win, LIB, "alpha").skill.version == "1.1.0")
    assert not page.update_all_button.isVisible()
    assert win.notifications.card(UPDATES_KEY) is None or "available" not in note(win, UPDATES_KEY).title

    # The browse dialog's details show the installed version now.
    dialog = win.open_browse(LIB)
    wait_loaded(qtbot, dialog)
    tab = tab_of(dialog, REGISTRY)
    assert tab.select(["toolkit:alpha"]) == 1
    qtbot.waitUntil(lambda: "installed as</b> alpha 1.1.0" in tab.details.meta.text())

    # Roll back alpha: its badge, the card's count and the open dialog's details follow.
    win.update_center.rollback(LIB, "alpha")
    confirm(qtbot, win, "Roll back")
    qtbot.waitUntil(lambda: astudio.store.skill(LIB, "alpha").version == "1.0.0", timeout=15000)
    qtbot.waitUntil(lambda: row(win, LIB, "alpha").update_available and row(win, LIB, "alpha").skill.version == "1.0.0")
    qtbot.waitUntil(lambda: win.notifications.card(UPDATES_KEY) is not None
                    and "1 update available" in note(win, UPDATES_KEY).title)
    qtbot.waitUntil(lambda: "installed as</b> alpha 1.0.0" in tab.details.meta.text())
    assert page.update_all_button.isVisible() and page.update_all_button.text() == "Update all (1)"

    # Remove alpha: the pending update goes with it, everywhere.
    monkeypatch.setattr(QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.Yes)
    assert page.select("alpha") and page.remove_selected()
    qtbot.waitUntil(lambda: page.model.find("alpha") < 0, timeout=10000)
    qtbot.waitUntil(lambda: win.notifications.card(UPDATES_KEY) is None
                    or "available" not in note(win, UPDATES_KEY).title)
    assert not page.update_all_button.isVisible()
    qtbot.waitUntil(lambda: "installed as" not in tab.details.meta.text())
    dialog.close()
