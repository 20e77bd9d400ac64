"""External plugins remembered as "not found" in the browse dialog (issue 18 §2).

An external plugin whose repository answered 404 is remembered (``cache/external/refs.json``) and
not asked again on the next browse; the "not listed" section of a registry tab shows each one with
"not found, checked N minutes ago" and a per-plugin *Retry* that asks GitHub again
(``SkillStudio.retry_external``). The tab runs the retry and merges the plugin's skills into its
table when the repository now answers (``RegistryTab.retry_plugins``).

Keyboard: the list takes the focus (Tab); Enter or the *Retry* button retries the selected
plugins; the button's accessible name names the plugin ("Retry NAME").
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from skill_studio.app.browse import not_found_checked
from skill_studio.core.models import Listing, UnavailablePlugin
from skill_studio.ui import keyboard
from skill_studio.ui.widgets import button

__all__ = ["NotFoundPlugins", "checked_text", "remembered_not_found"]

CHECKING = "checking again…"
"""The status of a plugin whose Retry is in flight."""


def remembered_not_found(listing: Listing) -> list[UnavailablePlugin]:
    """The unavailable plugins of a listing that are remembered "not found" answers (they carry
    ``checked_at`` and a catalog index, so Retry can name them), in catalog order."""
    return [p for p in listing.unavailable_plugins if p.checked_at is not None and p.index is not None]


def checked_text(plugin: UnavailablePlugin, now: datetime | None = None) -> str:
    """``"not found, checked 5 minutes ago"`` for a remembered 404 (``app.browse.not_found_checked``);
    the plugin's reason otherwise."""
    return not_found_checked(plugin, now) or plugin.reason


class NotFoundPlugins(QWidget):
    """The remembered "not found" external plugins of one listing, each with its last check and a
    Retry (issue 18). Hidden when there is none.

    Signals:
        retry_requested(list[int]): the user asked to retry the plugins at these catalog indexes.
    """

    retry_requested = Signal(object)

    REFRESH_MS = 30_000
    """How often the "checked N minutes ago" texts are brought up to date while shown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notFoundPlugins")
        self.title = QLabel("External plugins not found")
        self.title.setObjectName("hint")
        self.list = QTreeWidget()
        self.list.setObjectName("notFoundList")
        self.list.setColumnCount(2)
        self.list.setHeaderLabels(["Plugin", "Last check"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setMaximumHeight(130)
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.list.header().setStretchLastSection(True)
        keyboard.name(self.list, "External plugins not found; Enter retries the selected ones")
        keyboard.on_enter(self.list, self._enter)
        self.list.currentItemChanged.connect(lambda *_: self._update_button())
        self.list.itemSelectionChanged.connect(self._update_button)
        self.retry_button = button("Retry", self.retry_selected,
                                   tip="Ask GitHub again about the selected plugin's repository (Enter)")
        self.retry_button.setObjectName("retryNotFound")
        self.retry_button.setAutoDefault(False)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.title, 1)
        row.addWidget(self.retry_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(row)
        lay.addWidget(self.list)
        self._plugins: dict[int, UnavailablePlugin] = {}
        self._checking: set[int] = set()
        self._listing: Listing | None = None
        self._resolving = False
        self._timer = QTimer(self)
        self._timer.setInterval(self.REFRESH_MS)
        self._timer.timeout.connect(self._refresh_ages)
        self.setVisible(False)
        self._update_button()

    # -- content -------------------------------------------------------------------------------

    def show_listing(self, listing: Listing, resolving: bool = False) -> None:
        """Show the remembered "not found" plugins of ``listing``. While external plugins are
        still ``resolving`` the list waits (it is rebuilt once they are all in, not on every
        arrival: issue 18, no GUI stalls) and Retry is disabled; a plugin whose Retry is in
        flight keeps "checking again…"."""
        self._resolving = resolving
        if resolving or listing is self._listing:
            self._update_button()
            return
        self._listing = listing
        plugins = remembered_not_found(listing)
        selected = set(self.selected_indexes())
        current = self.list.currentItem()
        current_index = current.data(0, Qt.ItemDataRole.UserRole) if current is not None else None
        self._plugins = {p.index: p for p in plugins if p.index is not None}
        self.list.clear()
        items = []
        for p in plugins:
            item = QTreeWidgetItem([p.name or "(unnamed)", ""])
            item.setData(0, Qt.ItemDataRole.UserRole, p.index)
            item.setToolTip(0, p.reason)
            self._set_status(item, p)
            items.append(item)
        self.list.addTopLevelItems(items)
        for item, p in zip(items, plugins, strict=True):
            if p.index == current_index:
                self.list.setCurrentItem(item, 0, self.list.selectionModel().SelectionFlag.NoUpdate)
            if p.index in selected:
                item.setSelected(True)
        self.title.setText(f"{len(plugins)} external plugin{'s' if len(plugins) != 1 else ''} not found "
                           "(remembered; Retry asks GitHub again)")
        self.setVisible(bool(plugins))
        if plugins:
            self._timer.start()
        else:
            self._timer.stop()
        self._update_button()

    def status_of(self, name: str) -> str:
        """The "Last check" text of the plugin called ``name`` ("" when it is not listed)."""
        for item in self._items():
            if item.text(0) == name:
                return item.text(1)
        return ""

    def names(self) -> list[str]:
        """The plugins listed, in catalog order."""
        return [item.text(0) for item in self._items()]

    def select(self, name: str) -> bool:
        """Make the plugin called ``name`` the current and only selected one; False when absent."""
        for item in self._items():
            if item.text(0) == name:
                self.list.clearSelection()
                self.list.setCurrentItem(item)
                item.setSelected(True)
                return True
        return False

    # -- retry ---------------------------------------------------------------------------------

    def selected_indexes(self) -> list[int]:
        """Catalog indexes of the selected plugins (else the current one), in list order."""
        current = self.list.currentItem()
        items = self.list.selectedItems() or ([current] if current is not None else [])
        return [int(it.data(0, Qt.ItemDataRole.UserRole)) for it in items]

    def retry_selected(self) -> bool:
        """*Retry*: mark the selected plugins "checking again…" and emit ``retry_requested``.
        Returns False when nothing is selected or they are being checked already."""
        wanted = [i for i in self.selected_indexes() if i not in self._checking]
        if not wanted or self._resolving:
            return False
        self._checking.update(wanted)
        for item in self._items():
            index = int(item.data(0, Qt.ItemDataRole.UserRole))
            if index in wanted:
                self._set_status(item, self._plugins[index])
        self._update_button()
        self.retry_requested.emit(wanted)
        return True

    def retry_finished(self, indexes: list[int], error: str | None = None) -> None:
        """The retry of ``indexes`` ended (the tab shows the new listing through
        :meth:`show_listing`); ``error`` is shown on those still listed when the retry failed."""
        self._checking.difference_update(indexes)
        for item in self._items():
            index = int(item.data(0, Qt.ItemDataRole.UserRole))
            if index in indexes:
                self._set_status(item, self._plugins[index], error)
        self._update_button()

    # -- internals -----------------------------------------------------------------------------

    def _items(self) -> list[QTreeWidgetItem]:
        items = (self.list.topLevelItem(i) for i in range(self.list.topLevelItemCount()))
        return [it for it in items if it is not None]

    def _enter(self) -> bool:
        return self.retry_selected()

    def _set_status(self, item: QTreeWidgetItem, plugin: UnavailablePlugin, error: str | None = None) -> None:
        index = plugin.index
        text = CHECKING if index in self._checking else checked_text(plugin)
        if error:
            text = f"{text} — retry failed: {error}"
        item.setText(1, text)
        item.setToolTip(1, text)
        item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{item.text(0)}: {text}")

    def _refresh_ages(self) -> None:
        if not self.isVisible():
            return
        for item in self._items():
            plugin = self._plugins.get(int(item.data(0, Qt.ItemDataRole.UserRole)))
            if plugin is not None and plugin.index not in self._checking:
                self._set_status(item, plugin)

    def _update_button(self) -> None:
        indexes = [i for i in self.selected_indexes() if i not in self._checking]
        names = [self._plugins[i].name or "(unnamed)" for i in indexes if i in self._plugins]
        self.retry_button.setEnabled(bool(names) and not self._resolving)
        if len(names) == 1:
            label = f"Retry {names[0]}"
        elif names:
            label = f"Retry {len(names)} plugins"
        else:
            label = "Retry the selected plugin"
        self.retry_button.setAccessibleName(label)
        self.retry_button.setToolTip(f"{label}: ask GitHub again about its repository (Enter in the list)")
