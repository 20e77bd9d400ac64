"""The notification area later issues post into: levels, actions, keys, persistence."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QVBoxLayout, QWidget

from skill_studio.ui.notifications import Level, NotificationArea

pytestmark = pytest.mark.gui


def test_post_action_and_dismiss(qtbot) -> None:
    host = QWidget()
    qtbot.addWidget(host)
    area = NotificationArea(host)
    QVBoxLayout(host).addWidget(area)
    host.show()
    assert not area.isVisible()  # hidden while empty
    clicked: list[str] = []
    key = area.post(Level.ERROR, "Update check failed", "GitHub rate limit exceeded.",
                    actions=[("Retry", lambda: clicked.append("retry"))], persistent=True, key="update-check")
    assert key == "update-check" and area.isVisible()
    card = area.card(key)
    assert card is not None and card.property("level") == "error"
    assert card.title_label.text() == "Update check failed"
    card.action_buttons[0].click()
    assert clicked == ["retry"] and area.card(key) is card  # an action does not dismiss by itself
    with qtbot.waitSignal(area.dismissed) as sig:
        card.close_button.click()
    assert sig.args == ["update-check"]
    assert area.notifications() == [] and not area.isVisible()
    assert not area.dismiss("update-check")


def test_same_key_replaces_in_place_and_newest_first(qtbot) -> None:
    area = NotificationArea()
    qtbot.addWidget(area)
    area.post("info", "first", key="a")
    area.post(Level.WARNING, "second", key="b")
    area.post(Level.SUCCESS, "first again", key="a")
    notes = area.notifications()
    assert [n.title for n in notes] == ["second", "first again"]
    assert notes[1].level is Level.SUCCESS


def test_non_persistent_cards_expire_and_old_ones_are_trimmed(qtbot) -> None:
    area = NotificationArea(timeout_ms=100, max_cards=2)
    qtbot.addWidget(area)
    area.post(Level.ERROR, "stays", persistent=True, key="p")
    area.post(Level.INFO, "goes", key="t")
    qtbot.waitUntil(lambda: [n.key for n in area.notifications()] == ["p"], timeout=3000)
    area.post(Level.INFO, "one")
    area.post(Level.INFO, "two")
    titles = [n.title for n in area.notifications()]
    assert titles == ["two", "stays"]  # the oldest transient card made room; the persistent one stays
