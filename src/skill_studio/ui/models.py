"""Item models of the UI: catalog skills, installed skills, registries; and the search filter.

Every model follows one shape (after vorta): named column constants, ``set_rows()`` that replaces the
whole content with a model reset, narrow ``dataChanged`` for small updates, and custom roles:

- ``SORT_ROLE``: a value that sorts correctly (numbers for versions and states, folded text);
- ``ROW_ROLE``: the row's dataclass, so views and dialogs never parse display strings;
- ``BADGES_ROLE``: a list of :class:`Badge` drawn as pills by ``widgets.BadgeDelegate``;
- ``SEARCH_ROLE``: the lower-cased text the filter matches (name and description).

The models hold data only; they never call the core. Tested without a window (pytest-qt's
``qtmodeltester``).

Custom roles the UI reads back from Python (``index.data(role)``) always answer a real value, never
None: PySide6 6.12.0 on Python < 3.12 drops a reference to ``None`` each time an *invalid* QVariant
is converted to Python, and enough of those (a few thousand repaints) abort the interpreter
(``none_dealloc``). Qt's own calls into ``data()`` are not affected.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from enum import Enum
from functools import lru_cache
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRegularExpression,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QStyle

from skill_studio.app import version_sort_key
from skill_studio.app.browse import BrowseRow
from skill_studio.core.models import InstalledSkill, InstallState, Registry

SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 2
BADGES_ROLE = int(Qt.ItemDataRole.UserRole) + 3
SEARCH_ROLE = int(Qt.ItemDataRole.UserRole) + 4

Index = QModelIndex | QPersistentModelIndex


class BadgeKind(str, Enum):
    """Colour family of a badge (see ``widgets.BADGE_COLORS``)."""

    NEUTRAL = "neutral"
    OK = "ok"
    INFO = "info"
    WARN = "warn"
    ERROR = "error"


@dataclass(frozen=True)
class Badge:
    """A short status pill: ``text`` drawn in the colours of ``kind``."""

    text: str
    kind: BadgeKind = BadgeKind.NEUTRAL


STATE_BADGES: dict[InstallState, Badge] = {
    InstallState.NOT_INSTALLED: Badge("not installed", BadgeKind.NEUTRAL),
    InstallState.UP_TO_DATE: Badge("up to date", BadgeKind.OK),
    InstallState.UPDATE_AVAILABLE: Badge("update available", BadgeKind.INFO),
    InstallState.CUSTOMIZED: Badge("customized", BadgeKind.WARN),
}
"""Install-state badge per state (R-UI-2)."""

STATE_ORDER = {InstallState.NOT_INSTALLED: 0, InstallState.UP_TO_DATE: 1,
               InstallState.UPDATE_AVAILABLE: 2, InstallState.CUSTOMIZED: 3}


def _fold(text: str | None) -> str:
    return (text or "").casefold()


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split())


@lru_cache(maxsize=16384)
def _description_line(text: str | None, limit: int) -> str:
    """A description as one line of at most ``limit`` characters (… when cut); cached: a table
    asks it for every painted cell."""
    line = _one_line(text) or "(no description)"
    return line if len(line) <= limit else line[:limit].rstrip() + "…"


def version_key(version: str | None) -> str:
    """Sort text for version strings: the version order of ``core.versions`` (semver with
    pre-releases before their release, then the non-semver fallback, a missing version last), the
    same order as the update check's. A string, because the proxy compares ``SORT_ROLE`` values as
    QVariants."""
    return version_sort_key(version)


class _TableModel(QAbstractTableModel):
    """Shared plumbing: a list of row dataclasses and a header per column."""

    HEADERS: tuple[str, ...] = ()
    HEADER_TIPS: ClassVar[dict[int, str]] = {}
    SILENT_ROLES: ClassVar[frozenset[int]] = frozenset()
    """Roles no cell of the model answers: :meth:`data` returns None for them at once (issue 18:
    the view asks seven roles per painted cell; most are never set). A subclass that answers one
    of them must drop it from this set."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []
        self._search: list[str] | None = None
        """``SEARCH_ROLE`` text of every row, built once per set of rows (issue 18: it was built on
        every call, i.e. per row per keystroke)."""

    def search_keys(self) -> list[str]:
        """The lower-cased search text of every row, by source row (computed once per change)."""
        if self._search is None or len(self._search) != len(self._rows):
            self._search = [self.row_data(r, 0, SEARCH_ROLE) or "" for r in self._rows]
        return self._search

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.HEADER_TIPS.get(section)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """The row dataclass for ``ROW_ROLE``; any other role is answered by :meth:`row_data`.

        Returns None for an invalid index or a row number out of range.
        """
        return self.cell(index.row(), index.column(), role) if index.isValid() else None

    def multiData(self, index: Index, span: Any) -> None:  # noqa: N802 - Qt override
        """Qt's method: every role a view asks of one cell in a single call (issue 18: a painted
        cell asked seven roles, each a separate call into Python through the filter proxy, which
        also asked ``rowCount``/``columnCount`` per role). Same answers as :meth:`data`."""
        if not index.isValid():
            for item in span:
                item.clearData()
            return
        self.fill_roles(index.row(), index.column(), span)

    def fill_roles(self, r: int, col: int, span: Any) -> None:
        """Answer every role of ``span`` (a ``QModelRoleDataSpan``) for the cell at source row ``r``,
        column ``col``, as :meth:`data` would (a row out of range answers nothing). A filter model
        over this one calls it directly: no source index is made per painted cell."""
        if not 0 <= r < len(self._rows):
            for item in span:
                item.clearData()
            return
        row, silent = self._rows[r], self.SILENT_ROLES
        for item in span:
            role = item.role()
            if role in silent:
                value = None
            elif role == ROW_ROLE:
                value = row
            elif role == SEARCH_ROLE:
                value = self.search_keys()[r]
            else:
                value = self.row_data(row, col, role)
            if value is None:
                item.clearData()
            else:
                item.setData(value)

    def cell(self, r: int, col: int, role: int) -> Any:
        """What :meth:`data` answers for the cell at row ``r``, column ``col``, without an index or a
        round trip through Qt (a delegate painting that cell asks it directly; None when out of
        range)."""
        if role in self.SILENT_ROLES or not 0 <= r < len(self._rows):
            return None
        row = self._rows[r]
        if role == ROW_ROLE:
            return row
        if role == SEARCH_ROLE:
            return self.search_keys()[r]
        return self.row_data(row, col, role)

    def painted_roles(self, col: int) -> tuple[int, ...]:
        """The roles a view paints that column ``col`` may answer (of Display, Decoration and
        Foreground): what a paint mirror copies (``RowFilterModel``). Subclasses narrow it."""
        return (int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.DecorationRole),
                int(Qt.ItemDataRole.ForegroundRole))

    def row_data(self, row: Any, col: int, role: int) -> Any:
        """What a cell shows for ``role`` (not ``ROW_ROLE``); subclasses override it.

        Args:
            row: the row dataclass of the cell.
            col: the column number.
            role: a ``Qt.ItemDataRole`` or one of this module's roles (``SEARCH_ROLE``, ``SORT_ROLE``, …).

        Returns:
            The value for Qt, or None when the cell has nothing for that role.
        """
        return None

    def rows(self) -> list[Any]:
        """The current rows (a copy)."""
        return list(self._rows)

    def rows_in_order(self) -> list[Any]:
        """The rows by source row number (not a copy: do not change it)."""
        return self._rows

    def row_at(self, row: int) -> Any:
        """The row dataclass at a source row number."""
        return self._rows[row]

    def set_rows(self, rows: list[Any]) -> None:
        """Replace every row (model reset)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._search = None
        self.endResetModel()

    def append_rows(self, rows: list[Any]) -> None:
        """Add rows at the end (no reset: selection, current row and scroll position stay)."""
        if not rows:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self._rows.extend(rows)
        if self._search is not None:
            self._search.extend(self.row_data(r, 0, SEARCH_ROLE) or "" for r in rows)
        self.endInsertRows()

    def replace_row(self, row: int, value: Any) -> None:
        """Replace one row and signal the change for that row only."""
        self._rows[row] = value
        if self._search is not None:
            self._search[row] = self.row_data(value, 0, SEARCH_ROLE) or ""
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))


# -- catalog (browse dialog) -------------------------------------------------------------------

@dataclass(frozen=True)
class CatalogRow(BrowseRow):
    """A ``skill_studio.app.browse.BrowseRow`` (one listed skill with its install state in the
    dialog's destination) with the badges of its state column."""

    @classmethod
    def of(cls, row: BrowseRow) -> CatalogRow:
        """The same row as a ``CatalogRow`` (``row`` itself when it already is one)."""
        if isinstance(row, CatalogRow):
            return row
        return cls(**{f.name: getattr(row, f.name) for f in fields(row)})

    def badges(self) -> list[Badge]:
        """The badges of the state column."""
        return list(_state_badges(self.state, self.upstream_newer, self.name_taken))


@lru_cache(maxsize=64)
def _state_badges(state: InstallState, upstream_newer: bool, name_taken: bool) -> tuple[Badge, ...]:
    """The state column's badges for one combination (made once: a table asks for them on every
    repaint of every row)."""
    out = [STATE_BADGES[state]]
    if state is InstallState.CUSTOMIZED and upstream_newer:
        out.append(STATE_BADGES[InstallState.UPDATE_AVAILABLE])
    if name_taken:
        out.append(Badge("name taken", BadgeKind.WARN))
    return tuple(out)


class CatalogTableModel(_TableModel):
    """Skills of one registry listing (browse dialog, R-UI-2).

    It sorts itself (issue 18): :meth:`sort` orders the rows by ``SORT_ROLE`` values computed once
    per row and column (a proxy sorting it would call Python for every comparison: 131–267 ms to
    insert 307 rows, up to 257 ms to widen a filter on 5,000), stable in arrival (catalog) order;
    :meth:`append_rows` inserts a chunk at its sorted places without re-sorting the rest;
    :meth:`rows` gives the arrival order, source row numbers follow the sorted order.
    """

    NAME, VERSION, STATE, WARNINGS, DESCRIPTION = range(5)
    HEADERS = ("Skill", "Version", "Status", "", "Description")
    HEADER_TIPS: ClassVar[dict[int, str]] = {WARNINGS: "Warnings: the skill deviates from the Agent Skills rules (see details)"}
    SORTS_ITSELF = True
    SILENT_ROLES: ClassVar[frozenset[int]] = frozenset(int(r) for r in (
        Qt.ItemDataRole.FontRole, Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.CheckStateRole, Qt.ItemDataRole.SizeHintRole, Qt.ItemDataRole.StatusTipRole,
        Qt.ItemDataRole.WhatsThisRole, Qt.ItemDataRole.EditRole))

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._arrival: list[CatalogRow] = []
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._sort_values: list[Any] = []
        self._row_key: Callable[[Any], Any] | None = None
        self._description_chars = 4096

    DESCRIPTION_STEP = 64
    """Characters by which the cut of :meth:`set_description_width` moves."""

    def set_description_width(self, pixels: int) -> None:
        """The width of the view's description column, in pixels: the description shown is cut to
        what a line that wide can show (a third of the width in characters, plus some: no font
        averages under 3 px a character), with "…". Issue 18: Qt lays out and shapes a cell's whole
        text to elide it, on every repaint; descriptions run to 1,000 characters (a median of 357
        in the official directory), and a repaint of that table cost 13–18 ms. The tooltip and the
        details pane keep the whole text. When the cut changes, the column's ``DisplayRole``
        changes: ``dataChanged`` says so (a filter's paint mirror copies it). The cut moves in steps of
        :data:`DESCRIPTION_STEP` characters: while a table loads its column fitter changes the
        width again and again, and each new cut had every description copied again."""
        step = self.DESCRIPTION_STEP
        chars = max(80, -(-(pixels // 3 + 16) // step) * step)
        if chars != self._description_chars:
            self._description_chars = chars
            if self._rows:
                self.dataChanged.emit(self.index(0, self.DESCRIPTION), self.index(len(self._rows) - 1, self.DESCRIPTION),
                                      [int(Qt.ItemDataRole.DisplayRole)])

    def _value(self, row: CatalogRow) -> Any:
        if self._row_key is not None:
            return self._row_key(row)
        return self.row_data(row, self._sort_column, SORT_ROLE) if self._sort_column >= 0 else 0

    def set_sort_key(self, key: Callable[[Any], Any] | None) -> None:
        """Sort by ``key(row)`` (ascending, whatever the column) instead of ``SORT_ROLE``; None
        sorts by the column again (see ``SearchFilterProxy.set_sort_key``)."""
        self._row_key = key
        self.sort(self._sort_column if key is None else max(self._sort_column, 0),
                  self._sort_order if key is None else Qt.SortOrder.AscendingOrder)

    def _sorted(self, rows: list[CatalogRow], values: list[Any]) -> list[int]:
        """Indexes of ``rows`` in sorted order (stable: ties keep arrival order)."""
        if self._sort_column < 0:
            return list(range(len(rows)))
        desc = self._sort_order == Qt.SortOrder.DescendingOrder
        try:
            return sorted(range(len(rows)), key=values.__getitem__, reverse=desc)
        except TypeError:  # mixed types in one column: compare as text
            return sorted(range(len(rows)), key=lambda i: str(values[i]), reverse=desc)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by ``column``'s ``SORT_ROLE`` (-1: arrival order); persistent indexes (selection,
        current row) follow their rows."""
        self._sort_column, self._sort_order = column, order
        self._sort_values = [self._value(r) for r in self._arrival]
        self.layoutAboutToBeChanged.emit()
        old_rows = self._rows
        position = {id(r): i for i, r in enumerate(old_rows)}
        order_idx = self._sorted(self._arrival, self._sort_values)
        self._rows = [self._arrival[i] for i in order_idx]
        new_position = {id(r): i for i, r in enumerate(self._rows)}
        if self._search is not None:
            keys = self._search
            self._search = [keys[position[id(r)]] for r in self._rows]
        persistent = self.persistentIndexList()
        moved = [self.index(new_position[id(old_rows[p.row()])], p.column()) if 0 <= p.row() < len(old_rows)
                 else QModelIndex() for p in persistent]
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()

    def rows(self) -> list[Any]:
        """The current rows in arrival (catalog) order (a copy)."""
        return list(self._arrival)

    def set_rows(self, rows: list[Any]) -> None:
        """Replace every row (model reset), in the current sort order."""
        self.beginResetModel()
        self._arrival = list(rows)
        self._sort_values = [self._value(r) for r in self._arrival]
        self._rows = [self._arrival[i] for i in self._sorted(self._arrival, self._sort_values)]
        # the search keys are made with the rows (and with each chunk appended), not on the first
        # keystroke: 5,000 of them take ~7 ms
        self._search = [self.row_data(r, 0, SEARCH_ROLE) or "" for r in self._rows]
        self.endResetModel()

    def append_rows(self, rows: list[Any]) -> None:
        """Add rows, each at its sorted place (runs of adjacent rows are inserted at once; the rows
        shown are not re-sorted, so selection, current row and scroll position stay)."""
        if not rows:
            return
        n_old = len(self._arrival)
        arrival = self._arrival + list(rows)
        values = self._sort_values + [self._value(r) for r in rows]
        placed = self._placed(values[n_old:]) if self._sort_column >= 0 else None
        if placed is None:  # mixed types: sort them all (old rows keep their relative order)
            final = self._sorted(arrival, values)
        else:
            final = placed
        new_at = [pos for pos, i in enumerate(final) if i >= n_old]
        self._arrival, self._sort_values = arrival, values
        start = 0
        while start < len(new_at):
            end = start
            while end + 1 < len(new_at) and new_at[end + 1] == new_at[end] + 1:
                end += 1
            first, last = new_at[start], new_at[end]
            chunk = [arrival[final[p]] for p in range(first, last + 1)]
            self.beginInsertRows(QModelIndex(), first, last)
            self._rows[first:first] = chunk
            if self._search is not None:
                self._search[first:first] = [self.row_data(r, 0, SEARCH_ROLE) or "" for r in chunk]
            self.endInsertRows()
            start = end + 1

    def _placed(self, new_values: list[Any]) -> list[int] | None:
        """The arrival indexes in sorted order once rows with ``new_values`` are added after the
        current ones, found by binary search among the rows shown (issue 18: the rows shown are not
        sorted again per arrival); None when the values do not compare (mixed types)."""
        n_old = len(self._arrival)
        position = {id(r): i for i, r in enumerate(self._arrival)}
        shown = [position[id(r)] for r in self._rows]  # arrival index per source row
        keys = [self._sort_values[i] for i in shown]
        desc = self._sort_order == Qt.SortOrder.DescendingOrder
        try:
            # stable: a new row goes after the rows shown with an equal value, and new rows keep
            # their own order among themselves
            mine = sorted(range(len(new_values)), key=new_values.__getitem__, reverse=desc)
            slots = []
            for j in mine:
                v = new_values[j]
                lo, hi = 0, len(keys)
                while lo < hi:  # first shown row that sorts after v
                    mid = (lo + hi) // 2
                    if (keys[mid] < v) if desc else (v < keys[mid]):
                        hi = mid
                    else:
                        lo = mid + 1
                slots.append((lo, j))
        except TypeError:
            return None
        out: list[int] = []
        at = 0
        for lo, j in slots:  # slots are non-decreasing: merge the new rows into the shown order
            out.extend(shown[at:lo])
            at = lo
            out.append(n_old + j)
        out.extend(shown[at:])
        return out

    def replace_row(self, row: int, value: Any) -> None:
        """Replace one row (source row number); it moves when its sort value changed."""
        old = self._rows[row]
        i = next(k for k, r in enumerate(self._arrival) if r is old)
        self._arrival[i] = value
        super().replace_row(row, value)
        new_value = self._value(value)
        if self._sort_values[i] != new_value:
            self._sort_values[i] = new_value
            self.sort(self._sort_column, self._sort_order)

    def painted_roles(self, col: int) -> tuple[int, ...]:
        """Text everywhere, the warning icon in *Warnings*, the placeholder colour in *Description*
        (a subclass answering more roles in a column widens this)."""
        if col == self.WARNINGS:
            return (int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.DecorationRole))
        if col == self.DESCRIPTION:
            return (int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.ForegroundRole))
        return (int(Qt.ItemDataRole.DisplayRole),)

    def row_data(self, row: CatalogRow, col: int, role: int) -> Any:
        s = row.skill
        if role == SEARCH_ROLE:
            return f"{_fold(s.qualified_name)}\n{_fold(s.description)}"
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.NAME:
                return s.qualified_name
            if col == self.VERSION:
                return s.version or "—"
            if col == self.STATE:
                return ", ".join(b.text for b in row.badges())
            if col == self.DESCRIPTION:
                return _description_line(s.description, self._description_chars)
            return None
        if role == BADGES_ROLE:  # always a list: see the module note on invalid QVariants
            return row.badges() if col == self.STATE else []
        if role == SORT_ROLE:
            if col == self.NAME:
                return _fold(s.qualified_name)
            if col == self.VERSION:
                return version_key(s.version)
            if col == self.STATE:
                return STATE_ORDER[row.state] * 4 + int(row.upstream_newer) * 2 + int(row.name_taken)
            if col == self.WARNINGS:
                return len(s.warnings)
            return _fold(s.description)
        if role == Qt.ItemDataRole.DecorationRole and col == self.WARNINGS and s.warnings:
            return _warning_icon()
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.WARNINGS and s.warnings:
                return "\n".join(f"• {w}" for w in s.warnings)
            if col == self.DESCRIPTION and s.description:
                return _wrap_tip(s.description)
            if col == self.NAME:
                return f"{s.qualified_name}\n{s.path or '(registry root)'}"
            if col == self.STATE and row.installed is not None:
                tip = f"Installed as {row.installed.local_name!r}, version {row.installed.version}"
                if row.has_update:
                    tip += f"; the catalog has {s.version or 'changed content'}"
                    if row.state is InstallState.CUSTOMIZED:
                        tip += " (updating keeps your edits as a backup)"
                return tip
            if col == self.STATE and row.name_taken:
                return f"Another skill is installed as {s.local_name!r}; importing asks you to rename or replace."
        if role == Qt.ItemDataRole.ForegroundRole and col == self.DESCRIPTION and not s.description:
            return QApplication.palette().placeholderText()
        return None

    def find(self, qualified_name: str) -> int:
        """Source row of a qualified name, or -1."""
        for i, r in enumerate(self._rows):
            if r.skill.qualified_name == qualified_name:
                return i
        return -1


_WARNING_ICON: list[Any] = []


def _warning_icon() -> Any:
    """The style's warning icon, made once (issue 18: a new QIcon per painted cell rendered its
    pixmap again every paint; one QIcon keeps its rendered pixmaps)."""
    style = QApplication.style()
    if not _WARNING_ICON or _WARNING_ICON[0] is not style:
        _WARNING_ICON[:] = [style, style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)]
    return _WARNING_ICON[1]


def _wrap_tip(text: str, width: int = 80) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(_one_line(text), width)[:12])


# -- installed skills (dashboard, Settings → Skills) ---------------------------------------------

@dataclass(frozen=True)
class InstalledRow:
    """One installed skill with the states computed in the background.

    Attributes:
        skill: the installed skill.
        customized: its folder differs from the import snapshot (R-UPD-2).
        update_available: a browse or update check found a newer upstream version (R-UPD-1).
    """

    skill: InstalledSkill
    customized: bool = False
    update_available: bool = False

    def badges(self) -> list[Badge]:
        """The status pills of the row."""
        out: list[Badge] = []
        if self.customized:
            out.append(Badge("customized", BadgeKind.WARN))
        if self.update_available:
            out.append(Badge("update available", BadgeKind.INFO))
        if self.skill.origin == "bundled":
            out.append(Badge("bundled", BadgeKind.NEUTRAL))
        if self.skill.slot:
            out.append(Badge(f"slot: {self.skill.slot}", BadgeKind.NEUTRAL))
        if self.skill.destination.value == "settings" and not self.skill.active:
            out.append(Badge("inactive", BadgeKind.NEUTRAL))
        return out


class InstalledTableModel(_TableModel):
    """Installed skills of one destination (Skill Library dashboard, Settings → Skills)."""

    NAME, VERSION, SOURCE, STATUS, DESCRIPTION = range(5)
    HEADERS: tuple[str, ...] = ("Name", "Version", "Source", "Status", "Description")

    def row_data(self, row: InstalledRow, col: int, role: int) -> Any:
        s = row.skill
        if role == SEARCH_ROLE:
            return f"{_fold(s.local_name)}\n{_fold(s.description)}"
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.NAME:
                return s.local_name
            if col == self.VERSION:
                return s.version
            if col == self.SOURCE:
                return s.registry or {"bundled": "bundled", "upload": "uploaded"}.get(s.origin, s.origin)
            if col == self.STATUS:
                return ", ".join(b.text for b in row.badges())
            if col == self.DESCRIPTION:
                return _one_line(s.description)
            return None
        if role == BADGES_ROLE:
            return row.badges() if col == self.STATUS else []
        if role == SORT_ROLE:
            if col == self.VERSION:
                return version_key(s.version)
            if col == self.STATUS:
                return int(row.customized) * 2 + int(row.update_available)
            return _fold(str(self.row_data(row, col, Qt.ItemDataRole.DisplayRole)))
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.NAME:
                src = f"{s.qualified_name} from {s.registry}" if s.qualified_name else s.origin
                return f"{s.local_name} — {src}\n{s.path}"
            if col == self.DESCRIPTION and s.description:
                return _wrap_tip(s.description)
            if col == self.SOURCE and s.registry_source:
                return s.registry_source
        return None

    def find(self, local_name: str) -> int:
        """Source row of a local name, or -1."""
        for i, r in enumerate(self._rows):
            if r.skill.local_name == local_name:
                return i
        return -1

    def set_updates(self, local_names: set[str]) -> None:
        """Mark which rows have an update available (narrow ``dataChanged`` per changed row)."""
        for i, r in enumerate(self._rows):
            want = r.skill.local_name in local_names
            if r.update_available != want:
                self.replace_row(i, InstalledRow(r.skill, r.customized, want))


# -- registries (Settings → Marketplace) ---------------------------------------------------------

class RegistryTableModel(_TableModel):
    """Configured registries with an *enabled* check box (R-REG-2/3).

    Signals:
        enabled_toggled(Registry, bool): the user ticked or unticked *Enabled*; the owner applies
            it through the core and then calls ``set_rows`` (the model does not change by itself).
    """

    NAME, SOURCE, ENABLED = range(3)
    HEADERS = ("Name", "Source", "Enabled")
    HEADER_TIPS: ClassVar[dict[int, str]] = {ENABLED: "Disabled registries stay in the list but are not fetched or browsed"}

    enabled_toggled = Signal(object, bool)

    def row_data(self, reg: Registry, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.NAME:
                return reg.name
            if col == self.SOURCE:
                return reg.source.url
            return None
        if role == BADGES_ROLE:
            return [Badge("default", BadgeKind.NEUTRAL)] if col == self.NAME and reg.is_default else []
        if role == Qt.ItemDataRole.CheckStateRole and col == self.ENABLED:
            return Qt.CheckState.Checked if reg.enabled else Qt.CheckState.Unchecked
        if role == SORT_ROLE:
            return int(reg.enabled) if col == self.ENABLED else _fold(str(self.row_data(reg, col, Qt.ItemDataRole.DisplayRole)))
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.NAME and reg.is_default:
                return f"{reg.name} is the default registry: it can be disabled but not removed."
            if col == self.SOURCE:
                return reg.source.url
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.ENABLED:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != self.ENABLED or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        self.enabled_toggled.emit(self._rows[index.row()], checked)
        return True


# -- filtering ---------------------------------------------------------------------------------

def search_terms(text: str) -> tuple[str, ...]:
    """The words a filter text requires, case-folded (``"PDF  form"`` → ``("pdf", "form")``)."""
    return tuple(text.casefold().split())


def passes(keys: list[str], rows: list[Any], terms: tuple[str, ...],
           predicate: Callable[[Any], bool] | None) -> list[bool]:
    """The filter's verdict per row: every term occurs in the row's search key (``SEARCH_ROLE``
    text) and ``predicate(row)`` holds. ``keys`` and ``rows`` are parallel lists; one pass per
    term, plain substring tests (issue 18: thousands of rows per keystroke)."""
    if not terms:
        ok = [True] * len(keys)
    else:
        ok = [terms[0] in k for k in keys]
        for term in terms[1:]:  # one pass per word, skipping rows already out
            ok = [v and term in k for v, k in zip(ok, keys)]
    if predicate is not None:
        ok = [v and predicate(r) for v, r in zip(ok, rows)]
    return ok


class SearchFilterProxy(QSortFilterProxyModel):
    """Case-insensitive search over name and description (``SEARCH_ROLE``), sorting by ``SORT_ROLE``.

    Every whitespace-separated word of the text must occur (``"pdf form"`` matches a skill whose
    name or description contains both words). Per keystroke on thousands of rows: the haystack is
    precomputed by the model, matching is plain substring tests.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._terms: tuple[str, ...] = ()
        self._predicate: Callable[[Any], bool] | None = None
        self._accepted: list[bool] | None = None
        """Issue 18: the filter's verdict per source row, computed in one pass when the filter
        changes (per row calls then only look it up); None after the rows changed."""
        self._sort_column, self._sort_order = -1, Qt.SortOrder.AscendingOrder
        self._sort_key: Callable[[Any], Any] | None = None
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(True)

    def set_sort_key(self, key: Callable[[Any], Any] | None) -> None:
        """Sort by ``key(row dataclass)`` instead of the sort column's ``SORT_ROLE`` (issue 19: sort
        by plugin, category, registry, size); None sorts by the column again. A source model that
        sorts itself (issue 18) applies the key once per row instead of per comparison."""
        self._sort_key = key
        model: Any = self.sourceModel()
        if getattr(model, "SORTS_ITSELF", False):
            model.set_sort_key(key)
            return
        self.invalidate()

    def lessThan(self, left: Index, right: Index) -> bool:  # noqa: N802 - Qt override
        if self._sort_key is None:
            return super().lessThan(left, right)
        model = self.sourceModel()
        a = model.data(model.index(left.row(), 0, left.parent()), ROW_ROLE)
        b = model.data(model.index(right.row(), 0, right.parent()), ROW_ROLE)
        return bool(self._sort_key(a) < self._sort_key(b))

    def multiData(self, index: Index, span: Any) -> None:  # noqa: N802 - Qt override
        """Qt's method: one call per painted cell (issue 18). A source model of this module
        answers every role at once; Qt's own path mapped the index and called into Python once
        per role."""
        model: Any = self.sourceModel()
        if isinstance(model, _TableModel):
            model.multiData(self.mapToSource(index), span)
        else:
            super().multiData(index, span)

    def setSourceModel(self, model: Any) -> None:  # noqa: N802 - Qt name
        """Qt's method; also forgets cached verdicts whenever the source's rows change.

        Connected before Qt's own handlers (slots run in connection order): the proxy filters
        inserted or changed rows as soon as it hears of them, and a verdict cached by the old row
        numbers would be read for the wrong row."""
        for signal in (model.rowsAboutToBeInserted, model.rowsAboutToBeRemoved, model.modelAboutToBeReset,
                       model.dataChanged, model.layoutAboutToBeChanged):
            signal.connect(self._forget)
        super().setSourceModel(model)

    def _forget(self, *_: object) -> None:
        self._accepted = None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Qt's method. A source model that sorts itself (``SORTS_ITSELF``) is asked to; the proxy
        then keeps the source order (no Python call per comparison)."""
        model = self.sourceModel()
        if getattr(model, "SORTS_ITSELF", False):
            self._sort_column, self._sort_order = column, order
            model.sort(column, order)
            return
        super().sort(column, order)

    def sortColumn(self) -> int:  # noqa: N802 - Qt name
        """Qt's method (the column the source sorts by, for a self-sorting source)."""
        return self._sort_column if getattr(self.sourceModel(), "SORTS_ITSELF", False) else super().sortColumn()

    def sortOrder(self) -> Qt.SortOrder:  # noqa: N802 - Qt name
        """Qt's method (see :meth:`sortColumn`)."""
        return self._sort_order if getattr(self.sourceModel(), "SORTS_ITSELF", False) else super().sortOrder()

    def _verdicts(self) -> list[bool]:
        model = self.sourceModel()
        keys = model.search_keys() if hasattr(model, "search_keys") else None
        n = model.rowCount()
        if keys is None:
            keys = [model.data(model.index(i, 0), SEARCH_ROLE) or "" for i in range(n)]
        rows = model.rows_in_order() if hasattr(model, "rows_in_order") else None
        if rows is None or len(rows) != n:
            rows = [model.data(model.index(i, 0), ROW_ROLE) for i in range(n)] if self._predicate else [None] * n
        return passes(keys, rows, self._terms, self._predicate)

    def _refilter(self, update: Callable[[], None]) -> None:
        def change() -> None:  # the cached verdicts follow every filter change
            update()
            self._accepted = self._verdicts() if self.sourceModel() is not None else None

        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.9: invalidateFilter() is deprecated
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - older Qt
            change()
            self.invalidateFilter()

    def set_row_filter(self, predicate: Callable[[Any], bool] | None) -> None:
        """Also require ``predicate(row dataclass)`` (``ROW_ROLE``) to be true, e.g. "updates only";
        None removes it."""
        if predicate is self._predicate:
            return

        def change() -> None:
            self._predicate = predicate

        self._refilter(change)

    def filter_text(self) -> str:
        """The current filter text (terms joined by one space)."""
        return " ".join(self._terms)

    def set_filter_text(self, text: str) -> None:
        """Filter on ``text`` (empty shows every row)."""
        terms = search_terms(text)
        if terms == self._terms:
            return

        def change() -> None:
            self._terms = terms

        self._refilter(change)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        accepted = self._accepted
        if accepted is not None and source_row < len(accepted):
            return accepted[source_row]
        model = self.sourceModel()
        index = model.index(source_row, 0, source_parent)
        return passes([model.data(index, SEARCH_ROLE) or ""], [model.data(index, ROW_ROLE)],
                      self._terms, self._predicate)[0]


FILTER_ROLE = int(Qt.ItemDataRole.UserRole) + 5
"""In a :class:`RowFilterModel`'s paint mirror: the filter's text of a row, ``"\\x01"`` when the row
passes the row predicate (``"\\x00"`` when not) followed by its ``SEARCH_ROLE`` text."""

_PLACE_ROLE = int(Qt.ItemDataRole.UserRole) + 6
"""In a paint mirror: a row's new place while the mirror follows its source's re-sort."""

MIRRORED_ROLES: tuple[int, ...] = (
    int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.DecorationRole), int(Qt.ItemDataRole.ForegroundRole),
    ROW_ROLE)
"""The roles a paint mirror holds per cell: what a view paints, and the row dataclass the UI reads
back through the filter (``index.data(ROW_ROLE)``). Any other role (tooltips, ``SORT_ROLE``,
``BADGES_ROLE``…) is made when asked, by :meth:`RowFilterModel.cell` (tooltips shown by
``widgets.LazyTipDelegate``); each copied role costs every arriving row."""

_MIRROR_FLAGS = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
"""Flags of a mirrored cell: a catalog row is selected, never edited, dragged or expanded (what
``QAbstractTableModel.flags`` gives the source's cells)."""


class _PaintMirror(QStandardItemModel):
    """Row for row, a copy in Qt's own item model of what a self-sorting table model (the source)
    shows: the roles of :data:`MIRRORED_ROLES` per cell, plus :data:`FILTER_ROLE` in column 0.

    Issue 18: painting a table over a Python model calls into Python for every painted cell
    (``rowCount``, ``columnCount``, ``multiData``), and each call takes the interpreter lock back
    from whichever thread holds it. While external plugins resolve in the background, a 6 ms repaint
    of the browse table took 31–79 ms. A view over this mirror (through :class:`RowFilterModel`, a
    ``QSortFilterProxyModel`` with no Python in its paint path) paints without Python.

    It follows the source's signals: a reset is rebuilt (signals held, one reset), inserted rows are
    inserted, removed rows removed, changed cells copied again (the roles the change names, or all),
    a re-sort replayed with Qt's own sort (persistent indexes, hence selection, follow), header
    changes copied. Mirror row ``r`` is always source row ``r``.
    """

    def __init__(self, source: Any, parent: Any = None, before_change: Callable[[], None] | None = None) -> None:
        super().__init__(0, source.columnCount(), parent)
        self._source = source
        self._told = weakref.WeakMethod(before_change) if before_change is not None else None
        """Called before the mirror changes (the filter gives Qt a pattern it held back); weak: a
        strong reference from the child to its parent filter made a cycle that the garbage
        collector took apart in an order Qt does not survive."""
        self._columns = source.columnCount()
        self.predicate: Callable[[Any], bool] | None = None
        """The row predicate of the filter (its verdict is the first character of ``FILTER_ROLE``)."""
        self._held: list[Any] | None = None
        self._prototype = QStandardItem()
        self._prototype.setFlags(_MIRROR_FLAGS)
        self._plan_cache: list[tuple[int, ...]] | None = None
        self._built = 0
        """Source rows copied so far: rows ``0..built-1`` (a big reset is copied over several
        event-loop turns, :data:`BUILD_CHUNK` rows per turn; the rest are the source's last rows)."""
        self._building = False
        self.decorations: dict[int, Callable[[Any], Any]] = {}
        """Per column, a maker of the cell's decoration from its ``BADGES_ROLE`` value (a strip of
        pills: ``widgets.BadgeStripDelegate``); such a column's text is kept for screen readers
        (``AccessibleTextRole``), not painted."""
        self._copy_headers()
        source.modelReset.connect(self.rebuild)
        source.rowsInserted.connect(self._inserted)
        source.rowsRemoved.connect(self._removed)
        source.dataChanged.connect(self._changed)
        source.layoutAboutToBeChanged.connect(self._hold_order)
        source.layoutChanged.connect(self._reorder)
        source.headerDataChanged.connect(self._copy_headers)
        self.rebuild()

    def _before_change(self) -> None:
        call = self._told() if self._told is not None else None
        if call is not None:
            call()

    def sourceModel(self) -> Any:  # noqa: N802 - the name ``fit.ColumnFitter`` follows to the data
        """The mirrored model (``fit.ColumnFitter`` measures text there)."""
        return self._source

    def _copy_headers(self, *_: object) -> None:
        horizontal = Qt.Orientation.Horizontal
        for c in range(self._columns):
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                self.setHeaderData(c, horizontal, self._source.headerData(c, horizontal, role), role)

    def filter_text(self, r: int) -> str:
        """``FILTER_ROLE`` text of source row ``r``."""
        row, predicate = self._source.row_at(r), self.predicate
        return ("\x01" if predicate is None or predicate(row) else "\x00") + self._source.search_keys()[r]

    def _roles_of(self, c: int) -> tuple[int, ...]:
        """The roles copied for column ``c``: those its source paints (``painted_roles``), a
        decorated column's text and decoration, and ``ROW_ROLE``."""
        if c in self.decorations:
            return (int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.DecorationRole), ROW_ROLE)
        painted = getattr(self._source, "painted_roles", None)
        return (*(painted(c) if painted is not None else MIRRORED_ROLES[:3]), ROW_ROLE)

    def _copy(self, item: QStandardItem, row: Any, c: int, roles: Iterable[int], fresh: bool = False) -> None:
        """Copy ``roles`` (of :data:`MIRRORED_ROLES`) of the source's row dataclass ``row`` in
        column ``c`` into ``item``; a decorated column's text goes to ``AccessibleTextRole`` and its
        badges become its decoration. A ``fresh`` item has nothing to clear (None is not set).
        This is the per-cell cost of every arriving row: kept tight."""
        row_data, make = self._source.row_data, self.decorations.get(c)
        for role in roles:
            if role == ROW_ROLE:
                value, target = row, ROW_ROLE
            elif make is None:
                value, target = row_data(row, c, role), role
            elif role == Qt.ItemDataRole.DisplayRole:
                value, target = row_data(row, c, role), int(Qt.ItemDataRole.AccessibleTextRole)
            else:  # the decoration: the badges' strip
                value, target = make(row_data(row, c, BADGES_ROLE)), role
            if value is not None or not fresh:
                item.setData(value, target)

    def _items(self, r: int) -> list[QStandardItem]:
        """The cells of source row ``r``."""
        row, items = self._source.row_at(r), []
        for c, roles in enumerate(self._plan()):
            item = self._prototype.clone()
            self._copy(item, row, c, roles, fresh=True)
            items.append(item)
        items[0].setData(self.filter_text(r), FILTER_ROLE)
        return items

    def _plan(self) -> list[tuple[int, ...]]:
        """The roles copied per column (:meth:`_roles_of`, computed once per set of decorations)."""
        if self._plan_cache is None:
            self._plan_cache = [self._roles_of(c) for c in range(self._columns)]
        return self._plan_cache

    def set_decoration(self, column: int, make: Callable[[Any], Any] | None) -> None:
        """Paint ``column``'s badges as ``make(badges)`` (None: as the source says) and copy that
        column again."""
        if make is None:
            self.decorations.pop(column, None)
        else:
            self.decorations[column] = make
        self._plan_cache = None
        self.refresh(column)

    def refresh(self, column: int) -> None:
        """Copy ``column`` of every row again (e.g. its decorations after a palette change)."""
        blocked = self.blockSignals(True)
        try:
            roles = self._plan()[column]
            for r in range(self.rowCount()):
                item = self.item(r, column)
                for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.DecorationRole,
                             Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ForegroundRole):
                    item.setData(None, role)  # what the column showed before may not be shown now
                self._copy(item, self._source.row_at(r), column, roles, fresh=True)
        finally:
            self.blockSignals(blocked)
        if self.rowCount():
            self.dataChanged.emit(self.index(0, column), self.index(self.rowCount() - 1, column),
                                  [int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.DecorationRole)])

    BUILD_CHUNK = 100
    """Rows copied per event-loop turn when the source is reset with more (issue 18: 5,000 rows
    copied at once held the GUI thread 240 ms); about 6 ms of work per turn. (400 a turn made
    *All registries* copy a 324-row reset in one 22 ms pass while a registry loaded.)"""

    def rebuild(self, *_: object) -> None:
        """Copy every row again: one model reset with the first :data:`BUILD_CHUNK` rows (signals
        held while they go in), the others appended on the following event-loop turns."""
        self._before_change()
        self.beginResetModel()
        blocked = self.blockSignals(True)
        try:
            self.setRowCount(0)
            self._built = min(self._source.rowCount(), self.BUILD_CHUNK)
            for r in range(self._built):
                self.appendRow(self._items(r))
        finally:
            self.blockSignals(blocked)
        self.endResetModel()
        self._schedule_build()

    def _schedule_build(self) -> None:
        if self._built < self._source.rowCount() and not self._building:
            self._building = True
            QTimer.singleShot(0, self, self._build_more)

    def _build_more(self) -> None:
        self._building = False
        n = min(self._source.rowCount() - self._built, self.BUILD_CHUNK)
        if n <= 0:
            return
        self._before_change()
        first = self._built
        self._built += n
        self._put(first, first + n - 1)
        self._schedule_build()

    def is_complete(self) -> bool:
        """True when every source row is copied (False for a few turns after a big reset)."""
        return self._built == self._source.rowCount()

    def set_predicate(self, predicate: Callable[[Any], bool] | None) -> None:
        """Use ``predicate`` for the rows' ``FILTER_ROLE`` texts (written with signals held: the
        filter is told once, by its caller)."""
        self._before_change()
        self.predicate = predicate
        blocked = self.blockSignals(True)
        try:
            for r in range(self.rowCount()):
                self.item(r, 0).setData(self.filter_text(r), FILTER_ROLE)
        finally:
            self.blockSignals(blocked)

    def _inserted(self, parent: Index, first: int, last: int) -> None:
        self._before_change()  # the source changed, copied or not: what the filter knows is stale
        if parent.isValid() or first > self._built:
            return  # rows among those not copied yet: the build reaches them
        self._built += last - first + 1
        self._put(first, last)

    def _put(self, first: int, last: int) -> None:
        """Insert copies of source rows ``first..last``."""
        if first == last:  # one row (a sorted arrival's usual run): one insertion, items and all
            self.insertRow(first, self._items(first))
            return
        # one insertion of empty rows, filled with signals held, then one change for the run: a row
        # at a time told the filter, the view and their Python listeners once per row
        self.insertRows(first, last - first + 1)
        blocked = self.blockSignals(True)
        try:
            for r in range(first, last + 1):
                for c, item in enumerate(self._items(r)):
                    self.setItem(r, c, item)
        finally:
            self.blockSignals(blocked)
        self.dataChanged.emit(self.index(first, 0), self.index(last, self._columns - 1), [])

    def _removed(self, parent: Index, first: int, last: int) -> None:
        self._before_change()
        last = min(last, self._built - 1)
        if parent.isValid() or first > last:
            return
        self._built -= last - first + 1
        self.removeRows(first, last - first + 1)

    def _changed(self, top_left: Index, bottom_right: Index, roles: Any = ()) -> None:
        self._before_change()
        first, last = top_left.row(), min(bottom_right.row(), self._built - 1)
        if first > last:
            return
        c0, c1 = top_left.column(), bottom_right.column()
        asked = [int(r) for r in roles or ()]
        copy = [r for r in MIRRORED_ROLES if r in asked or (r == Qt.ItemDataRole.DecorationRole and BADGES_ROLE in asked)
                ] if asked else list(MIRRORED_ROLES)
        refilter = not asked or SEARCH_ROLE in asked or ROW_ROLE in asked
        blocked = self.blockSignals(True)
        try:
            plan = self._plan()
            per_column = {c: [role for role in plan[c] if role in copy] for c in range(c0, c1 + 1)}
            for r in range(first, last + 1):
                row = self._source.row_at(r)
                for c, roles_here in per_column.items():
                    self._copy(self.item(r, c), row, c, roles_here)
                if refilter:
                    self.item(r, 0).setData(self.filter_text(r), FILTER_ROLE)
        finally:
            self.blockSignals(blocked)
        told = copy + [FILTER_ROLE] if refilter and asked else ([] if not asked else copy)
        if asked and any(c in self.decorations for c in range(c0, c1 + 1)):
            told += [int(Qt.ItemDataRole.DecorationRole), int(Qt.ItemDataRole.AccessibleTextRole)]
        self.dataChanged.emit(self.index(first, 0 if refilter else c0), self.index(last, c1), told)

    def _hold_order(self, *_: object) -> None:
        self._held = list(self._source.rows_in_order())

    def _reorder(self, *_: object) -> None:
        self._before_change()
        old, self._held = self._held, None
        new = self._source.rows_in_order()
        where = {id(r): i for i, r in enumerate(new)}
        places = [where.get(id(r), -1) for r in old] if old is not None else []
        if not self.is_complete() or len(places) != self.rowCount() or len(where) != len(new) \
                or sorted(places) != list(range(len(new))):
            self.rebuild()  # not a re-ordering of the same rows
            return
        blocked = self.blockSignals(True)
        try:
            for i, p in enumerate(places):
                self.item(i, 0).setData(p, _PLACE_ROLE)
        finally:
            self.blockSignals(blocked)
        self.setSortRole(_PLACE_ROLE)
        self.sort(0)  # Qt's sort: one layout change, persistent indexes follow their rows


class RowFilterModel(QSortFilterProxyModel):
    """The rows of a self-sorting table model (``SORTS_ITSELF``, e.g. :class:`CatalogTableModel`)
    that match a search text and a row predicate, in that model's order: the browse table's filter.

    It answers what :class:`SearchFilterProxy` answers (``set_filter_text``, ``set_row_filter``,
    ``set_sort_key``, ``sort``, ``sourceModel``, ``mapFromSource``) with the same verdicts as
    :func:`passes`, and adds :meth:`visible_rows`, :meth:`cell` and :meth:`tooltip`.

    Issue 18, how it stays fast:

    - **Painting runs no Python.** The view reads a :class:`_PaintMirror` of the source through
      this proxy, neither of which answers Qt from Python. While other threads run Python (external
      plugins resolving), a repaint over the Python models waited for the interpreter lock at every
      cell: 6.7 ms alone, a median of 30 ms with five such threads (``bench/bench_gui.py``,
      *browse table while other threads run Python*); over the mirror 3.5 and 4.0 ms.
    - **A keystroke runs no Python per row.** The search words become one regular expression over
      the mirror's :data:`FILTER_ROLE` (the row predicate's verdict, then the search text), matched
      by Qt; the view hears one ``layoutChanged`` (the proxy's own per-range signals are held), and
      persistent indexes (selection, current row) keep their rows or are dropped. A keystroke that
      leaves the rows shown as they are tells Qt nothing until the source next changes.
    - **The predicate runs once per row** when it changes, and for rows that arrive or change.
    - **A table nobody sees is filtered later** (:meth:`set_deferred`, a browse tab behind another):
      its rows are counted (:meth:`shown_count`, :meth:`visible_rows`), Qt is told when it shows.

    Through Qt (``index.data``) the filter answers the mirrored roles (:data:`MIRRORED_ROLES`,
    ``ROW_ROLE`` among them); :meth:`cell` answers any role from the source. ``mapToSource`` gives
    an index of the mirror (same row number as the source's); ``mapFromSource`` also takes an index
    of the source itself. Just after a reset of more than ``_PaintMirror.BUILD_CHUNK`` rows the
    table holds the first rows and the rest follow over a few event-loop turns
    (:meth:`is_complete`); :meth:`visible_rows` already lists them all.
    """

    counted = Signal()
    """The rows that pass changed, told to Qt or deferred (:meth:`shown_count` has the new count)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._catalog: Any = None
        self._mirror: _PaintMirror | None = None
        self._terms: tuple[str, ...] = ()
        self._predicate: Callable[[Any], bool] | None = None
        self._sort_column, self._sort_order = -1, Qt.SortOrder.AscendingOrder
        self._shown_rows: list[int] | None = None
        """Source rows shown, when known (None: the source changed since the last filter change)."""
        self._applied: tuple[tuple[str, ...], Callable[[Any], bool] | None] = ((), None)
        """The words and predicate Qt filters with."""
        self._pending: tuple[tuple[str, ...], Callable[[Any], bool] | None] | None = None
        """Words and predicate not given to Qt yet (:meth:`_refilter`)."""
        self._stale = False
        """True when the pending words and predicate pass other rows than Qt shows (deferred)."""
        self._deferred = False
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(0)

    # -- source -----------------------------------------------------------------------------------

    def setSourceModel(self, model: Any) -> None:  # noqa: N802 - Qt's name
        """Show ``model``'s rows. Raises ``ValueError`` if the model does not sort itself
        (``SORTS_ITSELF``: this filter keeps its source's order) or a source was set before."""
        if not getattr(model, "SORTS_ITSELF", False):
            raise ValueError(f"{type(model).__name__} does not sort itself; use SearchFilterProxy")
        if self._catalog is not None:
            raise ValueError("RowFilterModel: the source model is set once")
        self._catalog = model
        self._mirror = _PaintMirror(model, self, before_change=self._flush)
        super().setSourceModel(self._mirror)

    def sourceModel(self) -> Any:  # noqa: N802 - Qt's name
        """The filtered model (None before :meth:`setSourceModel`); Qt's side reads its mirror."""
        return self._catalog

    def mapFromSource(self, index: Index) -> QModelIndex:  # noqa: N802 - Qt's name
        """The index shown for an index of the source or of its mirror (invalid when that row is
        filtered out)."""
        if self._mirror is not None and index.isValid() and index.model() is self._catalog:
            index = self._mirror.index(index.row(), index.column())
        return super().mapFromSource(index)

    # -- filter -----------------------------------------------------------------------------------

    @staticmethod
    def _pattern(terms: tuple[str, ...], predicate: Callable[[Any], bool] | None) -> QRegularExpression:
        """Qt's pattern over :data:`FILTER_ROLE` for ``terms`` and ``predicate``."""
        if not terms and predicate is None:
            return QRegularExpression()  # Qt accepts every row without looking
        words = "".join(f"(?=.*?{QRegularExpression.escape(t)})" for t in terms)
        return QRegularExpression("^\\x01" + words, QRegularExpression.PatternOption.DotMatchesEverythingOption)

    def _passing(self, terms: tuple[str, ...], predicate: Callable[[Any], bool] | None) -> list[int]:
        """Source rows that pass ``terms`` and ``predicate`` (:func:`passes`), ascending."""
        if self._catalog is None:
            return []
        rows = self._catalog.rows_in_order()
        if not terms and predicate is None:
            return list(range(len(rows)))
        verdicts = passes(self._catalog.search_keys(), rows, terms, predicate)
        return [i for i, ok in enumerate(verdicts) if ok]

    def _refilter(self) -> None:
        """Filter again as one layout change (Qt's per-range signals held: a keystroke on 5,000 rows
        would tell every listener of each run of rows that came or went). When the rows that pass
        are the rows shown (a keystroke that narrows nothing), or while deferred, Qt is not told
        until the source next changes (:meth:`_flush`) or the filter is no longer deferred: 1–3 ms
        instead of a filter pass and a repaint."""
        wanted = (self._terms, self._predicate)
        passing = self._passing(*wanted)
        shown = self._shown_rows if self._shown_rows is not None else self._passing(*self._applied)
        if passing == shown or self._deferred:
            self._stale = self._stale or passing != shown
            self._pending, self._shown_rows = wanted, passing
            if passing != shown:
                self.counted.emit()
            return
        self._pending = None
        self._relayout(wanted)
        self._shown_rows = passing
        self.counted.emit()

    def _relayout(self, wanted: tuple[tuple[str, ...], Callable[[Any], bool] | None]) -> None:
        """Give Qt ``wanted`` as one layout change."""
        self.layoutAboutToBeChanged.emit()
        blocked = self.blockSignals(True)
        try:
            self._apply(self._pattern(*wanted))
        finally:
            self.blockSignals(blocked)
        self._applied, self._stale = wanted, False
        self.layoutChanged.emit()

    def _apply(self, pattern: QRegularExpression) -> None:
        if pattern.pattern() != self.filterRegularExpression().pattern():
            self.setFilterRegularExpression(pattern)
        elif hasattr(self, "endFilterChange"):  # Qt 6.10 and later
            self.beginFilterChange()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:  # pragma: no cover - Qt before 6.10
            self.invalidateRowsFilter()

    def _flush(self) -> None:
        """The mirror is about to change: give Qt the pattern held back by :meth:`_refilter` (when
        it passes the rows shown, nobody is told), and forget which rows are shown."""
        self._shown_rows = None
        if self._pending is not None:
            wanted, self._pending = self._pending, None
            if self._stale:
                self._relayout(wanted)
                return
            self._applied = wanted
            blocked = self.blockSignals(True)
            try:
                self._apply(self._pattern(*wanted))
            finally:
                self.blockSignals(blocked)

    def set_deferred(self, deferred: bool) -> None:
        """While ``deferred`` (its table is not shown, e.g. a browse tab behind another), a filter
        change is counted (:meth:`shown_count`, :meth:`visible_rows`) but given to Qt only when
        the filter is no longer deferred or its source changes; until then the filter's rows
        through Qt (``rowCount``, indexes, selection) are those of the last change Qt was given.

        Issue 18: the browse dialog's search filters every registry tab and *All registries*;
        with 16 registries, filtering the tabs nobody saw cost each keystroke about 8 ms."""
        self._deferred = deferred
        if not deferred and self._stale and self._pending is not None:
            wanted, self._pending = self._pending, None
            self._relayout(wanted)

    def shown_count(self) -> int:
        """How many rows pass the filter: ``rowCount()``, or, while a filter change is deferred
        (:meth:`set_deferred`), how many it lets through."""
        if self._stale and self._shown_rows is not None:
            return len(self._shown_rows)
        return self.rowCount()

    def filter_text(self) -> str:
        """The current filter text (terms joined by one space)."""
        return " ".join(self._terms)

    def set_filter_text(self, text: str) -> None:
        """Show the rows whose name or description contains every word of ``text`` (empty: all)."""
        terms = search_terms(text)
        if terms != self._terms:
            self._terms = terms
            self._refilter()

    def set_row_filter(self, predicate: Callable[[Any], bool] | None) -> None:
        """Also require ``predicate(row dataclass)`` to be true, e.g. "updates only"; None removes it."""
        if predicate is not self._predicate:
            self._predicate = predicate
            if self._mirror is not None:
                self._mirror.set_predicate(predicate)
            self._refilter()

    def visible_rows(self) -> list[Any]:
        """The row dataclasses shown, in order: those the last filter change found (or one list
        pass with :func:`passes` when the source changed since); no call per row through Qt."""
        if self._catalog is None:
            return []
        if self._shown_rows is None:
            self._shown_rows = self._passing(self._terms, self._predicate)
        rows = self._catalog.rows_in_order()
        return [rows[i] for i in self._shown_rows]

    # -- sorting (the source sorts itself) --------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Qt's method: the source sorts itself; the rows shown follow."""
        self._sort_column, self._sort_order = column, order
        if self._catalog is not None:
            self._catalog.sort(column, order)

    def sortColumn(self) -> int:  # noqa: N802 - Qt's name
        """The column last sorted by (-1: none)."""
        return self._sort_column

    def sortOrder(self) -> Qt.SortOrder:  # noqa: N802 - Qt's name
        """The order last sorted in."""
        return self._sort_order

    def set_sort_key(self, key: Callable[[Any], Any] | None) -> None:
        """Sort by ``key(row dataclass)``; None sorts by the column again (the source's
        ``set_sort_key``)."""
        if self._catalog is not None:
            self._catalog.set_sort_key(key)

    def is_complete(self) -> bool:
        """True when the paint mirror holds every source row (after a reset of more than
        ``_PaintMirror.BUILD_CHUNK`` rows it fills over a few event-loop turns)."""
        return self._mirror is None or self._mirror.is_complete()

    def set_decoration(self, column: int, make: Callable[[Any], Any] | None) -> None:
        """Paint ``column``'s badges (``BADGES_ROLE``) as the decoration ``make(badges)`` gives, e.g.
        one pixmap of pills (``widgets.BadgeStripDelegate``); None paints the source's text again.
        Call it after :meth:`setSourceModel`."""
        if self._mirror is not None:
            self._mirror.set_decoration(column, make)

    def refresh_decorations(self) -> None:
        """Make every decoration of :meth:`set_decoration` again (after a palette or font change)."""
        if self._mirror is not None:
            for column in list(self._mirror.decorations):
                self._mirror.refresh(column)

    # -- answers from the source ------------------------------------------------------------------

    def cell(self, r: int, col: int, role: int) -> Any:
        """The source's answer (``cell``) for the row shown at ``r``, column ``col``, any role,
        tooltips included (None when out of range)."""
        if self._catalog is None or not 0 <= r < self.rowCount():
            return None
        source = self.mapToSource(self.index(r, col))
        return self._catalog.cell(source.row(), col, role) if source.isValid() else None

    def tooltip(self, index: Index) -> str | None:
        """The tooltip of a cell shown, made when asked (the mirror holds none)."""
        value = self.cell(index.row(), index.column(), int(Qt.ItemDataRole.ToolTipRole)) if index.isValid() else None
        return value if isinstance(value, str) and value else None
