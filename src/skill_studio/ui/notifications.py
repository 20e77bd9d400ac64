"""The notification area: a stack of dismissable cards at the top of the main window.

Any part of the app posts into it (imports, the update check of R-UPD-3, persistent errors of
R-UPD-5)::

    area.post(Level.ERROR, "Update check failed", "GitHub rate limit exceeded …",
              actions=[("Retry", check_again)], persistent=True, key="update-check")
    area.dismiss("update-check")          # e.g. when a later check succeeds

Posting with a ``key`` already shown replaces that card in place (no duplicates). Non-persistent
cards close by themselves after ``timeout_ms``; persistent ones stay until dismissed by the user or
by code. The area hides itself when empty.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QToolButton, QVBoxLayout, QWidget

Action = tuple[str, Callable[[], object]]
"""``(button label, callback)``; the callback runs on the GUI thread when the button is clicked."""


class Level(str, Enum):
    """Severity of a notification; picks the card's colour and icon."""

    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"


_ICONS = {
    Level.INFO: QStyle.StandardPixmap.SP_MessageBoxInformation,
    Level.SUCCESS: QStyle.StandardPixmap.SP_DialogApplyButton,
    Level.WARNING: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Level.ERROR: QStyle.StandardPixmap.SP_MessageBoxCritical,
}

DEFAULT_TIMEOUT_MS = 8000
"""How long a non-persistent card stays (8 s)."""


@dataclass
class Notification:
    """A posted notification (what tests and later issues inspect).

    Attributes:
        key: identity; posting the same key replaces the card.
        level: severity.
        title: bold first line.
        text: explanation (plain text, may be several sentences).
        actions: buttons shown on the card.
        persistent: stays until dismissed.
    """

    key: str
    level: Level
    title: str
    text: str
    actions: list[Action] = field(default_factory=list)
    persistent: bool = False


class NotificationCard(QFrame):
    """One card: icon, title, text, action buttons, and a close button."""

    closed = Signal(str)

    def __init__(self, note: Notification, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notification")
        self.setProperty("level", note.level.value)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.note = note
        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(_ICONS[note.level]).pixmap(20, 20))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.title_label = QLabel(note.title)
        self.title_label.setObjectName("notificationTitle")
        self.title_label.setWordWrap(True)
        self.text_label = QLabel(note.text)
        self.text_label.setObjectName("notificationText")
        self.text_label.setWordWrap(True)
        self.text_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text_label.setVisible(bool(note.text))
        texts = QVBoxLayout()
        texts.setSpacing(1)
        texts.addWidget(self.title_label)
        texts.addWidget(self.text_label)
        self.action_buttons: list[QPushButton] = []
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        for label, callback in note.actions:
            b = QPushButton(label)
            b.setObjectName("notificationAction")
            b.clicked.connect(lambda _=False, cb=callback: cb())
            buttons.addWidget(b)
            self.action_buttons.append(b)
        self.close_button = QToolButton()
        self.close_button.setObjectName("notificationClose")
        self.close_button.setText("✕")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(lambda: self.closed.emit(self.note.key))
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 8, 6, 8)
        lay.setSpacing(10)
        lay.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(texts, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)


class NotificationArea(QWidget):
    """Stack of :class:`NotificationCard` (newest on top); hidden while empty.

    Signals:
        posted(Notification): a card was shown or replaced.
        dismissed(str): a card was removed (by the user, a timeout or ``dismiss``); gives its key.
    """

    posted = Signal(object)
    dismissed = Signal(str)

    def __init__(self, parent: QWidget | None = None, timeout_ms: int = DEFAULT_TIMEOUT_MS, max_cards: int = 4) -> None:
        super().__init__(parent)
        self.setObjectName("notificationArea")
        self.timeout_ms = timeout_ms
        self.max_cards = max_cards
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 8)
        self._layout.setSpacing(6)
        self._cards: dict[str, NotificationCard] = {}
        self._timers: dict[str, QTimer] = {}
        self._ids = itertools.count(1)
        self.setVisible(False)

    def post(self, level: Level | str, title: str, text: str = "", actions: Sequence[Action] = (),
             persistent: bool = False, key: str | None = None) -> str:
        """Show a notification; returns its key.

        Args:
            level: ``Level`` or its value (``"info"``, ``"success"``, ``"warning"``, ``"error"``).
            title: short headline.
            text: the explanation; for errors the reason from ``str(err)``.
            actions: ``(label, callback)`` buttons; clicking one runs the callback (the card stays
                unless the callback dismisses it).
            persistent: keep until dismissed (R-UPD-5); otherwise it closes after ``timeout_ms``.
            key: identity; an existing card with this key is replaced in place. Default: a new key.
        """
        key = key or f"note-{next(self._ids)}"
        note = Notification(key, Level(level), title, text, list(actions), persistent)
        card = NotificationCard(note, self)
        card.closed.connect(self.dismiss)
        old = self._cards.get(key)
        if old is not None:
            pos = self._layout.indexOf(old)
            self._remove_card(key)
            self._layout.insertWidget(pos, card)
        else:
            self._layout.insertWidget(0, card)
        self._cards[key] = card
        if not persistent:
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda k=key, c=card: self._expire(k, c))
            timer.start(self.timeout_ms)
            self._timers[key] = timer
        self._trim()
        self.setVisible(True)
        self.posted.emit(note)
        return key

    def dismiss(self, key: str) -> bool:
        """Remove the card with ``key``; returns False when there is none."""
        if key not in self._cards:
            return False
        self._remove_card(key)
        self.setVisible(bool(self._cards))
        self.dismissed.emit(key)
        return True

    def clear(self) -> None:
        """Remove every card."""
        for key in list(self._cards):
            self.dismiss(key)

    def notifications(self) -> list[Notification]:
        """The notifications shown, newest first."""
        cards = [item.widget() for i in range(self._layout.count()) if (item := self._layout.itemAt(i)) is not None]
        return [c.note for c in cards if isinstance(c, NotificationCard)]

    def card(self, key: str) -> NotificationCard | None:
        """The card widget of a key (tests click its buttons)."""
        return self._cards.get(key)

    def _expire(self, key: str, card: NotificationCard) -> None:
        if self._cards.get(key) is card:
            self.dismiss(key)

    def _remove_card(self, key: str) -> None:
        card = self._cards.pop(key)
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.stop()
            timer.deleteLater()
        self._layout.removeWidget(card)
        card.hide()
        card.deleteLater()

    def _trim(self) -> None:
        """Keep at most ``max_cards``: the oldest non-persistent cards go first."""
        notes = self.notifications()
        excess = len(notes) - self.max_cards
        for note in reversed(notes):
            if excess <= 0:
                break
            if not note.persistent:
                self.dismiss(note.key)
                excess -= 1
