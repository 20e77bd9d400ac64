"""Per-skill progress of a batch import (issue 18 §3): one line per skill of the batch with its
stage — queued, downloading n of N files, installing, installed, failed with the reason, cancelled.

The batch runs in ``skill_studio.app.browse.import_all`` on a worker thread; its ``on_skill``
events arrive on pool threads. :class:`SkillEvents` keeps the latest event of each skill and hands
whole snapshots to a ``BackgroundOp.publish`` (coalesced, delivered on the GUI thread), which
:meth:`ImportProgressList.show_events` renders.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem

from skill_studio.app.browse import ImportResult, ImportStage, SkillProgress
from skill_studio.core.models import CatalogSkill, ImportOptions
from skill_studio.ui import keyboard

__all__ = ["ImportProgressList", "SkillEvents"]


class SkillEvents:
    """The latest :class:`SkillProgress` of each skill of a batch, thread-safe.

    Args:
        publish: ``publish(snapshot)`` called (from the reporting thread) with a new
            ``{plan index: SkillProgress}`` dict after each event — e.g. ``BackgroundOp.publish``,
            which coalesces snapshots and delivers the latest on the GUI thread.
    """

    def __init__(self, publish: Callable[[dict[int, SkillProgress]], None]) -> None:
        self._publish = publish
        self._lock = threading.Lock()
        self._latest: dict[int, SkillProgress] = {}

    def __call__(self, event: SkillProgress) -> None:
        """The ``on_skill`` callback of ``import_all`` (any thread)."""
        with self._lock:
            old = self._latest.get(event.index)
            if old is not None and old.stage.finished:
                return  # a finished skill stays finished
            self._latest[event.index] = event
            snapshot = dict(self._latest)
        self._publish(snapshot)


class ImportProgressList(QTreeWidget):
    """The import progress of each skill of a batch (columns *Skill*, *Status*), shown under the
    registry tabs while a batch imports; it stays after the batch when a skill failed or the
    batch was cancelled, so each reason can be read by name.

    Keyboard: it takes the focus (Tab) and each line's accessible text is ``"name: status"``.
    """

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("importProgressList")
        self.setColumnCount(2)
        self.setHeaderLabels(["Skill", "Status"])
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setMaximumHeight(150)
        header = self.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        keyboard.name(self, "Import progress of each skill")
        self._items: list[QTreeWidgetItem] = []
        self.setVisible(False)

    # -- the batch -----------------------------------------------------------------------------

    def start(self, plans: Sequence[tuple[CatalogSkill, ImportOptions]]) -> None:
        """Show one "queued" line per planned skill (in plan order) and make the list visible."""
        self.clear()
        self._items = []
        for skill, opts in plans:
            name = skill.local_name if opts.local_name is None else opts.local_name
            item = QTreeWidgetItem([name, ImportStage.QUEUED.value])
            item.setToolTip(0, skill.qualified_name)
            self._set_status(item, ImportStage.QUEUED, ImportStage.QUEUED.value)
            self._items.append(item)
        self.addTopLevelItems(self._items)
        self.setVisible(bool(self._items))

    def show_events(self, events: dict[int, SkillProgress]) -> None:
        """Render the latest event of each skill (GUI thread; a snapshot from :class:`SkillEvents`)."""
        for index, event in events.items():
            if 0 <= index < len(self._items):
                item = self._items[index]
                current = item.data(1, Qt.ItemDataRole.UserRole)
                if current is not None and ImportStage(current).finished and not event.stage.finished:
                    continue
                self._set_status(item, event.stage, event.text)

    def finish(self, results: Sequence[ImportResult], cancelled: bool = False) -> None:
        """The batch ended: every line shows its outcome (installed, or the reason it failed, or
        cancelled). The list is hidden when every skill was installed; otherwise it stays, so the
        user can read which skill failed and why."""
        for item, result in zip(self._items, results, strict=False):
            if result.installed is not None:
                self._set_status(item, ImportStage.INSTALLED, ImportStage.INSTALLED.value)
            elif cancelled and result.error == "Cancelled.":
                self._set_status(item, ImportStage.CANCELLED, ImportStage.CANCELLED.value)
            else:
                self._set_status(item, ImportStage.FAILED, f"failed: {result.error}")
        self.setVisible(any(r.installed is None for r in results))

    def status_of(self, name: str) -> str:
        """The status text of the line of local name ``name`` ("" when there is none)."""
        for item in self._items:
            if item.text(0) == name:
                return item.text(1)
        return ""

    def statuses(self) -> dict[str, str]:
        """``{local name: status text}`` of every line."""
        return {item.text(0): item.text(1) for item in self._items}

    # -- one line ------------------------------------------------------------------------------

    @staticmethod
    def _set_status(item: QTreeWidgetItem, stage: ImportStage, text: str) -> None:
        item.setText(1, text)
        item.setToolTip(1, text)
        item.setData(1, Qt.ItemDataRole.UserRole, stage.value)
        item.setData(0, Qt.ItemDataRole.AccessibleTextRole, f"{item.text(0)}: {text}")
        item.setData(1, Qt.ItemDataRole.AccessibleTextRole, text)
